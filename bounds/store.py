"""The results store: one SQLite file, one row per finished run.

A run's key is ``KEY``; its per-episode ``regret`` and ``return`` are stored in that row as two BLOBs, each the
zlib-compressed little-endian float64 array (the episode index is implicit, ``1..episodes``). Each run is committed
in one transaction, so a killed sweep leaves only whole runs behind and a re-run skips them.

Why BLOBs in SQLite and not Parquet beside an SQLite index: one file and one transaction per run keep the store
SIGKILL-safe with no orphan files to reconcile, and pyarrow is not a dependency. Why plain zlib: on the learners'
real output (``benchmarks/store.py``) it gives about 5 bytes per episode against about 100 in the per-episode-row
layout; byte shuffling or XOR-delta coding made it larger (regrets repeat whole 8-byte values, which zlib finds
as they are), and lzma saved a further 18% at four times zlib's encoding and decoding time.

Runs of the other kinds (:mod:`boundlab.bounds.kinds`: curves such as the policy-gradient gap of
``bounds.measure_gap``) live in a table per kind (``gap_runs`` for the gap), keyed by the same ``KEY`` (``episodes``
holds the curve's length ``n``: iterations, epochs, a budget), with the kind's value arrays packed the same way. A
kind's table is created by its first run written (:meth:`Store.add_curve`), so an older store opens unchanged and
reads as holding no such runs.

A store written by the per-episode layout (an ``episodes`` table with one row per episode) is converted on open,
in one transaction. Its runs had no model hash; they get ``model = ""``: ``frame()`` still reads them, but no sweep's
content key matches them, so a sweep re-runs them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .fingerprint import content_hash
from .kinds import Kind, get_kind

KEY = ("algorithm", "instance", "model", "seed", "episodes", "params")
_TYPES = (str, str, str, int, int, str)
_ARRAYS = ("regret", "return")
_COLUMNS = (*KEY, "seconds", *_ARRAYS)
_RUNS = f"""CREATE TABLE runs (
    algorithm TEXT NOT NULL, instance TEXT NOT NULL, model TEXT NOT NULL, seed INTEGER NOT NULL,
    episodes INTEGER NOT NULL, params TEXT NOT NULL, seconds REAL NOT NULL, regret BLOB NOT NULL,
    return BLOB NOT NULL, PRIMARY KEY ({', '.join(KEY)}))"""
_F8 = np.dtype("<f8")


def _canonical(value):
    """What JSON cannot hold, as JSON: a numpy scalar as its Python value, an array (dense or sparse) or a model as
    ``"<type> sha256:<hex>"``, its :func:`~boundlab.bounds.fingerprint.content_hash` (dtype, shape, bytes)."""
    if isinstance(value, np.generic):
        return value.item()
    try:
        digest = content_hash(value)
    except TypeError:
        raise TypeError(f"cannot key a parameter of type {type(value).__name__} (use numbers, strings, lists, dicts "
                        "or numpy arrays)") from None
    return f"{type(value).__name__} sha256:{digest}"


def params_key(params: dict | None) -> str:
    """Canonical JSON of a run's parameters (part of its key): keys sorted, tuples as lists, numpy scalars as their
    Python values, arrays by content hash (so a changed ``phi`` is a different key). Plain JSON parameters give
    ``json.dumps(params, sort_keys=True)``, the key stores have always held."""
    return json.dumps(params or {}, sort_keys=True, default=_canonical)


def _check_key(key, where: str) -> tuple:
    """``key`` as a plain tuple in ``KEY`` order (numpy integers as ``int``), or a clear error."""
    if not isinstance(key, (tuple, list)) or len(key) != len(KEY):
        raise ValueError(f"{where} must be a tuple of {len(KEY)} fields {KEY}, got {key!r}")
    for name, kind, value in zip(KEY, _TYPES, key):
        ok = isinstance(value, str) if kind is str else (
            isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)))
        if not ok:
            raise TypeError(f"{where}: field {name!r} must be {kind.__name__}, got {type(value).__name__} "
                            f"{repr(value) if isinstance(value, str) else value}")
    return tuple(int(v) if kind is int else v for kind, v in zip(_TYPES, key))


def _pack(values: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(values, dtype=_F8).tobytes())


def _unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype=_F8)


def _run_row(key: tuple, episode, values, seconds: float, *, start: int = 1, index: str = "episode",
             names: tuple[str, ...] = _ARRAYS) -> tuple:
    """The row of one run, after checking that its ``index`` runs ``start..episodes`` (``runs``: episodes from 1;
    a curve kind: from its ``start``) and its ``values`` (one array per name in ``names``) are real."""
    n = key[KEY.index("episodes")]
    episode = np.asarray(episode)
    if episode.dtype.kind not in "iu" or not np.array_equal(episode, np.arange(start, n + 1)):
        raise ValueError(f"run {key}: {index} must be the integers {start}..{n} in order (the key's episodes)")
    n += 1 - start
    arrays = []
    for name, column in zip(names, values, strict=True):
        column = np.asarray(column)
        if column.dtype.kind not in "iuf" or column.shape != (n,):
            raise ValueError(f"run {key}: {name} must be {n} real numbers, got dtype {column.dtype} "
                             f"and shape {column.shape}")
        arrays.append(_pack(column))
    return (*key, float(seconds), *arrays)


class Store:
    """A SQLite results store at ``path`` (created with its folder if missing; a store in the per-episode layout is
    converted on open, see the module docstring). Each call opens and closes its own connection; inside
    ``with store:`` one connection serves them all (in the thread that entered) and is closed at the end."""

    def __init__(self, path: str | Path):
        """Open (or create) the store at ``path``, a file path such as ``results/runs.sqlite``."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or pathlib.Path to the store's file, got {type(path).__name__}")
        if Path(path).is_dir():
            raise ValueError(f"path {str(path)!r} is a folder: give the store's file, e.g. "
                             f"{str(Path(path) / 'runs.sqlite')!r}")
        self.path = Path(path)
        self._held: sqlite3.Connection | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")  # the write lock: two processes opening an old store migrate it once
            tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            columns = tuple(c[1] for c in con.execute("PRAGMA table_info(runs)"))
            if "runs" not in tables:
                con.execute(_RUNS)
            elif "episodes" in tables:
                migrated = _migrate(con, has_model="model" in columns)
            elif columns != _COLUMNS:
                raise ValueError(f"{self.path} is not a boundlab results store: its runs table has columns {columns}")
        if "episodes" in tables:
            warnings.warn(f"{self.path}: converted {migrated} runs from the per-episode layout to one compressed row "
                          "per run; runs without a model hash (model = '') stay readable but are re-run by sweeps",
                          stacklevel=2)
            try:
                with self._connect() as con:
                    con.isolation_level = None
                    con.execute("VACUUM")  # give the old rows' pages back to the file system
            except sqlite3.OperationalError as err:  # e.g. another process reads it now: the store is fine, only big
                warnings.warn(f"{self.path}: not compacted after the conversion ({err}); "
                              f"`sqlite3 {self.path} VACUUM` gives the old rows' space back", stacklevel=2)

    def __enter__(self) -> Store:
        """Hold one connection until the block ends (each call is still its own transaction): a sweep's many small
        commits then skip re-creating and checkpointing the WAL file at every commit (about 20 ms each)."""
        if self._held is not None:
            raise RuntimeError(f"{self.path} is already held by a with block")
        self._held = self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the held connection."""
        con, self._held = self._held, None
        con.close()

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: no sync per commit; consistent after any crash, and a killed process loses no commit
            # (only a power loss may undo the last few, whose runs a resumed sweep then repeats)
            con.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one transaction, committed on success, rolled back on error: the held one inside a
        ``with`` block, else a new one, closed after."""
        con = self._held or self._open()
        try:
            with con:
                yield con
        finally:
            if con is not self._held:
                con.close()

    def done(self) -> set[tuple]:
        """Keys of the finished runs."""
        with self._connect() as con:
            return set(con.execute(f"SELECT {', '.join(KEY)} FROM runs"))

    def add(self, key: tuple, frame: pd.DataFrame, seconds: float) -> None:
        """Commit one finished run: its key, ``seconds`` and the ``episode, regret, return`` columns of ``frame``
        (episodes ``1..key's episodes``), in one transaction. A key already stored is left as it is."""
        key = _check_key(key, "key")
        row = _run_row(key, frame["episode"], (frame["regret"], frame["return"]), seconds)
        with self._connect() as con:
            con.execute(f"INSERT OR IGNORE INTO runs VALUES ({', '.join('?' * len(_COLUMNS))})", row)

    def frame(self, keys: Iterable[tuple] | None = None) -> pd.DataFrame:
        """The stored episodes as a DataFrame (the ``KEY`` columns, then ``episode, regret, return``), sorted by key
        and episode: all of them, or those of the runs whose full ``keys`` are given (read through the primary-key
        index, so the cost does not grow with the rest of the store; keys not stored are skipped)."""
        return _frame(self._rows("runs", _ARRAYS, keys))

    def curve_done(self, kind: str | Kind) -> set[tuple]:
        """Keys of the finished runs of the curve ``kind`` (a name in :func:`~boundlab.bounds.kinds.kind_names`)."""
        kind = _kind(kind)
        with self._connect() as con:
            if not _has_table(con, kind.table):
                return set()
            return set(con.execute(f"SELECT {', '.join(KEY)} FROM {kind.table}"))

    def add_curve(self, kind: str | Kind, key: tuple, frame: pd.DataFrame, seconds: float) -> None:
        """Commit one finished run of the curve ``kind``: its key (``episodes`` = the curve's ``n``), ``seconds``
        and the kind's index and value columns of ``frame`` (one seed of its measuring function's frame), in one
        transaction; creates the kind's table if missing. A key already stored is left as it is."""
        kind, key = _kind(kind), _check_key(key, "key")
        row = _run_row(key, frame[kind.index], tuple(frame[a] for a in kind.arrays), seconds,
                       start=kind.first(key[KEY.index("episodes")]), index=kind.index, names=kind.arrays)
        with self._connect() as con:
            con.execute(_curve_table(kind))
            con.execute(f"INSERT OR IGNORE INTO {kind.table} VALUES ({', '.join('?' * len(row))})", row)

    def curve_frame(self, kind: str | Kind, keys: Iterable[tuple] | None = None) -> pd.DataFrame:
        """The stored runs of the curve ``kind`` as a DataFrame (the ``KEY`` columns, then the kind's index and
        value columns, as its measuring function returns them), sorted by key and index: all, or those whose full
        ``keys`` are given (keys not stored are skipped; a store without such runs gives no rows)."""
        kind = _kind(kind)
        frame = _frame(self._rows(kind.table, kind.arrays, keys), kind.arrays, start=kind.start, index=kind.index)
        for name in kind.integer_arrays:
            frame[name] = frame[name].astype(np.int64)
        return frame

    def gap_done(self) -> set[tuple]:
        """Keys of the finished gap runs (``curve_done("gap")``)."""
        return self.curve_done("gap")

    def add_gap(self, key: tuple, frame: pd.DataFrame, seconds: float) -> None:
        """``add_curve("gap", ...)``: one seed of a ``measure_gap`` frame (``iteration, trajectories, gap``,
        iterations ``0..T``)."""
        self.add_curve("gap", key, frame, seconds)

    def gap_frame(self, keys: Iterable[tuple] | None = None) -> pd.DataFrame:
        """``curve_frame("gap", keys)``: ``iteration, trajectories, gap`` as ``measure_gap`` returns them."""
        return self.curve_frame("gap", keys)

    def _rows(self, table: str, arrays: tuple[str, ...], keys: Iterable[tuple] | None) -> list[tuple]:
        """The rows (key fields, then ``arrays``) of ``table``, all or those of ``keys``, sorted by key."""
        columns = [f"{table}.{c}" for c in KEY] + [f'{table}."{c}"' for c in arrays]  # quoted as when created
        select = f"SELECT {', '.join(columns)}"
        order = f"ORDER BY {', '.join(f'{table}.{c}' for c in KEY)}"
        wanted = None if keys is None else {_check_key(k, f"keys[{n}]") for n, k in enumerate(keys)}
        with self._connect() as con:
            if table != "runs" and not _has_table(con, table):
                return []
            if wanted is None:
                return con.execute(f"{select} FROM {table} {order}").fetchall()
            con.execute("DROP TABLE IF EXISTS temp.wanted")  # left by an earlier call on a held connection
            con.execute(f"CREATE TEMP TABLE wanted ({', '.join(KEY)})")
            con.executemany(f"INSERT INTO wanted VALUES ({', '.join('?' * len(KEY))})", wanted)
            return con.execute(f"{select} FROM wanted JOIN {table} USING ({', '.join(KEY)}) {order}").fetchall()


def _kind(kind: str | Kind) -> Kind:
    return kind if isinstance(kind, Kind) else get_kind(kind)


def _has_table(con: sqlite3.Connection, table: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _curve_table(kind: Kind) -> str:
    """The ``CREATE TABLE IF NOT EXISTS`` statement of a curve kind's table."""
    arrays = ", ".join(f'"{a}" BLOB NOT NULL' for a in kind.arrays)  # quoted: a name may be an SQL word (null)
    return f"""CREATE TABLE IF NOT EXISTS {kind.table} (
    algorithm TEXT NOT NULL, instance TEXT NOT NULL, model TEXT NOT NULL, seed INTEGER NOT NULL,
    episodes INTEGER NOT NULL, params TEXT NOT NULL, seconds REAL NOT NULL, {arrays},
    PRIMARY KEY ({', '.join(KEY)}))"""


def _frame(rows: list[tuple], arrays: tuple[str, ...] = _ARRAYS, *, start: int | None = 1, index: str = "episode"
           ) -> pd.DataFrame:
    """Runs' rows (key fields, then the packed ``arrays``) as one DataFrame with one row per ``index`` value
    ``start..episodes`` of each run (``start=None``: one row per run, at ``episodes``)."""
    last = np.array([row[KEY.index("episodes")] for row in rows], dtype=np.int64)
    first = last if start is None else np.full_like(last, start)
    n = last + 1 - first
    columns = {name: pd.Series(np.repeat(np.array([row[j] for row in rows], dtype=object if kind is str else
                                                  np.int64), n), dtype=kind)
               for j, (name, kind) in enumerate(zip(KEY, _TYPES))}
    columns[index] = np.arange(n.sum(), dtype=np.int64) - np.repeat(np.cumsum(n) - n - first, n)
    for j, name in enumerate(arrays, start=len(KEY)):
        values = [_unpack(row[j]) for row in rows]
        for row, v, m in zip(rows, values, n):
            if len(v) != m:
                raise ValueError(f"run {row[:len(KEY)]}: {name} holds {len(v)} values, not its {m} {index}s")
        columns[name] = np.concatenate([np.empty(0, _F8), *values]).astype(np.float64, copy=False)
    return pd.DataFrame(columns)


def _migrate(con: sqlite3.Connection, has_model: bool) -> int:
    """Convert the per-episode layout (``runs`` keyed without or with ``model``, ``episodes`` one row per episode)
    into one compressed row per run, inside the caller's transaction; returns the number of runs converted."""
    old = [k for k in KEY if k != "model" or has_model]
    con.execute("ALTER TABLE runs RENAME TO runs_old")
    con.execute(_RUNS)
    where = " AND ".join(f"{k} = ?" for k in old)
    count = 0
    for run in con.execute(f"SELECT {', '.join(old)}, seconds FROM runs_old").fetchall():
        fields = dict(zip(old, run))
        key = tuple(fields.get(k, "") for k in KEY)
        episode, regret, ret = np.array(con.execute(
            f"SELECT episode, regret, return FROM episodes WHERE {where} ORDER BY episode", run[:-1]).fetchall(),
            dtype=np.float64).reshape(-1, 3).T
        con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(_COLUMNS))})",
                    _run_row(key, episode.astype(np.int64), (regret, ret), run[-1]))
        count += 1
    con.execute("DROP TABLE runs_old")
    con.execute("DROP TABLE episodes")
    return count
