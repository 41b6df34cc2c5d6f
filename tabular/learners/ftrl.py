"""Per-state FTRL steps over the probability simplex and the magnitude-reduced estimator (Dai, Luo, Wei & Zimmert
2023, arXiv 2301.12942).

``x = argmin_{x in simplex} eta <x, L> + Psi(x)`` for cumulative losses ``L`` of any sign and size:

- log-barrier ``Psi(x) = sum_a ln(1 / x_a)`` (the paper's Algorithm 1): the KKT conditions give
  ``x_a = 1 / (eta (L_a + lambda))`` with ``lambda > -min_a L_a`` the unique root of ``sum_a x_a = 1``. With
  ``L' = L - min L >= 0`` and ``mu = lambda + min L``, ``f(mu) = sum_a 1 / (eta (L'_a + mu)) - 1`` is convex and
  decreasing on ``mu > 0`` with its root in ``[1 / eta, A / eta]`` (``f >= 0`` at the left end: the minimising
  action's term is 1; ``f <= 0`` at the right: every term is at most ``1 / A``). Newton's method started at the
  left end increases monotonically to the root (convexity), so it needs no line search; a bisection step on the
  bracket guards against round-off. Shifting by ``min L`` keeps it exact for ``|L|`` up to 1e8 and beyond.
- negative entropy ``Psi(x) = sum_a x_a ln x_a`` (Algorithm 2): ``x ∝ exp(-eta (L - min L))``.

The refined FTRL lemma the paper's Algorithm 1 rests on (slides; its proof is in the paper): for the log-barrier
and ANY real losses, ``sum_t <x_t - y, l_t> <= (Psi(y) - Psi(x_1)) / eta + eta sum_t sum_a x_{t,a} l_{t,a}^2``.
Hedge's classical bound (the same with the entropy's ``ln A`` penalty) needs ``l >= -1 / eta``.

Magnitude-reduced estimator (paper's Sec. 5): ``Z_hat = max(Z, 0) + E[min(Z, 0)]``: unbiased, never below
``E[min(Z, 0)]``, and ``E[Z_hat^2] <= E[Z^2]`` (``Z_hat = Z_+ + c`` with ``c <= 0``: the cross term is
non-positive and ``c^2 <= E[Z_-^2]`` by Jensen).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from boundlab.solvers.validation import check_real_array

from .._checks import check_real

__all__ = ["MIN_RATE", "log_barrier", "log_barrier_kernel", "log_barrier_penalty", "magnitude_reduced",
           "negative_entropy", "negative_entropy_kernel"]

#: The least learning rate accepted: ``1 / eta`` and ``A / eta`` (the root's bracket) must stay finite.
MIN_RATE = 1e-300
#: Newton iterations before the result is accepted (quadratic convergence needs far fewer; each one is guarded).
MAX_ITER = 100


@njit(cache=True, nogil=True)
def log_barrier_kernel(L, eta, x):
    """Fill ``x`` with the log-barrier FTRL point for cumulative losses ``L`` and rate ``eta > 0`` (module
    docstring); returns the multiplier ``lambda`` (``x_a = 1 / (eta (L_a + lambda))`` before the final
    renormalisation, which corrects the last ulp)."""
    A = L.shape[0]
    m = L[0]
    for a in range(1, A):
        m = min(m, L[a])
    lo, hi = 1.0 / eta, A / eta
    mu = lo
    for _ in range(MAX_ITER):
        f, g = -1.0, 0.0
        for a in range(A):
            r = 1.0 / (eta * (L[a] - m + mu))
            f += r
            g -= eta * r * r
        if f > 0.0:
            lo = mu
        else:
            hi = mu
        step = -f / g
        nxt = mu + step
        if not (lo <= nxt <= hi):  # round-off pushed Newton out of the bracket: bisect
            nxt = 0.5 * (lo + hi)
        if abs(nxt - mu) <= 4e-16 * nxt:
            mu = nxt
            break
        mu = nxt
    total = 0.0
    for a in range(A):
        x[a] = 1.0 / (eta * (L[a] - m + mu))
        total += x[a]
    for a in range(A):
        x[a] /= total
    return mu - m


@njit(cache=True, nogil=True)
def negative_entropy_kernel(L, eta, x):
    """Fill ``x`` with ``softmax(-eta L)``, computed from ``L - min L`` (no overflow for any finite ``L``)."""
    A = L.shape[0]
    m = L[0]
    for a in range(1, A):
        m = min(m, L[a])
    total = 0.0
    for a in range(A):
        x[a] = np.exp(-eta * (L[a] - m))
        total += x[a]
    for a in range(A):
        x[a] /= total


def _check(L, eta) -> tuple[np.ndarray, float]:
    L = np.asarray(check_real_array(L, "L"), dtype=np.float64)
    if L.ndim != 1 or L.shape[0] < 1:
        raise ValueError(f"L must be a non-empty vector of cumulative losses, got shape {L.shape}")
    if not np.isfinite(L).all():
        raise ValueError(f"L[{int(np.argmin(np.isfinite(L)))}] is not finite")
    eta = check_real(eta, "eta", low=0.0, low_open=True)
    if eta < MIN_RATE:
        raise ValueError(f"eta must be at least {MIN_RATE:g} (1/eta must stay finite), got {eta!r}")
    return np.ascontiguousarray(L), eta


def log_barrier(L, eta: float) -> np.ndarray:
    """``argmin_x eta <x, L> + sum_a ln(1 / x_a)`` over the simplex (Dai et al. 2023, Algorithm 1's per-state
    step), exact for cumulative losses ``L`` of any sign and size."""
    L, eta = _check(L, eta)
    x = np.empty_like(L)
    log_barrier_kernel(L, eta, x)
    return x


def negative_entropy(L, eta: float) -> np.ndarray:
    """``argmin_x eta <x, L> + sum_a x_a ln x_a`` over the simplex: ``softmax(-eta L)`` (Algorithm 2's step)."""
    L, eta = _check(L, eta)
    x = np.empty_like(L)
    negative_entropy_kernel(L, eta, x)
    return x


def log_barrier_penalty(x) -> float:
    """``Psi(x) = sum_a ln(1 / x_a)`` (``inf`` where some ``x_a = 0``)."""
    x = np.asarray(check_real_array(x, "x"), dtype=np.float64)
    with np.errstate(divide="ignore"):
        return float(-np.log(x).sum())


def magnitude_reduced(z, probabilities=None, mean_negative: float | None = None) -> np.ndarray:
    """``max(z, 0) + E[min(Z, 0)]`` for outcomes ``z`` of a random variable ``Z``: the expectation either from the
    distribution ``probabilities`` over the outcomes ``z`` (exact) or given as ``mean_negative`` (e.g. estimated by
    a simulator; it must be <= 0)."""
    z = np.asarray(check_real_array(z, "z"), dtype=np.float64)
    if not np.isfinite(z).all():
        raise ValueError("z must be finite")
    if (probabilities is None) == (mean_negative is None):
        raise ValueError("give exactly one of probabilities (Z's distribution over z) and mean_negative")
    if probabilities is not None:
        p = np.asarray(check_real_array(probabilities, "probabilities"), dtype=np.float64)
        if p.shape != z.shape or (p < 0).any() or not np.isfinite(p).all() or abs(p.sum() - 1) > 1e-9:
            raise ValueError(f"probabilities must be a probability vector of z's shape {z.shape}")
        mean_negative = float(p @ np.minimum(z, 0.0))
    else:
        mean_negative = check_real(mean_negative, "mean_negative", high=0.0)
    return np.maximum(z, 0.0) + mean_negative
