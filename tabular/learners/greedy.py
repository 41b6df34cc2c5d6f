"""Certainty-equivalence baselines: plan on the empirical model with no exploration bonus.

``greedy``: backward induction on ``P_hat_k`` with the known reward (unvisited pairs are worth their immediate
reward only), act greedily; ``eps_greedy``: the same, but each step takes a uniformly random action with
probability ``epsilon``. They share UCBVI's planner (:mod:`.ucbvi`) with the bonus switched off.
"""

from __future__ import annotations

from ._common import LearnerRun
from .ucbvi import run_model_based


def greedy(model, K: int, seed=None, *, stationary: bool | None = None) -> LearnerRun:
    return run_model_based(model, K, seed, bonus="none", stationary=stationary)


def eps_greedy(model, K: int, seed=None, *, epsilon: float = 0.1, stationary: bool | None = None) -> LearnerRun:
    return run_model_based(model, K, seed, bonus="none", epsilon=epsilon, stationary=stationary)
