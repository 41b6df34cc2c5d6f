"""The result every planner returns, and the a-posteriori certificates shared by all discounted planners.

Certificates are rigorous for the MDP exactly as stored (float64 ``P``, ``R``): they include the rounding of the
float64 Bellman backup and the deviation of the stored rows' exact sums from 1. With ``eps = 2**-52``, ``n`` the most
non-zeros in a row of ``P`` and ``eta`` a bound on ``|sum_s' P(s'|s, a) - 1|``, the computed backup
``Q~ = fl(R + gamma * P V)`` satisfies, entrywise (Higham 2002, *Accuracy and Stability of Numerical Algorithms*,
eq. (3.5): ``|fl(x.y) - x.y| <= gamma_n |x|.|y|`` in any summation order, ``gamma_n = n u / (1 - n u) <= n eps``;
zero terms add no rounding):

    |Q~ - (R + gamma P V)| <= (n + 2) eps (|R|max + gamma (1 + eta) |V|max).                          (1)

MacQueen's bounds are then computed for the row-normalised kernel ``P~ = P / rowsum`` (``|P V - P~ V| <= eta |V|max``),
widened by the backup error ``delta`` (1), the subtraction ``LV - V`` and the shift of :func:`certify` as
``delta / (1 - gamma)``, and moved from ``P~`` to ``P`` by ``kappa = gamma eta |R|max / ((1-gamma)(1-gamma(1+eta)))``
(``|V*_P - V*_P~| <= gamma eta |V*_P~|max / (1 - gamma (1 + eta))``, same for ``V^d``). The resulting *rounding floor*
grows like ``n eps |R|max / (1 - gamma)^2``: at ``|R| = 1000``, ``gamma = 0.9999`` it exceeds 1e-6 for any ``n``, and
planners warn when the requested ``tol`` lies below it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._problem import Problem

EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class PlanningResult:
    """Output of a planner.

    Discounted problems: ``V[s]``, ``Q[s, a]``, ``policy[s]``; finite horizon: ``V[h, s]``, ``Q[h, s, a]``,
    ``policy[h, s]``.

    Attributes:
        V: value estimate returned by the method.
        Q: ``R + gamma * P V`` (one backup of ``V``; finite horizon: ``R_h + P_h V_{h+1}``), in float64.
        policy: greedy policy with respect to ``Q`` (for ``policy_evaluation``: the evaluated policy).
        iterations: sweeps / improvement steps / simplex iterations, as the method counts them.
        residual: Bellman residual ``max_s |max_a Q(s, a) - V(s)|`` of the returned ``V`` (for
            ``policy_evaluation``: of the policy's own Bellman equation), as computed in float64.
        error_bound: certified upper bound on ``max_s |V(s) - V_target(s)|`` where the target is ``V*`` (planners) or
            ``V^pi`` (evaluation) of the stored model, float64 rounding included (module docstring).
        policy_gap: certified upper bound on ``max_s V*(s) - V^policy(s)``, rounding included; ``None`` where it does
            not apply.
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


def backup_error(prob: Problem, v_max: float, q_max: float, shift: float = 0.0) -> float:
    """Entrywise bound on ``|Q~ - (R + gamma P~ (V + shift))|`` for ``Q~ = fl(fl(R + gamma P V) + gamma shift)``:
    the backup's rounding (1), the subtraction ``LV - V``, the shift, and ``|P V - P~ V| <= eta |V|max``.
    ``v_max`` bounds ``|V + shift|``, ``q_max`` bounds ``|Q~|``."""
    g, eta, n = prob.gamma, prob.stats.eta, prob.stats.max_nnz
    v = v_max + abs(shift)  # bounds |V| of the vector actually multiplied
    return EPS * ((n + 2) * (prob.r_max + (1 + eta) * v) + q_max + v_max + abs(shift)) + g * eta * v


def _kappa(prob: Problem) -> float:
    """``max |V_P - V_P~|`` over ``V*`` and every ``V^d``: from the normalised kernel ``P~`` to the stored ``P``."""
    g, eta = prob.gamma, prob.stats.eta
    if g * (1 + eta) >= 1:
        return np.inf
    return g * eta * prob.r_max / ((1 - g) * (1 - g * (1 + eta)))


def rounding_slack(prob: Problem, v_max: float, q_max: float, d_max: float, shift: float = 0.0) -> float:
    """What rounding adds to a span-based ``error_bound`` (twice this bounds its share of ``policy_gap``)."""
    g = prob.gamma
    arith = 3 * EPS * (q_max + v_max + g / (1 - g) * d_max)  # evaluating MacQueen's bounds in float64
    return arith + backup_error(prob, v_max, q_max, shift) / (1 - g) + _kappa(prob)


def rounding_floor(prob: Problem) -> float:
    """The least ``error_bound`` float64 can certify at this model's scale (``|V*| <= |R|max / (1 - gamma)``)."""
    v = prob.r_max / (1 - prob.gamma)
    return rounding_slack(prob, v, prob.r_max + v, 0.0)


def floor_parts(prob: Problem) -> tuple[float, float]:
    """:func:`rounding_floor` split by cause: ``(arithmetic, rows)``, the float64 arithmetic's share (the floor of the
    same model with rows summing to 1 up to their summation's rounding) and the share of the stored rows' measured
    deviation from 1 (``kappa`` and the ``eta`` terms, growing like ``gamma |sum - 1| |R|max / (1 - gamma)^2``)."""
    arithmetic = rounding_floor(replace(prob, stats=replace(prob.stats, eta=(prob.stats.max_nnz + 1) * EPS)))
    return arithmetic, max(rounding_floor(prob) - arithmetic, 0.0)


def _limit(prob: Problem) -> tuple[bool, str]:
    """``(rows dominate, what limits the certificate, with its size and the fix)``."""
    arithmetic, rows = floor_parts(prob)
    if rows > arithmetic:
        deviation = float(np.abs(prob.stats.sums - 1).max())
        return True, (
            f"the rows of P sum to 1 only within {deviation:.2g}, which alone puts {rows:.2g} into the certified "
            f"|V - V*| at gamma = {prob.gamma} (float64 rounding adds {arithmetic:.2g}); normalise the rows in "
            "float64, P / P.sum(-1, keepdims=True) (sparse (S*A, S) P: divide each row by its sum)")
    return False, (
        f"float64 rounding alone may contribute {arithmetic + rows:.2g} to |V - V*| at this scale (|R|max = "
        f"{prob.r_max:g}, gamma = {prob.gamma}, up to {prob.stats.max_nnz} successors per row); rescale R, or ask for "
        "tol >= 2 * that")


def warn_if_below_floor(prob: Problem, tol: float, stacklevel: int = 3) -> bool:
    """Warn (``RuntimeWarning``) and return True when ``|V - V*| <= tol / 2`` cannot be certified for the stored
    model, naming the dominant cause: float64 rounding, or rows that sum to 1 only within the accepted tolerance."""
    if rounding_floor(prob) <= tol / 2:
        return False
    rows, cause = _limit(prob)
    head = "cannot be certified for P as stored" if rows else "is below what float64 can certify"
    warnings.warn(f"tol={tol:g} {head}: {cause}. |V - V*| <= tol/2 cannot be promised; the result's error_bound "
                  "states what was certified", RuntimeWarning, stacklevel=stacklevel)
    return True


def _round_up(x: float) -> float:
    """``x`` rounded up to two significant digits (a tol quoted to the user must not fall below ``x``)."""
    step = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / step * (1 - 1e-12)) * step


def warn_above_tol(prob: Problem, error_bound: float, tol: float, stacklevel: int = 3) -> None:
    """Warn (``RuntimeWarning``) that a finished run certified ``error_bound > tol / 2``: the tol this run can
    certify (``2 * error_bound``), and the dominant cause where the rows of ``P`` are to blame. (The floor estimated
    before the run leaves out the rounding noise of the MacQueen interval itself, so the run's own bound is quoted.)"""
    rows, cause = _limit(prob)
    advice = cause if rows else (f"float64 rounding at this scale (|R|max = {prob.r_max:g}, gamma = {prob.gamma}, up "
                                 f"to {prob.stats.max_nnz} successors per row); rescale R, or ask for tol >= "
                                 f"{_round_up(2 * error_bound):g}")
    warnings.warn(f"the certified error {error_bound:.2g} exceeds tol/2 = {tol / 2:g}: {advice}", RuntimeWarning,
                  stacklevel=stacklevel + 1)


def certify(prob: Problem, V: np.ndarray, Q: np.ndarray, shift: float = 0.0) -> tuple[float, float, float]:
    """``(residual, error_bound, policy_gap)`` for ``V`` and its computed backup ``Q``.

    MacQueen's bounds (Puterman 1994, Thm 6.6.3): with ``D = LV - V``, ``c = gamma / (1 - gamma)``,
    ``LV + c min D <= V* <= LV + c max D``; the greedy policy ``d`` satisfies ``V^d >= LV + c min D`` too, so
    ``V* - V^d <= c span(D)`` (Prop. 6.6.5). Both are widened by :func:`rounding_slack`. ``shift``: ``V`` and ``Q``
    were obtained as ``V_0 + shift`` and ``Q(V_0) + gamma shift`` (the rounding of that step is included).
    """
    LV = Q.max(axis=1)
    D = LV - V
    c = prob.gamma / (1.0 - prob.gamma)
    d_lo, d_hi = float(D.min()), float(D.max())
    lo, hi = LV + c * d_lo, LV + c * d_hi
    v_max, q_max, d_max = float(np.abs(V).max()), float(np.abs(Q).max()), max(abs(d_lo), abs(d_hi))
    slack = rounding_slack(prob, v_max, q_max, d_max, shift)
    error_bound = float(np.max(np.maximum(hi - V, V - lo))) + slack
    policy_gap = c * (d_hi - d_lo) + 2 * slack
    return d_max, error_bound * (1 + 4 * EPS), policy_gap * (1 + 4 * EPS)


def certified_result(prob: Problem, V: np.ndarray, iterations: int) -> PlanningResult:
    """Back up ``V`` once, act greedily, and attach the certificates of :func:`certify`."""
    Q = backup(prob.P2, prob.R, prob.gamma, V)
    residual, error_bound, policy_gap = certify(prob, V, Q)
    return PlanningResult(V, Q, Q.argmax(axis=1), iterations, residual, error_bound, policy_gap)
