"""Exact regret: run a learner, evaluate each committed policy exactly, subtract from ``V*``.

Model classes join the harness through :func:`register_model` (an optimum computed once per model and an exact
per-episode regret of a run): episodic and linear MDPs are registered here; latent MDPs, POMDPs and adversarial MDPs
register themselves from their own ``bounds`` modules. ``measure_regret``, ``sweep`` and ``boundlab check`` then run
every regret learner on them unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
import dataclasses
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


@dataclass(frozen=True)
class ExactRegret:
    """How the harness measures regret on one model class: ``optimum(model)`` (computed once per model, e.g. ``V*``
    of every start state) and ``regret(model, run, optimum)``, the exact per-episode regret (float64, one value per
    episode of ``run``)."""

    optimum: Callable[[object], object]
    regret: Callable[[object, LearnerRun, object], np.ndarray]


_MODELS: dict[type, ExactRegret] = {}


def register_model(cls: type, *, optimum: Callable[[object], object],
                   regret: Callable[[object, LearnerRun, object], np.ndarray]) -> None:
    """Let the regret harness (``measure_regret``, ``sweep``, ``boundlab check``) run learners on models of class
    ``cls`` (and its subclasses): ``optimum(model)`` is computed once per model, ``regret(model, run, optimum)``
    returns the exact regret of each episode's committed policy (by exact evaluation in the true model, never from
    the learner's estimates or sampled returns). ``cls`` must be a dataclass (the store keys runs by its content,
    :func:`~boundlab.bounds.fingerprint.fingerprint`)."""
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        raise TypeError(f"cls must be a model class (a dataclass), got {cls!r}")
    if not callable(optimum) or not callable(regret):
        raise TypeError("optimum and regret must be callables (optimum(model), regret(model, run, optimum))")
    _MODELS[cls] = ExactRegret(optimum, regret)


def _exact(model: object) -> ExactRegret:
    for cls in type(model).__mro__:
        if cls in _MODELS:
            return _MODELS[cls]
    raise TypeError(f"no exact regret registered for {type(model).__name__}")


def optimal_values(model: object) -> object:
    """What the exact regret of ``model`` needs, computed once: for an ``EpisodicMDP`` / ``LinearMDP`` ``V*_0[s]``,
    the optimal value of every start state, by backward induction (a ``LinearMDP`` through its episodic form); for
    another registered class its ``optimum`` (:func:`register_model`)."""
    return _exact(check_model(model)).optimum(model)


def regret_of_run(model: object, run: LearnerRun, V_star: object | None = None) -> np.ndarray:
    """Per-episode exact regret of a ``LearnerRun`` on ``model``: ``V*_0(s_1^k) - V^{pi_k}_0(s_1^k)`` by policy
    evaluation on an episodic or linear MDP, the registered ``regret`` on other classes. ``V_star``: the model's
    :func:`optimal_values` where the caller has them (once per model, not per run), else computed here."""
    exact = _exact(check_model(model))
    regret = np.asarray(exact.regret(model, run, exact.optimum(model) if V_star is None else V_star),
                        dtype=np.float64)
    if regret.shape != (len(run.starts),):
        raise ValueError(f"the exact regret of {type(model).__name__} gave shape {regret.shape}, not one value per "
                         f"episode ({len(run.starts)})")
    return regret


def _mdp_optimum(model: EpisodicMDP | LinearMDP) -> np.ndarray:
    if isinstance(model, LinearMDP):
        model = model.to_episodic()
    return solvers.backward_induction(model.P, model.R, model.H).V[0]


def _mdp_regret(model: EpisodicMDP | LinearMDP, run: LearnerRun, V_star: np.ndarray) -> np.ndarray:
    if isinstance(model, LinearMDP):
        model = model.to_episodic()
    values = solvers.evaluate_policies(model.P, model.R, run.policies, run.starts, run.epsilon)
    return V_star[run.starts] - values


register_model(EpisodicMDP, optimum=_mdp_optimum, regret=_mdp_regret)
register_model(LinearMDP, optimum=_mdp_optimum, regret=_mdp_regret)


def check_model(model: object, name: str = "model") -> object:
    """Refuse anything but a model whose exact regret the harness knows (:func:`register_model`: episodic, linear,
    and the classes the ``bounds`` modules register)."""
    if not any(cls in _MODELS for cls in type(model).__mro__):
        hint = " (a discounted model has no horizon: use tabular.EpisodicMDP(P, R, H))" \
            if type(model).__name__ == "FiniteMDP" else ""
        others = sorted(c.__name__ for c in _MODELS if c not in (EpisodicMDP, LinearMDP))
        also = f" (or a registered model: {', '.join(others)})" if others else ""
        raise TypeError(f"{name} must be an EpisodicMDP or LinearMDP{also}, got {type(model).__name__}{hint}")
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
    V_star: object | None = None  # the model's optimal_values, computed once per model by the caller


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
