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
- **Finite horizon** (:func:`finite_horizon_whittle_indices`): the index per arm, state and number of steps to go
  ``h``, by the same bisection on the ``h``-step charged problem (backward induction, exact up to rounding), with
  the same indexability check per ``(arm, h)``; the objective of the coRMAB paper's ``H``-step episodes.
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


# --- finite horizon -------------------------------------------------------------------------------------------------

def _finite_gaps(P: np.ndarray, R: np.ndarray, lam: np.ndarray, h: np.ndarray, discount: float) -> np.ndarray:
    """``f[b, s] = Q_h(s, 1) - Q_h(s, 0)`` of block ``b`` (arm ``P[b]``, ``R[b]``, charge ``lam[b]`` on the active
    action, ``h[b]`` steps to go) by backward induction ``Q_k = R - lam a + discount P V_{k-1}``, ``V_0 = 0``, all
    blocks at once (the loop runs over the ``max(h)`` steps, each one vectorised over blocks, states, actions)."""
    nb, S = R.shape[:2]
    Rl = R - lam[:, None, None] * np.array([0.0, 1.0])
    V = np.zeros((nb, S))
    f = np.zeros((nb, S))
    for k in range(1, int(h.max()) + 1):
        Q = Rl + discount * np.einsum("bsat,bt->bsa", P, V)
        at = h == k
        f[at] = Q[at, :, 1] - Q[at, :, 0]
        V = Q.max(axis=2)
    return f


@dataclass(frozen=True)
class FiniteHorizonWhittleIndices:
    """``indices[j, h - 1, s]``: arm ``j``'s finite-horizon Whittle index in state ``s`` with ``h`` steps to go
    (``h = 1, ..., horizon``), the middle of the final bisection bracket ``[lower, upper]`` (width at most ``tol``);
    ``error``: a bound on the rounding of every computed ``Q_h(s, 1) - Q_h(s, 0)``; ``indexable[j, h - 1]``: whether
    arm ``j`` passed the indexability check at ``h`` steps to go; ``steps``: bisection steps."""

    indices: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    error: float
    indexable: np.ndarray
    tol: float
    steps: int


def finite_horizon_whittle_indices(model: RestlessBandit, horizon: int, *, discount: float = 1.0,
                                   tol: float = 1e-9, grid: int = 32) -> FiniteHorizonWhittleIndices:
    """The finite-horizon Whittle index ``W_j(h, s)`` of every arm, state and number ``h <= horizon`` of steps to
    go: the charge ``lam`` on the active action at which both actions are optimal in ``s`` with ``h`` steps to go in
    the charged ``h``-step problem ``Q_h(s, a) = R[j, s, a] - lam a + discount sum_s' P[j, s, a, s'] V_{h-1}(s')``,
    ``V_0 = 0`` (the same charge at every step; Whittle's 1988 subsidy, finite-horizon form as in Hu & Frazier 2017,
    "An asymptotically optimal index policy for finite-horizon restless bandits", arXiv:1707.00205). The objective is
    the ``discount``-ed total over the remaining steps (default 1: the undiscounted total, the coRMAB paper's
    metric); the model's ``gamma`` is not used.

    Bisection on the charge, all ``(j, h, s)`` at once, on the bracket ``[-h, h]`` (rewards in [0, 1]: at ``lam <=
    -h`` active is optimal in every state, at ``lam >= h`` passive, since ``V_{h-1}`` spans at most ``h - 1``; the
    bisection keeps the end where active is strictly better). At ``h = 1`` the index is the myopic
    ``R[j, s, 1] - R[j, s, 0]``. Indexability (per arm and ``h``): the passive set grows monotonically with the
    charge; checked as in :func:`whittle_indices` at ``grid`` charges over the bracket, ``grid`` over the arm's range
    of indices at that ``h`` and each index ``+- margin``. A failing ``(j, h)`` is flagged with a
    ``RuntimeWarning``; its indices are one root each and the policy a heuristic there.
    """
    _check_model(model)
    H = check_int(horizon, "horizon")
    discount = check_real(discount, "discount", low=0.0, high=1.0)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    grid = check_int(grid, "grid", minimum=2)
    J, S = model.J, model.S
    jj, hh, ss = (x.ravel() for x in np.meshgrid(np.arange(J), np.arange(1, H + 1), np.arange(S), indexing="ij"))
    P, R = model.P[jj], model.R[jj]
    lo, hi = -hh.astype(np.float64), hh.astype(np.float64)
    rows = np.arange(jj.size)
    steps = 0
    while (hi - lo).max() > tol:
        mid = 0.5 * (lo + hi)
        f = _finite_gaps(P, R, mid, hh, discount)[rows, ss]
        lo, hi = np.where(f > 0.0, mid, lo), np.where(f > 0.0, hi, mid)
        steps += 1
    index = (0.5 * (lo + hi)).reshape(J, H, S)
    error = 8.0 * H * (S + 2) * EPS * (2.0 * H + 1.0) * H
    indexable = _finite_indexability(model, index, discount, tol, grid, error)
    if not indexable.all():
        bad = sorted({int(j) for j in np.argwhere(~indexable)[:, 0]})
        warnings.warn(f"arms {bad} of {model.name!r} are not indexable at some number of steps to go (the passive set "
                      f"does not grow monotonically with the charge); their indices there are one root each and the "
                      f"finite-horizon Whittle policy is a heuristic on them", RuntimeWarning, stacklevel=2)
    return FiniteHorizonWhittleIndices(index, lo.reshape(J, H, S), hi.reshape(J, H, S), error, indexable, tol, steps)


def _finite_indexability(model: RestlessBandit, index: np.ndarray, discount: float, tol: float, grid: int,
                         error: float) -> np.ndarray:
    """Per ``(j, h)``: at every test charge, states strictly active (passive) by more than ``error`` have an index at
    least (at most) the charge, within ``margin / 2`` (``margin = max(4 tol, 1e-9 H)``)."""
    J, H, S = index.shape
    margin = max(4.0 * tol, 1e-9 * H)
    span = np.linspace(0.0, 1.0, grid)
    h = np.arange(1, H + 1)[None, :, None].astype(np.float64)
    lo_jh, hi_jh = index.min(axis=2, keepdims=True), index.max(axis=2, keepdims=True)
    charges = np.concatenate([np.broadcast_to(-h + 2.0 * h * span, (J, H, grid)),
                              lo_jh - margin + (hi_jh - lo_jh + 2 * margin) * span, index - margin, index + margin],
                             axis=2)  # (J, H, n_test)
    n_test = charges.shape[2]
    jj = np.repeat(np.arange(J), H * n_test)
    hh = np.tile(np.repeat(np.arange(1, H + 1), n_test), J)
    f = _finite_gaps(model.P[jj], model.R[jj], charges.ravel(), hh, discount).reshape(J, H, n_test, S)
    lam = charges[..., None]
    wrong_active = (f > 2 * error) & (index[:, :, None, :] < lam - margin / 2)
    wrong_passive = (f < -2 * error) & (index[:, :, None, :] > lam + margin / 2)
    return ~(wrong_active | wrong_passive).any(axis=(2, 3))
