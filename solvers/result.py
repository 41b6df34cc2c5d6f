"""The result every planner returns, and the a-posteriori certificates shared by all discounted planners."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PlanningResult:
    """Output of a planner.

    Discounted problems: ``V[s]``, ``Q[s, a]``, ``policy[s]``; finite horizon: ``V[h, s]``, ``Q[h, s, a]``,
    ``policy[h, s]``.

    Attributes:
        V: value estimate returned by the method.
        Q: ``R + gamma * P V`` (one backup of ``V``; finite horizon: ``R_h + P_h V_{h+1}``).
        policy: greedy policy with respect to ``Q`` (for ``policy_evaluation``: the evaluated policy).
        iterations: sweeps / improvement steps / simplex iterations, as the method counts them.
        residual: Bellman residual ``max_s |max_a Q(s, a) - V(s)|`` of the returned ``V`` (for
            ``policy_evaluation``: of the policy's own Bellman equation).
        error_bound: certified upper bound on ``max_s |V(s) - V_target(s)|`` where the target is ``V*`` (planners) or
            ``V^pi`` (evaluation).
        policy_gap: certified upper bound on ``max_s V*(s) - V^policy(s)``; ``None`` where it does not apply.
    """

    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    iterations: int
    residual: float
    error_bound: float
    policy_gap: float | None


def backup(P2, R: np.ndarray, gamma: float, V: np.ndarray) -> np.ndarray:
    """One Bellman backup ``Q = R + gamma * P V`` on the ``(S*A, S)`` row operator (BLAS or sparse mat-vec)."""
    return R + gamma * np.asarray(P2 @ V).reshape(R.shape)


def span_bounds(V: np.ndarray, LV: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """MacQueen's bounds (Puterman 1994, Thm 6.6.3): ``lo <= V* <= hi`` elementwise, for any ``V``.

    With ``D = LV - V``: ``lo = LV + gamma/(1-gamma) min D`` and ``hi = LV + gamma/(1-gamma) max D``. The greedy
    policy ``d`` w.r.t. ``V`` satisfies ``V^d >= lo`` as well, hence ``V* - V^d <= gamma/(1-gamma) span(D)``
    (Puterman 1994, Prop. 6.6.5).
    """
    D = LV - V
    c = gamma / (1.0 - gamma)
    return LV + c * D.min(), LV + c * D.max()


def certify(V: np.ndarray, Q: np.ndarray, gamma: float) -> tuple[float, float, float]:
    """``(residual, error_bound, policy_gap)`` for ``V`` and ``Q = R + gamma P V``; see :class:`PlanningResult`."""
    LV = Q.max(axis=1)
    lo, hi = span_bounds(V, LV, gamma)
    residual = float(np.max(np.abs(LV - V)))
    error_bound = float(np.max(np.maximum(np.abs(hi - V), np.abs(V - lo))))
    return residual, error_bound, float(np.max(hi - lo))


def certified_result(P2, R: np.ndarray, gamma: float, V: np.ndarray, iterations: int) -> PlanningResult:
    """Back up ``V`` once, act greedily, and attach the certificates of :func:`certify`."""
    Q = backup(P2, R, gamma, V)
    residual, error_bound, policy_gap = certify(V, Q, gamma)
    return PlanningResult(V, Q, Q.argmax(axis=1), iterations, residual, error_bound, policy_gap)
