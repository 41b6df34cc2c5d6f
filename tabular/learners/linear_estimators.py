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
from ..adversarial import cdf, occupancy_kernel, play
from .adv_logbarrier import exact_covariance as covariance_kernel
from ..instances import as_generator

#: MGR's step size: ``||c (gamma I + x x^T)|| <= 1`` for ``||x|| <= 1`` and ``gamma <= 1``.
MGR_STEP = 0.5


# --- exact (idealised) quantities ----------------------------------------------------------------------------------

def exact_covariance(P: np.ndarray, initial: np.ndarray, pi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``Sigma[h] = E_pi[phi(s_h, a_h) phi(s_h, a_h)^T]`` exactly (idealised: what infinitely many simulator
    rollouts of ``pi[h, s, a]`` would give), from the occupancy of ``pi`` in ``P[h, s, a, s']`` started from
    ``initial``. ``phi[s, a, d]``; returns ``[H, d, d]``."""
    q = np.empty_like(pi, dtype=np.float64)
    occupancy_kernel(np.asarray(P, np.float64), np.asarray(initial, np.float64), np.asarray(pi, np.float64), q)
    Sigma = np.empty((q.shape[0], phi.shape[2], phi.shape[2]))
    covariance_kernel(q, np.ascontiguousarray(phi, dtype=np.float64), Sigma)
    return Sigma


def mgr_expectation(Sigma: ArrayLike, gamma: float, steps: int, c: float = MGR_STEP) -> np.ndarray:
    """``E[MGR] = (gamma I + Sigma)^{-1} (I - (I - c (gamma I + Sigma))^{steps + 1})``, the closed form of the
    expected MGR estimate with ``steps`` factors per copy (independent of the number of copies)."""
    Sigma = np.asarray(Sigma, np.float64)
    G = gamma * np.eye(Sigma.shape[-1]) + Sigma
    residual = np.linalg.matrix_power(np.eye(Sigma.shape[-1]) - c * G, steps + 1)
    return np.linalg.solve(G, np.eye(Sigma.shape[-1]) - residual)


def mgr_steps(gamma: float, eps: float, c: float = MGR_STEP) -> int:
    """**[R]** ``N = ceil(ln(1 / (eps gamma)) / (c gamma))``: the MGR truncation bias
    ``||(gamma I + Sigma)^{-1} (I - c (gamma I + Sigma))^{N+1}|| <= (1 - c gamma)^{N+1} / gamma <= eps``."""
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    return max(1, int(np.ceil(np.log(max(1.0 / (eps * gamma), 1.0)) / (c * gamma))))


def relative_samples(d: int, gamma: float, delta: float) -> int:
    """``W = ceil(4 d ln(d / delta) / gamma^2)``: the sample count of the covariance lemma (Dai et al. 2023, as on
    the authors' slides) for relative accuracy ``1 +- 2 sqrt(gamma)`` with probability ``1 - delta``."""
    d = check_int(d, "d")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
    delta = check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)
    return int(np.ceil(4 * d * np.log(max(d / delta, 1.0 + 1e-12)) / gamma**2))


def relative_ratio(estimate: np.ndarray, Sigma: np.ndarray, gamma: float) -> np.ndarray:
    """The eigenvalues of ``estimate^{1/2} (gamma I + Sigma) estimate^{1/2}`` (``estimate`` symmetric positive
    definite): all 1 for the exact inverse."""
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
    ``P[h, s, a, s']`` from ``initial`` (seeded; same seed, same draws)."""
    n = check_int(n, "n")
    H = P.shape[0]
    states = np.empty((n, H), np.int64)
    actions = np.empty((n, H), np.int64)
    rng = np.uint64(as_generator(seed).integers(2**63))
    rollout_kernel(cdf(np.asarray(P, np.float64)), cdf(np.asarray(initial, np.float64)),
                   cdf(np.asarray(pi, np.float64)), rng, states, actions)
    return phi[states, actions]
