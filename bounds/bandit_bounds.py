"""Instance-dependent regret bounds of the stochastic bandit learners (``bandits.ucb1``, ``kl_ucb``, ``thompson``)
and the Lai-Robbins asymptotic lower bound, in terms of the gaps ``Delta_a = mu* - mu_a`` after ``n`` rounds.

Each returns a :class:`~boundlab.bounds.theorems.Bound` as for the tabular learners: ``value`` with the paper's
constants where it states them (UCB1 only), else ``None`` and a ``rate`` (the expression without its hidden
constants); ``exponent`` 0 (the bounds grow like ``ln n``); ``terms`` marked leading (``ln n``) or lower order. The
regret they bound is the expected pseudo-regret ``sum_k (mu* - mu_{a_k})``, which ``bounds.measure_regret`` measures
exactly per run on a bandit model (its mean over seeds estimates the expectation).

Premises, checked where a model is given (``means`` alone are taken as an instance satisfying them): the upper
bounds are for rewards in [0, 1] with any distribution (UCB1; KL-UCB with the Bernoulli divergence; Thompson
sampling with the Bernoulli-trial trick, which turns every [0, 1] arm into the Bernoulli arm of the same mean); the
Lai-Robbins constant ``sum Delta_a / d(mu_a, mu*)`` with the Bernoulli divergence ``d`` is that of the Bernoulli
family, so a model must have Bernoulli rewards.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import xlogy

from boundlab.bandits import bandit_means
from boundlab.bandits.models import check_means
from boundlab.tabular import EpisodicMDP
from boundlab.tabular.rewards import BernoulliRewards, draw_support
from boundlab.tabular._checks import check_int, check_real

from .theorems import Bound, Term

#: The bandit learners with a regret theorem here.
BANDIT_ALGORITHMS = ("ucb1", "kl-ucb", "thompson")

_SOURCES = {
    "ucb1": "Auer, Cesa-Bianchi & Fischer 2002 (Machine Learning 47), Theorem 1: for K > 1 arms with reward "
            "distributions on [0, 1], after any number n of plays, E[regret] <= 8 sum_{a: Delta_a > 0} ln n / "
            "Delta_a + (1 + pi^2/3) sum_a Delta_a",
    "kl-ucb": "Garivier & Cappe 2011 (COLT, arXiv:1102.2490), regret theorem for KL-UCB with c = 3 and rewards in "
              "[0, 1]: E[N_n(a)] <= (1 + eps) ln n / d(mu_a, mu*) + C1 ln ln n + C2(eps) / n^beta(eps) for every "
              "eps > 0, C1 > 0 a constant and C2, beta positive functions not given in closed form (statement "
              "reconstructed from the paper, not re-checked against its text here); so lim sup E[regret] / ln n <= "
              "sum Delta_a / d(mu_a, mu*): rate only",
    "thompson": "Agrawal & Goyal 2013 (AISTATS, PMLR 31:99-107, 'Further optimal regret bounds for Thompson "
                "sampling', arXiv:1209.3353; journal version JACM 64(5) 2017), Theorem 1: Thompson sampling with "
                "Beta(1, 1) priors on N arms with rewards in [0, 1] (Bernoulli arms, or any [0, 1] arm through the "
                "Bernoulli-trial step of Agrawal & Goyal 2012, Algorithm 2) has, for eps in (0, 1], E[R(T)] <= "
                "(1 + eps) sum_{i: Delta_i > 0} Delta_i ln T / d(mu_i, mu_1) + O(N / eps^2), d the Bernoulli KL, "
                "mu_1 the best mean, the big-O hiding the means: rate only (the PMLR abstract writes the sum without "
                "its Delta_i, the number of pulls rather than the regret; an arXiv version's abstract the looser "
                "(1 + eps) sum ln T / Delta_i, which follows by Pinsker, d >= 2 Delta^2). Earlier: Agrawal & Goyal "
                "2012 (COLT, PMLR 23:39.1-39.26), Theorem 1: two arms, O(ln T / Delta + 1 / Delta^3); Theorem 2: "
                "N arms, O((sum_{i >= 2} 1 / Delta_i^2)^2 ln T)",
}
LAI_ROBBINS = ("Lai & Robbins 1985 (Adv. Appl. Math. 6), Theorem 2: every uniformly good (consistent) policy on a "
               "one-parameter family has lim inf_n E[N_n(a)] / ln n >= 1 / KL(mu_a, mu*) for each suboptimal arm, so "
               "lim inf E[regret] / ln n >= sum_{a: Delta_a > 0} Delta_a / d(mu_a, mu*) (Bernoulli family: d the "
               "Bernoulli KL). Asymptotic: it constrains the limit, no finite n")


def bernoulli_kl(p: np.ndarray | float, q: np.ndarray | float) -> np.ndarray:
    """``d(p, q) = p ln(p/q) + (1 - p) ln((1 - p)/(1 - q))`` elementwise, ``0 ln 0 = 0``, ``+inf`` where ``q`` is 0
    or 1 and ``p`` is not. The second term is taken as ``(1 - p)(log1p(-p) - log1p(-q))``, so tiny means keep their
    digits (``1 - q`` would round to 1 and give ``d(0, q) = 0`` instead of ``-ln(1 - q) ~ q``)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = xlogy(p, p) - xlogy(p, q)
        second = np.where(p < 1.0, (1.0 - p) * (np.log1p(-p) - np.log1p(-q)), 0.0)
    return np.where(p == q, 0.0, np.maximum(first + second, 0.0))


def gaps(model_or_means: EpisodicMDP | object) -> np.ndarray:
    """``Delta_a = mu* - mu_a`` of every arm (0 for the optimal ones)."""
    mu = _means(model_or_means, premise=None)
    return mu.max() - mu


def _means(model_or_means: object, premise: str | None) -> np.ndarray:
    """The arm means; for a model, also its premise: ``"unit"`` (every draw in [0, 1]) or ``"bernoulli"``."""
    if not isinstance(model_or_means, EpisodicMDP):
        return check_means(model_or_means, name="model_or_means")
    mu = bandit_means(model_or_means)
    if premise == "unit":
        lo, hi = draw_support(model_or_means.reward_noise, model_or_means.reward_range) or (mu.min(), mu.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"model_or_means: the theorem assumes rewards in [0, 1], but the model draws rewards in "
                             f"[{lo:g}, {hi:g}] (its regret, in the model's unit, is not the one the theorem bounds)")
    if premise == "bernoulli" and not isinstance(model_or_means.reward_noise, BernoulliRewards):
        raise ValueError("model_or_means: the Lai-Robbins constant sum Delta_a / d(mu_a, mu*) is that of Bernoulli "
                         f"arms, but the model's reward_noise is {model_or_means.reward_noise!r} (another family has "
                         "another constant)")
    return mu


def _check_n(n: object) -> int:
    return check_int(n, "n (rounds)")


def lai_robbins_constant(model_or_means: EpisodicMDP | object) -> float:
    """``C = sum_{a: Delta_a > 0} Delta_a / d(mu_a, mu*)`` (Bernoulli arms): the Lai-Robbins constant."""
    mu = _means(model_or_means, premise="bernoulli")
    best, delta = mu.max(), mu.max() - mu
    sub = delta > 0
    return float(np.sum(delta[sub] / bernoulli_kl(mu[sub], best)))


def bandit_upper_bound(algorithm: str, model_or_means: EpisodicMDP | object, n: int, *,
                       c_loglog: float = 3.0, eps: float = 1.0) -> Bound:
    """The expected pseudo-regret bound after ``n`` rounds that the paper proves for ``algorithm`` (``"ucb1"``,
    ``"kl-ucb"``, ``"thompson"``) on the instance (a bandit model, checked against the theorem's premise, or its
    arm means). ``c_loglog``: KL-UCB's exploration constant ``c``; its theorem is for ``c = 3`` only (another value
    is a ``ValueError``: no theorem speaks). ``eps``: Thompson sampling's free ``eps`` in (0, 1] (Agrawal & Goyal
    2013, Theorem 1: leading term ``(1 + eps) sum Delta_a ln n / d(mu_a, mu*)``, lower-order ``O(N / eps^2)``,
    whose hidden constant is taken as 1 in its term)."""
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a str (one of {', '.join(BANDIT_ALGORITHMS)}), got "
                        f"{type(algorithm).__name__}")
    if algorithm not in BANDIT_ALGORITHMS:
        raise ValueError(f"no bandit regret bound is known for algorithm {algorithm!r}; choose from "
                         f"{', '.join(BANDIT_ALGORITHMS)}")
    eps = check_real(eps, "eps", low=0.0, low_open=True, high=1.0)
    mu, n = _means(model_or_means, premise="unit"), _check_n(n)
    delta = mu.max() - mu
    sub = delta[delta > 0]
    log_n = math.log(n)
    if algorithm == "ucb1":
        terms = (Term("8 sum_{a: Delta_a > 0} ln n / Delta_a", float(8 * np.sum(log_n / sub)), True),
                 Term("(1 + pi^2/3) sum_a Delta_a", float((1 + math.pi**2 / 3) * np.sum(delta)), False))
        return Bound(algorithm, terms[0].value + terms[1].value, float(np.sum(log_n / sub)), 0.0,
                     _SOURCES[algorithm], terms)
    if algorithm == "kl-ucb":
        if check_real(c_loglog, "c_loglog", low=0.0) != 3.0:
            raise ValueError(f"KL-UCB's regret theorem is for c = 3, got c_loglog = {c_loglog}: no theorem speaks "
                             "for this run")
        rate = lai_robbins_constant(mu) * log_n
        terms = (Term("sum_a Delta_a ln n / d(mu_a, mu*)", rate, True),
                 Term("C1 sum_a Delta_a ln ln n (C1 hidden, taken as 1)",
                      float(np.sum(sub)) * math.log(max(log_n, 1.0)), False))
        return Bound(algorithm, None, rate, 0.0, _SOURCES[algorithm], terms)
    rate = (1.0 + eps) * lai_robbins_constant(mu) * log_n
    terms = (Term(f"(1 + eps) sum_{{a: Delta_a > 0}} Delta_a ln n / d(mu_a, mu*), eps = {eps:g}", rate, True),
             Term(f"N / eps^2 (the O(N / eps^2), eps = {eps:g}; constant hidden, taken as 1)", mu.size / eps**2,
                  False))
    return Bound(algorithm, None, rate, 0.0, _SOURCES[algorithm], terms)


def bandit_premise(algorithm: str, model_or_means: EpisodicMDP | object) -> str:
    """Why ``algorithm``'s regret theorem (``"ucb1"``, ``"kl-ucb"``, ``"thompson"``, or ``"lai-robbins"`` for the
    lower bound) does not speak on the instance, ``""`` where its premise holds: rewards in [0, 1] for the upper
    bounds, Bernoulli arms for the Lai-Robbins constant. A check gives a verdict only where this is empty."""
    if algorithm not in (*BANDIT_ALGORITHMS, "lai-robbins"):
        raise ValueError(f"algorithm must be one of {', '.join(BANDIT_ALGORITHMS)}, lai-robbins; got {algorithm!r}")
    try:
        _means(model_or_means, premise="bernoulli" if algorithm == "lai-robbins" else "unit")
    except ValueError as err:
        return str(err).removeprefix("model_or_means: ")
    return ""


def lai_robbins(model_or_means: EpisodicMDP | object, n: int) -> Bound:
    """The Lai-Robbins lower bound's rate ``C ln n``, ``C`` = :func:`lai_robbins_constant`, for Bernoulli arms.
    Asymptotic: ``lim inf E[regret_n] / ln n >= C`` for every consistent policy, so ``value`` is ``None`` (no finite
    ``n`` is bounded); compare ``regret_n / ln n`` with ``C`` as ``n`` grows (:func:`lai_robbins_ratio`)."""
    n = _check_n(n)
    rate = lai_robbins_constant(model_or_means) * math.log(n)
    return Bound("lai-robbins", None, rate, 0.0, LAI_ROBBINS,
                 (Term("sum_{a: Delta_a > 0} Delta_a / d(mu_a, mu*) ln n", rate, True),))


def lai_robbins_ratio(regret: float, model_or_means: EpisodicMDP | object, n: int) -> float:
    """``regret / (C ln n)``: the measured (mean) cumulative regret after ``n >= 2`` rounds over the Lai-Robbins
    rate. For a consistent learner its lim inf as ``n -> infinity`` is at least 1; at a finite ``n`` it may be
    anything (the bound is asymptotic), so it is reported, not judged."""
    regret = check_real(regret, "regret", low=0.0)
    n = check_int(n, "n (rounds)", minimum=2)
    return regret / lai_robbins(model_or_means, n).rate
