"""Value iteration and modified policy iteration with span-based stopping (Puterman 1994, sections 6.3, 6.5, 6.6).

Both share one loop: a full Bellman backup ``LV``, MacQueen's bounds on ``V*`` from ``(V, LV)``, then (MPI only)
``order`` partial evaluation sweeps with the greedy policy. Value iteration is the case ``order = 0``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._problem import check_tol, discounted_problem
from .result import PlanningResult, backup, certified_result


#: ``order="auto"``: partial sweeps are switched on once a backup shrinks span(LV - V) by less than this factor.
SLOW_MIXING_RATIO = 0.5
AUTO_ORDER = 50


def _iterate(P2, R, gamma, S, A, order, tol: float, max_iter: int) -> PlanningResult:
    """The shared VI/MPI loop; ``order`` is an int or ``"auto"`` (0 while the span of ``LV - V`` contracts fast,
    ``AUTO_ORDER`` once it contracts by less than ``SLOW_MIXING_RATIO`` per backup: slow mixing)."""
    c = gamma / (1.0 - gamma)
    m = 0 if order == "auto" else order
    V = np.full(S, R.min() / (1.0 - gamma))  # L V0 >= V0: monotone convergence from below (Puterman Thm 6.5.5)
    rows = np.arange(S) * A
    previous_span = np.inf
    for n in range(1, max_iter + 1):
        Q = backup(P2, R, gamma, V)
        LV = Q.max(axis=1)
        D = LV - V
        lo, hi = D.min(), D.max()
        if c * (hi - lo) <= tol:
            # V* lies in [LV + c lo, LV + c hi] (Thm 6.6.3); return the midpoint, |V - V*| <= c (hi - lo) / 2.
            return certified_result(P2, R, gamma, LV + c * (hi + lo) / 2.0, n)
        if order == "auto" and n > 1 and hi - lo > SLOW_MIXING_RATIO * previous_span:
            m = AUTO_ORDER
        previous_span = hi - lo
        V = LV
        if m:
            d = rows + Q.argmax(axis=1)  # rows of the greedy policy in the (S*A, S) operator
            P_d, r_d = P2[d], R.ravel()[d]
            for _ in range(m):
                V = r_d + gamma * np.asarray(P_d @ V).ravel()
    warnings.warn(f"no convergence to tol={tol} in max_iter={max_iter} iterations", RuntimeWarning, stacklevel=3)
    return certified_result(P2, R, gamma, V, max_iter)


def value_iteration(P, R, gamma: float, *, tol: float = 1e-6, max_iter: int = 1_000_000) -> PlanningResult:
    """Value iteration ``V <- max_a [R + gamma P V]`` (Puterman 1994, section 6.3) with span stopping (section 6.6).

    Stops at the first ``n`` with ``gamma/(1-gamma) * span(LV_n - V_n) <= tol`` and returns the midpoint of MacQueen's
    bounds. Guarantees (Puterman Thm 6.6.3, Prop. 6.6.5): ``|V - V*| <= tol/2`` and the returned greedy policy is
    ``tol``-optimal; the result's ``error_bound`` and ``policy_gap`` certify the achieved values.

    Args:
        P: ``P[s, a, s']`` or sparse ``(S*A, S)`` (row ``s*A + a``).
        R: ``R[s, a]``. gamma: in [0, 1). tol: target policy gap (value units). max_iter: sweep limit.
    """
    P2, R, gamma, S, A = discounted_problem(P, R, gamma)
    check_tol(tol, max_iter)
    return _iterate(P2, R, gamma, S, A, 0, tol, max_iter)


def modified_policy_iteration(
    P, R, gamma: float, *, order: int = 20, tol: float = 1e-6, max_iter: int = 1_000_000
) -> PlanningResult:
    """Modified policy iteration (Puterman 1994, section 6.5): a backup, then ``order`` sweeps of ``V <- r_d + gamma
    P_d V`` with the greedy policy ``d``. Same stopping rule and guarantees as :func:`value_iteration`; the partial
    sweeps use the ``(S, S)`` matrix ``P_d``, so they cost ``1/A`` of a backup (far less where ``P`` is sparse).
    """
    P2, R, gamma, S, A = discounted_problem(P, R, gamma)
    check_tol(tol, max_iter)
    if order < 0:
        raise ValueError(f"order must be >= 0, got {order}")
    return _iterate(P2, R, gamma, S, A, int(order), tol, max_iter)
