"""The sample-complexity counterpart of :func:`~boundlab.bounds.measure_regret`: run a policy-gradient method and
measure its exact optimality gap ``J* - J(theta_t)`` after every iteration (Fatkhullin, Barakat, Kireeva & He,
ICML 2023, arXiv 2302.01734: their rates are for ``E[J* - J(theta_T)]`` against the number of trajectories).

Problems accepted (each with an exact ``J`` and ``J*``):

- a ``tabular.FiniteMDP`` under the tabular softmax policy ``theta[S, A]``, the paper's negative control (softmax is
  not Fisher-non-degenerate: Assumption 1 fails as the policy turns deterministic). ``J(theta)`` by discounted
  policy evaluation in float64 (:func:`softmax_values`, one batched numpy solve; ``tabular.policy_gradient.J`` is
  its JAX twin), ``J*`` the optimal value at the initial
  distribution (``solvers.value_iteration`` to 1e-10; the softmax class approaches it, so no bias floor).
- a :class:`CauchyBandit`, the one-step contextual bandit with a linear Cauchy policy, which satisfies the paper's
  assumptions (bounded score, bounded reward, Fisher-non-degenerate when the contexts span ``R^k``). ``J(theta)`` is
  exact in closed form (the Cauchy-Gaussian convolution, a Voigt profile, through the Faddeeva function; what
  ``tabular.policy_gradient.bandit_value`` computes), ``J*`` the best in the class (:attr:`CauchyBandit.J_star`).

The seeds run together (``jax.vmap``); JAX is imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import erfcx, wofz

from boundlab import solvers
from boundlab.solvers.validation import check_real_array
from boundlab.tabular import FiniteMDP
from boundlab.tabular._checks import check_real

from .registry import GAP_ALGORITHMS, resolve_kind
from .regret import check_seeds

__all__ = ["GAP_ALGORITHMS", "CauchyBandit", "cauchy_bandit_k3", "check_choice", "check_problem", "gap_values",
           "measure_gap", "optimal_value", "softmax_values"]


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of the names ``choices``; a TypeError (not a str) or ValueError naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, choices))} (a str), got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


@dataclass(frozen=True)
class CauchyBandit:
    """The one-step contextual bandit of ``tabular.policy_gradient.ContextualBandit`` under the linear Cauchy policy
    ``a ~ Cauchy(x @ theta, scale)`` (``theta[k, 1]``), as a problem for :func:`measure_gap`: a context ``x`` drawn
    uniformly from the rows of ``contexts[n, k]``, reward ``exp(-(a - w_star @ x)^2)`` in (0, 1], one step
    (discount 0, so ``1 / (1 - gamma) = 1`` and the estimators' ``H = 1`` loses nothing).

    Checked on construction: finite real arrays of matching widths, contexts spanning ``R^k`` (rank ``k``: else the
    Fisher matrix ``E[score score^T]`` is singular and Assumption 1 fails), ``scale > 0``.

    Exact values (float64):

    - ``J(theta) = mean_x Re w(x @ (theta - w_star) + i scale)`` with ``w`` the Faddeeva function (a Voigt profile,
      :meth:`J`).
    - Best in class: each context's term is the Voigt profile at ``z = x @ (theta[:, 0] - w_star)``, even and
      unimodal in ``z`` with its maximum at ``z = 0``; ``theta = w_star`` zeroes every ``z`` at once, so
      :attr:`theta_star` ``= w_star[:, None]`` maximises ``J`` over the class (uniquely, the contexts having rank
      ``k``) and :attr:`J_star` ``= Re w(i scale) = erfcx(scale)``. No numerical search is needed; the tests check
      it against random ``theta`` and a local optimiser, and that the gradient vanishes there.
    - The unrestricted optimum (any policy, e.g. the deterministic ``a = w_star @ x``) is
      :attr:`J_unrestricted` ``= 1 > J_star``: a fixed-scale Cauchy policy cannot reach it. Since ``grad J = 0`` at
      ``theta_star``, the paper's Lemma 1 (``eps' + |grad J| >= sqrt(2 mu) (J* - J)``, ``eps'`` proportional to
      ``sqrt(eps_bias)``) forces ``eps_bias > 0`` here: measured against ``J_unrestricted`` every gap would plateau
      at ``1 - erfcx(scale)``, the bias floor of Theorems 1-2. :func:`measure_gap` measures against the class's best
      ``J_star``, as the rates are read off the gap above the floor.
    """

    contexts: np.ndarray
    w_star: np.ndarray
    scale: float = 0.5
    name: str = field(default="cauchy-bandit", compare=False)

    def __post_init__(self):
        c = check_real_array(self.contexts, "contexts").astype(np.float64)
        w = check_real_array(self.w_star, "w_star").astype(np.float64)
        if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
            raise ValueError(f"contexts must be a non-empty [n, k] array, got shape {c.shape}")
        if w.shape != (c.shape[1],):
            raise ValueError(f"w_star must have shape ({c.shape[1]},) (the contexts' width k), got {w.shape}")
        for name, a in (("contexts", c), ("w_star", w)):
            bad = np.argwhere(~np.isfinite(a))
            if len(bad):
                raise ValueError(f"{name}{bad[0].tolist()} = {a[tuple(bad[0])]} is not finite")
        if np.linalg.matrix_rank(c) < c.shape[1]:
            raise ValueError(f"contexts must span R^{c.shape[1]} (rank {c.shape[1]}), got rank "
                             f"{np.linalg.matrix_rank(c)}: the Fisher matrix would be singular (Assumption 1 fails)")
        scale = check_real(self.scale, "scale", low=0.0, low_open=True)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {type(self.name).__name__}")
        for a in (c, w):
            a.setflags(write=False)
        object.__setattr__(self, "contexts", c)
        object.__setattr__(self, "w_star", w)
        object.__setattr__(self, "scale", scale)

    @property
    def theta_star(self) -> np.ndarray:
        """The best parameter in the class, ``w_star[:, None]`` (class docstring)."""
        return self.w_star[:, None].copy()

    @property
    def J_star(self) -> float:
        """The class's best value ``erfcx(scale) = J(theta_star)``."""
        return float(erfcx(self.scale))

    J_unrestricted = 1.0  # the best over all policies: a deterministic a = w_star @ x earns reward 1

    def J(self, theta: np.ndarray) -> np.ndarray:
        """Exact ``J`` of ``theta[..., k, 1]`` (leading axes batch), float64."""
        theta = np.asarray(theta, dtype=np.float64)
        z = theta[..., 0] @ self.contexts.T - self.contexts @ self.w_star  # [..., n]
        return wofz(z + 1j * self.scale).real.mean(axis=-1)

    def problem(self, estimator: str = "gpomdp"):
        """The ``tabular.policy_gradient.PGProblem`` the methods run on (float32 arrays, ``gamma = 0``, ``H = 1``)
        with the gradient ``estimator`` (``"gpomdp"`` or ``"code"``: the same here, one step)."""
        from boundlab.tabular import policy_gradient as pg

        return pg.bandit_problem(pg.bandit_params(self.contexts, self.w_star), pg.LinearCauchy(self.scale),
                                 gamma=0.0, H=1, estimator=check_choice(estimator, "estimator", pg.ESTIMATORS))


def cauchy_bandit_k3() -> CauchyBandit:
    """A second instance meeting the paper's assumptions, for the rate rows beside ``cauchy-bandit-k2``: a Cauchy
    contextual bandit in ``R^3`` (an intercept and two features; six contexts of rank 3, so the Fisher matrix is
    non-degenerate, ``mu_F = lambda_min(E[x x^T]) / (2 scale^2)``), ``w_star = (0.3, -0.8, 0.6)`` and a wider
    policy, ``scale = 0.7`` (score bounded by ``max |x| / scale``; reward ``exp(-(a - w_star @ x)^2)`` in (0, 1]).
    ``J`` exact in closed form (the Voigt profile, :meth:`CauchyBandit.J`), ``J*`` the class's best
    ``erfcx(0.7)``; both cross-checked by quadrature in the tests. Our construction, not the paper's."""
    contexts = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, -1.0, 0.5], [1.0, 0.5, -1.0],
                         [1.0, -0.5, -0.5]])
    return CauchyBandit(contexts, np.array([0.3, -0.8, 0.6]), scale=0.7, name="cauchy-bandit-k3")


def check_problem(problem: object, name: str = "problem") -> FiniteMDP | CauchyBandit:
    """Refuse anything but a problem :func:`measure_gap` measures exactly."""
    if not isinstance(problem, (FiniteMDP, CauchyBandit)):
        raise TypeError(f"{name} must be a tabular.FiniteMDP (softmax policy) or a bounds.gap.CauchyBandit, got "
                        f"{type(problem).__name__}")
    return problem


def optimal_value(problem: FiniteMDP | CauchyBandit) -> float:
    """``J*``: the optimal value at the initial distribution (FiniteMDP, value iteration to 1e-10), or the class's
    best ``CauchyBandit.J_star``."""
    if isinstance(problem, CauchyBandit):
        return problem.J_star
    V = solvers.value_iteration(problem.P, problem.R, problem.gamma, tol=1e-10).V
    return float(problem.initial @ V)


def gap_values(problem: FiniteMDP | CauchyBandit, thetas, J_star: float | None = None) -> np.ndarray:
    """``J* - J(theta)`` for a batch ``thetas[..., *theta_shape]``, float64 (``J_star``: :func:`optimal_value` where
    the caller has it)."""
    J_star = optimal_value(problem) if J_star is None else J_star
    if isinstance(problem, CauchyBandit):
        return J_star - problem.J(np.asarray(thetas))
    return J_star - softmax_values(problem, thetas)


def softmax_values(model: FiniteMDP, thetas) -> np.ndarray:
    """Exact ``J(theta) = rho @ (I - gamma P_pi)^{-1} r_pi`` of the tabular softmax policies ``thetas[..., S, A]``
    in float64 (numpy, one batched solve; ``tabular.policy_gradient.J`` is the same in JAX, at JAX's precision)."""
    th = np.asarray(thetas, dtype=np.float64)
    pi = np.exp(th - th.max(axis=-1, keepdims=True))
    pi /= pi.sum(axis=-1, keepdims=True)
    P_pi = np.einsum("...sa,sat->...st", pi, model.P)
    r_pi = np.sum(pi * model.R, axis=-1)
    V = np.linalg.solve(np.eye(model.P.shape[0]) - model.gamma * P_pi, r_pi[..., None])[..., 0]
    return V @ model.initial


def measure_gap(algorithm: str, problem: FiniteMDP | CauchyBandit, iterations: int,
                seeds: int | Iterable[int] = (0,), *, gamma_0: float, theta0: np.ndarray | None = None,
                schedule: str = "paper", estimator: str = "gpomdp") -> pd.DataFrame:
    """Run ``algorithm`` (one of :data:`GAP_ALGORITHMS`) for ``iterations`` iterations on each seed and measure
    ``gap = J* - J(theta_t)`` exactly (module docstring: how ``J`` and ``J*`` are computed per problem).

    Args:
        problem: a ``FiniteMDP`` (tabular softmax ``theta[S, A]``; the estimators truncate trajectories at
            ``H = ceil(log(T + 1) / (1 - gamma))`` with ``T = iterations``) or a :class:`CauchyBandit`
            (``theta[k, 1]``; one-step episodes, ``J*`` the class's best).
        seeds: distinct non-negative ints; seed ``s`` runs on ``jax.random.PRNGKey(s)``.
        gamma_0: the step-size constant of the method's schedule (the paper tunes it per problem; no default).
        theta0: the start (default zeros: the uniform softmax policy / the Cauchy policy centred at 0).
        schedule: the step-size and momentum form, ``"paper"`` (default: the theorems' ``1/(t+1)`` base) or
            ``"code"`` (the authors' experiment code: ``2/(t+2)``, IGT extrapolating with ``eta_{t-1}``);
            ``tabular.policy_gradient.methods`` tabulates both.
        estimator: the gradient estimator, ``"gpomdp"`` (default: the truncated GPOMDP form, unbiased for
            ``grad J_H``) or ``"code"`` (the authors' code's reward-to-go without the ``gamma^k`` weight); the same
            on the one-step Cauchy bandit (``gamma^0 = 1``).

    Returns a DataFrame with columns ``seed, iteration, trajectories, gap``: ``iteration`` 0 is the start,
    ``trajectories`` the trajectories sampled by then (HARPG draws two per iteration). A regret learner's name is
    refused (it is measured by ``measure_regret``).
    """
    import jax
    import jax.numpy as jnp

    from boundlab.tabular import policy_gradient as pg
    from boundlab.tabular._checks import check_int

    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be the name of a gap method ({', '.join(GAP_ALGORITHMS)}), got "
                        f"{type(algorithm).__name__}")
    label, _ = resolve_kind(algorithm, "gap", "measure_gap")
    if label not in GAP_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(GAP_ALGORITHMS)}, got {algorithm!r}")
    check_problem(problem)
    T = check_int(iterations, "iterations")
    seeds = check_seeds(seeds)
    gamma_0 = check_real(gamma_0, "gamma_0", low=0.0, low_open=True)
    schedule = check_choice(schedule, "schedule", pg.SCHEDULES)
    estimator = check_choice(estimator, "estimator", pg.ESTIMATORS)
    method = getattr(pg, label.replace("-", "_"))
    if isinstance(problem, CauchyBandit):
        prob, shape = problem.problem(estimator), (problem.w_star.shape[0], 1)
    else:
        prob, shape = pg.tabular_problem(problem, T=T, estimator=estimator), problem.R.shape
    theta0 = jnp.zeros(shape) if theta0 is None else theta0
    keys = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
    run = pg.over_seeds(method, keys, prob, theta0, T=T, gamma_0=gamma_0, schedule=schedule)
    gap = gap_values(problem, np.asarray(run.thetas))
    trajectories = np.concatenate([np.zeros((len(seeds), 1)), np.asarray(run.trajectories)], axis=1)
    return pd.DataFrame({
        "seed": np.repeat(seeds, T + 1),
        "iteration": np.tile(np.arange(T + 1), len(seeds)),
        "trajectories": trajectories.reshape(-1).astype(np.int64),
        "gap": gap.reshape(-1),
    })
