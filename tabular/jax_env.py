"""A functional JAX simulator in the style of gymnax: pure ``reset(key, params)`` and ``step(key, state, action,
params)`` with explicit parameters and keys, so ``jit`` and ``vmap`` (over seeds or over instances) come free.

Each row ``P(.|h, s, a)`` is stored as its cumulative distribution, so a draw is one uniform and a binary search
(O(log S)); probabilities and rewards are float32 (JAX's default), states and steps int32.

Rewards: the mean ``R``, or for a model with ``reward_noise`` (:mod:`.rewards`) a draw from a key folded in from the
step's key (``jax.random.fold_in``); the transition keeps the step's key, so under one key a noisy model moves
exactly as its deterministic twin, and a deterministic model's runs are unchanged.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from ._checks import check_int
from .models import EpisodicMDP, FiniteMDP, episode_horizon
from .rewards import BernoulliRewards, gaussian_location


@functools.partial(jax.tree_util.register_dataclass,
                   data_fields=["cdf_P", "R", "cdf_initial", "reward_table", "reward_args"],
                   meta_fields=["horizon", "noise"])
@dataclass(frozen=True)
class EnvParams:
    """``cdf_P[hp, s, a, s']`` (cumulative over ``s'``; ``hp`` is 1 for homogeneous models), ``R[hr, s, a]``,
    ``cdf_initial[s]``; the horizon is static (part of the tree structure), so ``vmap`` over instances works.
    ``noise``: ``None`` (rewards are ``R``), ``"bernoulli"`` (``reward_table`` = ``R``, the probability of 1) or
    ``"gaussian"`` (``reward_table`` the centres of :func:`~.rewards.gaussian_location`, ``reward_args`` =
    ``(low, high, sigma)``)."""

    cdf_P: jax.Array
    R: jax.Array
    cdf_initial: jax.Array
    horizon: int
    noise: str | None = None
    reward_table: jax.Array | None = None
    reward_args: jax.Array | None = None


class EnvState(NamedTuple):
    s: jax.Array  # current state
    h: jax.Array  # step within the episode


def params_from_model(model: FiniteMDP | EpisodicMDP, horizon: int | None = None) -> EnvParams:
    """Parameters of a model; ``horizon`` as in :func:`~boundlab.tabular.models.episode_horizon` (defaults to ``H``,
    required for a discounted model, beyond ``H`` only for a step-independent model)."""
    horizon = episode_horizon(model, horizon)
    P = model.P if model.P.ndim == 4 else model.P[None]
    R = model.R if model.R.ndim == 3 else model.R[None]
    noise, table, args = None, None, None
    if isinstance(model.reward_noise, BernoulliRewards):
        noise, table = "bernoulli", jnp.asarray(R, jnp.float32)
    elif model.reward_noise is not None:
        (lo, hi), sigma = model.reward_range, model.reward_noise.sigma
        noise, table = "gaussian", jnp.asarray(gaussian_location(R, sigma, lo, hi), jnp.float32)
        args = jnp.asarray([lo, hi, sigma], jnp.float32)
    return EnvParams(jnp.asarray(_cdf(P), jnp.float32), jnp.asarray(R, jnp.float32),
                     jnp.asarray(_cdf(model.initial), jnp.float32), int(horizon), noise, table, args)


def _cdf(p: np.ndarray) -> np.ndarray:
    """Cumulative sums along the last axis, with the last entry exactly 1."""
    c = np.cumsum(p, axis=-1)
    c /= c[..., -1:]
    c[..., -1] = 1.0
    return c


def _sample(key: jax.Array, cdf: jax.Array) -> jax.Array:
    """Inverse-CDF draw: the first index whose cumulative probability exceeds a uniform."""
    u = jax.random.uniform(key, dtype=cdf.dtype)
    return jnp.minimum(jnp.searchsorted(cdf, u, side="right"), cdf.shape[-1] - 1).astype(jnp.int32)


def reset(key: jax.Array, params: EnvParams) -> EnvState:
    """Draw ``s_0`` from the initial distribution."""
    return EnvState(_sample(key, params.cdf_initial), jnp.int32(0))


def step(key: jax.Array, state: EnvState, action: jax.Array | int,
         params: EnvParams) -> tuple[EnvState, jax.Array, jax.Array]:
    """One transition: returns ``(next_state, reward, done)``; ``done`` when the horizon is reached."""
    hp = jnp.minimum(state.h, params.cdf_P.shape[0] - 1)
    hr = jnp.minimum(state.h, params.R.shape[0] - 1)
    reward = params.R[hr, state.s, action]
    if params.noise is not None:  # static: a deterministic model's step is the one it always was
        # The reward's key is derived apart from the transition's (fold_in), so under the same key a noisy model
        # moves exactly as its deterministic twin: the states do not depend on the reward distribution.
        k_reward = jax.random.fold_in(key, 1)
        mean = params.reward_table[hr, state.s, action]
        if params.noise == "bernoulli":
            reward = jnp.where(jax.random.uniform(k_reward, dtype=mean.dtype) < mean, 1.0, 0.0).astype(mean.dtype)
        else:
            lo, hi, sigma = params.reward_args
            reward = jnp.clip(mean + sigma * jax.random.normal(k_reward, dtype=mean.dtype), lo, hi)
    s_next = _sample(key, params.cdf_P[hp, state.s, action])
    nxt = EnvState(s_next, state.h + 1)
    return nxt, reward, nxt.h >= params.horizon


def rollout(key: jax.Array, params: EnvParams, policy: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """One episode of ``params.horizon`` steps under a deterministic ``policy[s]``/``policy[h, s]`` or stochastic
    ``policy[s, a]``/``policy[h, s, a]`` (floats). Returns ``(states[T+1], actions[T], rewards[T])``.
    Batch with ``jax.vmap(rollout, in_axes=(0, None, None))`` over keys, or over params for many instances."""
    policy = jnp.asarray(policy)
    stochastic = jnp.issubdtype(policy.dtype, jnp.floating)
    per_step = policy.ndim == (3 if stochastic else 2)
    key, k0 = jax.random.split(key)
    state0 = reset(k0, params)

    def body(state, k):
        k_act, k_step = jax.random.split(k)
        pi_h = policy[state.h] if per_step else policy
        if stochastic:
            action = _sample(k_act, jnp.cumsum(pi_h[state.s]))
        else:
            action = pi_h[state.s].astype(jnp.int32)
        nxt, reward, _ = step(k_step, state, action, params)
        return nxt, (state.s, action, reward)

    last, (states, actions, rewards) = jax.lax.scan(body, state0, jax.random.split(key, params.horizon))
    return jnp.append(states, last.s), actions, rewards


def batch_rollout(key: jax.Array, params: EnvParams, policy: ArrayLike,
                  n_episodes: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``n_episodes`` independent episodes, ``vmap``-ed and ``jit``-compiled: arrays with a leading episode axis."""
    keys = jax.random.split(key, check_int(n_episodes, "n_episodes"))
    return _batched(keys, params, jnp.asarray(policy))


@jax.jit
def _batched(keys, params, policy):
    return jax.vmap(rollout, in_axes=(0, None, None))(keys, params, policy)
