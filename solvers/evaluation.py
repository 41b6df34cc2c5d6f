"""Exact evaluation of a stationary policy in a discounted MDP (Puterman 1994, Thm 6.1.1)."""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .validation import check_policy, policy_matrix
from ._problem import discounted_problem
from .result import PlanningResult, backup

#: Sparse systems up to this size are factorised (SuperLU); larger ones are solved by BiCGSTAB and refined.
SPARSE_DIRECT_MAX_S = 20_000


def solve_policy_system(P_pi, r_pi: np.ndarray, gamma: float) -> np.ndarray:
    """Solve ``(I - gamma P_pi) V = r_pi`` (dense LU, sparse LU, or BiCGSTAB with fixed-point refinement)."""
    S = r_pi.shape[0]
    if not sp.issparse(P_pi):
        return la.solve(np.eye(S) - gamma * np.asarray(P_pi), r_pi, check_finite=False)
    M = (sp.identity(S, format="csc") - gamma * P_pi).tocsc()
    if S <= SPARSE_DIRECT_MAX_S:
        return spla.splu(M).solve(r_pi)
    V, info = spla.bicgstab(M, r_pi, x0=r_pi / (1 - gamma), rtol=1e-13, atol=0.0, maxiter=10 * S)
    for _ in range(3):  # iterative refinement: each step divides the error by ~1/rtol
        resid = r_pi - M @ V
        if np.max(np.abs(resid)) <= 1e-13 * max(1.0, np.max(np.abs(r_pi))):
            break
        dV, info = spla.bicgstab(M, resid, rtol=1e-13, atol=0.0, maxiter=10 * S)
        V = V + dV
    return V


def policy_evaluation(P, R, gamma: float, pi) -> PlanningResult:
    """Exact value ``V^pi = (I - gamma P_pi)^{-1} r_pi`` of a stationary policy (Puterman 1994, Thm 6.1.1).

    Args:
        P: transitions ``P[s, a, s']`` or a sparse ``(S*A, S)`` matrix (row ``s*A + a``).
        R: mean rewards ``R[s, a]``.
        gamma: discount in [0, 1).
        pi: deterministic ``pi[s]`` (ints) or stochastic ``pi[s, a]``.

    Returns:
        :class:`PlanningResult` with ``V = V^pi``, ``Q = Q^pi``, ``policy = pi``, ``residual`` the sup-norm residual
        of the linear system, ``error_bound = residual / (1 - gamma)`` (a certified bound on ``|V - V^pi|``) and
        ``policy_gap = None``.
    """
    P2, R, gamma, S, A = discounted_problem(P, R, gamma)
    pi = check_policy(pi, S, A)
    Pi = policy_matrix(pi, S, A)
    P_pi = Pi @ P2
    r_pi = Pi @ R.ravel()
    V = solve_policy_system(P_pi, r_pi, gamma)
    residual = float(np.max(np.abs(r_pi + gamma * np.asarray(P_pi @ V).ravel() - V)))
    return PlanningResult(V, backup(P2, R, gamma, V), pi, 1, residual, residual / (1 - gamma), None)
