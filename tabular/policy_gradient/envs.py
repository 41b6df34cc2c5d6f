"""Environments as pure JAX functions in the style of gymnax: a static (hashable) environment object with
``reset(key, params) -> state``, ``step(key, state, action, params) -> (state, reward, done)`` and
``observe(state, params) -> s`` (what the policy sees), and the arrays in a separate ``params`` pytree, so ``jit``
and ``vmap`` (over seeds or instances) apply.

- :class:`TabularEnv`: a :class:`~boundlab.tabular.FiniteMDP` through the simulator of
  :mod:`boundlab.tabular.jax_env` (its ``reset``/``step``; the policy sees the integer state). Discounted and
  truncated by the estimator, so it never ends.
- :class:`ContextualBandit`: the one-step contextual bandit the notes suggest for a Cauchy policy (instance (A) of
  ``policy_optimisation.md``, part 2; reconstructed there [I], not taken from the paper): a context ``x`` drawn
  uniformly from the rows of ``contexts``, one scalar action ``a[0]``, reward ``exp(-(a[0] - w_star @ x)^2)`` in
  (0, 1]; then the episode ends (later rewards are 0 and later actions do not enter the estimators). With a
  :class:`~.policies.LinearCauchy` policy it satisfies the paper's assumptions (bounded score, bounded reward,
  Fisher-non-degenerate when the contexts span R^k); :func:`bandit_value` gives its ``J`` exactly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike
from scipy.special import wofz

from .. import jax_env
from ..models import FiniteMDP

__all__ = ["BanditParams", "BanditState", "ContextualBandit", "TabularEnv", "bandit_params", "bandit_value"]


@dataclass(frozen=True)
class TabularEnv:
    """A finite MDP; ``params`` from :func:`boundlab.tabular.jax_env.params_from_model`."""

    def reset(self, key: jax.Array, params: jax_env.EnvParams) -> jax_env.EnvState:
        return jax_env.reset(key, params)

    def step(self, key: jax.Array, state: jax_env.EnvState, action: jax.Array,
             params: jax_env.EnvParams) -> tuple[jax_env.EnvState, jax.Array, jax.Array]:
        nxt, reward, _ = jax_env.step(key, state, action, params)
        return nxt, reward, jnp.bool_(False)

    def observe(self, state: jax_env.EnvState, params: jax_env.EnvParams) -> jax.Array:
        return state.s

    def theta_shape(self, params: jax_env.EnvParams) -> tuple[int, int]:
        """A softmax policy's ``theta[S, A]``."""
        return tuple(params.R.shape[-2:])


@functools.partial(jax.tree_util.register_dataclass, data_fields=["contexts", "w_star"], meta_fields=[])
@dataclass(frozen=True)
class BanditParams:
    """``contexts[n, k]`` (drawn uniformly) and the reward's centre direction ``w_star[k]``."""

    contexts: jax.Array
    w_star: jax.Array


class BanditState(NamedTuple):
    x: jax.Array     # the context
    done: jax.Array  # the one step has been taken


def bandit_params(contexts: ArrayLike, w_star: ArrayLike) -> BanditParams:
    """Checked :class:`BanditParams`: ``contexts`` a finite real ``[n, k]`` array, ``w_star`` a finite ``[k]``."""
    c, w = _real_array(contexts, "contexts", 2), _real_array(w_star, "w_star", 1)
    if c.shape[1] != w.shape[0]:
        raise ValueError(f"w_star must have length {c.shape[1]} (the contexts' width), got {w.shape[0]}")
    return BanditParams(jnp.asarray(c, jnp.float32), jnp.asarray(w, jnp.float32))


@dataclass(frozen=True)
class ContextualBandit:
    """One-step contextual bandit with reward ``exp(-(a[0] - w_star @ x)^2)`` (module docstring)."""

    def reset(self, key: jax.Array, params: BanditParams) -> BanditState:
        i = jax.random.randint(key, (), 0, params.contexts.shape[0])
        return BanditState(params.contexts[i], jnp.bool_(False))

    def step(self, key: jax.Array, state: BanditState, action: jax.Array,
             params: BanditParams) -> tuple[BanditState, jax.Array, jax.Array]:
        reward = jnp.where(state.done, 0.0, jnp.exp(-(action[0] - state.x @ params.w_star) ** 2))
        return BanditState(state.x, jnp.bool_(True)), reward, jnp.bool_(True)

    def observe(self, state: BanditState, params: BanditParams) -> jax.Array:
        return state.x

    def theta_shape(self, params: BanditParams) -> tuple[int, int]:
        """A linear policy's ``theta[k, 1]`` (one scalar action)."""
        return (params.contexts.shape[1], 1)


def bandit_value(theta: ArrayLike, params: BanditParams, scale: float) -> float:
    """Exact ``J(theta)`` of the bandit under ``LinearCauchy(scale)`` with ``theta[k, 1]``: the Cauchy-Gaussian
    convolution is a Voigt profile, ``E r = Re w((x @ theta - w_star @ x) + i scale)`` with ``w`` the Faddeeva
    function, averaged over the contexts (float64, numpy/scipy; not differentiated)."""
    c, w = np.asarray(params.contexts, np.float64), np.asarray(params.w_star, np.float64)
    m = c @ np.asarray(theta, np.float64)[:, 0]
    return float(np.mean(wofz((m - c @ w) + 1j * scale).real))


def tabular_params(model: FiniteMDP, H: int) -> jax_env.EnvParams:
    """The simulator's parameters for ``model`` (episodes of ``H`` steps; the estimator truncates there)."""
    return jax_env.params_from_model(model, horizon=H)


def _real_array(x, name: str, ndim: int) -> np.ndarray:
    a = np.asarray(x) if not isinstance(x, (str, bytes)) and x is not None else None
    if a is None or a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real array, got {type(x).__name__}")
    if a.ndim != ndim or a.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-d array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a.astype(np.float64)
