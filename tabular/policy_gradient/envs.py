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
- :class:`CartPole`: gymnasium's ``CartPole-v1`` (Barto, Sutton & Anderson 1983; its constants, explicit Euler,
  termination at ``|x| > 2.4`` or ``|angle| > 12 degrees``, reward 1 per step including the last) in JAX, truncated
  after ``params.max_steps`` steps (:func:`cartpole_problem` sets it to the estimator's ``H``); the paper's control
  benchmark, under :class:`~.policies.MLPSoftmax`.
- :class:`LinearSystem`: ``x' = A x + B u + noise_std w`` (``w ~ N(0, I)``, ``x_0 ~ N(0, init_std^2 I)``) with
  per-step cost ``c = x^T Q x + u^T R u``; ``reward="quadratic"`` is LQR (reward ``-c``: unbounded, so it violates
  the paper's bounded-reward assumption, a sanity check; :func:`lqr_value` gives a linear-Gaussian policy's ``J``
  exactly), ``reward="bounded"`` the small linear system with reward ``exp(-c)`` in (0, 1].
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike
from scipy.special import wofz

from scipy.linalg import solve_discrete_lyapunov

from .. import jax_env
from .._checks import check_int, check_real
from ..models import FiniteMDP
from .policies import LinearCauchy, LinearGaussian, MLPSoftmax

__all__ = ["BanditParams", "BanditState", "CartPole", "CartPoleParams", "CartPoleState", "ContextualBandit",
           "LinearParams", "LinearState", "LinearSystem", "TabularEnv", "bandit_params", "bandit_value",
           "bounded_linear_value", "cartpole_problem", "linear_params", "linear_problem", "lqr_value"]


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


class CartPoleParams(NamedTuple):
    """``CartPole-v1``'s constants (gymnasium's names; ``length`` is half the pole) and the truncation."""

    gravity: float = 9.8
    masscart: float = 1.0
    masspole: float = 0.1
    length: float = 0.5
    force_mag: float = 10.0
    tau: float = 0.02
    theta_threshold: float = 12 * 2 * math.pi / 360
    x_threshold: float = 2.4
    max_steps: int = 500


class CartPoleState(NamedTuple):
    x: jax.Array  # [4]: cart position, cart velocity, pole angle, pole angular velocity
    t: jax.Array  # steps taken
    done: jax.Array  # terminated or truncated: the state stays as it was (no overflow while the scan runs on)


@dataclass(frozen=True)
class CartPole:
    """Gymnasium's ``CartPole-v1`` in JAX (module docstring); action 1 pushes right, 0 left; the policy sees the
    state ``x[4]``. ``policy_shape`` is the ``theta`` shape its policy needs (``None``: unchecked);
    :func:`cartpole_problem` sets it."""

    policy_shape: tuple[int, ...] | None = None

    def reset(self, key: jax.Array, params: CartPoleParams) -> CartPoleState:
        x = jax.random.uniform(key, (4,), jnp.result_type(float), -0.05, 0.05)
        return CartPoleState(x, jnp.int32(0), jnp.bool_(False))

    def step(self, key: jax.Array, state: CartPoleState, action: jax.Array,
             params: CartPoleParams) -> tuple[CartPoleState, jax.Array, jax.Array]:
        p = params
        x, x_dot, th, th_dot = state.x
        force = jnp.where(action == 1, p.force_mag, -p.force_mag)
        cos, sin = jnp.cos(th), jnp.sin(th)
        total = p.masspole + p.masscart
        temp = (force + p.masspole * p.length * th_dot**2 * sin) / total
        th_acc = (p.gravity * sin - cos * temp) / (p.length * (4.0 / 3.0 - p.masspole * cos**2 / total))
        x_acc = temp - p.masspole * p.length * th_acc * cos / total
        nxt = jnp.stack([x + p.tau * x_dot, x_dot + p.tau * x_acc, th + p.tau * th_dot, th_dot + p.tau * th_acc])
        terminated = (jnp.abs(nxt[0]) > p.x_threshold) | (jnp.abs(nxt[2]) > p.theta_threshold)
        t = state.t + 1
        done = state.done | terminated | (t >= p.max_steps)
        nxt = jnp.where(state.done, state.x, nxt.astype(state.x.dtype))
        return CartPoleState(nxt, t, done), jnp.where(state.done, 0.0, 1.0).astype(state.x.dtype), done

    def observe(self, state: CartPoleState, params: CartPoleParams) -> jax.Array:
        return state.x

    def theta_shape(self, params: CartPoleParams) -> tuple[int, ...] | None:
        return self.policy_shape


def cartpole_problem(policy: MLPSoftmax | None = None, *, gamma: float = 0.99, H: int = 500,
                     params: CartPoleParams | None = None):
    """A :class:`~.estimators.PGProblem` on :class:`CartPole` under ``policy`` (default ``MLPSoftmax((4, 32, 2))``,
    4 inputs and 2 actions), episodes truncated at ``H`` (``params.max_steps`` is set to it), discount ``gamma``."""
    from .estimators import PGProblem

    policy = MLPSoftmax((4, 32, 2)) if policy is None else policy
    if not isinstance(policy, MLPSoftmax):
        raise TypeError(f"policy must be an MLPSoftmax, got {type(policy).__name__}")
    if policy.sizes[0] != 4 or policy.sizes[-1] != 2:
        raise ValueError(f"policy must map 4 inputs to 2 actions for CartPole, got sizes {policy.sizes}")
    params = CartPoleParams() if params is None else params
    if not isinstance(params, CartPoleParams):
        raise TypeError(f"params must be CartPoleParams, got {type(params).__name__}")
    for name in CartPoleParams._fields[:-1]:
        check_real(getattr(params, name), f"params.{name}", low=0.0, low_open=True)
    H = check_int(H, "H")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    return PGProblem(CartPole(policy.theta_shape), params._replace(max_steps=H), policy, gamma, H)


class LinearParams(NamedTuple):
    """``A[n, n]``, ``B[n, m]``, ``Q[n, n]``, ``R[m, m]`` (symmetric positive semi-definite), ``noise_std``,
    ``init_std``; from :func:`linear_params`."""

    A: jax.Array
    B: jax.Array
    Q: jax.Array
    R: jax.Array
    noise_std: jax.Array
    init_std: jax.Array


class LinearState(NamedTuple):
    x: jax.Array  # [n]


_LINEAR_REWARDS = ("quadratic", "bounded")


@dataclass(frozen=True)
class LinearSystem:
    """``x' = A x + B u + noise_std w`` with reward ``-c`` (``"quadratic"``: LQR) or ``exp(-c)`` (``"bounded"``),
    ``c = x^T Q x + u^T R u`` (module docstring); the policy sees ``x`` and acts ``u[m]``; never ends."""

    reward: str = "quadratic"

    def __post_init__(self):
        if self.reward not in _LINEAR_REWARDS:
            raise ValueError(f"reward must be one of {', '.join(_LINEAR_REWARDS)}, got {self.reward!r}")

    def reset(self, key: jax.Array, params: LinearParams) -> LinearState:
        return LinearState(params.init_std * jax.random.normal(key, params.A.shape[:1], params.A.dtype))

    def step(self, key: jax.Array, state: LinearState, action: jax.Array,
             params: LinearParams) -> tuple[LinearState, jax.Array, jax.Array]:
        x, u = state.x, action
        cost = x @ params.Q @ x + u @ params.R @ u
        noise = params.noise_std * jax.random.normal(key, x.shape, x.dtype)
        reward = -cost if self.reward == "quadratic" else jnp.exp(-cost)
        return LinearState(params.A @ x + params.B @ u + noise), reward, jnp.bool_(False)

    def observe(self, state: LinearState, params: LinearParams) -> jax.Array:
        return state.x

    def theta_shape(self, params: LinearParams) -> tuple[int, int]:
        """A linear policy's ``theta[n, m]`` (``u = x @ theta + noise``)."""
        return (params.A.shape[0], params.B.shape[1])


def linear_params(A: ArrayLike, B: ArrayLike, Q: ArrayLike | None = None, R: ArrayLike | None = None, *,
                  noise_std: float = 0.1, init_std: float = 1.0) -> LinearParams:
    """Checked :class:`LinearParams` (``Q``, ``R`` default to identities; float32 arrays)."""
    A = _real_array(A, "A", 2)
    n = A.shape[0]
    if A.shape != (n, n):
        raise ValueError(f"A must be square, got shape {A.shape}")
    B = _real_array(B, "B", 2)
    if B.shape[0] != n:
        raise ValueError(f"B must have {n} rows (A's size), got shape {B.shape}")
    m = B.shape[1]
    Q = np.eye(n) if Q is None else _psd(Q, "Q", n)
    R = np.eye(m) if R is None else _psd(R, "R", m)
    noise_std = check_real(noise_std, "noise_std", low=0.0)
    init_std = check_real(init_std, "init_std", low=0.0)
    f = jnp.float32
    return LinearParams(*(jnp.asarray(v, f) for v in (A, B, Q, R, noise_std, init_std)))


def linear_problem(params: LinearParams, policy: LinearGaussian | LinearCauchy | None = None, *,
                   reward: str = "quadratic", gamma: float = 0.9, H: int = 100):
    """A :class:`~.estimators.PGProblem` on :class:`LinearSystem` (``reward`` ``"quadratic"``: LQR, or
    ``"bounded"``) under a linear policy (default ``LinearGaussian(1.0)``) with ``theta[n, m]``."""
    from .estimators import PGProblem

    if not isinstance(params, LinearParams):
        raise TypeError(f"params must be LinearParams (see linear_params), got {type(params).__name__}")
    policy = LinearGaussian() if policy is None else policy
    if not isinstance(policy, (LinearGaussian, LinearCauchy)):
        raise TypeError(f"policy must be LinearGaussian or LinearCauchy, got {type(policy).__name__}")
    if not isinstance(reward, str):
        raise TypeError(f"reward must be a string, got {type(reward).__name__}")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    return PGProblem(LinearSystem(reward), params, policy, gamma, check_int(H, "H"))


def lqr_value(theta: ArrayLike, params: LinearParams, sigma: float, gamma: float, H: int | None = None) -> float:
    """Exact ``J = E sum_{h<H} gamma^h (-c_h)`` of LQR (:class:`LinearSystem`, ``reward="quadratic"``) under
    ``LinearGaussian(sigma)`` with ``theta[n, m]`` (``u = x @ theta + sigma e``), in float64. Closed loop
    ``M = A + B theta^T``, ``Q_c = Q + theta R theta^T``, ``W = noise_std^2 I + sigma^2 B B^T``; with ``P`` the
    solution of the discounted Lyapunov equation ``P = Q_c + gamma M^T P M``,
    ``-J = init_std^2 tr P + gamma/(1-gamma) tr(P W) + sigma^2 tr R/(1-gamma)`` (``H=None``: the infinite sum; the
    gain must make ``sqrt(gamma) M`` stable). With ``H`` given, the covariance recursion
    ``S_{h+1} = M S_h M^T + W`` summed over ``h < H``."""
    theta, sigma, gamma, (A, B, Q, R), (M, Qc, W) = _closed_loop(theta, params, sigma, gamma)
    if H is None:
        if np.max(np.abs(np.linalg.eigvals(np.sqrt(gamma) * M))) >= 1:
            raise ValueError("theta must make sqrt(gamma) (A + B theta^T) stable (spectral radius < 1) for H=None")
        P = solve_discrete_lyapunov(np.sqrt(gamma) * M.T, Qc)
        init = float(params.init_std)
        cost = init**2 * np.trace(P) + gamma / (1 - gamma) * np.trace(P @ W) + sigma**2 * np.trace(R) / (1 - gamma)
        return float(-cost)
    S = _state_covariances(M, W, float(params.init_std), check_int(H, "H"))
    return float(-sum(gamma**h * (np.trace(Qc @ Sh) + sigma**2 * np.trace(R)) for h, Sh in enumerate(S)))


def bounded_linear_value(theta: ArrayLike, params: LinearParams, sigma: float, gamma: float, H: int) -> float:
    """Exact ``J_H = E sum_{h<H} gamma^h exp(-c_h)`` of :class:`LinearSystem` with ``reward="bounded"`` under
    ``LinearGaussian(sigma)`` (``theta[n, m]``), in float64. The state ``x_h ~ N(0, S_h)`` (the recursion of
    :func:`lqr_value`) and ``u_h | x_h ~ N(theta^T x_h, sigma^2 I)``, so ``z = (x_h, u_h)`` is Gaussian with covariance
    ``Sigma_h = [[S_h, S_h theta], [theta^T S_h, theta^T S_h theta + sigma^2 I]]`` and, ``K = diag(Q, R)``,
    ``E exp(-z^T K z) = det(I + 2 K Sigma_h)^(-1/2)``. Rewards lie in (0, 1], so the infinite-horizon ``J`` differs
    from ``J_H`` by at most ``gamma^H/(1 - gamma)``; NaN where a gain that is not stabilising overflows the
    covariances. (The Gaussian score is unbounded: the paper's score bound fails here; Fisher non-degeneracy holds.)"""
    theta, sigma, gamma, (A, B, Q, R), (M, _, W) = _closed_loop(theta, params, sigma, gamma)
    n, m = B.shape
    lam, V = np.linalg.eigh(np.block([[Q, np.zeros((n, m))], [np.zeros((m, n)), R]]))
    root = V * np.sqrt(np.clip(lam, 0.0, None)) @ V.T  # K^(1/2): det(I + 2 K Sigma) = det(I + 2 K^(1/2) Sigma K^(1/2))
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # a gain that is not stabilising may overflow: then NaN
        for h, S in enumerate(_state_covariances(M, W, float(params.init_std), check_int(H, "H"))):
            Sigma = np.block([[S, S @ theta], [theta.T @ S, theta.T @ S @ theta + sigma**2 * np.eye(m)]])
            C = root @ Sigma @ root
            if not np.all(np.isfinite(C)):
                return float("nan")
            total += gamma**h * np.exp(-0.5 * np.sum(np.log1p(2 * np.clip(np.linalg.eigvalsh(C), 0.0, None))))
    return float(total)


def _closed_loop(theta, params, sigma, gamma):
    """Checked ``theta, sigma, gamma``, the float64 ``(A, B, Q, R)`` and ``(M, Q_c, W)`` of :func:`lqr_value`."""
    if not isinstance(params, LinearParams):
        raise TypeError(f"params must be LinearParams (see linear_params), got {type(params).__name__}")
    A, B, Q, R = (np.asarray(v, np.float64) for v in params[:4])
    theta = _real_array(theta, "theta", 2)
    if theta.shape != (A.shape[0], B.shape[1]):
        raise ValueError(f"theta must have shape {(A.shape[0], B.shape[1])}, got {theta.shape}")
    sigma = check_real(sigma, "sigma", low=0.0)
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    M, Qc = A + B @ theta.T, Q + theta @ R @ theta.T
    W = float(params.noise_std) ** 2 * np.eye(A.shape[0]) + sigma**2 * B @ B.T
    return theta, sigma, gamma, (A, B, Q, R), (M, Qc, W)


def _state_covariances(M: np.ndarray, W: np.ndarray, init_std: float, H: int) -> list[np.ndarray]:
    """``S_0 = init_std^2 I``, ``S_{h+1} = M S_h M^T + W``: the covariances of ``x_0 .. x_{H-1}`` (zero mean)."""
    S, out = init_std**2 * np.eye(M.shape[0]), []
    for _ in range(H):
        out.append(S)
        S = M @ S @ M.T + W
    return out


def _psd(x, name: str, n: int) -> np.ndarray:
    a = _real_array(x, name, 2)
    if a.shape != (n, n):
        raise ValueError(f"{name} must have shape {(n, n)}, got {a.shape}")
    if not np.allclose(a, a.T) or np.min(np.linalg.eigvalsh(a)) < -1e-12:
        raise ValueError(f"{name} must be symmetric positive semi-definite")
    return a


def _real_array(x, name: str, ndim: int) -> np.ndarray:
    a = np.asarray(x) if not isinstance(x, (str, bytes)) and x is not None else None
    if a is None or a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real array, got {type(x).__name__}")
    if a.ndim != ndim or a.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-d array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a.astype(np.float64)
