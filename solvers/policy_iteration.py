"""Howard's policy iteration (Puterman 1994, section 6.4)."""

from __future__ import annotations

import warnings

import numpy as np

from ._problem import Problem, discounted_problem
from .evaluation import evaluate
from .result import EPS, PlanningResult, certify
from .validation import check_int, check_policy


def policy_iteration(P, R, gamma: float, *, max_iter: int = 10_000, pi0=None) -> PlanningResult:
    """Policy iteration: exact evaluation, then greedy improvement keeping the current action on ties.

    Terminates in finitely many steps with an optimal policy and ``V = V*`` up to the linear solve (Puterman 1994,
    Thm 6.4.2); ``iterations`` counts evaluations. The result's ``error_bound``/``policy_gap`` certify it, float64
    rounding included. Each evaluation is warm-started from the previous value (see :func:`policy_evaluation` for
    the choice of linear solver). ``P`` in any layout of :func:`value_iteration`. ``pi0``: initial deterministic
    policy, an integer array (default: greedy w.r.t. ``R``); float arrays are refused, not rounded.
    """
    prob = discounted_problem(P, R, gamma)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    pi0 = None if pi0 is None else check_policy(pi0, prob.S, prob.A, "pi0")
    if pi0 is not None and pi0.ndim != 1:
        raise ValueError(f"pi0 must be a deterministic policy pi0[s], got shape {pi0.shape}")
    return howard(prob, max_iter, pi0)


def howard(prob: Problem, max_iter: int, pi0: np.ndarray | None) -> PlanningResult:
    """Policy iteration on a validated problem (shared with :func:`solvers.solve`)."""
    R, gamma, S = prob.R, prob.gamma, prob.S
    pi = R.argmax(axis=1) if pi0 is None else pi0
    rows = np.arange(S)
    scale = max(1.0, prob.r_max / (1.0 - gamma))
    V = None
    for n in range(1, max_iter + 1):
        res = evaluate(prob, pi, V)
        V, Q = res.V, res.Q
        best = Q.argmax(axis=1)
        improve = Q[rows, best] > Q[rows, pi] + 1e-12 * scale  # strict improvement only: no cycling on ties
        if not improve.any():
            residual, error_bound, policy_gap = certify(prob, V, Q)
            # pi keeps near-tied actions: L_pi V >= LV - tie, so its MacQueen lower bound drops by tie / (1 - gamma)
            tie = float(np.max(Q[rows, best] - Q[rows, pi])) * (1 + EPS)
            return PlanningResult(V, Q, pi, n, residual, error_bound, (policy_gap + tie / (1 - gamma)) * (1 + 2 * EPS))
        pi = np.where(improve, best, pi)
    warnings.warn(f"policy iteration did not stop in max_iter={max_iter}", RuntimeWarning, stacklevel=3)
    residual, error_bound, policy_gap = certify(prob, V, Q)
    return PlanningResult(V, Q, Q.argmax(axis=1), max_iter, residual, error_bound, policy_gap)
