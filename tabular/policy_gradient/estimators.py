"""The truncated estimators of Fatkhullin, Barakat, Kireeva & He (ICML 2023, arXiv 2302.01734) on one trajectory.

A trajectory ``tau`` of ``H`` steps under ``pi_theta``, ``H = ceil(log(T + 1) / (1 - gamma))`` (the truncation of
Theorems 1-2, so that the truncation bias ``O(gamma^H)`` is ``O(1/T)``). With the surrogate (GPOMDP form)

    Phi(theta; tau) = sum_{h<H} gamma^h r_h sum_{k<=h} log pi_theta(a_k | s_k),

- gradient: ``g(tau, theta) = grad Phi``, unbiased for ``grad J_H(theta)``;
- Hessian-vector product: ``B(tau, theta) v = hess Phi v + grad Phi <grad log p(tau | theta), v>`` with
  ``log p(tau | theta) = sum_k log pi_theta(a_k | s_k)``, unbiased for ``hess J_H(theta) v`` (the second term
  differentiates the trajectory's distribution; Shen et al. 2019, as used by (N)-HARPG). One ``jax.jvp`` of
  ``jax.grad``: no Hessian is formed.

This is the truncated GPOMDP form (Baxter & Bartlett 2001) of the paper's single-trajectory estimators (the notes
infer the form from the paper's notation and Yuan et al. 2022 [I]; the full text was not readable to us).
``estimator="gpomdp"`` (the default) is it. ``estimator="code"`` is the authors' experiment code's weighting: garage's
``compute_advantages`` (``gae_lambda = 1``) weights ``log pi(a_k|s_k)`` by the reward-to-go discounted from step
``k``, ``sum_{h>=k} gamma^(h-k) r_h``, dropping the ``gamma^k`` of the policy-gradient theorem; it is biased for
``grad J_H`` (later steps weigh ``gamma^-k`` too much). It changes ``Phi``, so both ``g`` and ``B v``; the code's
baseline, advantage standardisation and batches are not reproduced. ``theta`` may be any pytree of arrays.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from .._checks import check_int, check_real
from ..models import FiniteMDP
from .envs import BanditParams, ContextualBandit, TabularEnv, tabular_params
from .policies import LinearCauchy, LinearGaussian, Softmax

__all__ = ["CHUNK", "ESTIMATORS", "PGProblem", "Trajectory", "bandit_problem", "gradient", "hvp", "reward_to_go",
           "rollout", "surrogate", "tabular_problem", "truncation_horizon"]


def truncation_horizon(T: int, gamma: float) -> int:
    """``H = ceil(log(T + 1) / (1 - gamma))`` (Theorems 1 and 2), at least 1."""
    T = check_int(T, "T")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    return max(1, math.ceil(math.log(T + 1) / (1.0 - gamma)))


class Trajectory(NamedTuple):
    obs: jax.Array      # [H, ...] what the policy saw (zeros past the chunk where the episode ended)
    actions: jax.Array  # [H, ...]
    rewards: jax.Array  # [H], 0 after the episode ended
    mask: jax.Array     # [H], 1.0 while the episode runs (its actions count)


#: the gradient estimators: the paper's (default) and the authors' experiment code's (module docstring)
ESTIMATORS = ("gpomdp", "code")


@functools.partial(jax.tree_util.register_dataclass, data_fields=["params"],
                   meta_fields=["env", "policy", "gamma", "H", "estimator"])
@dataclass(frozen=True)
class PGProblem:
    """An environment with its ``params``, a policy, the discount ``gamma``, the truncation ``H`` and the gradient
    ``estimator`` (``"gpomdp"``, the paper's, or ``"code"``, module docstring; ``dataclasses.replace(problem,
    estimator="code")`` switches any problem); a pytree (``params`` its data), so it passes through ``jit``. Its
    ``gradient`` and ``hvp`` are what the methods call: any object with these two methods (unbiased estimates of
    ``grad J`` and ``hess J v``) can stand in."""

    env: Any
    params: Any
    policy: Any
    gamma: float
    H: int
    estimator: str = "gpomdp"

    def __post_init__(self):
        if not isinstance(self.estimator, str) or self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, got {self.estimator!r}")

    @property
    def theta_shape(self) -> tuple[int, ...]:
        """The shape ``theta`` must have."""
        return self.env.theta_shape(self.params)

    def gradient(self, key: jax.Array, theta: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``(g(tau, theta), discounted return of tau)`` for one fresh trajectory ``tau ~ pi_theta``."""
        tau = rollout(key, self, theta)
        return gradient(theta, tau, self), _discounted(tau.rewards, self.gamma)

    def hvp(self, key: jax.Array, theta: jax.Array, v: jax.Array) -> jax.Array:
        """``B(tau, theta) v`` for one fresh trajectory ``tau ~ pi_theta``."""
        return hvp(theta, v, rollout(key, self, theta), self)


#: steps per chunk of the early-stopping rollout (:func:`rollout`)
CHUNK = 16


def rollout(key: jax.Array, problem: PGProblem, theta: jax.Array, *, chunk: int | None = None) -> Trajectory:
    """One trajectory of ``problem.H`` steps under ``pi_theta`` (pure; ``vmap`` over keys for many).

    The steps run in chunks of ``chunk`` (default :data:`CHUNK`; ``chunk >= H``: one plain scan over all ``H``
    steps, masked after the end) (a ``lax.scan`` each) inside a ``lax.while_loop`` that stops after the
    chunk in which the episode ends (under ``vmap``: when every lane's episode has ended), so short episodes cost
    short loops while the shapes stay static. The steps not taken are zeros (rewards and mask 0); the steps taken
    are those of a full ``H``-step scan on the same key (step ``h`` uses the ``h``-th of ``H`` keys split from it),
    so the estimates, which weigh a step by its mask, are the full-length masked ones (checked in the tests)."""
    env, params, policy = problem.env, problem.params, problem.policy
    H, chunk = problem.H, min(check_int(CHUNK if chunk is None else chunk, "chunk"), problem.H)
    n = -(-H // chunk)
    k0, key = jax.random.split(key)
    keys = jax.random.split(key, H)
    keys = jnp.concatenate([keys, jnp.broadcast_to(keys[-1:], (n * chunk - H, *keys.shape[1:]))])

    def body(carry, k):
        state, alive = carry
        k_act, k_step = jax.random.split(k)
        s = env.observe(state, params)
        a = policy.sample(theta, s, k_act)
        nxt, r, done = env.step(k_step, state, a, params)
        return (nxt, alive & ~done), (s, a, jnp.where(alive, r, 0.0), alive.astype(r.dtype))

    def run_chunk(loop):
        i, carry, buf = loop
        carry, out = jax.lax.scan(body, carry, jax.lax.dynamic_slice_in_dim(keys, i * chunk, chunk))
        buf = jax.tree_util.tree_map(lambda b, o: jax.lax.dynamic_update_slice_in_dim(b, o, i * chunk, 0), buf, out)
        return i + 1, carry, buf

    carry = (env.reset(k0, params), jnp.bool_(True))
    if n == 1:
        return Trajectory(*jax.lax.scan(body, carry, keys)[1])
    shapes = jax.eval_shape(lambda c: jax.lax.scan(body, c, keys[:chunk])[1], carry)
    buf = jax.tree_util.tree_map(lambda x: jnp.zeros((n * chunk, *x.shape[1:]), x.dtype), shapes)
    buf = jax.lax.while_loop(lambda loop: (loop[0] < n) & loop[1][1], run_chunk, (jnp.int32(0), carry, buf))[2]
    return Trajectory(*(x[:H] for x in buf))


def _discounted(rewards: jax.Array, gamma: float) -> jax.Array:
    return jnp.sum(gamma ** jnp.arange(rewards.shape[0]) * rewards)


def _log_probs(theta: jax.Array, tau: Trajectory, policy) -> jax.Array:
    return jax.vmap(policy.log_prob, in_axes=(None, 0, 0))(theta, tau.obs, tau.actions) * tau.mask


def reward_to_go(rewards: jax.Array, gamma: float, estimator: str = "gpomdp") -> jax.Array:
    """The weight of ``log pi(a_k|s_k)`` in ``Phi``: ``sum_{h>=k} gamma^h r_h`` (``"gpomdp"``) or
    ``sum_{h>=k} gamma^(h-k) r_h`` (``"code"``: garage's advantage with ``gae_lambda = 1`` and no baseline)."""
    def back(G, r):
        G = r + gamma * G
        return G, G

    if estimator == "code":
        return jax.lax.scan(back, jnp.zeros((), rewards.dtype), rewards, reverse=True)[1]
    weighted = gamma ** jnp.arange(rewards.shape[0]) * rewards
    return jnp.cumsum(weighted[::-1])[::-1]


def surrogate(theta: Any, tau: Trajectory, problem: PGProblem) -> jax.Array:
    """``Phi(theta; tau) = sum_k log pi(a_k|s_k) sum_{h>=k} gamma^h r_h`` (the GPOMDP surrogate, module docstring;
    ``estimator="code"``: ``gamma^(h-k)``)."""
    to_go = reward_to_go(tau.rewards, problem.gamma, problem.estimator)
    return jnp.sum(_log_probs(theta, tau, problem.policy) * to_go)


def gradient(theta: jax.Array, tau: Trajectory, problem: PGProblem) -> jax.Array:
    """The truncated policy-gradient estimate ``g(tau, theta) = grad Phi(theta; tau)``."""
    return jax.grad(surrogate)(theta, tau, problem)


def hvp(theta: jax.Array, v: jax.Array, tau: Trajectory, problem: PGProblem) -> jax.Array:
    """``B(tau, theta) v = hess Phi v + grad Phi <grad log p(tau|theta), v>`` by one ``jax.jvp`` of
    ``(grad Phi, log p)``: unbiased for ``hess J_H(theta) v`` when ``tau ~ pi_theta``."""
    def both(th):
        return gradient(th, tau, problem), jnp.sum(_log_probs(th, tau, problem.policy))

    v = jax.tree_util.tree_map(lambda th, x: jnp.asarray(x, th.dtype), theta, v)
    (g, _), (hess_v, score_v) = jax.jvp(both, (theta,), (v,))
    return jax.tree_util.tree_map(lambda h, gg: h + gg * score_v, hess_v, g)


def tabular_problem(model: FiniteMDP, *, T: int | None = None, H: int | None = None,
                    policy: Softmax | None = None, estimator: str = "gpomdp") -> PGProblem:
    """A :class:`~boundlab.tabular.FiniteMDP` with a tabular softmax policy (``theta[S, A]``), its discount, ``H``
    given or ``truncation_horizon(T, model.gamma)``, and the gradient ``estimator`` (module docstring)."""
    if not isinstance(model, FiniteMDP):
        raise TypeError(f"model must be a FiniteMDP, got {type(model).__name__}")
    policy = Softmax() if policy is None else policy
    if not isinstance(policy, Softmax):
        raise TypeError(f"policy must be a Softmax policy for a tabular model, got {type(policy).__name__}")
    H = _horizon(T, H, model.gamma)
    return PGProblem(TabularEnv(), tabular_params(model, H), policy, float(model.gamma), H, estimator)


def bandit_problem(params: BanditParams, policy: LinearCauchy | LinearGaussian, *, gamma: float = 0.0,
                   H: int = 1, estimator: str = "gpomdp") -> PGProblem:
    """The one-step :class:`~.envs.ContextualBandit` (``params`` from :func:`~.envs.bandit_params`) under a linear
    policy with ``theta[k, 1]``; one step is the whole episode, so ``H = 1`` loses nothing."""
    if not isinstance(params, BanditParams):
        raise TypeError(f"params must be BanditParams (see bandit_params), got {type(params).__name__}")
    if not isinstance(policy, (LinearCauchy, LinearGaussian)):
        raise TypeError(f"policy must be LinearCauchy or LinearGaussian, got {type(policy).__name__}")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    return PGProblem(ContextualBandit(), params, policy, gamma, check_int(H, "H"), estimator)


def _horizon(T, H, gamma) -> int:
    if H is not None:
        return check_int(H, "H")
    if T is None:
        raise ValueError("give H (the truncation) or T (the iterations, H = ceil(log(T + 1) / (1 - gamma)))")
    return truncation_horizon(T, gamma)
