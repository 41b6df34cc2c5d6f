"""Adversarial episodic MDPs (Dai, Luo, Wei & Zimmert 2023, "Refined Regret for Adversarial MDPs with Linear Function
Approximation", ICML, arXiv 2301.12942, Sec. 2): fixed transitions, losses chosen by an oblivious adversary before the
run, bandit feedback.

``AdversarialMDP(P, losses, initial)``: layered transitions ``P[h, s, a, s']`` (a state index is read per step, so
the layers ``S_1, ..., S_H`` of the paper are ``{(h, s)}``), losses ``losses[k, h, s, a]`` in [0, 1] for the ``K``
episodes, initial distribution (default: state 0, the paper's fixed ``s_1``).

Adversaries (seeded generators returning ``losses[k, h, s, a]``): :func:`fixed_losses`, :func:`switching_losses`
(the best action switches at ``K/3`` and ``2K/3``), :func:`drifting_bernoulli_losses` (realised Bernoulli draws of
drifting means), :func:`against_play` (loss 1 where a given expected play puts most mass) and
:func:`against_learner` (the same against a learner's expected play on a probe run).

Features for the linear-Q view of a tabular model: :func:`onehot_features` (``phi[s, a, d]``, ``d = S A``; every Q
function is linear in them) and :func:`mixed_features` (one-hot times a fixed invertible non-orthogonal matrix: still
exactly linear-Q, but ``phi^T (gamma I + Sigma)^{-1} phi'`` takes both signs, so loss estimates can be negative).

Exact values: :func:`episode_values` (``V_k^{pi_k}(s_1)`` of stochastic policies ``pi[k, h, s, a]``, one Numba
backward pass per episode) and :func:`best_fixed_policy` (``min_pi sum_k V_k^pi(s_1)`` by ONE backward induction on
the summed losses: ``sum_k V_k^pi = V^pi(sum_k loss_k)`` since the transitions are fixed). Simulation:
:func:`simulate` (the learner sees the losses on its path only) over the Numba kernel :func:`play`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from boundlab import solvers
from boundlab.solvers.validation import check_real_array, check_rewards, row_sum_atol

from ._checks import Seed, check_int, check_real
from ._rng import next_uniform
from .instances import as_generator

__all__ = ["AdversarialMDP", "Comparator", "against_learner", "against_play", "best_fixed_policy",
           "drifting_bernoulli_losses", "episode_values", "fixed_losses", "mixed_features", "occupancy",
           "onehot_features", "play", "random_transitions", "simulate", "switching_losses"]


def _frozen(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64, copy=True)
    x.setflags(write=False)
    return x


def _first(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.argwhere(mask)[0]]


def check_transitions(P, name: str = "P") -> np.ndarray:
    """``P[h, s, a, s']`` as float64: four dimensions, ``S`` states in and out, at least one step/state/action,
    every ``P[h, s, a]`` a probability vector (non-negative, summing to 1 within the dtype's tolerance)."""
    dtype = np.asarray(check_real_array(P, name)).dtype
    P = check_rewards(P, name, ndim=4)
    H, S, A, S2 = P.shape
    if min(H, S, A) < 1 or S2 != S:
        raise ValueError(f"{name} must have shape (H, S, A, S) with H, S, A >= 1, got {P.shape}")
    if (P < 0).any():
        idx = _first(P < 0)
        raise ValueError(f"{name}{idx} = {P[tuple(idx)]} is negative")
    sums = P.sum(-1)
    bad = np.abs(sums - 1.0) > row_sum_atol(dtype, S)
    if bad.any():
        h, s, a = _first(bad)
        raise ValueError(f"{name}[{h}, {s}, {a}] must sum to 1 over next states, got {sums[h, s, a]!r}")
    return P / sums[..., None]


@dataclass(frozen=True)
class AdversarialMDP:
    """An episodic layered MDP with adversarial losses (Dai et al. 2023, Sec. 2): ``P[h, s, a, s']``,
    ``losses[k, h, s, a]`` in [0, 1] (episode ``k``'s loss, fixed before the run: an oblivious adversary),
    ``initial`` distribution over states (default: state 0). Validates on construction (``ValueError`` naming the
    argument and index, ``TypeError`` for non-real entries) and stores read-only float64 arrays."""

    P: np.ndarray
    losses: np.ndarray
    initial: np.ndarray | None = None
    name: str = field(default="adversarial-mdp", compare=False)

    def __post_init__(self):
        P = check_transitions(self.P)
        H, S, A, _ = P.shape
        losses = check_rewards(self.losses, "losses", ndim=4)
        if losses.shape[0] < 1 or losses.shape[1:] != (H, S, A):
            raise ValueError(f"losses must have shape (K, H, S, A) = (K, {H}, {S}, {A}) with K >= 1 (P's steps, "
                             f"states and actions), got {losses.shape}")
        out = (losses < 0) | (losses > 1)
        if out.any():
            idx = _first(out)
            raise ValueError(f"losses{idx} = {losses[tuple(idx)]} lies outside [0, 1]")
        if self.initial is None:
            mu = np.zeros(S)
            mu[0] = 1.0
        else:
            dtype = np.asarray(check_real_array(self.initial, "initial")).dtype
            mu = check_rewards(self.initial, "initial", ndim=1)
            if mu.shape != (S,):
                raise ValueError(f"initial must have shape (S,) = ({S},), got {mu.shape}")
            if mu.min() < 0 or abs(mu.sum() - 1.0) > row_sum_atol(dtype, S):
                raise ValueError(f"initial must be a probability vector over states (non-negative, summing to 1), "
                                 f"got sum {float(mu.sum())}, min {float(mu.min())}")
            mu = mu / mu.sum()
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "losses", _frozen(losses))
        object.__setattr__(self, "initial", _frozen(mu))

    @property
    def K(self) -> int:
        return self.losses.shape[0]

    @property
    def H(self) -> int:
        return self.P.shape[0]

    @property
    def S(self) -> int:
        return self.P.shape[1]

    @property
    def A(self) -> int:
        return self.P.shape[2]

    def with_losses(self, losses: np.ndarray) -> AdversarialMDP:
        """The same transitions and initial distribution with another loss sequence."""
        return AdversarialMDP(self.P, losses, self.initial, self.name)


# --- instances and adversaries ----------------------------------------------------------------------------------------

def _sizes(K, H, S, A) -> tuple[int, int, int, int]:
    return check_int(K, "K"), check_int(H, "H"), check_int(S, "S"), check_int(A, "A")


def random_transitions(H: int, S: int, A: int, seed: Seed = None, alpha: float = 1.0) -> np.ndarray:
    """``P[h, s, a, s']`` with every row drawn from a symmetric Dirichlet(``alpha``)."""
    H, S, A = check_int(H, "H"), check_int(S, "S"), check_int(A, "A")
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    return as_generator(seed).dirichlet(np.full(S, alpha), size=(H, S, A))


def fixed_losses(K: int, H: int, S: int, A: int, seed: Seed = None) -> np.ndarray:
    """One loss table drawn uniformly from [0, 1] and repeated in every episode (the stochastic-free fixed case)."""
    K, H, S, A = _sizes(K, H, S, A)
    return np.broadcast_to(as_generator(seed).uniform(size=(H, S, A)), (K, H, S, A)).copy()


def switching_losses(K: int, H: int, S: int, A: int, seed: Seed = None, gap: float = 0.4) -> np.ndarray:
    """Losses ``0.5 - gap/2`` on one best action per ``(h, s)`` and ``0.5 + gap/2`` elsewhere; the best action is
    redrawn (different from the last, where ``A > 1``) at episodes ``K // 3`` and ``2 K // 3``."""
    K, H, S, A = _sizes(K, H, S, A)
    gap = check_real(gap, "gap", low=0.0, high=1.0)
    rng = as_generator(seed)
    best = rng.integers(A, size=(H, S))
    losses = np.empty((K, H, S, A))
    for phase, (lo, hi) in enumerate(((0, K // 3), (K // 3, 2 * K // 3), (2 * K // 3, K))):
        if phase and A > 1:
            best = (best + rng.integers(1, A, size=(H, S))) % A
        table = np.full((H, S, A), 0.5 + gap / 2)
        np.put_along_axis(table, best[..., None], 0.5 - gap / 2, axis=2)
        losses[lo:hi] = table
    return losses


def drifting_bernoulli_losses(K: int, H: int, S: int, A: int, seed: Seed = None, periods: float = 2.0,
                              amplitude: float = 0.4) -> np.ndarray:
    """Realised Bernoulli losses with drifting means ``0.5 + amplitude sin(2 pi periods k / K + phase[h, s, a])``
    (random phases): the adversary draws the whole sequence before the run (oblivious)."""
    K, H, S, A = _sizes(K, H, S, A)
    periods = check_real(periods, "periods", low=0.0)
    amplitude = check_real(amplitude, "amplitude", low=0.0, high=0.5)
    rng = as_generator(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(H, S, A))
    means = 0.5 + amplitude * np.sin(2 * np.pi * periods * np.arange(K)[:, None, None, None] / K + phase)
    return (rng.uniform(size=means.shape) < means).astype(np.float64)


def check_probabilities(pi, S: int, A: int, H: int, name: str = "probabilities") -> np.ndarray:
    """Stochastic policies ``pi[k, h, s, a]`` (or one ``pi[h, s, a]``) as a float64 ``(K', H, S, A)`` array, each
    ``pi[k, h, s]`` a probability vector."""
    dtype = np.asarray(check_real_array(pi, name)).dtype
    pi = np.asarray(pi, dtype=np.float64)
    if pi.ndim == 3:
        pi = pi[None]
    if pi.ndim != 4 or pi.shape[1:] != (H, S, A) or pi.shape[0] < 1:
        raise ValueError(f"{name} must have shape (K, H, S, A) or (H, S, A) with (H, S, A) = ({H}, {S}, {A}), got "
                         f"{np.shape(pi)}")
    bad = ~np.isfinite(pi).all(-1) | (pi < 0).any(-1)
    with np.errstate(invalid="ignore"):
        bad |= ~(np.abs(pi.sum(-1) - 1.0) <= row_sum_atol(dtype, A))
    if bad.any():
        idx = _first(bad)
        raise ValueError(f"{name}{idx} is not a probability vector over actions (negative, non-finite, or sums to "
                         f"{float(pi[tuple(idx)].sum())!r})")
    return pi


def against_play(P, probabilities, initial=None) -> np.ndarray:
    """An oblivious adversary built against a learner's expected play ``probabilities[k, h, s, a]`` (e.g. a previous
    run's): loss 1 on the action ``argmax_a q_k(h, s, a)`` at each ``(h, s)``, 0 elsewhere. As ``q_k(h, s, a) =
    d_k(h, s) pi_k(a | h, s)``, that is the policy's most likely action ``argmax_a pi_k(a | h, s)`` (also where the
    play never reaches ``s``)."""
    P = check_transitions(P)
    H, S, A, _ = P.shape
    pi = check_probabilities(probabilities, S, A, H)
    mu = AdversarialMDP(P, np.zeros((1, H, S, A)), initial).initial
    q = occupancy(P, mu, pi)
    score = np.where(q.sum(-1, keepdims=True) > 0, q, pi)
    losses = np.zeros_like(pi)
    np.put_along_axis(losses, score.argmax(-1)[..., None], 1.0, axis=-1)
    return losses


def against_learner(P, K: int, learner, seed: Seed = None, initial=None, **params) -> np.ndarray:
    """:func:`against_play` against ``learner``'s expected play (``learner(model, K, seed, **params)`` returning a run
    with ``probabilities[k, h, s, a]``, as :mod:`~boundlab.tabular.learners.adv_logbarrier`'s) on a probe run: the
    learner facing i.i.d. uniform losses drawn from ``seed``. The adversary stays oblivious: it fixes the whole
    sequence before the real run, from the learner's code and the probe alone."""
    P = check_transitions(P)
    H, S, A, _ = P.shape
    K = check_int(K, "K")
    if not callable(learner):
        raise TypeError(f"learner must be a learner function learner(model, K, seed, **params), got "
                        f"{type(learner).__name__}")
    rng = as_generator(seed)
    probe = AdversarialMDP(P, rng.uniform(size=(K, H, S, A)), initial)
    run = learner(probe, K, rng, **params)
    probabilities = getattr(run, "probabilities", None)
    if probabilities is None:
        raise TypeError(f"learner must return a run with probabilities[k, h, s, a], got {type(run).__name__}")
    return against_play(P, probabilities, probe.initial)


# --- features for the linear-Q view -----------------------------------------------------------------------------------

def onehot_features(S: int, A: int) -> np.ndarray:
    """``phi[s, a, d]`` with ``d = S A`` and ``phi[s, a] = e_{s A + a}``: a tabular model as a linear-Q one."""
    S, A = check_int(S, "S"), check_int(A, "A")
    return np.eye(S * A).reshape(S, A, S * A)


def mixed_features(S: int, A: int, seed: Seed = None, strength: float = 0.5) -> np.ndarray:
    """One-hot features times ``M = (I + strength G / sqrt(d)) / c`` (``G`` standard normal, redrawn until ``M`` has
    condition number below 10; ``c`` the largest row norm, so every ``||phi(s, a)|| <= 1`` as the papers assume, the
    largest exactly 1): every Q function stays exactly linear (``theta' = M^{-T} theta``), but features of
    different pairs are no longer orthogonal, so ``phi^T (gamma I + Sigma)^{-1} phi'`` takes both signs."""
    S, A = check_int(S, "S"), check_int(A, "A")
    strength = check_real(strength, "strength", low=0.0)
    rng, d = as_generator(seed), S * A
    while True:
        M = np.eye(d) + strength * rng.standard_normal((d, d)) / np.sqrt(d)
        if np.linalg.cond(M) < 10:
            return (M / np.linalg.norm(M, axis=1).max()).reshape(S, A, d)


# --- exact values -----------------------------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def evaluate_kernel(P, losses, pi, initial):
    """``V_k^{pi_k}(initial)`` for every episode: ``losses`` is ``(K, H, S, A)``, ``pi`` ``(1 or K, H, S, A)``."""
    K, H, S, A = losses.shape
    out = np.empty(K)
    V = np.zeros((H + 1, S))
    for k in range(K):
        pk = pi[k if pi.shape[0] > 1 else 0]
        for h in range(H - 1, -1, -1):
            for s in range(S):
                v = 0.0
                for a in range(A):
                    if pk[h, s, a] == 0.0:
                        continue
                    q = losses[k, h, s, a]
                    for t in range(S):
                        q += P[h, s, a, t] * V[h + 1, t]
                    v += pk[h, s, a] * q
                V[h, s] = v
        v0 = 0.0
        for s in range(S):
            v0 += initial[s] * V[0, s]
        out[k] = v0
    return out


@njit(cache=True, nogil=True)
def occupancy_kernel(P, initial, pi, q):
    """``q[h, s, a] = Pr(s_h = s, a_h = a)`` under ``pi[h, s, a]`` from ``initial`` (forward pass)."""
    H, S, A, _ = P.shape
    d = initial.copy()
    for h in range(H):
        nxt = np.zeros(S)
        for s in range(S):
            for a in range(A):
                q[h, s, a] = d[s] * pi[h, s, a]
                if q[h, s, a] > 0.0:
                    for t in range(S):
                        nxt[t] += q[h, s, a] * P[h, s, a, t]
        d = nxt


def occupancy(P: np.ndarray, initial: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Occupancy measures ``q[k, h, s, a]`` of policies ``probabilities[k, h, s, a]`` (validated arrays)."""
    q = np.empty_like(probabilities)
    for k in range(len(probabilities)):
        occupancy_kernel(P, initial, probabilities[k], q[k])
    return q


def episode_values(model: AdversarialMDP, probabilities) -> np.ndarray:
    """``V_k^{pi_k}(s_1)`` (expected over ``initial``) for stochastic policies ``probabilities[k, h, s, a]`` (one
    per episode ``k < K' <= model.K``, or one ``pi[h, s, a]`` for all ``K`` episodes), by exact backward evaluation
    under episode ``k``'s losses."""
    pi = check_probabilities(probabilities, model.S, model.A, model.H)
    K = pi.shape[0] if pi.shape[0] > 1 or np.ndim(probabilities) == 4 else model.K
    if K > model.K:
        raise ValueError(f"probabilities hold {K} episodes but the model has K = {model.K}")
    return evaluate_kernel(model.P, np.ascontiguousarray(model.losses[:K]), np.ascontiguousarray(pi), model.initial)


@dataclass(frozen=True)
class Comparator:
    """The best fixed deterministic policy in hindsight over the first ``K`` episodes: ``policy[h, s]``, its total
    loss ``total = sum_k V_k^pi(s_1)`` and its per-episode values ``values[k]``."""

    K: int
    policy: np.ndarray
    total: float
    values: np.ndarray


def best_fixed_policy(model: AdversarialMDP, K: int | None = None) -> Comparator:
    """``argmin_pi sum_{k < K} V_k^pi(s_1)`` by ONE backward induction (:func:`boundlab.solvers.backward_induction`)
    on the summed losses (a deterministic Markov policy attains the minimum: it is an ordinary MDP with loss
    ``sum_k loss_k``). ``K`` defaults to the model's."""
    K = model.K if K is None else check_int(K, "K")
    if K > model.K:
        raise ValueError(f"K = {K} exceeds the model's K = {model.K} episodes")
    result = solvers.backward_induction(model.P, -model.losses[:K].sum(0), model.H)
    policy = np.asarray(result.policy)
    pi = np.zeros((1, model.H, model.S, model.A))
    np.put_along_axis(pi[0], policy[..., None], 1.0, axis=2)
    values = evaluate_kernel(model.P, np.ascontiguousarray(model.losses[:K]), pi, model.initial)
    return Comparator(K, policy, float(-(model.initial @ result.V[0])), values)


# --- simulation -------------------------------------------------------------------------------------------------------

@njit(inline="always")
def _draw(cdf, rng):
    rng, u = next_uniform(rng)
    n = cdf.shape[0]
    return rng, min(np.searchsorted(cdf, u, side="right"), n - 1)


@njit(cache=True, nogil=True)
def play(P_cdf, init_cdf, loss, pi_cdf, h0, s0, a0, rng, states, actions, seen):
    """One episode (or its tail) under ``pi_cdf[h, s, :]`` (cumulative action probabilities) with losses
    ``loss[h, s, a]``: from step ``h0`` at state ``s0`` (``s0 < 0``: drawn from ``init_cdf``) taking ``a0`` first
    (``a0 < 0``: drawn from the policy). Fills ``states[h]``, ``actions[h]``, ``seen[h]`` (the loss on the path, all
    the learner sees) for ``h >= h0``; returns ``(rng, total loss)``. ``rng``: a SplitMix64 state, a
    ``numpy.uint64`` (from Python, wrap the returned state in ``numpy.uint64`` before passing it back); draws in
    the order initial state, then per step action and next state."""
    H = P_cdf.shape[0]
    s = s0
    if s < 0:
        rng, s = _draw(init_cdf, rng)
    total = 0.0
    for h in range(h0, H):
        if h == h0 and a0 >= 0:
            a = a0
        else:
            rng, a = _draw(pi_cdf[h, s], rng)
        states[h] = s
        actions[h] = a
        seen[h] = loss[h, s, a]
        total += seen[h]
        rng, s = _draw(P_cdf[h, s, a], rng)
    return rng, total


@njit(cache=True, nogil=True)
def _simulate_kernel(P_cdf, init_cdf, losses, pi_cdf, seed, states, actions, seen, totals):
    rng = np.uint64(seed)
    for k in range(losses.shape[0]):
        rng, totals[k] = play(P_cdf, init_cdf, losses[k], pi_cdf[k if pi_cdf.shape[0] > 1 else 0], 0, -1, -1, rng,
                              states[k], actions[k], seen[k])


def cdf(x: np.ndarray) -> np.ndarray:
    """Cumulative sums over the last axis with the last entry set to exactly 1 (so a draw never falls off)."""
    c = np.cumsum(x, axis=-1)
    c[..., -1] = 1.0
    return np.ascontiguousarray(c)


def simulate(model: AdversarialMDP, probabilities, seed: Seed = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Play policies ``probabilities[k, h, s, a]`` (or one ``pi[h, s, a]``) in the model's ``K`` episodes (or as many
    as given) with bandit feedback. Returns ``(states[k, h], actions[k, h], seen[k, h], totals[k])``: the losses the
    learner observes are those on its path only."""
    pi = check_probabilities(probabilities, model.S, model.A, model.H)
    K = pi.shape[0] if np.ndim(probabilities) == 4 else model.K
    if K > model.K:
        raise ValueError(f"probabilities hold {K} episodes but the model has K = {model.K}")
    seed_int = int(as_generator(seed).integers(2**63))
    states = np.empty((K, model.H), dtype=np.int64)
    actions = np.empty((K, model.H), dtype=np.int64)
    seen, totals = np.empty((K, model.H)), np.empty(K)
    _simulate_kernel(cdf(model.P), cdf(model.initial), np.ascontiguousarray(model.losses[:K]), cdf(pi), seed_int,
                     states, actions, seen, totals)
    return states, actions, seen, totals
