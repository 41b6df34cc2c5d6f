"""The Numba pieces every learner kernel shares: its output arrays, greedy action choice and one episode of
interaction."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._rng import next_uniform
from ..simulate import draw_initial, draw_reward, draw_row


@njit(cache=True, nogil=True)
def allocate(K, H, S, A, record):
    """``policies[k, h, s]``, ``starts[k]``, ``returns[k]``, ``q_record[k, h, s, a]`` (empty unless ``record``) and
    the per-episode buffers ``states[H + 1]``, ``actions[H]``, ``rewards[H]``."""
    return (np.empty((K, H, S), dtype=np.int16), np.empty(K, dtype=np.int32), np.empty(K),
            np.empty((K if record else 0, H, S, A)), np.empty(H + 1, dtype=np.int64), np.empty(H, dtype=np.int64),
            np.empty(H))


@njit(cache=True, nogil=True)
def greedy(q):
    """The first maximiser of ``q`` and its value: every learner breaks ties to the lowest action index."""
    arg, best = 0, q[0]
    for a in range(1, q.shape[0]):
        if q[a] > best:
            arg, best = a, q[a]
    return arg, best


@njit(cache=True, nogil=True)
def play_episode(policy, indptr, successors, threshold, alias_successors, R3, noise, init_cdf, S, A, epsilon, rng,
                 rng_r, states, actions, rewards):
    """Run ``policy[h, s]`` for one episode (each step a uniformly random action w.p. ``epsilon``), filling
    ``states``, ``actions`` and ``rewards`` (the rewards the learner observes: ``R3``, or draws of the model's
    reward distribution described by ``noise``, a :func:`~boundlab.tabular.rewards.draw_spec` tuple). Returns
    ``(rng, rng_r, total reward)``: the realised return.

    The stream ``rng`` is consumed in a fixed order: the initial state, then per step (the epsilon coin and action
    if ``epsilon > 0``) and the transition; the reward stream ``rng_r`` gives one draw per step where the rewards
    are random. The slow references in the tests reproduce both."""
    H = policy.shape[0]
    stride_P = S * A if indptr.shape[0] > S * A + 1 else 0
    rng, s = draw_initial(init_cdf, rng)
    total = 0.0
    for h in range(H):
        states[h] = s
        a = policy[h, s]
        if epsilon > 0.0:
            rng, u = next_uniform(rng)
            if u < epsilon:
                rng, u = next_uniform(rng)
                a = min(int(u * A), A - 1)
        actions[h] = a
        rng_r, rewards[h] = draw_reward(R3, noise, h, s, a, rng_r)
        total += rewards[h]
        rng, s = draw_row(indptr, successors, threshold, alias_successors, h * stride_P + s * A + a, rng)
    states[H] = s
    return rng, rng_r, total
