"""Stochastic policy-gradient methods of Fatkhullin, Barakat, Kireeva & He, "Stochastic Policy Gradient Methods:
Improved Sample Complexity for Fisher-non-degenerate Policies" (ICML 2023, arXiv 2302.01734), and their baselines.

Each method is one jitted ``lax.scan`` over ``t = 0 .. T-1`` (pure in the key: same key, same run; ``vmap`` over
keys for seeds, :func:`over_seeds`). It calls only ``problem.gradient(key, theta)`` (a one-trajectory unbiased
estimate of the truncated gradient, and the trajectory's return) and ``problem.hvp(key, theta, v)`` (a one-trajectory
Hessian-vector product), as :class:`~.estimators.PGProblem` provides. Updates, with ``g`` and ``B`` those estimates:

- ``vanilla-pg``: ``theta_{t+1} = theta_t + gamma_t g(theta_t)``.
- ``n-pg-igt`` (Algorithm 1): ``theta~_t = theta_t + (1 - eta_t)/eta_t (theta_t - theta_{t-1})``,
  ``d_t = (1 - eta_t) d_{t-1} + eta_t g(theta~_t)``, ``theta_{t+1} = theta_t + gamma_t d_t/|d_t|``.
- ``harpg`` / ``n-harpg`` (Algorithm 2): ``q_t ~ U[0, 1]``, ``theta^_t = q_t theta_t + (1 - q_t) theta_{t-1}``,
  ``v_t = B(tau^_t, theta^_t)(theta_t - theta_{t-1})``, ``d_t = (1 - eta_t)(d_{t-1} + v_t) + eta_t g(theta_t)``;
  ``theta_{t+1} = theta_t + gamma_t d_t`` (HARPG) or ``+ gamma_t d_t/|d_t|`` (N-HARPG). Two trajectories per
  iteration (also at ``t = 0``, where ``theta_{-1} = theta_0`` makes ``v_0 = 0``; both are drawn and counted).
- ``n-pg-momentum``: the ablation, normalised PG with plain momentum ``d_t = (1 - eta_t) d_{t-1} + eta_t g(theta_t)``.

Schedules (:func:`schedule`; ``t`` counts from 0, ``gamma_0`` is the step-size constant the paper tunes):

    method          gamma_t                      eta_t                source of the form
    vanilla-pg      gamma_0 (2/(t+2))^(2/3)      -                    authors' code (sgd)
    n-pg-igt        gamma_0 2/(t+2)              (2/(t+2))^(4/5)      Theorem 1 (gamma_t ~ 1/t, eta_t ~ t^-4/5)
    harpg           gamma_0 (2/(t+2))^(1/2)      2/(t+2)              Theorem 2 (gamma_t ~ t^-1/2, eta_t ~ 1/t)
    n-harpg         gamma_0 2/(t+2)              2/(t+2)              Theorem 2 (gamma_t ~ 1/t, eta_t ~ 1/t)
    n-pg-momentum   gamma_0 2/(t+2)              (2/(t+2))^(2/3)      authors' code (nsgdm)

The orders are the theorems' (as the authors' poster states them); the exact forms, with ``eta_0 = 1`` so that the
first momentum is the first gradient (``d_0 = g(theta_0)``), are those of the authors' code. The theorems' constant
in ``gamma_t`` (depending on ``mu_F``, ``M_g``, smoothness and ``1 - gamma``) was not found in our sources; it is
``gamma_0``. A normalised step with ``d_t = 0`` does not move (no division by zero).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_int, check_real

__all__ = ["METHODS", "PGRun", "harpg", "n_harpg", "n_pg_igt", "n_pg_momentum", "over_seeds", "schedule",
           "vanilla_pg"]

#: name -> (step exponent p: gamma_t = gamma_0 (2/(t+2))^p, momentum exponent: eta_t = (2/(t+2))^e or None,
#: normalised step, trajectories per iteration)
_TABLE: dict[str, tuple[float, float | None, bool, int]] = {
    "vanilla-pg": (2 / 3, None, False, 1),
    "n-pg-igt": (1.0, 4 / 5, True, 1),
    "harpg": (1 / 2, 1.0, False, 2),
    "n-harpg": (1.0, 1.0, True, 2),
    "n-pg-momentum": (1.0, 2 / 3, True, 1),
}
METHODS = tuple(_TABLE)


class PGRun(NamedTuple):
    """``thetas[T + 1, ...]`` (``theta_0 .. theta_T``), ``directions[T, ...]`` (``d_t``; vanilla PG: ``g_t``),
    ``returns[T]`` (discounted truncated return of the trajectory sampled for ``g`` at iteration ``t``),
    ``trajectories[T]`` (cumulative count of trajectories drawn by the end of iteration ``t``)."""

    thetas: jax.Array
    directions: jax.Array
    returns: jax.Array
    trajectories: jax.Array


def schedule(method: str, t: ArrayLike, gamma_0: float) -> tuple[Any, Any]:
    """``(gamma_t, eta_t)`` of ``method`` at iteration ``t`` (from 0), table of the module docstring; ``eta_t`` is
    ``None`` for vanilla PG. Works on numbers and (traced) arrays."""
    p, e, _, _ = _TABLE[_check_method(method)]
    base = 2.0 / (t + 2.0)
    return gamma_0 * base**p, (None if e is None else base**e)


def _normalise(d: jax.Array) -> jax.Array:
    """``d / |d|`` (Euclidean norm over all entries), and 0 where ``d = 0``."""
    n = jnp.sqrt(jnp.sum(d * d))
    return jnp.where(n > 0, d / jnp.where(n > 0, n, 1.0), jnp.zeros_like(d))


def _update(method: str, problem, t, key, theta, theta_prev, d, gamma_0):
    gamma_t, eta = schedule(method, t, gamma_0)
    if method == "vanilla-pg":
        d, ret = problem.gradient(key, theta)
    elif method == "n-pg-igt":
        theta_tilde = theta + (1.0 - eta) / eta * (theta - theta_prev)
        g, ret = problem.gradient(key, theta_tilde)
        d = (1.0 - eta) * d + eta * g
    elif method == "n-pg-momentum":
        g, ret = problem.gradient(key, theta)
        d = (1.0 - eta) * d + eta * g
    else:  # harpg, n-harpg
        k_q, k_hat, k_g = jax.random.split(key, 3)
        q = jax.random.uniform(k_q, dtype=theta.dtype)
        delta = theta - theta_prev
        v = problem.hvp(k_hat, theta_prev + q * delta, delta)
        g, ret = problem.gradient(k_g, theta)
        d = (1.0 - eta) * (d + v) + eta * g
    step = _normalise(d) if _TABLE[method][2] else d
    return theta + gamma_t * step, d, ret


@functools.partial(jax.jit, static_argnames=("method", "T"))
def _run(method: str, key: jax.Array, problem, theta0: jax.Array, T: int, gamma_0: jax.Array) -> PGRun:
    def body(carry, inp):
        theta, theta_prev, d = carry
        t, k = inp
        nxt, d, ret = _update(method, problem, t, k, theta, theta_prev, d, gamma_0)
        return (nxt, theta, d), (nxt, d, ret)

    ts = jnp.arange(T, dtype=theta0.dtype)
    init = (theta0, theta0, jnp.zeros_like(theta0))
    _, (thetas, dirs, rets) = jax.lax.scan(body, init, (ts, jax.random.split(key, T)))
    per = _TABLE[method][3]
    return PGRun(jnp.concatenate([theta0[None], thetas]), dirs, rets, per * jnp.arange(1, T + 1))


def _method(name: str) -> Callable[..., PGRun]:
    def run(key: jax.Array, problem, theta0: ArrayLike, *, T: int, gamma_0: float) -> PGRun:
        T = check_int(T, "T")
        gamma_0 = check_real(gamma_0, "gamma_0", low=0.0, low_open=True)
        theta0 = _check_theta(theta0, problem)
        return _run(name, _check_key(key), problem, theta0, T, jnp.asarray(gamma_0, theta0.dtype))

    run.__name__ = run.__qualname__ = name.replace("-", "_")
    run.__doc__ = (f"``{name}`` for ``T`` iterations from ``theta0`` on ``problem`` with step-size constant "
                   "``gamma_0`` (module docstring: update and schedule); a :class:`PGRun`; same key, same run.")
    return run


vanilla_pg = _method("vanilla-pg")
n_pg_igt = _method("n-pg-igt")
harpg = _method("harpg")
n_harpg = _method("n-harpg")
n_pg_momentum = _method("n-pg-momentum")


def over_seeds(method: Callable[..., PGRun], keys: jax.Array, problem, theta0: ArrayLike, *, T: int,
               gamma_0: float) -> PGRun:
    """``method`` once per key in ``keys`` (``vmap``): a :class:`PGRun` with a leading seed axis."""
    if method not in _BY_FUNCTION:
        raise TypeError(f"method must be one of {', '.join(f.__name__ for f in _BY_FUNCTION)}, got {method!r}")
    return jax.vmap(lambda k: method(k, problem, theta0, T=T, gamma_0=gamma_0))(keys)


_BY_FUNCTION = (vanilla_pg, n_pg_igt, harpg, n_harpg, n_pg_momentum)


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in _TABLE:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def _check_key(key: Any) -> jax.Array:
    if isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
        return key
    if isinstance(key, jax.Array) and key.dtype == jnp.uint32 and key.shape == (2,):
        return key
    raise TypeError(f"key must be one JAX PRNG key (jax.random.key or jax.random.PRNGKey), got {type(key).__name__}")


def _check_theta(theta0: Any, problem) -> jax.Array:
    if isinstance(theta0, jax.core.Tracer):
        return theta0
    a = np.asarray(theta0) if not isinstance(theta0, (str, bytes)) and theta0 is not None else np.asarray([""])
    if a.dtype.kind not in "fiu":
        raise TypeError(f"theta0 must be a real array, got {type(theta0).__name__} of dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError("theta0 must be finite")
    shape = getattr(problem, "theta_shape", None)
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"theta0 must have shape {tuple(shape)} for this problem, got {a.shape}")
    return jnp.asarray(a, dtype=jnp.result_type(float))
