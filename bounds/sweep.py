"""Sweeps: algorithms x instances x seeds on any ``concurrent.futures.Executor``, each finished run written to the
store at once (a killed sweep resumes where it stopped)."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import Executor, as_completed
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from boundlab.tabular import EpisodicMDP, LinearMDP

from .regret import _one_seed, local_pool
from .registry import learner
from .store import Store, params_key


def _task(algorithm: str, model, episodes: int, seed: int, params: dict):
    t0 = time.perf_counter()
    frame = _one_seed(algorithm, model, episodes, seed, params)
    return frame, time.perf_counter() - t0


def sweep(algorithms, instances: dict, seeds, episodes: int, *, params: dict | None = None,
          executor: Executor | None = None, store: str | Path = "results/runs.sqlite",
          progress: bool = True) -> pd.DataFrame:
    """Run every ``(algorithm, instance, seed)`` for ``episodes`` episodes and return the stored rows for them.

    Args:
        algorithms: names from ``bounds.algorithms()``. instances: name -> model. seeds: ints.
        params: algorithm name -> keyword arguments for that learner (part of each run's key).
        executor: any ``concurrent.futures.Executor``, e.g. ``dask.distributed.Client(...).get_executor()``;
            default: a local process pool over all cores.
        store: SQLite path. Finished runs found there are skipped, so a killed sweep resumes. A run is keyed by
            ``(algorithm, instance, seed, episodes, params)``, not by the code that produced it: after changing a
            learner or an instance under the same name, start a new store.
    """
    params = params or {}
    for a in algorithms:
        learner(a)
    for name, model in instances.items():
        if not isinstance(model, (EpisodicMDP, LinearMDP)):
            raise TypeError(f"instance {name!r} must be an EpisodicMDP or LinearMDP, got {type(model).__name__}")
    db = Store(store)
    done = db.done()
    todo = [(a, i, int(s)) for a, i, s in itertools.product(algorithms, instances, seeds)
            if (a, i, int(s), int(episodes), params_key(params.get(a))) not in done]
    own = executor is None and len(todo) > 0
    pool = executor or (local_pool(len(todo)) if own else None)
    try:
        futures = {pool.submit(_task, a, instances[i], int(episodes), s, params.get(a, {})): (a, i, s)
                   for a, i, s in todo}
        for future in tqdm(as_completed(futures), total=len(futures), disable=not progress or not futures,
                           desc="sweep"):
            a, i, s = futures[future]
            frame, seconds = future.result()
            db.add((a, i, s, int(episodes), params_key(params.get(a))), frame, seconds)
    finally:
        if own:
            pool.shutdown()
    return db.frame((a, i, int(s), int(episodes), params_key(params.get(a)))
                    for a, i, s in itertools.product(algorithms, instances, seeds))
