"""A functional JAX simulator for a :class:`~.pomdp.POMDP`, in the style of gymnax and of :mod:`.jax_env`: pure
``reset(key, params)`` and ``step(key, state, action, params) -> (obs, state, reward, done)``, so ``jit`` and
``vmap`` (over keys, states or instances) come free.

Conventions of :mod:`.pomdp`: no observation before the first action (``reset`` returns the state only); step ``t``
gives ``r_t = R[s_t, a_t]``, ``s_{t+1} ~ P[s_t, a_t, .]`` and ``o_{t+1} ~ O[a_t, s_{t+1}, .]``. Key discipline: the
next state is drawn from the step's key exactly as :func:`.jax_env.step` draws it, the observation from
``jax.random.fold_in(key, 1)``; so under one key the states do not depend on ``O`` (a POMDP moves as its MDP).
``done`` when ``s_{t+1}`` is a terminal state of the model or the step count reaches ``horizon``.

Transitions are stored by support, dense and sparse models alike: row ``(s, a)`` as its next states
``next_P[s, a, k]`` (increasing) and their cumulative probabilities ``cdf_P[s, a, k]``, padded to the largest
support ``K`` (padding repeats the last state with cumulative 1). A draw is then one uniform and a binary search
over ``K`` entries, and picks the same state as the inverse-CDF draw on the dense row, so a sparse model moves
exactly as its dense twin and as :mod:`.jax_env`. RockSample(7, 8) (one next state a row) takes ``S*A*K`` = 163k
entries instead of 2 * 10^9.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import check_int
from .jax_env import _cdf, _sample
from .pomdp import POMDP, _transition_cdfs


@functools.partial(jax.tree_util.register_dataclass,
                   data_fields=["next_P", "cdf_P", "cdf_O", "R", "cdf_initial", "terminal"], meta_fields=["horizon"])
@dataclass(frozen=True)
class POMDPEnvParams:
    """``next_P[s, a, k]`` and ``cdf_P[s, a, k]``, each row's support and its cumulative probabilities padded to
    ``K`` (module docstring), ``cdf_O[a, s', o]`` (cumulative over ``o``), ``R[s, a]``, ``cdf_initial[s]``,
    ``terminal[s]`` (bool); ``horizon`` static (``None``: episodes end only in a terminal state). Probabilities and
    rewards float32, states and observations int32."""

    next_P: jax.Array
    cdf_P: jax.Array
    cdf_O: jax.Array
    R: jax.Array
    cdf_initial: jax.Array
    terminal: jax.Array
    horizon: int | None = None


class POMDPEnvState(NamedTuple):
    s: jax.Array  # current (hidden) state
    h: jax.Array  # step within the episode


def params_from_model(model: POMDP, horizon: int | None = None) -> POMDPEnvParams:
    """Parameters of ``model``; ``horizon`` defaults to the model's ``H`` (``None`` for a discounted model: the
    episode ends only in a terminal state)."""
    if not isinstance(model, POMDP):
        raise TypeError(f"model must be a tabular.POMDP, got {type(model).__name__}")
    horizon = model.H if horizon is None else check_int(horizon, "horizon")
    terminal = np.zeros(model.S, dtype=bool)
    terminal[list(model.terminal)] = True
    next_P, cdf_P = _padded_support(model)
    return POMDPEnvParams(jnp.asarray(next_P, jnp.int32), jnp.asarray(cdf_P, jnp.float32),
                          jnp.asarray(_cdf(model.O), jnp.float32), jnp.asarray(model.R, jnp.float32),
                          jnp.asarray(_cdf(model.initial), jnp.float32), jnp.asarray(terminal), horizon)


def _padded_support(model: POMDP) -> tuple[np.ndarray, np.ndarray]:
    """``(next_P[S, A, K], cdf_P[S, A, K])`` from the rows' supports (:func:`~.pomdp._transition_cdfs`), padded
    by repeating each row's last state with cumulative probability 1."""
    P2, cdf = _transition_cdfs(model)
    indptr, indices = P2.indptr, P2.indices
    counts = np.diff(indptr)
    K = int(counts.max())
    rows = np.repeat(np.arange(counts.size), counts)
    k = np.arange(indices.size) - np.repeat(indptr[:-1], counts)
    next_P = np.repeat(indices[indptr[1:] - 1][:, None], K, axis=1)  # every row has at least one entry
    cdf_P = np.ones((counts.size, K))
    next_P[rows, k] = indices
    cdf_P[rows, k] = cdf
    return next_P.reshape(model.S, model.A, K), cdf_P.reshape(model.S, model.A, K)


def reset(key: jax.Array, params: POMDPEnvParams) -> POMDPEnvState:
    """Draw ``s_0`` from the initial belief (no observation: the first one comes after the first action)."""
    return POMDPEnvState(_sample(key, params.cdf_initial), jnp.int32(0))


def step(key: jax.Array, state: POMDPEnvState, action: jax.Array | int,
         params: POMDPEnvParams) -> tuple[jax.Array, POMDPEnvState, jax.Array, jax.Array]:
    """One step: ``(o_{t+1}, next_state, R[s_t, a_t], done)`` (module docstring for the keys)."""
    s_next = params.next_P[state.s, action, _sample(key, params.cdf_P[state.s, action])]
    obs = _sample(jax.random.fold_in(key, 1), params.cdf_O[action, s_next])
    nxt = POMDPEnvState(s_next, state.h + 1)
    done = params.terminal[s_next]
    if params.horizon is not None:  # static
        done = done | (nxt.h >= params.horizon)
    return obs, nxt, params.R[state.s, action], done
