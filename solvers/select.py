"""``solve``: the default discounted planner, choosing representation and method by the model's size."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._problem import check_tol, discounted_problem
from .policy_iteration import _howard
from .result import PlanningResult
from .value_iteration import _iterate

#: A dense ``P`` with at most this fraction of non-zeros (and at least ``SPARSE_MIN_S`` states) is run sparse.
SPARSE_DENSITY = 0.05
SPARSE_MIN_S = 500
#: Dense models with at most this many states use policy iteration (one O(S^3) solve per improvement).
DENSE_PI_MAX_S = 400


def solve(P, R, gamma: float, *, tol: float = 1e-6) -> PlanningResult:
    """Solve a discounted MDP with a certified result, picking the fastest correct method for its size.

    - A dense ``P`` with few successors per ``(s, a)`` (density <= ``SPARSE_DENSITY``) is converted to CSR once.
    - Small dense models (``S <= DENSE_PI_MAX_S``): :func:`policy_iteration` (exact).
    - Otherwise value iteration that turns into modified policy iteration (order 50) as soon as the span of
      ``LV - V`` contracts slowly (slow mixing), with span stopping: a returned policy with ``policy_gap <= tol`` and
      ``|V - V*| <= tol / 2`` (Puterman 1994, Thm 6.6.3), certified in the result.
    """
    S_in = np.shape(R)[0] if np.ndim(R) == 2 else 0
    P2, R, gamma, S, A = discounted_problem(P, R, gamma, sparsify_below=SPARSE_DENSITY if S_in >= SPARSE_MIN_S else 0)
    check_tol(tol, 1)
    if not sp.issparse(P2) and S <= DENSE_PI_MAX_S:
        return _howard(P2, R, gamma, S, A, 10_000, None)  # P is validated once, above
    return _iterate(P2, R, gamma, S, A, "auto", tol, 1_000_000)
