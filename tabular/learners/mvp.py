"""MVP, Monotonic Value Propagation (Zhang, Ji & Du 2021, "Is reinforcement learning more difficult than bandits?
A near-optimal algorithm escaping the curse of horizon", COLT; https://arxiv.org/abs/2009.13503), Algorithm 1.

MVP is horizon-free: the total reward of an episode lies in [0, 1]. Here each reward is divided by ``H`` inside the
learner (so any model with per-step rewards in [0, 1] qualifies) and values are clipped at 1; regret measured on
the original model is ``H`` times the regret in the paper's scale.

Doubling trigger: the statistics of ``(s, a)`` (``n``, ``P_hat``, ``r_hat``, reward variance) are refreshed only
when ``N(s, a)`` reaches ``2^i``; at the end of an episode in which some pair was refreshed, every ``Q_h`` is
recomputed by backward induction:
``Q_h(s, a) = min(r_hat + P_hat V_{h+1} + b, 1)`` with the Bernstein-type bonus
``b = c1 sqrt(Var(P_hat, V_{h+1}) iota / n) + c2 sqrt(Var_hat(r) iota / n) + c3 iota / n``,
``c1 = 460/9``, ``c2 = 2 sqrt(2)``, ``c3 = 544/9`` (the paper's constants; Zhang, Chen, Lee & Du 2023,
arXiv:2307.13586, Algorithm 1, restate them for this bonus) and ``iota = ln(S A H K / delta)``. The log term is our
reading of the 2021 paper and could not be checked against its full text; the 2023 variant uses
``log(1 / delta')`` with ``delta' = delta / (200 S A H^2 K^2)``, larger by about ``ln(200 H K)``. Unrefreshed
pairs keep ``Q = 1``. Counts are pooled over steps for a stationary model (``P`` and ``R`` the same at every
step: the paper's setting) and kept per step otherwise (``stationary=False``: MVP on the layered MDP).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import RewardRange, Seed
from ..models import EpisodicMDP
from ._common import (BONUS_SCALE, DELTA, LearnerRun, check_bonus_scale, check_delta, check_episodes, check_flag,
                      interaction, knobs)
from ._episode import allocate, greedy, play_episode

C1, C2, C3 = 460.0 / 9.0, 2.0 * np.sqrt(2.0), 544.0 / 9.0


@njit(cache=True, nogil=True)
def mvp_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, S, A, H, K, layers, delta, c1,
               c2, c3, seed, record):
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    iota = np.log(S * A * H * K / delta)
    N = np.zeros((layers, S, A))
    Nsas = np.zeros((layers, S, A, S))
    r_sum = np.zeros((layers, S, A))
    r_sq = np.zeros((layers, S, A))
    # statistics frozen at the last trigger of each pair
    n_f = np.zeros((layers, S, A))
    P_f = np.zeros((layers, S, A, S))
    r_f = np.zeros((layers, S, A))
    var_r_f = np.zeros((layers, S, A))
    Q = np.ones((H, S, A))
    V = np.zeros((H + 1, S))
    policy = np.zeros((H, S), dtype=np.int16)
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, H, S, A, record)
    for k in range(K):
        policies[k] = policy
        if record:
            q_record[k] = Q
        rng, rng_r, returns[k] = play_episode(policy, indptr, successors, threshold, alias_successors, R3, noise,
                                       init_cdf, S, A, 0.0, rng, rng_r, states, actions, rewards)
        starts[k] = states[0]
        triggered = False
        for h in range(H):
            s, a, s_next = states[h], actions[h], states[h + 1]
            x = rewards[h] / H  # the paper's scale: total reward in [0, 1]
            l = h if layers > 1 else 0
            N[l, s, a] += 1.0
            Nsas[l, s, a, s_next] += 1.0
            r_sum[l, s, a] += x
            r_sq[l, s, a] += x * x
            n = N[l, s, a]
            if (int(n) & (int(n) - 1)) == 0:  # N(s, a) hit a power of two: refresh (s, a)
                n_f[l, s, a] = n
                for y in range(S):
                    P_f[l, s, a, y] = Nsas[l, s, a, y] / n
                r_f[l, s, a] = r_sum[l, s, a] / n
                var_r_f[l, s, a] = max(r_sq[l, s, a] / n - r_f[l, s, a] ** 2, 0.0)
                triggered = True
        if triggered:
            for h in range(H - 1, -1, -1):
                l = h if layers > 1 else 0
                for s in range(S):
                    for a in range(A):
                        n = n_f[l, s, a]
                        if n > 0:
                            pv = 0.0
                            pv2 = 0.0
                            for y in range(S):
                                p = P_f[l, s, a, y]
                                if p > 0:
                                    v = V[h + 1, y]
                                    pv += p * v
                                    pv2 += p * v * v
                            b = (c1 * np.sqrt(max(pv2 - pv * pv, 0.0) * iota / n)
                                 + c2 * np.sqrt(var_r_f[l, s, a] * iota / n) + c3 * iota / n)
                            Q[h, s, a] = min(r_f[l, s, a] + pv + b, 1.0)
                        else:
                            Q[h, s, a] = 1.0
                    policy[h, s], V[h, s] = greedy(Q[h, s])
    return policies, starts, returns, q_record


@knobs(delta=("the confidence level: the regret bound holds w.p. 1 - delta; iota = ln(S A H K / delta)",
              "Zhang, Ji & Du 2021, Algorithm 1; Theorem 1"),
       bonus_scale=("multiplies c1 = 460/9, c2 = 2 sqrt(2), c3 = 544/9 of the bonus; 1: the paper's constants "
                    "(Theorem 1 holds only there)", "Zhang, Ji & Du 2021, Algorithm 1 (bonus); Zhang et al. 2023, "
                    "arXiv:2307.13586, Algorithm 1"))
def mvp(model: EpisodicMDP, K: int, seed: Seed = None, *, delta: float = DELTA, stationary: bool | None = None,
        bonus_scale: float = BONUS_SCALE, record_q: bool = False,
        reward_range: RewardRange | None = None) -> LearnerRun:
    """MVP (Zhang, Ji & Du 2021, Algorithm 1); regret bound Theorem 1 (in the [0, 1]-total-reward scale).
    ``bonus_scale`` multiplies ``c1, c2, c3`` (default 1: the paper's constants, under which the bound holds).
    The paper's total reward in [0, 1] is obtained from per-step rewards in [0, 1] (divided by ``H`` here); other
    rewards are refused unless ``reward_range=(lo, hi)`` asks to rescale them into [0, 1] first."""
    K, delta = check_episodes(K), check_delta(delta)
    bonus_scale = check_bonus_scale(bonus_scale)
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner="MVP", reward_range=reward_range)
    policies, starts, returns, q = mvp_kernel(*env.tables, env.R3, env.noise, env.init_cdf, env.S, env.A, env.H, K,
                                              env.layers(stationary), delta, C1 * bonus_scale,
                                              C2 * bonus_scale, C3 * bonus_scale, env.seed, record_q)
    return env.run(policies, starts, returns, 0.0, q if record_q else None)
