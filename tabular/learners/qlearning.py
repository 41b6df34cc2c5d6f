"""Q-learning with UCB exploration (Jin, Allen-Zhu, Bubeck & Jordan 2018, "Is Q-learning provably efficient?",
NeurIPS; https://arxiv.org/abs/1807.03765): Algorithm 1 (UCB-Hoeffding) and Algorithm 2 (UCB-Bernstein).

Per step ``h`` of an episode: take ``a = argmax_a' Q_h(x_h, a')``, observe ``r_h`` and ``x_{h+1}``,
``t = N_h(x_h, a) += 1``, learning rate ``alpha_t = (H + 1) / (H + t)``, and
``Q_h(x, a) <- (1 - alpha_t) Q_h(x, a) + alpha_t [r_h(x, a) + V_{h+1}(x_{h+1}) + b_t]``,
``V_h(x) <- min(H, max_a' Q_h(x, a'))``, with ``iota = log(S A T / delta)``, ``T = K H`` (``delta`` is the
paper's ``p``):

- UCB-H: ``b_t = c sqrt(H^3 iota / t)``. The paper leaves ``c`` an absolute constant; here ``c = 2 bonus_scale``:
  ``c = 2`` is the value its proof needs (Azuma-Hoeffding in Lemma 4.3 with ``sum_i (alpha_t^i)^2 <= 2H/t``,
  Lemma 4.1c).
- UCB-B: running sums ``mu, sigma`` of ``V_{h+1}(x')`` and its square give ``W_t = sigma/t - (mu/t)^2``;
  ``beta_t = min(c1 (sqrt(H/t (W_t + H) iota) + sqrt(H^7 S A) iota / t), c2 sqrt(H^3 iota / t))`` and
  ``b_t = (beta_t - (1 - alpha_t) beta_{t-1}) / (2 alpha_t)``. ``c1, c2`` are absolute constants in the paper;
  here ``c1 = c2 = 2 bonus_scale`` (the 2 a choice, stated here), so ``beta_t`` and ``b_t`` scale with
  ``bonus_scale``.

``bonus_scale = 1`` (the default) is the paper's bonus with these constants; the old keyword names ``p``, ``c``,
``c1``, ``c2`` are accepted for one release with a ``DeprecationWarning``.

The policy committed to in episode ``k`` is greedy with respect to ``Q`` at the start of the episode (updates at
step ``h`` touch only ``Q_h``, after it has been used). Q-learning is naturally step-dependent (``Q_h``, ``N_h``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import RewardRange, Seed
from ..models import EpisodicMDP
from ._common import (BONUS_SCALE, DELTA, LearnerRun, bonus_constants, check_episodes, check_flag, delta_or_p,
                      interaction, knobs, renamed)
from ._episode import allocate, greedy, play_episode


@njit(cache=True, nogil=True)
def q_learning_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, S, A, H, K, bernstein,
                      delta, c, c1, c2, seed, record):
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    iota = np.log(S * A * K * H / delta)
    Q = np.full((H, S, A), float(H))
    V = np.zeros((H + 1, S))
    V[:H] = H
    N = np.zeros((H, S, A))
    mu = np.zeros((H, S, A))
    sigma = np.zeros((H, S, A))
    beta_prev = np.zeros((H, S, A))
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, H, S, A, record)
    for k in range(K):
        for h in range(H):  # the greedy policy at the start of the episode
            for s in range(S):
                policies[k, h, s] = greedy(Q[h, s])[0]
        if record:
            q_record[k] = Q
        rng, rng_r, returns[k] = play_episode(policies[k], indptr, successors, threshold, alias_successors, R3,
                                       noise, init_cdf, S, A, 0.0, rng, rng_r, states, actions, rewards)
        starts[k] = states[0]
        # The updates in step order: step h's update reads V_{h+1} before step h+1 changes it, as online.
        for h in range(H):
            s, a, r, s_next = states[h], actions[h], rewards[h], states[h + 1]
            N[h, s, a] += 1.0
            t = N[h, s, a]
            alpha = (H + 1.0) / (H + t)
            v_next = V[h + 1, s_next]
            if bernstein:
                mu[h, s, a] += v_next
                sigma[h, s, a] += v_next * v_next
                W = max(sigma[h, s, a] / t - (mu[h, s, a] / t) ** 2, 0.0)
                beta = min(c1 * (np.sqrt(H / t * (W + H) * iota) + np.sqrt(float(H) ** 7 * S * A) * iota / t),
                           c2 * np.sqrt(float(H) ** 3 * iota / t))
                b = (beta - (1.0 - alpha) * beta_prev[h, s, a]) / (2.0 * alpha)
                beta_prev[h, s, a] = beta
            else:
                b = c * np.sqrt(float(H) ** 3 * iota / t)
            Q[h, s, a] = (1.0 - alpha) * Q[h, s, a] + alpha * (r + v_next + b)
            V[h, s] = min(float(H), Q[h, s].max())
    return policies, starts, returns, q_record


#: The paper's absolute constants behind ``bonus_scale`` (the defaults of the deprecated ``c``, ``c1``, ``c2``).
C_HOEFFDING = {"c": 2.0}
C_BERNSTEIN = {"c1": 2.0, "c2": 2.0}
DELTA_MEANING = ("delta (the paper's p): the confidence level; the regret bound holds w.p. 1 - delta; "
                 "iota = log(S A T / delta)")


def _run(model, K, seed, bernstein, delta, bonus_scale, record_q, reward_range, old) -> LearnerRun:
    fn = "ucb_b" if bernstein else "ucb_h"
    old = renamed(old, {"p": "delta", **{name: f"bonus_scale = {name} / {c:g}" for name, c in
                                         (C_BERNSTEIN if bernstein else C_HOEFFDING).items()}}, fn, 4)
    K, delta = check_episodes(K), delta_or_p(delta, old, fn)
    c, c1, c2 = ([0.0, *bonus_constants(bonus_scale, old, C_BERNSTEIN, fn)] if bernstein
                 else [*bonus_constants(bonus_scale, old, C_HOEFFDING, fn), 0.0, 0.0])
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner="UCB-B" if bernstein else "UCB-H", reward_range=reward_range)
    policies, starts, returns, q = q_learning_kernel(*env.tables, env.R3, env.noise, env.init_cdf, env.S, env.A, env.H,
                                                     K, bernstein, delta, c, c1, c2, env.seed, record_q)
    return env.run(policies, starts, returns, 0.0, q if record_q else None)


@knobs(delta=(DELTA_MEANING, "Jin et al. 2018, Theorem 1"),
       bonus_scale=("multiplies the bonus b_t = c sqrt(H^3 iota / t); 1: c = 2, the paper's bonus (c is an "
                    "absolute constant there; 2 is what its proof needs)",
                    "Jin et al. 2018, Algorithm 1 line 7; Lemmas 4.1c, 4.3"))
def ucb_h(model: EpisodicMDP, K: int, seed: Seed = None, *, delta: float = DELTA, bonus_scale: float = BONUS_SCALE,
          record_q: bool = False, reward_range: RewardRange | None = None, **deprecated: float) -> LearnerRun:
    """Q-learning with UCB-Hoeffding (Jin et al. 2018, Algorithm 1; regret bound Theorem 1, for rewards in [0, 1]:
    others are refused unless ``reward_range=(lo, hi)`` asks to rescale them). ``delta`` (the paper's ``p``) in
    (0, 1); ``bonus_scale >= 0`` multiplies the bonus (``c = 2 bonus_scale``). Deprecated: ``p`` (use ``delta``),
    ``c`` (use ``bonus_scale = c / 2``)."""
    return _run(model, K, seed, False, delta, bonus_scale, record_q, reward_range, deprecated)


@knobs(delta=(DELTA_MEANING, "Jin et al. 2018, Theorem 2"),
       bonus_scale=("multiplies beta_t and so the bonus b_t; 1: c1 = c2 = 2 (absolute constants in the paper, 2 a "
                    "choice stated here)", "Jin et al. 2018, Algorithm 2 lines 9-10"))
def ucb_b(model: EpisodicMDP, K: int, seed: Seed = None, *, delta: float = DELTA, bonus_scale: float = BONUS_SCALE,
          record_q: bool = False, reward_range: RewardRange | None = None, **deprecated: float) -> LearnerRun:
    """Q-learning with UCB-Bernstein (Jin et al. 2018, Algorithm 2; regret bound Theorem 2, for rewards in [0, 1]:
    others are refused unless ``reward_range=(lo, hi)`` asks to rescale them). ``delta`` (the paper's ``p``) in
    (0, 1); ``bonus_scale >= 0`` multiplies the bonus (``c1 = c2 = 2 bonus_scale``). Deprecated: ``p`` (use
    ``delta``), ``c1``, ``c2`` (use ``bonus_scale = c1 / 2``; unequal ``c1``, ``c2`` have no new spelling)."""
    return _run(model, K, seed, True, delta, bonus_scale, record_q, reward_range, deprecated)
