"""What every tabular learner shares: the interaction arrays it may use and the record of a run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..instances import as_generator
from ..models import EpisodicMDP
from ..simulate import AliasSampler, sampler_for


@dataclass(frozen=True)
class LearnerRun:
    """One learner's run of ``K`` episodes.

    Attributes:
        policies: ``policies[k, h, s]``, the deterministic policy committed to in episode ``k`` (before any
            epsilon-exploration, see ``epsilon``).
        starts: ``starts[k]``, the initial state of episode ``k``.
        returns: ``returns[k]``, the realised return of episode ``k``.
        epsilon: probability of a uniformly random action at each step (0 for all but eps-greedy).
        q_values: ``q_values[k, h, s, a]``, the learner's Q estimate used in episode ``k`` (only if recorded).
    """

    policies: np.ndarray
    starts: np.ndarray
    returns: np.ndarray
    epsilon: float = 0.0
    q_values: np.ndarray | None = None


@dataclass(frozen=True)
class Interaction:
    """The environment as the Numba kernels use it: the simulator's tables (``sampler``, ``R3``, ``init_cdf``)
    and the sizes. Learners see only what an episode reveals (states, actions, rewards); neither ``P`` nor ``R``
    enters their estimates."""

    sampler: AliasSampler
    R3: np.ndarray
    init_cdf: np.ndarray
    S: int
    A: int
    H: int
    stationary: bool
    seed: int

    @property
    def tables(self):
        s = self.sampler
        return s.indptr, s.successors, s.threshold, s.alias_successors

    def layers(self, stationary: bool | None, *, per_step_rewards: bool = False) -> int:
        """How many layers of counts a model-based learner keeps: 1 pools them over steps (the default for a
        homogeneous model, or ``stationary=True``), ``H`` keeps one per step (the layered MDP). A learner whose
        reward statistics share its counts' layers (``per_step_rewards=False``) cannot pool a step-dependent
        reward."""
        pooled = self.stationary if stationary is None else bool(stationary)
        if pooled and self.R3.shape[0] > 1 and not per_step_rewards:
            raise ValueError("stationary=True pools over steps, but this model's reward depends on the step")
        return 1 if pooled else self.H


def interaction(model: EpisodicMDP, seed) -> Interaction:
    """Validate the model and seed and build the kernel arrays. ``stationary`` is True when ``P`` and ``R`` are
    both homogeneous (the same at every step)."""
    if not isinstance(model, EpisodicMDP):
        raise TypeError(f"model must be an EpisodicMDP, got {type(model).__name__}")
    rng = as_generator(seed)
    R3 = np.ascontiguousarray(model.R if model.R.ndim == 3 else model.R[None])
    return Interaction(sampler_for(model), R3, np.cumsum(model.initial), model.S, model.A, model.H,
                       model.P.ndim == 3 and R3.shape[0] == 1, int(rng.integers(2**63)))


def check_episodes(K: int) -> int:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K (episodes) must be a positive integer, got {K!r}")
    return int(K)


def check_delta(delta: float) -> float:
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must lie in (0, 1), got {delta}")
    return float(delta)
