"""Unpack ``(P, R, gamma)`` once for every discounted planner."""

from __future__ import annotations

import numpy as np

from .validation import as_row_operator, check_gamma, check_rewards


def discounted_problem(P, R, gamma, validate: bool = True, sparsify_below: float = 0.0):
    """Return ``(P2, R, gamma, S, A)`` with ``P2`` the ``(S*A, S)`` row operator; raise ``ValueError`` on bad input.
    A dense ``P`` with at most a ``sparsify_below`` fraction of non-zeros is returned as CSR."""
    R = check_rewards(R, "R", ndim=2)
    S, A = R.shape
    if S < 1 or A < 1:
        raise ValueError(f"R must have at least one state and one action, got shape {R.shape}")
    gamma = check_gamma(gamma)
    return as_row_operator(P, S, A, "P", validate, sparsify_below), R, gamma, S, A


def check_tol(tol: float, max_iter: int) -> None:
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
