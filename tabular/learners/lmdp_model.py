"""Model-optimistic learner for latent MDPs with context in hindsight, the other solver of Zhou, Wang & Du 2023
("Horizon-free and variance-dependent RL for latent MDPs", ICML; arXiv:2210.11604).

The framework (hindsight counting per context, doubling epochs, truncation at 1, ``iota = 2 ln(2 M S A H K /
delta)``, the optimistic planner over history-dependent policies or the posterior-greedy fast variant) is the
value-optimistic learner's (:mod:`boundlab.tabular.learners.lmdp_value`, one backup :func:`optimistic_q` for
both). Only the solver differs
[reconstruction: the paper's confidence set could not be retrieved]: each context's table maximises over transition
kernels in the per-successor empirical-Bernstein box
``|p(s') - P_hat(s')| <= c1 sqrt(P_hat(s') iota / n) + c2 iota / n`` (``c1 = sqrt(2)``, ``c2 = 7/3``: Maurer &
Pontil 2009, Theorem 4, the Bernoulli variance ``P_hat(1 - P_hat) <= P_hat``) intersected with the simplex,
``Q_m[h, s, a] = min(1, R_m(s, a) + max_p p . V_{h+1})`` (an extended value iteration per context); the box holds
the true kernel w.h.p., so the tables are optimistic, and the maximum is monotone in ``V_{h+1}`` by construction.
"""

from __future__ import annotations

import numpy as np

from .._checks import Seed
from ..lmdp import LatentMDP
from ._common import BONUS_SCALE, DELTA, check_bonus_scale, check_delta, check_episodes, knobs
from .lmdp_value import _PLANNER_KNOB, LMDPRun, check_model, check_planner, check_pooling, run_kernel

__all__ = ["C1_MODEL", "C2_MODEL", "lmdp_model_optimistic"]

C1_MODEL, C2_MODEL = np.sqrt(2.0), 7.0 / 3.0


@knobs(delta=("confidence level; iota = 2 ln(2 M S A H K / delta)", "Zhou, Wang & Du 2023, Section 3 (iota)"),
       bonus_scale=("multiplies c1 = sqrt(2), c2 = 7/3 of the confidence box's width "
                    "c1 sqrt(P_hat iota / n) + c2 iota / n",
                    "reconstruction (module docstring): empirical Bernstein per successor, Maurer & Pontil 2009"),
       planner=_PLANNER_KNOB)
def lmdp_model_optimistic(model: LatentMDP, K: int, seed: Seed = None, *, delta: float = DELTA,
                          bonus_scale: float = BONUS_SCALE, stationary: bool | None = None,
                          planner: str | None = None) -> LMDPRun:
    """Model-optimistic latent-MDP learner (module docstring). Returns an
    :class:`~boundlab.tabular.learners.lmdp_value.LMDPRun`."""
    model = check_model(model)
    K, delta, bonus_scale = check_episodes(K), check_delta(delta), check_bonus_scale(bonus_scale)
    pooled = check_pooling(model, stationary)
    planner = check_planner(model, planner)
    return run_kernel(model, K, seed, delta, C1_MODEL * bonus_scale, C2_MODEL * bonus_scale, 0.0, pooled, True,
                      planner)
