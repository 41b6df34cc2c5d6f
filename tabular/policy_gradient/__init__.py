"""Stochastic policy gradient for Fisher-non-degenerate policies (Fatkhullin, Barakat, Kireeva & He, ICML 2023,
arXiv 2302.01734) in JAX: policies, pure JAX environments, the truncated one-trajectory gradient and
Hessian-vector-product estimators, the methods (vanilla PG, N-PG-IGT, (N)-HARPG, the normalised-momentum ablation),
exact objectives of tabular MDPs, and the Fisher matrices and Lemma 1's terms (``fisher``). Imports JAX (load it as
``boundlab.tabular.policy_gradient``)."""

from .envs import (
    BanditParams,
    CartPole,
    CartPoleParams,
    ContextualBandit,
    LinearParams,
    LinearSystem,
    TabularEnv,
    bandit_params,
    bandit_value,
    bounded_linear_value,
    cartpole_problem,
    linear_params,
    linear_problem,
    lqr_value,
)
from .estimators import (
    ESTIMATORS,
    PGProblem,
    Trajectory,
    bandit_problem,
    gradient,
    hvp,
    reward_to_go,
    rollout,
    surrogate,
    tabular_problem,
    truncation_horizon,
)
from .exact import J, J_H, occupancy
from .fisher import Lemma1, bandit_gradient, bandit_lemma1, fisher_matrix, linear_system_fisher, mu_F
from .methods import (
    METHODS,
    PGRun,
    SCHEDULES,
    harpg,
    n_harpg,
    n_pg_igt,
    n_pg_momentum,
    over_seeds,
    schedule,
    vanilla_pg,
)
from .policies import LinearCauchy, LinearGaussian, MLPSoftmax, Softmax

__all__ = [
    "BanditParams", "CartPole", "CartPoleParams", "ContextualBandit", "ESTIMATORS", "J", "J_H", "Lemma1",
    "LinearCauchy", "LinearGaussian", "LinearParams", "LinearSystem", "METHODS", "MLPSoftmax", "PGProblem", "PGRun",
    "SCHEDULES", "Softmax", "TabularEnv", "Trajectory", "bandit_gradient", "bandit_lemma1", "bandit_params",
    "bandit_problem", "bandit_value", "bounded_linear_value", "cartpole_problem", "fisher_matrix", "gradient",
    "harpg", "hvp",
    "linear_params", "linear_problem", "linear_system_fisher", "lqr_value", "mu_F", "n_harpg", "n_pg_igt",
    "n_pg_momentum", "occupancy", "over_seeds", "reward_to_go", "rollout", "schedule", "surrogate",
    "tabular_problem", "truncation_horizon", "vanilla_pg",
]
