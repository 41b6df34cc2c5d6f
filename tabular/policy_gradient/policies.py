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
- :class:`MLPSoftmax`: ``pi(.|s) = softmax(mlp(theta, s))``, a ReLU MLP of :mod:`boundlab.solvers.networks`
  (the small network policy for CartPole-like control); ``theta`` its layers as one flat vector or as the nested
  list ``[(W, b), ...]`` itself (the methods flatten any pytree, so their norms are the same either way).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from boundlab.solvers import networks

from .._checks import check_int, check_real

__all__ = ["LinearCauchy", "LinearGaussian", "MLPSoftmax", "Policy", "Softmax"]


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


class _LinearLocationScale:
    """``a = s @ theta + width * e`` with ``e`` i.i.d. per action coordinate from a standard density; a subclass
    names its width field (``_width``) and gives ``_log_density(u)`` (per coordinate) and ``_noise``."""

    _width: str
    discrete = False

    def __post_init__(self):
        name = self._width
        object.__setattr__(self, name, check_real(getattr(self, name), name, low=0.0, low_open=True))

    def log_prob(self, theta: jax.Array, s: jax.Array, a: jax.Array) -> jax.Array:
        w = getattr(self, self._width)
        return jnp.sum(self._log_density((a - s @ theta) / w) - jnp.log(w))

    def sample(self, theta: jax.Array, s: jax.Array, key: jax.Array) -> jax.Array:
        mean = s @ theta
        return mean + getattr(self, self._width) * self._noise(key, mean.shape, mean.dtype)


@dataclass(frozen=True)
class LinearGaussian(_LinearLocationScale):
    """``a ~ N(s @ theta, sigma^2 I)``: features ``s[k]``, ``theta[k, m]``, actions ``a[m]``; ``sigma`` fixed."""

    sigma: float = 1.0
    _width = "sigma"
    _noise = staticmethod(jax.random.normal)

    @staticmethod
    def _log_density(u: jax.Array) -> jax.Array:
        return -0.5 * u**2 - 0.5 * jnp.log(2 * jnp.pi)


@dataclass(frozen=True)
class LinearCauchy(_LinearLocationScale):
    """``a ~ Cauchy(s @ theta, scale)`` independently per action coordinate; bounded score (module docstring)."""

    scale: float = 1.0
    _width = "scale"
    _noise = staticmethod(jax.random.cauchy)

    @staticmethod
    def _log_density(u: jax.Array) -> jax.Array:
        return -jnp.log1p(u**2) - jnp.log(jnp.pi)


@dataclass(frozen=True)
class MLPSoftmax:
    """``pi(a|s) = softmax(mlp(layers(theta), s))[a]``: layer widths ``sizes`` (inputs, hidden..., actions);
    ``theta`` is the flat vector of the layers ``(W, b)`` in order (:meth:`init` draws one, :meth:`layers` unpacks
    it for :func:`boundlab.solvers.networks.mlp`)."""

    sizes: tuple[int, ...]
    discrete = True

    def __post_init__(self):
        if not isinstance(self.sizes, tuple) or len(self.sizes) < 2:
            raise TypeError(f"sizes must be a tuple of >= 2 layer widths, got {self.sizes!r}")
        for i, n in enumerate(self.sizes):
            check_int(n, f"sizes[{i}]")

    @property
    def theta_shape(self) -> tuple[int]:
        """``(number of parameters,)``."""
        return (sum((m + 1) * n for m, n in zip(self.sizes[:-1], self.sizes[1:])),)

    def init(self, key: jax.Array) -> jax.Array:
        """A flat ``theta`` from :func:`~boundlab.solvers.networks.mlp_init` (He-normal weights, zero biases)."""
        return jnp.concatenate([jnp.concatenate([W.ravel(), b]) for W, b in networks.mlp_init(key, self.sizes)])

    def init_tree(self, key: jax.Array) -> list[tuple[jax.Array, jax.Array]]:
        """The same draw as :meth:`init` as the nested list ``[(W, b), ...]`` (a pytree ``theta``)."""
        return self.layers(self.init(key))

    def layers(self, theta) -> list[tuple[jax.Array, jax.Array]]:
        """The ``(W[m, n], b[n])`` layers held in the flat ``theta`` (a nested ``[(W, b), ...]`` is returned as
        it is)."""
        if isinstance(theta, (list, tuple)):
            return list(theta)
        out, i = [], 0
        for m, n in zip(self.sizes[:-1], self.sizes[1:]):
            out.append((theta[i:i + m * n].reshape(m, n), theta[i + m * n:i + m * n + n]))
            i += (m + 1) * n
        return out

    def log_prob(self, theta: jax.Array, s: jax.Array, a: jax.Array) -> jax.Array:
        return jax.nn.log_softmax(networks.mlp(self.layers(theta), s))[a]

    def sample(self, theta: jax.Array, s: jax.Array, key: jax.Array) -> jax.Array:
        return jax.random.categorical(key, networks.mlp(self.layers(theta), s)).astype(jnp.int32)


Policy = Softmax | LinearGaussian | LinearCauchy | MLPSoftmax
