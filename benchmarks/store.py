"""Reading a sweep's runs back from a large results store, side by side in one process: the keyed read that
``bounds.sweep`` uses (a join of the wanted run keys with the episodes' primary-key index) vs the baseline it
replaced (read the whole store, then select rows with a Python mask). The store holds many runs of which one sweep
wants a few. Run: ``python benchmarks/store.py [--quick]``.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from boundlab.bounds.store import Store, params_key
from _common import header, table, timed


def fill(store: Store, runs: int, episodes: int) -> list[tuple]:
    """``runs`` synthetic runs of ``episodes`` episodes each (runs across 50 instances); returns their keys."""
    rng = np.random.default_rng(0)
    keys = [("ucbvi-ch", f"inst-{i % 50:02d}", i // 50, episodes, params_key(None)) for i in range(runs)]
    frame = pd.DataFrame({"episode": np.arange(episodes)})
    for key in keys:
        frame["regret"], frame["return"] = rng.random(episodes), rng.random(episodes)
        store.add(key, frame, 0.0)
    return keys


def full_read_and_mask(store: Store, algorithms, instances, seeds, episodes) -> pd.DataFrame:
    """The baseline: every stored row, then a Python membership test per row (no parameter filter)."""
    df = store.frame()
    keys = {(a, i, int(s)) for a, i, s in itertools.product(algorithms, instances, seeds)}
    mask = [(a, i, s) in keys and e == episodes for a, i, s, e in
            zip(df["algorithm"], df["instance"], df["seed"], df["episodes"])]
    return df[mask].reset_index(drop=True)


def main(quick: bool) -> None:
    runs, episodes = (200, 5000) if quick else (400, 20000)
    header(f"Results store: read back one sweep's runs ({runs} runs x {episodes} episodes stored)")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "runs.sqlite")
        fill(store, runs, episodes)
        wanted = (["ucbvi-ch"], ["inst-00", "inst-01"], range(4))
        keyed_keys = [(a, i, s, episodes, params_key(None)) for a, i, s in itertools.product(*wanted)]
        t_keyed, keyed = timed(store.frame, keyed_keys, repeat=3)
        t_full, full = timed(full_read_and_mask, store, *wanted, episodes)
        pd.testing.assert_frame_equal(keyed, full)
        table([{"stored rows": runs * episodes, "rows read back": len(keyed), "keyed join (s)": t_keyed,
                "full read + mask (s)": t_full, "ratio": t_full / t_keyed}])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
