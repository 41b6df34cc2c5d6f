"""Adversarial MDPs in the regret harness, and the rates of Dai, Luo, Wei & Zimmert 2023 ("Refined Regret for
Adversarial MDPs with Linear Function Approximation", ICML, arXiv 2301.12942) as code.

Regret is against the best fixed policy in hindsight over the run's ``K`` episodes (the paper's Sec. 2):
``regret_k = V_k^{pi_k}(s_1) - V_k^{pi*}(s_1)`` with ``pi* = argmin_pi sum_{k<K} V_k^pi(s_1)`` (losses: learner's
loss minus the comparator's; ``s_1`` drawn from the model's ``initial``, values expected over it), so the per-episode
terms can be negative and only their sum is the paper's regret. ``pi*`` comes from ONE backward induction on the
summed losses (:func:`boundlab.tabular.adversarial.best_fixed_policy`); ``V_k^{pi_k}`` from exact evaluation of the
stochastic policy the learner played (``run.probabilities[k, h, s, a]``, or the deterministic ``run.policies``).

Importing this module registers :class:`~boundlab.tabular.adversarial.AdversarialMDP` with the harness
(``register_model``), so ``bounds.measure_regret`` / ``sweep`` run the adversarial learners on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boundlab.tabular.adversarial import AdversarialMDP, Comparator, best_fixed_policy, episode_values
from boundlab.tabular.learners import LearnerRun

from .regret import register_model

__all__ = ["RATES", "AdversarialRate", "adversarial_optimum", "adversarial_rate", "adversarial_regret",
           "comparator_for"]


def adversarial_optimum(model: AdversarialMDP) -> Comparator:
    """The comparator over all of the model's ``K`` episodes (once per model; runs of fewer episodes get theirs
    from :func:`comparator_for`)."""
    return best_fixed_policy(model)


def comparator_for(model: AdversarialMDP, K: int, optimum: Comparator | None = None) -> Comparator:
    """The best fixed policy over the first ``K`` episodes (``optimum`` reused where it is for that ``K``)."""
    if optimum is not None and optimum.K == K:
        return optimum
    return best_fixed_policy(model, K)


def _played(model: AdversarialMDP, run: LearnerRun) -> np.ndarray:
    """``run``'s policies as probabilities ``[K, H, S, A]``: ``run.probabilities`` where present, else the
    deterministic ``run.policies[k, h, s]`` (mixed with uniform actions w.p. ``run.epsilon``)."""
    K = len(run.starts)
    probabilities = getattr(run, "probabilities", None)
    if probabilities is not None:
        probabilities = np.asarray(probabilities)
        if probabilities.shape != (K, model.H, model.S, model.A):
            raise ValueError(f"run.probabilities has shape {probabilities.shape}, not (K, H, S, A) = "
                             f"({K}, {model.H}, {model.S}, {model.A})")
        return probabilities
    policies = np.asarray(run.policies)
    if policies.shape != (K, model.H, model.S) or policies.dtype.kind not in "iu":
        raise ValueError(f"run.policies must be integer actions of shape (K, H, S) = ({K}, {model.H}, {model.S}), "
                         f"got {policies.dtype} {policies.shape}")
    if policies.min() < 0 or policies.max() >= model.A:
        raise ValueError(f"run.policies must hold actions in [0, {model.A})")
    pi = np.full((K, model.H, model.S, model.A), run.epsilon / model.A)
    np.put_along_axis(pi, policies[..., None].astype(np.int64), 1.0 - run.epsilon + run.epsilon / model.A, axis=-1)
    return pi


def adversarial_regret(model: AdversarialMDP, run: LearnerRun, optimum: Comparator | None = None) -> np.ndarray:
    """Exact per-episode regret ``V_k^{pi_k}(s_1) - V_k^{pi*}(s_1)``, ``pi*`` the best fixed policy over the run's
    ``K = len(run.starts)`` episodes (its sum is the run's regret). Reads ``run.probabilities`` (an
    :class:`~boundlab.tabular.learners.adv_logbarrier.AdversarialRun`) or, for any other ``LearnerRun``, its
    deterministic ``policies`` and ``epsilon``. Raises ``ValueError`` when the run does not fit the model."""
    if not isinstance(model, AdversarialMDP):
        raise TypeError(f"model must be an AdversarialMDP, got {type(model).__name__}")
    K = len(run.starts)
    if not 1 <= K <= model.K:
        raise ValueError(f"the run has {K} episodes; the model holds losses for {model.K}")
    values = episode_values(model, _played(model, run))
    return values - comparator_for(model, K, optimum).values


register_model(AdversarialMDP, optimum=adversarial_optimum, regret=adversarial_regret)


# --- rates as code ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdversarialRate:
    """A regret rate ``O~(scale(A, d, H) K^exponent)`` (log factors and constants hidden by the source), with its
    source."""

    algorithm: str
    exponent: float
    formula: str
    source: str

    def value(self, K, *, A: int = 1, d: int = 1, H: int = 1) -> np.ndarray:
        """The rate's expression without hidden constants or logs (for slopes and shapes, not a bound to hold)."""
        K = np.asarray(K, dtype=np.float64)
        scale = {"adv-logbarrier": np.sqrt(A * d * H ** 6), "adv-magnitude": np.sqrt(d * H ** 6),
                 "adv-luo21": d ** (2 / 3) * H ** 2}.get(self.algorithm, 1.0)
        return scale * K ** self.exponent


#: Dai et al. 2023 (slides' table [V] and abstract); the baseline is Luo, Wei & Lee 2021 (NeurIPS), as cited there.
RATES = {
    "adv-logbarrier": AdversarialRate("adv-logbarrier", 0.5, "O~(sqrt(A d H^6 K))",
                                      "Dai et al. 2023, Algorithm 1 (linear-Q, simulator), slides' table"),
    "adv-magnitude": AdversarialRate("adv-magnitude", 0.5, "O~(sqrt(d H^6 K))",
                                     "Dai et al. 2023, Algorithm 2 (linear-Q, simulator), slides' table"),
    "adv-luo21": AdversarialRate("adv-luo21", 2 / 3, "O~(d^{2/3} H^2 K^{2/3})",
                                 "Luo, Wei & Lee 2021 (linear-Q, simulator), as cited by Dai et al. 2023"),
    "adv-linear-mdp": AdversarialRate("adv-linear-mdp", 8 / 9, "O~(poly(A, d, H) K^{8/9})",
                                      "Dai et al. 2023, Algorithm 3 (linear MDP, no simulator), abstract"),
}


def adversarial_rate(algorithm: str) -> AdversarialRate:
    """The rate of ``algorithm`` (one of :data:`RATES`)."""
    if algorithm not in RATES:
        raise ValueError(f"algorithm must be one of {', '.join(RATES)}, got {algorithm!r}")
    return RATES[algorithm]
