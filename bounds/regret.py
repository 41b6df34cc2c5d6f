"""Exact regret: run a learner, evaluate each committed policy exactly, subtract from ``V*``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
import time

import numpy as np
import pandas as pd

from boundlab import solvers
from boundlab.solvers.validation import check_int
from boundlab.tabular import EpisodicMDP, LinearMDP
from boundlab.tabular.learners import LearnerRun

from .executors import run_all
from .registry import Portable, resolve_kind


def optimal_values(model: EpisodicMDP | LinearMDP) -> np.ndarray:
    """``V*_0[s]``, the optimal value of every start state, by backward induction (a ``LinearMDP`` through its
    episodic form)."""
    if isinstance(model, LinearMDP):
        model = model.to_episodic()
    return solvers.backward_induction(model.P, model.R, model.H).V[0]


def regret_of_run(model: EpisodicMDP | LinearMDP, run: LearnerRun, V_star: np.ndarray | None = None) -> np.ndarray:
    """Per-episode regret ``V*_0(s_1^k) - V^{pi_k}_0(s_1^k)`` of a ``LearnerRun`` (exact, by policy evaluation).
    ``V_star``: the model's :func:`optimal_values` where the caller has them (one backward induction per model, not
    per run), else computed here."""
    if V_star is None:
        V_star = optimal_values(model)
    if isinstance(model, LinearMDP):
        model = model.to_episodic()
    values = solvers.evaluate_policies(model.P, model.R, run.policies, run.starts, run.epsilon)
    return V_star[run.starts] - values


def check_model(model: object, name: str = "model") -> EpisodicMDP | LinearMDP:
    """Refuse anything but an episodic model (the regret harness needs a horizon)."""
    if not isinstance(model, (EpisodicMDP, LinearMDP)):
        hint = " (a discounted model has no horizon: use tabular.EpisodicMDP(P, R, H))" \
            if type(model).__name__ == "FiniteMDP" else ""
        raise TypeError(f"{name} must be an EpisodicMDP or LinearMDP, got {type(model).__name__}{hint}")
    return model


def check_episodes(episodes: object) -> int:
    """``episodes`` as a positive int: a non-integer (2.5, 10.0, "10", True) is a ``TypeError``, a count below 1 a
    ``ValueError`` (the shared :func:`~boundlab.solvers.validation.check_int`, as in the learners)."""
    return check_int(episodes, "episodes", minimum=1)


def check_seeds(seeds: int | Iterable[int]) -> list[int]:
    """A non-empty list of distinct non-negative int seeds (one int is one seed); each checked by the shared
    :func:`~boundlab.solvers.validation.check_int` (a float such as 1.5 is a ``TypeError``, not rounded)."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
        seeds = [seeds]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be an int or an iterable of ints, got {type(seeds).__name__}")
    seeds = [check_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    if len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds[:20]}{' ...' if len(seeds) > 20 else ''}")
    return seeds


@dataclass(frozen=True)
class Run:
    """One learner run: what a worker needs (the learner function travels itself, not its registered name)."""

    learner: Portable
    model: EpisodicMDP | LinearMDP
    episodes: int
    seed: int
    params: dict = field(default_factory=dict)
    V_star: np.ndarray | None = None  # the model's optimal_values, computed once per model by the caller (S floats)


def execute(run: Run) -> tuple[pd.DataFrame, float]:
    """Run it; its ``seed, episode, regret, return`` frame and the seconds it took."""
    t0 = time.perf_counter()
    out = run.learner(run.model, run.episodes, run.seed, **run.params)
    frame = pd.DataFrame({"seed": run.seed, "episode": np.arange(1, run.episodes + 1),
                          "regret": regret_of_run(run.model, out, run.V_star), "return": out.returns})
    return frame, time.perf_counter() - t0


def measure_regret(algorithm: str | Callable, model: EpisodicMDP | LinearMDP, episodes: int,
                   seeds: int | Iterable[int] = (0,), *, executor: Executor | str | None = None,
                   progress: bool = True, **params: object) -> pd.DataFrame:
    """Run ``algorithm`` for ``episodes`` episodes on each seed.

    Args:
        algorithm: a name from ``bounds.algorithms()`` or a learner function ``fn(model, K, seed, **params) ->
            LearnerRun`` (defined anywhere, a notebook cell included).
        seeds: distinct non-negative ints (one int is one seed).
        executor: where the seeds run: local threads by default (the Numba kernels release the GIL),
            ``"processes"``, or any ``concurrent.futures.Executor`` (a process pool, a dask client's executor).
        progress: a progress bar over seeds on runs long enough to need one.
        params: keyword arguments for the learner, in one vocabulary (``learner_params(name)`` lists each
            learner's, with defaults, meaning and the paper's equation or line they come from):

            - ``bonus_scale`` (optimism learners: ucbvi-ch, ucbvi-bf, mvp, ucb-h, ucb-b, lsvi-ucb; default 1): the
              bonus is ``bonus_scale`` times the paper's, with the absolute constants a paper leaves free (UCB-H's
              ``c``, UCB-B's ``c1, c2``, LSVI-UCB's ``c``) at documented defaults. 1 is where the regret theorem
              holds; on small problems it keeps the values at their clip for very long, and a smaller scale (e.g.
              0.01 for ucbvi-bf, 0.003 for mvp on RiverSwim, H = 20; see the README, "Knobs") learns sooner,
              outside the theorem.
            - ``delta`` (the same learners; default 0.1): the confidence level, the bound holding w.p.
              ``1 - delta`` (the Q-learning and LSVI-UCB papers' ``p``, still accepted for one release).
            - ``reward_range=(lo, hi)`` (all): rescale rewards from ``[lo, hi]`` into [0, 1] (regret stays in the
              model's unit); ``stationary`` (model-based learners): pool counts over steps or keep one layer per
              step; ``record_q`` (all but greedy and eps-greedy): keep the learner's Q of every episode.
            - Extras with their papers' names: ``alpha0`` (psrl), ``epsilon`` (eps-greedy), ``phi`` and ``lam``
              (lsvi-ucb).

    Returns a DataFrame with columns ``seed, episode, regret, return``: ``regret`` is the exact regret of the policy
    committed to in that episode, from that episode's initial state; ``return`` the realised return.
    """
    label, fn = resolve_kind(algorithm, "regret", "measure_regret")
    check_model(model)
    episodes, seeds = check_episodes(episodes), check_seeds(seeds)
    V_star = optimal_values(model)  # once for all seeds
    runs = [Run(Portable(fn), model, episodes, s, params, V_star) for s in seeds]
    frames = [None] * len(runs)
    for i, (frame, _) in run_all(execute, runs, executor, progress=progress, desc=label):
        frames[i] = frame
    return pd.concat(frames, ignore_index=True)
