"""Exact finite-horizon POMDP value iteration over alpha-vectors, with incremental pruning.

The value of a belief ``b`` with ``h`` steps to go is ``V_h(b) = max_{alpha in Gamma_h} b . alpha`` (Sondik 1971;
Smallwood & Sondik 1973). One exact backup (Monahan 1982) builds, for each action ``a`` and observation ``o``, the
projections of ``Gamma_{h-1}``

    G[a, o] = { gamma * sum_s' P[s, a, s'] O[a, s', o] alpha(s')  :  alpha in Gamma_{h-1} },

and ``Gamma_h = U_a ( R[:, a] + G[a, 0] (+) G[a, 1] (+) ... (+) G[a, O-1] )`` with ``(+)`` the cross-sum. Incremental
pruning (Cassandra, Littman & Zhang 1997) prunes each ``G[a, o]``, each partial cross-sum and the union, so no set
grows beyond (pruned) x (pruned).

Pruning keeps a vector iff it is *strictly* best somewhere on the belief simplex: its LP margin
``max_b min_{u != w} b . (w - u)`` against the other kept vectors exceeds ``PRUNE_TOL * scale`` (``scale`` the
largest ``|alpha(s)|`` of the set, at least 1). The LP is solved by scipy's HiGHS (``linprog(method="highs")``). In
front of it: a pointwise-dominance filter (numpy, in chunks), the vectors best at the simplex corners as seeds, and
Lark's filter (White 1991; Cassandra et al. 1997, section 4), whose LPs are against the winners found so far rather
than all candidates. A final pass re-checks each winner against the other winners, so the kept set is exactly the
strictly-best one. Every vector dropped lies below the kept envelope plus the tolerance, so a prune moves the value
function by at most ``2 * PRUNE_TOL * scale`` at any belief.

The backup is vectorised (one ``einsum`` projects every vector for every action and observation, one broadcast add
forms a cross-sum); Python loops run over actions, observations and LP calls, whose cost the LPs dominate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .validation import (
    check_distribution_rows,
    check_horizon,
    check_real,
    check_real_array,
    check_rewards,
    row_operator,
    row_sum_atol,
)

#: Relative tolerance of pruning: a vector is kept iff it beats every other kept vector by more than
#: ``PRUNE_TOL * max(1, max |alpha|)`` at some belief (HiGHS' default feasibility tolerance is 1e-7 on the rescaled LP).
PRUNE_TOL = 1e-9

#: An unpruned backup that would hold more than this many floats is refused (``ValueError``), not run out of memory.
MAX_UNPRUNED_FLOATS = 10_000_000

_CHUNK = 1 << 22  # floats per block of the pointwise-dominance filter


@dataclass(frozen=True)
class POMDPValueFunction:
    """The exact ``H``-step value function ``V_H(b) = max_i b . alphas[i]``; ``actions[i]`` is the first action of the
    conditional plan of ``alphas[i]``."""

    alphas: np.ndarray  # (n, S) float64
    actions: np.ndarray  # (n,) int64
    H: int
    gamma: float

    def _scores(self, belief) -> np.ndarray:
        b = check_belief(belief, self.alphas.shape[1])
        return b @ self.alphas.T

    def value(self, belief) -> np.ndarray | float:
        """``V_H(b)`` for one belief ``(S,)`` (a float) or a batch ``(..., S)`` (an array of shape ``(...)``)."""
        v = self._scores(belief).max(axis=-1)
        return float(v) if v.ndim == 0 else v

    def policy(self, belief) -> np.ndarray | int:
        """The first action of an optimal ``H``-step plan at ``b`` (int, or an int64 array for a batch)."""
        a = self.actions[self._scores(belief).argmax(axis=-1)]
        return int(a) if a.ndim == 0 else a


def check_belief(belief, S: int, name: str = "belief") -> np.ndarray:
    """Return ``belief`` (shape ``(S,)`` or ``(..., S)``) as float64 if every row is a probability vector, else
    raise ``ValueError`` / ``TypeError`` naming the first bad row."""
    b = check_real_array(belief, name)
    if sp.issparse(b):
        raise TypeError(f"{name} must be a dense array, got a sparse matrix")
    dtype = b.dtype
    b = b.astype(np.float64)
    if b.ndim == 0 or b.shape[-1] != S:
        raise ValueError(f"{name} must have shape (S,) or (..., S) with S = {S}, got {b.shape}")
    rows = b.reshape(-1, S)
    bad = ~(np.isfinite(rows) & (rows >= 0)).all(axis=1)
    bad |= np.abs(rows.sum(axis=1) - 1.0) > row_sum_atol(dtype, S)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = name if b.ndim == 1 else f"{name}{[int(j) for j in np.unravel_index(i, b.shape[:-1])]}"
        raise ValueError(f"{where} = {rows[i].tolist()} is not a probability vector (entries >= 0 summing to 1)")
    return b


def _check_emissions(O, S: int, A: int) -> np.ndarray:
    """``O[a, s', o]`` (or ``O[s', o]``, broadcast over actions) validated as float64 ``(A, S, O)``."""
    O = check_real_array(O, "O")
    if sp.issparse(O):
        raise TypeError("O must be a dense array O[a, s', o] or O[s', o], got a sparse matrix")
    if O.ndim == 2 and O.shape[0] != S or O.ndim == 3 and O.shape[:2] != (A, S) or O.ndim not in (2, 3):
        raise ValueError(f"O must have shape (A, S, O) = ({A}, {S}, n_obs) or (S, O) = ({S}, n_obs), got {O.shape}")
    if O.shape[-1] < 1:
        raise ValueError("O must have at least one observation")
    dtype = O.dtype
    O = np.asarray(O, dtype=np.float64)
    if O.ndim == 2:  # rows named by state (action 0: the row is shared by every action)
        check_distribution_rows(np.ascontiguousarray(O), 1, "O[s', o]", dtype=dtype)
        return np.ascontiguousarray(np.broadcast_to(O, (A, *O.shape)))
    check_distribution_rows(np.ascontiguousarray(O.transpose(1, 0, 2)).reshape(S * A, -1), A, "O", dtype=dtype)
    return np.ascontiguousarray(O)


def _pointwise_filter(V: np.ndarray, atol: float) -> np.ndarray:
    """Indices of the vectors not weakly dominated pointwise (``u >= w - atol`` everywhere) by another one; of
    near-equal vectors the first in descending-sum order is kept."""
    order = np.argsort(-V.sum(axis=1), kind="stable")
    V = V[order]
    n, S = V.shape
    dominated = np.zeros(n, dtype=bool)
    step = max(1, _CHUNK // max(1, n * S))
    for start in range(0, n, step):  # rows i in [start, stop) against every j: dominated iff some j < i covers i
        stop = min(n, start + step)
        covers = (V[None, :, :] >= V[start:stop, None, :] - atol).all(axis=2)  # (i, j)
        covers &= np.arange(n)[None, :] < np.arange(start, stop)[:, None]
        dominated[start:stop] = covers.any(axis=1)
    return np.sort(order[~dominated])


def _lp_margin(w: np.ndarray, U: np.ndarray) -> tuple[float, np.ndarray]:
    """``max_b min_u b . (w - u)`` over the simplex, and its maximiser ``b`` (HiGHS). Variables ``(b, delta)``."""
    S = w.shape[0]
    if U.shape[0] == 0:
        return np.inf, np.full(S, 1.0 / S)
    c = np.zeros(S + 1)
    c[-1] = -1.0
    A_ub = np.hstack([U - w, np.ones((U.shape[0], 1))])  # b . (u - w) + delta <= 0
    A_eq = np.ones((1, S + 1))
    A_eq[0, -1] = 0.0
    bounds = [(0.0, None)] * S + [(None, None)]
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(U.shape[0]), A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"pruning LP failed: {res.message}")
    return float(-res.fun), res.x[:S]


def prune_alphas(V: np.ndarray, tol: float = PRUNE_TOL) -> np.ndarray:
    """Indices (ascending) of the vectors of ``V`` (``(n, S)``) strictly best somewhere on the simplex (see the module
    docstring for the tolerance), by pointwise dominance, corner seeds, Lark's filter and a final LP pass."""
    n, S = V.shape
    if n <= 1:
        return np.arange(n)
    scale = max(1.0, float(np.abs(V).max()))
    atol = tol * scale
    idx = _pointwise_filter(V, atol)
    if idx.size <= 1:
        return idx
    W = V[idx] / scale  # the LP on a unit scale
    eps = tol
    won = np.zeros(idx.size, dtype=bool)
    won[np.unique(W.argmax(axis=0))] = True  # best at a corner e_s (first index of ties)
    pending = list(np.flatnonzero(~won))
    dropped = np.zeros(idx.size, dtype=bool)
    while pending:  # Lark's filter: each candidate against the winners so far
        i = pending.pop()
        margin, b = _lp_margin(W[i], W[won])
        if margin <= eps:
            dropped[i] = True
            continue
        scores = W @ b
        scores[won | dropped] = -np.inf
        j = int(scores.argmax())  # the best vector at b (not yet a winner: it beats them all there)
        won[j] = True
        if j != i:
            pending.remove(j)
            pending.append(i)
    keep = np.flatnonzero(won)
    for i in list(keep):  # each winner strictly best against the other kept winners
        others = won.copy()
        others[i] = False
        if _lp_margin(W[i], W[others])[0] <= eps:
            won[i] = False
    return idx[np.flatnonzero(won)]


def _cross_sum(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return (X[:, None, :] + Y[None, :, :]).reshape(-1, X.shape[1])


def pomdp_value_iteration(P, O, R, *, H: int, gamma: float = 1.0, prune: bool = True) -> POMDPValueFunction:
    """Exact ``H``-step value function of a POMDP as alpha-vectors (Monahan's backup with Cassandra, Littman & Zhang's
    1997 incremental pruning; see the module docstring for the tolerance).

    ``P[s, a, s']`` (or the other layouts of :mod:`.validation`), emissions ``O[a, s', o]`` (the observation after
    taking ``a`` and landing in ``s'``; an ``O[s', o]`` is broadcast over actions), mean rewards ``R[s, a]``,
    ``gamma`` in [0, 1] (rewards discounted from the first step). ``prune=False`` keeps every vector of the exact
    backup (``A * n^O`` per step), for checking; a backup that would exceed ``MAX_UNPRUNED_FLOATS`` floats raises.
    """
    R = check_rewards(R, "R", 2)
    S, A = R.shape
    P2, _ = row_operator(P, S, A, "P")
    P = (P2.toarray() if sp.issparse(P2) else P2).reshape(S, A, S)
    O = _check_emissions(O, S, A)
    H = check_horizon(H)
    gamma = check_real(gamma, "gamma")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
    if not isinstance(prune, (bool, np.bool_)):
        raise TypeError(f"prune must be a bool, got {type(prune).__name__} {prune!r}")
    keep = prune_alphas if prune else (lambda V: np.arange(V.shape[0]))
    n_obs = O.shape[2]
    M = gamma * np.einsum("sat,ato->aost", P, O)  # M[a, o, s, s'] = gamma P(s'|s,a) O(o|a,s')
    alphas, actions = np.zeros((1, S)), np.zeros(1, dtype=np.int64)
    for _ in range(H):
        G = np.einsum("aost,kt->aoks", M, alphas)  # every projection, (A, O, n, S)
        if not prune and A * alphas.shape[0] ** n_obs * S > MAX_UNPRUNED_FLOATS:
            raise ValueError(f"prune=False: the next backup would hold {A} * {alphas.shape[0]}^{n_obs} vectors of "
                             f"length {S}, more than MAX_UNPRUNED_FLOATS = {MAX_UNPRUNED_FLOATS}")
        per_action = []
        for a in range(A):
            acc = G[a, 0][keep(G[a, 0])]
            for o in range(1, n_obs):
                acc = _cross_sum(acc, G[a, o][keep(G[a, o])])
                acc = acc[keep(acc)]
            per_action.append(acc + R[:, a])
        alphas = np.concatenate(per_action)
        actions = np.repeat(np.arange(A), [len(x) for x in per_action])
        kept = keep(alphas)
        alphas, actions = alphas[kept], actions[kept]
    alphas.setflags(write=False)
    actions.setflags(write=False)
    return POMDPValueFunction(alphas, actions, H, gamma)
