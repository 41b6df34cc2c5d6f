"""Dai, Luo, Wei & Zimmert 2023 (arXiv 2301.12942), Algorithm 2: per-state negative-entropy FTRL (exponential
weights) fed with magnitude-reduced loss estimates ``max(Z, 0) + E[min(Z, 0)]`` (the expectation from the simulator,
or exact in the idealised ``oracle`` mode), which removes Algorithm 1's poly(A) factor: regret O~(sqrt(d H^6 K)).

The episode loop, its reconstructed steps and their sources are those of :mod:`.adv_logbarrier` (one kernel, the
regulariser and the reduction switched by flags); the schedule is the same ``eta = beta = K^{-1/2}``,
``gamma = K^{-1}`` (slides: after magnitude reduction the estimates lie in ``[-gamma^{-1/2}, gamma^{-1}]``, so
Hedge's condition ``-gamma^{-1/2} >= -1/eta`` holds exactly at these rates, up to the hidden H factors [V, R]).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from .._checks import Seed
from ..adversarial import AdversarialMDP
from ._common import knobs
from .adv_logbarrier import SHARED, AdversarialRun, run_policy_optimisation


@knobs(**SHARED)
def adv_magnitude(model: AdversarialMDP, K: int, seed: Seed = None, *, eta: float | None = None,
                  beta: float | None = None, gamma: float | None = None, phi: ArrayLike | None = None,
                  oracle: bool = False, W: int | None = None) -> AdversarialRun:
    """Dai et al. 2023, Algorithm 2 (module docstring): negative-entropy FTRL on magnitude-reduced estimates minus
    dilated bonuses, regret O~(sqrt(d H^6 K)) (rate in K: K^1/2)."""
    return run_policy_optimisation(model, K, seed, barrier=False, reduce=True, eta=eta, beta=beta, gamma=gamma,
                                   phi=phi, oracle=oracle, W=W, learner="adv-magnitude")
