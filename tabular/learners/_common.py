"""What every tabular learner shares: argument checks, the reward-range assumption (and explicit rescaling), the
interaction arrays a learner may use and the record of a run."""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._checks import RewardRange, Seed, check_flag, check_int, check_real, check_reward_range
from ..instances import as_generator
from ..models import EpisodicMDP
from ..rewards import draw_spec, draw_support
from ..simulate import AliasSampler, sampler_for

#: What every learner here assumes of the rewards, as its paper states it (Azar et al. 2017, Sec. 2; Jin et al.
#: 2018, Sec. 2; Jin et al. 2020, Assumption A; Osband et al. 2013, Sec. 2 (Beta posterior); Zhang et al. 2021
#: assume the *total* reward of an episode in [0, 1], which per-step rewards in [0, 1] give once MVP divides them
#: by H). The greedy baselines share UCBVI's planner, whose values start (and are clipped) at H.
REWARD_ASSUMPTION = "per-step mean rewards in [0, 1]"


# --- argument checks: the shared checkers (tabular/_checks.py) applied to the learners' parameters ---------------

def check_stationary(value: Any) -> bool | None:
    """``stationary``: ``None`` (decide from the model) or a bool."""
    return None if value is None else check_flag(value, "stationary")


def check_episodes(K: Any) -> int:
    return check_int(K, "K (episodes)")


def check_delta(delta: Any, name: str = "delta") -> float:
    return check_real(delta, name, low=0.0, high=1.0, low_open=True, high_open=True)


def check_bonus_scale(bonus_scale: Any, name: str = "bonus_scale") -> float:
    return check_real(bonus_scale, name, low=0.0)


# --- one vocabulary for the knobs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One keyword parameter of a learner: its name, default, what it means and where it comes from (paper,
    equation or algorithm line). ``pandas.DataFrame(list_of_params)`` tabulates them."""

    name: str
    default: Any
    meaning: str
    source: str


#: Parameters several learners share, described once.
COMMON = {
    "stationary": ("pool counts over steps (True) or keep one layer per step (False); None: pool exactly when P "
                   "and R are the same at every step", "boundlab (the papers treat one setting each; see the module)"),
    "record_q": ("keep the Q estimate of every episode in LearnerRun.q_values (memory K H S A floats)", "boundlab"),
    "reward_range": ("(lo, hi): map rewards affinely from [lo, hi] into [0, 1] before learning (with a warning); "
                     "None: refuse rewards outside [0, 1]", "boundlab; [0, 1] is the papers' assumption"),
}


def knobs(**described: tuple[str, str]) -> Callable[[Callable], Callable]:
    """Attach ``fn.params``, a tuple of :class:`Param`, one per keyword-only parameter of ``fn`` in signature order:
    the default from the signature, ``(meaning, source)`` from ``described`` or :data:`COMMON`. A parameter left
    undescribed, or a description of no parameter, is an error when the module is imported."""

    def attach(fn: Callable) -> Callable:
        keyword = [p for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]
        names = {p.name for p in keyword}
        missing = [n for n in names if n not in described and n not in COMMON]
        if missing or set(described) - names:
            raise TypeError(f"{fn.__name__}: undescribed {missing}, unknown {sorted(set(described) - names)}")
        fn.params = tuple(Param(p.name, p.default, *described.get(p.name, COMMON.get(p.name))) for p in keyword)
        return fn

    return attach


def renamed(old: dict[str, Any], new: dict[str, str], fn: str, stacklevel: int = 3) -> dict[str, Any]:
    """The deprecated keyword arguments ``old`` a learner received, each warned about (``DeprecationWarning``:
    ``new[name]`` says what replaces it; ``stacklevel`` points it at the learner's caller); a name not in ``new`` is
    a ``TypeError``, as for any unknown keyword."""
    for name in old:
        if name not in new:
            raise TypeError(f"{fn}() got an unexpected keyword argument {name!r}")
        warnings.warn(f"{fn}: {name}= is deprecated and will be removed in the next release; use {new[name]}",
                      DeprecationWarning, stacklevel=stacklevel)
    return old


#: The default ``delta`` and ``bonus_scale`` of every optimism-based learner (compared by identity to tell a value
#: passed from the default where a deprecated alias competes with it).
DELTA, BONUS_SCALE = 0.1, 1.0


def delta_or_p(delta: Any, old: dict[str, Any], fn: str) -> float:
    """``delta``, or the deprecated ``p`` (the papers' name for it) where given; giving both is an error."""
    if "p" not in old:
        return check_delta(delta)
    if delta is not DELTA:
        raise ValueError(f"{fn}: give delta or the deprecated p, not both")
    return check_delta(old["p"], "p")


def bonus_constants(bonus_scale: Any, old: dict[str, Any], defaults: dict[str, float], fn: str) -> list[float]:
    """The absolute constants of a bonus: ``bonus_scale`` times their documented ``defaults`` (name -> value), or
    where any of them is given under its deprecated name, those values (defaults for the others); giving
    ``bonus_scale`` too is then an error."""
    if not any(name in old for name in defaults):
        bonus_scale = check_bonus_scale(bonus_scale)
        return [bonus_scale * c for c in defaults.values()]
    if bonus_scale is not BONUS_SCALE:
        raise ValueError(f"{fn}: give bonus_scale or the deprecated {'/'.join(defaults)}, not both")
    return [check_real(old.get(name, c), name, low=0.0) for name, c in defaults.items()]


def unit_rewards(R: np.ndarray, learner: str,
                 reward_range: RewardRange | None = None) -> tuple[np.ndarray, tuple[float, float]]:
    """The rewards a learner may be run on: ``R`` itself if it satisfies :data:`REWARD_ASSUMPTION`, else a
    ``ValueError`` naming the learner and the first offending entry. With ``reward_range = (lo, hi)`` (every entry of
    ``R`` must lie there) the rewards are mapped affinely, ``r' = (r - lo) / (hi - lo)``, into [0, 1], with a
    warning. Returns ``(rewards the learner sees, (lo, hi))``."""
    if reward_range is None:
        lo, hi = 0.0, 1.0
    else:
        lo, hi = check_reward_range(reward_range, strict=True)
    out = (R < lo) | (R > hi)
    if out.any():
        idx = [int(i) for i in np.argwhere(out)[0]]
        entry = f"R{idx[1:] if R.shape[0] == 1 else idx} = {float(R[tuple(idx)])!r}"
        if reward_range is None:
            raise ValueError(
                f"{learner} assumes {REWARD_ASSUMPTION}, but {entry} lies outside; pass reward_range=(low, high) "
                f"(e.g. the model's reward_range) to rescale the rewards into [0, 1] explicitly")
        raise ValueError(f"{entry} lies outside reward_range [{lo}, {hi}] given to {learner}")
    if (lo, hi) == (0.0, 1.0):
        return R, (lo, hi)
    warnings.warn(f"{learner}: rewards rescaled from [{lo}, {hi}] to [0, 1] by r' = (r - {lo}) / {hi - lo}; the "
                  f"learner's values are in that unit, its returns (and regret measured on the model) in the model's",
                  stacklevel=4)
    return (R - lo) / (hi - lo), (lo, hi)


# --- the record of a run and the arrays a kernel sees --------------------------------------------------------------

@dataclass(frozen=True)
class LearnerRun:
    """One learner's run of ``K`` episodes.

    Attributes:
        policies: ``policies[k, h, s]``, the deterministic policy committed to in episode ``k`` (before any
            epsilon-exploration, see ``epsilon``).
        starts: ``starts[k]``, the initial state of episode ``k``.
        returns: ``returns[k]``, the realised return of episode ``k``, in the model's reward unit.
        epsilon: probability of a uniformly random action at each step (0 for all but eps-greedy).
        q_values: ``q_values[k, h, s, a]``, the learner's Q estimate used in episode ``k`` (only if recorded), in the
            learner's unit (rewards mapped from ``reward_range`` to [0, 1]).
        reward_range: the ``(lo, hi)`` the learner's rewards were mapped from into [0, 1] (``(0, 1)``: not
            rescaled). Returns, and regret measured on the model (``bounds.regret_of_run``), are in the model's unit;
            divide them by :attr:`reward_unit` (and subtract ``H lo`` from returns) for the learner's unit, the one
            its paper's bound speaks of.
    """

    policies: np.ndarray
    starts: np.ndarray
    returns: np.ndarray
    epsilon: float = 0.0
    q_values: np.ndarray | None = None
    reward_range: tuple[float, float] = (0.0, 1.0)

    @property
    def reward_unit(self) -> float:
        """``hi - lo``: one unit of the learner's [0, 1] reward scale in the model's unit."""
        return self.reward_range[1] - self.reward_range[0]


@dataclass(frozen=True)
class Interaction:
    """The environment as the Numba kernels use it: the simulator's tables (``sampler``, ``R3``, ``init_cdf``)
    and the sizes. Learners see only what an episode reveals (states, actions, rewards); neither ``P`` nor ``R``
    enters their estimates. ``R3`` holds the mean rewards in the learner's unit (rescaled into [0, 1] where
    asked); ``noise`` (:func:`~boundlab.tabular.rewards.draw_spec`) how the rewards it observes are drawn around
    them, already in its unit, with the reward stream's seed (0 and unused for deterministic rewards)."""

    sampler: AliasSampler
    R3: np.ndarray
    init_cdf: np.ndarray
    S: int
    A: int
    H: int
    stationary: bool
    seed: int
    reward_range: tuple[float, float] = (0.0, 1.0)
    noise: tuple = (0, np.zeros((1, 1, 1)), 0.0, 0.0, 0.0, 0)

    @property
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        s = self.sampler
        return s.indptr, s.successors, s.threshold, s.alias_successors

    def layers(self, stationary: bool | None, *, per_step_rewards: bool = False) -> int:
        """How many layers of counts a model-based learner keeps: 1 pools them over steps (the default for a
        homogeneous model, or ``stationary=True``), ``H`` keeps one per step (the layered MDP). A learner whose
        reward statistics share its counts' layers (``per_step_rewards=False``) cannot pool a step-dependent
        reward."""
        stationary = check_stationary(stationary)
        pooled = self.stationary if stationary is None else stationary
        if pooled and self.R3.shape[0] > 1 and not per_step_rewards:
            raise ValueError("stationary=True pools over steps, but this model's reward depends on the step")
        return 1 if pooled else self.H

    def run(self, policies: np.ndarray, starts: np.ndarray, returns: np.ndarray, epsilon: float = 0.0,
            q_values: np.ndarray | None = None) -> LearnerRun:
        """The kernel's output as a :class:`LearnerRun`, returns mapped back to the model's unit."""
        lo, hi = self.reward_range
        if (lo, hi) != (0.0, 1.0):
            returns = self.H * lo + (hi - lo) * returns
        return LearnerRun(policies, starts, returns, epsilon, q_values, (lo, hi))


def interaction(model: EpisodicMDP, seed: Seed, *, learner: str = "this learner",
                reward_range: RewardRange | None = None) -> Interaction:
    """Validate the model, seed and rewards (see :func:`unit_rewards`; with ``reward_noise`` every draw, not only
    the mean, must lie in the learner's range) and build the kernel arrays. ``stationary`` is True when ``P`` and
    ``R`` are both homogeneous (the same at every step). Seeds: the transitions' first, then the rewards' (drawn
    only for a model with ``reward_noise``, as in :func:`~boundlab.tabular.simulate.simulate`)."""
    if not isinstance(model, EpisodicMDP):
        raise TypeError(f"model must be an EpisodicMDP, got {type(model).__name__}")
    rng = as_generator(seed)
    means = model.R if model.R.ndim == 3 else model.R[None]
    lo, hi = (0.0, 1.0) if reward_range is None else check_reward_range(reward_range, strict=True)
    support = draw_support(model.reward_noise, model.reward_range)
    if support is not None and (support[0] < lo or support[1] > hi):
        fix = (f"pass reward_range=({support[0]:g}, {support[1]:g}) to rescale them into [0, 1]"
               if reward_range is None else "widen reward_range to hold them")
        raise ValueError(f"{learner} assumes rewards in [{lo:g}, {hi:g}], but the model's reward_noise "
                         f"{model.reward_noise} draws rewards in [{support[0]:g}, {support[1]:g}]: {fix}")
    R3, _ = unit_rewards(means, learner, reward_range)
    seed_int = int(rng.integers(2**63))
    noise = draw_spec(model.reward_noise, means, model.reward_range,
                      0 if model.reward_noise is None else int(rng.integers(2**63)), lo, hi - lo)
    return Interaction(sampler_for(model), np.ascontiguousarray(R3), np.cumsum(model.initial), model.S, model.A,
                       model.H, model.P.ndim == 3 and R3.shape[0] == 1, seed_int, (lo, hi), noise)
