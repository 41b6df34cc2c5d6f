"""Fisher information of the policies and the relaxed weak gradient domination of Fatkhullin, Barakat, Kireeva & He
(ICML 2023, arXiv 2302.01734).

- Assumption 1 (Fisher non-degeneracy): ``F_rho(theta) = E_{s ~ d_rho^theta, a ~ pi_theta}[score score^T] >=
  mu_F I`` for all ``theta``, ``score = grad_theta log pi_theta(a|s)``; :func:`fisher_matrix` gives ``F`` exactly
  for a finite weighted set of states (the contexts of a bandit, or a finite MDP's normalised discounted occupancy
  :func:`~.exact.occupancy`), :func:`mu_F` its smallest eigenvalue.

  * :class:`~.policies.LinearGaussian` ``N(s @ theta, sigma^2 I)``: ``score = s (a - s @ theta)^T / sigma^2``, so
    ``F = E[s s^T] (x) I_m / sigma^2`` (Kronecker product, ``theta.ravel()`` order).
  * :class:`~.policies.LinearCauchy` ``Cauchy(s @ theta, scale)`` per coordinate: ``score = s 2u/(scale^2 + u^2)``
    (``u = a - s @ theta``, bounded by ``|s|/scale``), and ``E[(2u/(scale^2 + u^2))^2] = 1/(2 scale^2)`` (with
    ``u = scale tan(phi)``, ``phi ~ U(-pi/2, pi/2)``: ``E[sin^2(2 phi)]/scale^2 = 1/(2 scale^2)``), so
    ``F = E[s s^T] (x) I_m / (2 scale^2)``: non-degenerate iff the states span ``R^k``, with ``mu_F =
    lambda_min(E[s s^T])/(2 scale^2)`` whatever ``theta`` is.
  * Discrete policies (:class:`~.policies.Softmax`, :class:`~.policies.MLPSoftmax`): the exact sum over actions
    ``sum_a pi(a|s) score score^T`` per state. The tabular softmax is the negative control: its score at state ``s``
    is ``e_a - pi(.|s)`` in the block ``theta[s]``, orthogonal to ``theta[s] + c 1``, so ``F`` is singular
    (``mu_F = 0``: one zero eigenvalue per state) at every ``theta``, and its other eigenvalues vanish as the policy
    turns deterministic.

  * :func:`linear_system_fisher`: :class:`~.policies.LinearGaussian` on :class:`~.envs.LinearSystem` under the
    occupancy: ``F = (1 - gamma) Sigma (x) I_m / sigma^2`` with ``Sigma = sum_t gamma^t E[x_t x_t^T]``, the discounted
    Lyapunov solution ``Sigma = init_std^2 I + gamma M Sigma M^T + gamma W/(1 - gamma)`` (``M = A + B theta^T``,
    ``W = noise_std^2 I + sigma^2 B B^T``), so ``mu_F >= (1 - gamma) init_std^2/sigma^2`` at every stabilising
    ``theta``; the score is unbounded there (no ``M_g``), so Lemma 1 does not apply as stated.

- Lemma 1 (relaxed weak gradient domination; Ding, Zhang & Lavaei 2022, as the paper uses it): under Assumption 1,
  the score bound ``|score| <= M_g`` and Assumption 2 (compatible function approximation,
  ``E_{s ~ d_rho^{pi*}, a ~ pi*}[(A^theta(s, a) - (1 - gamma) w*(theta)^T score)^2] <= eps_bias`` with ``w*(theta) =
  F_rho(theta)^dagger grad J(theta)``), ``eps' + |grad J(theta)| >= sqrt(2 mu) (J* - J(theta))`` with ``mu =
  mu_F^2/(2 M_g^2)``, ``eps' = mu_F sqrt(eps_bias)/(M_g (1 - gamma))``, i.e. ``J* - J(theta) <= sqrt(eps_bias)/(1 -
  gamma) + (M_g/mu_F)|grad J(theta)|``. (Proof: the performance difference lemma writes ``J* - J`` as ``E_{d^{pi*},
  pi*}[A^theta]/(1 - gamma)``; add and subtract ``(1 - gamma) w*^T score``; Cauchy-Schwarz on the first part, ``|w*|
  <= |grad J|/mu_F`` and ``|score| <= M_g`` on the second.) :func:`bandit_lemma1` evaluates every term in closed
  form on the one-step Cauchy bandit of :class:`~.envs.ContextualBandit` (``gamma = 0``): ``J*`` over all policies
  is 1 (``pi*`` plays ``a*(x) = w_star @ x``, reward 1), ``V^theta(x) = Re w(z)`` and ``d V/d mean = Re w'(z)``
  (``w`` the Faddeeva function, ``z = (x @ theta - w_star @ x) + i scale``, ``w'(z) = -2 z w(z) + 2i/sqrt(pi)``),
  ``A^theta(x, a*) = 1 - V^theta(x)``, ``score(a*|x) = x 2u/(scale^2 + u^2)`` with ``u = a*(x) - x @ theta``, and
  ``eps_bias(theta) = E_x[(1 - V^theta(x) - w*^T score(a*|x))^2]`` exactly (the expectation over the finite
  contexts, ``pi*`` deterministic). Assumption 2 asks for a bound uniform in ``theta``; the lemma's proof uses it at
  the ``theta`` at hand only, so the per-``theta`` value is the sharp one (the grid's maximum is a lower bound on the
  uniform constant).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from numpy.typing import ArrayLike
from scipy.special import wofz

from scipy.linalg import solve_discrete_lyapunov

from .envs import BanditParams, LinearParams
from .policies import LinearCauchy, LinearGaussian, MLPSoftmax, Softmax

__all__ = ["Lemma1", "bandit_gradient", "bandit_lemma1", "fisher_matrix", "linear_system_fisher", "mu_F"]


def fisher_matrix(policy: Any, theta: Any, states: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """``F = sum_i weights[i] E_{a ~ pi_theta(.|states[i])}[score score^T]`` exactly (module docstring), float64
    ``[d, d]`` with ``d`` the number of parameters in ``ravel_pytree(theta)`` order; ``weights`` default uniform
    (they must be non-negative and sum to 1)."""
    S = np.asarray(states)
    w = _weights(weights, S.shape[0] if S.ndim else 0)
    if isinstance(policy, (LinearGaussian, LinearCauchy)):
        if S.ndim != 2 or S.dtype.kind not in "fiu":
            raise ValueError(f"states must be a real [n, k] array of features for a linear policy, got shape {S.shape}")
        th = np.asarray(theta)
        if th.ndim != 2 or th.shape[0] != S.shape[1]:
            raise ValueError(f"theta must be [k, m] with k = {S.shape[1]} (the features), got shape {th.shape}")
        second = (S.astype(np.float64).T * w) @ S.astype(np.float64)
        per = 1 / policy.sigma**2 if isinstance(policy, LinearGaussian) else 1 / (2 * policy.scale**2)
        return np.kron(second, np.eye(th.shape[1])) * per
    if isinstance(policy, (Softmax, MLPSoftmax)):
        flat, unravel = ravel_pytree(theta)
        flat = jnp.asarray(flat, jnp.result_type(float))
        n_actions = np.shape(theta)[-1] if isinstance(policy, Softmax) else policy.sizes[-1]

        def per_state(s):
            logp = jax.vmap(lambda a: policy.log_prob(unravel(flat), s, a))(jnp.arange(n_actions))
            scores = jax.vmap(jax.grad(lambda f, a: policy.log_prob(unravel(f), s, a)), (None, 0))(
                flat, jnp.arange(n_actions))
            return (scores.T * jnp.exp(logp)) @ scores

        F = jax.lax.map(per_state, jnp.asarray(S))
        return np.tensordot(w, np.asarray(F, np.float64), axes=1)
    raise TypeError(f"policy must be LinearGaussian, LinearCauchy, Softmax or MLPSoftmax, got {type(policy).__name__}")


def mu_F(policy: Any, theta: Any, states: ArrayLike, weights: ArrayLike | None = None) -> float:
    """The smallest eigenvalue of :func:`fisher_matrix` (Assumption 1's ``mu_F`` at this ``theta``; 0 up to
    rounding for the tabular softmax)."""
    return float(np.linalg.eigvalsh(fisher_matrix(policy, theta, states, weights))[0])


def linear_system_fisher(theta: ArrayLike, params: LinearParams, sigma: float, gamma: float) -> np.ndarray:
    """``F_rho(theta)`` of ``LinearGaussian(sigma)`` on the linear system ``params`` with discount ``gamma`` under
    the normalised discounted occupancy (module docstring; float64 ``[n m, n m]``); ``theta`` must make ``sqrt(gamma)
    (A + B theta^T)`` stable."""
    if not isinstance(params, LinearParams):
        raise TypeError(f"params must be LinearParams (see linear_params), got {type(params).__name__}")
    A, B = np.asarray(params.A, np.float64), np.asarray(params.B, np.float64)
    th = np.asarray(theta, np.float64)
    if th.shape != (A.shape[0], B.shape[1]):
        raise ValueError(f"theta must have shape {(A.shape[0], B.shape[1])}, got {th.shape}")
    M = A + B @ th.T
    if np.max(np.abs(np.linalg.eigvals(np.sqrt(gamma) * M))) >= 1:
        raise ValueError("theta must make sqrt(gamma) (A + B theta^T) stable (spectral radius < 1)")
    n = A.shape[0]
    W = float(params.noise_std) ** 2 * np.eye(n) + sigma**2 * B @ B.T
    S0 = float(params.init_std) ** 2 * np.eye(n)
    Sigma = solve_discrete_lyapunov(np.sqrt(gamma) * M, S0 + gamma * W / (1 - gamma))
    return np.kron((1 - gamma) * Sigma, np.eye(B.shape[1])) / sigma**2


def _weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights)
    if w.shape != (n,) or w.dtype.kind not in "fiu":
        raise ValueError(f"weights must be a real array of shape ({n},) (one per state), got shape {w.shape}")
    w = w.astype(np.float64)
    if np.any(w < 0) or not np.isclose(w.sum(), 1.0, atol=1e-6):
        raise ValueError(f"weights must be non-negative and sum to 1, got sum {w.sum():g}")
    return w


def _bandit_arrays(theta, params: BanditParams, scale: float):
    if not isinstance(params, BanditParams):
        raise TypeError(f"params must be BanditParams (see bandit_params), got {type(params).__name__}")
    c, w = np.asarray(params.contexts, np.float64), np.asarray(params.w_star, np.float64)
    th = np.asarray(theta, np.float64)
    if th.shape != (c.shape[1], 1):
        raise ValueError(f"theta must have shape {(c.shape[1], 1)} for this bandit, got {th.shape}")
    z = (c @ th[:, 0] - c @ w) + 1j * scale
    return c, w, th, z


def bandit_gradient(theta: ArrayLike, params: BanditParams, scale: float) -> np.ndarray:
    """Exact ``grad J(theta)`` (``[k, 1]``) of the Cauchy bandit: ``E_x[Re w'(z_x) x]`` (module docstring), the
    derivative of :func:`~.envs.bandit_value`."""
    c, _, _, z = _bandit_arrays(theta, params, scale)
    dV = (-2 * z * wofz(z) + 2j / np.sqrt(np.pi)).real
    return (c * dV[:, None]).mean(axis=0)[:, None]


class Lemma1(NamedTuple):
    """The terms of Lemma 1 at one ``theta``: ``gap = J* - J(theta)``, ``grad_norm = |grad J(theta)|``,
    ``eps_bias`` (at this ``theta``), ``M_g``, ``mu_F`` and ``bound = sqrt(eps_bias)/(1 - gamma) + (M_g/mu_F)
    grad_norm`` (``gamma = 0``); the lemma says ``gap <= bound``."""

    gap: float
    grad_norm: float
    eps_bias: float
    M_g: float
    mu_F: float
    bound: float


def bandit_lemma1(theta: ArrayLike, params: BanditParams, scale: float) -> Lemma1:
    """Every term of Lemma 1 in closed form on the one-step Cauchy bandit under ``LinearCauchy(scale)`` (module
    docstring; float64)."""
    c, w, th, z = _bandit_arrays(theta, params, scale)
    V = wofz(z).real
    grad = bandit_gradient(th, params, scale)[:, 0]
    F = fisher_matrix(LinearCauchy(scale), th, c)
    mu = float(np.linalg.eigvalsh(F)[0])
    w_star = np.linalg.pinv(F) @ grad
    u = c @ w - c @ th[:, 0]                      # a*(x) - x @ theta
    score = c * (2 * u / (scale**2 + u**2))[:, None]
    eps_bias = float(np.mean((1.0 - V - score @ w_star) ** 2))
    M_g = float(np.linalg.norm(c, axis=1).max() / scale)
    g = float(np.linalg.norm(grad))
    return Lemma1(float(1.0 - V.mean()), g, eps_bias, M_g, mu, float(np.sqrt(eps_bias) + M_g / mu * g))
