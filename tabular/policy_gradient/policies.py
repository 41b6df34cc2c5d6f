"""Parameterised policies for stochastic policy gradient (Fatkhullin, Barakat, Kireeva & He, ICML 2023, arXiv
2302.01734): each a small frozen (hashable, so static under ``jit``) dataclass with pure ``log_prob(theta, s, a)``
and ``sample(theta, s, key)``.

- :class:`Softmax`: tabular softmax, ``theta[s, a]``; the negative control: it is *not* Fisher-non-degenerate
  (Assumption 1 fails as the policy turns deterministic, the Fisher matrix is singular along ``theta[s] + c 1``).
- :class:`LinearGaussian`: ``a ~ N(s @ theta, sigma^2 I)`` with features ``s[k]``, ``theta[k, m]``, actions
  ``a[m]``; Fisher-non-degenerate when ``E s s^T`` is positive definite, but its score is unbounded.
- :class:`LinearCauchy`: ``a ~ Cauchy(s @ theta, scale)`` per action coordinate; the score
  ``2 u / (scale^2 + u^2) s`` (``u = a - s @ theta``) is bounded by ``|s| / scale``, as the paper's regularity
  assumption asks.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from .._checks import check_real

__all__ = ["LinearCauchy", "LinearGaussian", "Policy", "Softmax"]


@dataclass(frozen=True)
class Softmax:
    """Tabular softmax ``pi(a|s) = exp(theta[s, a]) / sum_b exp(theta[s, b])``; ``s`` an integer state."""

    discrete = True

    def log_prob(self, theta: jax.Array, s: jax.Array, a: jax.Array) -> jax.Array:
        return jax.nn.log_softmax(theta[s])[a]

    def sample(self, theta: jax.Array, s: jax.Array, key: jax.Array) -> jax.Array:
        return jax.random.categorical(key, theta[s]).astype(jnp.int32)

    def table(self, theta: jax.Array) -> jax.Array:
        """``pi[s, a]`` for every state at once (the exact evaluations use it)."""
        return jax.nn.softmax(theta, axis=-1)


@dataclass(frozen=True)
class LinearGaussian:
    """``a ~ N(s @ theta, sigma^2 I)``: features ``s[k]``, ``theta[k, m]``, actions ``a[m]``; ``sigma`` fixed."""

    sigma: float = 1.0
    discrete = False

    def __post_init__(self):
        object.__setattr__(self, "sigma", check_real(self.sigma, "sigma", low=0.0, low_open=True))

    def log_prob(self, theta: jax.Array, s: jax.Array, a: jax.Array) -> jax.Array:
        u = (a - s @ theta) / self.sigma
        return jnp.sum(-0.5 * u**2 - jnp.log(self.sigma) - 0.5 * jnp.log(2 * jnp.pi))

    def sample(self, theta: jax.Array, s: jax.Array, key: jax.Array) -> jax.Array:
        mean = s @ theta
        return mean + self.sigma * jax.random.normal(key, mean.shape, mean.dtype)


@dataclass(frozen=True)
class LinearCauchy:
    """``a ~ Cauchy(s @ theta, scale)`` independently per action coordinate; bounded score (module docstring)."""

    scale: float = 1.0
    discrete = False

    def __post_init__(self):
        object.__setattr__(self, "scale", check_real(self.scale, "scale", low=0.0, low_open=True))

    def log_prob(self, theta: jax.Array, s: jax.Array, a: jax.Array) -> jax.Array:
        u = (a - s @ theta) / self.scale
        return jnp.sum(-jnp.log1p(u**2) - jnp.log(jnp.pi * self.scale))

    def sample(self, theta: jax.Array, s: jax.Array, key: jax.Array) -> jax.Array:
        mean = s @ theta
        return mean + self.scale * jax.random.cauchy(key, mean.shape, mean.dtype)


Policy = Softmax | LinearGaussian | LinearCauchy
