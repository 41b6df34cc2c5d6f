"""The results store: one SQLite file; each finished run is committed in one transaction (its key and all its
per-episode rows together), so a killed sweep leaves only whole runs behind and a re-run skips them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    algorithm TEXT NOT NULL, instance TEXT NOT NULL, model TEXT NOT NULL, seed INTEGER NOT NULL,
    episodes INTEGER NOT NULL, params TEXT NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (algorithm, instance, model, seed, episodes, params));
CREATE TABLE IF NOT EXISTS episodes (
    algorithm TEXT NOT NULL, instance TEXT NOT NULL, model TEXT NOT NULL, seed INTEGER NOT NULL,
    episodes INTEGER NOT NULL, params TEXT NOT NULL, episode INTEGER NOT NULL, regret REAL NOT NULL,
    return REAL NOT NULL, PRIMARY KEY (algorithm, instance, model, seed, episodes, params, episode));
"""

KEY = ("algorithm", "instance", "model", "seed", "episodes", "params")


def _full(key: tuple) -> tuple:
    """Transition (issue 8): a 5-tuple key of the callers that predate the ``model`` content hash is read with
    ``model = ""``; removed once bounds/sweep.py passes 6-tuples."""
    key = tuple(key)
    return key[:2] + ("",) + key[2:] if len(key) == 5 else key


def params_key(params: dict | None) -> str:
    """Canonical JSON of a run's parameters (part of its key)."""
    return json.dumps(params or {}, sort_keys=True)


class Store:
    """A SQLite results store at ``path`` (created with its folder if missing)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one transaction: committed on success, rolled back on error, always closed."""
        con = sqlite3.connect(self.path, timeout=60)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            with con:
                yield con
        finally:
            con.close()

    def done(self) -> set[tuple]:
        """Keys of the finished runs."""
        with self._connect() as con:
            return set(con.execute(f"SELECT {', '.join(KEY)} FROM runs"))

    def add(self, key: tuple, frame: pd.DataFrame, seconds: float) -> None:
        """Commit one finished run: its key and its ``episode, regret, return`` rows, atomically."""
        key = _full(key)
        rows = [key + (int(e), float(r), float(g)) for e, r, g in
                zip(frame["episode"], frame["regret"], frame["return"])]
        with self._connect() as con:  # one transaction: all or nothing
            con.execute("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", key + (seconds,))
            con.executemany("INSERT OR IGNORE INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def frame(self, keys: Iterable[tuple] | None = None) -> pd.DataFrame:
        """The stored episodes as a DataFrame (``algorithm, instance, model, seed, episodes, params, episode,
        regret, return``), sorted by key and episode: all of them, or those of the runs whose full ``keys`` are given
        (read through the primary-key index, so the cost does not grow with the rest of the store)."""
        with self._connect() as con:
            if keys is None:
                df = pd.read_sql_query("SELECT * FROM episodes", con)
            else:
                con.execute(f"CREATE TEMP TABLE wanted ({', '.join(KEY)})")
                con.executemany("INSERT INTO wanted VALUES (?, ?, ?, ?, ?, ?)", map(_full, keys))
                df = pd.read_sql_query(f"SELECT episodes.* FROM wanted JOIN episodes USING ({', '.join(KEY)})", con)
        return df.sort_values([*KEY, "episode"], ignore_index=True)
