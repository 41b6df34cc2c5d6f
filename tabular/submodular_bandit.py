"""Exact theory kernels for Submodular RL (Prajapat, Mutny, Zeilinger & Krause, "Submodular Reinforcement Learning",
ICLR 2024, arXiv 2307.13372): set-reward MDPs small enough to enumerate, their exact objective and gradient, and the
algorithms whose guarantees ``bounds.submodular_bounds`` checks.

A :class:`SetRewardSMDP` has transitions ``P[s, a, s']``, a start state, horizon ``H`` (actions; the trajectory visits
``s_0 .. s_H``) and a set function ``F`` of the visited states; ``J(pi) = E[F({s_0, .., s_H})]``. ``(visited set,
current state)`` is a sufficient statistic of the history, so every quantity here is computed exactly by a forward /
backward pass over the ``2^S x S`` table of (visited-mask, state) pairs (vectorised numpy, one ``bincount`` per step);
``S <= 16``. Policies are ``x[h, a]`` (depending on ``h`` only: the class of the paper's epsilon-bandit results) or
``x[h, s, a]`` (Markov in ``(h, s)``: SubPO-M's class).

The paper's epsilon-bandit SMDP (its definition of an "epsilon-bandit SMDP"; numbered Definition 2 in the ICLR
version, 9 in others -- cite by content) is nearly deterministic: every state has an action reaching it with
probability ``>= 1 - eps`` from every state. We could read the statements only through reviews that quote them
(``../shared/refs/submodular_grouping_qstar.md``), so the model below is a **reconstruction** [own]: ``n`` locations
plus a depot (the start, worth nothing), action ``a < n`` lands on location ``a`` with probability ``1 - eps`` and
otherwise on a draw from ``slip[s]`` (``s`` the current state); action ``n`` stays (adds nothing), and its
probability is the coordinate dropped in the relaxed polytope ``P = {y >= 0, sum_a y[h, a] <= 1}`` (down-closed) on
which the paper states ``J`` monotone DR-submodular. With a state-independent slip this ``J`` is the multilinear-type
extension of ``F`` over a partition matroid and is monotone DR-submodular for every ``eps``; a state-dependent slip
correlates the landings and can break it -- :func:`check_dr_submodular` tests the property on the instance.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from boundlab.solvers.validation import check_real_array
from boundlab.tabular._checks import Seed, check_flag, check_int, check_real
from boundlab.tabular.instances import as_generator

__all__ = [
    "ContinuousResult", "DRCheck", "GreedyResult", "SetRewardSMDP", "SubPOResult", "bandit_epsilon",
    "best_sequence", "check_dr_submodular", "continuous_greedy", "coverage_bandit", "coverage_grid", "eps_bandit",
    "exact_subpo", "gradient", "greedy_sequence", "grid_smdp", "optimal_value", "projected_gradient_ascent",
    "relaxed_gradient", "relaxed_value", "round_policy", "sequence_value", "softmax_result", "stationarity_gap",
    "to_policy", "trap_corridor", "value",
]

#: Largest state count for exact enumeration (``2^S`` visited sets).
MAX_STATES = 16
#: Largest number of action sequences :func:`best_sequence` enumerates.
MAX_SEQUENCES = 200_000


def _floats(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 array of real numbers: booleans, complex numbers and strings are refused, not coerced."""
    a = check_real_array(x, name)
    if a.dtype.kind == "b":
        raise TypeError(f"{name} must hold numbers, got booleans")
    return a.astype(np.float64)


@dataclass(frozen=True, eq=False)
class SetRewardSMDP:
    """A finite-horizon submodular MDP: ``P[s, a, s']``, ``F(frozenset of states) -> float``, ``H`` steps from
    ``start``. ``null_action``: an action that stays put in every state (it never adds a state to the visited set),
    the coordinate dropped in the relaxed polytope; ``ground``: the states ``F`` counts (default all), the ground set
    on which its submodularity and curvature are checked."""

    P: np.ndarray
    F: Callable[[frozenset], float]
    H: int
    start: int = 0
    null_action: int | None = None
    ground: tuple[int, ...] | None = None
    name: str = "smdp"
    S: int = field(init=False)
    A: int = field(init=False)

    def __post_init__(self):
        P = _floats(self.P, "P")
        if P.ndim != 3 or P.shape[0] != P.shape[2] or P.shape[0] < 1 or P.shape[1] < 1:
            raise ValueError(f"P must have shape (S, A, S), got {P.shape}")
        if not np.all(np.isfinite(P)) or np.any(P < 0):
            s, a, t = np.argwhere(~np.isfinite(P) | (P < 0))[0]
            raise ValueError(f"P must be finite and >= 0, got {P[s, a, t]} at P[{s}, {a}, {t}]")
        bad = np.argwhere(np.abs(P.sum(axis=2) - 1.0) > 1e-9)
        if len(bad):
            s, a = bad[0]
            raise ValueError(f"P[{s}, {a}, :] must sum to 1, sums to {P[s, a].sum()}")
        S, A = P.shape[:2]
        if not callable(self.F):
            raise TypeError(f"F must be callable (frozenset -> float), got {type(self.F).__name__}")
        H = check_int(self.H, "H")
        start = check_int(self.start, "start", minimum=0)
        if start >= S:
            raise ValueError(f"start must be a state in [0, {S}), got {start}")
        null = self.null_action
        if null is not None:
            null = check_int(null, "null_action", minimum=0)
            if null >= A:
                raise ValueError(f"null_action must be an action in [0, {A}), got {null}")
            moved = np.flatnonzero(P[np.arange(S), null, np.arange(S)] != 1.0)
            if len(moved):
                raise ValueError(f"null_action {null} must stay put in every state; it leaves state {moved[0]}")
        ground = tuple(range(S)) if self.ground is None else tuple(
            check_int(g, f"ground[{i}]", minimum=0) for i, g in enumerate(self.ground))
        if any(g >= S for g in ground) or len(set(ground)) != len(ground) or not ground:
            raise ValueError(f"ground must be distinct states in [0, {S}), got {self.ground}")
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {type(self.name).__name__}")
        for k, v in (("P", P), ("H", H), ("start", start), ("null_action", null), ("ground", ground), ("S", S),
                     ("A", A)):
            object.__setattr__(self, k, v)

    @cached_property
    def deterministic(self) -> bool:
        """Every ``P[s, a]`` puts all its mass on one state."""
        return bool(np.all((self.P == 0.0) | (self.P == 1.0)))

    @cached_property
    def table(self) -> np.ndarray:
        """``F`` of every visited set, indexed by its bit mask (``2^S`` calls of ``F``, made once)."""
        if self.S > MAX_STATES:
            raise ValueError(f"exact enumeration needs S <= {MAX_STATES} states (2^S visited sets), got S = {self.S}")
        return np.array([self.f(frozenset(s for s in range(self.S) if m >> s & 1)) for m in range(1 << self.S)])

    @cached_property
    def _next(self) -> np.ndarray:
        """``_next[m, s'] = (m | 2^s') * S + s'``: the flat (mask, state) index after landing on ``s'``."""
        m = np.arange(1 << self.S)[:, None]
        s = np.arange(self.S)[None, :]
        return (m | (1 << s)) * self.S + s

    def f(self, states: frozenset) -> float:
        """``F`` of a visited set, checked to be a finite real number."""
        v = self.F(frozenset(states))
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"F must return a real number, got {type(v).__name__} for {sorted(states)}")
        if not np.isfinite(v):
            raise ValueError(f"F returned {v} for {sorted(states)}")
        return float(v)


# ------------------------------------------------------------------------------------------------------ instances
def _takes_model(fn: Callable) -> Callable:
    """``fn(model, ...)`` refusing a ``model`` that is no :class:`SetRewardSMDP` by name (not an AttributeError)."""
    @functools.wraps(fn)
    def checked(model, *args, **kwargs):
        if not isinstance(model, SetRewardSMDP):
            raise TypeError(f"model must be a SetRewardSMDP (tabular.submodular_bandit), got {type(model).__name__}")
        return fn(model, *args, **kwargs)
    return checked


def _slip(slip: str | np.ndarray, n: int) -> np.ndarray:
    S = n + 1
    if isinstance(slip, str):
        if slip not in SLIPS:
            raise ValueError(f"slip must be one of {', '.join(SLIPS)} or an ({S}, {S}) array, got {slip!r}")
        K = np.zeros((S, S))
        if slip == "uniform":
            K[:, :n] = 1.0 / n
        elif slip == "stay":
            K[np.arange(S), np.arange(S)] = 1.0
        else:
            K[np.arange(S), (np.arange(S) + 1) % n] = 1.0
        return K
    K = _floats(slip, "slip")
    if K.shape != (S, S):
        raise ValueError(f"slip must have shape ({S}, {S}), got {K.shape}")
    if not np.all(np.isfinite(K)) or np.any(K < 0) or np.any(np.abs(K.sum(axis=1) - 1.0) > 1e-9):
        raise ValueError("slip must hold finite, non-negative rows summing to 1")
    return K


#: Named slip kernels of :func:`eps_bandit`: a uniform location, stay put, the next location on a ring.
SLIPS = ("uniform", "stay", "ring")


def eps_bandit(F: Callable[[frozenset], float], n: int, H: int, eps: float = 0.0, *,
               slip: str | np.ndarray = "uniform", name: str | None = None) -> SetRewardSMDP:
    """The epsilon-bandit SMDP [reconstruction, see the module docstring]: locations ``0..n-1`` (``F`` is a set
    function on them), depot ``n`` (the start; ``F`` ignores it). Action ``a < n`` lands on ``a`` with probability
    ``1 - eps``, else on a draw from ``slip[s, :]`` (an ``(n + 1, n + 1)`` row-stochastic array, or ``"uniform"``
    over the locations, ``"stay"`` put, or the next location on a ``"ring"`` -- state-dependent, it correlates the
    landings); action ``n`` stays (``null_action``)."""
    n = check_int(n, "n")
    eps = check_real(eps, "eps", low=0.0, high=1.0)
    S = n + 1
    slip_name = slip if isinstance(slip, str) else "custom"
    slip = _slip(slip, n)
    P = np.zeros((S, S, S))
    P[:, :n, :] = eps * slip[:, None, :]
    P[:, np.arange(n), np.arange(n)] += 1.0 - eps
    P[np.arange(S), n, np.arange(S)] = 1.0
    if not callable(F):
        raise TypeError(f"F must be callable (frozenset -> float), got {type(F).__name__}")
    depot = n
    name = name or f"eps-bandit(n={n}, H={H}, eps={eps:g}, slip={slip_name})"
    return SetRewardSMDP(P, lambda A: F(frozenset(A) - {depot}), H, start=n, null_action=n, ground=tuple(range(n)),
                         name=name)


def coverage_bandit(n: int, H: int, eps: float = 0.0, seed: Seed = 0, *, cells: int | None = None,
                    density: float = 0.4, private: bool = True, slip: str | np.ndarray = "uniform") -> SetRewardSMDP:
    """An epsilon-bandit SMDP (:func:`eps_bandit`) whose ``F`` is a random weighted coverage
    (:class:`~boundlab.tabular.submodular.WeightedCoverage`: location ``i`` covers each of ``cells`` (default
    ``2 n``) shared cells with probability ``density``, and with ``private`` one cell of its own, so the curvature
    is below 1; weights uniform on [0, 1]) -- monotone submodular by construction."""
    from boundlab.tabular.submodular import WeightedCoverage

    n = check_int(n, "n")
    cells = 2 * n if cells is None else check_int(cells, "cells")
    density = check_real(density, "density", low=0.0, high=1.0)
    rng = as_generator(seed)
    footprint = rng.random((n, cells)) < density
    if check_flag(private, "private"):
        footprint = np.concatenate([footprint, np.eye(n, dtype=bool)], axis=1)
    F = WeightedCoverage(footprint, rng.random(footprint.shape[1]))
    tag = seed if isinstance(seed, (int, np.integer)) else "rng"
    return eps_bandit(F, n, H, eps, slip=slip,
                      name=f"coverage-bandit(n={n}, H={H}, eps={check_real(eps, 'eps'):g}, "
                           f"slip={slip if isinstance(slip, str) else 'custom'}, seed={tag})")


#: Actions of :func:`trap_corridor`.
LEFT, RIGHT, STAY = 0, 1, 2


def trap_corridor(k: int) -> SetRewardSMDP:
    """A deterministic corridor (positions ``0..2k``, start ``k``, actions left/right/stay, ``H = k``) where myopic
    gain-chasing gets a vanishing fraction of OPT [own construction, illustrating the paper's hardness theorem:
    no constant factor outside the epsilon-bandit regime]. Left of the start: a lure cell worth 1.5, then ``k - 1``
    cells worth ``1/k^2`` each; right: ``k`` cells worth 1. ``F`` is modular (curvature 0, the kindest case). The
    greedy marginal-gain rollout steps left (1.5 > 1) and keeps chasing the ``1/k^2`` gains: ``1.5 + (k-1)/k^2``; going
    right ``k`` times earns ``k`` = OPT for ``k >= 2`` (any left step costs two right cells). Fraction ``~ 1.5/k``."""
    k = check_int(k, "k")
    S = 2 * k + 1
    w = np.zeros(S)
    w[k - 1] = 1.5
    w[: k - 1] = 1.0 / k**2
    w[k + 1:] = 1.0
    P = np.zeros((S, 3, S))
    pos = np.arange(S)
    P[pos, LEFT, np.maximum(pos - 1, 0)] = 1.0
    P[pos, RIGHT, np.minimum(pos + 1, S - 1)] = 1.0
    P[pos, STAY, pos] = 1.0
    return SetRewardSMDP(P, lambda A: float(w[sorted(A)].sum()), k, start=k, null_action=STAY,
                         name=f"trap-corridor(k={k})")


# ---------------------------------------------------------------------------------------------- exact J, gradient
def _markov(model: SetRewardSMDP, policy: Any, name: str = "policy") -> np.ndarray:
    """``policy`` (``[H, A]`` or ``[H, S, A]``, rows on the simplex) as ``[H, S, A]`` float64."""
    x = _floats(policy, name)
    H, S, A = model.H, model.S, model.A
    if x.shape not in ((H, A), (H, S, A)):
        raise ValueError(f"{name} must have shape ({H}, {A}) or ({H}, {S}, {A}), got {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < -1e-12):
        idx = tuple(np.argwhere(~np.isfinite(x) | (x < -1e-12))[0])
        raise ValueError(f"{name} must be finite and >= 0, got {x[idx]} at {name}{[int(i) for i in idx]}")
    bad = np.argwhere(np.abs(x.sum(axis=-1) - 1.0) > 1e-9)
    if len(bad):
        raise ValueError(f"{name}{bad[0].tolist()} must sum to 1, sums to {x[tuple(bad[0])].sum()}")
    return np.broadcast_to(x[:, None, :], (H, S, A)) if x.ndim == 2 else x


def _passes(model: SetRewardSMDP, x: np.ndarray):
    """Forward occupancies ``p[h][mask, s]`` and backward continuation values ``W[h][mask, s']`` (value after landing
    on ``s'`` at step ``h + 1``) of the Markov policy ``x[H, S, A]`` (no validation: also used off the simplex)."""
    S, M = model.S, 1 << model.S
    T = np.matmul(x.transpose(1, 0, 2), model.P).transpose(1, 0, 2)  # T[h, s, s'] = sum_a x[h, s, a] P[s, a, s']
    p = np.zeros((model.H + 1, M, S))
    p[0, 1 << model.start, model.start] = 1.0
    for h in range(model.H):
        p[h + 1] = np.bincount(model._next.ravel(), (p[h] @ T[h]).ravel(), minlength=M * S).reshape(M, S)
    V = np.broadcast_to(model.table[:, None], (M, S))
    W = np.empty((model.H, M, S))
    for h in reversed(range(model.H)):
        W[h] = V.ravel()[model._next]
        V = W[h] @ T[h].T
    return p, W, float(V[1 << model.start, model.start])


@_takes_model
def value(model: SetRewardSMDP, policy: Any) -> float:
    """Exact ``J(pi) = E[F(visited states)]`` of ``policy[h, a]`` or ``policy[h, s, a]`` by enumeration."""
    return _passes(model, _markov(model, policy))[2]


def _grad_x(model: SetRewardSMDP, x: np.ndarray) -> np.ndarray:
    p, W, _ = _passes(model, x)
    C = np.matmul(p[:-1].transpose(0, 2, 1), W)  # C[h, s, s'] = sum_mask p_h[mask, s] W_h[mask, s']
    return np.matmul(C.transpose(1, 0, 2), model.P.transpose(0, 2, 1)).transpose(1, 0, 2)  # sum_s' C P[s, a, s']


@_takes_model
def gradient(model: SetRewardSMDP, policy: Any) -> np.ndarray:
    """Exact ``dJ/dpi`` of the polynomial ``J`` (same shape as ``policy``): ``[h, a]`` sums the ``[h, s, a]``
    partials over ``s`` (the h-only policy ties them)."""
    x = _markov(model, policy)
    g = _grad_x(model, x)
    return g.sum(axis=1) if np.ndim(policy) == 2 else g


# ------------------------------------------------------------------------------------ relaxed polytope (h-only)
def _others(model: SetRewardSMDP) -> np.ndarray:
    if model.null_action is None:
        raise ValueError(f"{model.name} has no null_action: the relaxed polytope drops the null action's coordinate")
    return np.delete(np.arange(model.A), model.null_action)


def _relaxed(model: SetRewardSMDP, y: Any, name: str = "y") -> np.ndarray:
    others = _others(model)
    y = _floats(y, name)
    if y.shape != (model.H, len(others)):
        raise ValueError(f"{name} must have shape ({model.H}, {len(others)}) (A - 1 non-null actions), got {y.shape}")
    if not np.all(np.isfinite(y)) or np.any(y < -1e-12):
        idx = tuple(np.argwhere(~np.isfinite(y) | (y < -1e-12))[0])
        raise ValueError(f"{name} must be finite and >= 0, got {y[idx]} at {name}{[int(i) for i in idx]}")
    over = np.flatnonzero(y.sum(axis=1) > 1.0 + 1e-9)
    if len(over):
        raise ValueError(f"{name}[{over[0]}] must sum to at most 1 (the relaxed polytope), sums to {y[over[0]].sum()}")
    return y


def _to_x(model: SetRewardSMDP, y: np.ndarray) -> np.ndarray:
    x = np.empty((model.H, model.A))
    x[:, _others(model)] = y
    x[:, model.null_action] = 1.0 - y.sum(axis=1)
    return x


@_takes_model
def to_policy(model: SetRewardSMDP, y: Any) -> np.ndarray:
    """The h-only policy ``x[h, a]`` of a point ``y`` of the relaxed polytope (the null action takes the rest)."""
    return _to_x(model, _relaxed(model, y))


@_takes_model
def relaxed_value(model: SetRewardSMDP, y: Any) -> float:
    """``J`` on the relaxed polytope ``{y >= 0, sum_a y[h, a] <= 1}`` (coordinates: the non-null actions)."""
    return value(model, to_policy(model, y))


def _grad_y(model: SetRewardSMDP, y: np.ndarray) -> np.ndarray:
    g = _grad_x(model, np.broadcast_to(_to_x(model, y)[:, None, :], (model.H, model.S, model.A))).sum(axis=1)
    return g[:, _others(model)] - g[:, [model.null_action]]


@_takes_model
def relaxed_gradient(model: SetRewardSMDP, y: Any) -> np.ndarray:
    """Exact ``dJ/dy`` on the relaxed polytope: ``dJ/dx[h, a] - dJ/dx[h, null]``."""
    return _grad_y(model, _relaxed(model, y))


def _gap(g: np.ndarray, y: np.ndarray) -> float:
    return float(np.maximum(g.max(axis=1), 0.0).sum() - (g * y).sum())


@_takes_model
def stationarity_gap(model: SetRewardSMDP, y: Any) -> float:
    """Frank-Wolfe gap ``max_{v in P} <grad J(y), v - y>`` (0 exactly at a stationary point of ``J`` over ``P``)."""
    y = _relaxed(model, y)
    return _gap(_grad_y(model, y), y)


class DRCheck(NamedTuple):
    """Finite-difference signs at random points of the relaxed polytope: ``monotone`` (every ``dJ/dy >= -atol``),
    ``dr`` (every second partial ``<= atol``), the worst values seen and the point where each was worst."""
    ok: bool
    monotone: bool
    dr: bool
    min_gradient: float
    max_second: float
    point: np.ndarray


def _random_y(model: SetRewardSMDP, rng: np.random.Generator) -> np.ndarray:
    return rng.dirichlet(np.ones(model.A), size=model.H)[:, _others(model)]


@_takes_model
def check_dr_submodular(model: SetRewardSMDP, points: int = 20, seed: Seed = 0, *, step: float = 1e-4,
                        atol: float = 1e-8) -> DRCheck:
    """Is ``J`` monotone DR-submodular on the relaxed polytope (the paper's epsilon-bandit theorem, stated for
    policies depending on ``h`` only)? At ``points`` uniform random points: the exact gradient's signs, and every
    second partial by a central finite difference of the exact gradient (``J`` is linear in each block ``y[h]``, so
    the within-block partials are 0 and the difference is exact up to rounding). ``atol`` scales with ``max F``."""
    points = check_int(points, "points")
    step = check_real(step, "step", low=0.0, high=1.0, low_open=True)
    atol = check_real(atol, "atol", low=0.0) * max(1.0, float(np.abs(model.table).max()))
    rng = as_generator(seed)
    d = model.H * (model.A - 1)
    worst_g, worst_h, at_g, at_h = np.inf, -np.inf, None, None
    for _ in range(points):
        y = _random_y(model, rng)
        g = _grad_y(model, y)
        if g.min() < worst_g:
            worst_g, at_g = float(g.min()), y
        E = np.eye(d).reshape(d, *y.shape) * step
        hess = np.array([(_grad_y(model, y + e) - _grad_y(model, y - e)).ravel() / (2 * step) for e in E])
        if hess.max() > worst_h:
            worst_h, at_h = float(hess.max()), y
    mono, dr = worst_g >= -atol, worst_h <= atol
    return DRCheck(mono and dr, mono, dr, worst_g, worst_h, at_g if not mono else at_h)


# ------------------------------------------------------------------------------------------------------ algorithms
class ContinuousResult(NamedTuple):
    """A point ``y`` of the relaxed polytope, its ``J``, its Frank-Wolfe ``gap``, and the deterministic action
    sequence :func:`round_policy` makes of it with that sequence's ``J`` (never lower)."""
    y: np.ndarray
    value: float
    gap: float
    iterations: int
    sequence: np.ndarray
    sequence_value: float


def _lmo(g: np.ndarray) -> np.ndarray:
    """``argmax_{v in P} <g, v>``: per step the best non-null action if its gradient is positive, else nothing."""
    v = np.zeros_like(g)
    best = g.argmax(axis=1)
    rows = np.flatnonzero(g[np.arange(len(g)), best] > 0)
    v[rows, best[rows]] = 1.0
    return v


@_takes_model
def round_policy(model: SetRewardSMDP, policy: Any) -> tuple[np.ndarray, float]:
    """Round an h-only ``policy[h, a]`` to an action sequence without losing value: ``J`` is linear in each step's
    distribution, so fixing steps one at a time to their best action never lowers ``J`` (pipage-style)."""
    x = _markov(model, policy)[:, 0, :].copy()
    for h in range(model.H):
        g = _grad_x(model, np.broadcast_to(x[:, None, :], (model.H, model.S, model.A)))[h].sum(axis=0)
        x[h] = np.eye(model.A)[g.argmax()]
    return x.argmax(axis=1), value(model, x)


def _result(model: SetRewardSMDP, y: np.ndarray, iterations: int) -> ContinuousResult:
    seq, v = round_policy(model, _to_x(model, y))
    return ContinuousResult(y, value(model, _to_x(model, y)), _gap(_grad_y(model, y), y), iterations, seq, v)


@_takes_model
def continuous_greedy(model: SetRewardSMDP, steps: int = 100) -> ContinuousResult:
    """Frank-Wolfe variant / continuous greedy for monotone DR-submodular maximisation over a down-closed polytope
    (Bian, Mirzasoleiman, Buhmann & Krause 2017, Alg. 1; Calinescu, Chekuri, Pal & Vondrak 2011): from ``y = 0``,
    ``steps`` moves of ``1/steps`` towards the linear maximiser of the exact gradient. The paper's epsilon-bandit
    result applies it to ``J`` for its ``1 - 1/e`` guarantee."""
    steps = check_int(steps, "steps")
    y = np.zeros((model.H, len(_others(model))))
    for _ in range(steps):
        y = y + _lmo(_grad_y(model, y)) / steps
    return _result(model, np.minimum(y, 1.0), steps)


def _project(z: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row onto ``{v >= 0, sum v <= 1}``: clip if that is feasible, else onto the
    simplex (sort-based, Held, Wolfe & Crowder 1974)."""
    c = np.maximum(z, 0.0)
    out = c.copy()
    over = c.sum(axis=1) > 1.0
    if over.any():
        u = -np.sort(-z[over], axis=1)
        css = np.cumsum(u, axis=1) - 1.0
        k = np.arange(1, z.shape[1] + 1)
        rho = (u - css / k > 0).sum(axis=1)
        theta = css[np.arange(len(u)), rho - 1] / rho
        out[over] = np.maximum(z[over] - theta[:, None], 0.0)
    return out


@_takes_model
def projected_gradient_ascent(model: SetRewardSMDP, *, iterations: int = 2000, step: float | None = None,
                              tol: float = 1e-9, start: Any = None, seed: Seed = 0) -> ContinuousResult:
    """Projected gradient ascent on ``J`` over the relaxed polytope to an (approximate) stationary point; the paper
    applies Hassani, Soltanolkotabi & Karbasi (2017): stationary points of a monotone DR-submodular function are
    1/2-optimal. ``start``: a point of the polytope (default a uniform random one from ``seed``); ``step``: default
    ``1/L`` with ``L = 2 max|F| (A - 1)(H - 1)`` bounding the Hessian's norm (entries ``<= 2 max|F|``, zero within a
    step), so ``J`` never decreases. Stops when the Frank-Wolfe gap falls below ``tol * max|F|``."""
    iterations = check_int(iterations, "iterations")
    tol = check_real(tol, "tol", low=0.0)
    _others(model)
    fmax = max(float(np.abs(model.table).max()), 1e-300)
    L = 2.0 * fmax * (model.A - 1) * max(model.H - 1, 1)
    step = 1.0 / L if step is None else check_real(step, "step", low=0.0, low_open=True)
    y = _random_y(model, as_generator(seed)) if start is None else _relaxed(model, start, "start").copy()
    for it in range(1, iterations + 1):
        g = _grad_y(model, y)
        if _gap(g, y) <= tol * fmax:
            return _result(model, y, it - 1)
        y = _project(y + step * g)
    return _result(model, y, iterations)


class GreedyResult(NamedTuple):
    """The greedy rollout's actions, visited states and ``F`` of the visited set."""
    actions: np.ndarray
    states: np.ndarray
    value: float


@_takes_model
def greedy_sequence(model: SetRewardSMDP) -> GreedyResult:
    """Myopic marginal-gain rollout on a deterministic SMDP: each step takes the action whose next state adds most
    to ``F`` of the visited set (ties: the lowest action). On the epsilon-bandit with ``eps = 0`` this is the classic
    greedy for ``max F(S), |S| <= H`` (Nemhauser, Wolsey & Fisher 1978; curvature: Conforti & Cornuejols 1984).
    Calls ``F`` only along the rollout (no ``2^S`` table), so it scales to long corridors."""
    if not model.deterministic:
        raise ValueError(f"greedy_sequence needs a deterministic model (P entries 0 or 1); {model.name} is not")
    nxt = model.P.argmax(axis=2)
    s, visited, actions, states = model.start, {model.start}, [], [model.start]
    current = model.f(frozenset(visited))
    for _ in range(model.H):
        gains = [model.f(frozenset(visited | {int(nxt[s, a])})) - current for a in range(model.A)]
        a = int(np.argmax(gains))
        s = int(nxt[s, a])
        visited.add(s)
        current += gains[a]
        actions.append(a)
        states.append(s)
    return GreedyResult(np.array(actions), np.array(states), model.f(frozenset(visited)))


def _sequence(model: SetRewardSMDP, actions: Any) -> np.ndarray:
    a = check_real_array(actions, "actions")
    if a.dtype.kind not in "iu" or a.shape != (model.H,):
        raise TypeError(f"actions must be {model.H} integers, got dtype {a.dtype}, shape {a.shape}")
    if np.any((a < 0) | (a >= model.A)):
        i = int(np.flatnonzero((a < 0) | (a >= model.A))[0])
        raise ValueError(f"actions[{i}] must be in [0, {model.A}), got {a[i]}")
    return a.astype(np.int64)


@_takes_model
def sequence_value(model: SetRewardSMDP, actions: Any) -> float:
    """``J`` of the open-loop action sequence ``actions[H]`` (a rollout calling ``F`` once when ``P`` is
    deterministic, exact enumeration otherwise)."""
    a = _sequence(model, actions)
    if model.deterministic:
        nxt = model.P.argmax(axis=2)
        s, visited = model.start, {model.start}
        for b in a:
            s = int(nxt[s, b])
            visited.add(s)
        return model.f(frozenset(visited))
    return value(model, np.eye(model.A)[a])


@_takes_model
def best_sequence(model: SetRewardSMDP) -> tuple[np.ndarray, float]:
    """Brute-force OPT over open-loop action sequences (= the best policy depending on ``h`` only: ``J`` is linear in
    each step's distribution, so a vertex attains the maximum). Deterministic models: all ``A^H`` rollouts at once
    (``S <= 62``), ``F`` from its table or on the distinct visited sets; otherwise one exact evaluation per
    sequence. At most ``MAX_SEQUENCES`` sequences."""
    if model.A ** model.H > MAX_SEQUENCES:
        raise ValueError(f"best_sequence enumerates A^H = {model.A}^{model.H} sequences; at most {MAX_SEQUENCES}")
    if model.deterministic and model.S > 62:
        raise ValueError(f"best_sequence encodes visited sets in 64-bit masks: S <= 62, got S = {model.S}")
    seqs = np.array(list(itertools.product(range(model.A), repeat=model.H)), dtype=np.int64).reshape(-1, model.H)
    if model.deterministic:
        nxt = model.P.argmax(axis=2)
        s = np.full(len(seqs), model.start)
        mask = np.full(len(seqs), 1 << model.start)
        for h in range(model.H):
            s = nxt[s, seqs[:, h]]
            mask |= 1 << s
        if model.S <= MAX_STATES:
            vals = model.table[mask]
        else:  # F on the distinct visited sets only (no 2^S table)
            uniq, inv = np.unique(mask, return_inverse=True)
            vals = np.array([model.f(frozenset(s for s in range(model.S) if int(m) >> s & 1)) for m in uniq])[inv]
    else:
        eye = np.eye(model.A)
        vals = np.array([_passes(model, np.broadcast_to(eye[q][:, None, :], (model.H, model.S, model.A)))[2]
                         for q in seqs])
    i = int(np.argmax(vals))
    return seqs[i], float(vals[i])


@_takes_model
def optimal_value(model: SetRewardSMDP) -> float:
    """``J*`` over all (history-dependent) policies: backward induction on (visited set, state), a sufficient
    statistic of the history. Equals :func:`best_sequence`'s value on deterministic models."""
    S, M = model.S, 1 << model.S
    V = np.broadcast_to(model.table[:, None], (M, S))
    for _ in range(model.H):
        V = np.einsum("mt,sat->msa", V.ravel()[model._next], model.P).max(axis=2)
    return float(V[1 << model.start, model.start])


class SubPOResult(NamedTuple):
    """A tabular SubPO-M policy: the logits, the policy ``pi[h, s, a]``, its ``J``, the norm of ``dJ/dtheta`` (in the
    logits: tiny on a softmax plateau too), the Frank-Wolfe gap of ``J`` over Markov policies at ``pi``
    (``sum_{h,s} max_a dJ/dpi[h,s,a] - <dJ/dpi, pi>``: 0 exactly at a first-order stationary point; occupancy
    weighted through the gradient) and the iterations run."""
    theta: np.ndarray
    policy: np.ndarray
    value: float
    grad_norm: float
    iterations: int
    fw_gap: float = float("nan")


@_takes_model
def softmax_result(model: SetRewardSMDP, theta: Any, iterations: int = 0) -> SubPOResult:
    """The :class:`SubPOResult` of tabular softmax logits ``theta[h, s, a]`` (e.g. a sampled SubPO-M run's): the
    policy, its exact ``J`` and the norm of the exact ``dJ/dtheta``."""
    iterations = check_int(iterations, "iterations", minimum=0)
    theta = _floats(theta, "theta")
    if theta.shape != (model.H, model.S, model.A):
        raise ValueError(f"theta must have shape ({model.H}, {model.S}, {model.A}), got {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta must be finite")
    pi = np.exp(theta - theta.max(axis=2, keepdims=True))
    pi /= pi.sum(axis=2, keepdims=True)
    g = _grad_x(model, pi)
    mean = (pi * g).sum(axis=2, keepdims=True)
    return SubPOResult(theta, pi, value(model, pi), float(np.linalg.norm(pi * (g - mean))), iterations,
                       float((g.max(axis=2, keepdims=True) - mean).sum()))


def grid_smdp(env: Any) -> SetRewardSMDP:
    """A :class:`~boundlab.tabular.submodular_envs.SubmodularGrid` as a :class:`SetRewardSMDP` (same ``F``, start,
    ``H``; ``P`` from its successor table and slip: with probability ``slip`` a uniform action), for exact ``J`` of
    the grid learners' policies. The stay action is the null action when the grid does not slip. Refuses an ``F``
    that counts revisits (``GPInformation(revisits=True)``): the visited set is then no sufficient statistic."""
    from boundlab.tabular.submodular_envs import SubmodularGrid

    if not isinstance(env, SubmodularGrid):
        raise TypeError(f"env must be a SubmodularGrid, got {type(env).__name__}")
    if getattr(env.F, "revisits", False):
        raise ValueError("env.F counts revisits (GPInformation(revisits=True), a function of the visit multiset): "
                         "grid_smdp enumerates visited sets, so its J would not be the learners' objective")
    nxt = np.asarray(env.params.nxt)
    S, A = nxt.shape
    onehot = np.zeros((S, A, S))
    onehot[np.arange(S)[:, None], np.arange(A)[None, :], nxt] = 1.0
    P = (1.0 - env.slip) * onehot + env.slip * onehot.mean(axis=1, keepdims=True)
    return SetRewardSMDP(P, env.F, env.H, start=env.start, null_action=0 if env.slip == 0.0 else None,
                         name=env.name)


def coverage_grid(rows: int, cols: int, H: int, seed: Seed = 0, *, density: float = 0.1, slip: float = 0.0,
                  start: int = 0) -> Any:
    """A small :class:`~boundlab.tabular.submodular_envs.SubmodularGrid` (the grid learners' environment) whose ``F``
    is a random weighted coverage of its cells: each cell covers itself (so the curvature is below 1) and each other
    cell with probability ``density``, weights uniform on [0, 1]. For :func:`grid_smdp` (``rows * cols <= 16``)."""
    from boundlab.tabular.submodular import WeightedCoverage
    from boundlab.tabular.submodular_envs import SubmodularGrid

    rows, cols = check_int(rows, "rows"), check_int(cols, "cols")
    density = check_real(density, "density", low=0.0, high=1.0)
    slip = check_real(slip, "slip", low=0.0, high=1.0)
    rng = as_generator(seed)
    S = rows * cols
    footprint = np.concatenate([np.eye(S, dtype=bool), rng.random((S, S)) < density], axis=1)
    tag = seed if isinstance(seed, (int, np.integer)) else "rng"
    return SubmodularGrid(rows, cols, WeightedCoverage(footprint, rng.random(2 * S)), H, start, slip,
                          name=f"coverage-grid({rows}x{cols}, H={H}, density={density:g}, slip={slip:g}, seed={tag})")


@_takes_model
def exact_subpo(model: SetRewardSMDP, *, iterations: int = 3000, lr: float = 1.0, tol: float = 1e-6,
                seed: Seed = 0) -> SubPOResult:
    """SubPO-M with exact gradients: softmax ``pi(a | h, s)`` (tabular), ascent on the exact ``dJ/dtheta``. The
    paper's estimator (REINFORCE on the sum of future marginal gains) is unbiased for this gradient, so this is
    SubPO-M's infinite-batch limit [own; the paper's runs use sampled batches and Adam]. ``lr`` scales with
    ``1 / max|F|``; logits start at small ``N(0, 0.01)`` noise from ``seed``; stops when the gradient norm falls
    below ``tol * max|F|``."""
    iterations = check_int(iterations, "iterations")
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    tol = check_real(tol, "tol", low=0.0)
    fmax = max(float(np.abs(model.table).max()), 1e-300)
    theta = as_generator(seed).normal(0.0, 0.01, (model.H, model.S, model.A))
    norm, done = np.inf, 0
    for _ in range(iterations):
        done += 1
        pi = np.exp(theta - theta.max(axis=2, keepdims=True))
        pi /= pi.sum(axis=2, keepdims=True)
        g = _grad_x(model, pi)
        dtheta = pi * (g - (pi * g).sum(axis=2, keepdims=True))
        norm = float(np.linalg.norm(dtheta))
        if norm <= tol * fmax:
            break
        theta = theta + (lr / fmax) * dtheta
    return softmax_result(model, theta, done)


@_takes_model
def bandit_epsilon(model: SetRewardSMDP, states: Sequence[int] | None = None) -> float:
    """The smallest ``eps`` for which ``model`` is an epsilon-bandit SMDP on ``states`` (default its ground set):
    ``1 - min_s max_a min_{s'} P[s', a, s]`` -- every state has an action reaching it from every state with
    probability ``>= 1 - eps`` (the paper's definition, as the reviews quote it). 1 when some state is not reachable
    in one step from everywhere (e.g. a corridor)."""
    if states is None:
        states = list(model.ground)
    else:
        if isinstance(states, (str, bytes)) or not hasattr(states, "__iter__"):
            raise TypeError(f"states must be a sequence of state indices, got {type(states).__name__}")
        states = [check_int(s, f"states[{i}]", minimum=0) for i, s in enumerate(states)]
        if not states:
            raise ValueError("states must not be empty")
        for i, s in enumerate(states):
            if s >= model.S:
                raise ValueError(f"states[{i}] must be a state in [0, {model.S}), got {s}")
    return float(1.0 - model.P[:, :, states].min(axis=0).max(axis=0).min())
