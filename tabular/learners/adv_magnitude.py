"""Dai, Luo, Wei & Zimmert 2023 (arXiv 2301.12942), Algorithm 2: per-state negative-entropy FTRL (exponential
weights) fed with magnitude-reduced loss estimates ``max(Z, 0) + E[min(Z, 0)]`` (the expectation from the simulator,
or exact in the idealised ``oracle`` mode), which removes Algorithm 1's poly(A) factor: regret O~(sqrt(d H^6 K)).

The episode loop, its reconstructed steps and their sources are those of :mod:`.adv_logbarrier` (one kernel, the
regulariser and the reduction switched by flags); the schedule is the same ``eta = beta = K^{-1/2}``,
``gamma = K^{-1}`` [V, R] (``gamma_schedule="slides"``: the slides' printed ``K^{-1/2}``). The slides motivate
the reduction by Hedge's condition (FTRL inputs ``>= -1/eta``): after
reduction the ESTIMATE is ``>= E[min(Z, 0)] >= -H gamma^{-1/2}`` (``L_h <= H``), which meets ``-1/eta = -K^{1/2}``
only up to that H factor. The input FTRL receives here is ``Q_hat - B``, and the dilated bonus alone reaches about
``e H 2 beta / gamma = 2 e H K^{1/2}`` at poorly covered pairs, so ``eta (Q_hat - B)`` can fall to about ``-2 e H``:
Hedge's condition is NOT guaranteed by this reconstruction (how the paper handles the bonus, e.g. H factors in
``eta`` or a smaller bonus scale, was out of reach) [R, not verified].

Feedback: besides the real episode's bandit feedback, ``E[min(Z, 0)]`` uses episode ``k``'s loss function beyond the
path played (the simulator's ``W`` extra rollouts report its losses on their paths; the oracle mode computes it from
the whole loss table). With one-hot features ``Z >= 0`` and the reduction is the identity (no extra information
enters); with signed features (:func:`boundlab.tabular.adversarial.mixed_features`) it does.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from .._checks import Seed
from ..adversarial import AdversarialMDP
from ._common import knobs
from .adv_logbarrier import SHARED, AdversarialRun, run_policy_optimisation


@knobs(**SHARED)
def adv_magnitude(model: AdversarialMDP, K: int, seed: Seed = None, *, eta: float | None = None,
                  beta: float | None = None, gamma: float | None = None, gamma_schedule: str = "balanced",
                  phi: ArrayLike | None = None, oracle: bool = False, W: int | None = None) -> AdversarialRun:
    """Dai et al. 2023, Algorithm 2 (module docstring): negative-entropy FTRL on magnitude-reduced estimates minus
    dilated bonuses, regret O~(sqrt(d H^6 K)) (rate in K: K^1/2)."""
    return run_policy_optimisation(model, K, seed, barrier=False, reduce=True, eta=eta, beta=beta, gamma=gamma,
                                   phi=phi, oracle=oracle, W=W, learner="adv-magnitude",
                                   gamma_schedule=gamma_schedule)
