"""Stochastic multi-armed bandit learners: UCB1, KL-UCB and Thompson sampling, one Numba kernel.

A bandit is an :class:`~boundlab.tabular.EpisodicMDP` with one state and one step (:mod:`.models`); round ``k`` is
episode ``k``, played by the tabular learners' episode runner (``play_episode``, which also draws the rewards), and
the run is the same :class:`~boundlab.tabular.learners.LearnerRun`: ``policies[k, 0, 0]`` is the arm pulled in round
``k``, ``returns[k]`` its reward, ``q_values[k, 0, 0, a]`` (with ``record_q``) the arm's index (UCB1, KL-UCB) or
posterior sample (Thompson) that round. Every index is ``+inf`` for an arm never pulled and ties go to the lowest arm,
so the index policies pull arms ``0, 1, ..., K-1`` once each first, as both papers prescribe. Rewards must lie in
[0, 1] (all three papers' assumption), else ``reward_range=(lo, hi)`` rescales them explicitly.

- UCB1 (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time analysis of the multiarmed bandit problem", Machine Learning
  47, Fig. 1): after one pull of each arm, pull ``argmax_a mean_a + sqrt(2 ln t / n_a)``, ``t`` the number of pulls
  so far and ``n_a`` arm ``a``'s.
- KL-UCB (Garivier & Cappe 2011, "The KL-UCB algorithm for bounded stochastic bandits and beyond", COLT,
  arXiv:1102.2490, Algorithm 1 with the Bernoulli divergence ``d``): after one pull of each arm, pull ``argmax_a
  max{q in [mean_a, 1]: n_a d(mean_a, q) <= ln t + c ln ln t}``, ``t`` the number of pulls so far. ``c = 3`` is
  the constant of the paper's regret theorem (the default here); the paper recommends ``c = 0`` in practice (its
  experiments). The keyword is ``c_loglog`` (``c`` is the deprecated alias of UCB-H's bonus constant here).
  Where ``ln t + c ln ln t < 0`` (``t = 1``: one arm; ``t = 2`` with ``c > ln 2 / ln(1 / ln 2) = 1.89``: two arms)
  the set is empty and the index is the mean (the level taken as 0: our reading of an empty set). The inversion is a
  bisection to ``1e-10`` (:func:`kl_upper`).
- Thompson sampling (Agrawal & Goyal 2012, "Analysis of Thompson sampling for the multi-armed bandit problem",
  COLT, Algorithm 1; Algorithm 2 for rewards in [0, 1]): each round draw ``theta_a ~ Beta(S_a + 1, F_a + 1)`` (the
  Beta(1, 1) prior) for every arm and pull the largest; a reward ``r`` is a success with probability ``r`` (a
  Bernoulli trial, the paper's trick for non-binary rewards; for rewards in {0, 1} it is ``r`` itself). Beta
  variates are ``G1 / (G1 + G2)`` of two Gamma variates (Marsaglia & Tsang), drawn, like the trials, from the same
  SplitMix64 stream as the environment, so a seed fixes the whole run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from boundlab.tabular import EpisodicMDP
from boundlab.tabular._checks import RewardRange, Seed, check_flag, check_real
from boundlab.tabular._rng import next_gamma, next_uniform
from boundlab.tabular.learners import LearnerRun
from boundlab.tabular.learners._common import check_episodes, interaction, knobs
from boundlab.tabular.learners._episode import allocate, greedy, play_episode

from .models import bandit_means

UCB1, KL_UCB, THOMPSON = 0, 1, 2
#: Half-width at which :func:`kl_upper`'s bisection stops.
KL_TOL = 1e-10


@njit(cache=True, nogil=True)
def kl_bernoulli(p, q):
    """``d(p, q) = p ln(p / q) + (1 - p) ln((1 - p) / (1 - q))``, the Kullback-Leibler divergence of Bernoulli(p)
    from Bernoulli(q), with ``0 ln 0 = 0`` (``+inf`` where ``q`` is 0 or 1 and ``p`` is not)."""
    d = 0.0
    if p > 0.0:
        d += np.inf if q <= 0.0 else p * (np.log(p) - np.log(q))  # a difference of logs: q may be subnormal
    if p < 1.0:
        d += np.inf if q >= 1.0 else (1.0 - p) * (np.log(1.0 - p) - np.log(1.0 - q))
    return d


@njit(cache=True, nogil=True)
def kl_upper(mean, n, level):
    """KL-UCB's index: the largest ``q`` in ``[mean, 1]`` with ``n d(mean, q) <= level`` (``d`` increases in ``q``
    on ``[mean, 1]``), by bisection on ``[mean, 1]`` until the bracket is narrower than :data:`KL_TOL`; returns the
    bracket's lower end, which satisfies the inequality. ``mean`` itself where ``level <= 0``."""
    lo, hi = mean, 1.0
    if level <= 0.0:
        return mean
    while hi - lo > KL_TOL:
        mid = 0.5 * (lo + hi)
        if n * kl_bernoulli(mean, mid) <= level:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def bandit_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, A, K, rule, c, seed, record):
    """``K`` rounds of UCB1 (``rule`` 0), KL-UCB (1, exploration constant ``c``) or Thompson sampling (2) on a
    one-state, one-step model with ``A`` arms (module docstring)."""
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    n = np.zeros(A)  # pulls of each arm
    total = np.zeros(A)  # sum of its rewards (UCB1, KL-UCB)
    succ = np.zeros(A)  # Bernoulli-trial successes and failures (Thompson)
    fail = np.zeros(A)
    index = np.empty(A)
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, 1, 1, A, record)
    for k in range(K):  # k pulls so far
        for a in range(A):
            if rule == THOMPSON:
                rng, g1 = next_gamma(rng, succ[a] + 1.0)
                rng, g2 = next_gamma(rng, fail[a] + 1.0)
                index[a] = g1 / (g1 + g2)
            elif n[a] == 0.0:
                index[a] = np.inf
            elif rule == UCB1:
                index[a] = total[a] / n[a] + np.sqrt(2.0 * np.log(k) / n[a])
            else:
                level = np.log(k) + (c * np.log(np.log(k)) if c != 0.0 else 0.0)
                index[a] = kl_upper(total[a] / n[a], n[a], level)
        policies[k, 0, 0], _ = greedy(index)
        if record:
            q_record[k, 0, 0] = index
        rng, rng_r, returns[k] = play_episode(policies[k], indptr, successors, threshold, alias_successors, R3, noise,
                                              init_cdf, 1, A, 0.0, rng, rng_r, states, actions, rewards)
        starts[k] = 0
        a, r = actions[0], rewards[0]
        n[a] += 1.0
        total[a] += r
        if rule == THOMPSON:
            rng, u = next_uniform(rng)
            if u < r:
                succ[a] += 1.0
            else:
                fail[a] += 1.0
    return policies, starts, returns, q_record


def run_bandit(model: EpisodicMDP, K: int, seed: Seed, rule: int, c: float, record_q: bool,
               reward_range: RewardRange | None, learner: str) -> LearnerRun:
    """Check the arguments (the model must be a bandit), run :func:`bandit_kernel`, return the ``LearnerRun``."""
    bandit_means(model)
    K = check_episodes(K)
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner=learner, reward_range=reward_range)
    policies, starts, returns, q = bandit_kernel(*env.tables, env.R3, env.noise, env.init_cdf, env.A, K, rule, c,
                                                 env.seed, record_q)
    return env.run(policies, starts, returns, 0.0, q if record_q else None)


_RECORD = ("keep every arm's index (UCB1, KL-UCB) or posterior sample (Thompson) of every round in "
           "LearnerRun.q_values[k, 0, 0, a] (memory K A floats)", "boundlab")


@knobs(record_q=_RECORD)
def ucb1(model: EpisodicMDP, K: int, seed: Seed = None, *, record_q: bool = False,
         reward_range: RewardRange | None = None) -> LearnerRun:
    """UCB1 (Auer, Cesa-Bianchi & Fischer 2002, Fig. 1) for ``K`` rounds on a bandit model: each arm once, then
    ``argmax_a mean_a + sqrt(2 ln t / n_a)``. Regret bound: their Theorem 1 (``bounds.bandit_upper_bound``),
    for rewards in [0, 1]."""
    return run_bandit(model, K, seed, UCB1, 0.0, record_q, reward_range, "UCB1")


@knobs(c_loglog=("the paper's exploration constant c of the level ln t + c ln ln t; 3: the paper's regret theorem "
                 "(it holds for c = 3), 0: its recommended practical choice (outside the theorem)",
                 "Garivier & Cappe 2011, Algorithm 1 and its regret theorem (c = 3); its experiments (c = 0)"),
       record_q=_RECORD)
def kl_ucb(model: EpisodicMDP, K: int, seed: Seed = None, *, c_loglog: float = 3.0, record_q: bool = False,
           reward_range: RewardRange | None = None) -> LearnerRun:
    """KL-UCB (Garivier & Cappe 2011, Algorithm 1, Bernoulli divergence) for ``K`` rounds on a bandit model: each arm
    once, then ``argmax_a max{q: n_a d(mean_a, q) <= ln t + c ln ln t}``. ``c_loglog`` is the paper's ``c >= 0``,
    default 3 (the theorem's; the paper recommends 0 in practice). It is not called ``c`` because ``c`` is the
    deprecated name of UCB-H's bonus constant in this package's one vocabulary. Rewards in [0, 1]."""
    c_loglog = check_real(c_loglog, "c_loglog", low=0.0)
    return run_bandit(model, K, seed, KL_UCB, c_loglog, record_q, reward_range, "KL-UCB")


@knobs(record_q=_RECORD)
def thompson(model: EpisodicMDP, K: int, seed: Seed = None, *, record_q: bool = False,
             reward_range: RewardRange | None = None) -> LearnerRun:
    """Thompson sampling with Beta(1, 1) priors (Agrawal & Goyal 2012, Algorithms 1-2) for ``K`` rounds on a bandit
    model: each round a Beta posterior sample per arm, pull the largest; a reward ``r`` in [0, 1] counts as a
    success with probability ``r``."""
    return run_bandit(model, K, seed, THOMPSON, 0.0, record_q, reward_range, "Thompson sampling")
