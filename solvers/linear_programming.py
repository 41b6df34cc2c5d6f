"""The primal linear program of a discounted MDP (Puterman 1994, section 6.9)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ._problem import Problem, discounted_problem
from .result import PlanningResult, certified_result


def linear_programming(P, R, gamma: float, *, backend: str = "highs") -> PlanningResult:
    """Solve ``min_V sum_s V(s) / S`` s.t. ``V(s) >= R(s, a) + gamma sum_s' P(s'|s,a) V(s')`` for all ``(s, a)``.

    Its solution is ``V*`` (Puterman 1994, Thm 6.9.1). ``backend="highs"`` uses scipy's HiGHS (dual simplex,
    sparse constraints); ``backend="cvxpy"`` builds the same program in cvxpy and uses its default solver.
    Accuracy is the solver's feasibility tolerance; ``error_bound``/``policy_gap`` certify the result (rounding
    included). ``P`` in any layout of :func:`value_iteration`.
    """
    return solve_lp(discounted_problem(P, R, gamma), backend)


def solve_lp(prob: Problem, backend: str = "highs") -> PlanningResult:
    """:func:`linear_programming` on a validated problem (shared with :func:`solvers.solve`)."""
    P2, R, gamma, S, A = prob.P2, prob.R, prob.gamma, prob.S, prob.A
    rows = np.repeat(np.arange(S), A)
    if backend == "highs":
        E = sp.csr_matrix((np.ones(S * A), (np.arange(S * A), rows)), shape=(S * A, S))
        A_ub = (gamma * sp.csr_matrix(P2) - E).tocsr()
        res = linprog(np.full(S, 1.0 / S), A_ub=A_ub, b_ub=-R.ravel(), bounds=(None, None), method="highs")
        if res.status != 0:
            raise RuntimeError(f"HiGHS failed on the MDP linear program: {res.message}")
        V, iterations = res.x, int(res.nit)
    elif backend == "cvxpy":
        import cvxpy as cp

        x = cp.Variable(S)
        problem = cp.Problem(cp.Minimize(cp.sum(x) / S), [R.ravel() + gamma * (P2 @ x) <= x[rows]])
        problem.solve()
        if x.value is None:
            raise RuntimeError(f"cvxpy failed on the MDP linear program: status {problem.status}")
        V, iterations = np.asarray(x.value, dtype=np.float64), int(problem.solver_stats.num_iters or 0)
    else:
        raise ValueError(f"backend must be 'highs' or 'cvxpy', got {backend!r}")
    return certified_result(prob, V, iterations)
