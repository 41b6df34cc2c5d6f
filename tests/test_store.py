"""The results store: bit-exact round trips, keyed reads against a plain pandas reference, refused keys and frames,
and the conversion of a store in the per-episode layout."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from boundlab.bounds.store import KEY, Store, params_key


def run_frame(regret, ret) -> pd.DataFrame:
    return pd.DataFrame({"episode": np.arange(1, len(regret) + 1), "regret": regret, "return": ret})


def random_runs(rng, n_runs: int) -> dict[tuple, pd.DataFrame]:
    runs = {}
    for j in range(n_runs):
        episodes = int(rng.integers(1, 40))
        key = (f"alg-{j % 3}", f"inst-{j % 2}", f"hash-{j % 2}", j, episodes, params_key({"c": j % 2}))
        runs[key] = run_frame(rng.random(episodes), rng.integers(0, 5, episodes).astype(float))
    return runs


def reference(runs: dict[tuple, pd.DataFrame], keys) -> pd.DataFrame:
    """The slow obvious read: each wanted run's frame with its key columns, concatenated and sorted by pandas."""
    frames = [runs[k].assign(**dict(zip(KEY, k)))[[*KEY, "episode", "regret", "return"]] for k in set(keys)
              if k in runs]
    df = pd.concat(frames, ignore_index=True) if frames else None
    return df.sort_values([*KEY, "episode"], ignore_index=True)


@settings(max_examples=60, deadline=None)
@given(bits=st.integers(1, 300).flatmap(lambda n: st.tuples(arrays(np.uint64, n), arrays(np.uint64, n))))
def test_values_come_back_bit_for_bit(bits):
    """Any float64 bit pattern (NaN payloads, -0.0, subnormals, infinities) is read back unchanged."""
    regret, ret = (b.view(np.float64) for b in bits)
    key = ("alg", "inst", "hash", 0, len(regret), params_key(None))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "runs.sqlite")
        store.add(key, run_frame(regret, ret), 1.5)
        df = store.frame([key])
    assert df["regret"].to_numpy().view(np.uint64).tolist() == bits[0].tolist()
    assert df["return"].to_numpy().view(np.uint64).tolist() == bits[1].tolist()
    assert df["episode"].tolist() == list(range(1, len(regret) + 1))


def test_keyed_and_full_reads_match_a_pandas_reference(tmp_path):
    rng = np.random.default_rng(3)
    runs = random_runs(rng, 12)
    store = Store(tmp_path / "sub" / "runs.sqlite")  # the folder is created
    for key, frame in runs.items():
        store.add(key, frame, 0.1)
    assert store.done() == set(runs)
    keys = list(runs)
    wanted = [keys[7], keys[2], keys[7], ("alg-0", "inst-9", "hash-9", 99, 5, "{}")]  # a repeat, one not stored
    pd.testing.assert_frame_equal(store.frame(wanted), reference(runs, wanted), check_exact=True)
    pd.testing.assert_frame_equal(store.frame(), reference(runs, keys), check_exact=True)
    pd.testing.assert_frame_equal(store.frame(iter([keys[0]])), reference(runs, [keys[0]]), check_exact=True)
    empty = store.frame([])
    assert list(empty.columns) == [*KEY, "episode", "regret", "return"] and len(empty) == 0
    assert list(empty.dtypes) == list(store.frame().dtypes)


def test_a_stored_run_is_kept_and_numpy_integers_are_keys(tmp_path):
    store = Store(tmp_path / "runs.sqlite")
    key = ("alg", "inst", "hash", np.int64(4), np.int32(3), "{}")
    store.add(key, run_frame([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]), 1.0)
    store.add(key, run_frame([9.0, 9.0, 9.0], [9.0, 9.0, 9.0]), 1.0)  # already there: ignored
    assert store.done() == {("alg", "inst", "hash", 4, 3, "{}")}
    assert store.frame([key])["regret"].tolist() == [1.0, 2.0, 3.0]
    with sqlite3.connect(tmp_path / "runs.sqlite") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_params_key_is_canonical_json_with_arrays_by_content():
    """Plain JSON parameters keep the key stores already hold; numpy scalars key as their Python values, tuples as
    lists, arrays by dtype, shape and bytes (an equal copy keys alike, any change of one of the three does not)."""
    import json
    plain = {"c": 0.5, "b": [1, 2], "flag": True, "name": "x", "nested": {"z": None, "a": 1}}
    assert params_key(plain) == json.dumps(plain, sort_keys=True) and params_key(None) == params_key({}) == "{}"
    assert params_key({"c": np.float32(0.5), "n": np.int64(3), "f": np.bool_(True), "t": (1, 2)}) == \
        params_key({"c": 0.5, "n": 3, "f": True, "t": [1, 2]})
    phi = np.arange(12.0).reshape(2, 3, 2)
    key = params_key({"phi": phi})
    assert key == params_key({"phi": phi.copy()}) == params_key({"phi": np.asfortranarray(phi)})
    changed = phi.copy()
    changed[1, 2, 1] += 1e-12
    others = [changed, phi.astype(np.float32), phi.reshape(3, 2, 2), phi.tolist()]
    assert len({key, *(params_key({"phi": x}) for x in others)}) == 1 + len(others)


@pytest.mark.parametrize("key, error, words", [
    (("alg", "inst", 0, 3, "{}"), ValueError, "6 fields"),  # the key before the model hash joined it
    (("alg", "inst", "hash", 0, 3, "{}", "x"), ValueError, "6 fields"),
    ("alg", ValueError, "6 fields"),
    (("alg", "inst", "hash", 1.5, 3, "{}"), TypeError, "'seed' must be int"),
    (("alg", "inst", "hash", "0", 3, "{}"), TypeError, "'seed' must be int"),
    (("alg", "inst", "hash", True, 3, "{}"), TypeError, "'seed' must be int"),
    (("alg", "inst", "hash", 0, 3.0, "{}"), TypeError, "'episodes' must be int"),
    ((1, "inst", "hash", 0, 3, "{}"), TypeError, "'algorithm' must be str"),
    (("alg", "inst", None, 0, 3, "{}"), TypeError, "'model' must be str"),
    (("alg", "inst", "hash", 0, 3, {}), TypeError, "'params' must be str"),
])
def test_malformed_keys_are_refused(tmp_path, key, error, words):
    store = Store(tmp_path / "runs.sqlite")
    with pytest.raises(error, match=words) as info:
        store.frame([("alg", "inst", "hash", 0, 3, "{}"), key])
    assert "keys[1]" in str(info.value)
    with pytest.raises(error, match=words):
        store.add(key, run_frame([0.0] * 3, [0.0] * 3), 0.0)
    assert store.done() == set()


@pytest.mark.parametrize("frame, words", [
    (run_frame([0.0, 1.0], [0.0, 1.0]), r"episode must be the integers 1\.\.3"),  # fewer episodes than the key's
    (run_frame([0.0] * 3, [0.0] * 3).assign(episode=[0, 1, 2]), r"episode must be the integers 1\.\.3"),
    (run_frame([0.0] * 3, [0.0] * 3).assign(episode=[1.0, 2.0, 3.0]), r"episode must be the integers"),
    (run_frame(["0.5"] * 3, [0.0] * 3), "regret must be 3 real numbers"),
    (run_frame([0.0] * 3, np.ones(3, complex)), "return must be 3 real numbers"),
])
def test_malformed_runs_are_refused(tmp_path, frame, words):
    store = Store(tmp_path / "runs.sqlite")
    with pytest.raises(ValueError, match=words):
        store.add(("alg", "inst", "hash", 0, 3, "{}"), frame, 0.0)
    assert store.done() == set()


OLD_RUNS = """CREATE TABLE runs (
    algorithm TEXT NOT NULL, instance TEXT NOT NULL, {model} seed INTEGER NOT NULL, episodes INTEGER NOT NULL,
    params TEXT NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (algorithm, instance, {pk} seed, episodes, params))"""
OLD_EPISODES = """CREATE TABLE episodes (
    algorithm TEXT NOT NULL, instance TEXT NOT NULL, {model} seed INTEGER NOT NULL, episodes INTEGER NOT NULL,
    params TEXT NOT NULL, episode INTEGER NOT NULL, regret REAL NOT NULL, return REAL NOT NULL,
    PRIMARY KEY (algorithm, instance, {pk} seed, episodes, params, episode))"""


def write_old_store(path: Path, runs: dict[tuple, pd.DataFrame], with_model: bool, drop_last_row: bool = False):
    """A store in the per-episode layout, keyed without ``model`` (before issue 8) or with it."""
    fields = [k for k in KEY if with_model or k != "model"]
    con = sqlite3.connect(path)
    with con:
        column = dict(model="model TEXT NOT NULL," if with_model else "", pk="model," if with_model else "")
        con.execute(OLD_RUNS.format(**column))
        con.execute(OLD_EPISODES.format(**column))
        for key, frame in runs.items():
            old = tuple(v for k, v in zip(KEY, key) if k in fields)
            con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * (len(old) + 1))})", old + (0.5,))
            rows = [old + (int(e), float(r), float(g)) for e, r, g in frame.to_numpy()]
            con.executemany(f"INSERT INTO episodes VALUES ({', '.join('?' * (len(old) + 3))})",
                            rows[:-1] if drop_last_row else rows)
    con.close()


@pytest.mark.parametrize("with_model", [False, True])
def test_a_store_in_the_per_episode_layout_is_converted_on_open(tmp_path, with_model):
    runs = random_runs(np.random.default_rng(5), 6)
    path = tmp_path / "old.sqlite"
    write_old_store(path, runs, with_model)
    with pytest.warns(UserWarning, match="converted 6 runs"):
        store = Store(path)
    expected = runs if with_model else {k[:2] + ("",) + k[3:]: f for k, f in runs.items()}  # hash unknown: ""
    assert store.done() == set(expected)
    pd.testing.assert_frame_equal(store.frame(), reference(expected, list(expected)), check_exact=True)
    with sqlite3.connect(path) as con:
        assert {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {"runs"}
    con.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Store(path)  # already converted: opens without a warning


def dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_a_broken_old_store_is_refused_and_left_as_it_was(tmp_path):
    runs = random_runs(np.random.default_rng(6), 3)
    path = tmp_path / "old.sqlite"
    write_old_store(path, runs, with_model=False, drop_last_row=True)
    before = dump(path)
    with pytest.raises(ValueError, match="episode must be the integers"):
        Store(path)
    assert dump(path) == before


def test_a_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE runs (name TEXT)")
    con.close()
    with pytest.raises(ValueError, match="not a boundlab results store"):
        Store(path)


def open_store_files(path: Path) -> list[str]:
    """The files this process has open whose name starts with the store's (the database, its WAL and shm)."""
    names = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            names.append(os.readlink(fd))
        except OSError:  # closed since it was listed
            pass
    return [n for n in names if Path(n).name.startswith(path.name)]


linux_only = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="open files are listed in /proc on Linux")


@linux_only
def test_no_connection_is_left_open(tmp_path):
    path = tmp_path / "runs.sqlite"
    store = Store(path)
    key = ("alg", "inst", "hash", 0, 2, "{}")
    store.add(key, run_frame([0.0, 1.0], [0.0, 1.0]), 0.0)
    store.done(), store.frame(), store.frame([key])
    with pytest.raises(TypeError):
        store.frame([("alg", "inst", "hash", "0", 2, "{}")])
    assert not open_store_files(path)


WRITER = """
import itertools, sys
import numpy as np, pandas as pd
from boundlab.bounds.store import Store
with Store(sys.argv[1]) as store:  # one held connection, one transaction per run
    for seed in itertools.count():
        values = np.random.default_rng(seed).random((2, 20000))
        store.add(("alg", "inst", "hash", seed, 20000, "{}"),
                  pd.DataFrame({"episode": np.arange(1, 20001), "regret": values[0], "return": values[1]}), 0.0)
"""


def test_a_killed_writer_leaves_only_whole_runs(tmp_path):
    path = tmp_path / "runs.sqlite"
    Store(path)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
    deadline = time.time() + 120
    while len(Store(path).done()) < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(path)
    done = sorted(store.done())
    assert len(done) >= 3 and [k[3] for k in done] == list(range(len(done)))
    df = store.frame()
    for seed, run in df.groupby("seed"):
        expected = np.random.default_rng(seed).random((2, 20000))
        assert run["regret"].tolist() == expected[0].tolist() and run["return"].tolist() == expected[1].tolist()
    assert len(df) == len(done) * 20000


@linux_only
def test_a_held_connection_serves_every_call_and_is_closed_at_the_end(tmp_path):
    path = tmp_path / "runs.sqlite"
    store = Store(path)
    keys = [("alg", "inst", "hash", seed, 2, "{}") for seed in range(3)]
    with store as held:
        assert held is store
        for seed, key in enumerate(keys):
            held.add(key, run_frame([seed, 1.0], [0.0, seed]), 0.0)
        assert held.frame(keys[:1])["regret"].tolist() == [0.0, 1.0]
        assert held.frame(keys[2:])["regret"].tolist() == [2.0, 1.0]  # a second keyed read on the same connection
        with pytest.raises(RuntimeError, match="already held"):
            store.__enter__()
        with pytest.raises(ValueError):
            held.add(keys[0][:3] + (9, 2, "{}"), run_frame([0.0], [0.0]), 0.0)  # refused; the connection lives on
        assert held.done() == set(keys)
    assert not open_store_files(path)
    assert Store(path).done() == set(keys)


@pytest.mark.parametrize("path, error", [(None, TypeError), (3, TypeError), ("folder", ValueError)])
def test_a_bad_path_is_refused_by_name(tmp_path, path, error):
    (tmp_path / "folder").mkdir()
    with pytest.raises(error, match="path"):
        Store(tmp_path / path if path == "folder" else path)
    assert list((tmp_path / "folder").iterdir()) == []
