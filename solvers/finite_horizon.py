"""Backward induction for finite-horizon MDPs (Puterman 1994, section 4.5).

Dense models run in one Numba kernel (loops over h, s, a, s'); a sparse homogeneous ``P`` runs one sparse
mat-vec per step. Shapes: ``P[s, a, s']`` / sparse ``(S*A, S)`` (homogeneous) or ``P[h, s, a, s']``;
``R[s, a]`` or ``R[h, s, a]``; values ``V[h, s]`` for ``h = 0..H-1`` (``V[H] = 0`` is implicit).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from .validation import check_horizon, check_real, check_real_array, check_rewards, row_sum_atol, step_operators
from .result import PlanningResult


@njit(cache=True, nogil=True)
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
    """Validate and return ``(P, R3, H, S, A, sparse, stats)``; ``P`` is ``(1|H, S, A, S)`` dense or ``(S*A, S)``
    CSR."""
    R = np.asarray(check_real_array(R, "R"))
    if R.ndim not in (2, 3):
        raise ValueError(f"R must be R[s, a] or R[h, s, a], got shape {R.shape}")
    R3 = check_rewards(R if R.ndim == 3 else R[None], "R", ndim=3)
    S, A = R3.shape[1:]
    if S < 1 or A < 1:
        raise ValueError(f"R must have at least one state and one action, got shape {R.shape}")
    P, H, stats = step_operators(P, S, A, H)
    if R.ndim == 3 and R3.shape[0] != H:  # a 1-step R[h, s, a] is not broadcast: pass R[s, a] for that
        raise ValueError(f"R[h, s, a] must have H = {H} steps, got {R3.shape[0]}")
    return P, np.ascontiguousarray(R3), H, S, A, sp.issparse(P), stats


def _sparse_backward(P2, R3, H, pi3, greedy):
    S, A = R3.shape[1:]
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = R3[h if R3.shape[0] > 1 else 0] + (P2 @ V[h + 1]).reshape(S, A)
        V[h] = Q[h].max(axis=1) if greedy else (pi3[h] * Q[h]).sum(axis=1)
    return V, Q, Q.argmax(axis=2)


def rounding_bound(V, Q, R3, stats, terms: int = 0, eta_pi: float = 0.0) -> float:
    """Certified bound on ``max_h |V~_h - V_h|`` for the float64 recursion ``V~_h = op(R_h + P_h V~_{h+1})``.

    Step ``h`` adds ``delta_h = eps ((n + 2)(|R_h|max + (1 + eta)|V~_{h+1}|max) + terms (1 + eta_pi)|Q~_h|max)``
    (Higham 2002, eq. (3.5), as in :mod:`.result`; ``terms`` = actions summed by a stochastic policy, 0 for the max
    or a deterministic pick) and carries the next step's error with factor ``rho = (1 + eta)(1 + eta_pi)``, so
    ``e_0 = sum_h rho^h delta_h`` (``e_h`` decreases in ``h``)."""
    H = Q.shape[0]
    eps = np.finfo(np.float64).eps
    n, eta = stats.max_nnz, stats.eta
    r = np.abs(R3).max(axis=(1, 2)) * np.ones(H)
    v_next = np.abs(V[1:H + 1]).max(axis=1)
    q = np.abs(Q).max(axis=(1, 2))
    delta = eps * ((n + 2) * (r + (1 + eta) * v_next) + terms * (1 + eta_pi) * q)
    rho = (1 + eta) * (1 + eta_pi)
    return float(np.sum(rho ** np.arange(H) * delta) * (1 + 4 * eps))


def _run(P, R, H, pi3, greedy):
    P4, R3, H, S, A, is_sparse, stats = _finite_problem(P, R, H)
    if pi3 is None:
        pi3 = np.zeros((1, 1, 1))
    run = _sparse_backward if is_sparse else backward_kernel
    return run(P4, R3, H, pi3, greedy), H, R3, stats


def backward_induction(P, R, H: int | None = None) -> PlanningResult:
    """Optimal ``V*_h``, ``Q*_h`` and a deterministic optimal policy by backward induction (Puterman 1994, Thm 4.5.1).

    Exact up to floating point: ``residual = 0``; ``error_bound`` certifies ``|V - V*|`` against the float64 rounding
    of the recursion (:func:`rounding_bound`) and ``policy_gap = 2 error_bound`` (the same float recursion evaluates
    the greedy policy). ``P``: ``P[s, a, s']``, sparse ``(S*A, S)`` (row ``s*A + a``) or a list of per-action
    ``(S, S)`` matrices (homogeneous; ``H`` required), or ``P[h, s, a, s']`` (``H`` inferred). Ties go to the lowest
    action.
    """
    (V, Q, policy), H, R3, stats = _run(P, R, H, None, True)
    e = rounding_bound(V, Q, R3, stats)
    return PlanningResult(V[:H], Q, policy, H, 0.0, e, 2 * e)


def _check_markov_policy(pi, H: int | None, S: int, A: int) -> tuple[np.ndarray, int]:
    """Validate ``pi[h, s]`` (integer actions) or ``pi[h, s, a]``; return it as ``(H, S, A)`` probabilities and
    ``H``."""
    pi = check_real_array(pi, "pi")
    if pi.ndim not in (2, 3):
        raise ValueError(f"pi must be pi[h, s] or pi[h, s, a], got shape {pi.shape}")
    if pi.shape[0] < 1:
        raise ValueError(f"pi must have at least one step (H >= 1), got shape {pi.shape}")
    H = pi.shape[0] if H is None else check_horizon(H)
    if pi.shape[:2] != (H, S):
        raise ValueError(f"pi must have leading shape (H, S) = ({H}, {S}), got {pi.shape}")
    if pi.ndim == 2:
        if pi.dtype.kind not in "iu":
            raise TypeError(f"deterministic pi[h, s] must hold integer actions, got dtype {pi.dtype}")
        bad = (pi < 0) | (pi >= A)
        if bad.any():
            h, s = np.argwhere(bad)[0].tolist()
            raise ValueError(f"pi[{h}, {s}] = {pi[h, s]} is not an action in [0, {A})")
        pi3 = np.zeros((H, S, A))
        np.put_along_axis(pi3, pi[..., None].astype(np.int64), 1.0, axis=2)
        return pi3, H
    if pi.shape[2] != A:
        raise ValueError(f"pi[h, s, a] must have A = {A} actions, got {pi.shape[2]}")
    atol = row_sum_atol(pi.dtype, A)
    pi3 = np.asarray(pi, dtype=np.float64)
    bad = ~np.isfinite(pi3).all(axis=2) | (pi3 < 0).any(axis=2)
    with np.errstate(invalid="ignore"):
        bad |= ~(np.abs(pi3.sum(axis=2) - 1) <= atol)
    if bad.any():
        h, s = np.argwhere(bad)[0].tolist()
        raise ValueError(f"pi[{h}, {s}] is not a probability vector over actions (negative, non-finite, or sums to "
                         f"{float(pi3[h, s].sum())!r}; dtype {pi.dtype})")
    return pi3, H


def finite_horizon_evaluation(P, R, pi, H: int | None = None) -> PlanningResult:
    """Exact ``V^pi_h`` and ``Q^pi_h`` of a Markov policy, deterministic ``pi[h, s]`` or stochastic ``pi[h, s, a]``.

    ``H`` defaults to ``pi.shape[0]``. Returns ``policy = pi``, ``residual = 0``, ``error_bound`` the certified float64
    rounding of the recursion (:func:`rounding_bound`), ``policy_gap = None``.
    """
    R_arr = check_real_array(R, "R")
    if R_arr.ndim not in (2, 3):
        raise ValueError(f"R must be R[s, a] or R[h, s, a], got shape {R_arr.shape}")
    S, A = R_arr.shape[-2:]
    pi3, H = _check_markov_policy(pi, H, S, A)
    (V, Q, _), H, R3, stats = _run(P, R, H, np.ascontiguousarray(pi3), False)
    stochastic = np.ndim(pi) == 3
    eta_pi = float(np.abs(pi3.sum(axis=2) - 1).max()) + (A + 1) * np.finfo(np.float64).eps if stochastic else 0.0
    e = rounding_bound(V, Q, R3, stats, A if stochastic else 0, eta_pi)
    return PlanningResult(V[:H], Q, np.asarray(pi), H, 0.0, e, None)


@njit(cache=True, nogil=True)
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
    policies = check_real_array(policies, "policies")
    if policies.dtype.kind not in "iu":
        raise TypeError(f"policies must hold integer actions, got dtype {policies.dtype}")
    if policies.shape[0] < 1 or policies.shape[1] < 1:
        raise ValueError(f"policies must hold at least one policy of at least one step, got shape {policies.shape}")
    P4, R3, H, S, A, is_sparse, _ = _finite_problem(P, R, policies.shape[1])
    if is_sparse:
        raise ValueError("evaluate_policies needs a dense P")
    if policies.shape[2] != S or policies.min() < 0 or policies.max() >= A:
        raise ValueError(f"policies must hold actions in [0, {A}) for S = {S} states")
    starts = check_real_array(starts, "starts")
    if starts.dtype.kind not in "iu":
        raise TypeError(f"starts must hold integer states, got dtype {starts.dtype}")
    starts = starts.astype(np.int64)
    if starts.shape != (policies.shape[0],) or starts.min() < 0 or starts.max() >= S:
        raise ValueError(f"starts must be {policies.shape[0]} states in [0, {S})")
    epsilon = check_real(epsilon, "epsilon")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    return _evaluate_policies_kernel(P4, R3, np.ascontiguousarray(policies), starts, float(epsilon))
