"""Exact objectives of a tabular MDP under a softmax policy, in JAX so that ``jax.grad``/``jax.hessian`` give the
exact gradients the estimators are checked against.

- ``J_H(theta) = E sum_{h<H} gamma^h r_h``: backward recursion ``V_H = 0``,
  ``V_h(s) = sum_a pi(a|s) (R[s, a] + gamma sum_s' P[s, a, s'] V_{h+1}(s'))``, ``J_H = rho @ V_0``;
- ``J(theta) = rho @ (I - gamma P_pi)^{-1} r_pi`` (discounted policy evaluation, one linear solve);
- ``d_rho^theta = (1 - gamma) rho @ (I - gamma P_pi)^{-1}`` (:func:`occupancy`: the normalised discounted state
  occupancy, the state distribution of Assumption 1's Fisher matrix).

Mean rewards ``R`` (a model's ``reward_noise`` does not change ``J``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..models import FiniteMDP
from .policies import Softmax

__all__ = ["J", "J_H", "occupancy"]


def _arrays(model: FiniteMDP, dtype):
    if not isinstance(model, FiniteMDP):
        raise TypeError(f"model must be a FiniteMDP, got {type(model).__name__}")
    return (jnp.asarray(model.P, dtype), jnp.asarray(model.R, dtype), jnp.asarray(model.initial, dtype),
            float(model.gamma))


def J_H(theta: jax.Array, model: FiniteMDP, H: int, policy: Softmax = Softmax()) -> jax.Array:
    """``J_H(theta)`` by backward recursion over ``H`` steps (module docstring); differentiable in ``theta``."""
    theta = jnp.asarray(theta)
    P, R, rho, gamma = _arrays(model, theta.dtype)
    pi = policy.table(theta)

    def back(V, _):
        return jnp.sum(pi * (R + gamma * P @ V), axis=1), None

    V0, _ = jax.lax.scan(back, jnp.zeros(P.shape[0], theta.dtype), None, length=H)
    return rho @ V0


def J(theta: jax.Array, model: FiniteMDP, policy: Softmax = Softmax()) -> jax.Array:
    """``J(theta)`` exactly: ``rho @ (I - gamma P_pi)^{-1} r_pi``; differentiable in ``theta``."""
    theta = jnp.asarray(theta)
    P, R, rho, gamma = _arrays(model, theta.dtype)
    pi = policy.table(theta)
    P_pi = jnp.einsum("sa,sat->st", pi, P)
    V = jnp.linalg.solve(jnp.eye(P.shape[0], dtype=theta.dtype) - gamma * P_pi, jnp.sum(pi * R, axis=1))
    return rho @ V


def occupancy(theta: jax.Array, model: FiniteMDP, policy: Softmax = Softmax()) -> jax.Array:
    """``d_rho^theta(s) = (1 - gamma) sum_t gamma^t Pr(s_t = s)`` exactly (one linear solve); sums to 1."""
    theta = jnp.asarray(theta)
    P, _, rho, gamma = _arrays(model, theta.dtype)
    P_pi = jnp.einsum("sa,sat->st", policy.table(theta), P)
    return (1 - gamma) * jnp.linalg.solve((jnp.eye(P.shape[0], dtype=theta.dtype) - gamma * P_pi).T, rho)
