"""Backward induction for finite-horizon MDPs (Puterman 1994, section 4.5).

Dense models run in one Numba kernel (loops over h, s, a, s'); a sparse homogeneous ``P`` runs one sparse
mat-vec per step. Shapes: ``P[s, a, s']`` / sparse ``(S*A, S)`` (homogeneous) or ``P[h, s, a, s']``;
``R[s, a]`` or ``R[h, s, a]``; values ``V[h, s]`` for ``h = 0..H-1`` (``V[H] = 0`` is implicit).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from .validation import as_step_operators, check_rewards
from .result import PlanningResult


@njit(cache=True)
def backward_kernel(P4, R3, H, pi3, greedy):
    """``Q_h = R_h + P_h V_{h+1}``; ``V_h = max_a Q_h`` if ``greedy`` else ``sum_a pi3[h] Q_h``.

    ``P4`` is ``(1 or H, S, A, S)`` and ``R3`` is ``(1 or H, S, A)`` (a leading 1 means homogeneous).
    Returns ``V (H+1, S)``, ``Q (H, S, A)``, greedy ``policy (H, S)``.
    """
    S, A = R3.shape[1], R3.shape[2]
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    policy = np.zeros((H, S), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        Ph = P4[h if P4.shape[0] > 1 else 0]
        Rh = R3[h if R3.shape[0] > 1 else 0]
        for s in range(S):
            best = -np.inf
            value = 0.0
            for a in range(A):
                q = Rh[s, a]
                for t in range(S):
                    q += Ph[s, a, t] * V[h + 1, t]
                Q[h, s, a] = q
                if q > best:
                    best = q
                    policy[h, s] = a
                if not greedy:
                    value += pi3[h, s, a] * q
            V[h, s] = best if greedy else value
    return V, Q, policy


def _finite_problem(P, R, H):
    """Validate and return ``(P, R3, H, S, A, sparse)``; ``P`` is ``(1|H, S, A, S)`` dense or ``(S*A, S)`` CSR."""
    R = np.asarray(R, dtype=np.float64)
    if R.ndim not in (2, 3):
        raise ValueError(f"R must be R[s, a] or R[h, s, a], got shape {R.shape}")
    R3 = check_rewards(R if R.ndim == 3 else R[None], "R", ndim=3)
    S, A = R3.shape[1:]
    P, H = as_step_operators(P, S, A, H)
    if R3.shape[0] not in (1, H):
        raise ValueError(f"R[h, s, a] must have H = {H} steps, got {R3.shape[0]}")
    return P, np.ascontiguousarray(R3), H, S, A, sp.issparse(P)


def _sparse_backward(P2, R3, H, pi3, greedy):
    S, A = R3.shape[1:]
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = R3[h if R3.shape[0] > 1 else 0] + (P2 @ V[h + 1]).reshape(S, A)
        V[h] = Q[h].max(axis=1) if greedy else (pi3[h] * Q[h]).sum(axis=1)
    return V, Q, Q.argmax(axis=2)


def _run(P, R, H, pi3, greedy):
    P4, R3, H, S, A, is_sparse = _finite_problem(P, R, H)
    if pi3 is None:
        pi3 = np.zeros((1, 1, 1))
    run = _sparse_backward if is_sparse else backward_kernel
    return run(P4, R3, H, pi3, greedy), H, S, A


def backward_induction(P, R, H: int | None = None) -> PlanningResult:
    """Optimal ``V*_h``, ``Q*_h`` and a deterministic optimal policy by backward induction (Puterman 1994, Thm 4.5.1).

    Exact up to floating point: ``residual = error_bound = policy_gap = 0``. ``H`` is required for a homogeneous ``P``
    and inferred from ``P[h, s, a, s']`` otherwise. Ties go to the lowest action.
    """
    (V, Q, policy), H, S, A = _run(P, R, H, None, True)
    return PlanningResult(V[:H], Q, policy, H, 0.0, 0.0, 0.0)


def finite_horizon_evaluation(P, R, pi, H: int | None = None) -> PlanningResult:
    """Exact ``V^pi_h`` and ``Q^pi_h`` of a Markov policy, deterministic ``pi[h, s]`` or stochastic ``pi[h, s, a]``.

    ``H`` defaults to ``pi.shape[0]``. Returns ``policy = pi``, ``residual = error_bound = 0``, ``policy_gap = None``.
    """
    pi = np.asarray(pi)
    if pi.ndim not in (2, 3):
        raise ValueError(f"pi must be pi[h, s] or pi[h, s, a], got shape {pi.shape}")
    H = pi.shape[0] if H is None else H
    R_arr = np.asarray(R)
    S, A = R_arr.shape[-2:]
    if pi.shape[:2] != (H, S):
        raise ValueError(f"pi must have leading shape (H, S) = ({H}, {S}), got {pi.shape}")
    if pi.ndim == 2:
        if not np.issubdtype(pi.dtype, np.integer) or pi.min() < 0 or pi.max() >= A:
            raise ValueError(f"deterministic pi[h, s] must hold integer actions in [0, {A})")
        pi3 = np.zeros((H, S, A))
        np.put_along_axis(pi3, pi[..., None].astype(np.int64), 1.0, axis=2)
    else:
        if pi.shape[2] != A:
            raise ValueError(f"pi[h, s, a] must have A = {A} actions, got {pi.shape[2]}")
        pi3 = np.asarray(pi, dtype=np.float64)
        bad = ~np.isfinite(pi3) | (pi3 < 0)
        if bad.any() or np.any(np.abs(pi3.sum(axis=2) - 1) > 1e-8):
            h, s = (np.argwhere(bad.any(axis=2) | (np.abs(pi3.sum(axis=2) - 1) > 1e-8))[0]).tolist()
            raise ValueError(f"pi[{h}, {s}] is not a probability vector over actions")
    (V, Q, _), H, S, A = _run(P, R, H, np.ascontiguousarray(pi3), False)
    return PlanningResult(V[:H], Q, pi, H, 0.0, 0.0, None)


@njit(cache=True)
def _evaluate_policies_kernel(P4, R3, policies, starts, epsilon):
    K, H, S = policies.shape
    A = R3.shape[2]
    values = np.empty(K)
    V = np.zeros((H + 1, S))
    for k in range(K):
        same = k > 0
        if same:
            for h in range(H):
                for s in range(S):
                    if policies[k, h, s] != policies[k - 1, h, s]:
                        same = False
                        break
                if not same:
                    break
        if not same:  # consecutive episodes often commit to the same policy: evaluate it once
            for h in range(H - 1, -1, -1):
                Ph = P4[h if P4.shape[0] > 1 else 0]
                Rh = R3[h if R3.shape[0] > 1 else 0]
                for s in range(S):
                    greedy_value = 0.0
                    uniform_value = 0.0
                    for a in range(A):
                        if epsilon == 0.0 and a != policies[k, h, s]:
                            continue
                        q = Rh[s, a]
                        for t in range(S):
                            q += Ph[s, a, t] * V[h + 1, t]
                        uniform_value += q / A
                        if a == policies[k, h, s]:
                            greedy_value = q
                    V[h, s] = (1.0 - epsilon) * greedy_value + epsilon * uniform_value
        values[k] = V[0, starts[k]]
    return values


def evaluate_policies(P, R, policies, starts, epsilon: float = 0.0) -> np.ndarray:
    """Exact values ``V^{pi_k}_0(s_k)`` of a sequence of deterministic Markov policies ``policies[k, h, s]``
    (each mixed with a uniformly random action w.p. ``epsilon``) from start states ``starts[k]``. Dense ``P``.
    Consecutive equal policies are evaluated once."""
    policies = np.asarray(policies)
    if policies.ndim != 3:
        raise ValueError(f"policies must be policies[k, h, s], got shape {policies.shape}")
    P4, R3, H, S, A, is_sparse = _finite_problem(P, R, policies.shape[1])
    if is_sparse:
        raise ValueError("evaluate_policies needs a dense P")
    if policies.shape[2] != S or policies.min() < 0 or policies.max() >= A:
        raise ValueError(f"policies must hold actions in [0, {A}) for S = {S} states")
    starts = np.asarray(starts, dtype=np.int64)
    if starts.shape != (policies.shape[0],) or starts.min() < 0 or starts.max() >= S:
        raise ValueError(f"starts must be {policies.shape[0]} states in [0, {S})")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    return _evaluate_policies_kernel(P4, R3, np.ascontiguousarray(policies), starts, float(epsilon))
