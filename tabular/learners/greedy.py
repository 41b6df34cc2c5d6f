"""Certainty-equivalence baselines: plan on the empirical model with no exploration bonus.

``greedy``: backward induction on the empirical model (``P_hat_k`` and the mean observed reward), act greedily;
a pair never tried is valued at ``H`` (optimistic initialisation, as in UCBVI), so each pair met is tried once and
after that nothing drives exploration. ``eps_greedy``: the same, but each step takes a uniformly random action
with probability ``epsilon``. They share UCBVI's planner (:mod:`.ucbvi`) with the bonus switched off.
"""

from __future__ import annotations

from .._checks import RewardRange, Seed
from ..models import EpisodicMDP
from ._common import LearnerRun, knobs
from .ucbvi import run_model_based


@knobs()
def greedy(model: EpisodicMDP, K: int, seed: Seed = None, *, stationary: bool | None = None,
           reward_range: RewardRange | None = None) -> LearnerRun:
    """Certainty-equivalent planning on the empirical model, no exploration (rewards in [0, 1], else see
    ``reward_range`` in :func:`._common.unit_rewards`: untried pairs are valued at ``H``)."""
    return run_model_based(model, K, seed, bonus="none", stationary=stationary, reward_range=reward_range,
                           learner="greedy")


@knobs(epsilon=("probability of a uniformly random action at each step", "the usual epsilon-greedy baseline"))
def eps_greedy(model: EpisodicMDP, K: int, seed: Seed = None, *, epsilon: float = 0.1, stationary: bool | None = None,
               reward_range: RewardRange | None = None) -> LearnerRun:
    """:func:`greedy` with a uniformly random action with probability ``epsilon`` at each step."""
    return run_model_based(model, K, seed, bonus="none", epsilon=epsilon, stationary=stationary,
                           reward_range=reward_range, learner="eps-greedy")
