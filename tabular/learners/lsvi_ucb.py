"""LSVI-UCB (Jin, Yang, Wang & Jordan 2020, "Provably efficient reinforcement learning with linear function
approximation", COLT; https://arxiv.org/abs/1907.05388), Algorithm 1.

Each episode, for ``h = H..1``: ``Lambda_h = sum_tau phi_tau phi_tau^T + lambda I``,
``w_h = Lambda_h^{-1} sum_tau phi_tau [r_h + max_a Q_{h+1}(x'_tau, a)]`` and
``Q_h(x, a) = min(w_h^T phi(x, a) + beta ||phi(x, a)||_{Lambda_h^{-1}}, H)``; act greedily.
``lambda = 1`` and ``beta = c d H sqrt(iota)``, ``iota = log(2 d T / delta)`` as in Theorem 3.1 (``delta`` is the
paper's ``p``), whose ``c`` is an unspecified absolute constant: here ``c = bonus_scale`` (default 1, a choice,
stated here). The old keyword names ``p`` and ``c`` are accepted for one release with a ``DeprecationWarning``.

On a finite state space the regression sums are grouped by ``(s, a, s')`` counts and by the sums of the rewards
observed at ``(h, s, a)``, which gives exactly the paper's ``w_h`` at a cost independent of ``k``;
``Lambda_h^{-1}`` is kept by Sherman-Morrison rank-one updates.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from boundlab.solvers.validation import check_real_array

from .._checks import RewardRange, Seed
from ..models import EpisodicMDP, LinearMDP
from ._common import (BONUS_SCALE, DELTA, LearnerRun, bonus_constants, check_episodes, check_flag, check_real,
                      delta_or_p, interaction, knobs, renamed)
from ._episode import allocate, greedy, play_episode


@njit(cache=True, nogil=True)
def ridge_init(H, S, A, d, lam):
    """The regression state of every step ``h``: ``Lambda_inv[h] = (lambda I)^-1``, and the data grouped by
    ``(s, a)``: counts ``N[h, s, a]``, ``Nsas[h, s, a, s']`` and reward sums ``r_sum[h, s, a]``."""
    Lambda_inv = np.zeros((H, d, d))
    for h in range(H):
        for i in range(d):
            Lambda_inv[h, i, i] = 1.0 / lam
    return Lambda_inv, np.zeros((H, S, A)), np.zeros((H, S, A, S)), np.zeros((H, S, A))


@njit(cache=True, nogil=True)
def optimistic_backup(Lambda_inv, N, Nsas, r_sum, phi, beta, H, Q, V, target):
    """Jin et al. 2020, Algorithm 1 lines 4-7 for ``h = H..1``: ``w_h`` regressed on the optimality target
    ``r + max_a Q_{h+1}(x', a)``, ``Q_h = min(w_h^T phi + beta ||phi||_{Lambda_h^-1}, H)``; fills ``Q[h, s, a]``
    and ``V[h, s] = max_a Q[h, s, a]`` (``V[H] = 0``)."""
    S, A, d = phi.shape
    for h in range(H - 1, -1, -1):
        target[:] = 0.0
        for s in range(S):
            for a in range(A):
                if N[h, s, a] > 0:
                    y = r_sum[h, s, a]
                    for t in range(S):
                        y += Nsas[h, s, a, t] * V[h + 1, t]
                    for i in range(d):
                        target[i] += phi[s, a, i] * y
        w = Lambda_inv[h] @ target
        for s in range(S):
            for a in range(A):
                f = phi[s, a]
                bonus = beta * np.sqrt(max(f @ (Lambda_inv[h] @ f), 0.0))
                Q[h, s, a] = min(w @ f + bonus, float(H))
            V[h, s] = greedy(Q[h, s])[1]


@njit(cache=True, nogil=True)
def observe(Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain):
    """Add one episode's transitions to the regression state (``Lambda_inv`` by Sherman-Morrison rank-one updates)
    and ``log det`` of each ``Lambda_h``'s growth to ``gain[h]`` (matrix determinant lemma:
    ``det(L + f f^T) = det(L) (1 + f^T L^-1 f)``)."""
    H = actions.shape[0]
    for h in range(H):
        s, a = states[h], actions[h]
        N[h, s, a] += 1.0
        Nsas[h, s, a, states[h + 1]] += 1.0
        r_sum[h, s, a] += rewards[h]
        u = Lambda_inv[h] @ phi[s, a]  # Sherman-Morrison: (L + f f^T)^-1 = L^-1 - u u^T / (1 + f^T u)
        denominator = 1.0 + phi[s, a] @ u
        Lambda_inv[h] -= np.outer(u, u) / denominator
        gain[h] += np.log(denominator)


@njit(cache=True, nogil=True)
def lsvi_ucb_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, phi, S, A, H, K, lam,
                    beta, seed, record):
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    d = phi.shape[2]
    Lambda_inv, N, Nsas, r_sum = ridge_init(H, S, A, d, lam)
    Q = np.empty((H, S, A))
    V = np.zeros((H + 1, S))
    gain = np.zeros(H)
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, H, S, A, record)
    target = np.empty(d)
    for k in range(K):
        optimistic_backup(Lambda_inv, N, Nsas, r_sum, phi, beta, H, Q, V, target)
        for h in range(H):
            for s in range(S):
                policies[k, h, s] = greedy(Q[h, s])[0]
        if record:
            q_record[k] = Q
        rng, rng_r, returns[k] = play_episode(policies[k], indptr, successors, threshold, alias_successors, R3,
                                              noise, init_cdf, S, A, 0.0, rng, rng_r, states, actions, rewards)
        starts[k] = states[0]
        observe(Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain)
    return policies, starts, returns, q_record


def linear_model(model: EpisodicMDP | LinearMDP, phi: ArrayLike | None) -> tuple[EpisodicMDP, ArrayLike]:
    """``(episodic model, features)``: a :class:`LinearMDP` brings its own ``phi`` (unless one is given); an
    ``EpisodicMDP`` needs ``phi``."""
    if isinstance(model, LinearMDP):
        phi = model.phi if phi is None else phi
        model = model.to_episodic()
    if phi is None:
        raise ValueError("phi (features phi[s, a, d]) is required unless model is a LinearMDP")
    return model, phi


def check_features(phi: ArrayLike, S: int, A: int) -> np.ndarray:
    """``phi`` as a contiguous float64 array of shape ``(S, A, d)``, every entry real and finite, else an error
    naming it (and the first bad entry)."""
    phi = np.ascontiguousarray(check_real_array(phi, "phi"), dtype=np.float64)
    if phi.ndim != 3 or phi.shape[:2] != (S, A) or phi.shape[2] < 1:
        raise ValueError(f"phi must have shape (S, A, d) = ({S}, {A}, d), got {phi.shape}")
    if not np.all(np.isfinite(phi)):
        raise ValueError(f"phi{[int(i) for i in np.argwhere(~np.isfinite(phi))[0]]} is not finite")
    return phi


def lsvi_beta(c: float, d: int, H: int, K: int, delta: float) -> float:
    """Jin et al. 2020, Theorem 3.1: ``beta = c d H sqrt(iota)``, ``iota = log(2 d T / delta)``, ``T = K H``."""
    return float(c * d * H * np.sqrt(np.log(2 * d * K * H / delta)))


#: The absolute constant of Theorem 3.1 behind ``bonus_scale`` (the default of the deprecated ``c``).
C_BETA = {"c": 1.0}


@knobs(phi=("the known feature map phi[s, a, d] (taken from a LinearMDP model when not given)",
            "Jin et al. 2020, Assumption A"),
       delta=("delta (the paper's p): the confidence level; the regret bound holds w.p. 1 - delta; "
              "iota = log(2 d T / delta)", "Jin et al. 2020, Theorem 3.1"),
       bonus_scale=("multiplies the bonus beta ||phi||_{Lambda^-1}: beta = c d H sqrt(iota) with c = bonus_scale "
                    "(c is an unspecified absolute constant in the paper; 1 a choice stated here)",
                    "Jin et al. 2020, Algorithm 1 line 6; Theorem 3.1"),
       lam=("ridge regularisation lambda of Lambda_h = sum phi phi^T + lambda I (the theorem takes 1)",
            "Jin et al. 2020, Algorithm 1 line 4; Theorem 3.1"))
def lsvi_ucb(model: EpisodicMDP | LinearMDP, K: int, seed: Seed = None, *, phi: ArrayLike | None = None,
             delta: float = DELTA, bonus_scale: float = BONUS_SCALE, lam: float = 1.0, record_q: bool = False,
             reward_range: RewardRange | None = None, **deprecated: float) -> LearnerRun:
    """LSVI-UCB (Jin et al. 2020, Algorithm 1; regret bound Theorem 3.1). ``model``: a :class:`LinearMDP` (its
    ``phi`` is the known feature map) or an ``EpisodicMDP`` with real, finite features ``phi[s, a, d]`` given.
    ``delta`` (the paper's ``p``) in (0, 1), ``bonus_scale >= 0`` (``beta = bonus_scale d H sqrt(iota)``),
    ``lam > 0``. Theorem 3.1 assumes rewards in [0, 1] (``Q`` is clipped at ``H``): others are refused unless
    ``reward_range=(lo, hi)`` asks to rescale them, which keeps the rewards linear in ``phi`` only where the
    constant function lies in the span of the features (true for one-hot features). Deprecated: ``p`` (use
    ``delta``), ``c`` (use ``bonus_scale = c``)."""
    old = renamed(deprecated, {"p": "delta", "c": "bonus_scale = c"}, "lsvi_ucb")
    model, phi = linear_model(model, phi)
    K, delta = check_episodes(K), delta_or_p(delta, old, "lsvi_ucb")
    (c,) = bonus_constants(bonus_scale, old, C_BETA, "lsvi_ucb")
    lam = check_real(lam, "lam", low=0.0, low_open=True)
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner="LSVI-UCB", reward_range=reward_range)
    phi = check_features(phi, env.S, env.A)
    d = phi.shape[2]
    beta = lsvi_beta(c, d, env.H, K, delta)
    policies, starts, returns, q = lsvi_ucb_kernel(*env.tables, env.R3, env.noise, env.init_cdf, phi, env.S, env.A,
                                                   env.H, K, lam, beta, env.seed, record_q)
    return env.run(policies, starts, returns, 0.0, q if record_q else None)
