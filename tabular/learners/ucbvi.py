"""UCBVI (Azar, Osband & Munos 2017, "Minimax regret bounds for reinforcement learning", ICML;
https://arxiv.org/abs/1703.05449), Algorithms 1-2 with bonus_1 (UCBVI-CH) and bonus_2 (UCBVI-BF).

Each episode ``k``: empirical transitions ``P_hat_k`` from all past transitions, then for ``h = H..1`` and every
visited ``(x, a)``: ``Q_{k,h}(x, a) = min(Q_{k-1,h}(x, a), H, r(x, a) + P_hat_k V_{k,h+1}(x, a) + b_{k,h}(x, a))``
(unvisited pairs keep ``Q = H``); act greedily. The paper assumes a known reward ``r`` in [0, 1]; the learner
uses the mean of the rewards it has observed at ``(x, a)`` (the same number for a deterministic reward once the pair
is visited), and 1, the largest reward, where a step-dependent reward has not been observed yet. With
``L = ln(5 S A T / delta)``, ``T = K H`` (the log printed in Algorithms 3-4; Theorems 1-2 state their bounds with
the slightly larger ``ln(5 H S A T / delta)``, see :func:`bounds.upper_bound`):

- CH (Hoeffding), bonus_1: ``b = 7 H L sqrt(1 / N_k(x, a))``.
- BF (Bernstein-Freedman), bonus_2: ``b = sqrt(8 L Var_{y~P_hat}(V_{k,h+1}(y)) / N_k(x, a)) + 14 H L / (3 N_k(x, a))
  + sqrt(8 sum_y P_hat(y|x, a) min(100^2 H^3 S^2 A L^2 / N'_{k,h+1}(y), H^2) / N_k(x, a))`` where ``N'_{k,h}(y)``
  counts past visits of ``y`` at step ``h``.

The paper treats a stationary ``P`` (counts pooled over steps). For a time-inhomogeneous model the learner keeps
counts per step (``stationary=False``): UCBVI on the layered MDP with ``H S`` states, whose bound uses ``S -> H S``.
``bonus="none"`` gives the certainty-equivalent (greedy) learner with the same planner (see :mod:`.greedy`):
``Q = r_hat + P_hat V`` on visited pairs, no minimum with the previous ``Q``, unvisited pairs at ``H``.
``bonus_scale`` (default 1, the paper's constants) multiplies the bonus: with the paper's constants the bonus keeps
``Q`` at ``H`` for a very long time on small problems, and a smaller scale shows the asymptotic regime sooner (the
regret bound then no longer applies).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import RewardRange, Seed
from ..models import EpisodicMDP
from ._common import (BONUS_SCALE, DELTA, LearnerRun, check_bonus_scale, check_delta, check_episodes, check_flag,
                      check_real, interaction, knobs)
from ._episode import allocate, greedy, play_episode

BONUSES = {"none": 0, "hoeffding": 1, "bernstein": 2}


@njit(cache=True, nogil=True)
def ucbvi_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, S, A, H, K, layers, bonus, delta,
                 epsilon, scale, seed, record):
    """Algorithms 1-2 of Azar et al. 2017 for ``K`` episodes; ``layers`` is 1 (stationary counts) or ``H``.
    ``bonus``: 0 none (greedy), 1 bonus_1, 2 bonus_2. ``R3`` only drives the simulator: the planner uses the
    rewards observed in ``play_episode``.
    ``epsilon``: per-step probability of a uniformly random action (eps-greedy baseline)."""
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    L = np.log(5.0 * S * A * K * H / delta)
    N = np.zeros((layers, S, A))
    Nsas = np.zeros((layers, S, A, S))
    N_step = np.zeros((H + 1, S))  # N'_{k,h}(y)
    RL = R3.shape[0]  # 1, or H for a step-dependent reward
    r_sum = np.zeros((RL, S, A))
    r_n = np.zeros((RL, S, A))
    Q = np.full((H, S, A), float(H))  # Q_{k-1,h}: Algorithm 2 takes the min with the previous episode's Q
    V = np.zeros((H + 1, S))
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, H, S, A, record)
    c_var = 100.0**2 * H**3 * S**2 * A * L**2
    for k in range(K):
        for h in range(H - 1, -1, -1):
            l = h if layers > 1 else 0
            rl = h if RL > 1 else 0
            for s in range(S):
                for a in range(A):
                    n = N[l, s, a]
                    if n > 0:
                        pv = 0.0
                        pv2 = 0.0
                        extra = 0.0
                        for y in range(S):
                            c = Nsas[l, s, a, y]
                            if c > 0:
                                p = c / n
                                v = V[h + 1, y]
                                pv += p * v
                                pv2 += p * v * v
                                if bonus == 2:
                                    m = N_step[h + 1, y]
                                    extra += p * (min(c_var / m, float(H * H)) if m > 0 else float(H * H))
                        if bonus == 1:
                            b = 7.0 * H * L * np.sqrt(1.0 / n)
                        elif bonus == 2:
                            b = (np.sqrt(8.0 * L * max(pv2 - pv * pv, 0.0) / n) + 14.0 * H * L / (3.0 * n)
                                 + np.sqrt(8.0 * extra / n))
                        else:
                            b = 0.0
                        r_hat = r_sum[rl, s, a] / r_n[rl, s, a] if r_n[rl, s, a] > 0 else 1.0
                        target = r_hat + pv + scale * b
                        Q[h, s, a] = min(Q[h, s, a], float(H), target) if bonus > 0 else target
                policies[k, h, s], V[h, s] = greedy(Q[h, s])
        if record:
            q_record[k] = Q
        rng, rng_r, returns[k] = play_episode(policies[k], indptr, successors, threshold, alias_successors, R3,
                                       noise, init_cdf, S, A, epsilon, rng, rng_r, states, actions, rewards)
        starts[k] = states[0]
        for h in range(H):
            l = h if layers > 1 else 0
            s, a, s_next = states[h], actions[h], states[h + 1]
            N[l, s, a] += 1.0
            Nsas[l, s, a, s_next] += 1.0
            N_step[h + 1, s_next] += 1.0
            r_sum[h if RL > 1 else 0, s, a] += rewards[h]
            r_n[h if RL > 1 else 0, s, a] += 1.0
    return policies, starts, returns, q_record


def run_model_based(model: EpisodicMDP, K: int, seed: Seed = None, *, bonus: str, delta: float = DELTA,
                    stationary: bool | None = None, epsilon: float = 0.0, bonus_scale: float = BONUS_SCALE,
                    record_q: bool = False, reward_range: RewardRange | None = None,
                    learner: str = "UCBVI") -> LearnerRun:
    """Run the UCBVI planner-learner with the named bonus (see the module docstring), multiplied by
    ``bonus_scale`` (1 = the paper's constants, the default). ``reward_range``: see :func:`._common.unit_rewards`."""
    if bonus not in BONUSES:
        raise ValueError(f"bonus must be one of {sorted(BONUSES)}, got {bonus!r}")
    K, delta = check_episodes(K), check_delta(delta)
    bonus_scale = check_bonus_scale(bonus_scale)
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0)
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner=learner, reward_range=reward_range)
    policies, starts, returns, q = ucbvi_kernel(*env.tables, env.R3, env.noise, env.init_cdf, env.S, env.A, env.H, K,
                                                env.layers(stationary, per_step_rewards=True), BONUSES[bonus],
                                                delta, epsilon, bonus_scale, env.seed, record_q)
    return env.run(policies, starts, returns, epsilon, q if record_q else None)


DELTA_MEANING = ("the confidence level: the regret bound holds w.p. 1 - delta; L = ln(5 S A T / delta)",
                 "Azar et al. 2017, Algorithms 3-4 (L); Theorems 1-2")


@knobs(delta=DELTA_MEANING,
       bonus_scale=("multiplies bonus_1 = 7 H L sqrt(1 / N); 1: the paper's bonus (Theorem 1 holds only there)",
                    "Azar et al. 2017, Algorithm 3 (bonus_1)"))
def ucbvi_ch(model: EpisodicMDP, K: int, seed: Seed = None, *, delta: float = DELTA, stationary: bool | None = None,
             bonus_scale: float = BONUS_SCALE, record_q: bool = False,
             reward_range: RewardRange | None = None) -> LearnerRun:
    """UCBVI-CH: Azar et al. 2017, Algorithm 1 with bonus_1; regret bound Theorem 1 (for ``bonus_scale = 1``),
    which assumes rewards in [0, 1]: other rewards are refused unless ``reward_range=(lo, hi)`` asks to rescale."""
    return run_model_based(model, K, seed, bonus="hoeffding", delta=delta, stationary=stationary,
                           bonus_scale=bonus_scale, record_q=record_q, reward_range=reward_range, learner="UCBVI-CH")


@knobs(delta=DELTA_MEANING,
       bonus_scale=("multiplies bonus_2 (the Bernstein-Freedman bonus, all three terms); 1: the paper's bonus "
                    "(Theorem 2 holds only there)", "Azar et al. 2017, Algorithm 4 (bonus_2)"))
def ucbvi_bf(model: EpisodicMDP, K: int, seed: Seed = None, *, delta: float = DELTA, stationary: bool | None = None,
             bonus_scale: float = BONUS_SCALE, record_q: bool = False,
             reward_range: RewardRange | None = None) -> LearnerRun:
    """UCBVI-BF: Azar et al. 2017, Algorithm 1 with bonus_2; regret bound Theorem 2 (for ``bonus_scale = 1``),
    which assumes rewards in [0, 1]: other rewards are refused unless ``reward_range=(lo, hi)`` asks to rescale."""
    return run_model_based(model, K, seed, bonus="bernstein", delta=delta, stationary=stationary,
                           bonus_scale=bonus_scale, record_q=record_q, reward_range=reward_range, learner="UCBVI-BF")
