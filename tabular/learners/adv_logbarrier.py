"""Policy optimisation for adversarial linear-Q MDPs with a simulator: Dai, Luo, Wei & Zimmert 2023 ("Refined Regret
for Adversarial MDPs with Linear Function Approximation", ICML, arXiv 2301.12942), Algorithm 1 (per-state FTRL with
the log-barrier; regret O~(sqrt(A d H^6 K))) here, and the shared episode loop Algorithm 2 (:mod:`.adv_magnitude`,
negative entropy fed with magnitude-reduced estimates) runs too.

The paper's body (algorithm boxes, constants) was out of reach (a full-text copy is indexed, but only its abstract
and introduction are retrievable); what follows is reconstructed from the authors' slides and abstract [V], the
Luo-Wei-Lee 2021 linear-Q algorithm the paper builds on [L], and our own derivation [R] (see
``shared/refs/adversarial_psr.md``, part 1). Episode ``k``:

1. ``pi_k(.|h, s) = argmin_x eta <x, sum_{tau<k} (Q_hat_tau - B_tau)(h, s, .)> + Psi(x)`` at every ``(h, s)``;
   ``Psi`` the log-barrier (Alg. 1) or negative entropy (Alg. 2) [V].
2. ``Sigma_hat_{k,h}^+ = (gamma I + Sigma_{k,h})^{-1}``, ``Sigma_{k,h} = E_{pi_k}[phi(s_h, a_h) phi(s_h, a_h)^T]``
   [L]: exact from the occupancy measure (``oracle=True``, idealised: infinitely many simulator samples) or the
   empirical second moment of ``W`` simulator rollouts of ``pi_k`` (the estimator with a relative guarantee the
   paper introduces for Alg. 3, averaged [V slides, R]; the baseline's Matrix Geometric Resampling lives in the
   Luo et al. module). Whether Alg. 1/2 themselves use MGR is not visible [not found].
3. Bonus ``b_k(h, s, a) = beta (||phi(s, a)||^2_{Sigma^+} + E_{a' ~ pi_k(.|h,s)} ||phi(s, a')||^2_{Sigma^+})`` and
   dilated bonus ``B_k = b_k + (1 + 1/H) P pi_k B_k(h + 1)`` [L]: exact by backward recursion (oracle) or one
   simulator rollout of ``pi_k`` from every ``(h, s, a)``, ``B_hat = sum_{t >= h} (1 + 1/H)^{t-h} b_k(t, s_t, a_t)``
   (unbiased given ``b_k``) [R].
4. Play ``pi_k`` in the real episode; observe the losses on the path; loss-to-go ``L_h = sum_{t >= h} l_t``.
5. ``Q_hat_k(h, s, a) = phi(s, a)^T Sigma^+_{k,h} phi(s_h, a_h) L_h`` [L]; Algorithm 2 replaces it by
   ``max(Z, 0) + E[min(Z, 0)]`` (``Z = Q_hat_k(h, s, a)``, expectation over episode ``k``'s trajectory under
   ``pi_k``) [V]. As ``L_h >= 0``, ``E[min(Z, 0)] = sum_{s', a'} q_{k,h}(s', a') min(c, 0) Q_k^{pi_k}(h, s', a')``
   with ``c = phi(s, a)^T Sigma^+ phi(s', a')``: exact (oracle; it knows episode ``k``'s losses, idealised) or
   averaged over ``W`` further simulator rollouts of ``pi_k`` that report their paths' losses under episode ``k``'s
   loss function — an assumption on the simulator's interface the slides do not settle ("computing E[Z_-] needs the
   simulator") [R].

Schedules (each a parameter; ``None`` = the schedule at the run's ``K``): ``eta = beta = K^{-1/2}`` [V slides,
Alg. 1]; ``gamma = K^{-1}`` (``gamma_schedule="balanced"``, the default) [R: the slides print ``gamma = K^{-1/2}``,
but balancing the displayed decomposition ``beta K + 1/eta + gamma K / beta + beta / gamma`` needs ``gamma ~ 1/K``;
see the refs note]; ``gamma_schedule="slides"`` takes the printed ``gamma = K^{-1/2}`` [V slides] (then ``W``
defaults to ``ceil(K^{1/2})``). Their ``d``, ``H``,
``A`` factors are not visible [not found] and are left out (rates in ``K`` only). The covariance lemma's ``W = 4 d
log(d / delta) / gamma^2`` is out of reach at ``gamma = 1/K``; ``W`` defaults to ``ceil(1 / gamma)`` (``K`` at the
default ``gamma``: the order of the improved ``O~(1 / gamma)`` sample count of Liu, Wei & Zimmert 2023 cited in the
slides [V], constants dropped [R]), so a run costs ``O(K^2 H)`` simulator steps. Measured: with ``W = 64`` fixed the
regret grows linearly in ``K`` (rarely visited pairs get ``Sigma_hat = 0``, estimates of size ``1/gamma = K``); with
``W = K`` it matches the oracle mode within a few per cent.

Random streams (one SplitMix64 state per run, from ``seed``), per episode in this order: ``W`` covariance
rollouts, one dilated-bonus rollout per ``(h, s, a)`` (``h, s, a`` in index order), the real episode, ``W``
rollouts for ``E[min(Z, 0)]`` (Alg. 2); the oracle mode draws only the real episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .._checks import Seed, check_flag, check_int, check_real
from ..adversarial import AdversarialMDP, cdf, occupancy_kernel, onehot_features, play
from ..instances import as_generator
from ._common import LearnerRun, check_episodes, knobs
from .ftrl import MIN_RATE, log_barrier_kernel, negative_entropy_kernel
from .lsvi_ucb import check_features


@dataclass(frozen=True)
class AdversarialRun(LearnerRun):
    """A run on an :class:`~boundlab.tabular.adversarial.AdversarialMDP`: ``probabilities[k, h, s, a]``, the
    stochastic policy played in episode ``k`` (what exact regret evaluates); ``policies[k, h, s]`` its most likely
    action; ``returns[k]`` the realised total LOSS of episode ``k``."""

    probabilities: np.ndarray | None = None


# --- one episode's pieces, each a small kernel (the tests' plain reference repeats them step for step) ----------------

@njit(cache=True, nogil=True)
def ftrl_policy(cum, eta, barrier, pi):
    """``pi[h, s] = FTRL(cum[h, s])`` (log-barrier if ``barrier`` else negative entropy) at every ``(h, s)``."""
    H, S, _ = cum.shape
    for h in range(H):
        for s in range(S):
            if barrier:
                log_barrier_kernel(cum[h, s], eta, pi[h, s])
            else:
                negative_entropy_kernel(cum[h, s], eta, pi[h, s])


@njit(cache=True, nogil=True)
def inverse_covariances(Sigma, gamma, Sinv):
    """``Sinv[h] = (gamma I + Sigma[h])^{-1}``."""
    H, d, _ = Sigma.shape
    for h in range(H):
        Sinv[h] = np.linalg.inv(Sigma[h] + gamma * np.eye(d))


@njit(cache=True, nogil=True)
def covariance_kernel(q, phi, Sigma):
    """``Sigma[h] = sum_{s, a} q[h, s, a] phi(s, a) phi(s, a)^T``."""
    H, S, A = q.shape
    Sigma[:] = 0.0
    for h in range(H):
        for s in range(S):
            for a in range(A):
                if q[h, s, a] > 0.0:
                    Sigma[h] += q[h, s, a] * np.outer(phi[s, a], phi[s, a])


@njit(cache=True, nogil=True)
def gram(phi, Sinv, G):
    """``G[h, i, j] = phi_i^T Sinv[h] phi_j`` over flattened pairs ``i = s A + a``."""
    S, A, d = phi.shape
    F = phi.reshape(S * A, d)
    for h in range(Sinv.shape[0]):
        G[h] = F @ Sinv[h] @ F.T


@njit(cache=True, nogil=True)
def bonus(G, pi, beta, b):
    """``b[h, s, a] = beta (G[h, sa, sa] + sum_a' pi[h, s, a'] G[h, sa', sa'])``."""
    H, S, A = pi.shape
    for h in range(H):
        for s in range(S):
            mean = 0.0
            for a in range(A):
                mean += pi[h, s, a] * G[h, s * A + a, s * A + a]
            for a in range(A):
                b[h, s, a] = beta * (G[h, s * A + a, s * A + a] + mean)


@njit(cache=True, nogil=True)
def dilated_exact(P, pi, b, B):
    """``B[h] = b[h] + (1 + 1/H) sum_s' P[h, s, a, s'] sum_a' pi[h+1, s', a'] B[h+1, s', a']`` (``B[H] = 0``)."""
    H, S, A, _ = P.shape
    nxt = np.zeros(S)
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for a in range(A):
                v = 0.0
                for t in range(S):
                    v += P[h, s, a, t] * nxt[t]
                B[h, s, a] = b[h, s, a] + (1.0 + 1.0 / H) * v
        for s in range(S):
            nxt[s] = 0.0
            for a in range(A):
                nxt[s] += pi[h, s, a] * B[h, s, a]


@njit(cache=True, nogil=True)
def policy_cdf(pi, pi_cdf):
    """``pi_cdf[h, s, :] = cumsum(pi[h, s, :])`` with the last entry exactly 1 (the simulator's table)."""
    H, S, A = pi.shape
    for h in range(H):
        for s in range(S):
            t = 0.0
            for a in range(A):
                t += pi[h, s, a]
                pi_cdf[h, s, a] = t
            pi_cdf[h, s, A - 1] = 1.0


@njit(cache=True, nogil=True)
def exact_inverse(P, initial, pi, phi, gamma, q, Sigma, Sinv):
    """Idealised: ``q`` the exact occupancy of ``pi``, ``Sigma[h]`` the exact covariance from it and
    ``Sinv[h] = (gamma I + Sigma[h])^{-1}``."""
    occupancy_kernel(P, initial, pi, q)
    covariance_kernel(q, phi, Sigma)
    inverse_covariances(Sigma, gamma, Sinv)


@njit(cache=True, nogil=True)
def dilated_rollouts(P_cdf, init_cdf, pi_cdf, b, rng, B):
    """The dilated bonus by one simulator rollout of ``pi`` from every ``(h, s, a)`` (``h, s, a`` in index order; the
    simulator's ``play`` started at step ``h`` in ``s`` with action ``a``):
    ``B[h, s, a] = sum_{i >= h} (1 + 1/H)^{i-h} b[i, s_i, a_i]``, unbiased for the recursion. Returns the SplitMix64
    state."""
    H, S, A = b.shape
    grow = 1.0 + 1.0 / H
    zero = np.zeros((H, S, A))
    states = np.empty(H, np.int64)
    actions = np.empty(H, np.int64)
    seen = np.empty(H)
    for h in range(H):
        for s in range(S):
            for a in range(A):
                rng, _ = play(P_cdf, init_cdf, zero, pi_cdf, h, s, a, rng, states, actions, seen)
                total, w = 0.0, 1.0
                for i in range(h, H):
                    total += w * b[i, states[i], actions[i]]
                    w *= grow
                B[h, s, a] = total
    return rng


@njit(cache=True, nogil=True)
def q_values(P, loss, pi, Q):
    """``Q[h, s, a] = Q^pi(h, s, a)`` under one episode's ``loss[h, s, a]`` (backward evaluation)."""
    H, S, A, _ = P.shape
    nxt = np.zeros(S)
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for a in range(A):
                v = loss[h, s, a]
                for t in range(S):
                    v += P[h, s, a, t] * nxt[t]
                Q[h, s, a] = v
        for s in range(S):
            nxt[s] = 0.0
            for a in range(A):
                nxt[s] += pi[h, s, a] * Q[h, s, a]


@njit(cache=True, nogil=True)
def suffix(seen, Lgo):
    """``Lgo[h] = sum_{t >= h} seen[t]``."""
    H = seen.shape[0]
    acc = 0.0
    for h in range(H - 1, -1, -1):
        acc += seen[h]
        Lgo[h] = acc


@njit(cache=True, nogil=True)
def estimate(G, states, actions, Lgo, A, Qhat):
    """``Qhat[h, s, a] = G[h, sa, s_h a_h] L_h`` (``= phi(s, a)^T Sigma^+ phi(s_h, a_h) L_h``)."""
    H, S, _ = Qhat.shape
    for h in range(H):
        j = states[h] * A + actions[h]
        for s in range(S):
            for a in range(A):
                Qhat[h, s, a] = G[h, s * A + a, j] * Lgo[h]


@njit(cache=True, nogil=True)
def mean_negative_exact(G, q, Qk, m):
    """``m[h, s, a] = E[min(Z, 0)] = sum_{s', a'} q[h, s', a'] min(G[h, sa, s'a'], 0) Qk[h, s', a']``."""
    H, S, A = q.shape
    for h in range(H):
        for s in range(S):
            for a in range(A):
                v = 0.0
                for t in range(S):
                    for c in range(A):
                        g = G[h, s * A + a, t * A + c]
                        if g < 0.0:
                            v += q[h, t, c] * g * Qk[h, t, c]
                m[h, s, a] = v


@njit(cache=True, nogil=True)
def policy_optimisation_kernel(P, P_cdf, initial, init_cdf, losses, phi, eta, beta, gamma, barrier, reduce, oracle,
                               W, seed, probabilities, returns, starts):
    """The episode loop of the module docstring for ``K = probabilities.shape[0]`` episodes (``P_cdf``,
    ``init_cdf``: the simulator's tables, :func:`~boundlab.tabular.adversarial.cdf`)."""
    K = probabilities.shape[0]
    H, S, A, _ = P.shape
    d = phi.shape[2]
    rng = np.uint64(seed)
    cum = np.zeros((H, S, A))
    pi_cdf = np.empty((H, S, A))
    q = np.empty((H, S, A))
    Sigma = np.empty((H, d, d))
    Sinv = np.empty((H, d, d))
    G = np.empty((H, S * A, S * A))
    b = np.empty((H, S, A))
    B = np.empty((H, S, A))
    Qhat = np.empty((H, S, A))
    Qk = np.empty((H, S, A))
    m = np.empty((H, S, A))
    states = np.empty(H, dtype=np.int64)
    actions = np.empty(H, dtype=np.int64)
    seen = np.empty(H)
    Lgo = np.empty(H)
    for k in range(K):
        pi = probabilities[k]
        ftrl_policy(cum, eta, barrier, pi)
        policy_cdf(pi, pi_cdf)
        loss = losses[k]
        if oracle:
            exact_inverse(P, initial, pi, phi, gamma, q, Sigma, Sinv)
        else:
            Sigma[:] = 0.0
            for _ in range(W):
                rng, _total = play(P_cdf, init_cdf, loss, pi_cdf, 0, -1, -1, rng, states, actions, seen)
                for h in range(H):
                    f = phi[states[h], actions[h]]
                    for i in range(d):
                        for j in range(d):
                            Sigma[h, i, j] += f[i] * f[j]
            Sigma /= W
            inverse_covariances(Sigma, gamma, Sinv)
        gram(phi, Sinv, G)
        bonus(G, pi, beta, b)
        if oracle:
            dilated_exact(P, pi, b, B)
        else:
            rng = dilated_rollouts(P_cdf, init_cdf, pi_cdf, b, rng, B)
        rng, returns[k] = play(P_cdf, init_cdf, loss, pi_cdf, 0, -1, -1, rng, states, actions, seen)
        starts[k] = states[0]
        suffix(seen, Lgo)
        estimate(G, states, actions, Lgo, A, Qhat)
        if reduce:
            if oracle:
                q_values(P, loss, pi, Qk)
                mean_negative_exact(G, q, Qk, m)
            else:
                m[:] = 0.0
                for _ in range(W):
                    rng, _total = play(P_cdf, init_cdf, loss, pi_cdf, 0, -1, -1, rng, states, actions, seen)
                    suffix(seen, Lgo)
                    for h in range(H):
                        j = states[h] * A + actions[h]
                        for i in range(S * A):
                            g = G[h, i, j]
                            if g < 0.0:
                                m[h, i // A, i % A] += g * Lgo[h] / W
            for h in range(H):
                for s in range(S):
                    for a in range(A):
                        Qhat[h, s, a] = max(Qhat[h, s, a], 0.0) + m[h, s, a]
        for h in range(H):
            for s in range(S):
                for a in range(A):
                    cum[h, s, a] += Qhat[h, s, a] - B[h, s, a]


# --- the front end all four adversarial learners share ---------------------------------------------------------------

#: The most simulator rollouts (or MGR factors, or epoch samples) per episode a learner accepts: beyond it a run
#: would not finish (a smaller ``gamma`` means more of them).
MAX_ROLLOUTS = 2**24


def check_rollouts(count: float, name: str, cause: str) -> int:
    """``count`` (a rollout count a parameter implies) as an int, else a ``ValueError`` naming ``name``, what it
    implies (``cause``) and :data:`MAX_ROLLOUTS`."""
    if not np.isfinite(count) or count > MAX_ROLLOUTS:
        raise ValueError(f"{name} implies {cause} = {count:.3g} per episode, more than MAX_ROLLOUTS = {MAX_ROLLOUTS}: "
                         f"a larger {name} (or an explicit, smaller count) is needed")
    return max(1, int(np.ceil(count)))


def rate(value: Any, name: str, default: float, high: float = np.inf) -> float:
    """A schedule parameter: ``None`` -> ``default`` (the paper's), else a finite real in ``[MIN_RATE, high]``."""
    if value is None:
        return default
    value = check_real(value, name, low=0.0, high=high, low_open=True)
    if value < MIN_RATE:
        raise ValueError(f"{name} must be at least {MIN_RATE:g} (1/{name} must stay finite), got {value!r}")
    return value


def check_linear_features(phi: ArrayLike | None, S: int, A: int) -> np.ndarray:
    """``phi[s, a, d]`` real and finite with ``||phi(s, a)|| <= 1`` (the papers' linear-Q / linear-MDP assumption);
    ``None``: one-hot ``(s, a)``, ``d = S A`` (the tabular model as a linear one)."""
    phi = onehot_features(S, A) if phi is None else check_features(phi, S, A)
    norms = np.linalg.norm(phi, axis=-1)
    if norms.max() > 1.0 + 1e-12:
        s, a = np.unravel_index(norms.argmax(), norms.shape)
        raise ValueError(f"phi[{s}, {a}] has norm {norms.max():.6g} > 1 (the papers assume ||phi(s, a)|| <= 1)")
    return phi


def check_setting(model: AdversarialMDP, K: Any, seed: Seed, phi: ArrayLike | None, learner: str
                  ) -> tuple[int, np.ndarray, int]:
    """``(K, phi, seed int)`` for ``learner``: ``model`` an ``AdversarialMDP`` with at least ``K`` episodes of
    losses, ``phi`` as :func:`check_linear_features` accepts it."""
    if not isinstance(model, AdversarialMDP):
        raise TypeError(f"{learner}: model must be a tabular.AdversarialMDP (adversarial losses), got "
                        f"{type(model).__name__}")
    K = check_episodes(K)
    if K > model.K:
        raise ValueError(f"K = {K} exceeds the {model.K} episodes of losses the model holds")
    phi = check_linear_features(phi, model.S, model.A)
    return K, phi, int(as_generator(seed).integers(2**63))


def make_run(probs: np.ndarray, starts: np.ndarray, total: np.ndarray) -> AdversarialRun:
    return AdversarialRun(probs.argmax(-1), starts, total, probabilities=probs)


#: The ``gamma`` schedules of Algorithms 1-2: ``"balanced"`` (default) ``K^{-1}``, where the slides' regret
#: decomposition balances [R]; ``"slides"`` ``K^{-1/2}``, as the slides print it [V slides].
GAMMA_SCHEDULES = {"balanced": lambda K: 1.0 / K, "slides": lambda K: K ** -0.5}


def check_gamma_schedule(gamma_schedule: Any) -> str:
    """``gamma_schedule`` as one of :data:`GAMMA_SCHEDULES`, else a ``TypeError`` / ``ValueError`` naming it."""
    if not isinstance(gamma_schedule, str):
        raise TypeError(f"gamma_schedule must be a string, one of {', '.join(GAMMA_SCHEDULES)}; got "
                        f"{type(gamma_schedule).__name__}")
    if gamma_schedule not in GAMMA_SCHEDULES:
        raise ValueError(f"gamma_schedule must be one of {', '.join(GAMMA_SCHEDULES)}, got {gamma_schedule!r}")
    return gamma_schedule


def schedule(K: int, gamma_schedule: str = "balanced") -> dict[str, float]:
    """The default ``eta``, ``beta``, ``gamma`` at ``K`` episodes (module docstring: ``K^{-1/2}``, ``K^{-1/2}``,
    and ``K^{-1}`` (``"balanced"``) or ``K^{-1/2}`` (``"slides"``))."""
    return {"eta": K ** -0.5, "beta": K ** -0.5, "gamma": GAMMA_SCHEDULES[check_gamma_schedule(gamma_schedule)](K)}


def run_policy_optimisation(model: AdversarialMDP, K: int, seed: Seed, *, barrier: bool, reduce: bool, eta, beta,
                            gamma, phi, oracle, W, learner: str, gamma_schedule: str = "balanced") -> AdversarialRun:
    """Validate, run :func:`policy_optimisation_kernel` and wrap its output (Alg. 1: ``barrier=True,
    reduce=False``; Alg. 2: ``barrier=False, reduce=True``)."""
    K, phi, seed_int = check_setting(model, K, seed, phi, learner)
    rates = schedule(K, gamma_schedule)
    if gamma is not None and gamma_schedule != "balanced":
        raise ValueError(f"gamma = {gamma!r} and gamma_schedule = {gamma_schedule!r} both given: an explicit gamma "
                         "replaces the schedule, give one of them")
    eta, beta, gamma = (rate(v, n, rates[n]) for v, n in ((eta, "eta"), (beta, "beta"), (gamma, "gamma")))
    oracle = check_flag(oracle, "oracle")
    if W is None:
        W = 1 if oracle else check_rollouts(1.0 / gamma, "gamma", "W = ceil(1 / gamma) simulator rollouts")
    else:
        W = check_int(W, "W")
        check_rollouts(W, "W", "W simulator rollouts")
    H, S, A = model.H, model.S, model.A
    probabilities = np.empty((K, H, S, A))
    returns, starts = np.empty(K), np.empty(K, dtype=np.int64)
    policy_optimisation_kernel(model.P, cdf(model.P), model.initial, cdf(model.initial),
                               np.ascontiguousarray(model.losses[:K]), phi, eta, beta, gamma, barrier, reduce, oracle,
                               W, seed_int, probabilities, returns, starts)
    return make_run(probabilities, starts, returns)


#: The parameters Algorithms 1 and 2 share, described once (meaning, source).
SHARED = {
    "eta": ("FTRL learning rate; None: K^-1/2", "Dai et al. 2023 slides (Alg. 1/2: eta = K^-1/2); d, H factors "
            "not visible"),
    "beta": ("dilated-bonus coefficient; None: K^-1/2", "Dai et al. 2023 slides (beta = K^-1/2); bonus form of Luo, "
             "Wei & Lee 2021"),
    "gamma": ("covariance regulariser in (gamma I + Sigma)^-1; None: from gamma_schedule (K^-1 by default)",
              "reconstruction: the slides print K^-1/2, their decomposition balances at K^-1 (refs note)"),
    "gamma_schedule": ("the default gamma when gamma is None: 'balanced' K^-1 (default) or 'slides' K^-1/2 (W then "
                       "defaults to ceil(K^1/2))", "'balanced': reconstruction [R] (refs note); 'slides': Dai et al. "
                       "2023 slides as printed [V]"),
    "phi": ("features phi[s, a, d] (linear-Q) with ||phi(s, a)|| <= 1; None: one-hot, d = S A",
            "Dai et al. 2023, Sec. 2 (linear-Q)"),
    "oracle": ("idealised mode: exact covariance and dilated bonus (what infinitely many simulator rollouts of pi_k "
               "give) and, in Alg. 2, the exact E[min(Z, 0)] computed from the CURRENT episode's loss table (more "
               "than bandit feedback: a simulator that reveals episode k's losses) instead of simulator rollouts",
               "boundlab (separates estimator noise from the algorithm)"),
    "W": ("simulator rollouts per episode for the covariance and, in Alg. 2, for E[min(Z, 0)] when oracle=False; "
          "the latter rollouts REPORT EPISODE k's LOSSES on their paths (extra feedback beyond the real episode's "
          "bandit feedback, an [R] assumption on the simulator); None: ceil(1 / gamma) (K at the default gamma; "
          f"O(K) rollouts per episode), at most MAX_ROLLOUTS = {MAX_ROLLOUTS}",
          "the O~(1/gamma) count of Liu, Wei & Zimmert 2023 (cited in Dai et al.'s slides), constants dropped; the "
          "covariance lemma's 4 d log(d/delta) / gamma^2 is out of reach at gamma = 1/K"),
}


@knobs(**SHARED)
def adv_logbarrier(model: AdversarialMDP, K: int, seed: Seed = None, *, eta: float | None = None,
                   beta: float | None = None, gamma: float | None = None, gamma_schedule: str = "balanced",
                   phi: ArrayLike | None = None, oracle: bool = False, W: int | None = None) -> AdversarialRun:
    """Dai et al. 2023, Algorithm 1 (module docstring): per-state log-barrier FTRL on
    ``sum_tau (Q_hat_tau - B_tau)``, loss estimates of any sign, regret O~(sqrt(A d H^6 K)) (rate in K: K^1/2)."""
    return run_policy_optimisation(model, K, seed, barrier=True, reduce=False, eta=eta, beta=beta, gamma=gamma,
                                   phi=phi, oracle=oracle, W=W, learner="adv-logbarrier",
                                   gamma_schedule=gamma_schedule)
