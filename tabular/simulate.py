"""Numba simulator: whole batches of episodes in one compiled loop.

Each transition row ``P(.|h, s, a)`` is turned once into a Walker/Vose alias table over its successors, so a step
costs one uniform draw and O(1) work whatever ``S`` is. The kernel draws from a SplitMix64 stream seeded from
``seed``: the same seed gives the same trajectories.

Rewards: the mean ``R`` for a deterministic model; for a model with ``reward_noise`` (:mod:`.rewards`), one draw per
step from a second SplitMix64 stream, seeded by the next integer the seed's ``Generator`` gives after the
transitions' seed. So the same seed gives the same rewards too, the transition stream is untouched by the reward
distribution (a fixed policy visits the same states with any of them), and a deterministic model's runs are those
of before reward noise existed, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import ArrayLike

from boundlab.solvers.validation import row_sum_atol

from ._checks import Seed, check_int
from ._rng import next_normal, next_uniform
from .instances import as_generator
from .models import EpisodicMDP, FiniteMDP, episode_horizon
from .rewards import draw_spec


@dataclass(frozen=True)
class Trajectories:
    """``states[n, t]`` (``t = 0..T``), ``actions[n, t]``, ``rewards[n, t]`` (``t = 0..T-1``) for ``n`` episodes."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def returns(self, gamma: float = 1.0) -> np.ndarray:
        """Per-episode (discounted) return ``sum_t gamma^t r_t``."""
        return self.rewards @ (gamma ** np.arange(self.rewards.shape[1]))


@njit(cache=True, nogil=True)
def _alias_tables(indptr, probs):
    """Vose's alias method, row by row: ``threshold`` and local ``alias`` index for every stored entry."""
    threshold = np.ones(probs.shape[0])
    alias = np.zeros(probs.shape[0], dtype=np.int64)
    for r in range(indptr.shape[0] - 1):
        lo, hi = indptr[r], indptr[r + 1]
        k = hi - lo
        scaled = probs[lo:hi] * k / probs[lo:hi].sum()
        small = np.empty(k, dtype=np.int64)
        large = np.empty(k, dtype=np.int64)
        ns = nl = 0
        for j in range(k):
            if scaled[j] < 1.0:
                small[ns] = j
                ns += 1
            else:
                large[nl] = j
                nl += 1
        while ns > 0 and nl > 0:
            ns -= 1
            j = small[ns]
            g = large[nl - 1]
            threshold[lo + j] = scaled[j]
            alias[lo + j] = g
            scaled[g] = scaled[g] + scaled[j] - 1.0
            if scaled[g] < 1.0:
                nl -= 1
                small[ns] = g
                ns += 1
        for j in range(k):
            alias[lo + j] = alias[lo + j] if threshold[lo + j] < 1.0 else j
    return threshold, alias


@dataclass(frozen=True)
class AliasSampler:
    """O(1) sampling from each row of a row-stochastic ``(n_rows, S)`` matrix (dense or sparse)."""

    indptr: np.ndarray
    successors: np.ndarray
    threshold: np.ndarray
    alias_successors: np.ndarray

    @classmethod
    def from_rows(cls, rows) -> "AliasSampler":
        csr = sp.csr_matrix(rows, dtype=np.float64)
        csr.eliminate_zeros()
        indptr = csr.indptr.astype(np.int64)
        threshold, alias = _alias_tables(indptr, csr.data)
        successors = csr.indices.astype(np.int64)
        row_start = np.repeat(indptr[:-1], np.diff(indptr))
        return cls(indptr, successors, threshold, successors[row_start + alias])


@njit(inline="always")
def draw_row(indptr, successors, threshold, alias_successors, row, rng):
    """One draw from row ``row`` of the alias tables: returns ``(rng, next_state)``."""
    lo = indptr[row]
    rng, u = next_uniform(rng)
    u *= indptr[row + 1] - lo
    j = int(u)
    return rng, (successors[lo + j] if u - j < threshold[lo + j] else alias_successors[lo + j])


@njit(inline="always")
def draw_initial(init_cdf, rng):
    """``s_0`` from the cumulative initial distribution: returns ``(rng, s0)``."""
    rng, u = next_uniform(rng)
    return rng, min(np.searchsorted(init_cdf, u, side="right"), init_cdf.shape[0] - 1)


@njit(inline="always")
def draw_reward(R3, noise, h, s, a, rng_r):
    """The reward of ``(h, s, a)``: ``R3[h', s, a]`` (the mean) where ``noise`` (a :func:`~.rewards.draw_spec`
    tuple) is deterministic, else one draw from the reward stream ``rng_r``. Returns ``(rng_r, reward)``."""
    kind, table, low, high, sigma = noise[0], noise[1], noise[2], noise[3], noise[4]
    if kind == 0:
        return rng_r, R3[h if R3.shape[0] > 1 else 0, s, a]
    mean = table[h if table.shape[0] > 1 else 0, s, a]
    if kind == 1:
        rng_r, u = next_uniform(rng_r)
        return rng_r, high if u < mean else low
    rng_r, z = next_normal(rng_r)
    return rng_r, min(max(mean + sigma * z, low), high)


@njit(cache=True, nogil=True)
def _simulate_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, pol_det, pol_cdf, S, A,
                     n_episodes, T, seed):
    """Exactly one of ``pol_det`` / ``pol_cdf`` is None; Numba prunes the other branch at compile time."""
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    states = np.empty((n_episodes, T + 1), dtype=np.int32)
    actions = np.empty((n_episodes, T), dtype=np.int32)
    rewards = np.empty((n_episodes, T))
    # Per-step strides are 0 for homogeneous tables, so one flat index serves both cases without a branch.
    stride_P = S * A if indptr.shape[0] > S * A + 1 else 0
    for n in range(n_episodes):
        rng, s = draw_initial(init_cdf, rng)
        for t in range(T):
            states[n, t] = s
            a = 0
            if pol_det is not None:  # each test is pruned at compile time where its argument is None
                a = pol_det[t if pol_det.shape[0] > 1 else 0, s]
            if pol_cdf is not None:
                rng, u = next_uniform(rng)
                tp = t if pol_cdf.shape[0] > 1 else 0
                while a < A - 1 and u >= pol_cdf[tp, s, a]:
                    a += 1
            actions[n, t] = a
            rng_r, rewards[n, t] = draw_reward(R3, noise, t, s, a, rng_r)
            rng, s = draw_row(indptr, successors, threshold, alias_successors, t * stride_P + s * A + a, rng)
        states[n, T] = s
    return states, actions, rewards


def _policy_tables(policy: ArrayLike, S: int, A: int, T: int):
    """Deterministic ``pi[s]``/``pi[h, s]`` (integers) or stochastic ``pi[s, a]``/``pi[h, s, a]`` (real
    probabilities, rows summing to 1 within a tolerance scaled to their dtype) as kernel arrays."""
    pi = np.asarray(policy)
    if pi.dtype.kind in "iu":
        det = pi[None] if pi.ndim == 1 else pi
        if det.ndim != 2 or det.shape[1] != S or det.shape[0] not in (1, T):
            raise ValueError(f"deterministic policy must be pi[s] or pi[h, s] with S={S}, H={T}; got {pi.shape}")
        bad = (det < 0) | (det >= A)
        if bad.any():
            h, s = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"policy actions must lie in [0, {A}): policy[{h}, {s}] = {det[h, s]}")
        return np.ascontiguousarray(det, dtype=np.int64), None
    if pi.dtype.kind != "f":
        raise TypeError(f"policy must hold integer actions or real probabilities, got dtype {pi.dtype}")
    sto = pi[None] if pi.ndim == 2 else pi
    if sto.ndim != 3 or sto.shape[1:] != (S, A) or sto.shape[0] not in (1, T):
        expected = (f"policy must be an integer deterministic policy pi[s] / pi[h, s] or a stochastic pi[s, a] / "
                    f"pi[h, s, a] of probabilities (S={S}, A={A}, H={T}); got a {pi.dtype} array of shape {pi.shape}")
        if pi.shape in ((S,), (T, S)):  # a deterministic policy's shape with a float dtype: no silent rounding
            raise TypeError(f"{expected}: a deterministic policy must hold integer actions")
        raise ValueError(expected)
    atol = row_sum_atol(pi.dtype, A)
    sto = sto.astype(np.float64)
    bad = ~np.isfinite(sto).all(-1) | (sto < 0).any(-1) | (np.abs(sto.sum(-1) - 1) > atol)
    if bad.any():
        h, s = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"stochastic policy rows must be probability vectors: policy[{h}, {s}] = {sto[h, s]} "
                         f"(dtype {pi.dtype})")
    return None, np.ascontiguousarray(np.cumsum(sto, axis=-1))


def sampler_for(model: FiniteMDP | EpisodicMDP) -> AliasSampler:
    """Alias tables for every row of the model's ``P`` (``(S*A, S)`` or ``(H*S*A, S)``)."""
    return AliasSampler.from_rows(model.P.reshape(-1, model.S))


def simulate(model: FiniteMDP | EpisodicMDP, policy: ArrayLike, n_episodes: int, seed: Seed = None, *,
             horizon: int | None = None, sampler: AliasSampler | None = None) -> Trajectories:
    """Run ``n_episodes`` episodes of ``policy`` in ``model``. Rewards are the mean rewards ``R``, or draws of the
    model's ``reward_noise`` from their own stream (module docstring).

    Args:
        model: a :class:`FiniteMDP` (then ``horizon`` is required: episodes are truncated there) or
            :class:`EpisodicMDP` (``horizon`` defaults to ``H``; it may exceed ``H`` only where neither ``P`` nor
            ``R`` depends on the step).
        policy: ``pi[s]`` / ``pi[h, s]`` (integer actions) or ``pi[s, a]`` / ``pi[h, s, a]`` (probabilities).
        n_episodes: number of episodes. seed: int or ``numpy.random.Generator``.
        sampler: precomputed :func:`sampler_for` tables, to reuse across calls.
    """
    T = episode_horizon(model, horizon)
    n_episodes = check_int(n_episodes, "n_episodes")
    S, A = model.S, model.A
    det, cdf = _policy_tables(policy, S, A, T)
    smp = sampler if sampler is not None else sampler_for(model)
    R3 = np.ascontiguousarray(model.R if model.R.ndim == 3 else model.R[None])
    rng = as_generator(seed)
    seed_int = int(rng.integers(2**63))
    noise = draw_spec(model.reward_noise, R3, model.reward_range,
                      0 if model.reward_noise is None else int(rng.integers(2**63)))
    states, actions, rewards = _simulate_kernel(
        smp.indptr, smp.successors, smp.threshold, smp.alias_successors, R3, noise, np.cumsum(model.initial), det,
        cdf, S, A, n_episodes, T, seed_int,
    )
    return Trajectories(states, actions, rewards)
