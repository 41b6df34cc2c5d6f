"""Stochastic policy-gradient methods of Fatkhullin, Barakat, Kireeva & He, "Stochastic Policy Gradient Methods:
Improved Sample Complexity for Fisher-non-degenerate Policies" (ICML 2023, arXiv 2302.01734, PMLR 202:9827-9869),
and their baselines.

The five methods share this one module on purpose (the issue asked for one module each): each is a row of one
table (``_TABLE``: step and momentum exponents, normalised or not, trajectories per iteration) read by one schedule
(:func:`schedule`), one step function (``_update``, where only the direction ``d_t`` differs by method) and one
``lax.scan`` driver (``_run``); split into five modules they would be five copies of that core.

Each method is one jitted ``lax.scan`` over ``t = 0 .. T-1`` (pure in the key: same key, same run; ``vmap`` over
keys for seeds, :func:`over_seeds`). It calls only ``problem.gradient(key, theta)`` (a one-trajectory estimate of the
truncated gradient, and the trajectory's return) and ``problem.hvp(key, theta, v)`` (a one-trajectory
Hessian-vector product), as :class:`~.estimators.PGProblem` provides. ``theta`` may be an array or any pytree of
arrays (e.g. an MLP's ``[(W, b), ...]``): the methods work on its flattening (leaves in ``jax.tree_util`` order,
each raveled), so ``|d|`` is the Euclidean norm over all leaves and a normalised step has length exactly ``gamma_t``
there. Updates, with ``g`` and ``B`` those estimates:

- ``vanilla-pg``: ``theta_{t+1} = theta_t + gamma_t g(theta_t)``.
- ``n-pg-igt`` (Algorithm 1): ``theta~_t = theta_t + (1 - eta_t)/eta_t (theta_t - theta_{t-1})``,
  ``d_t = (1 - eta_t) d_{t-1} + eta_t g(theta~_t)``, ``theta_{t+1} = theta_t + gamma_t d_t/|d_t|``.
- ``harpg`` / ``n-harpg`` (Algorithm 2): ``q_t ~ U[0, 1]``, ``theta^_t = q_t theta_t + (1 - q_t) theta_{t-1}``,
  ``v_t = B(tau^_t, theta^_t)(theta_t - theta_{t-1})`` with ``tau^_t ~ pi_{theta^_t}``,
  ``d_t = (1 - eta_t)(d_{t-1} + v_t) + eta_t g(tau_t, theta_t)`` with ``tau_t ~ pi_{theta_t}`` (independent);
  ``theta_{t+1} = theta_t + gamma_t d_t`` (HARPG) or ``+ gamma_t d_t/|d_t|`` (N-HARPG). Two trajectories per
  iteration (also at ``t = 0``, where ``theta_{-1} = theta_0`` makes ``v_0 = 0``; both are drawn and counted).
- ``n-pg-momentum``: the ablation, normalised PG with plain momentum ``d_t = (1 - eta_t) d_{t-1} + eta_t g(theta_t)``.

The algorithms take ``theta_0, theta_1, d_0`` as inputs and loop from ``t = 1``; here ``t`` runs from 0 with
``theta_{-1} = theta_0``, ``d_{-1} = 0`` and ``eta_0 = 1``, so that the first momentum is the first gradient
(``d_0 = g(theta_0)``) and ``theta_1 = theta_0 + gamma_0 d_0/|d_0|``: the inputs the algorithms leave free, chosen
as the authors' code chooses them. A normalised step with ``d_t = 0`` does not move (no division by zero).

Schedules (:func:`schedule`; ``t`` counts from 0; ``gamma_0`` is the step-size constant the paper tunes).
``schedule="paper"`` (the default) follows the paper's statements as the authors' poster gives them: N-PG-IGT
(Theorem 1) ``gamma_t = O(1/t)``, ``eta_t = (t + 1)^(-4/5)``; HARPG (Theorem 2) ``gamma_t = O(t^(-1/2))``, N-HARPG
(Theorem 2) ``gamma_t = O(1/t)``, both ``eta_t = 1/(t + 1)``; truncation ``H = log(T + 1)/(1 - gamma)``
(:func:`~.estimators.truncation_horizon`)::

    method          gamma_t ("paper")          eta_t ("paper")     gamma_t ("code")             eta_t ("code")
    vanilla-pg      gamma_0 (t+1)^(-2/3)       -                   gamma_0 (2/(t+2))^(2/3)      -
    n-pg-igt        gamma_0 (t+1)^(-1)         (t+1)^(-4/5)        gamma_0 2/(t+2)              (2/(t+2))^(4/5)
    harpg           gamma_0 (t+1)^(-1/2)       (t+1)^(-1)          gamma_0 (2/(t+2))^(1/2)      2/(t+2)
    n-harpg         gamma_0 (t+1)^(-1)         (t+1)^(-1)          gamma_0 2/(t+2)              2/(t+2)
    n-pg-momentum   gamma_0 (t+1)^(-1)         (t+1)^(-2/3)        gamma_0 2/(t+2)              (2/(t+2))^(2/3)

Where each entry comes from (the full text stayed out of reach: arXiv 2302.01734, its PMLR page v202/fatkhullin23a
and a markdown mirror were readable only up to the abstract, last tried 2026-12-02; reading notes
``shared/refs/policy_optimisation.md`` part 2): the exponents of ``gamma_t`` and ``eta_t`` of N-PG-IGT, HARPG and
N-HARPG and the truncation ``H`` are the theorems' as the authors' poster states them [V: poster]; the form
``gamma_0 base^p`` (one constant, the base ``1/(t+1)``) is our reconstruction of the poster's ``O(.)`` [I];
vanilla PG's exponent ``2/3`` and the ablation's ``eta_t`` exponent ``2/3`` are the authors' code's (``sgd``,
``nsgdm``), moved to the base ``1/(t+1)`` [I]; the ``"code"`` column is the code's verbatim (``eta_0 = 1``) [V: code].
No batch sizes: one trajectory per gradient (two per iteration for (N)-HARPG), as the theorems take them [V: poster].

What ``gamma_0`` stands for: the theorems' step sizes carry a constant that depends on problem constants the user
does not know (``mu_F`` of Assumption 1 (Fisher non-degeneracy), ``M_g`` the score bound, the smoothness constants
and ``1/(1 - gamma)``); for the normalised methods it is of order ``M_g/mu_F`` (the ascent lemma
``J(theta_{t+1}) >= J(theta_t) + (gamma_t/3)|grad J(theta_t)| - ...`` with Lemma 1,
``|grad J| >= (mu_F/M_g)(J* - J) - sqrt(eps_bias) mu_F/(M_g (1 - gamma))``, contracts the gap by
``1 - gamma_t mu_F/(3 M_g)`` per step, which needs ``gamma_t`` of order ``M_g/(mu_F t)``) [I: derived from the
poster's proof sketch; the full text's constants were not readable to us]. ``gamma_0`` is that constant, tuned as
the paper's experiments tune it. Vanilla PG is the paper's baseline, with the ``O~(eps^-3)`` global rate of Yuan,
Gower & Lazaric (AISTATS 2022) for Fisher-non-degenerate policies; the exponent ``2/3`` is the authors' code's (the
usual SGD step under weak gradient domination), not a statement of this paper.

``schedule="code"``: the authors' experiment code (garage fork; optimizers ``SGDM``, ``NIGT``, ``STORMHess``), which
differs from the paper's form in two places, both kept only under this label:

1. the base ``2/(t+2)`` instead of ``1/(t+1)`` (same orders; ``gamma_t`` about twice as large for large ``t`` at
   the same ``gamma_0``; ``eta_t`` with the code's default ``eta_0 = 1``);
2. N-PG-IGT extrapolates with the previous iteration's momentum parameter, ``theta~_t = theta_t + (1 -
   eta_{t-1})/eta_{t-1} (theta_t - theta_{t-1})`` (``NIGTOptimizer.update_model_to_line_point`` runs before
   ``update_eta``), where Algorithm 1 uses ``eta_t``; with ``eta_{t-1}`` the transport is no longer exact on
   quadratics.

The code also estimates the gradient differently (garage's advantages drop the ``gamma^t`` weight, a linear baseline,
standardised advantages, batches of many episodes, the HVP on a separate batch): the estimator is the problem's
(:class:`~.estimators.PGProblem` ``estimator="code"`` gives the dropped weight), not the schedule's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from numpy.typing import ArrayLike

from .._checks import check_int, check_real

__all__ = ["METHODS", "PGRun", "SCHEDULES", "harpg", "n_harpg", "n_pg_igt", "n_pg_momentum", "over_seeds",
           "schedule", "vanilla_pg"]

#: name -> (step exponent p: gamma_t = gamma_0 base^p, momentum exponent e: eta_t = base^e or None, normalised step,
#: trajectories per iteration); base = 1/(t+1) ("paper") or 2/(t+2) ("code")
_TABLE: dict[str, tuple[float, float | None, bool, int]] = {
    "vanilla-pg": (2 / 3, None, False, 1),
    "n-pg-igt": (1.0, 4 / 5, True, 1),
    "harpg": (1 / 2, 1.0, False, 2),
    "n-harpg": (1.0, 1.0, True, 2),
    "n-pg-momentum": (1.0, 2 / 3, True, 1),
}
METHODS = tuple(_TABLE)
#: the schedule forms: the paper's (default) and the authors' experiment code's (module docstring)
SCHEDULES = ("paper", "code")


class PGRun(NamedTuple):
    """``thetas`` (``theta_0 .. theta_T`` stacked: a leading axis of ``T + 1`` on each leaf of ``theta0``'s
    structure), ``directions`` (``d_t``, vanilla PG: ``g_t``; leading axis ``T``), ``returns[T]`` (discounted
    truncated return of the trajectory sampled for ``g`` at iteration ``t``), ``trajectories[T]`` (cumulative
    count of trajectories drawn by the end of iteration ``t``)."""

    thetas: Any
    directions: Any
    returns: jax.Array
    trajectories: jax.Array


def schedule(method: str, t: ArrayLike, gamma_0: float, source: str = "paper") -> tuple[Any, Any]:
    """``(gamma_t, eta_t)`` of ``method`` at iteration ``t`` (from 0) in the form ``source`` (``"paper"`` or
    ``"code"``), table of the module docstring; ``eta_t`` is ``None`` for vanilla PG. Works on numbers and
    (traced) arrays."""
    p, e, _, _ = _TABLE[_check_method(method)]
    base = 1.0 / (t + 1.0) if _check_schedule(source) == "paper" else 2.0 / (t + 2.0)
    return gamma_0 * base**p, (None if e is None else base**e)


def _normalise(d: jax.Array) -> jax.Array:
    """``d / |d|`` (Euclidean norm over all entries), and 0 where ``d = 0``."""
    n = jnp.sqrt(jnp.sum(d * d))
    return jnp.where(n > 0, d / jnp.where(n > 0, n, 1.0), jnp.zeros_like(d))


class _Flat(NamedTuple):
    """``problem`` seen on flat vectors: ``theta`` unravelled to the structure ``(treedef, shapes, dtypes)`` (static)
    before each call, the estimates raveled back."""

    problem: Any
    structure: tuple

    def unravel(self, flat: jax.Array) -> Any:
        treedef, shapes, dtypes = self.structure
        sizes = [math.prod(s) for s in shapes]
        parts = jnp.split(flat, np.cumsum(sizes)[:-1].tolist()) if len(sizes) > 1 else [flat]
        return jax.tree_util.tree_unflatten(
            treedef, [x.reshape(s).astype(dt) for x, s, dt in zip(parts, shapes, dtypes)])

    def gradient(self, key, flat):
        g, ret = self.problem.gradient(key, self.unravel(flat))
        return ravel_pytree(g)[0].astype(flat.dtype), ret

    def hvp(self, key, flat, v):
        return ravel_pytree(self.problem.hvp(key, self.unravel(flat), self.unravel(v)))[0].astype(flat.dtype)


def _update(method: str, source: str, problem: _Flat, t, key, theta, theta_prev, d, gamma_0):
    gamma_t, eta = schedule(method, t, gamma_0, source)
    if method == "vanilla-pg":
        d, ret = problem.gradient(key, theta)
    elif method == "n-pg-igt":
        # Algorithm 1 extrapolates with eta_t; the authors' code with eta_{t-1} (module docstring, difference 2)
        e = eta if source == "paper" else schedule(method, jnp.maximum(t - 1.0, 0.0), gamma_0, source)[1]
        theta_tilde = theta + (1.0 - e) / e * (theta - theta_prev)
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


@functools.partial(jax.jit, static_argnames=("method", "source", "T", "structure"))
def _run(method: str, source: str, key: jax.Array, problem, theta0: jax.Array, T: int, gamma_0: jax.Array,
         structure: tuple) -> PGRun:
    flat = _Flat(problem, structure)

    def body(carry, inp):
        theta, theta_prev, d = carry
        t, k = inp
        nxt, d, ret = _update(method, source, flat, t, k, theta, theta_prev, d, gamma_0)
        return (nxt, theta, d), (nxt, d, ret)

    ts = jnp.arange(T, dtype=theta0.dtype)
    init = (theta0, theta0, jnp.zeros_like(theta0))
    _, (thetas, dirs, rets) = jax.lax.scan(body, init, (ts, jax.random.split(key, T)))
    per = _TABLE[method][3]
    thetas = jnp.concatenate([theta0[None], thetas])
    return PGRun(jax.vmap(flat.unravel)(thetas), jax.vmap(flat.unravel)(dirs), rets, per * jnp.arange(1, T + 1))


def _method(name: str) -> Callable[..., PGRun]:
    def run(key: jax.Array, problem, theta0: Any, *, T: int, gamma_0: float, schedule: str = "paper") -> PGRun:
        T = check_int(T, "T")
        gamma_0 = check_real(gamma_0, "gamma_0", low=0.0, low_open=True)
        flat0, structure = _check_theta(theta0, problem)
        return _run(name, _check_schedule(schedule), _check_key(key), problem, flat0, T,
                    jnp.asarray(gamma_0, flat0.dtype), structure)

    run.__name__ = run.__qualname__ = name.replace("-", "_")
    run.__doc__ = (f"``{name}`` for ``T`` iterations from ``theta0`` (an array or a pytree of arrays) on ``problem``"
                   " with step-size constant ``gamma_0`` and the ``schedule`` form ``\"paper\"`` (default) or "
                   "``\"code\"`` (module docstring: update and schedules); a :class:`PGRun`; same key, same run.")
    return run


vanilla_pg = _method("vanilla-pg")
n_pg_igt = _method("n-pg-igt")
harpg = _method("harpg")
n_harpg = _method("n-harpg")
n_pg_momentum = _method("n-pg-momentum")


def over_seeds(method: Callable[..., PGRun], keys: jax.Array, problem, theta0: Any, *, T: int,
               gamma_0: float, schedule: str = "paper") -> PGRun:
    """``method`` once per key in ``keys`` (``vmap``): a :class:`PGRun` with a leading seed axis."""
    if method not in _BY_FUNCTION:
        raise TypeError(f"method must be one of {', '.join(f.__name__ for f in _BY_FUNCTION)}, got {method!r}")
    return jax.vmap(lambda k: method(k, problem, theta0, T=T, gamma_0=gamma_0, schedule=schedule))(keys)


_BY_FUNCTION = (vanilla_pg, n_pg_igt, harpg, n_harpg, n_pg_momentum)


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in _TABLE:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def _check_schedule(source: Any) -> str:
    if not isinstance(source, str) or source not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {source!r}")
    return source


def _check_key(key: Any) -> jax.Array:
    if isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
        return key
    if isinstance(key, jax.Array) and key.dtype == jnp.uint32 and key.shape == (2,):
        return key
    raise TypeError(f"key must be one JAX PRNG key (jax.random.key or jax.random.PRNGKey), got {type(key).__name__}")


def _check_theta(theta0: Any, problem) -> tuple[jax.Array, tuple]:
    """``theta0`` (an array or a pytree of real finite arrays) as a flat float vector and its static structure
    ``(treedef, shapes, dtypes)``; a single array must have ``problem.theta_shape``, a pytree its total size."""
    if theta0 is None or isinstance(theta0, (str, bytes)):
        raise TypeError(f"theta0 must be a real array or a pytree of real arrays, got {type(theta0).__name__}")
    leaves, treedef = jax.tree_util.tree_flatten(theta0)
    if not leaves:
        raise ValueError("theta0 must hold at least one parameter (an empty pytree was given)")
    dtype = jnp.result_type(float)
    arrays = []
    for i, leaf in enumerate(leaves):
        where = "theta0" if treedef.num_leaves == 1 and not treedef.children() else f"theta0 leaf {i}"
        if isinstance(leaf, jax.core.Tracer):
            arrays.append(jnp.asarray(leaf, dtype))
            continue
        a = np.asarray(leaf) if not isinstance(leaf, (str, bytes)) else np.asarray([""])
        if a.dtype.kind not in "fiu":
            raise TypeError(f"{where} must be a real array, got {type(leaf).__name__} of dtype {a.dtype}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{where} must be finite")
        arrays.append(jnp.asarray(a, dtype))
    shape = getattr(problem, "theta_shape", None)
    if shape is not None:
        if len(arrays) == 1 and not treedef.children() and arrays[0].shape != tuple(shape):
            raise ValueError(f"theta0 must have shape {tuple(shape)} for this problem, got {arrays[0].shape}")
        size = sum(a.size for a in arrays)
        if size != math.prod(shape):
            raise ValueError(f"theta0 must hold {math.prod(shape)} parameters for this problem, got {size}")
    structure = (treedef, tuple(a.shape for a in arrays), tuple(a.dtype for a in arrays))
    return jnp.concatenate([a.ravel() for a in arrays]), structure
