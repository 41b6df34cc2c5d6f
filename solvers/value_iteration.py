"""Value iteration and modified policy iteration with span-based stopping (Puterman 1994, sections 6.3, 6.5, 6.6).

Both share one loop: a full Bellman backup ``LV``, MacQueen's bounds on ``V*`` from ``(V, LV)``, then (MPI only)
``order`` partial evaluation sweeps with the greedy policy. Value iteration is the case ``order = 0``. Once the
greedy policy is settled, exact arithmetic shrinks ``span(LV - V)`` every sweep; where it does not, the sweeps' rounding
noise in ``V`` holds it up (a floor near ``sqrt(S) eps |V| / (1 - gamma)`` on long chains near ``gamma = 1``), and the
settled policy is evaluated exactly once (a Howard step) to certify from its value instead.

The loop never pays for a separate certifying backup: at the stopping sweep it returns ``V + k`` with the constant
``k = (min D + max D) / (2 (1 - gamma))``, ``D = LV - V``, whose backup is ``Q + gamma k`` (rows sum to 1) and whose
distance to ``V*`` is at most ``span(D) / (2 (1 - gamma))`` (MacQueen, Puterman Thm 6.6.3: ``V* - V`` lies in
``[min D, max D] / (1 - gamma)``). The first backup, of a constant ``V_0``, is ``R + gamma V_0 rowsum(P)``: the row
sums come from the validating pass; for dense ``P`` that pass also multiplies ``P`` by ``V_1 = max_a R + gamma V_0``
(:func:`._problem.first_sweep_vector`, ``L V_0`` up to the rows' sums), so it doubles as the first two sweeps.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._problem import Problem, check_tol, discounted_problem
from .evaluation import evaluate
from .result import PlanningResult, backup, certify, rounding_slack, warn_above_tol, warn_if_below_floor
from .validation import check_int

#: ``order="auto"``: partial sweeps are switched on once a backup shrinks span(LV - V) by less than this factor.
SLOW_MIXING_RATIO = 0.5
AUTO_ORDER = 50


def _iterate(prob: Problem, order, tol: float, max_iter: int) -> PlanningResult:
    """The shared VI/MPI loop; ``order`` is an int or ``"auto"`` (0 while the span of ``LV - V`` contracts fast,
    ``AUTO_ORDER`` once it contracts by less than ``SLOW_MIXING_RATIO`` per backup: slow mixing; then, whenever the
    greedy policy stayed the same over a backup while mixing stays slow, it is evaluated exactly, a Howard step that
    ends the run if its certificate meets ``tol``). Every order takes that Howard step, once per policy, when the span
    stalls under a settled greedy policy (rounding noise, see the module docstring).

    Stops once the certified ``error_bound`` of the shifted ``V + k`` (span term plus :func:`rounding_slack`) is at
    most ``tol / 2`` (then ``policy_gap <= tol``), or once the span term is below the rounding slack (float64 cannot
    do better; a warning says so)."""
    P2, R, gamma, S, A = prob.P2, prob.R, prob.gamma, prob.S, prob.A
    warned = warn_if_below_floor(prob, tol, stacklevel=4)
    m = 0 if order == "auto" else order
    v0 = R.min() / (1.0 - gamma)  # L V0 >= V0: monotone convergence from below (Puterman Thm 6.5.5)
    V = np.full(S, v0)
    Q = R + gamma * v0 * prob.stats.sums.reshape(S, A)  # = backup(P2, R, gamma, V), from the validating pass
    rows = np.arange(S) * A
    r_max, eta = prob.r_max, prob.stats.eta
    previous_span, previous_greedy, evaluated = np.inf, None, None
    for n in range(1, max_iter + 1):
        if n == 2 and order in (0, "auto") and prob.stats.product is not None:  # came with validation, V = probe
            V = prob.stats.probe
            Q = R + gamma * prob.stats.product.reshape(S, A)
        elif n > 1:
            Q = backup(P2, R, gamma, V)
        LV = Q.max(axis=1)
        D = LV - V
        lo, hi = float(D.min()), float(D.max())
        span = hi - lo
        k = (hi + lo) / (2.0 * (1.0 - gamma))
        v_max = float(np.abs(V).max()) + abs(k)
        q_bound = 2 * (r_max + (1 + eta) * v_max)  # >= |Q + gamma k| entrywise, rounding included
        slack = rounding_slack(prob, v_max, q_bound, span / 2, k)
        spread = span / (2.0 * (1.0 - gamma))
        if spread + slack <= tol / 2 or spread <= slack or n == max_iter:
            return _finish(prob, _shifted_result(prob, V + k, Q + gamma * k, k, n), tol, max_iter, n, warned)
        greedy = Q.argmax(axis=1)
        settled = previous_greedy is not None and np.array_equal(greedy, previous_greedy)
        slow = span > SLOW_MIXING_RATIO * previous_span
        # With the greedy policy d unchanged, D contracts as D_n = (gamma P_d)^(m+1) D_{n-1}: a span that does not
        # shrink is rounding noise accumulated in V by the sweeps, a floor the span test may never get under.
        stalled = settled and span >= previous_span
        if (stalled or (settled and order == "auto" and m and slow)) and not np.array_equal(greedy, evaluated):
            # evaluate the settled greedy policy exactly (a Howard step, Puterman 6.4), once per policy, to a
            # residual whose share of the certificate, residual / (1 - gamma), is at most tol / 4
            exact, evaluated = evaluate(prob, greedy, x0=LV, atol=(1.0 - gamma) * tol / 4), greedy
            result = _shifted_result(prob, exact.V, exact.Q, 0.0, n)
            if result.error_bound <= tol / 2:
                return _finish(prob, result, tol, max_iter, n, warned)
            V, previous_greedy, previous_span = exact.V, None, np.inf
            continue
        if order == "auto" and slow:
            m = AUTO_ORDER
        previous_span, previous_greedy = span, greedy
        V = LV
        if m:
            d = rows + greedy  # rows of the greedy policy in the (S*A, S) operator
            P_d, r_d = P2[d], R.ravel()[d]
            for _ in range(m):
                V = r_d + gamma * np.asarray(P_d @ V).ravel()
    raise AssertionError("unreachable")


def _finish(prob: Problem, result: PlanningResult, tol: float, max_iter: int, n: int, warned: bool):
    if n == max_iter and result.error_bound > tol / 2:
        warnings.warn(f"no convergence to tol={tol} in max_iter={max_iter} iterations", RuntimeWarning, stacklevel=4)
    elif not warned and result.error_bound > tol / 2:
        warn_above_tol(prob, result.error_bound, tol, stacklevel=4)
    return result


def _shifted_result(prob: Problem, V: np.ndarray, Q: np.ndarray, shift: float, iterations: int) -> PlanningResult:
    residual, error_bound, policy_gap = certify(prob, V, Q, shift)
    return PlanningResult(V, Q, Q.argmax(axis=1), iterations, residual, error_bound, policy_gap)


def value_iteration(P, R, gamma: float, *, tol: float = 1e-6, max_iter: int = 1_000_000) -> PlanningResult:
    """Value iteration ``V <- max_a [R + gamma P V]`` (Puterman 1994, section 6.3) with span stopping (section 6.6).

    Stops at the first sweep whose certified bound (MacQueen's ``span(LV_n - V_n) / (2 (1 - gamma))`` plus the
    float64 rounding floor of :mod:`.result`) is at most ``tol / 2`` (or, where rounding noise stalls the span, at
    an exact evaluation of the settled greedy policy that meets it; module docstring). Guarantees (Puterman Thm 6.6.3,
    Prop. 6.6.5): ``|V - V*| <= tol/2`` and the returned greedy policy is ``tol``-optimal, as certified by the result's
    ``error_bound`` and ``policy_gap``; where float64 cannot certify ``tol / 2`` at the model's scale
    (``n eps |R|max / (1 - gamma)^2`` and up), a ``RuntimeWarning`` says so at the start and the result certifies
    what was reached.

    Args:
        P: ``P[s, a, s']``; or sparse ``(S*A, S)`` with row ``s*A + a`` (a vertical stack of per-action matrices,
            rows ``a*S + s``, is a different MDP: pass those as a list); or a list of ``A`` per-action ``(S, S)``
            matrices ``P[a][s, s']`` (pymdptoolbox's layout).
        R: ``R[s, a]``. gamma: in [0, 1). tol: target policy gap (value units). max_iter: sweep limit.
    """
    tol, max_iter = check_tol(tol, max_iter)
    return _iterate(discounted_problem(P, R, gamma), 0, tol, max_iter)


def modified_policy_iteration(
    P, R, gamma: float, *, order: int = 20, tol: float = 1e-6, max_iter: int = 1_000_000
) -> PlanningResult:
    """Modified policy iteration (Puterman 1994, section 6.5): a backup, then ``order`` sweeps of ``V <- r_d + gamma
    P_d V`` with the greedy policy ``d``. Same layouts of ``P``, stopping rule and guarantees as
    :func:`value_iteration`; the partial sweeps use the ``(S, S)`` matrix ``P_d``, so they cost ``1/A`` of a backup
    (far less where ``P`` is sparse).
    """
    tol, max_iter = check_tol(tol, max_iter)
    order = check_int(order, "order", minimum=0)
    return _iterate(discounted_problem(P, R, gamma), order, tol, max_iter)
