"""Bandits: stochastic K-armed bandits (models and learners), restless bandits with the Whittle index and the
relaxation bound, the four coRMAB domains (:mod:`.cormab`), SEQUOIA (:mod:`.sequoia`) and its baselines
(:mod:`.cormab_policies`).

A K-armed bandit is a ``tabular.EpisodicMDP`` with one state and one step (:mod:`.models`), so the regret harness
(``bounds.measure_regret``, ``bounds.sweep``) measures its exact pseudo-regret per round, ``mu* - mu_{a_k}``. The
learners (:mod:`.learners`: UCB1, KL-UCB, Thompson sampling) return the tabular learners' ``LearnerRun`` and are
registered in ``bounds`` as ``"ucb1"``, ``"kl-ucb"``, ``"thompson"``; their regret bounds and the Lai-Robbins lower
bound are in ``bounds.bandit_bounds``.

Restless bandits (:mod:`.restless`: ``RestlessBandit``, ``random_restless_bandit``, index policies under a budget
``B`` and the Numba simulator ``simulate_restless``; :mod:`.whittle`: ``whittle_indices`` with the indexability
check, ``finite_horizon_whittle_indices`` (per
steps to go), ``relaxation_bound`` and ``lagrangian_bound``, Whittle's Lagrangian upper bound on the discounted optimum)
show every policy's value as a fraction of an upper bound.

Coupled restless bandits with combinatorial actions (:mod:`.cormab`; Xu, Wilder, Khalil & Tambe, ICLR 2025): the
multiple-interventions (sigmoid link), capacity-, schedule- and path-constrained domains with the authors' generators
(``sigmoid_domain``, ``capacity_domain``, ``schedule_domain``, ``routing_domain``), each with its feasible set as
linear constraints (``ActionConstraints``), a feasibility check and a simulator; ``maximize_cormab`` solves
``max f(a, s) + c @ a`` over a domain's feasible actions with SCIP. SEQUOIA (``train_sequoia`` -> ``Sequoia``): a
Q-network on (state, action) trained by DQN whose every greedy action and target max is that MILP (JAX/optax, loaded
on first use); the baselines null, random, sampling, myopic, iterative myopic, iterative DQN and Whittle (budget-only
``BudgetDomain``), ``evaluate`` (the paper's protocol) and ``joint_dp`` (the exact optimum on tiny instances).
"""

from .cormab import (ActionConstraints, BudgetDomain, CapacityDomain, CoRMABEnv, RoutingDomain, ScheduleDomain,
                     SigmoidDomain, budget_domain, capacity_domain, routing_domain, schedule_domain, sigmoid_domain,
                     transit_network)
from .cormab import maximize as maximize_cormab
from .cormab_policies import (FiniteHorizonIndexPolicy, compare, evaluate, iterative_dqn_policy,
                              iterative_myopic_policy, joint_dp, make_domain, myopic_policy, null_policy,
                              random_policy, sampling_policy, whittle_policy)
from .learners import kl_bernoulli, kl_ucb, kl_upper, thompson, ucb1
from .models import bandit_means, bernoulli_bandit, gaussian_bandit, is_bandit
from .restless import RestlessBandit, budget_actions, myopic_priority, random_restless_bandit, simulate_restless
from .sequoia import QNetworkMilp, Sequoia, SequoiaConfig, feasible_actions, train_sequoia
from .whittle import (FiniteHorizonWhittleIndices, RelaxationBound, WhittleIndices, finite_horizon_whittle_indices,
                      lagrangian_bound, relaxation_bound, whittle_indices)

__all__ = [
    "ActionConstraints", "BudgetDomain", "CapacityDomain", "CoRMABEnv", "FiniteHorizonIndexPolicy",
    "FiniteHorizonWhittleIndices", "QNetworkMilp", "RelaxationBound", "RestlessBandit", "RoutingDomain",
    "ScheduleDomain", "Sequoia", "SequoiaConfig", "SigmoidDomain", "WhittleIndices", "bandit_means", "bernoulli_bandit",
    "budget_actions", "budget_domain", "capacity_domain", "compare", "evaluate", "feasible_actions",
    "finite_horizon_whittle_indices", "gaussian_bandit", "is_bandit", "iterative_dqn_policy", "iterative_myopic_policy",
    "joint_dp", "kl_bernoulli", "kl_ucb", "kl_upper", "lagrangian_bound", "make_domain", "maximize_cormab",
    "myopic_policy", "myopic_priority", "null_policy", "random_policy", "random_restless_bandit", "relaxation_bound",
    "routing_domain", "sampling_policy", "schedule_domain", "sigmoid_domain", "simulate_restless", "thompson",
    "train_sequoia", "transit_network", "ucb1", "whittle_indices", "whittle_policy",
]
