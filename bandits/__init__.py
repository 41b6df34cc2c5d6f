"""Bandits: stochastic K-armed bandits (models and learners), restless bandits with the Whittle index and the
relaxation bound, and the four coRMAB domains (:mod:`.cormab`); SEQUOIA comes in a later issue.

A K-armed bandit is a ``tabular.EpisodicMDP`` with one state and one step (:mod:`.models`), so the regret harness
(``bounds.measure_regret``, ``bounds.sweep``) measures its exact pseudo-regret per round, ``mu* - mu_{a_k}``. The
learners (:mod:`.learners`: UCB1, KL-UCB, Thompson sampling) return the tabular learners' ``LearnerRun`` and are
registered in ``bounds`` as ``"ucb1"``, ``"kl-ucb"``, ``"thompson"``; their regret bounds and the Lai-Robbins lower
bound are in ``bounds.bandit_bounds``.

Restless bandits (:mod:`.restless`: ``RestlessBandit``, ``random_restless_bandit``, index policies under a budget
``B`` and the Numba simulator ``simulate_restless``; :mod:`.whittle`: ``whittle_indices`` with the indexability
check, ``relaxation_bound`` and ``lagrangian_bound``, Whittle's Lagrangian upper bound on the discounted optimum)
show every policy's value as a fraction of an upper bound.

Coupled restless bandits with combinatorial actions (:mod:`.cormab`; Xu, Wilder, Khalil & Tambe, ICLR 2025): the
multiple-interventions (sigmoid link), capacity-, schedule- and path-constrained domains with the authors' generators
(``sigmoid_domain``, ``capacity_domain``, ``schedule_domain``, ``routing_domain``), each with its feasible set as
linear constraints (``ActionConstraints``), a feasibility check and a simulator; ``maximize_cormab`` solves
``max f(a, s) + c @ a`` over a domain's feasible actions with SCIP.
"""

from .cormab import (ActionConstraints, CapacityDomain, CoRMABEnv, RoutingDomain, ScheduleDomain, SigmoidDomain,
                     capacity_domain, routing_domain, schedule_domain, sigmoid_domain, transit_network)
from .cormab import maximize as maximize_cormab
from .learners import kl_bernoulli, kl_ucb, kl_upper, thompson, ucb1
from .models import bandit_means, bernoulli_bandit, gaussian_bandit, is_bandit
from .restless import RestlessBandit, budget_actions, myopic_priority, random_restless_bandit, simulate_restless
from .whittle import RelaxationBound, WhittleIndices, lagrangian_bound, relaxation_bound, whittle_indices

__all__ = ["ActionConstraints", "CapacityDomain", "CoRMABEnv", "RelaxationBound", "RoutingDomain", "ScheduleDomain",
           "SigmoidDomain", "capacity_domain", "maximize_cormab", "routing_domain", "schedule_domain", "sigmoid_domain",
           "transit_network", "RestlessBandit", "WhittleIndices", "bandit_means", "bernoulli_bandit", "budget_actions",
           "gaussian_bandit", "is_bandit", "kl_bernoulli", "kl_ucb", "kl_upper", "lagrangian_bound", "myopic_priority",
           "random_restless_bandit", "relaxation_bound", "simulate_restless", "thompson", "ucb1", "whittle_indices"]
