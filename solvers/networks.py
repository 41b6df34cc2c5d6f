"""Small JAX networks and one optax training step, for the learners that need a function approximator (Q* search's
Q- and value networks; meant to be reused by SEQUOIA's Q-network, issue 18).

A network is a ReLU multilayer perceptron stored as a list of ``(W, b)`` layers (``W: [d_in, d_out]``): plain arrays,
so a MILP can embed it exactly (each hidden unit ``max(0, x W + b)``), and a pytree, so ``jax.grad`` and optax work on
it directly. The output layer is linear.
"""

from __future__ import annotations

from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["Params", "masked_mse", "mlp", "mlp_init", "regression_step"]

Params = list[tuple[jax.Array, jax.Array]]


def mlp_init(key: jax.Array, sizes: Sequence[int]) -> Params:
    """Layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``: He-normal weights (ReLU fan-in scaling), zero biases."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list >= 2 layer widths, each >= 1, got {sizes}")
    keys = jax.random.split(key, len(sizes) - 1)
    return [(jax.random.normal(k, (m, n)) * np.sqrt(2.0 / m), jnp.zeros(n))
            for k, m, n in zip(keys, sizes[:-1], sizes[1:])]


def mlp(params: Params, x: jax.Array) -> jax.Array:
    """The network's output ``[..., sizes[-1]]`` on inputs ``x: [..., sizes[0]]`` (ReLU between layers)."""
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def masked_mse(pred: jax.Array, target: jax.Array, mask: jax.Array) -> jax.Array:
    """Mean of ``(pred - target)^2`` over the entries where ``mask`` is 1 (a Q-learning update trains only the
    outputs of the actions it has targets for)."""
    return jnp.sum(mask * (pred - target) ** 2) / jnp.maximum(jnp.sum(mask), 1.0)


def regression_step(apply: Callable, optimizer: optax.GradientTransformation) -> Callable:
    """A jitted ``step(params, opt_state, x, target, mask) -> (params, opt_state, loss)``: one optimizer step on
    ``masked_mse(apply(params, x), target, mask)``."""

    def loss(params, x, target, mask):
        return masked_mse(apply(params, x), target, mask)

    @jax.jit
    def step(params, opt_state, x, target, mask):
        value, grads = jax.value_and_grad(loss)(params, x, target, mask)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value

    return step
