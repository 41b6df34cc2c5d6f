"""Inverse-covariance estimators of the adversarial linear-Q / linear-MDP learners, with their exact counterparts.

For a policy ``pi`` and a step ``h`` the learners need ``(gamma I + Sigma_h)^{-1}``, ``Sigma_h = E_pi[phi phi^T]``
(the feature second moment at step ``h``), to form ``theta_hat = Sigma^+ phi(s_h, a_h) L_h``.

- **Matrix Geometric Resampling** (Neu & Olkhovskaya 2020, Algorithm 2; as used by Luo, Wei & Lee 2021, the
  ``GeometricResampling`` subroutine of their linear-Q algorithm): ``M`` independent copies of ``N`` sampled features
  ``x_{m,i}``; ``Z_{m,0} = I``, ``Z_{m,i} = Z_{m,i-1} (I - c (gamma I + x_{m,i} x_{m,i}^T))`` and
  ``Sigma^+ = c I + (c / M) sum_m sum_{i=1..N} Z_{m,i}``. Its expectation is the truncated Neumann series
  ``c sum_{i=0..N} (I - c (gamma I + Sigma))^i = (gamma I + Sigma)^{-1} (I - (I - c (gamma I + Sigma))^{N+1})``
  (:func:`mgr_expectation`). ``c = 1/2`` keeps ``||c (gamma I + x x^T)|| <= 1`` for ``||x|| <= 1``, ``gamma <= 1``.
  **[R]**: the copies ``M`` and the step count ``N = ceil((1/(c gamma)) ln(1/(eps gamma)))`` (bias
  ``<= eps`` in operator norm) are our reconstruction of Luo et al.'s parameters; the paper's text was out of reach.
- **The relative-guarantee estimator** of Dai, Luo, Wei & Zimmert 2023 (used by their Algorithm 3 instead of MGR):
  ``Sigma^dagger = (gamma I + (1/W) sum_{i<=W} x_i x_i^T)^{-1}``. Lemma (as stated on the authors' slides): with
  ``W = 4 d ln(d / delta) / gamma^2`` samples of features with ``||x|| <= 1``, with probability ``1 - delta``,
  ``(Sigma^dagger)^{1/2} (gamma I + Sigma) (Sigma^dagger)^{1/2}`` has every eigenvalue in
  ``[1 - 2 sqrt(gamma), 1 + 2 sqrt(gamma)]``. :func:`relative_failure` tests that event. The ``1/W`` normalisation
  is **[R]** (the printed slide omits it; the guarantee is only meaningful for the average).
- **Exact covariance** (:func:`exact_covariance`, idealised: infinitely many simulator samples): ``Sigma_h`` from
  the exact occupancy ``q_h(s, a)`` of ``pi`` (a forward pass through ``P``).

Sampled paths run in Numba (``@njit(cache=True, nogil=True)``) on the model's simulator
(:func:`boundlab.tabular.adversarial.play`, a SplitMix64 stream seeded from the caller's seed, so results are
reproducible); the learners call the kernels (``*_kernel``) directly inside their episode loops.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from boundlab.solvers.validation import check_real_array

from .._checks import Seed, check_int, check_real
from ..adversarial import AdversarialMDP, cdf, check_probabilities, check_transitions, occupancy_kernel, play
from ..instances import as_generator
from .adv_logbarrier import check_linear_features, check_rollouts, covariance_kernel

#: MGR's step size: ``||c (gamma I + x x^T)|| <= 1`` for ``||x|| <= 1`` and ``gamma <= 1``.
MGR_STEP = 0.5


# --- exact (idealised) quantities ----------------------------------------------------------------------------------

def _policy_setting(P, initial, pi, phi) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(P, initial, pi, phi)`` validated as a layered model (``P[h, s, a, s']``, ``initial[s]``, one policy
    ``pi[h, s, a]``) and features ``phi[s, a, d]`` with ``||phi|| <= 1``."""
    P = check_transitions(P)
    H, S, A, _ = P.shape
    initial = AdversarialMDP(P, np.zeros((1, H, S, A)), initial).initial
    pi = check_probabilities(pi, S, A, H, "pi")
    if pi.shape[0] != 1:
        raise ValueError(f"pi must be one policy pi[h, s, a] of shape ({H}, {S}, {A}), got {np.shape(pi)}")
    return P, initial, np.ascontiguousarray(pi[0]), check_linear_features(phi, S, A)


def exact_covariance(P: np.ndarray, initial: np.ndarray, pi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``Sigma[h] = E_pi[phi(s_h, a_h) phi(s_h, a_h)^T]`` exactly (idealised: what infinitely many simulator
    rollouts of ``pi[h, s, a]`` would give), from the occupancy of ``pi`` in ``P[h, s, a, s']`` started from
    ``initial`` (None: uniform). ``phi[s, a, d]``; returns ``[H, d, d]``."""
    P, initial, pi, phi = _policy_setting(P, initial, pi, phi)
    q = np.empty_like(pi)
    occupancy_kernel(P, initial, pi, q)
    Sigma = np.empty((q.shape[0], phi.shape[2], phi.shape[2]))
    covariance_kernel(q, phi, Sigma)
    return Sigma


def _covariance(Sigma: ArrayLike, name: str) -> np.ndarray:
    """``Sigma`` a real, finite, symmetric positive semi-definite ``(d, d)`` matrix."""
    Sigma = np.asarray(check_real_array(Sigma, name), dtype=np.float64)
    if Sigma.ndim != 2 or Sigma.shape[0] != Sigma.shape[1] or Sigma.shape[0] < 1:
        raise ValueError(f"{name} must be a square (d, d) matrix, got shape {Sigma.shape}")
    if not np.isfinite(Sigma).all():
        raise ValueError(f"{name}{[int(i) for i in np.argwhere(~np.isfinite(Sigma))[0]]} is not finite")
    scale = max(1.0, float(np.abs(Sigma).max()))
    if np.abs(Sigma - Sigma.T).max() > 1e-10 * scale:
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(Sigma).min() < -1e-10 * scale:
        raise ValueError(f"{name} must be positive semi-definite (smallest eigenvalue "
                         f"{np.linalg.eigvalsh(Sigma).min():.3g})")
    return Sigma


def mgr_expectation(Sigma: ArrayLike, gamma: float, steps: int, c: float = MGR_STEP) -> np.ndarray:
    """``E[MGR] = (gamma I + Sigma)^{-1} (I - (I - c (gamma I + Sigma))^{steps + 1})``, the closed form of the
    expected MGR estimate with ``steps`` factors per copy (independent of the number of copies)."""
    Sigma = _covariance(Sigma, "Sigma")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    steps = check_int(steps, "steps", minimum=0)
    c = check_real(c, "c", low=0.0, high=1.0 / (1.0 + gamma), low_open=True)
    G = gamma * np.eye(Sigma.shape[-1]) + Sigma
    residual = np.linalg.matrix_power(np.eye(Sigma.shape[-1]) - c * G, steps + 1)
    return np.linalg.solve(G, np.eye(Sigma.shape[-1]) - residual)


def mgr_steps(gamma: float, eps: float, c: float = MGR_STEP) -> int:
    """**[R]** ``N = ceil(ln(1 / (eps gamma)) / (c gamma))``: the MGR truncation bias
    ``||(gamma I + Sigma)^{-1} (I - c (gamma I + Sigma))^{N+1}|| <= (1 - c gamma)^{N+1} / gamma <= eps``."""
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    with np.errstate(over="ignore", divide="ignore"):
        steps = np.log(max(1.0 / (eps * gamma), 1.0)) / (c * gamma)
    return check_rollouts(steps, "gamma", "the MGR step count ln(1 / (eps gamma)) / (c gamma)")


def relative_samples(d: int, gamma: float, delta: float) -> int:
    """``W = ceil(4 d ln(d / delta) / gamma^2)``: the sample count of the covariance lemma (Dai et al. 2023, as on
    the authors' slides) for relative accuracy ``1 +- 2 sqrt(gamma)`` with probability ``1 - delta``."""
    d = check_int(d, "d")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    delta = check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)
    with np.errstate(over="ignore", divide="ignore"):
        W = np.ceil(4 * d * np.log(max(d / delta, 1.0 + 1e-12)) / gamma**2)
    if not np.isfinite(W):
        raise ValueError(f"gamma = {gamma!r} is too small: the sample count 4 d ln(d / delta) / gamma^2 overflows")
    return int(W)


def relative_ratio(estimate: np.ndarray, Sigma: np.ndarray, gamma: float) -> np.ndarray:
    """The eigenvalues of ``estimate^{1/2} (gamma I + Sigma) estimate^{1/2}`` (``estimate`` symmetric positive
    definite): all 1 for the exact inverse."""
    estimate, Sigma = _covariance(estimate, "estimate"), _covariance(Sigma, "Sigma")
    if estimate.shape != Sigma.shape:
        raise ValueError(f"estimate {estimate.shape} and Sigma {Sigma.shape} must have the same shape")
    gamma = check_real(gamma, "gamma", low=0.0, low_open=True)
    w, V = np.linalg.eigh(estimate)
    root = (V * np.sqrt(np.maximum(w, 0.0))) @ V.T
    return np.linalg.eigvalsh(root @ (gamma * np.eye(len(Sigma)) + Sigma) @ root)


def relative_failure(estimate: np.ndarray, Sigma: np.ndarray, gamma: float) -> bool:
    """The covariance lemma's failure event: some eigenvalue of :func:`relative_ratio` outside
    ``[1 - 2 sqrt(gamma), 1 + 2 sqrt(gamma)]``."""
    ratio = relative_ratio(estimate, Sigma, gamma)
    band = 2.0 * np.sqrt(gamma)
    return bool(ratio.min() < 1.0 - band or ratio.max() > 1.0 + band)


# --- Numba kernels -------------------------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def rollout_kernel(P_cdf, init_cdf, pi_cdf, rng, states, actions):
    """Fill ``states[n, h]``, ``actions[n, h]`` with ``n`` independent simulator rollouts of the policy
    (``pi_cdf[h, s, :]`` cumulative over actions) by the model's bandit simulator
    (:func:`boundlab.tabular.adversarial.play`, with zero losses: the linear-Q simulator reveals states and actions);
    returns the SplitMix64 state."""
    n, H = actions.shape
    S, A = pi_cdf.shape[1], pi_cdf.shape[2]
    zero = np.zeros((H, S, A))
    seen = np.empty(H)
    for i in range(n):
        rng, _ = play(P_cdf, init_cdf, zero, pi_cdf, 0, -1, -1, rng, states[i], actions[i], seen)
    return rng


@njit(cache=True, nogil=True)
def mgr_kernel(X, gamma, c, out):
    """MGR on sampled features ``X[M, N, d]`` (``M`` copies of ``N`` factors): writes
    ``c I + (c / M) sum_m sum_i Z_{m,i}`` into ``out[d, d]``,
    ``Z_{m,i} = Z_{m,i-1} (I - c gamma I - c x x^T) = (1 - c gamma) Z_{m,i-1} - c (Z_{m,i-1} x) x^T``."""
    M, N, d = X.shape
    out[:] = 0.0
    Z = np.empty((d, d))
    shrink = 1.0 - c * gamma
    for m in range(M):
        Z[:] = 0.0
        for i in range(d):
            Z[i, i] = 1.0
        for i in range(N):
            x = X[m, i]
            Zx = Z @ x
            for p in range(d):
                for q in range(d):
                    Z[p, q] = shrink * Z[p, q] - c * Zx[p] * x[q]
            out += Z
    out *= c / M
    for i in range(d):
        out[i, i] += c


@njit(cache=True, nogil=True)
def relative_kernel(X, gamma, out):
    """``out = (gamma I + (1/W) X^T X)^{-1}`` for sampled features ``X[W, d]``."""
    W, d = X.shape
    G = X.T @ X / W
    for i in range(d):
        G[i, i] += gamma
    out[:] = np.linalg.inv(G)


# --- public wrappers -----------------------------------------------------------------------------------------------

def _features(X: ArrayLike, ndim: int, name: str) -> np.ndarray:
    X = np.ascontiguousarray(check_real_array(X, name), dtype=np.float64)
    if X.ndim != ndim or 0 in X.shape:
        raise ValueError(f"{name} must be a non-empty {ndim}-d array of features, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}{[int(i) for i in np.argwhere(~np.isfinite(X))[0]]} is not finite")
    norms = np.linalg.norm(X, axis=-1)
    if norms.max() > 1.0 + 1e-12:
        raise ValueError(f"{name}: features must have ||x|| <= 1 (the papers' assumption), got "
                         f"{norms.max():.6g} at {[int(i) for i in np.unravel_index(norms.argmax(), norms.shape)]}")
    return X


def mgr(X: ArrayLike, gamma: float, c: float = MGR_STEP) -> np.ndarray:
    """Matrix Geometric Resampling on sampled features ``X[M, N, d]`` (``M`` copies of ``N`` factors; each
    ``||x|| <= 1``): an estimate of ``(gamma I + Sigma)^{-1}`` whose expectation is :func:`mgr_expectation`."""
    X = _features(X, 3, "X")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    c = check_real(c, "c", low=0.0, high=1.0 / (1.0 + gamma), low_open=True)
    out = np.empty((X.shape[2], X.shape[2]))
    mgr_kernel(X, gamma, c, out)
    return out


def relative_covariance(X: ArrayLike, gamma: float) -> np.ndarray:
    """Dai et al. 2023's estimator ``(gamma I + (1/W) sum_i x_i x_i^T)^{-1}`` from features ``X[W, d]``."""
    X = _features(X, 2, "X")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    out = np.empty((X.shape[1], X.shape[1]))
    relative_kernel(X, gamma, out)
    return out


def sample_features(P: np.ndarray, initial: np.ndarray, pi: np.ndarray, phi: np.ndarray, n: int,
                    seed: Seed = None) -> np.ndarray:
    """``X[n, H, d]``: the features ``phi(s_h, a_h)`` of ``n`` independent simulator rollouts of ``pi[h, s, a]`` in
    ``P[h, s, a, s']`` from ``initial`` (None: uniform; seeded, same seed, same draws)."""
    P, initial, pi, phi = _policy_setting(P, initial, pi, phi)
    n = check_int(n, "n")
    check_rollouts(n, "n", "n simulator rollouts")
    H = P.shape[0]
    states = np.empty((n, H), np.int64)
    actions = np.empty((n, H), np.int64)
    rng = np.uint64(as_generator(seed).integers(2**63))
    rollout_kernel(cdf(P), cdf(initial), cdf(pi), rng, states, actions)
    return phi[states, actions]
