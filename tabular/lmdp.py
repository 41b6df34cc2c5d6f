"""Latent MDPs with context in hindsight (Zhou, Wang & Du 2023, "Horizon-free and variance-dependent reinforcement
learning for latent Markov decision processes", ICML; arXiv:2210.11604, Section 3.1).

A latent MDP is ``M`` episodic MDPs ``(nu_m, P_m, R_m)`` on shared ``S``, ``A``, ``H`` with mixing weights ``w``:
each episode draws a context ``m ~ w`` that the agent does not see, plays in MDP ``m`` (deterministic rewards, so
an observed reward is evidence about ``m``), and is told ``m`` once the episode is over (hindsight). The paper's
scale: the total reward of an episode lies in [0, 1] (validated here per context by the largest total reward any
policy can collect, ``max_s V*_{m,1}(s) <= 1``).

Policies are history-dependent: the optimal one acts on the belief over contexts. :func:`plan` computes ``V*``
exactly by backward induction over the reachable (state, belief) pairs of each step (histories with the same state
and the same posterior over contexts share their optimal continuation, so they are merged; beliefs are compared
after rounding to 12 decimals), with per-context values (the paper's *alpha vectors*: ``alpha_m(tau)`` is the
expected remaining reward from history ``tau`` in context ``m``). :func:`evaluate_policy` evaluates any
history-dependent policy exactly the same way. Both enumerate the reachable histories and refuse models whose
reachable set exceeds ``max_nodes`` nodes at one step (``ValueError``): exact planning in latent MDPs is hard in
general, and the paper assumes a planning oracle.

``Var*`` (:func:`var_star`) [reconstruction: the paper's display could not be retrieved; its abstract calls Var*
"a variance quantity describing the determinism of the LMDP", zero for deterministic transitions]: the expected
conditional variance of the total reward of the optimal policy given the context and the initial state,
``Var* = sum_m w_m sum_s nu_m(s) Var_{pi*}[sum_h r_h | m, s_1 = s]``, which by the law of total variance equals the
expected total variance ``E[sum_h V(P_m(.|s_h, a_h), alpha*_{h+1, m})]`` of the optimal alpha vectors along
``pi*``. It is 0 when every transition the optimal policy meets is deterministic, but not only then (a random
transition into successors of equal continuation value adds no variance). Which optimal policy: where several
actions are optimal at a node (posterior-weighted values within ``TIE`` of the best), :func:`plan` takes the one
with the smallest posterior-weighted second moment of the remaining reward (then the first index), so ``Var*``
is that of the least variable optimal continuation chosen node by node [our rule: the paper's definition could not
be retrieved; node-wise, it need not be the minimum over all optimal policies], and it does not depend on the
order of the actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numba import njit

from boundlab.solvers._rng import next_uniform

from ._checks import Seed, check_flag, check_int, check_real, plain
from .instances import as_generator
from .models import EpisodicMDP

__all__ = ["HistoryPolicy", "LMDPSolution", "LatentMDP", "MAX_NODES", "TIE", "chain_instance", "context_values",
           "deterministic_lmdp", "evaluate_policy", "horizon_padded", "lmdp_from_arrays", "lower_bound_instance",
           "plan", "random_lmdp", "signal_instance", "simulate", "var_star"]

#: The most (state, belief) nodes one step of exact planning or evaluation may hold.
MAX_NODES = 200_000
#: The most candidate children (nodes x actions x contexts x next states x contexts floats, 8 bytes each) one step
#: may expand before merging (400 MB).
MAX_EXPANSION = 50_000_000
_ROUND = 12  # decimals to which beliefs are compared when histories are merged
#: Posterior-weighted values within TIE of the best are optimal ties in :func:`plan` (the Var* tie rule).
TIE = 1e-12


@dataclass(frozen=True)
class LatentMDP:
    """``M`` episodic MDPs on shared ``S``, ``A``, ``H`` (``models``, each an :class:`EpisodicMDP` with its own
    ``P``, ``R`` and ``initial`` distribution, deterministic rewards: ``reward_noise=None``) and mixing weights
    ``weights[m] > 0`` summing to 1. The total reward of an episode must lie in [0, 1] in every context.

    Arrays (read-only): ``P[m, h, s, a, s']``, ``R[m, h, s, a]``, ``initial[m, s]``; ``Gamma``, the largest support
    of any ``P_m(.|s, a)`` (the paper's maximum transition degree)."""

    models: tuple[EpisodicMDP, ...]
    weights: np.ndarray
    name: str = field(default="latent-mdp", compare=False)

    def __post_init__(self):
        models = self.models
        if isinstance(models, EpisodicMDP) or not isinstance(models, (tuple, list)) or len(models) == 0:
            raise TypeError(f"models must be a non-empty tuple of EpisodicMDP, got {type(models).__name__}")
        for m, mdp in enumerate(models):
            if not isinstance(mdp, EpisodicMDP):
                raise TypeError(f"models[{m}] must be an EpisodicMDP, got {type(mdp).__name__}")
            if mdp.reward_noise is not None:
                raise ValueError(f"models[{m}] must have deterministic rewards (reward_noise=None), got "
                                 f"{plain(mdp.reward_noise)}")
            first = models[0]
            for what, got, want in (("S", mdp.S, first.S), ("A", mdp.A, first.A), ("H", mdp.H, first.H)):
                if got != want:
                    raise ValueError(f"models[{m}] has {what} = {got}, models[0] has {what} = {want}: the contexts "
                                     f"must share S, A and H")
        models = tuple(models)
        M = len(models)
        w = _check_weights(self.weights, M)
        P = np.stack([mdp.to_arrays()[0] for mdp in models])
        R = np.stack([mdp.to_arrays()[1] for mdp in models])
        for m in range(M):
            if R[m].min() < 0.0:
                idx = tuple(int(i) for i in np.argwhere(R[m] < 0.0)[0])
                raise ValueError(f"models[{m}].R{list(idx)} = {float(R[m][idx])!r} is negative (rewards lie in "
                                 f"[0, 1] with a total of at most 1)")
            top = float(np.max(_mdp_values(P[m], R[m])[0][models[m].initial > 0]))
            if top > 1.0 + 1e-9:
                raise ValueError(f"models[{m}]: a policy collects a total reward of {top:.6g} > 1 in one episode "
                                 f"(the paper's scale: the total reward of an episode lies in [0, 1]; divide the "
                                 f"rewards by H)")
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "weights", _readonly(w))
        object.__setattr__(self, "_arrays", tuple(_readonly(x) for x in (
            P, R, np.stack([mdp.initial for mdp in models]))))

    M = property(lambda self: len(self.models), doc="number of contexts")
    S = property(lambda self: self.models[0].S, doc="number of states")
    A = property(lambda self: self.models[0].A, doc="number of actions")
    H = property(lambda self: self.models[0].H, doc="horizon")
    P = property(lambda self: self._arrays[0], doc="P[m, h, s, a, s']")
    R = property(lambda self: self._arrays[1], doc="R[m, h, s, a]")
    initial = property(lambda self: self._arrays[2], doc="initial[m, s]")

    @property
    def stationary(self) -> bool:
        """Whether every context's ``P`` and ``R`` are the same at every step."""
        return all(mdp.P.ndim == 3 and mdp.R.ndim == 2 for mdp in self.models)

    @property
    def Gamma(self) -> int:
        """``max_{m, s, a} |supp P_m(.|s, a)|`` (Zhou et al. 2023, Section 3.1)."""
        return int((self.P > 0).sum(axis=-1).max())


def _readonly(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64, copy=True)
    x.setflags(write=False)
    return x


def _check_weights(weights: object, M: int) -> np.ndarray:
    if isinstance(weights, (str, bytes)):
        raise TypeError(f"weights must be an array of M = {M} positive reals, got str {weights!r}")
    arr = np.asarray(weights)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)) \
            or arr.dtype == np.bool_:
        raise TypeError(f"weights must be an array of real numbers, got dtype {arr.dtype}")
    if arr.shape != (M,):
        raise ValueError(f"weights must have shape ({M},) (one per model), got {arr.shape}")
    w = arr.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
    if bad.size:
        raise ValueError(f"weights[{bad[0]}] = {plain(arr[bad[0]])} must be a finite positive number")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1, got {w.sum()!r}")
    return w / w.sum()


def _mdp_values(P: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``V*[h, s]`` of one context (``P[h, s, a, s']``, ``R[h, s, a]``), shape ``(H + 1, S)``."""
    H, S = R.shape[0], R.shape[1]
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        V[h] = (R[h] + P[h] @ V[h + 1]).max(axis=1)
    return V


def context_values(lmdp: LatentMDP) -> np.ndarray:
    """``V*_m[h, s]``, the optimal values of each context's MDP (the context known), shape ``(M, H + 1, S)``;
    ``sum_m w_m nu_m V*_m[0] >= V*`` of the latent MDP."""
    return np.stack([_mdp_values(lmdp.P[m], lmdp.R[m]) for m in range(lmdp.M)])


# --- exact planning and evaluation over (state, belief) nodes ---------------------------------------------------------

class HistoryPolicy(Protocol):
    """A history-dependent policy as :func:`evaluate_policy` reads it, vectorised over nodes: ``start(s) ->
    F[n, d]`` (its statistics after seeing the initial states ``s[n]``), ``act(h, s, F) -> a[n]``, ``update(h, s,
    a, r, s_next, F) -> F'`` (after seeing reward ``r`` and next state ``s_next``). Everything it knows of the
    history must be in ``F`` (histories with equal ``(s, F)`` and equal true posteriors are merged)."""

    def start(self, s: np.ndarray) -> np.ndarray: ...
    def act(self, h: int, s: np.ndarray, F: np.ndarray) -> np.ndarray: ...
    def update(self, h: int, s: np.ndarray, a: np.ndarray, r: np.ndarray, s_next: np.ndarray,
               F: np.ndarray) -> np.ndarray: ...


def _merge(s: np.ndarray, feats: np.ndarray, h: int, max_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``(s, round(feats))``: ``(s_unique, feats_unique, inverse)``."""
    keys = np.concatenate([s[:, None].astype(np.float64), np.round(feats, _ROUND)], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    if first.size > max_nodes:
        raise ValueError(f"step {h} has {first.size} reachable (state, belief) nodes, more than max_nodes = "
                         f"{max_nodes}: exact planning/evaluation is limited to small latent MDPs (fewer contexts, "
                         f"states, actions or steps)")
    return s[first], feats[first], inverse.reshape(-1)


def _children(lmdp: LatentMDP, h: int, s: np.ndarray, B: np.ndarray, a: np.ndarray):
    """Children of nodes ``(s[n], B[n, M])`` (``B`` the true posterior) under actions ``a[n, k]``, one per
    (node, action, context m whose reward is observed, next state): ``(B'[n, k, M, S, M], valid[n, k, M, S])``;
    ``valid`` where context ``m`` reaches that child with positive probability."""
    size = s.size * a.shape[1] * lmdp.M * lmdp.S * lmdp.M
    if size > MAX_EXPANSION:
        raise ValueError(f"step {h + 1} would expand {size} candidate (node, action, context, state) beliefs, more "
                         f"than {MAX_EXPANSION}: exact planning/evaluation is limited to small latent MDPs (lower "
                         f"max_nodes, or fewer contexts, states, actions or steps)")
    P = lmdp.P[:, h][:, s[:, None], a]             # [M', n, k, S]
    R = lmdp.R[:, h][:, s[:, None], a]             # [M', n, k]
    same = R[None] == R[:, None]                   # [M (observed), M', n, k]
    raw = (B.T[None, :, :, None, None] * same[..., None] * P[None])  # [M, M', n, k, S]
    raw = raw.transpose(2, 3, 0, 4, 1)             # [n, k, M, S, M']
    M = lmdp.M
    valid = raw[..., np.arange(M), :, np.arange(M)].transpose(1, 2, 0, 3) > 0  # [n, k, M, S]
    total = raw.sum(axis=-1, keepdims=True)
    return np.divide(raw, total, out=np.zeros_like(raw), where=total > 0), valid


def _roots(lmdp: LatentMDP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial nodes: states ``s`` with positive probability, weights ``c[n, M] = w_m nu_m(s)`` and posteriors."""
    c = (lmdp.weights[:, None] * lmdp.initial).T   # [S, M]
    s = np.flatnonzero(c.sum(axis=1) > 0)
    return s, c[s], c[s] / c[s].sum(axis=1, keepdims=True)


def _backup(lmdp: LatentMDP, h: int, s: np.ndarray, a: np.ndarray, child: np.ndarray | None,
            alpha_next: np.ndarray | None, beta_next: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-context first and second moments of the remaining reward, ``alpha[n, k, M]``, ``beta[n, k, M]``, of
    taking ``a[n, k]`` at nodes ``s[n]`` and continuing as the next step's nodes (``child[n, k, M, S]``, -1: not
    reached)."""
    M = lmdp.M
    R = lmdp.R[:, h][:, s[:, None], a].transpose(1, 2, 0)  # [n, k, M]
    if child is None:
        return R, R * R
    P = lmdp.P[:, h][:, s[:, None], a].transpose(1, 2, 0, 3)  # [n, k, M, S]
    ok = child >= 0
    idx = np.where(ok, child, 0)
    an = np.where(ok, alpha_next[idx, np.arange(M)[None, None, :, None]], 0.0)
    bn = np.where(ok, beta_next[idx, np.arange(M)[None, None, :, None]], 0.0)
    mean = (P * an).sum(-1)
    return R + mean, R * R + 2 * R * mean + (P * bn).sum(-1)


@dataclass(frozen=True)
class LMDPSolution:
    """Exact optimum of a latent MDP over history-dependent policies (:func:`plan`).

    Attributes:
        value: ``V* = max_pi sum_m w_m E_m^pi[sum_h r_h]``.
        var_star: ``Var*`` (module docstring; reconstruction).
        nodes: ``nodes[h] = (s[n], belief[n, M], action[n], alpha[n, M])``: the reachable (state, posterior)
            pairs of step ``h``, the optimal action there and the optimal alpha vector (per-context expected
            remaining reward).
    """

    value: float
    var_star: float
    nodes: tuple

    def action(self, h: int, s: int, belief: np.ndarray) -> int:
        """The optimal action at step ``h`` in state ``s`` with posterior ``belief`` (a reachable node)."""
        h = check_int(h, "h", minimum=0)
        if h >= len(self.nodes):
            raise ValueError(f"h = {h} is not a step of the model (H = {len(self.nodes)})")
        S_, B, act, _ = self.nodes[h]
        hit = np.flatnonzero((S_ == s) & np.all(np.abs(B - np.asarray(belief)) < 10.0 ** -(_ROUND - 2), axis=1))
        if hit.size == 0:
            raise ValueError(f"no reachable node at step {h} with state {s} and belief {belief}")
        return int(act[hit[0]])


def plan(lmdp: LatentMDP, *, max_nodes: int = MAX_NODES) -> LMDPSolution:
    """Exact ``V*`` and ``Var*`` of ``lmdp`` over history-dependent policies: forward enumeration of the reachable
    (state, posterior) nodes under every action, then backward induction ``alpha_m(tau, a) = R_m(s, a) + sum_s'
    P_m(s'|s, a) alpha_m(tau a r_m s')``, ``a*(tau) = argmax_a sum_m b(m|tau) alpha_m(tau, a)`` (ties within
    ``TIE``: the smallest posterior-weighted second moment, then the first index; module docstring).
    ``ValueError`` when a step has more than ``max_nodes`` nodes."""
    _check_lmdp(lmdp)
    max_nodes = check_int(max_nodes, "max_nodes")
    A, H = lmdp.A, lmdp.H
    s0, c0, B0 = _roots(lmdp)
    levels, links = [(s0, B0)], []
    every = None
    for h in range(H - 1):
        s, B = levels[-1]
        every = np.broadcast_to(np.arange(A), (s.size, A))
        Bc, valid = _children(lmdp, h, s, B, every)
        n, k, M, S = valid.shape
        sn = np.broadcast_to(np.arange(S)[None, None, None, :], valid.shape)[valid]
        s_next, B_next, inv = _merge(sn, Bc[valid], h + 1, max_nodes)
        child = np.full(valid.shape, -1)
        child[valid] = inv
        levels.append((s_next, B_next))
        links.append(child)
    nodes = [None] * H
    alpha = beta = None
    for h in range(H - 1, -1, -1):
        s, B = levels[h]
        every = np.broadcast_to(np.arange(A), (s.size, A))
        al, be = _backup(lmdp, h, s, every, links[h] if h < H - 1 else None, alpha, beta)
        val, second = (B[:, None, :] * al).sum(-1), (B[:, None, :] * be).sum(-1)
        act = np.argmin(np.where(val >= val.max(axis=1, keepdims=True) - TIE, second, np.inf), axis=1)
        rows = np.arange(s.size)
        alpha, beta = al[rows, act], be[rows, act]
        nodes[h] = (s, B, act, alpha)
    value = float((c0 * alpha).sum())
    var = float((c0 * (beta - alpha ** 2)).sum())
    return LMDPSolution(value, max(var, 0.0), tuple(nodes))


def var_star(lmdp: LatentMDP, *, max_nodes: int = MAX_NODES) -> float:
    """``Var*`` of ``lmdp`` (module docstring; a labelled reconstruction of the paper's definition)."""
    return plan(lmdp, max_nodes=max_nodes).var_star


def evaluate_policy(lmdp: LatentMDP, policy: HistoryPolicy, *, max_nodes: int = MAX_NODES) -> float:
    """Exact value ``sum_m w_m E_m^pi[sum_h r_h]`` of a history-dependent ``policy`` (:class:`HistoryPolicy`) by
    enumeration of the reachable (state, true posterior, policy statistics) nodes; ``ValueError`` past
    ``max_nodes`` nodes at a step."""
    _check_lmdp(lmdp)
    M, H = lmdp.M, lmdp.H
    s0, c0, B0 = _roots(lmdp)
    F = np.asarray(policy.start(s0), dtype=np.float64)
    if F.ndim != 2 or F.shape[0] != s0.size:
        raise ValueError(f"policy.start returned statistics of shape {F.shape}, need one row per initial state "
                         f"({s0.size}, d)")
    levels, links = [], []
    s, B = s0, B0
    for h in range(H):
        a = np.asarray(policy.act(h, s, F))
        if a.shape != s.shape or not np.issubdtype(a.dtype, np.integer) or (a < 0).any() or (a >= lmdp.A).any():
            raise ValueError(f"policy.act returned invalid actions at step {h} (need integers in [0, {lmdp.A}))")
        levels.append((s, a))
        if h == H - 1:
            break
        Bc, valid = _children(lmdp, h, s, B, a[:, None])
        valid = valid[:, 0]                                  # [n, M, S]
        n, _, S = valid.shape
        node, m, sn = np.nonzero(valid)
        r = lmdp.R[m, h, s[node], a[node]]
        Fn = np.asarray(policy.update(h, s[node], a[node], r, sn, F[node]), dtype=np.float64)
        s, feats, inv = _merge(sn, np.concatenate([Bc[:, 0][valid], Fn], axis=1), h + 1, max_nodes)
        B, F = feats[:, :M], feats[:, M:]
        child = np.full(valid.shape, -1)
        child[valid] = inv
        links.append(child[:, None])
    alpha = beta = None
    for h in range(H - 1, -1, -1):
        s, a = levels[h]
        alpha, beta = (x[:, 0] for x in _backup(lmdp, h, s, a[:, None], links[h] if h < H - 1 else None,
                                                alpha, beta))
    return float((c0 * alpha).sum())


def _check_lmdp(lmdp: object) -> LatentMDP:
    if not isinstance(lmdp, LatentMDP):
        raise TypeError(f"lmdp must be a LatentMDP, got {type(lmdp).__name__}")
    return lmdp


# --- simulation ----------------------------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def draw(cdf, rng):
    """Index drawn from a cumulative distribution ``cdf`` (SplitMix64): ``(rng, index)``."""
    rng, u = next_uniform(rng)
    i = 0
    while i < cdf.size - 1 and u >= cdf[i]:
        i += 1
    return rng, i


@njit(cache=True, nogil=True)
def _simulate(Pc, R, init_c, w_c, policy, K, seed):
    M, H, S, A, _ = Pc.shape
    rng = np.uint64(seed)
    contexts = np.zeros(K, np.int64)
    states = np.zeros((K, H + 1), np.int64)
    actions = np.zeros((K, H), np.int64)
    rewards = np.zeros((K, H))
    for k in range(K):
        rng, m = draw(w_c, rng)
        rng, s = draw(init_c[m], rng)
        contexts[k] = m
        states[k, 0] = s
        for h in range(H):
            a = policy[h, s]
            actions[k, h] = a
            rewards[k, h] = R[m, h, s, a]
            rng, s = draw(Pc[m, h, s, a], rng)
            states[k, h + 1] = s
    return contexts, states, actions, rewards


def cdfs(lmdp: LatentMDP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative ``P[m, h, s, a, :]``, ``initial[m, :]`` and ``weights`` for the Numba kernels (last entry 1)."""
    out = []
    for x in (lmdp.P, lmdp.initial, lmdp.weights):
        c = np.cumsum(x, axis=-1)
        c[..., -1] = 1.0
        out.append(np.ascontiguousarray(c))
    return tuple(out)


def seed_of(seed: Seed) -> int:
    """A 63-bit integer stream seed for the Numba kernels from ``seed`` (int, ``Generator`` or ``None``)."""
    return int(as_generator(seed).integers(2 ** 63 - 1))


def simulate(lmdp: LatentMDP, policy: np.ndarray, K: int, seed: Seed = None) -> dict[str, np.ndarray]:
    """``K`` episodes of a history-independent deterministic ``policy[h, s]`` (Numba): ``contexts[k]``,
    ``states[k, h]`` (``H + 1`` per episode), ``actions[k, h]``, ``rewards[k, h]``."""
    _check_lmdp(lmdp)
    K = check_int(K, "K (episodes)")
    pi = np.asarray(policy)
    if not np.issubdtype(pi.dtype, np.integer) or pi.dtype == np.bool_:
        raise TypeError(f"policy must be an integer array pi[h, s], got dtype {pi.dtype}")
    if pi.shape != (lmdp.H, lmdp.S):
        raise ValueError(f"policy must have shape (H, S) = {(lmdp.H, lmdp.S)}, got {pi.shape}")
    if (pi < 0).any() or (pi >= lmdp.A).any():
        idx = tuple(int(i) for i in np.argwhere((pi < 0) | (pi >= lmdp.A))[0])
        raise ValueError(f"policy{list(idx)} = {int(pi[idx])} is not an action in [0, {lmdp.A})")
    Pc, init_c, w_c = cdfs(lmdp)
    out = _simulate(Pc, np.ascontiguousarray(lmdp.R), init_c, w_c, pi.astype(np.int64), K, seed_of(seed))
    return dict(zip(("contexts", "states", "actions", "rewards"), out))


# --- instances -----------------------------------------------------------------------------------------------------

def random_lmdp(M: int, S: int, A: int, H: int, seed: Seed = None, *, support: int | None = None,
                stationary: bool = True, shared_rewards: bool = False) -> LatentMDP:
    """A random latent MDP: Dirichlet(1) transitions on ``support`` (default ``S``) random successors per
    ``(m, s, a)``, rewards uniform on [0, 1/H] (so every total lies in [0, 1]; ``shared_rewards``: the same in
    every context, so that only transitions tell the contexts apart), Dirichlet initial distributions on random
    supports and weights."""
    M, S, A, H = (check_int(x, n) for x, n in ((M, "M"), (S, "S"), (A, "A"), (H, "H")))
    G = S if support is None else check_int(support, "support")
    if G > S:
        raise ValueError(f"support must be at most S = {S}, got {G}")
    rng = as_generator(seed)
    shape = (M,) + (() if stationary else (H,)) + (S, A)
    P = np.zeros(shape + (S,))
    idx = np.argsort(rng.random(shape + (S,)), axis=-1)[..., :G]
    np.put_along_axis(P, idx, rng.dirichlet(np.ones(G), size=shape), axis=-1)
    R = rng.random(shape) / H
    if check_flag(shared_rewards, "shared_rewards"):
        R[:] = R[0]
    init = rng.dirichlet(np.ones(S), size=M) * (rng.random((M, S)) < 0.7)
    init[np.arange(M), rng.integers(S, size=M)] += 0.1
    init /= init.sum(axis=1, keepdims=True)
    w = rng.dirichlet(np.ones(M) * 2.0)
    return LatentMDP(tuple(EpisodicMDP(P[m], R[m], H, initial=init[m]) for m in range(M)), w)


def lower_bound_instance(M: int, S: int, A: int, epsilon: float, p: float = 0.5, seed: Seed = None) -> LatentMDP:
    """Hard latent MDPs with ``Gamma = 2`` in the spirit of the paper's lower bound (Zhou et al. 2023, Theorem on
    ``Omega(sqrt(Var* M S A K))``) [reconstruction: the paper's construction could not be retrieved]. Each context
    ``m`` owns ``S`` decision states (``M S + 2`` states in all, horizon 2): its episode starts uniformly in one of
    them, where every action leads to the rewarding state ``G`` with probability ``p`` except one hidden action per
    (context, state), drawn from ``seed``, which leads there with ``p + epsilon``; otherwise to ``B``. Reward 1 in
    ``G`` at the second step, so ``Var* = (p + epsilon)(1 - p - epsilon)`` and every (context, state, action) is an
    arm of its own: ``M S A`` arms, visited ``K / (M S)`` times each. The context is revealed by the start state
    (each context owns its start states), so nothing in this family is latent: it is ``M S`` independent bandits,
    a Gamma = 2 sanity family with exactly controlled Var*; :func:`signal_instance` is the latent one."""
    M, S, A = check_int(M, "M"), check_int(S, "S"), check_int(A, "A", minimum=2)
    p = check_real(p, "p", low=0.0, high=1.0)
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0 - p)
    rng = as_generator(seed)
    n = M * S + 2
    G, Bad = n - 2, n - 1
    best = rng.integers(A, size=(M, S))
    models = []
    for m in range(M):
        P = np.zeros((2, n, A, n))
        P[:, :, :, Bad] = 1.0  # unused states: absorbed in B
        for i in range(S):
            s = m * S + i
            q = np.full(A, p)
            q[best[m, i]] += epsilon
            P[0, s, :, G], P[0, s, :, Bad] = q, 1.0 - q
        P[1, :, :, :] = 0.0
        P[1, :, :, Bad] = 1.0
        R = np.zeros((2, n, A))
        R[1, G, :] = 1.0
        init = np.zeros(n)
        init[m * S:(m + 1) * S] = 1.0 / S
        models.append(EpisodicMDP(P, R, 2, initial=init))
    return LatentMDP(tuple(models), np.full(M, 1.0 / M), name=f"lmdp-lower-bound(M={M},S={S},A={A},eps={epsilon})")


def signal_instance(M: int, A: int, epsilon: float, p: float = 0.5, eta: float = 0.25,
                    seed: Seed = None) -> LatentMDP:
    """A latent family whose context is *not* revealed by the first state [toolkit's own construction for the
    Var* and K scaling checks]: every context starts in the shared state 0 (horizon 3, ``S = M + 3``); step 0
    emits a noisy signal, state ``1 + j`` with probability ``1 - eta`` for ``j = m`` and ``eta / (M - 1)`` for each
    other ``j`` (reward 0; ``eta = 0``: revealed after one step); at the signal state every action leads to the
    rewarding state ``G`` with probability ``p``, except context ``m``'s hidden best action (drawn from ``seed``),
    which leads there with ``p + epsilon``; ``G`` pays 1 at the last step. The total is Bernoulli given the
    context, so ``Var* = sum_m w_m mu_m (1 - mu_m)`` with ``mu_m`` context ``m``'s success probability under the
    optimal policy: ``p`` controls Var* (towards 0 as ``p + epsilon`` nears 0 or 1) at a fixed gap ``epsilon``.
    The optimal policy must act on the posterior over contexts after the signal."""
    M, A = check_int(M, "M", minimum=2), check_int(A, "A", minimum=2)
    p = check_real(p, "p", low=0.0, high=1.0)
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0 - p)
    eta = check_real(eta, "eta", low=0.0, high=1.0 - 1.0 / M)
    best = as_generator(seed).integers(A, size=M)
    S = M + 3
    G, Bad = S - 2, S - 1
    models = []
    for m in range(M):
        P = np.zeros((3, S, A, S))
        P[:, :, :, Bad] = 1.0
        P[0, 0] = 0.0
        P[0, 0, :, 1:M + 1] = eta / (M - 1)
        P[0, 0, :, 1 + m] = 1.0 - eta
        q = np.full(A, p)
        q[best[m]] += epsilon
        P[1, 1:M + 1, :, G], P[1, 1:M + 1, :, Bad] = q, 1.0 - q
        R = np.zeros((3, S, A))
        R[2, G, :] = 1.0
        models.append(EpisodicMDP(P, R, 3, initial=np.eye(S)[0]))
    return LatentMDP(tuple(models), np.full(M, 1.0 / M),
                     name=f"lmdp-signal(M={M},A={A},eps={epsilon},p={p},eta={eta})")


def chain_instance(M: int, A: int, H: int, epsilon: float, p: float = 0.5, seed: Seed = None) -> LatentMDP:
    """A stationary latent family whose decision spreads over all ``H`` steps at total reward in [0, 1] [toolkit's
    own construction for the horizon sweep]: ``S = M + 2`` states, context ``m`` starts in state ``m`` (so the start
    state reveals the context: exact evaluation stays at ``S`` nodes per step up to large ``H``; the latent aspect is
    :func:`signal_instance`'s); at every step and state, every action leads to the rewarding state ``G = M`` with
    probability ``p``, except the hidden best action of ``(m, s)`` (drawn from ``seed``), which does with
    ``p + epsilon``; otherwise to ``B = M + 1``. Being in ``G`` pays ``1 / H`` per step. Every step is a two-point
    (Gamma = 2) choice with value gap ``epsilon / H``, so all ``H - 1`` decisions of an episode matter and a wrong
    one everywhere costs ``epsilon (H - 1) / H``; ``V* = (p + epsilon)(H - 1) / H``, ``Var* = (p + epsilon)(1 - p -
    epsilon)(H - 1) / H^2`` (the total is a Binomial over ``H - 1`` steps, scaled by ``1 / H``). Unlike
    :func:`horizon_padded` (idle steps on which a per-step bonus may cost nothing), a layered learner must learn
    the choice anew at each of the ``H`` steps, while a learner that pools counts over steps (the paper's
    homogeneous ``P_m``) sees it ``H`` times per episode. Two caveats for a horizon sweep: with ``M = 1`` (as the
    check uses it, for the UCBVI baseline) nothing is latent, it is the MDP special case; and Var* falls like
    ``1 / H`` at fixed ``epsilon, p``, so the paper's rate ``sqrt(Var* K)`` itself falls over H (a learner with a
    hidden ``sqrt(H)`` beside ``sqrt(Var*)`` would look flat; the check also fits regret / sqrt(Var*))."""
    M, A, H = check_int(M, "M"), check_int(A, "A", minimum=2), check_int(H, "H", minimum=2)
    p = check_real(p, "p", low=0.0, high=1.0)
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0 - p)
    best = as_generator(seed).integers(A, size=(M, M + 2))
    S, G, Bad = M + 2, M, M + 1
    models = []
    for m in range(M):
        q = np.full((S, A), p)
        q[np.arange(S), best[m]] += epsilon
        P = np.zeros((S, A, S))
        P[:, :, G], P[:, :, Bad] = q, 1.0 - q
        R = np.zeros((S, A))
        R[G] = 1.0 / H
        models.append(EpisodicMDP(P, R, H, initial=np.eye(S)[m]))
    return LatentMDP(tuple(models), np.full(M, 1.0 / M), name=f"lmdp-chain(M={M},A={A},H={H},eps={epsilon},p={p})")


def horizon_padded(lmdp: LatentMDP, H: int) -> LatentMDP:
    """``lmdp`` stretched to horizon ``H`` [toolkit's own construction for the horizon sweep]: the first
    ``H - lmdp.H`` steps are idle (every action keeps the state, reward 0), then ``lmdp`` runs in the last
    ``lmdp.H`` steps. Totals, ``V*`` and ``Var*`` are unchanged while the horizon (and the number of (step, state,
    action) triples a layered learner must visit) grows."""
    H = check_int(H, "H")
    _check_lmdp(lmdp)
    pad = H - lmdp.H
    if pad < 0:
        raise ValueError(f"H = {H} is shorter than the model's horizon {lmdp.H}")
    S, A = lmdp.S, lmdp.A
    models = []
    for m in range(lmdp.M):
        P = np.zeros((H, S, A, S))
        R = np.zeros((H, S, A))
        P[:pad] = np.eye(S)[None, :, None, :]  # idle: stay where you start
        P[pad:] = lmdp.P[m]
        R[pad:] = lmdp.R[m]
        models.append(EpisodicMDP(P, R, H, initial=lmdp.initial[m]))
    return LatentMDP(tuple(models), lmdp.weights, name=f"{lmdp.name}-padded-H{H}")


def deterministic_lmdp(M: int, S: int, A: int, H: int, seed: Seed = None) -> LatentMDP:
    """A random latent MDP with deterministic transitions (``Gamma = 1``, ``Var* = 0``) and rewards on [0, 1/H]."""
    return random_lmdp(M, S, A, H, seed, support=1)


def lmdp_from_arrays(P: np.ndarray, R: np.ndarray, H: int, initial: Sequence, weights: Sequence,
                     name: str = "latent-mdp") -> LatentMDP:
    """A :class:`LatentMDP` from stacked arrays ``P[m, ...]``, ``R[m, ...]`` (each context's layout as
    :class:`EpisodicMDP` takes it) and ``initial[m, s]``."""
    return LatentMDP(tuple(EpisodicMDP(P[m], R[m], H, initial=initial[m]) for m in range(len(P))), weights,
                     name=name)

