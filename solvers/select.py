"""``solve``: the default discounted planner, choosing representation and method by the model's measured structure."""

from __future__ import annotations

from ._problem import check_tol, discounted_problem
from .linear_programming import solve_lp
from .policy_iteration import howard
from .result import PlanningResult, warn_above_tol, warn_if_below_floor
from .value_iteration import _iterate

#: Dense models with at most this many states use policy iteration (one O(S^3) solve per improvement).
DENSE_PI_MAX_S = 400
#: Near-deterministic models (at most this many successors per row on average) with at most ``LP_MAX_PAIRS``
#: state-action pairs are solved by the LP: value propagates one transition per backup there, so VI, MPI and PI
#: need about as many sweeps as the graph's diameter (a 1000-state chain at gamma = 0.9999: 1000), while HiGHS's
#: simplex takes 0.07 s. More successors mix faster and favour the iterative path (a 70x70 gridworld: LP 11 s,
#: MPI 0.02 s).
LP_MAX_SUCCESSORS = 1.25
LP_MAX_PAIRS = 20_000


def solve(P, R, gamma: float, *, tol: float = 1e-6) -> PlanningResult:
    """Solve a discounted MDP with a certified result, picking the fastest correct method for its structure.

    ``P`` in any layout of :func:`value_iteration`; a dense ``P`` with few successors per ``(s, a)`` (density <=
    ``SPARSE_DENSITY``, measured in the validating pass) is converted to CSR once.

    - Near-deterministic models (``<= LP_MAX_SUCCESSORS`` successors per row on average, ``S*A <= LP_MAX_PAIRS``):
      the LP (HiGHS), polished by exact evaluation of its greedy policy and policy iteration from there.
    - Small dense models (``S <= DENSE_PI_MAX_S``): :func:`policy_iteration` (exact).
    - Otherwise value iteration that turns into modified policy iteration (order 50) as soon as the span of
      ``LV - V`` contracts slowly (slow mixing), with span stopping: a returned policy with ``policy_gap <= tol`` and
      ``|V - V*| <= tol / 2`` (Puterman 1994, Thm 6.6.3), certified in the result, rounding included.
    """
    tol, _ = check_tol(tol, 1)
    prob = discounted_problem(P, R, gamma)
    near_deterministic = prob.stats.nnz <= LP_MAX_SUCCESSORS * prob.S * prob.A and prob.S * prob.A <= LP_MAX_PAIRS
    if near_deterministic or (not prob.sparse and prob.S <= DENSE_PI_MAX_S):
        warned = warn_if_below_floor(prob, tol)
        pi0 = solve_lp(prob).policy if near_deterministic else None
        res = howard(prob, 10_000, pi0)
        if not warned and res.error_bound > tol / 2:
            warn_above_tol(prob, res.error_bound, tol)
        return res
    return _iterate(prob, "auto", tol, 1_000_000)
