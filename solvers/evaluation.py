"""Exact evaluation of a stationary policy in a discounted MDP (Puterman 1994, Thm 6.1.1).

``(I - gamma P_pi) V = r_pi`` is solved by the cheapest method its structure allows: a Krylov solver (BiCGSTAB,
warm-started where a previous value is known) within a budget of mat-vecs, accepted only if the residual of the
returned ``V`` is at round-off level; otherwise a direct LU (dense LAPACK, or SuperLU where sparse). SuperLU's fill-in
grows with the mixing of ``P_pi`` (a Garnet with S = 1e4: 32 s) where BiCGSTAB converges in a few dozen mat-vecs
(eigenvalues of ``gamma P_pi`` lie in the disc of radius ``gamma``); slow mixing (chains near ``gamma = 1``), where
Krylov stalls, has little fill. Either way the result is certified from its residual.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ._problem import Problem, discounted_problem
from .result import EPS, PlanningResult, backup
from .validation import check_policy, policy_matrix

#: Mat-vecs a Krylov attempt may spend before the direct solver takes over (dense: at most a 1/3 of the LU's flops).
KRYLOV_BUDGET = 400
#: A Krylov solution is accepted when ``|r_pi + gamma P_pi V - V|max <= ACCEPT_RTOL (|r_pi|max + |V|max)``.
ACCEPT_RTOL = 1e-13


def _accepted(M, V, r_pi, atol: float) -> bool:
    resid = np.max(np.abs(r_pi - M @ V))
    return bool(np.isfinite(V).all()) and resid <= min(atol, ACCEPT_RTOL * (np.max(np.abs(r_pi)) + np.max(np.abs(V))))


def solve_policy_system(P_pi, r_pi: np.ndarray, gamma: float, x0: np.ndarray | None = None,
                        atol: float = np.inf) -> np.ndarray:
    """Solve ``(I - gamma P_pi) V = r_pi``: BiCGSTAB with up to two refinement steps within ``KRYLOV_BUDGET``
    mat-vecs (dense: ``S / 6`` of them, a third of LU's cost), accepted at residual ``ACCEPT_RTOL`` (relative) and
    ``atol`` (absolute: a caller that needs ``|V - V^pi| <= residual / (1 - gamma)`` small asks for it); else LU."""
    S = r_pi.shape[0]
    dense = not sp.issparse(P_pi)
    budget = min(KRYLOV_BUDGET, S // 6) if dense else KRYLOV_BUDGET
    M = (np.eye(S) - gamma * np.asarray(P_pi)) if dense else (sp.identity(S, format="csr") - gamma * P_pi).tocsr()
    if budget >= 10:
        V = r_pi / (1 - gamma) if x0 is None else x0
        for _ in range(3):  # a solve, then iterative refinement on the true residual
            if _accepted(M, V, r_pi, atol):
                return V
            resid = r_pi - M @ V
            dV, _ = spla.bicgstab(M, resid, rtol=1e-10, atol=0.0, maxiter=budget // 6)  # 2 mat-vecs a step
            if not np.all(np.isfinite(dV)):
                break
            V = V + dV
        if _accepted(M, V, r_pi, atol):
            return V
    if dense:
        return la.solve(M, r_pi, check_finite=False)
    return spla.splu(M.tocsc()).solve(r_pi)


def evaluation_certificate(prob: Problem, pi: np.ndarray, V: np.ndarray, Q: np.ndarray) -> tuple[float, float]:
    """``(residual, error_bound)`` of ``V`` for the policy's Bellman equation, from its computed backup ``Q``.

    ``T_pi V = sum_a pi(a|s) Q(s, a)`` is a contraction of modulus ``gamma' = gamma (1 + eta)(1 + eta_pi)`` for the
    stored ``P`` and ``pi`` (row sums within ``eta``, ``eta_pi`` of 1), so ``|V - V^pi| <= (|T_pi V - V| + err) /
    (1 - gamma')`` (Puterman 1994, Prop. 6.2.4 style bound), where ``err`` bounds the float64 rounding of computing
    ``T_pi V - V`` (the backup's bound (1) of :mod:`.result`, the sum over actions, the subtraction)."""
    g, n, eta = prob.gamma, prob.stats.max_nnz, prob.stats.eta
    if pi.ndim == 1:
        TV, terms, eta_pi = Q[np.arange(prob.S), pi], 0, 0.0
    else:
        TV, terms = (pi * Q).sum(axis=1), prob.A
        eta_pi = float(np.abs(pi.sum(axis=1) - 1).max()) + (prob.A + 1) * EPS
    residual = float(np.max(np.abs(TV - V)))
    v_max, q_max = float(np.abs(V).max()), float(np.abs(Q).max())
    err = ((1 + eta_pi) * EPS * (n + 2) * (prob.r_max + g * (1 + eta) * v_max)
           + EPS * (terms * (1 + eta_pi) * q_max + float(np.abs(TV).max()) + v_max))
    contraction = g * (1 + eta) * (1 + eta_pi)
    if contraction >= 1:
        return residual, np.inf
    return residual, (residual + err) / (1 - contraction) * (1 + 4 * EPS)


def policy_evaluation(P, R, gamma: float, pi) -> PlanningResult:
    """Exact value ``V^pi = (I - gamma P_pi)^{-1} r_pi`` of a stationary policy (Puterman 1994, Thm 6.1.1).

    Args:
        P: transitions in any layout of :func:`value_iteration` (dense ``(S, A, S)``, sparse ``(S*A, S)`` with row
            ``s*A + a``, or a list of per-action ``(S, S)`` matrices).
        R: mean rewards ``R[s, a]``.
        gamma: discount in [0, 1).
        pi: deterministic ``pi[s]`` (integer dtype) or stochastic ``pi[s, a]``.

    Returns:
        :class:`PlanningResult` with ``V = V^pi``, ``Q = Q^pi``, ``policy = pi``, ``residual`` the sup-norm residual
        of the policy's Bellman equation, ``error_bound`` a certified bound on ``|V - V^pi|`` (residual and float64
        rounding over ``1 - gamma``, see :func:`evaluation_certificate`) and ``policy_gap = None``.
    """
    prob = discounted_problem(P, R, gamma)
    pi = check_policy(pi, prob.S, prob.A)
    return evaluate(prob, pi)


def evaluate(prob: Problem, pi: np.ndarray, x0: np.ndarray | None = None, atol: float = np.inf) -> PlanningResult:
    """:func:`policy_evaluation` on a validated problem and policy (``x0``, ``atol``: :func:`solve_policy_system`'s)."""
    S, A = prob.S, prob.A
    if pi.ndim == 1:
        d = np.arange(S) * A + pi
        P_pi, r_pi = prob.P2[d], prob.R.ravel()[d]
    else:
        Pi = policy_matrix(pi, S, A)
        P_pi, r_pi = Pi @ prob.P2, Pi @ prob.R.ravel()
    V = solve_policy_system(P_pi, r_pi, prob.gamma, x0, atol)
    Q = backup(prob.P2, prob.R, prob.gamma, V)
    residual, error_bound = evaluation_certificate(prob, pi, V, Q)
    return PlanningResult(V, Q, pi, 1, residual, error_bound, None)
