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
  refreshed when ``n_m(s, a)`` reaches a power of two (and ``w_hat``, ``nu_hat_m`` when context ``m``'s count does);
  the optimistic tables are recomputed only then.
- [reconstruction] The bonus: ``b = max(c1 sqrt(Gamma V(P_hat, V_{h+1}) iota / n), c2 Gamma iota / n)`` with
  ``c1 = 2 sqrt(2)``, ``c2 = 8``: empirical Bernstein per successor (Maurer & Pontil 2009, Theorem 4) summed over
  the ``Gamma`` successors by Cauchy-Schwarz bounds ``|(P_hat - P) v|`` for *every* ``v`` in [0, 1]^S (the alpha
  vectors are history-dependent, so no fixed-vector bound covers them: this is where the paper's ``Gamma`` comes
  from); ``max(x, y) >= (x + y) / 2`` gives the constants, and ``c1^2 <= c2`` makes the update monotone in
  ``V_{h+1}`` (MVP's Lemma), so optimism propagates. ``Gamma`` defaults to ``S`` (the learner does not know the
  model's transition degree; pass it to use the paper's).
- [reconstruction, departure] Planning: the paper assumes an exact optimistic planner over history-dependent
  policies. Here each context's optimistic alpha table ``Q_m[h, s, a]`` is computed by backward induction (the
  context known), and the policy acts greedily on the posterior: ``a = argmax_a sum_m b(m) Q_m[h, s, a]``, with
  ``b(m) ∝ w_hat_m nu_hat_m(s_1) prod P_hat_m(s'|s, a) [r = R_m(s, a)]`` from the epoch's frozen statistics (an
  unvisited ``(m, s, a)`` is uninformative; a posterior that vanishes drops the transition evidence of that step,
  then also the reward evidence). Optimism holds: ``sum_m w_m nu_m max_a Q_m[0] >= sum_m w_m nu_m V*_m >= V*``;
  the greedy-on-posterior rule ignores the value of information, so on latent MDPs where gathering information pays,
  its regret is linear (the measurements say which instances).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .._checks import Seed, check_int
from ..lmdp import LatentMDP, cdfs, draw, evaluate_policy, seed_of
from ._common import BONUS_SCALE, DELTA, LearnerRun, check_bonus_scale, check_delta, check_episodes, \
    check_stationary, knobs

__all__ = ["C1", "C2", "BeliefGreedyPolicy", "LMDPRun", "lmdp_value_optimistic", "optimistic_tables",
           "policy_values"]

C1, C2 = 2.0 * np.sqrt(2.0), 8.0


@njit(cache=True, nogil=True)
def optimistic_tables(n_f, P_f, r_f, H, iota, c1, c2, Gamma):
    """Per-context optimistic alpha tables ``Q[m, h, s, a]`` (module docstring) from frozen counts ``n_f[m, l, s,
    a]``, transitions ``P_f[m, l, s, a, s']`` and rewards ``r_f[m, l, s, a]`` (``l = h`` or 0 when pooled)."""
    M, L, S, A = n_f.shape
    Q = np.ones((M, H, S, A))
    for m in range(M):
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):
            l = h if L > 1 else 0
            Vh = np.zeros(S)
            for s in range(S):
                best = 0.0
                for a in range(A):
                    n = n_f[m, l, s, a]
                    q = 1.0
                    if n > 0:
                        pv = 0.0
                        for y in range(S):
                            pv += P_f[m, l, s, a, y] * V[y]
                        var = 0.0  # two-pass: exactly 0 where the successor values agree
                        for y in range(S):
                            var += P_f[m, l, s, a, y] * (V[y] - pv) ** 2
                        b = max(c1 * np.sqrt(Gamma * var * iota / n), c2 * Gamma * iota / n)
                        q = min(r_f[m, l, s, a] + pv + b, 1.0)
                    Q[m, h, s, a] = q
                    best = max(best, q)
                Vh[s] = best
            V = Vh
    return Q


@njit(cache=True, nogil=True)
def model_optimistic_tables(n_f, P_f, r_f, H, iota, c1, c2):
    """Per-context optimistic tables of the model-optimistic solver (``tabular.learners.lmdp_model``):
    ``Q[m, h, s, a] = min(1, r + max_{p in C} p . V_{h+1})`` over the confidence set ``C = {p in simplex:
    |p(s') - P_hat(s')| <= c1 sqrt(P_hat(s') iota / n) + c2 iota / n for all s'}``, maximised exactly by pouring
    the free mass into the successors in decreasing order of ``V_{h+1}``."""
    M, L, S, A = n_f.shape
    Q = np.ones((M, H, S, A))
    lo = np.empty(S)
    hi = np.empty(S)
    for m in range(M):
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):
            l = h if L > 1 else 0
            order = np.argsort(-V)
            Vh = np.zeros(S)
            for s in range(S):
                best = 0.0
                for a in range(A):
                    n = n_f[m, l, s, a]
                    q = 1.0
                    if n > 0:
                        free = 1.0
                        for y in range(S):
                            p = P_f[m, l, s, a, y]
                            width = c1 * np.sqrt(p * iota / n) + c2 * iota / n
                            lo[y] = max(p - width, 0.0)
                            hi[y] = min(p + width, 1.0)
                            free -= lo[y]
                        pv = 0.0
                        for i in range(S):
                            y = order[i]
                            add = min(hi[y] - lo[y], max(free, 0.0))
                            free -= add
                            pv += (lo[y] + add) * V[y]
                        q = min(r_f[m, l, s, a] + pv, 1.0)
                    Q[m, h, s, a] = q
                    best = max(best, q)
                Vh[s] = best
            V = Vh
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
def _update_belief(b, n_f, P_f, r_f, l, s, a, r, s2):
    M = b.size
    new = np.empty(M)
    mask = np.empty(M)
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
    b[:] = new / tot


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
    Q = np.ones((M, H, S, A))
    cap = 8
    Qe = np.zeros((cap, M, H, S, A))
    ne = np.zeros((cap, M, L, S, A))
    Pe = np.zeros((cap, M, L, S, A, S))
    re = np.zeros((cap, M, L, S, A))
    ie = np.zeros((cap, M, S))
    Qe[0] = Q
    e = 0
    epoch = np.zeros(K, np.int64)
    contexts = np.zeros(K, np.int64)
    starts = np.zeros(K, np.int64)
    returns = np.zeros(K)
    states = np.zeros(H + 1, np.int64)
    actions = np.zeros(H, np.int64)
    b = np.zeros(M)
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
            _update_belief(b, n_f, P_f, r_f, l, s, a, r, s2)
            s = s2
            states[h + 1] = s
        returns[k] = total
        # hindsight: the context m is revealed; count the episode for it
        triggered = False
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
        N_init[m, states[0]] += 1.0
        n = int(N_init[m].sum())
        if n & (n - 1) == 0:
            init_f[m] = N_init[m]
            triggered = True
        if triggered:
            if model_optimistic:
                Q = model_optimistic_tables(n_f, P_f, r_f, H, iota, c1, c2)
            else:
                Q = optimistic_tables(n_f, P_f, r_f, H, iota, c1, c2, Gamma)
            e += 1
            Qe, ne, Pe, re, ie = _grow(Qe, e), _grow(ne, e), _grow(Pe, e), _grow(re, e), _grow(ie, e)
            Qe[e], ne[e], Pe[e], re[e], ie[e] = Q, n_f, P_f, r_f, init_f
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

    @property
    def epochs(self) -> int:
        return int(self.Q.shape[0])


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


def least_visited_argmax(v: np.ndarray, visits: np.ndarray) -> np.ndarray:
    """Row-wise argmax of ``v[n, A]``, exact ties to the fewest ``visits[n, A]`` (then the first index): the
    kernel's tie rule (:func:`_act`)."""
    top = v == v.max(axis=1, keepdims=True)
    return np.argmin(np.where(top, visits, np.inf), axis=1)


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


@knobs(delta=("confidence level; iota = 2 ln(2 M S A H K / delta)", "Zhou, Wang & Du 2023, Section 3 (iota)"),
       bonus_scale=("multiplies c1 = 2 sqrt(2), c2 = 8 of the bonus max(c1 sqrt(Gamma V iota / n), c2 Gamma iota / n)",
                    "reconstruction (module docstring): empirical Bernstein + Cauchy-Schwarz over Gamma successors, "
                    "MVP's monotone max form (Zhang, Ji & Du 2021)"),
       Gamma=("the transition degree the bonus assumes; None: S (safe, the learner does not know it)",
              "Zhou, Wang & Du 2023, Section 3.1 (Gamma)"))
def lmdp_value_optimistic(model: LatentMDP, K: int, seed: Seed = None, *, delta: float = DELTA,
                          bonus_scale: float = BONUS_SCALE, Gamma: int | None = None,
                          stationary: bool | None = None) -> LMDPRun:
    """Value-optimistic latent-MDP learner (module docstring: the paper's framework, its reconstructed bonus and
    the belief-greedy planner that stands in for its planning oracle). Returns an :class:`LMDPRun`."""
    model = check_model(model)
    K, delta, bonus_scale = check_episodes(K), check_delta(delta), check_bonus_scale(bonus_scale)
    G = model.S if Gamma is None else check_int(Gamma, "Gamma")
    if G > model.S:
        raise ValueError(f"Gamma must be at most S = {model.S}, got {G}")
    pooled = check_pooling(model, stationary)
    return run_kernel(model, K, seed, delta, C1 * bonus_scale, C2 * bonus_scale, float(G), pooled, False)


def run_kernel(model: LatentMDP, K: int, seed: Seed, delta: float, c1: float, c2: float, Gamma: float, pooled: bool,
               model_optimistic: bool) -> LMDPRun:
    """Run :func:`lmdp_kernel` (checked arguments) and wrap its record."""
    Pc, init_c, w_c = cdfs(model)
    out = lmdp_kernel(Pc, np.ascontiguousarray(model.R), init_c, w_c, K, 1 if pooled else model.H, delta, c1, c2,
                      Gamma, model_optimistic, seed_of(seed))
    epoch, contexts, starts, returns, Q, counts, P_hat, r_hat, init_counts = out
    return LMDPRun(policies=np.zeros((K, 0, 0), np.int16), starts=starts, returns=returns, epoch=epoch,
                   contexts=contexts, Q=Q, counts=counts, P_hat=P_hat, r_hat=r_hat, init_counts=init_counts)


def policy_values(model: LatentMDP, run: LMDPRun, *, max_nodes: int | None = None) -> np.ndarray:
    """Exact value of each epoch's policy in ``model``, ``values[e]`` (:func:`~boundlab.tabular.lmdp.evaluate_policy`;
    ``ValueError`` on models too large to enumerate)."""
    kw = {} if max_nodes is None else {"max_nodes": max_nodes}
    return np.array([evaluate_policy(model, BeliefGreedyPolicy(run, e), **kw) for e in range(run.epochs)])
