"""Heuristic search value iteration (HSVI; Smith & Simmons 2004, UAI; HSVI2: Smith & Simmons 2005, UAI): certified
lower and upper bounds on the discounted POMDP value at the initial belief, refined by trials until they meet.

Bounds (both certified, at every belief):

* Lower ``V_L(b) = max_i b . alpha_i``. Started from the blind policies' vectors (:func:`.pomdp_bounds`, as in HSVI2);
  each point backup ``alpha = R_a + gamma sum_o P_a diag(O_ao) alpha_o`` is the value of a conditional plan whose
  sub-plans are worth at least ``alpha_o``, so every vector stays below ``V*``.
* Upper ``V_U(b) = min(sawtooth(b), max_a b . f_a)``: ``f`` the fast informed bound (:func:`.fib`, certified), and the
  sawtooth interpolation (Hauskrecht 2000, section 5.3; HSVI section 3) of the corner values ``v_c(s) = max_a
  f_a(s)`` and the stored points ``(b_i, v_i)``: ``min_i [b . v_c + phi_i(b) (v_i - b_i . v_c)]`` with ``phi_i(b) =
  min_{s: b_i(s) > 0} b(s) / b_i(s)``. ``V*`` is convex, so it lies below any such interpolation of upper values.
  A point backup ``v = max_a [R(b, a) + gamma sum_o Pr(o | b, a) V_U(tau(b, a, o))]`` is ``>= V*(b)`` because
  ``V* = H V* <= H V_U``.

Search (HSVI 2004, Algorithm 1, with its depth-dependent threshold): a trial from ``b0`` at depth ``t`` stops where
``V_U(b) - V_L(b) <= gap * gamma^-t``; otherwise it goes to ``tau(b, a*, o*)`` with ``a*`` greedy for the upper bound
(IE-MAX) and ``o*`` maximising ``Pr(o | b, a*) (width(tau) - gap gamma^-(t+1))`` (the weighted excess
uncertainty), and on the way back backs up both bounds at every belief it passed. Trials repeat until the width at
``b0`` is at most ``gap`` (Theorem 1 of the 2004 paper: finitely many trials), or ``time_limit`` runs out: then the
incumbent bounds are returned, marked not converged, with a ``RuntimeWarning`` stating the gap reached.

Pruning (a choice of ours, in the spirit of SARSOP's belief-based pruning; it cannot break a certificate): when the
lower set has doubled since the last prune, only the vectors best at a stored upper point (a belief where a backup
improved ``V_U``), at a one-state belief the search backed up, or at ``b0`` are kept. Dropping vectors only lowers
``V_L``, which stays a lower bound; but it can lower ``V_L`` away from those beliefs, so ``V_L`` need not stay
uniformly improvable (the greedy policy is then not certified, see :class:`HSVIResult`) and the 2004 paper's
finite-trial argument, which assumes bounds that never loosen, no longer applies: a trial that improves neither
bound ends the search (``stalled``), so it cannot spin. Upper points are added only where they improve ``V_U``, a
one-state belief lowers its corner value instead (as ZMDP does), and when the points have doubled those the others
imply at their own belief are dropped (HSVI2's point pruning); dropping points only raises ``V_U``, which stays an
upper bound.

Rounding: every backup rounds, and the error propagates with ``gamma`` (``e <- gamma e + delta``, ``delta`` a
Higham-style bound of one backup's float64 error), so ``delta / (1 - gamma)`` is subtracted from the reported lower
values and added to the upper ones, on top of the certified slacks of the FIB and blind-policy initialisations.

Beliefs are sparse (support and probabilities); ``P`` may be sparse ``(S*A, S)``, so RockSample(7, 8) (12,545 states)
runs without a dense ``S*A*S`` table. The per-belief work (successor beliefs, both bounds at each successor, the
backups) is Numba; the trial loop is Python and does a constant number of kernel calls per step.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import njit

from .pomdp_bounds import _blind, _model, fib
from .pomdp_value_iteration import check_belief
from .result import EPS
from .validation import check_int, check_real

#: Prune the upper point set (module docstring); a switch for measuring its effect.
PRUNE_POINTS = True

# ------------------------------------------------------------------------------------------------------ kernels


@njit(cache=True, nogil=True)
def _lower_value(idx, val, GammaT, n_alpha, scores):
    """``(max_i b . alpha_i, argmax)`` for the sparse belief ``(idx, val)``; ``GammaT[s, i] = alpha_i(s)`` (one
    contiguous row per state, so the inner loop runs over vectors); ``scores`` is scratch of length ``n_alpha``."""
    sc = scores[:n_alpha]
    sc[:] = 0.0
    for k in range(idx.shape[0]):
        w = val[k]
        row = GammaT[idx[k]]
        for i in range(n_alpha):
            sc[i] += w * row[i]
    arg = np.argmax(sc)
    return sc[arg], arg


@njit(cache=True, nogil=True)
def _upper_value(idx, val, dense, corner, fib_alphas, pt_ptr, pt_idx, pt_val, pt_c, n_pts):
    """``V_U(b)`` (module docstring); ``dense`` holds ``b`` densely (zeros elsewhere) on entry and exit."""
    base = 0.0
    for k in range(idx.shape[0]):
        base += val[k] * corner[idx[k]]
    best = base
    for i in range(n_pts):
        if pt_c[i] >= 0.0:
            continue
        phi = np.inf
        for j in range(pt_ptr[i], pt_ptr[i + 1]):
            r = dense[pt_idx[j]] / pt_val[j]
            if r < phi:
                phi = r
                if phi == 0.0:
                    break
        v = base + phi * pt_c[i]
        if v < best:
            best = v
    f = -np.inf
    for a in range(fib_alphas.shape[0]):
        v = 0.0
        for k in range(idx.shape[0]):
            v += val[k] * fib_alphas[a, idx[k]]
        f = max(f, v)
    return min(best, f)


@njit(cache=True, nogil=True)
def _expand(idx, val, P_ptr, P_idx, P_val, O, R, gamma, GammaT, n_alpha, scores, corner, fib_alphas,
            pt_ptr, pt_idx, pt_val, pt_c, n_pts, dense, pred, mark, with_lower):
    """Every successor of the belief ``(idx, val)``: ``prob[a, o] = Pr(o | b, a)``, the successor beliefs (sparse,
    ``succ_ptr[a * n_obs + o]`` onwards), both bounds at each (``vu``, ``vl``, and ``arg`` the best lower vector),
    and ``qu[a]``, ``ql[a]``: the one-step lookahead values of the upper and lower bounds. ``dense``, ``pred`` and
    ``mark`` are zeroed scratch of length ``S``, zero again on return. Without ``with_lower`` the lower bound is
    not evaluated (``vl``, ``arg``, ``ql`` stay 0)."""
    A, S, n_obs = O.shape
    cap = 0
    for a in range(A):
        c = 0
        for k in range(idx.shape[0]):
            row = idx[k] * A + a
            c += P_ptr[row + 1] - P_ptr[row]
        cap = max(cap, min(c, S))
    succ_ptr = np.zeros(A * n_obs + 1, dtype=np.int64)
    succ_idx = np.empty(A * n_obs * cap, dtype=np.int64)
    succ_val = np.empty(A * n_obs * cap)
    prob = np.zeros((A, n_obs))
    vu = np.zeros((A, n_obs))
    vl = np.zeros((A, n_obs))
    arg = np.zeros((A, n_obs), dtype=np.int64)
    qu = np.empty(A)
    ql = np.empty(A)
    touched = np.empty(cap, dtype=np.int64)
    pos = 0
    for a in range(A):
        n_t = 0
        r = 0.0
        for k in range(idx.shape[0]):
            s, w = idx[k], val[k]
            r += w * R[s, a]
            row = s * A + a
            for j in range(P_ptr[row], P_ptr[row + 1]):
                t = P_idx[j]
                if not mark[t]:
                    mark[t] = True
                    touched[n_t] = t
                    n_t += 1
                pred[t] += w * P_val[j]
        qu[a] = r
        ql[a] = r
        for o in range(n_obs):
            start = pos
            p = 0.0
            for m in range(n_t):
                t = touched[m]
                q = pred[t] * O[a, t, o]
                if q > 0.0:
                    succ_idx[pos] = t
                    succ_val[pos] = q
                    p += q
                    pos += 1
            succ_ptr[a * n_obs + o + 1] = pos
            prob[a, o] = p
            if p > 0.0:
                si, sv = succ_idx[start:pos], succ_val[start:pos]
                for m in range(pos - start):
                    sv[m] /= p
                    dense[si[m]] = sv[m]
                vu[a, o] = _upper_value(si, sv, dense, corner, fib_alphas, pt_ptr, pt_idx, pt_val, pt_c, n_pts)
                if with_lower:
                    vl[a, o], arg[a, o] = _lower_value(si, sv, GammaT, n_alpha, scores)
                for m in range(pos - start):
                    dense[si[m]] = 0.0
                qu[a] += gamma * p * vu[a, o]
                ql[a] += gamma * p * vl[a, o]
        for m in range(n_t):
            pred[touched[m]] = 0.0
            mark[touched[m]] = False
    return prob, vu, vl, arg, qu, ql, succ_ptr, succ_idx, succ_val


@njit(cache=True, nogil=True)
def _backup_vector(a, arg_a, P_ptr, P_idx, P_val, O, R, gamma, GammaT):
    """``alpha(s) = R(s, a) + gamma sum_s' P(s'|s, a) sum_o O(o|a, s') alpha_{arg_a[o]}(s')`` for every ``s``."""
    A, S, n_obs = O.shape
    out = np.empty(S)
    for s in range(S):
        row = s * A + a
        v = 0.0
        for j in range(P_ptr[row], P_ptr[row + 1]):
            t = P_idx[j]
            acc = 0.0
            for o in range(n_obs):
                acc += O[a, t, o] * GammaT[t, arg_a[o]]
            v += P_val[j] * acc
        out[s] = R[s, a] + gamma * v
    return out


@njit(cache=True, nogil=True)
def _best_at_points(pt_ptr, pt_idx, pt_val, n_pts, GammaT, n_alpha, scores):
    """Index of the best lower vector at each stored upper point."""
    out = np.empty(n_pts, dtype=np.int64)
    for i in range(n_pts):
        a, b = pt_ptr[i], pt_ptr[i + 1]
        out[i] = _lower_value(pt_idx[a:b], pt_val[a:b], GammaT, n_alpha, scores)[1]
    return out


@njit(cache=True, nogil=True)
def _redundant_points(pt_ptr, pt_idx, pt_val, pt_c, n_pts, corner, fib_alphas, dense):
    """``True`` for each upper point whose value the rest of the bound already implies at its own belief
    (``V_U`` without it, there, is at most ``v_i``); checked in order, a point found redundant no longer counts for
    the later ones, so of two equal points one stays."""
    redundant = np.zeros(n_pts, dtype=np.bool_)
    c = pt_c[:n_pts].copy()
    for i in range(n_pts):
        lo, hi = pt_ptr[i], pt_ptr[i + 1]
        idx, val = pt_idx[lo:hi], pt_val[lo:hi]
        own = 0.0
        for k in range(hi - lo):
            dense[idx[k]] = val[k]
            own += val[k] * corner[idx[k]]
        ci = c[i]
        c[i] = 0.0  # a point with c >= 0 is skipped by _upper_value
        if _upper_value(idx, val, dense, corner, fib_alphas, pt_ptr, pt_idx, pt_val, c, n_pts) <= own + ci:
            redundant[i] = True
        else:
            c[i] = ci
        for k in range(hi - lo):
            dense[idx[k]] = 0.0
    return redundant


class _Bounds:
    """The growing state of the search: lower vectors as the columns of ``GammaT[:, :n_alpha]`` with their
    ``actions``, upper points in CSR form (``pt_ptr``, ``pt_idx``, ``pt_val``) with ``pt_c[i] = v_i - b_i .
    corner``; arrays double when full."""

    def __init__(self, alphas: np.ndarray, actions: np.ndarray, corner: np.ndarray, fib_alphas: np.ndarray):
        S = alphas.shape[1]
        cap = max(64, 2 * len(alphas))
        self.GammaT = np.zeros((S, cap))
        self.GammaT[:, : len(alphas)] = alphas.T
        self.actions = np.zeros(cap, dtype=np.int64)
        self.actions[: len(alphas)] = actions
        self.scores = np.zeros(cap)
        self.n_alpha = len(alphas)
        self.corner, self.fib_alphas = corner.copy(), fib_alphas
        self.pt_ptr = np.zeros(65, dtype=np.int64)
        self.pt_idx = np.zeros(1024, dtype=np.int64)
        self.pt_val = np.zeros(1024)
        self.pt_c = np.zeros(64)
        self.n_pts = 0
        self.dense, self.pred = np.zeros(S), np.zeros(S)
        self.mark = np.zeros(S, dtype=np.bool_)
        self.pruned_at = self.n_alpha
        self.points_pruned_at = 0
        self.corners_backed_up: set[int] = set()  # one-state beliefs the search has backed up (not stored as points)

    @property
    def alphas(self) -> np.ndarray:
        return self.GammaT[:, : self.n_alpha].T

    def expand(self, idx, val, model, with_lower: bool):
        P_ptr, P_idx, P_val, O, R, gamma = model
        return _expand(idx, val, P_ptr, P_idx, P_val, O, R, gamma, self.GammaT, self.n_alpha, self.scores,
                       self.corner, self.fib_alphas, self.pt_ptr, self.pt_idx, self.pt_val, self.pt_c, self.n_pts,
                       self.dense, self.pred, self.mark, with_lower)

    def upper(self, idx, val) -> float:
        self.dense[idx] = val
        v = _upper_value(idx, val, self.dense, self.corner, self.fib_alphas, self.pt_ptr, self.pt_idx, self.pt_val,
                         self.pt_c, self.n_pts)
        self.dense[idx] = 0.0
        return v

    def lower(self, idx, val) -> tuple[float, int]:
        v, i = _lower_value(idx, val, self.GammaT, self.n_alpha, self.scores)
        return float(v), int(i)

    def add_alpha(self, alpha: np.ndarray, action: int) -> None:
        if self.n_alpha == self.GammaT.shape[1]:
            self.GammaT = np.concatenate([self.GammaT, np.zeros_like(self.GammaT)], axis=1)
            self.actions = np.concatenate([self.actions, np.zeros_like(self.actions)])
            self.scores = np.zeros(self.GammaT.shape[1])
        self.GammaT[:, self.n_alpha], self.actions[self.n_alpha] = alpha, action
        self.n_alpha += 1

    def add_point(self, idx, val, v: float) -> None:
        """Store ``(b, v)``; a one-state belief lowers that corner's value instead (as ZMDP does), and the stored
        points' ``pt_c`` follow the corner."""
        if len(idx) == 1:
            s = int(idx[0])
            if v < self.corner[s]:
                entries = np.flatnonzero(self.pt_idx[: self.pt_ptr[self.n_pts]] == s)
                owner = np.searchsorted(self.pt_ptr[: self.n_pts + 1], entries, side="right") - 1
                np.add.at(self.pt_c, owner, self.pt_val[entries] * (self.corner[s] - v))
                self.corner[s] = v
            return
        n, start = self.n_pts, self.pt_ptr[self.n_pts]
        if n + 1 == self.pt_ptr.shape[0]:
            self.pt_ptr = np.concatenate([self.pt_ptr, np.zeros(n, dtype=np.int64)])
            self.pt_c = np.concatenate([self.pt_c, np.zeros_like(self.pt_c)])
        while start + len(idx) > self.pt_idx.shape[0]:
            self.pt_idx = np.concatenate([self.pt_idx, np.zeros_like(self.pt_idx)])
            self.pt_val = np.concatenate([self.pt_val, np.zeros_like(self.pt_val)])
        self.pt_idx[start: start + len(idx)], self.pt_val[start: start + len(idx)] = idx, val
        self.pt_ptr[n + 1] = start + len(idx)
        self.pt_c[n] = v - float(val @ self.corner[idx])
        self.n_pts += 1

    def prune_points(self) -> None:
        """Drop the upper points the others imply at their own beliefs (HSVI2's pruning of the point set)."""
        n = self.n_pts
        keep = np.flatnonzero(~_redundant_points(self.pt_ptr, self.pt_idx, self.pt_val, self.pt_c, n, self.corner,
                                                 self.fib_alphas, self.dense))
        lengths = np.diff(self.pt_ptr[: n + 1])[keep]
        ends = np.cumsum(lengths)
        entries = np.repeat(self.pt_ptr[keep] - (ends - lengths), lengths) + np.arange(ends[-1] if keep.size else 0)
        self.pt_idx[: entries.size], self.pt_val[: entries.size] = self.pt_idx[entries], self.pt_val[entries]
        self.pt_ptr[1: keep.size + 1] = np.cumsum(lengths)
        self.pt_c[: keep.size] = self.pt_c[keep]
        self.n_pts = self.points_pruned_at = keep.size

    def prune(self, b0_idx, b0_val) -> None:
        """Keep the lower vectors best at some stored point, at a one-state belief backed up, or at ``b0`` (module
        docstring)."""
        keep = set(_best_at_points(self.pt_ptr, self.pt_idx, self.pt_val, self.n_pts, self.GammaT,
                                   self.n_alpha, self.scores).tolist())
        corners = np.fromiter(self.corners_backed_up, dtype=np.int64)
        keep.update(self.GammaT[corners, : self.n_alpha].argmax(axis=1).tolist())
        keep.add(self.lower(b0_idx, b0_val)[1])
        keep = np.array(sorted(keep))
        self.GammaT[:, : len(keep)] = self.GammaT[:, keep]
        self.actions[: len(keep)] = self.actions[keep]
        self.n_alpha = self.pruned_at = len(keep)


# ------------------------------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class HSVIResult:
    """Certified bounds at the initial belief: ``lower <= V*(b0) <= upper`` (rounding included), ``gap = upper -
    lower``; ``converged`` is false when ``time_limit`` stopped the search before ``gap`` was reached. ``alphas`` and
    ``actions`` are the lower bound's vectors (``lower_value(b)`` is certified at every belief; ``policy(b)`` is the
    first action of the best vector's conditional plan, a plan worth at least ``lower_value(b)``; re-choosing
    greedily after every step is the usual heuristic, not certified once vectors have been pruned);
    ``upper_value(b)`` is the certified upper bound anywhere. The vectors are already lowered by ``slack``, the
    certified rounding allowance (added to the upper values). ``trace`` rows: ``(seconds, lower, upper)``, certified,
    after each trial. ``stalled``: a trial improved neither bound, so the search (deterministic) could not go on."""

    lower: float
    upper: float
    converged: bool
    trials: int
    backups: int
    seconds: float
    alphas: np.ndarray
    actions: np.ndarray
    trace: np.ndarray
    slack: float
    stalled: bool
    _bounds: _Bounds = field(repr=False, compare=False)

    @property
    def gap(self) -> float:
        return self.upper - self.lower

    def _beliefs(self, belief) -> np.ndarray:
        """``belief`` (``(S,)`` or ``(..., S)``) checked and renormalised to sum 1 along the last axis."""
        b = check_belief(belief, self.alphas.shape[1])
        return b / b.sum(axis=-1, keepdims=True)

    def lower_value(self, belief) -> np.ndarray | float:
        """Certified lower bound on ``V*(b)``: a float for one belief, an array of shape ``(...)`` for a batch."""
        v = (self._beliefs(belief) @ self.alphas.T).max(axis=-1)
        return float(v) if v.ndim == 0 else v

    def upper_value(self, belief) -> np.ndarray | float:
        """Certified upper bound on ``V*(b)``, as :meth:`lower_value`."""
        b = self._beliefs(belief)
        rows = b.reshape(-1, b.shape[-1])
        v = np.array([self._bounds.upper(np.flatnonzero(r), r[r != 0]) for r in rows]) + self.slack
        return float(v[0]) if b.ndim == 1 else v.reshape(b.shape[:-1])

    def policy(self, belief) -> np.ndarray | int:
        """The first action of the best lower vector's plan at ``b`` (an int, or an int64 array for a batch)."""
        a = self.actions[(self._beliefs(belief) @ self.alphas.T).argmax(axis=-1)]
        return int(a) if a.ndim == 0 else a


# ------------------------------------------------------------------------------------------------------ solver


def _positive(x, name: str) -> float:
    x = check_real(x, name)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a positive finite number, got {x}")
    return x


def hsvi(P, O, R, gamma: float, initial, *, gap: float = 1e-3, time_limit: float | None = 60.0,
         max_trials: int | None = None, max_depth: int | None = None, zeta: float | None = None) -> HSVIResult:
    """Heuristic search value iteration (module docstring): certified ``lower <= V*(initial) <= upper``, refined
    until ``upper - lower <= gap`` or ``time_limit`` seconds (``None``: no limit) or ``max_trials`` trials.

    Args:
        P: ``P[s, a, s']``, sparse ``(S*A, S)`` (row ``s*A + a``) or a per-action list. O: ``O[a, s', o]`` or
            ``O[s', o]``. R: ``R[s, a]``. gamma: in [0, 1). initial: the belief ``b0`` (``(S,)``).
        gap: target width at ``b0`` (absolute, value units), above twice the certified rounding allowance.
        max_depth: trial depth cap (default: the HSVI bound ``log(gap / width0) / log(gamma)``, beyond which the
            threshold exceeds any width).
        zeta: ``None`` (the paper): every trial targets ``gap``. A number in (0, 1): each trial targets
            ``max(gap, zeta * width(b0))``, as in ZMDP (Smith's own HSVI2 code, ``zeta = 0.95``; labelled: taken
            from the code, not from the paper's text): shallower trials early, a better anytime interval.

    Returns an :class:`HSVIResult`. If the budget ran out first (or the search stalled), ``converged`` is false and a
    ``RuntimeWarning`` gives the gap reached. The FIB and blind-policy initialisations run before the clock starts
    counting against ``time_limit``.
    """
    m = _model(P, O, R, gamma)
    R, gamma = m.R, m.gamma
    S, A = R.shape
    b0 = check_belief(initial, S, "initial")
    if b0.ndim != 1:
        raise ValueError(f"initial must be one belief b[s] of shape ({S},), got {b0.shape}")
    gap = _positive(gap, "gap")
    if time_limit is not None:
        time_limit = _positive(time_limit, "time_limit")
    if max_trials is not None:
        max_trials = check_int(max_trials, "max_trials", minimum=1)
    if max_depth is not None:
        max_depth = check_int(max_depth, "max_depth", minimum=1)
    if zeta is not None:
        zeta = check_real(zeta, "zeta")
        if not 0 < zeta < 1:
            raise ValueError(f"zeta must lie in (0, 1) (or be None), got {zeta}")
    b0 = b0 / b0.sum()  # the check allows sums within 1e-8 of 1; the certificate is for the normalised belief
    start = time.perf_counter()

    # rounding of one backup (support sums, an O-term sum, the reward add), propagated with gamma: every vector and
    # point value is a plan's value or a bound on V*, so of size at most r_max / (1 - gamma) (or the inits', below)
    r_max = float(np.abs(R).max())

    def allowance(size: float) -> float:
        return (S + m.O.shape[2] + 4) * EPS * (r_max + 2 * size) / (1 - gamma)

    slack = allowance(r_max / (1 - gamma))
    if gap <= 2 * slack:
        raise ValueError(f"gap = {gap:.3g} is not above twice the certified rounding allowance ({2 * slack:.3g}) "
                         f"of this model: no run could certify it")
    P2 = sp.csr_matrix(m.P2)
    O3 = np.ascontiguousarray(m.O)
    model = (P2.indptr.astype(np.int64), P2.indices.astype(np.int64), P2.data, O3, np.ascontiguousarray(R), gamma)
    upper0 = fib(m.P, m.O, R, gamma, tol=max(gap / 10, 1e3 * slack))
    blind, _ = _blind(m)  # certified: already lowered by its solve error
    fib_alphas = np.ascontiguousarray(upper0.alphas)
    bounds = _Bounds(blind, np.arange(A), fib_alphas.max(axis=0), fib_alphas)
    slack = allowance(max(r_max / (1 - gamma), float(np.abs(fib_alphas).max()), float(np.abs(blind).max())))
    b0_idx = np.flatnonzero(b0)
    b0_val = b0[b0_idx]

    def certified():
        return bounds.lower(b0_idx, b0_val)[0] - slack, bounds.upper(b0_idx, b0_val) + slack

    inner = gap - 2 * slack  # the width of the raw bounds that certifies gap
    if inner <= 0:
        raise ValueError(f"gap = {gap:.3g} is not above twice the certified rounding allowance ({2 * slack:.3g}) "
                         f"of this model: no run could certify it")

    width0 = max(float(np.abs(fib_alphas).max() - blind.min()), inner)
    if max_depth is None:
        max_depth = 1 if gamma == 0 else max(1, math.ceil(math.log(inner / width0) / math.log(gamma)) + 1)
    trials = backups = 0
    trace = []
    converged = stalled = False
    while True:
        lo, up = certified()
        trace.append((time.perf_counter() - start, lo, up))
        if up - lo <= gap:
            converged = True
            break
        if (time_limit is not None and time.perf_counter() - start >= time_limit) or \
                (max_trials is not None and trials >= max_trials):
            break
        target = inner if zeta is None else max(inner, zeta * (up - lo - 2 * slack))
        n, improved = _trial(bounds, b0_idx, b0_val, target, max_depth, model)
        backups += n
        trials += 1
        if not improved:
            stalled = True
            break
        if PRUNE_POINTS and bounds.n_pts >= 2 * max(bounds.points_pruned_at, 32):
            bounds.prune_points()
        if bounds.n_alpha >= 2 * max(bounds.pruned_at, 32):
            bounds.prune(b0_idx, b0_val)
    lo, up = certified()
    if not converged:
        why = "a trial that improved neither bound (it would repeat)" if stalled else "its budget"
        warnings.warn(f"hsvi: stopped by {why} after {trials} trials ({time.perf_counter() - start:.1f} s) "
                      f"at lower {lo:.6g}, upper {up:.6g}, gap {up - lo:.3g} > the requested gap {gap:.3g}",
                      RuntimeWarning, stacklevel=2)
    alphas = bounds.alphas - slack
    actions = bounds.actions[: bounds.n_alpha].copy()
    for x in (alphas, actions):
        x.setflags(write=False)
    return HSVIResult(lo, up, converged, trials, backups, time.perf_counter() - start, alphas, actions,
                      np.array(trace), slack, stalled, bounds)


def _trial(bounds: _Bounds, b0_idx, b0_val, gap, max_depth, model) -> tuple[int, bool]:
    """One HSVI trial from ``b0``: descend while the width exceeds ``gap gamma^-t``, then back up both bounds at
    every belief on the path, deepest first. Returns the number of backups and whether any improved a bound."""
    path = []
    idx, val = b0_idx, b0_val
    threshold, gamma, n_obs = gap, model[-1], model[3].shape[2]
    for _ in range(max_depth + 1):
        path.append((idx, val))
        if bounds.upper(idx, val) - bounds.lower(idx, val)[0] <= threshold or len(path) > max_depth:
            break
        prob, vu, _, _, qu, _, succ_ptr, succ_idx, succ_val = bounds.expand(idx, val, model, with_lower=False)
        a = int(np.argmax(qu))
        threshold = threshold / gamma if gamma > 0 else math.inf
        vl = np.array([bounds.lower(succ_idx[succ_ptr[a * n_obs + o]: succ_ptr[a * n_obs + o + 1]],
                                    succ_val[succ_ptr[a * n_obs + o]: succ_ptr[a * n_obs + o + 1]])[0]
                       if prob[a, o] > 0 else 0.0 for o in range(n_obs)])
        excess = prob[a] * (vu[a] - vl - threshold)
        o = int(np.argmax(excess))
        if prob[a, o] <= 0 or excess[o] <= 0:
            break
        lo_, hi_ = succ_ptr[a * n_obs + o], succ_ptr[a * n_obs + o + 1]
        idx, val = succ_idx[lo_:hi_].copy(), succ_val[lo_:hi_].copy()
    improved = False
    for idx, val in reversed(path):
        improved |= _update(bounds, idx, val, model)
    return len(path), improved


def _update(bounds: _Bounds, idx, val, model) -> bool:
    """Back up both bounds at the belief ``(idx, val)``: a new lower vector if it improves ``V_L(b)``, a new upper
    point if it improves ``V_U(b)``. Returns whether either was added."""
    prob, _, _, arg, qu, ql, *_ = bounds.expand(idx, val, model, with_lower=True)
    if len(idx) == 1:
        bounds.corners_backed_up.add(int(idx[0]))
    a = int(np.argmax(ql))
    low, best_here = bounds.lower(idx, val)
    improved = False
    if ql[a] > low + 1e-12 * max(1.0, abs(low)):
        arg_a = np.where(prob[a] > 0, arg[a], best_here)  # unreachable observations: any vector is a valid plan
        bounds.add_alpha(_backup_vector(a, arg_a, *model, bounds.GammaT), a)
        improved = True
    up = float(qu.max())
    if up < bounds.upper(idx, val) - 1e-12 * max(1.0, abs(up)):
        bounds.add_point(idx, val, up)
        improved = True
    return improved
