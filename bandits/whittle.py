"""The Whittle index, its indexability check, and the Lagrangian (LP) relaxation upper bound of a restless bandit.

Objective throughout: the discounted total reward ``E[sum_t gamma^t sum_j R[j, s_jt, a_jt]]`` from the product of
the arms' initial distributions, under ``sum_j a_jt <= B`` at every step (:mod:`.restless`).

- **Charged single-arm MDP.** Arm ``j`` with a charge ``lam`` per active step: rewards ``R[j, s, a] - lam a``,
  optimal value ``V_j(lam)``, action values ``Q_j(lam)``. Charging the active action ``lam`` is Whittle's (1988)
  subsidy ``lam`` for the passive action shifted by the constant ``lam / (1 - gamma)``: the same decisions. Many
  charged arms are solved at once as one block-diagonal sparse MDP by ``solvers.policy_iteration`` (exact up to the
  linear solves, with a certified ``error_bound`` on ``V``).
- **Whittle index** (Whittle 1988, section 3): ``W_j(s)`` is the charge at which both actions are optimal in state
  ``s``, a root of ``f(lam) = Q_j(lam)(s, 1) - Q_j(lam)(s, 0)``. With rewards in [0, 1], ``f >= 0`` at ``lam =
  -1/(1 - gamma)`` (all-active is optimal there) and ``f <= 0`` at ``+1/(1 - gamma)``, so bisection on that bracket,
  all ``(j, s)`` pairs in one solve per step, finds a root. A computed ``f`` is within ``e`` of the exact one (``e``
  from the solver's certified error bound), so each test with ``|f| > e`` has a certified sign; the bracket holds
  a root wherever its end tests were certified, and an end with ``|f| <= e`` is itself a root to within what
  float64 certifies (``e`` is about ``1e-8`` at ``gamma = 0.99``: the linear solves' residual over ``1 - gamma``).
- **Indexability** (Whittle 1988): the set of states where passive is optimal grows monotonically from empty to
  all as the charge grows; then the passive set at ``lam`` is ``{s: W(s) <= lam}``. Checked per arm at test
  charges (a grid over the bracket, a grid over the arm's range of indices, and each index ``+- margin``,
  :func:`indexability_margin`): a state where an action is optimal by more than the certified error must agree
  with its index's side of ``lam`` (within ``margin / 2``). An arm
  that fails is flagged (``indexable[j] = False``, a ``RuntimeWarning``); its "indices" are one root each, and the
  Whittle policy there a heuristic.
- **Relaxation bound** (Whittle 1988, section 2): relaxing ``sum_j a_jt <= B`` at every ``t`` to its discounted
  sum gives the LP over occupancy measures ``x_j(s, a) >= 0`` with flow ``sum_a x_j(s', a) = initial_j(s') + gamma
  sum_{s, a} P[j, s, a, s'] x_j(s, a)`` and ``sum_{j, s} x_j(s, 1) <= B / (1 - gamma)``, maximising ``sum R x``.
  Its dual is ``min_{lam >= 0} L(lam)``, ``L(lam) = lam B / (1 - gamma) + sum_j initial_j . V_j(lam)``, convex
  in ``lam``, and every ``L(lam)``, ``lam >= 0``, bounds every budget-feasible policy's value (weak duality). We
  solve the LP with HiGHS for ``lam*`` (its dual) and return the certified ``L(lam*)`` (policy iteration plus its
  error bound), so the bound does not rest on the LP solver's tolerances.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from boundlab import solvers
from boundlab.tabular._checks import check_int, check_real

from .restless import RestlessBandit, _check_model

EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class ChargedArms:
    """Many charged single-arm MDPs solved at once: ``Q[b, s, a]`` for block ``b`` (arm ``arms[b]``, charge
    ``lam[b]``), ``V[b, s]``; ``error_V`` bounds ``|V - V*|`` (the solver's certified ``error_bound``), ``error``
    bounds ``|Q - Q*|`` entrywise (``gamma error_V`` plus the rounding of the backup)."""

    Q: np.ndarray
    V: np.ndarray
    error_V: float
    error: float
    policy: np.ndarray


def _block_operator(P: np.ndarray) -> sp.csr_matrix:
    """The block-diagonal ``(nb S 2, nb S)`` row operator (row ``(b S + s) 2 + a``) of arms ``P[b, s, a, s']``."""
    nb, S = P.shape[:2]
    cols = (np.arange(nb) * S)[:, None, None, None] + np.arange(S)
    indices = np.broadcast_to(cols, P.shape).ravel()
    indptr = np.arange(0, P.size + 1, S)
    return sp.csr_matrix((P.ravel(), indices, indptr), shape=(nb * S * 2, nb * S))


def solve_charged(model: RestlessBandit, arms: np.ndarray, lam: np.ndarray, pi0: np.ndarray | None = None,
                  operator: sp.csr_matrix | None = None) -> ChargedArms:
    """Solve arm ``arms[b]`` with charge ``lam[b]`` on the active action, for every ``b``, by one
    ``solvers.policy_iteration`` on the block-diagonal MDP (``pi0``: a warm start, the previous ``policy``;
    ``operator``: :func:`_block_operator` of ``model.P[arms]``, to reuse)."""
    nb, S = arms.shape[0], model.S
    P2 = _block_operator(model.P[arms]) if operator is None else operator
    R = model.R[arms] - lam[:, None, None] * np.array([0.0, 1.0])
    res = solvers.policy_iteration(P2, R.reshape(nb * S, 2), model.gamma, pi0=pi0)
    Q, V = res.Q.reshape(nb, S, 2), res.V.reshape(nb, S)
    scale = float(np.abs(R).max()) + model.gamma * float(np.abs(V).max())
    error = model.gamma * res.error_bound + 4 * (S + 2) * EPS * scale
    return ChargedArms(Q, V, res.error_bound, error, res.policy)


def charge_bracket(gamma: float) -> tuple[float, float]:
    """``(-1/(1-gamma), 1/(1-gamma))``: with rewards in [0, 1] every Whittle index lies in it (module docstring)."""
    return -1.0 / (1.0 - gamma), 1.0 / (1.0 - gamma)


@dataclass(frozen=True)
class WhittleIndices:
    """``indices[j, s]``: the Whittle index, the middle of the final bisection bracket ``[lower, upper]`` (width at
    most ``tol``); ``error``: the certified bound on every computed ``Q(s, 1) - Q(s, 0)`` (module docstring);
    ``indexable[j]``: whether arm ``j`` passed the indexability check; ``steps``: bisection steps (one
    ``solvers.policy_iteration`` each)."""

    indices: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    error: float
    indexable: np.ndarray
    tol: float
    steps: int


def whittle_indices(model: RestlessBandit, *, tol: float = 1e-9, grid: int = 32) -> WhittleIndices:
    """The Whittle index of every arm and state by bisection on the charge (module docstring), with the
    indexability check on ``grid`` charges over the bracket and ``grid`` over each arm's range of indices.

    Args:
        model: a :class:`~.restless.RestlessBandit`. tol: width of the final bracket on each index (> 0).
        grid: number of grid charges (each of the two grids), an integer >= 2.
    """
    _check_model(model)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    grid = check_int(grid, "grid", minimum=2)
    J, S = model.J, model.S
    lo_edge, hi_edge = charge_bracket(model.gamma)
    arms = np.repeat(np.arange(J), S)  # block (j, s): arm j, read at state s
    at = (np.arange(J * S), np.tile(np.arange(S), J))
    lo, hi = np.full(J * S, lo_edge), np.full(J * S, hi_edge)
    operator, policy, steps, error = _block_operator(model.P[arms]), None, 0, 0.0
    while (hi - lo).max() > tol:
        mid = 0.5 * (lo + hi)
        sol = solve_charged(model, arms, mid, policy, operator)
        policy, steps, error = sol.policy, steps + 1, max(error, 2 * sol.error)
        active = sol.Q[at[0], at[1], 1] > sol.Q[at[0], at[1], 0]
        lo, hi = np.where(active, mid, lo), np.where(active, hi, mid)
    index = (0.5 * (lo + hi)).reshape(J, S)
    indexable = _indexability(model, index, tol, grid)
    if not indexable.all():
        bad = np.flatnonzero(~indexable).tolist()
        warnings.warn(f"arms {bad} of {model.name!r} are not indexable (the passive set does not grow monotonically "
                      f"with the charge); their indices are one root each of Q(s, 1) = Q(s, 0) and the Whittle policy "
                      f"is a heuristic on them", RuntimeWarning, stacklevel=2)
    return WhittleIndices(index, lo.reshape(J, S), hi.reshape(J, S), error, indexable, tol, steps)


def indexability_margin(gamma: float, tol: float) -> float:
    """Charge margin of the indexability check: ``max(4 tol, 1e-7 / (1 - gamma))``, above the index's error (the
    bracket ``tol`` plus the solver's error over the slope of ``f``: about ``1e-8`` at ``gamma = 0.99``)."""
    return max(4 * tol, 1e-7 / (1.0 - gamma))


def _indexability(model: RestlessBandit, index: np.ndarray, tol: float, grid: int) -> np.ndarray:
    """Per arm: at every test charge (two grids, each index ``+- margin``), states strictly active (passive) by more
    than the certified error have an index at least (at most) the charge, within ``margin / 2``."""
    J, S = model.J, model.S
    lo_edge, hi_edge = charge_bracket(model.gamma)
    margin = indexability_margin(model.gamma, tol)
    span = np.linspace(0.0, 1.0, grid)
    lo_j, hi_j = index.min(axis=1, keepdims=True), index.max(axis=1, keepdims=True)
    charges = np.concatenate([np.broadcast_to(lo_edge + (hi_edge - lo_edge) * span, (J, grid)),
                              lo_j - margin + (hi_j - lo_j + 2 * margin) * span, index - margin, index + margin],
                             axis=1)  # (J, n_test)
    n_test = charges.shape[1]
    arms = np.repeat(np.arange(J), n_test)
    sol = solve_charged(model, arms, charges.ravel())
    f = (sol.Q[:, :, 1] - sol.Q[:, :, 0]).reshape(J, n_test, S)
    lam = charges[:, :, None]
    wrong_active = (f > 2 * sol.error) & (index[:, None, :] < lam - margin / 2)
    wrong_passive = (f < -2 * sol.error) & (index[:, None, :] > lam + margin / 2)
    return ~(wrong_active | wrong_passive).any(axis=(1, 2))


def check_budget(B, name: str = "B") -> int:
    return check_int(B, name, minimum=0)


def lagrangian_bound(model: RestlessBandit, B: int, lam: float) -> float:
    """``L(lam) = lam B / (1 - gamma) + sum_j initial_j . V_j(lam)`` plus the solver's certified error: for any
    ``lam >= 0`` an upper bound on the discounted value of every policy with ``sum_j a_jt <= B`` (Whittle 1988,
    section 2; module docstring)."""
    _check_model(model)
    B = check_budget(B)
    lam = check_real(lam, "lam", low=0.0)
    return _lagrangian(model, B, lam)


def _lagrangian(model: RestlessBandit, B: int, lam: float) -> float:
    J = model.J
    sol = solve_charged(model, np.arange(J), np.full(J, lam))
    value = lam * B / (1.0 - model.gamma) + float(np.sum(model.initial * sol.V))
    return value + J * sol.error_V + 4 * J * model.S * EPS * abs(value)


@dataclass(frozen=True)
class RelaxationBound:
    """``bound``: the certified upper bound ``L(lam)`` on the optimal discounted value under the budget; ``lam``:
    the optimal multiplier (the LP's dual); ``lp_value``: the LP optimum (HiGHS, equal to ``bound`` up to the LP's
    tolerances); ``occupancy[j, s, a]``: the LP's discounted occupancy measure."""

    bound: float
    lam: float
    lp_value: float
    occupancy: np.ndarray


def relaxation_bound(model: RestlessBandit, B: int) -> RelaxationBound:
    """Whittle's relaxation of the budget-coupled problem as an LP over occupancy measures (module docstring),
    solved by HiGHS; the returned bound is ``L(lam*)`` recomputed by policy iteration (valid for any ``lam* >= 0``)."""
    _check_model(model)
    B = check_budget(B)
    J, S, g = model.J, model.S, model.gamma
    # flow: (sum over actions) - gamma P^T on x[j, s, a] in (j, s, a) order, all arms at once (block diagonal)
    A_eq = (sp.kron(sp.identity(J * S), np.ones((1, 2))) - g * _block_operator(model.P).T).tocsr()
    A_ub = sp.csr_matrix(np.tile([0.0, 1.0], J * S)[None, :])
    res = linprog(-model.R.ravel(), A_ub=A_ub, b_ub=[B / (1.0 - g)], A_eq=A_eq, b_eq=model.initial.ravel(),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"the relaxation LP was not solved: {res.message}")
    lam = max(0.0, -float(res.ineqlin.marginals[0]))
    return RelaxationBound(_lagrangian(model, B, lam), lam, -float(res.fun), res.x.reshape(J, S, 2))
