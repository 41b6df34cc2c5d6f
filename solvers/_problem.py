"""The one preprocessing every discounted planner shares: validate ``(P, R, gamma)`` once, measure the structure
(non-zeros per row, density, row-sum rounding) and choose the representation from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .validation import RowStats, check_gamma, check_int, check_real, check_rewards, row_operator

#: A dense ``P`` with at most this fraction of non-zeros is converted to CSR (any S: the measured fill decides).
SPARSE_DENSITY = 0.05


@dataclass(frozen=True)
class Problem:
    """A validated discounted MDP: the ``(S*A, S)`` row operator ``P2`` (dense or CSR), ``R[s, a]``, ``gamma`` and the
    measured ``stats`` (:class:`~.validation.RowStats`) that certificates and method choice use."""

    P2: np.ndarray | sp.csr_matrix
    R: np.ndarray
    gamma: float
    stats: RowStats

    @property
    def S(self) -> int:
        return self.R.shape[0]

    @property
    def A(self) -> int:
        return self.R.shape[1]

    @property
    def r_max(self) -> float:
        return float(np.abs(self.R).max())

    @property
    def sparse(self) -> bool:
        return sp.issparse(self.P2)

    @property
    def density(self) -> float:
        return self.stats.nnz / (self.S * self.S * self.A)


def discounted_problem(P, R, gamma, sparsify_below: float = SPARSE_DENSITY) -> Problem:
    """Validate ``(P, R, gamma)`` (``ValueError``/``TypeError`` naming the argument) and return a :class:`Problem`.

    ``P`` may be dense ``(S, A, S)``, sparse ``(S*A, S)`` with row ``s*A + a``, or a list of ``A`` per-action ``(S, S)``
    matrices (see :mod:`.validation`). A dense ``P`` with at most a ``sparsify_below`` fraction of non-zeros is
    converted to CSR in the pass that validates it.
    """
    R = check_rewards(R, "R", ndim=2)
    S, A = R.shape
    if S < 1 or A < 1:
        raise ValueError(f"R must have at least one state and one action, got shape {R.shape}")
    gamma = check_gamma(gamma)
    P2, stats = row_operator(P, S, A, "P", True, sparsify_below, probe=first_sweep_vector(R, gamma))
    return Problem(P2, R, gamma, stats)


def first_sweep_vector(R: np.ndarray, gamma: float) -> np.ndarray:
    """``V_1 = max_a R + gamma V_0`` with ``V_0 = min R / (1 - gamma)``: value iteration's first iterate from the
    constant ``V_0`` (up to the rows' sums, ``L V_0 = max_a [R + gamma V_0 rowsum]``). The validating pass multiplies
    ``P`` by it, so value iteration gets two sweeps from that one pass (:mod:`.value_iteration`)."""
    return R.max(axis=1) + gamma * (R.min() / (1.0 - gamma))


def check_tol(tol: float, max_iter: int) -> tuple[float, int]:
    """``(tol, max_iter)`` checked: a positive finite real ``tol`` and an integer ``max_iter >= 1``."""
    tol = check_real(tol, "tol")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol}")
    return tol, check_int(max_iter, "max_iter", minimum=1)
