"""The results store's compact layout (one row per run, per-episode arrays as zlib-compressed float64 BLOBs) against
the per-episode-row layout it replaced, side by side in one process on the same runs: file size, write time, a keyed
read of one sweep's runs, a full read, and the conversion of the old file on open. The runs are real: every learner
of ``boundlab check`` on its fixed instance, two seeds each, stored under several instance names to make the store
large; or the runs of an existing store (``--store results/runs-quick.sqlite`` after ``boundlab check --quick``).
Run: ``python benchmarks/store.py [--quick] [--store PATH]``.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from boundlab import bounds
from boundlab.bounds.check import CHECKED, fixed_instance
from boundlab.bounds.store import KEY, Store, params_key
from _common import header, table, timed

OLD_KEY = ["algorithm", "instance", "seed", "episodes", "params"]


class OldStore:
    """The baseline: the per-episode-row layout as it was before the compact store (write and read code kept as
    they were)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS runs (
        algorithm TEXT NOT NULL, instance TEXT NOT NULL, seed INTEGER NOT NULL, episodes INTEGER NOT NULL,
        params TEXT NOT NULL, seconds REAL NOT NULL,
        PRIMARY KEY (algorithm, instance, seed, episodes, params));
    CREATE TABLE IF NOT EXISTS episodes (
        algorithm TEXT NOT NULL, instance TEXT NOT NULL, seed INTEGER NOT NULL, episodes INTEGER NOT NULL,
        params TEXT NOT NULL, episode INTEGER NOT NULL, regret REAL NOT NULL, return REAL NOT NULL,
        PRIMARY KEY (algorithm, instance, seed, episodes, params, episode));
    """

    def __init__(self, path: Path):
        self.path = path
        with sqlite3.connect(path) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(self.SCHEMA)
        con.close()

    def add(self, key: tuple, frame: pd.DataFrame, seconds: float) -> None:
        rows = [key + (int(e), float(r), float(g)) for e, r, g in
                zip(frame["episode"], frame["regret"], frame["return"])]
        con = sqlite3.connect(self.path, timeout=60)
        with con:
            con.execute("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)", key + (seconds,))
            con.executemany("INSERT OR IGNORE INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.close()

    def frame(self, keys=None) -> pd.DataFrame:
        con = sqlite3.connect(self.path, timeout=60)
        with con:
            if keys is None:
                df = pd.read_sql_query("SELECT * FROM episodes", con)
            else:
                con.execute(f"CREATE TEMP TABLE wanted ({', '.join(OLD_KEY)})")
                con.executemany("INSERT INTO wanted VALUES (?, ?, ?, ?, ?)", keys)
                df = pd.read_sql_query(f"SELECT episodes.* FROM wanted JOIN episodes USING ({', '.join(OLD_KEY)})",
                                       con)
        con.close()
        return df.sort_values(OLD_KEY + ["episode"], ignore_index=True)


def real_runs(episodes: int, copies: int) -> dict[tuple, pd.DataFrame]:
    """Run key -> its ``episode, regret, return`` frame: every checked learner on its fixed instance, two seeds,
    each run stored under ``copies`` instance names (with their own model hashes)."""
    runs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for a in CHECKED:
            df = bounds.measure_regret(a, fixed_instance(a), episodes, seeds=[0, 1], executor=pool)
            for s, run in df.groupby("seed"):
                for c in range(copies):
                    model = hashlib.sha256(str(c).encode()).hexdigest()
                    runs[a, f"inst-{c:02d}", model, int(s), episodes, params_key(None)] = \
                        run[["episode", "regret", "return"]].reset_index(drop=True)
    return runs


def stored_runs(path: Path) -> dict[tuple, pd.DataFrame]:
    """The runs of an existing store (e.g. the one ``boundlab check --quick`` writes)."""
    df = Store(path).frame()
    return {key: run[["episode", "regret", "return"]].reset_index(drop=True)
            for key, run in df.groupby(list(KEY), sort=False)}


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def compare(runs: dict[tuple, pd.DataFrame]) -> None:
    """Write ``runs`` in both layouts, read them back (one sweep's runs, then all), convert the old file."""
    old_key = lambda key: tuple(v for k, v in zip(KEY, key) if k != "model")
    first = next(iter(runs))
    wanted = [k for k in runs if k[1] == first[1]][:8]  # one sweep's runs: up to 8 on one instance
    with tempfile.TemporaryDirectory() as tmp:
        old_path, new_path = Path(tmp) / "old.sqlite", Path(tmp) / "new.sqlite"
        old, new = OldStore(old_path), Store(new_path)
        t_old_write, _ = timed(lambda: [old.add(old_key(k), f, 0.0) for k, f in runs.items()])
        t_new_write, _ = timed(lambda: [new.add(k, f, 0.0) for k, f in runs.items()])
        with Store(Path(tmp) / "held.sqlite") as held:  # as a sweep writes: one connection for all its runs
            t_held_write, _ = timed(lambda: [held.add(k, f, 0.0) for k, f in runs.items()])
        t_old_keyed, old_keyed = timed(old.frame, [old_key(k) for k in wanted], repeat=3)
        t_new_keyed, new_keyed = timed(new.frame, wanted, repeat=3)
        t_old_full, old_full = timed(old.frame, repeat=2)
        t_new_full, new_full = timed(new.frame, repeat=2)
        for o, n in ((old_keyed, new_keyed), (old_full, new_full)):  # same rows, bit for bit
            pd.testing.assert_frame_equal(o, n.drop(columns="model").sort_values(OLD_KEY + ["episode"],
                                          ignore_index=True), check_dtype=False, check_exact=True)
        old_size, new_size = size(old_path), size(new_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_migrate, migrated = timed(Store, old_path)
        pd.testing.assert_frame_equal(migrated.frame(), new_full.assign(model="").sort_values(
            [*KEY, "episode"], ignore_index=True), check_exact=True)
        rows = len(new_full)
        table([{"layout": name, "file (MB)": s / 1e6, "bytes / episode": s / rows, "write (s)": w,
                f"keyed read, {len(wanted)} runs (s)": k, f"full read, {rows:.3g} rows (s)": f}
               for name, s, w, k, f in (("per-episode rows", old_size, t_old_write, t_old_keyed, t_old_full),
                                        ("compact (zlib BLOBs)", new_size, t_new_write, t_new_keyed, t_new_full),
                                        ("compact, `with store:`", size(Path(tmp) / "held.sqlite"), t_held_write,
                                         "-", "-"))])
        table([{"smaller": old_size / new_size, "write faster": t_old_write / t_new_write,
                "write faster, held connection": t_old_write / t_held_write,
                "keyed read faster": t_old_keyed / t_new_keyed, "full read faster": t_old_full / t_new_full,
                "old file converted on open (s)": t_migrate, "converted file (MB)": size(old_path) / 1e6}])


def main(quick: bool, store: Path | None) -> None:
    if store is not None:
        runs = stored_runs(store)
        header(f"Results store: the {len(runs)} runs of {store}, compact vs per-episode rows")
    else:
        episodes, copies = (5000, 3) if quick else (20000, 6)
        runs = real_runs(episodes, copies)
        header(f"Results store: {len(runs)} real runs x {episodes} episodes, compact vs per-episode rows")
    compare(runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--store", type=Path, help="compare on the runs of this existing store instead")
    args = parser.parse_args()
    main(args.quick, args.store)
