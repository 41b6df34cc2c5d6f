"""Validation and the one internal layout every solver works on.

A transition model arrives either dense, ``P[s, a, s']`` (``(S, A, S)``), or as a ``scipy.sparse`` matrix with one row
per state-action pair, row ``s * A + a`` (``(S * A, S)``). Both become a *row operator* ``P2`` of shape ``(S * A, S)``
(a reshape view for dense input, CSR for sparse), so one Bellman backup ``R + gamma * (P2 @ V).reshape(S, A)`` serves
both, through BLAS or scipy's sparse mat-vec.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit, prange

#: Absolute tolerance on ``sum_s' P(s'|s,a) = 1``.
ROW_SUM_ATOL = 1e-8


def check_rewards(R: np.ndarray, name: str = "R", ndim: int = 2) -> np.ndarray:
    """Return ``R`` as a float64 array of ``ndim`` dimensions with finite entries, else raise ``ValueError``."""
    R = np.asarray(R, dtype=np.float64)
    if R.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {R.shape}")
    if not np.all(np.isfinite(R)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(R))[0])
        raise ValueError(f"{name}{list(idx)} is not finite ({R[idx]})")
    return R


def check_gamma(gamma: float) -> float:
    """Return ``gamma`` as a float in [0, 1), else raise ``ValueError``."""
    try:
        gamma = float(gamma)
    except (TypeError, ValueError):
        raise TypeError(f"gamma must be a number, got {type(gamma).__name__}") from None
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"gamma must lie in [0, 1), got {gamma}")
    return gamma


def check_horizon(H: int) -> int:
    """Return ``H`` as a positive int, else raise."""
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)):
        raise TypeError(f"H must be an integer, got {type(H).__name__}")
    if H < 1:
        raise ValueError(f"H must be >= 1, got {H}")
    return int(H)


def _describe_row(row: int, A: int, prefix: str) -> str:
    s, a = divmod(row, A)
    return f"{prefix}state {s}, action {a}"


@njit(cache=True, parallel=True)
def _scan_dense_rows(P2):
    """One parallel pass over a dense ``(n, S)`` array: row sums, non-zeros per row, and per-row flags for a
    non-finite and for a negative entry."""
    n, S = P2.shape
    sums = np.zeros(n)
    nnz = np.zeros(n, dtype=np.int64)
    nonfinite = np.zeros(n, dtype=np.bool_)
    negative = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        total = 0.0
        count = 0
        for j in range(S):
            x = P2[i, j]
            total += x
            if x != 0.0:
                count += 1
                if not np.isfinite(x):
                    nonfinite[i] = True
                elif x < 0.0:
                    negative[i] = True
        sums[i] = total
        nnz[i] = count
    return sums, nnz, nonfinite, negative


@njit(cache=True)
def _dense_to_csr(P2, nnz):
    """CSR arrays of a dense ``(n, S)`` array whose per-row non-zero counts are ``nnz``."""
    n, S = P2.shape
    indptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        indptr[i + 1] = indptr[i] + nnz[i]
    indices = np.empty(indptr[n], dtype=np.int32)
    data = np.empty(indptr[n])
    for i in range(n):
        k = indptr[i]
        for j in range(S):
            if P2[i, j] != 0.0:
                indices[k] = j
                data[k] = P2[i, j]
                k += 1
    return data, indices, indptr


def check_distribution_rows(P2, A: int, name: str = "P", prefix: str = "") -> np.ndarray | None:
    """Raise ``ValueError`` unless every row of the ``(S * A, S)`` operator is a probability vector.

    The message names the (step,) state and action of the first bad row. For dense input, returns the number of
    non-zeros per row (one pass computes both); ``None`` for sparse input.
    """
    nnz = None
    if not sp.issparse(P2):
        sums, nnz, nonfinite, negative = _scan_dense_rows(P2)
        if nonfinite.any():
            raise ValueError(f"{name} has a non-finite entry at {_describe_row(int(nonfinite.argmax()), A, prefix)}")
        if negative.any():
            raise ValueError(f"{name} has a negative entry at {_describe_row(int(negative.argmax()), A, prefix)}")
    else:
        data = P2.data
        if not np.all(np.isfinite(data)):
            bad = int(np.searchsorted(P2.indptr, np.flatnonzero(~np.isfinite(data))[0], side="right") - 1)
            raise ValueError(f"{name} has a non-finite entry at {_describe_row(bad, A, prefix)}")
        if data.size and data.min() < 0:
            bad = int(np.searchsorted(P2.indptr, np.flatnonzero(data < 0)[0], side="right") - 1)
            raise ValueError(f"{name} has a negative entry at {_describe_row(bad, A, prefix)}")
        sums = np.asarray(P2.sum(axis=1)).ravel()
    off = np.abs(sums - 1.0) > ROW_SUM_ATOL
    if off.any():
        bad = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"{name} row at {_describe_row(bad, A, prefix)} sums to {sums[bad]!r}, not 1"
        )
    return nnz


def as_row_operator(P, S: int, A: int, name: str = "P", validate: bool = True, sparsify_below: float = 0.0):
    """Return ``P`` (dense ``(S, A, S)`` or sparse ``(S*A, S)``) as the ``(S*A, S)`` row operator.

    Dense input becomes a float64 C-contiguous reshape (no copy when already so); sparse input becomes CSR float64.
    A dense ``P`` whose fraction of non-zeros is at most ``sparsify_below`` comes back as CSR, built in the same
    pass that validates it.
    """
    if sp.issparse(P):
        if P.shape != (S * A, S):
            raise ValueError(f"sparse {name} must have shape (S*A, S) = ({S * A}, {S}), got {P.shape}")
        P2 = sp.csr_matrix(P, dtype=np.float64)
        P2.sum_duplicates()
    else:
        P = np.asarray(P)
        if P.shape != (S, A, S):
            raise ValueError(f"{name} must have shape (S, A, S) = ({S}, {A}, {S}), got {P.shape}")
        P2 = np.ascontiguousarray(P, dtype=np.float64).reshape(S * A, S)
    nnz = check_distribution_rows(P2, A, name) if validate else None
    if sparsify_below > 0 and not sp.issparse(P2):
        if nnz is None:
            nnz = np.count_nonzero(P2, axis=1)
        if nnz.sum() <= sparsify_below * P2.size:
            return sp.csr_matrix(_dense_to_csr(P2, nnz), shape=P2.shape)
    return P2


def check_policy(pi, S: int, A: int, name: str = "pi") -> np.ndarray:
    """Return a deterministic ``pi[s]`` (int64) or stochastic ``pi[s, a]`` (float64) policy, validated."""
    pi = np.asarray(pi)
    if pi.ndim == 1:
        if pi.shape != (S,):
            raise ValueError(f"deterministic {name} must have shape (S,) = ({S},), got {pi.shape}")
        if not np.issubdtype(pi.dtype, np.integer):
            raise TypeError(f"deterministic {name} must hold integer actions, got dtype {pi.dtype}")
        if pi.size and (pi.min() < 0 or pi.max() >= A):
            s = int(np.flatnonzero((pi < 0) | (pi >= A))[0])
            raise ValueError(f"{name}[{s}] = {pi[s]} is not an action in [0, {A})")
        return pi.astype(np.int64)
    if pi.ndim == 2:
        if pi.shape != (S, A):
            raise ValueError(f"stochastic {name} must have shape (S, A) = ({S}, {A}), got {pi.shape}")
        pi = pi.astype(np.float64)
        if not np.all(np.isfinite(pi)) or pi.min() < 0:
            s = int(np.argwhere(~(np.isfinite(pi) & (pi >= 0)))[0, 0])
            raise ValueError(f"{name}[{s}] has a negative or non-finite probability")
        off = np.abs(pi.sum(axis=1) - 1) > ROW_SUM_ATOL
        if off.any():
            s = int(np.flatnonzero(off)[0])
            raise ValueError(f"{name}[{s}] sums to {pi[s].sum()!r}, not 1")
        return pi
    raise ValueError(f"{name} must be pi[s] (deterministic) or pi[s, a] (stochastic), got shape {pi.shape}")


def policy_matrix(pi: np.ndarray, S: int, A: int) -> sp.csr_matrix:
    """The ``(S, S*A)`` sparse matrix Pi with ``Pi[s, s*A + a] = pi(a|s)``, so ``P_pi = Pi @ P2``, ``r_pi = Pi @ R``."""
    if pi.ndim == 1:
        cols = np.arange(S) * A + pi
        return sp.csr_matrix((np.ones(S), cols, np.arange(S + 1)), shape=(S, S * A))
    cols = (np.arange(S)[:, None] * A + np.arange(A)[None, :]).ravel()
    return sp.csr_matrix((pi.ravel(), cols, np.arange(0, S * A + 1, A)), shape=(S, S * A))


def as_step_operators(P, S: int, A: int, H: int | None, name: str = "P"):
    """Validate a finite-horizon transition model and return ``(P, H)``.

    ``P`` comes back as a sparse ``(S*A, S)`` CSR matrix (homogeneous), or dense ``(1, S, A, S)`` (homogeneous) or
    ``(H, S, A, S)`` (one kernel per step). ``H`` is required for homogeneous ``P``, inferred from 4-d ``P``.
    Errors name the step, state and action of the first bad row.
    """
    if sp.issparse(P) or np.ndim(P) == 3:
        if H is None:
            raise ValueError(f"H is required for a homogeneous {name}")
        H = check_horizon(H)
        P2 = as_row_operator(P, S, A, name)
        return (P2 if sp.issparse(P2) else P2.reshape(1, S, A, S)), H
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 4:
        raise ValueError(f"{name} must be {name}[s, a, s'] or {name}[h, s, a, s'], got shape {P.shape}")
    H = P.shape[0] if H is None else check_horizon(H)
    if P.shape != (H, S, A, S):
        raise ValueError(f"{name} must have shape (H, S, A, S) = ({H}, {S}, {A}, {S}), got {P.shape}")
    for h in range(H):
        check_distribution_rows(P[h].reshape(S * A, S), A, name, prefix=f"step {h}, ")
    return np.ascontiguousarray(P), H
