"""Howard's policy iteration (Puterman 1994, section 6.4)."""

from __future__ import annotations

import warnings

import numpy as np

from ._problem import discounted_problem
from .evaluation import solve_policy_system
from .result import PlanningResult, backup, certify


def policy_iteration(P, R, gamma: float, *, max_iter: int = 10_000, pi0=None) -> PlanningResult:
    """Policy iteration: exact evaluation, then greedy improvement keeping the current action on ties.

    Terminates in finitely many steps with an optimal policy and ``V = V*`` up to the linear solve (Puterman 1994,
    Thm 6.4.2); ``iterations`` counts evaluations. The result's ``error_bound``/``policy_gap`` certify it numerically.
    ``pi0``: initial deterministic policy (default: greedy w.r.t. ``R``).
    """
    P2, R, gamma, S, A = discounted_problem(P, R, gamma)
    return _howard(P2, R, gamma, S, A, max_iter, pi0)


def _howard(P2, R, gamma, S, A, max_iter, pi0) -> PlanningResult:
    """Policy iteration on a validated ``(S*A, S)`` row operator (shared with :func:`solvers.solve`)."""
    pi = R.argmax(axis=1) if pi0 is None else np.asarray(pi0, dtype=np.int64)
    if pi.shape != (S,) or pi.min() < 0 or pi.max() >= A:
        raise ValueError(f"pi0 must be integer actions in [0, {A}) of shape ({S},)")
    rows = np.arange(S)
    scale = max(1.0, float(np.abs(R).max()) / (1.0 - gamma))
    for n in range(1, max_iter + 1):
        d = rows * A + pi  # rows of the policy in the (S*A, S) operator
        V = solve_policy_system(P2[d], R.ravel()[d], gamma)
        Q = backup(P2, R, gamma, V)
        best = Q.argmax(axis=1)
        improve = Q[rows, best] > Q[rows, pi] + 1e-12 * scale  # strict improvement only: no cycling on ties
        if not improve.any():
            residual, error_bound, policy_gap = certify(V, Q, gamma)
            return PlanningResult(V, Q, pi, n, residual, error_bound, policy_gap)
        pi = np.where(improve, best, pi)
    warnings.warn(f"policy iteration did not stop in max_iter={max_iter}", RuntimeWarning, stacklevel=3)
    residual, error_bound, policy_gap = certify(V, Q, gamma)
    return PlanningResult(V, Q, Q.argmax(axis=1), max_iter, residual, error_bound, policy_gap)
