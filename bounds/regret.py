"""Exact regret: run a learner, evaluate each committed policy exactly, subtract from ``V*``."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd

from boundlab import solvers
from boundlab.tabular import EpisodicMDP, LinearMDP

from .registry import learner


def regret_of_run(model: EpisodicMDP | LinearMDP, run) -> np.ndarray:
    """Per-episode regret ``V*_0(s_1^k) - V^{pi_k}_0(s_1^k)`` of a ``LearnerRun`` (exact, by policy evaluation)."""
    if isinstance(model, LinearMDP):
        model = model.to_episodic()
    P, R = model.P, model.R
    V_star = solvers.backward_induction(P, R, model.H).V[0]
    values = solvers.evaluate_policies(P, R, run.policies, run.starts, run.epsilon)
    return V_star[run.starts] - values


def local_pool(n_tasks: int) -> Executor:
    """A process pool over the local cores. Workers start from a fork server, never by forking this process, which
    may hold JAX or BLAS threads. A worker re-imports the main script, so where there is none to import (a script
    piped to ``python -``) the tasks run on threads in this process instead."""
    workers = max(1, min(n_tasks, os.cpu_count() or 1))
    main_path = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_path is not None and not os.path.exists(main_path):
        return ThreadPoolExecutor(max_workers=workers)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))


def _one_seed(algorithm: str, model: EpisodicMDP, episodes: int, seed: int, params: dict) -> pd.DataFrame:
    run = learner(algorithm)(model, episodes, seed, **params)
    return pd.DataFrame({"seed": seed, "episode": np.arange(1, episodes + 1), "regret": regret_of_run(model, run),
                         "return": run.returns})


def measure_regret(algorithm: str, model: EpisodicMDP, episodes: int, seeds=(0,), *, executor: Executor | None = None,
                   **params) -> pd.DataFrame:
    """Run ``algorithm`` (a name from ``bounds.algorithms()``) for ``episodes`` episodes on each seed.

    Returns a DataFrame with columns ``seed, episode, regret, return``: ``regret`` is the exact regret of the policy
    committed to in that episode, from that episode's initial state; ``return`` the realised return. Seeds run in
    parallel on local processes (or on ``executor``, any ``concurrent.futures.Executor``); as with any process pool,
    a script that calls this at top level needs an ``if __name__ == "__main__":`` guard, since workers import it.
    """
    learner(algorithm)  # fail fast on a bad name
    if not isinstance(model, (EpisodicMDP, LinearMDP)):
        raise TypeError(f"model must be an EpisodicMDP or LinearMDP, got {type(model).__name__}")
    seeds = [int(s) for s in np.atleast_1d(seeds)]
    if len(seeds) == 1 and executor is None:
        frames = [_one_seed(algorithm, model, episodes, seeds[0], params)]
    else:
        own = executor is None
        pool = executor or local_pool(len(seeds))
        try:
            futures = [pool.submit(_one_seed, algorithm, model, episodes, s, params) for s in seeds]
            frames = [f.result() for f in futures]
        finally:
            if own:
                pool.shutdown()
    return pd.concat(frames, ignore_index=True)
