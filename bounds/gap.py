"""The sample-complexity counterpart of :func:`~boundlab.bounds.measure_regret`: run a policy-gradient method and
measure its exact optimality gap ``J* - J(theta_t)`` after every iteration (Fatkhullin, Barakat, Kireeva & He,
ICML 2023, arXiv 2302.01734: their rates are for ``E[J* - J(theta_T)]`` against the number of trajectories).

Problems accepted so far: a ``tabular.FiniteMDP`` with the tabular softmax policy, whose ``J(theta)`` is exact
(discounted policy evaluation, ``tabular.policy_gradient.J``) and whose ``J*`` is the optimal value at the initial
distribution (``solvers.value_iteration`` to 1e-10). The seeds run together (``jax.vmap``); JAX is imported on first
use. Not yet: the continuous problems (quadrature), and runs through ``bounds.sweep`` and the store.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from boundlab import solvers
from boundlab.tabular import FiniteMDP

from .regret import check_seeds

#: The methods ``measure_gap`` runs, by name (the paper's order; the last is its normalised-momentum ablation).
GAP_ALGORITHMS = ("vanilla-pg", "n-pg-igt", "harpg", "n-harpg", "n-pg-momentum")


def measure_gap(algorithm: str, problem: FiniteMDP, iterations: int, seeds: int | Iterable[int] = (0,), *,
                gamma_0: float, theta0: np.ndarray | None = None) -> pd.DataFrame:
    """Run ``algorithm`` (one of :data:`GAP_ALGORITHMS`) for ``iterations`` iterations on each seed and measure
    ``gap = J* - J(theta_t)`` exactly.

    Args:
        problem: a ``FiniteMDP``; the policy is tabular softmax ``theta[S, A]`` and the estimators truncate
            trajectories at ``H = ceil(log(T + 1) / (1 - gamma))`` with ``T = iterations``.
        seeds: distinct non-negative ints; seed ``s`` runs on ``jax.random.PRNGKey(s)``.
        gamma_0: the step-size constant of the method's schedule (the paper tunes it per problem; no default).
        theta0: the start (default zeros: the uniform policy).

    Returns a DataFrame with columns ``seed, iteration, trajectories, gap``: ``iteration`` 0 is the start,
    ``trajectories`` the trajectories sampled by then (HARPG draws two per iteration).
    """
    import jax
    import jax.numpy as jnp

    from boundlab.tabular import policy_gradient as pg
    from boundlab.tabular._checks import check_int

    if not isinstance(algorithm, str) or algorithm not in GAP_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(GAP_ALGORITHMS)}, got {algorithm!r}")
    if not isinstance(problem, FiniteMDP):
        raise TypeError(f"problem must be a tabular.FiniteMDP (the continuous problems are not measured yet), got "
                        f"{type(problem).__name__}")
    T = check_int(iterations, "iterations")
    seeds = check_seeds(seeds)
    method = getattr(pg, algorithm.replace("-", "_"))
    S, A = problem.R.shape
    theta0 = jnp.zeros((S, A)) if theta0 is None else theta0
    prob = pg.tabular_problem(problem, T=T)
    keys = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
    run = pg.over_seeds(method, keys, prob, theta0, T=T, gamma_0=gamma_0)
    J = np.asarray(jax.jit(jax.vmap(jax.vmap(lambda th: pg.J(th, problem))))(run.thetas), dtype=np.float64)
    V = solvers.value_iteration(problem.P, problem.R, problem.gamma, tol=1e-10).V
    J_star = float(problem.initial @ V)
    trajectories = np.concatenate([np.zeros((len(seeds), 1)), np.asarray(run.trajectories)], axis=1)
    return pd.DataFrame({
        "seed": np.repeat(seeds, T + 1),
        "iteration": np.tile(np.arange(T + 1), len(seeds)),
        "trajectories": trajectories.reshape(-1).astype(np.int64),
        "gap": (J_star - J).reshape(-1),
    })
