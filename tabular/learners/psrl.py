"""PSRL, posterior sampling for reinforcement learning (Osband, Russo & Van Roy 2013, "(More) efficient
reinforcement learning via posterior sampling", NeurIPS; https://arxiv.org/abs/1306.0940), Algorithm 1.

Each episode: sample an MDP from the posterior, compute its optimal policy by backward induction, follow it for the
episode, update the posterior. Priors: ``P(.|s, a) ~ Dirichlet(alpha0 1_S)`` and Bernoulli rewards with mean
``~ Beta(1, 1)``; an observed reward ``r`` in [0, 1] updates the Beta posterior by ``(r, 1 - r)``. Counts are pooled
over steps for a homogeneous model (``P`` and ``R`` the same at every step) and kept per step otherwise
(``stationary``). Gamma variates come from the same SplitMix64 stream as the environment, so a seed fixes the
whole run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import RewardRange, Seed
from .._rng import next_gamma
from ..models import EpisodicMDP
from ._common import LearnerRun, check_episodes, check_flag, check_real, interaction, knobs
from ._episode import allocate, greedy, play_episode


@njit(cache=True, nogil=True)
def psrl_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, S, A, H, K, layers, alpha0, seed,
                record):
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    Nsas = np.zeros((layers, S, A, S))
    r_succ = np.zeros((layers, S, A))
    r_fail = np.zeros((layers, S, A))
    P_tilde = np.empty((layers, S, A, S))
    R_tilde = np.empty((layers, S, A))
    Q = np.empty((H, S, A))
    V = np.zeros((H + 1, S))
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, H, S, A, record)
    for k in range(K):
        for l in range(layers):  # sample M_k from the posterior
            for s in range(S):
                for a in range(A):
                    total = 0.0
                    for y in range(S):
                        rng, g = next_gamma(rng, alpha0 + Nsas[l, s, a, y])
                        P_tilde[l, s, a, y] = g
                        total += g
                    for y in range(S):
                        P_tilde[l, s, a, y] /= total
                    rng, g1 = next_gamma(rng, 1.0 + r_succ[l, s, a])
                    rng, g2 = next_gamma(rng, 1.0 + r_fail[l, s, a])
                    R_tilde[l, s, a] = g1 / (g1 + g2)
        for h in range(H - 1, -1, -1):  # its optimal policy
            l = h if layers > 1 else 0
            for s in range(S):
                for a in range(A):
                    q = R_tilde[l, s, a]
                    for y in range(S):
                        q += P_tilde[l, s, a, y] * V[h + 1, y]
                    Q[h, s, a] = q
                policies[k, h, s], V[h, s] = greedy(Q[h, s])
        if record:
            q_record[k] = Q
        rng, rng_r, returns[k] = play_episode(policies[k], indptr, successors, threshold, alias_successors, R3,
                                       noise, init_cdf, S, A, 0.0, rng, rng_r, states, actions, rewards)
        starts[k] = states[0]
        for h in range(H):
            l = h if layers > 1 else 0
            s, a, r = states[h], actions[h], rewards[h]
            Nsas[l, s, a, states[h + 1]] += 1.0
            r_succ[l, s, a] += r
            r_fail[l, s, a] += 1.0 - r
    return policies, starts, returns, q_record


@knobs(alpha0=("the Dirichlet prior's parameter: P(.|s, a) ~ Dirichlet(alpha0 1_S) (rewards: Beta(1, 1))",
               "Osband et al. 2013, Algorithm 1 (the prior is the user's choice; 1 is uniform)"))
def psrl(model: EpisodicMDP, K: int, seed: Seed = None, *, alpha0: float = 1.0, stationary: bool | None = None,
         record_q: bool = False, reward_range: RewardRange | None = None) -> LearnerRun:
    """PSRL (Osband et al. 2013, Algorithm 1); Bayesian regret bound Theorem 1. The Beta reward posterior needs
    rewards in [0, 1]: other rewards are refused unless ``reward_range=(lo, hi)`` asks to rescale them.
    ``alpha0 > 0``: the Dirichlet prior's parameter."""
    K = check_episodes(K)
    alpha0 = check_real(alpha0, "alpha0", low=0.0, low_open=True)
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner="PSRL", reward_range=reward_range)
    policies, starts, returns, q = psrl_kernel(*env.tables, env.R3, env.noise, env.init_cdf, env.S, env.A, env.H, K,
                                               env.layers(stationary), alpha0, env.seed, record_q)
    return env.run(policies, starts, returns, 0.0, q if record_q else None)
