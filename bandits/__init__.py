"""Bandits: stochastic K-armed bandits (models and learners), restless bandits with the Whittle index and the
relaxation bound; coRMAB domains and SEQUOIA come in later issues.

A K-armed bandit is a ``tabular.EpisodicMDP`` with one state and one step (:mod:`.models`), so the regret harness
(``bounds.measure_regret``, ``bounds.sweep``) measures its exact pseudo-regret per round, ``mu* - mu_{a_k}``. The
learners (:mod:`.learners`: UCB1, KL-UCB, Thompson sampling) return the tabular learners' ``LearnerRun`` and are
registered in ``bounds`` as ``"ucb1"``, ``"kl-ucb"``, ``"thompson"``; their regret bounds and the Lai-Robbins lower
bound are in ``bounds.bandit_bounds``.

Restless bandits (:mod:`.restless`: ``RestlessBandit``, ``random_restless_bandit``, index policies under a budget
``B`` and the Numba simulator ``simulate_restless``; :mod:`.whittle`: ``whittle_indices`` with the indexability
check, ``relaxation_bound`` and ``lagrangian_bound``, Whittle's Lagrangian upper bound on the discounted optimum)
show every policy's value as a fraction of an upper bound.
"""

from .learners import kl_bernoulli, kl_ucb, kl_upper, thompson, ucb1
from .models import bandit_means, bernoulli_bandit, gaussian_bandit, is_bandit
from .restless import RestlessBandit, budget_actions, myopic_priority, random_restless_bandit, simulate_restless
from .whittle import RelaxationBound, WhittleIndices, lagrangian_bound, relaxation_bound, whittle_indices

__all__ = ["RelaxationBound", "RestlessBandit", "WhittleIndices", "bandit_means", "bernoulli_bandit", "budget_actions",
           "gaussian_bandit", "is_bandit", "kl_bernoulli", "kl_ucb", "kl_upper", "lagrangian_bound", "myopic_priority",
           "random_restless_bandit", "relaxation_bound", "simulate_restless", "thompson", "ucb1", "whittle_indices"]
