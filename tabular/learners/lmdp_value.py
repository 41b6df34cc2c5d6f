"""Value-optimistic learner for latent MDPs with context in hindsight, after Zhou, Wang & Du 2023 ("Horizon-free and
variance-dependent RL for latent MDPs", ICML; arXiv:2210.11604), the value-optimistic instance of their framework.

What is the paper's and what is reconstructed (its algorithm box, bonus and constants could not be retrieved; the
reading notes in shared/refs list what was found):

- [paper] Model-based; after each episode the context is revealed and the episode's transitions are counted for that
  context, ``n_m(s, a)``, ``P_hat_m(s'|s, a)``; rewards are deterministic, so one visit reveals ``R_m(s, a)``.
  ``iota = 2 ln(2 M S A H K / delta)`` (Section 3). Optimistic *alpha vectors* (per-context values).
- [reconstruction of the abstract's "truncation method"] The optimistic values are clipped at 1 (the total reward
  of an episode lies in [0, 1]); the paper's truncation may be an analysis device rather than this clipping.
- [reconstruction: MVP, Zhang, Ji & Du 2021, Algorithm 1] Doubling epochs: the statistics of ``(m, s, a)`` are
  refreshed when ``n_m(s, a)`` reaches a power of two (or context ``m``'s episode count does; then, and at every
  other trigger, the start counts of all contexts, which give ``w_hat`` and ``nu_hat_m``, are refreshed together);
  the optimistic tables are recomputed only then.
- [reconstruction] The bonus: ``b = max(c1 sqrt(Gamma V(P_hat, V_{h+1}) iota / n), c2 Gamma iota / n)`` with
  ``c1 = 2 sqrt(2)``, ``c2 = 8``: empirical Bernstein per successor (Maurer & Pontil 2009, Theorem 4) summed over
  the ``Gamma`` successors by Cauchy-Schwarz bounds ``|(P_hat - P) v|`` for *every* ``v`` in [0, 1]^S (the alpha
  vectors are history-dependent, so no fixed-vector bound covers them: this is where the paper's ``Gamma`` comes
  from); ``max(x, y) >= (x + y) / 2`` gives the constants, and ``c1^2 <= c2`` makes the update monotone in
  ``V_{h+1}`` (MVP's Lemma), so optimism propagates. ``Gamma`` defaults to ``S`` (the learner does not know the
  model's transition degree; pass it to use the paper's).
- [paper: optimistic planning oracle; our exact implementation] Planning, ``planner="optimistic"`` (the default
  wherever :func:`~boundlab.tabular.lmdp.plan` can enumerate the model, i.e. where exact regret is computable):
  :class:`OptimisticPlanPolicy`, backward induction over the (state, posterior) nodes of the epoch's estimated
  model with per-context optimistic alpha vectors (:func:`optimistic_q` applied to the history-dependent
  continuation, clipped at 1) and the action maximising the posterior-weighted optimistic value; it values
  information (a probe that reveals the context). The bonus and the clip act per context, so node-by-node
  maximisation is the optimistic Bellman recursion, not a maximum over policies of one optimistic objective.
  Optimism of the played policy: its optimistic root value with the true weights is at least ``V*`` minus twice
  the l1 error of the estimated prior over (context, start state) (tested; no bonus covers the prior).
- [toolkit's fast variant] ``planner="posterior-greedy"`` (the Numba kernel, used where the model is too large to
  plan): each context's optimistic table ``Q_m[h, s, a]`` by backward induction (the context known), acting
  greedily on the posterior, ``a = argmax_a sum_m b(m) Q_m[h, s, a]``. It ignores the value of information: on the
  probing latent MDP of ``tests/test_lmdp.py`` (V* = 1/2, Var* = 0) its regret is linear, 0.25 per episode (the
  optimistic planner's stops: tests/test_lmdp_learners.py).
- Both planners use ``b(m) ∝ w_hat_m nu_hat_m(s_1) prod P_hat_m(s'|s, a) [r = R_m(s, a)]`` from the epoch's frozen
  statistics (an unvisited ``(m, s, a)`` is uninformative; a posterior that vanishes drops the transition evidence
  of that step, then also the reward evidence), and break exact ties (e.g. values clipped at 1) towards the action
  with the fewest frozen visits summed over contexts, then the first index: with first-index ties the clipped
  values froze the learner on action 0 for thousands of episodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .._checks import Seed, check_int, check_real
from ..lmdp import _ROUND, MAX_NODES, LatentMDP, _merge, cdfs, draw, evaluate_policy, plan, seed_of
from ._common import BONUS_SCALE, DELTA, LearnerRun, check_bonus_scale, check_delta, check_episodes, \
    check_stationary, knobs

__all__ = ["C1", "C2", "PLANNERS", "BeliefGreedyPolicy", "LMDPRun", "OptimisticPlanPolicy", "lmdp_value_optimistic",
           "burn_in_visits", "context_tables", "optimistic_q", "optimistic_tables", "policy_values"]

C1, C2 = 2.0 * np.sqrt(2.0), 8.0


@njit(cache=True, nogil=True, inline="always")
def optimistic_q(n_f, P_f, r_f, m, l, s, a, v, iota, c1, c2, Gamma, model_optimistic):
    """One optimistic backup of either solver at ``(m, l, s, a)`` of the frozen statistics (``n = n_f[m, l, s, a]``,
    ``p = P_f[m, l, s, a]``, ``r = r_f[m, l, s, a]``) with continuation values ``v[s']``, the one formula of the
    per-context tables and of the history planner: ``1`` when ``n = 0`` (unvisited), else ``min(1, r + p . v + b)``
    with the value-optimistic bonus ``b = max(c1 sqrt(Gamma V(p, v) iota / n), c2 Gamma iota / n)``, or
    (``model_optimistic``) ``min(1, r + max_{q in C} q . v)`` over the confidence box ``C = {q in simplex: |q(s') -
    p(s')| <= c1 sqrt(p(s') iota / n) + c2 iota / n}``, maximised exactly by pouring the free mass into the
    successors in decreasing order of ``v``."""
    n = n_f[m, l, s, a]
    if n <= 0:
        return 1.0
    r = r_f[m, l, s, a]
    S = v.size
    if model_optimistic:
        lo = np.empty(S)
        hi = np.empty(S)
        free = 1.0
        for y in range(S):
            width = c1 * np.sqrt(P_f[m, l, s, a, y] * iota / n) + c2 * iota / n
            lo[y] = max(P_f[m, l, s, a, y] - width, 0.0)
            hi[y] = min(P_f[m, l, s, a, y] + width, 1.0)
            free -= lo[y]
        order = np.argsort(-v)
        pv = 0.0
        for i in range(S):
            y = order[i]
            add = min(hi[y] - lo[y], max(free, 0.0))
            free -= add
            pv += (lo[y] + add) * v[y]
        return min(r + pv, 1.0)
    pv = 0.0
    for y in range(S):
        pv += P_f[m, l, s, a, y] * v[y]
    var = 0.0  # two-pass: exactly 0 where the successor values agree
    for y in range(S):
        var += P_f[m, l, s, a, y] * (v[y] - pv) ** 2
    b = max(c1 * np.sqrt(Gamma * var * iota / n), c2 * Gamma * iota / n)
    return min(r + pv + b, 1.0)


@njit(cache=True, nogil=True)
def context_tables(Q, n_f, P_f, r_f, m, top, fresh, iota, c1, c2, Gamma, model_optimistic):
    """Context ``m``'s optimistic alpha table ``Q[m, h, s, a]`` brought up to date in place for ``h = top, ...,
    0`` (:func:`optimistic_q` by backward induction) after the statistics of the pairs ``fresh[l, s, a]`` changed:
    the steps above ``top`` stand as they are in ``Q``, and at a step whose continuation ``V_{h+1}`` came out
    unchanged only the fresh pairs are recomputed (every other entry would repeat its computation exactly). A
    doubling trigger changes one context's statistics, with layered counts only up to its step."""
    _, H, S, A = Q.shape
    L = n_f.shape[1]
    V = np.zeros(S)
    if top < H - 1:
        for s in range(S):
            best = 0.0
            for a in range(A):
                best = max(best, Q[m, top + 1, s, a])
            V[s] = best
    Vh = np.empty(S)
    changed = False  # whether V (the continuation of step h) differs from the one Q[m, h] was computed with
    for h in range(top, -1, -1):
        l = h if L > 1 else 0
        now = False
        for s in range(S):
            old, best = 0.0, 0.0
            for a in range(A):
                old = max(old, Q[m, h, s, a])
                if changed or fresh[l, s, a]:
                    Q[m, h, s, a] = optimistic_q(n_f, P_f, r_f, m, l, s, a, V, iota, c1, c2, Gamma,
                                                 model_optimistic)
                best = max(best, Q[m, h, s, a])
            Vh[s] = best
            now = now or best != old
        V, Vh = Vh, V
        changed = now


@njit(cache=True, nogil=True)
def optimistic_tables(n_f, P_f, r_f, H, iota, c1, c2, Gamma, model_optimistic=False):
    """Per-context optimistic alpha tables ``Q[m, h, s, a]`` (the context known; :func:`optimistic_q` by backward
    induction, :func:`context_tables` for every context) from frozen counts ``n_f[m, l, s, a]``, transitions
    ``P_f[m, l, s, a, s']`` and rewards ``r_f[m, l, s, a]`` (``l = h`` or 0 when pooled)."""
    M, L, S, A = n_f.shape
    Q = np.ones((M, H, S, A))
    fresh = np.ones((L, S, A), np.bool_)
    for m in range(M):
        context_tables(Q, n_f, P_f, r_f, m, H - 1, fresh, iota, c1, c2, Gamma, model_optimistic)
    return Q


@njit(cache=True, nogil=True)
def _start_belief(init_f, s, b):
    M = b.size
    tot = 0.0
    for m in range(M):
        b[m] = init_f[m, s]
        tot += b[m]
    if tot == 0.0:
        for m in range(M):
            b[m] = init_f[m].sum()
            tot += b[m]
    if tot == 0.0:
        b[:] = 1.0
        tot = M
    b /= tot


@njit(cache=True, nogil=True)
def _update_belief(b, n_f, P_f, r_f, l, s, a, r, s2, new, mask):
    """The posterior ``b`` updated in place by the step ``(s, a, r, s2)`` (``new``, ``mask``: scratch of size M)."""
    M = b.size
    tot = 0.0
    for m in range(M):
        known = n_f[m, l, s, a] > 0
        mask[m] = 1.0 if (not known or r_f[m, l, s, a] == r) else 0.0
        new[m] = b[m] * mask[m] * (P_f[m, l, s, a, s2] if known else 1.0)
        tot += new[m]
    if tot == 0.0:
        for m in range(M):
            new[m] = b[m] * mask[m]
            tot += new[m]
    if tot == 0.0:
        for m in range(M):
            new[m] = mask[m]
            tot += new[m]
    for m in range(M):
        b[m] = new[m] / tot


@njit(cache=True, nogil=True)
def _act(Q, b, n_f, h, l, s):
    """``argmax_a sum_m b(m) Q_m[h, s, a]``; exact ties go to the action with the fewest frozen visits summed over
    contexts, ``sum_m n_f[m, l, s, a]`` (then the first index): optimistic values clipped at 1 tie exactly until
    the bonus falls below the clip, and a first-index rule would never try the other actions."""
    M, _, _, A = Q.shape
    best, arg, fewest = -1.0, 0, 0.0
    for a in range(A):
        v = 0.0
        n = 0.0
        for m in range(M):
            v += b[m] * Q[m, h, s, a]
            n += n_f[m, l, s, a]
        if v > best or (v == best and n < fewest):
            best, arg, fewest = v, a, n
    return arg


@njit(cache=True, nogil=True)
def _grow(x, e):
    if e < x.shape[0]:
        return x
    out = np.zeros((2 * x.shape[0],) + x.shape[1:], x.dtype)
    out[:x.shape[0]] = x
    return out


@njit(cache=True, nogil=True)
def count_episode(N, Nsas, r_obs, N_init, n_f, P_f, r_f, init_f, R, m, states, actions, fresh):
    """Count a finished episode of context ``m`` (revealed in hindsight) and refresh the frozen statistics of every
    ``(m, l, s, a)`` whose count reaches a power of two or context ``m``'s episode count does; at every such
    trigger ``init_f`` takes all contexts' start counts (so the prior ``w_hat`` is unbiased, not per-context
    snapshots of different ages). Returns ``(triggered, top)``: whether anything was refreshed (a doubling
    trigger), and the last step of context ``m``'s table that changes (-1: none; ``H - 1`` when pooled); the
    refreshed pairs are marked in ``fresh[l, s, a]`` (the caller clears them)."""
    L = N.shape[1]
    H = actions.size
    triggered = False
    top = -1
    for h in range(H):
        l = h if L > 1 else 0
        s, a = states[h], actions[h]
        N[m, l, s, a] += 1.0
        Nsas[m, l, s, a, states[h + 1]] += 1.0
        r_obs[m, l, s, a] = R[m, h, s, a]
        n = int(N[m, l, s, a])
        if n & (n - 1) == 0:
            n_f[m, l, s, a] = n
            P_f[m, l, s, a] = Nsas[m, l, s, a] / n
            r_f[m, l, s, a] = r_obs[m, l, s, a]
            triggered = True
            top = H - 1 if L == 1 else h
            fresh[l, s, a] = True
    N_init[m, states[0]] += 1.0
    n = int(N_init[m].sum())
    if n & (n - 1) == 0:
        triggered = True
    if triggered:  # every context's start counts at once: the prior w_hat compares counts taken at one time
        init_f[:] = N_init
    return triggered, top


@njit(cache=True, nogil=True)
def lmdp_kernel(Pc, R, init_c, w_c, K, L, delta, c1, c2, Gamma, model_optimistic, seed):
    """The framework's loop (both solvers): play the belief-greedy policy, count in hindsight, refresh at doubling
    triggers and recompute the tables by the value-optimistic or the model-optimistic solver."""
    M, H, S, A, _ = Pc.shape
    rng = np.uint64(seed)
    iota = 2.0 * np.log(2.0 * M * S * A * H * K / delta)
    N = np.zeros((M, L, S, A))
    Nsas = np.zeros((M, L, S, A, S))
    r_obs = np.zeros((M, L, S, A))
    N_init = np.zeros((M, S))
    n_f = np.zeros((M, L, S, A))
    P_f = np.zeros((M, L, S, A, S))
    r_f = np.zeros((M, L, S, A))
    init_f = np.zeros((M, S))
    cap = 8
    Qe = np.zeros((cap, M, H, S, A))
    ne = np.zeros((cap, M, L, S, A))
    Pe = np.zeros((cap, M, L, S, A, S))
    re = np.zeros((cap, M, L, S, A))
    ie = np.zeros((cap, M, S))
    Qe[0] = 1.0
    Q = Qe[0]
    e = 0
    epoch = np.zeros(K, np.int64)
    contexts = np.zeros(K, np.int64)
    starts = np.zeros(K, np.int64)
    returns = np.zeros(K)
    states = np.zeros(H + 1, np.int64)
    actions = np.zeros(H, np.int64)
    b, new, mask = np.zeros(M), np.zeros(M), np.zeros(M)
    fresh = np.zeros((L, S, A), np.bool_)
    for k in range(K):
        epoch[k] = e
        rng, m = draw(w_c, rng)
        rng, s = draw(init_c[m], rng)
        contexts[k], starts[k], states[0] = m, s, s
        _start_belief(init_f, s, b)
        total = 0.0
        for h in range(H):
            l = h if L > 1 else 0
            a = _act(Q, b, n_f, h, l, s)
            r = R[m, h, s, a]
            rng, s2 = draw(Pc[m, h, s, a], rng)
            total += r
            actions[h] = a
            _update_belief(b, n_f, P_f, r_f, l, s, a, r, s2, new, mask)
            s = s2
            states[h + 1] = s
        returns[k] = total
        # hindsight: the context m is revealed; count the episode for it
        triggered, top = count_episode(N, Nsas, r_obs, N_init, n_f, P_f, r_f, init_f, R, m, states, actions, fresh)
        if triggered:  # the new epoch's tables: the last one's, context m's brought up to date
            e += 1
            Qe, ne, Pe, re, ie = _grow(Qe, e), _grow(ne, e), _grow(Pe, e), _grow(re, e), _grow(ie, e)
            Qe[e], ne[e], Pe[e], re[e], ie[e] = Qe[e - 1], n_f, P_f, r_f, init_f
            Q = Qe[e]
            if top >= 0:
                context_tables(Q, n_f, P_f, r_f, m, top, fresh, iota, c1, c2, Gamma, model_optimistic)
                fresh[:] = False
    E = epoch[K - 1] + 1
    return epoch, contexts, starts, returns, Qe[:E].copy(), ne[:E].copy(), Pe[:E].copy(), re[:E].copy(), \
        ie[:E].copy()


@dataclass(frozen=True)
class LMDPRun(LearnerRun):
    """A run of a latent-MDP learner. Episode ``k`` plays the belief-greedy policy of epoch ``epoch[k]``
    (:class:`BeliefGreedyPolicy`), defined by that epoch's frozen statistics: ``Q[e, m, h, s, a]`` (optimistic
    alpha tables), ``counts[e, m, l, s, a]``, ``P_hat[e, m, l, s, a, s']``, ``r_hat[e, m, l, s, a]`` (``l`` the
    step, or 0 when pooled) and ``init_counts[e, m, s]``; ``contexts[k]`` the context revealed after episode ``k``.
    ``policies`` is empty (``(K, 0, 0)``): the policies are history-dependent."""

    epoch: np.ndarray = None
    contexts: np.ndarray = None
    Q: np.ndarray = None
    counts: np.ndarray = None
    P_hat: np.ndarray = None
    r_hat: np.ndarray = None
    init_counts: np.ndarray = None
    planner: str = "posterior-greedy"
    solver: tuple = None

    @property
    def epochs(self) -> int:
        return int(self.Q.shape[0])

    def policy(self, e: int) -> "BeliefGreedyPolicy":
        """Epoch ``e``'s policy as a :class:`~boundlab.tabular.lmdp.HistoryPolicy` (the one its episodes played)."""
        return (OptimisticPlanPolicy if self.planner == "optimistic" else BeliefGreedyPolicy)(self, e)


class BeliefGreedyPolicy:
    """Epoch ``e`` of an :class:`LMDPRun` as a :class:`~boundlab.tabular.lmdp.HistoryPolicy` (vectorised numpy
    mirror of the kernel's belief rules: its statistics are the posterior ``b[n, M]``)."""

    def __init__(self, run: LMDPRun, e: int):
        e = check_int(e, "e", minimum=0)
        if e >= run.epochs:
            raise ValueError(f"e = {e} is not an epoch of the run (it has {run.epochs})")
        self.Q, self.n, self.P, self.r, self.init = (run.Q[e], run.counts[e], run.P_hat[e], run.r_hat[e],
                                                     run.init_counts[e])
        self.L = self.n.shape[1]
        self.iota, self.c1, self.c2, self.Gamma, self.model_optimistic = run.solver or (0.0, 0.0, 0.0, 0.0, False)

    @staticmethod
    def _normalise(*candidates: np.ndarray) -> np.ndarray:
        out = candidates[-1].astype(np.float64)
        for c in reversed(candidates[:-1]):
            ok = c.sum(axis=1) > 0
            out = np.where(ok[:, None], c, out)
        return out / out.sum(axis=1, keepdims=True)

    def start(self, s: np.ndarray) -> np.ndarray:
        first = self.init[:, s].T
        prior = np.broadcast_to(self.init.sum(axis=1), first.shape)
        return self._normalise(first, prior, np.ones_like(first))

    def act(self, h: int, s: np.ndarray, F: np.ndarray) -> np.ndarray:
        v = np.einsum("nm,mna->na", F, self.Q[:, h, s])
        return least_visited_argmax(v, self.n[:, h if self.L > 1 else 0, s].sum(axis=0))

    def update(self, h, s, a, r, s_next, F):
        l = h if self.L > 1 else 0
        known = self.n[:, l, s, a].T > 0
        mask = (~known | (self.r[:, l, s, a].T == r[:, None])).astype(np.float64)
        p = np.where(known, self.P[:, l, s, a, s_next].T, 1.0)
        return self._normalise(F * mask * p, F * mask, mask)


class OptimisticPlanPolicy(BeliefGreedyPolicy):
    """The optimistic planner over history-dependent policies (the paper's planning oracle, on the epoch's
    statistics): the same statistics ``F`` (the posterior under the epoch's estimated model) as
    :class:`BeliefGreedyPolicy`, but the action at ``(h, s, F)`` comes from backward induction over the
    (state, posterior) nodes reachable from it in the estimated model, with per-context optimistic alpha vectors
    ``alpha_m(tau, a) = optimistic_q(n_m, P_hat_m, r_m, alpha_m(tau a r_m .))`` (:func:`optimistic_q`: the
    solver's bonus or confidence set applied to the history-dependent continuation, clipped at 1; an unvisited
    ``(m, s, a)`` is worth 1 and needs no children) and ``a(tau) = argmax_a sum_m F(m) alpha_m(tau, a)`` (ties to
    the least visited). It values information: a probe that reveals the context is worth its optimistic
    continuation. Planned lazily from the nodes asked for (a true history can reach a node the estimated model
    does not, e.g. through an unvisited pair) and cached; ``ValueError`` past ``max_nodes`` nodes at a step."""

    def __init__(self, run: LMDPRun, e: int, max_nodes: int = MAX_NODES):
        super().__init__(run, e)
        self.H = self.Q.shape[1]
        self.max_nodes = max_nodes
        self.cache: list[dict] = [{} for _ in range(self.H)]

    @staticmethod
    def _keys(s: np.ndarray, F: np.ndarray) -> list:
        Fr = np.round(F, _ROUND) + 0.0
        return [(int(x), f.tobytes()) for x, f in zip(s, Fr)]

    def _lookup(self, h: int, s: np.ndarray, F: np.ndarray) -> list:
        s, F = np.asarray(s), np.asarray(F, dtype=np.float64)
        keys = self._keys(s, F)
        missing = [i for i, k in enumerate(keys) if k not in self.cache[h]]
        if missing:
            self._plan(h, s[missing], F[missing])
        return [self.cache[h][k] for k in keys]

    def act(self, h: int, s: np.ndarray, F: np.ndarray) -> np.ndarray:
        return np.array([a for a, _ in self._lookup(h, s, F)], dtype=np.int64)

    def alphas(self, h: int, s: np.ndarray, F: np.ndarray) -> np.ndarray:
        """The optimistic alpha vectors ``alpha[n, M]`` of the planned policy at nodes ``(h, s[n], F[n])``."""
        return np.array([al for _, al in self._lookup(h, s, F)])

    def _plan(self, h0: int, s: np.ndarray, F: np.ndarray) -> None:
        M, A, S = self.Q.shape[0], self.Q.shape[-1], self.Q.shape[2]
        s, F, _ = _merge(s, F, h0, self.max_nodes)
        levels, links = [(s, F)], []
        for h in range(h0, self.H - 1):
            s, F = levels[-1]
            l = h if self.L > 1 else 0
            N = s.size
            node, a, m, y = (x.reshape(-1) for x in np.meshgrid(np.arange(N), np.arange(A), np.arange(M),
                                                                 np.arange(S), indexing="ij"))
            valid = self.n[m, l, s[node], a] > 0        # an unvisited (m, s, a) is worth 1: no children
            node, a, m, y = node[valid], a[valid], m[valid], y[valid]
            Fn = self.update(h, s[node], a, self.r[m, l, s[node], a], y, F[node])
            s_next, F_next, inv = _merge(y, Fn, h + 1, self.max_nodes)
            child = np.full((N, A, M, S), -1, np.int64)
            child[node, a, m, y] = inv
            levels.append((s_next, F_next))
            links.append(child)
        alpha = np.zeros((1, M))
        for h in range(self.H - 1, h0 - 1, -1):
            s, F = levels[h - h0]
            l = h if self.L > 1 else 0
            last = h == self.H - 1
            child = np.full((s.size, A, M, S), -1, np.int64) if last else links[h - h0]
            q = _level_q(s, child, alpha, self.n, self.P, self.r, l, self.iota, self.c1, self.c2, self.Gamma,
                         self.model_optimistic)
            act = least_visited_argmax(np.einsum("nm,nam->na", F, q), self.n[:, l, s].sum(axis=0))
            alpha = q[np.arange(s.size), act]
            cache = self.cache[h]
            for key, a_, al in zip(self._keys(s, F), act, alpha):
                cache[key] = (int(a_), al)


@njit(cache=True, nogil=True)
def _level_q(s, child, alpha_next, n_f, P_f, r_f, l, iota, c1, c2, Gamma, model_optimistic):
    """``q[n, a, m]``: :func:`optimistic_q` of context ``m`` at node ``n`` (state ``s[n]``) under action ``a``,
    the continuation ``alpha_next[child[n, a, m, s'], m]`` (0 where ``child`` is -1: the last step)."""
    N, A, M, S = child.shape
    q = np.empty((N, A, M))
    v = np.empty(S)
    for i in range(N):
        for a in range(A):
            for m in range(M):
                for y in range(S):
                    c = child[i, a, m, y]
                    v[y] = alpha_next[c, m] if c >= 0 else 0.0
                q[i, a, m] = optimistic_q(n_f, P_f, r_f, m, l, s[i], a, v, iota, c1, c2, Gamma, model_optimistic)
    return q


def least_visited_argmax(v: np.ndarray, visits: np.ndarray) -> np.ndarray:
    """Row-wise argmax of ``v[n, A]``, exact ties to the fewest ``visits[n, A]`` (then the first index): the
    kernel's tie rule (:func:`_act`)."""
    top = v == v.max(axis=1, keepdims=True)
    return np.argmin(np.where(top, visits, np.inf), axis=1)


def burn_in_visits(gap: float, variance: float, Gamma: float, iota: float, c1: float = C1, c2: float = C2) -> float:
    """Plays of a ``(context, state, action)`` after which the value-optimistic bonus ``max(c1 sqrt(Gamma V iota /
    n), c2 Gamma iota / n)`` (``V = variance`` of the continuation) falls to ``gap``: ``n = max(c1^2 Gamma V iota /
    gap^2, c2 Gamma iota / gap)``. Until then an action ``gap`` worse keeps an optimistic value above the best
    one's true value, so the learner keeps playing it (its burn-in: regret linear in K). E.g. the signal instance
    of ``bounds/lmdp_check.py`` (gap 0.2, V = 0.21, Gamma = S = 5, iota ~ 37 at K = 10^5) needs n ~ 7800, about
    K ~ 4 10^4 to 1.3 10^5 episodes; measured, one seed: slope 1.0 up to K = 2 10^4, local slopes 0.27-0.51 from
    4 10^4 to 1.6 10^5, 0.07 beyond."""
    gap = check_real(gap, "gap", low=0.0, high=1.0, low_open=True)
    variance = check_real(variance, "variance", low=0.0, high=0.25)
    Gamma, iota = check_real(Gamma, "Gamma", low=1.0), check_real(iota, "iota", low=0.0, low_open=True)
    c1, c2 = check_real(c1, "c1", low=0.0), check_real(c2, "c2", low=0.0)
    return max(c1 * c1 * Gamma * variance * iota / gap ** 2, c2 * Gamma * iota / gap)


def check_pooling(model: LatentMDP, stationary: object) -> bool:
    """Whether counts are pooled over steps: ``stationary`` (None: exactly when the model is stationary)."""
    stationary = check_stationary(stationary)
    pooled = model.stationary if stationary is None else stationary
    if pooled and not model.stationary:
        raise ValueError("stationary=True pools counts over steps, but the model's P or R changes with the step")
    return pooled


def check_model(model: object) -> LatentMDP:
    if not isinstance(model, LatentMDP):
        raise TypeError(f"model must be a LatentMDP, got {type(model).__name__}")
    return model


PLANNERS = ("optimistic", "posterior-greedy")
_PLANNER_KNOB = ("'optimistic': exact optimistic planning over history-dependent policies (OptimisticPlanPolicy); "
                 "'posterior-greedy': greedy on the posterior over the per-context tables (fast Numba kernel, no value "
                 "of information); None: 'optimistic' where plan() can enumerate the model (MAX_NODES), else "
                 "'posterior-greedy'", "Zhou, Wang & Du 2023 assume an optimistic planning oracle")


def check_planner(model: LatentMDP, planner: object) -> str:
    """``planner`` checked; None resolves to ``"optimistic"`` where :func:`~boundlab.tabular.lmdp.plan` can
    enumerate ``model`` within ``MAX_NODES`` (the sizes at which exact regret is computable), else
    ``"posterior-greedy"``."""
    if planner is None:
        try:
            plan(model)
        except ValueError:
            return "posterior-greedy"
        return "optimistic"
    if not isinstance(planner, str):
        raise TypeError(f"planner must be one of {PLANNERS} or None, got {type(planner).__name__}")
    if planner not in PLANNERS:
        raise ValueError(f"planner must be one of {PLANNERS} or None, got {planner!r}")
    return planner


@knobs(delta=("confidence level; iota = 2 ln(2 M S A H K / delta)", "Zhou, Wang & Du 2023, Section 3 (iota)"),
       bonus_scale=("multiplies c1 = 2 sqrt(2), c2 = 8 of the bonus max(c1 sqrt(Gamma V iota / n), c2 Gamma iota / n)",
                    "reconstruction (module docstring): empirical Bernstein + Cauchy-Schwarz over Gamma successors, "
                    "MVP's monotone max form (Zhang, Ji & Du 2021)"),
       Gamma=("the transition degree the bonus assumes; None: S (safe, the learner does not know it)",
              "Zhou, Wang & Du 2023, Section 3.1 (Gamma)"),
       planner=_PLANNER_KNOB)
def lmdp_value_optimistic(model: LatentMDP, K: int, seed: Seed = None, *, delta: float = DELTA,
                          bonus_scale: float = BONUS_SCALE, Gamma: int | None = None,
                          stationary: bool | None = None, planner: str | None = None) -> LMDPRun:
    """Value-optimistic latent-MDP learner (module docstring: the paper's framework, its reconstructed bonus and
    the planners). Returns an :class:`LMDPRun`."""
    model = check_model(model)
    K, delta, bonus_scale = check_episodes(K), check_delta(delta), check_bonus_scale(bonus_scale)
    G = model.S if Gamma is None else check_int(Gamma, "Gamma")
    if G > model.S:
        raise ValueError(f"Gamma must be at most S = {model.S}, got {G}")
    pooled = check_pooling(model, stationary)
    planner = check_planner(model, planner)
    return run_kernel(model, K, seed, delta, C1 * bonus_scale, C2 * bonus_scale, float(G), pooled, False, planner)


def run_kernel(model: LatentMDP, K: int, seed: Seed, delta: float, c1: float, c2: float, Gamma: float, pooled: bool,
               model_optimistic: bool, planner: str = "posterior-greedy") -> LMDPRun:
    """Run the framework (checked arguments): :func:`lmdp_kernel` for the posterior-greedy planner, the episode loop
    of :func:`_run_planned` for the optimistic one; wrap the record."""
    Pc, init_c, w_c = cdfs(model)
    L = 1 if pooled else model.H
    R = np.ascontiguousarray(model.R)
    solver = (2.0 * np.log(2.0 * model.M * model.S * model.A * model.H * K / delta), c1, c2, Gamma, model_optimistic)
    if planner == "optimistic":
        out = _run_planned(Pc, R, init_c, w_c, K, L, solver, seed_of(seed))
    else:
        out = lmdp_kernel(Pc, R, init_c, w_c, K, L, delta, c1, c2, Gamma, model_optimistic, seed_of(seed))
    epoch, contexts, starts, returns, Q, counts, P_hat, r_hat, init_counts = out
    return LMDPRun(policies=np.zeros((K, 0, 0), np.int16), starts=starts, returns=returns, epoch=epoch,
                   contexts=contexts, Q=Q, counts=counts, P_hat=P_hat, r_hat=r_hat, init_counts=init_counts,
                   planner=planner, solver=solver)


def _run_planned(Pc, R, init_c, w_c, K, L, solver, seed):
    """The framework's loop with the optimistic planner: the same draws, hindsight counting
    (:func:`count_episode`) and doubling triggers as :func:`lmdp_kernel`; each epoch plays its
    :class:`OptimisticPlanPolicy` (a Python loop over episodes and steps: the planner is numpy, the tables and
    counting Numba)."""
    M, H, S, A, _ = Pc.shape
    iota, c1, c2, Gamma, model_optimistic = solver
    N, Nsas, r_obs = np.zeros((M, L, S, A)), np.zeros((M, L, S, A, S)), np.zeros((M, L, S, A))
    N_init, init_f = np.zeros((M, S)), np.zeros((M, S))
    n_f, P_f, r_f = np.zeros((M, L, S, A)), np.zeros((M, L, S, A, S)), np.zeros((M, L, S, A))
    fresh = np.zeros((L, S, A), np.bool_)
    Q = np.ones((M, H, S, A))
    record = [[Q, n_f.copy(), P_f.copy(), r_f.copy(), init_f.copy()]]

    def policy():
        Qe, ne, Pe, re, ie = (x[None] for x in record[-1])
        return OptimisticPlanPolicy(LMDPRun(policies=None, starts=None, returns=None, Q=Qe, counts=ne, P_hat=Pe,
                                            r_hat=re, init_counts=ie, planner="optimistic", solver=solver), 0)

    pol = policy()
    rng = np.uint64(seed)
    epoch, contexts, starts, returns = (np.zeros(K, np.int64), np.zeros(K, np.int64), np.zeros(K, np.int64),
                                        np.zeros(K))
    states, actions = np.zeros(H + 1, np.int64), np.zeros(H, np.int64)
    for k in range(K):
        epoch[k] = len(record) - 1
        rng, m = _draw(w_c, rng)
        rng, s = _draw(init_c[m], rng)
        contexts[k], starts[k], states[0] = m, s, s
        F = pol.start(states[:1])
        for h in range(H):
            a = int(pol.act(h, states[h:h + 1], F)[0])
            rng, s2 = _draw(Pc[m, h, states[h], a], rng)
            actions[h], states[h + 1] = a, s2
            returns[k] += R[m, h, states[h], a]
            F = pol.update(h, states[h:h + 1], actions[h:h + 1], R[m, h, states[h:h + 1], a], states[h + 1:h + 2], F)
        triggered, top = count_episode(N, Nsas, r_obs, N_init, n_f, P_f, r_f, init_f, R, m, states, actions, fresh)
        if triggered:
            Q = Q.copy()
            if top >= 0:
                context_tables(Q, n_f, P_f, r_f, m, top, fresh, iota, c1, c2, Gamma, model_optimistic)
                fresh[:] = False
            record.append([Q, n_f.copy(), P_f.copy(), r_f.copy(), init_f.copy()])
            pol = policy()
    E = epoch[-1] + 1
    return (epoch, contexts, starts, returns) + tuple(np.stack([r[i] for r in record[:E]]) for i in range(5))


def _draw(cdf: np.ndarray, rng: np.uint64) -> tuple[np.uint64, int]:
    """:func:`~boundlab.tabular.lmdp.draw` from Python (the stream state stays a uint64)."""
    rng, i = draw(cdf, rng)
    return np.uint64(rng), i


def policy_values(model: LatentMDP, run: LMDPRun, *, max_nodes: int | None = None) -> np.ndarray:
    """Exact value of each epoch's policy in ``model`` (the one its episodes played, :meth:`LMDPRun.policy`),
    ``values[e]`` (:func:`~boundlab.tabular.lmdp.evaluate_policy`; ``ValueError`` on models too large to
    enumerate)."""
    kw = {} if max_nodes is None else {"max_nodes": max_nodes}
    return np.array([evaluate_policy(model, run.policy(e), **kw) for e in range(run.epochs)])
