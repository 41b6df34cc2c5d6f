"""Validation and the one internal layout every solver works on.

A transition model arrives in one of three layouts:

- dense ``P[s, a, s']``, shape ``(S, A, S)``;
- a ``scipy.sparse`` matrix of shape ``(S * A, S)`` whose row ``s * A + a`` is ``P(. | s, a)`` (state-major). Its row
  order cannot be checked: a vertical stack of per-action matrices (rows ``a * S + s``) has the same shape and
  valid rows, and would be solved as a different MDP. Pass per-action matrices as a list instead;
- a list (or tuple) of ``A`` per-action ``(S, S)`` matrices, dense or sparse, ``P[a][s, s']`` (pymdptoolbox's
  layout; a dense ``(A, S, S)`` array is refused with a pointer to ``list(P)``).

All become a *row operator* ``P2`` of shape ``(S * A, S)`` (a reshape view for dense input, CSR for sparse), so one
Bellman backup ``R + gamma * (P2 @ V).reshape(S, A)`` serves every layout, through BLAS or scipy's sparse mat-vec.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from numbers import Integral, Real

import numba
import numpy as np
import scipy.sparse as sp
from numba import njit, prange

#: Absolute tolerance on ``sum_s' P(s'|s,a) = 1`` for float64 input; lower-precision input gets a tolerance scaled
#: to its resolution (``n * eps(dtype)`` for a row of ``n`` non-zeros), see :func:`row_sum_atol`.
ROW_SUM_ATOL = 1e-8
_REAL_KINDS = "biuf"


def row_sum_atol(dtype, n: int) -> float:
    """Tolerance on a row sum of ``n`` non-zero entries stored in ``dtype``: ``ROW_SUM_ATOL`` for float64, else the
    worst-case error of normalising in that dtype, ``n * eps(dtype)`` (a float32 row of 1000 entries: 1.2e-4)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f" or dtype.itemsize >= 8:
        return ROW_SUM_ATOL
    return max(ROW_SUM_ATOL, max(n, 1) * float(np.finfo(dtype).eps))


def check_real_array(x, name: str) -> np.ndarray:
    """``np.asarray(x)`` if it holds real numbers (bool, int or float), else ``TypeError`` (complex, object, str)."""
    x = x if sp.issparse(x) else np.asarray(x)
    if x.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    return x


def _plain(x):
    """A numpy scalar as the Python number (or string) it holds, so messages print ``2.5``, not ``np.float64(2.5)``."""
    return x.item() if isinstance(x, np.generic) else x


def check_real(x, name: str) -> float:
    """``x`` as a float if it is a real number (not a string, bool, complex or array), else ``TypeError``."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {_plain(x)!r}")
    return float(x)


def check_int(x, name: str, minimum: int | None = None) -> int:
    """``x`` as an int if it is an integer (not a float such as 2.5, nor a bool), else raise."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {_plain(x)!r}")
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    return int(x)


def check_rewards(R: np.ndarray, name: str = "R", ndim: int = 2) -> np.ndarray:
    """Return ``R`` as a float64 array of ``ndim`` dimensions with finite real entries, else raise."""
    R = np.asarray(check_real_array(R, name), dtype=np.float64)
    if R.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {R.shape}")
    if not np.all(np.isfinite(R)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(R))[0])
        raise ValueError(f"{name}{list(idx)} is not finite ({R[idx]})")
    return R


def check_gamma(gamma: float) -> float:
    """Return ``gamma`` as a float in [0, 1); a string, bool or complex is refused (``TypeError``), not coerced."""
    gamma = check_real(gamma, "gamma")
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"gamma must lie in [0, 1), got {gamma}")
    return gamma


def check_horizon(H: int) -> int:
    """Return ``H`` as a positive int, else raise."""
    return check_int(H, "H", minimum=1)


#: Numba threading layers that may launch parallel regions from several Python threads at once (Numba docs,
#: "Selecting a threading layer"); the ``workqueue`` fallback aborts the process on concurrent entry.
THREAD_SAFE_LAYERS = ("omp", "tbb")
_PARALLEL_LOCK = threading.Lock()


def _fresh_lock_in_child() -> None:
    """A child forked while another thread held the lock would wait on it for ever: give it a new one."""
    global _PARALLEL_LOCK
    _PARALLEL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock_in_child)


def run_parallel(kernel, *args):
    """Call a ``parallel=True`` kernel, one thread at a time unless Numba's threading layer is thread-safe.

    Under ``workqueue`` (Numba's fallback without OpenMP or TBB, common on macOS) two threads entering parallel code
    at once kill the process ("Concurrent access has been detected"), and solvers are called from thread pools (the
    regret harness runs seeds on threads). Before the first parallel launch the layer is unknown
    (``numba.threading_layer()`` raises ``ValueError``) and counts as unsafe."""
    try:
        safe = numba.threading_layer() in THREAD_SAFE_LAYERS
    except ValueError:
        safe = False
    if safe:
        return kernel(*args)
    with _PARALLEL_LOCK:
        return kernel(*args)


#: Dense operators of at most this many entries are scanned by numpy (a fraction of a millisecond), larger ones by the
#: parallel kernel below; both give row sums within the same rounding bound ((n - 1) u sum |x|, any summation order).
SERIAL_SCAN_MAX = 1 << 18


def _describe_row(row: int, A: int, prefix: str) -> str:
    s, a = divmod(row, A)
    return f"{prefix}state {s}, action {a}"


@njit(cache=True, parallel=True, fastmath={"reassoc", "nsz", "contract"})
def _scan_dense_rows(P2, w):
    """One parallel, vectorised pass over a dense ``(n, S)`` array: row sums, the product ``P2 @ w`` (a planner's
    first Bellman sweep, for free in a memory-bound pass), non-zeros per row and a per-row flag for a negative entry.
    A NaN or infinite entry makes its row's sum non-finite: :func:`check_distribution_rows` tests the sums outside
    this kernel (whose fastmath flags fold ``isfinite``) and re-checks such rows entry by entry. Only reassociation is
    allowed, so the sums' rounding bound ``(n - 1) u sum |x|`` (any order) holds."""
    n, S = P2.shape
    sums = np.zeros(n)
    product = np.zeros(n)
    nnz = np.zeros(n, dtype=np.int64)
    negative = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        total = 0.0
        dot = 0.0
        count = 0
        below = 0  # counts (not min/branches) keep the loop vectorised
        row = P2[i]
        for j in range(S):
            x = row[j]
            total += x
            dot += x * w[j]
            count += np.int64(x != 0.0)
            below += np.int64(x < 0.0)
        sums[i] = total
        product[i] = dot
        nnz[i] = count
        negative[i] = below > 0
    return sums, product, nnz, negative


@njit(cache=True, parallel=True)
def _dense_to_csr(P2, nnz):
    """CSR arrays of a dense ``(n, S)`` array whose per-row non-zero counts are ``nnz`` (rows filled in parallel)."""
    n, S = P2.shape
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(nnz)
    indices = np.empty(indptr[n], dtype=np.int32)
    data = np.empty(indptr[n])
    for i in prange(n):
        k = indptr[i]
        for j in range(S):
            if P2[i, j] != 0.0:
                indices[k] = j
                data[k] = P2[i, j]
                k += 1
    return data, indices, indptr


@dataclass(frozen=True)
class RowStats:
    """What validation measured of a row operator, for certificates and for choosing a method.

    ``max_nnz``: most non-zeros in a row (terms of a backup's dot product); ``nnz``: non-zeros in all;
    ``eta``: a rigorous bound on ``max |sum_s' P(s'|s,a) - 1|`` over the *exact* sums of the stored floats (the
    measured float64 sum plus its rounding, ``max_nnz * eps``)."""

    max_nnz: int
    nnz: int
    eta: float
    sums: np.ndarray | None = None  # the measured float64 row sums (= P2 @ 1, the backup of a constant V)
    probe: np.ndarray | None = None  # the vector w whose product P2 @ w the validating pass computed, if any
    product: np.ndarray | None = None  # P2 @ probe


def check_distribution_rows(P2, A: int, name: str = "P", prefix: str = "", dtype=np.float64,
                            probe: np.ndarray | None = None) -> RowStats:
    """Raise ``ValueError`` unless every row of the ``(S * A, S)`` operator is a probability vector (row sums within
    :func:`row_sum_atol` of 1 for the input's ``dtype``). The message names the (step,) state and action of the first
    bad row. Returns the :class:`RowStats` measured in the same pass (for dense input with a ``probe`` vector, also
    the product ``P2 @ probe``)."""
    product = None
    if not sp.issparse(P2):
        w = np.zeros(P2.shape[1]) if probe is None else np.ascontiguousarray(probe, dtype=np.float64)
        if P2.size <= SERIAL_SCAN_MAX:  # small: numpy, no parallel launch (which costs ms on busy cores)
            sums, product, nnz, negative = P2.sum(axis=1), P2 @ w, np.count_nonzero(P2, axis=1), (P2 < 0).any(axis=1)
        else:
            sums, product, nnz, negative = run_parallel(_scan_dense_rows, P2, w)
        nonfinite = ~np.isfinite(sums)
        product = None if probe is None else product
        for row in np.flatnonzero(nonfinite):  # a NaN/inf entry, or finite entries whose sum overflows
            if not np.isfinite(P2[row]).all():
                raise ValueError(f"{name} has a non-finite entry at {_describe_row(int(row), A, prefix)}")
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
        nnz = np.diff(P2.indptr)
    max_nnz = int(nnz.max()) if nnz.size else 0
    deviation = np.abs(sums - 1.0)
    atol = row_sum_atol(dtype, max_nnz)
    off = deviation > atol
    if off.any():
        bad = int(np.flatnonzero(off)[0])
        hint = "" if atol == ROW_SUM_ATOL else f" (tolerance {atol:.1e} for {np.dtype(dtype)} input)"
        raise ValueError(f"{name} row at {_describe_row(bad, A, prefix)} sums to {float(sums[bad])!r}, not 1{hint}")
    eps = float(np.finfo(np.float64).eps)
    eta = float(deviation.max(initial=0.0)) + (max_nnz + 1) * eps
    return RowStats(max_nnz, int(nnz.sum()), eta, sums, probe if product is not None else None, product)


def is_action_list(P) -> bool:
    """A list or tuple of numpy arrays / sparse matrices is a per-action list; nested Python lists are an array."""
    return isinstance(P, (list, tuple)) and len(P) > 0 and all(isinstance(x, np.ndarray) or sp.issparse(x) for x in P)


def _from_action_list(P, S: int, A: int, name: str):
    """A list of ``A`` per-action ``(S, S)`` matrices (pymdptoolbox's layout) as dense ``(S, A, S)`` or CSR
    ``(S*A, S)`` with rows ``s * A + a``."""
    if len(P) != A:
        raise ValueError(f"{name} is a list of {len(P)} per-action matrices, but R has A = {A} actions")
    for a, Pa in enumerate(P):
        check_real_array(Pa, f"{name}[{a}]")
        if Pa.shape != (S, S):
            raise ValueError(f"{name}[{a}] must have shape (S, S) = ({S}, {S}), got {Pa.shape}")
    if any(sp.issparse(Pa) for Pa in P):
        stacked = sp.vstack([sp.csr_matrix(Pa) for Pa in P], format="csr")  # row a*S + s
        order = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()  # row s*A + a <- a*S + s
        return stacked[order]
    return np.stack([np.asarray(Pa) for Pa in P], axis=1)


def row_operator(P, S: int, A: int, name: str = "P", validate: bool = True, sparsify_below: float = 0.0,
                 probe: np.ndarray | None = None):
    """Return ``(P2, stats)``: ``P`` in any accepted layout (see the module docstring) as the ``(S*A, S)`` row
    operator, and its :class:`RowStats` (``None`` when ``validate`` is false).

    Dense input becomes a float64 C-contiguous reshape (no copy when already so); sparse input becomes CSR float64.
    A dense ``P`` whose fraction of non-zeros is at most ``sparsify_below`` comes back as CSR, built from the counts
    of the pass that validates it; that pass also computes ``P2 @ probe`` for dense input (``stats.product``).
    Complex, object or string entries raise ``TypeError``.
    """
    if is_action_list(P):
        P = _from_action_list(P, S, A, name)
    P = check_real_array(P, name)
    dtype = P.dtype
    if sp.issparse(P):
        if P.shape != (S * A, S):
            raise ValueError(
                f"sparse {name} must have shape (S*A, S) = ({S * A}, {S}) with row s*A + a, got {P.shape}; "
                f"per-action (S, S) matrices go in a list, {name}[a][s, s']")
        P2 = sp.csr_matrix(P, dtype=np.float64)
        P2.sum_duplicates()
    else:
        if P.shape != (S, A, S):
            hint = (f" ({name}[a, s, s'] as in pymdptoolbox? pass list({name}) or {name}.transpose(1, 0, 2))"
                    if P.shape == (A, S, S) else "")
            raise ValueError(f"{name} must have shape (S, A, S) = ({S}, {A}, {S}), got {P.shape}{hint}")
        P2 = np.ascontiguousarray(P, dtype=np.float64).reshape(S * A, S)
    stats = check_distribution_rows(P2, A, name, dtype=dtype, probe=probe) if validate else None
    if sparsify_below > 0 and not sp.issparse(P2):
        nnz = np.count_nonzero(P2, axis=1) if stats is None else None
        total = stats.nnz if stats is not None else int(nnz.sum())
        if total <= sparsify_below * P2.size:
            if nnz is None:
                nnz = np.count_nonzero(P2, axis=1)
            return sp.csr_matrix(run_parallel(_dense_to_csr, P2, nnz), shape=P2.shape), stats
    return P2, stats


def as_row_operator(P, S: int, A: int, name: str = "P", validate: bool = True, sparsify_below: float = 0.0):
    """The ``(S*A, S)`` row operator of :func:`row_operator`, without its statistics."""
    return row_operator(P, S, A, name, validate, sparsify_below)[0]


def check_policy(pi, S: int, A: int, name: str = "pi", prefix: tuple[int, ...] = ()) -> np.ndarray:
    """Return a deterministic ``pi[s]`` (int64) or stochastic ``pi[s, a]`` (float64) policy, validated.

    Float arrays are refused as deterministic policies (no silent rounding); a stochastic policy's rows must sum to 1
    within :func:`row_sum_atol` of its dtype. ``prefix`` (e.g. ``(h,)``) is prepended to the indices in messages.
    """
    pi = check_real_array(pi, name)
    where = (lambda s: f"{name}[{', '.join(str(i) for i in (*prefix, s))}]")
    if pi.ndim == 1:
        if pi.shape != (S,):
            raise ValueError(f"deterministic {name} must have shape (S,) = ({S},), got {pi.shape}")
        if pi.dtype.kind not in "iu":
            raise TypeError(f"deterministic {name} must hold integer actions, got dtype {pi.dtype}")
        if pi.size and (pi.min() < 0 or pi.max() >= A):
            s = int(np.flatnonzero((pi < 0) | (pi >= A))[0])
            raise ValueError(f"{where(s)} = {pi[s]} is not an action in [0, {A})")
        return pi.astype(np.int64)
    if pi.ndim == 2:
        if pi.shape != (S, A):
            raise ValueError(f"stochastic {name} must have shape (S, A) = ({S}, {A}), got {pi.shape}")
        dtype = pi.dtype
        pi = pi.astype(np.float64)
        if not np.all(np.isfinite(pi)) or pi.min() < 0:
            s = int(np.argwhere(~(np.isfinite(pi) & (pi >= 0)))[0, 0])
            raise ValueError(f"{where(s)} has a negative or non-finite probability")
        off = np.abs(pi.sum(axis=1) - 1) > row_sum_atol(dtype, A)
        if off.any():
            s = int(np.flatnonzero(off)[0])
            raise ValueError(f"{where(s)} sums to {float(pi[s].sum())!r}, not 1 (dtype {dtype})")
        return pi
    raise ValueError(f"{name} must be pi[s] (deterministic) or pi[s, a] (stochastic), got shape {pi.shape}")


def policy_matrix(pi: np.ndarray, S: int, A: int) -> sp.csr_matrix:
    """The ``(S, S*A)`` sparse matrix Pi with ``Pi[s, s*A + a] = pi(a|s)``, so ``P_pi = Pi @ P2``, ``r_pi = Pi @ R``."""
    if pi.ndim == 1:
        cols = np.arange(S) * A + pi
        return sp.csr_matrix((np.ones(S), cols, np.arange(S + 1)), shape=(S, S * A))
    cols = (np.arange(S)[:, None] * A + np.arange(A)[None, :]).ravel()
    return sp.csr_matrix((pi.ravel(), cols, np.arange(0, S * A + 1, A)), shape=(S, S * A))


def step_operators(P, S: int, A: int, H: int | None, name: str = "P"):
    """Validate a finite-horizon transition model; return ``(P, H, stats)`` (stats merged over steps).

    ``P`` comes back as a sparse ``(S*A, S)`` CSR matrix (homogeneous), or dense ``(1, S, A, S)`` (homogeneous) or
    ``(H, S, A, S)`` (one kernel per step). Homogeneous ``P`` may be in any layout of :func:`row_operator`. ``H`` is
    required for homogeneous ``P``, inferred from 4-d ``P``. Errors name the step, state and action of the first bad
    row.
    """
    if is_action_list(P) or sp.issparse(P) or np.ndim(P) == 3:
        if H is None:
            raise ValueError(f"H is required for a homogeneous {name}")
        H = check_horizon(H)
        P2, stats = row_operator(P, S, A, name)
        return (P2 if sp.issparse(P2) else P2.reshape(1, S, A, S)), H, stats
    P = check_real_array(P, name)
    dtype = P.dtype
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 4:
        raise ValueError(f"{name} must be {name}[s, a, s'] or {name}[h, s, a, s'], got shape {P.shape}")
    H = P.shape[0] if H is None else check_horizon(H)
    if P.shape != (H, S, A, S):
        raise ValueError(f"{name} must have shape (H, S, A, S) = ({H}, {S}, {A}, {S}), got {P.shape}")
    P = np.ascontiguousarray(P)
    per_step = [check_distribution_rows(P[h].reshape(S * A, S), A, name, f"step {h}, ", dtype) for h in range(H)]
    stats = RowStats(max(s.max_nnz for s in per_step), sum(s.nnz for s in per_step), max(s.eta for s in per_step))
    return P, H, stats


def as_step_operators(P, S: int, A: int, H: int | None, name: str = "P"):
    """``(P, H)`` of :func:`step_operators`, without its statistics."""
    return step_operators(P, S, A, H, name)[:2]
