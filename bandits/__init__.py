"""Bandits: stochastic K-armed bandits (models and learners); restless bandits, coRMAB domains, the Whittle index
and SEQUOIA come in later issues.

A K-armed bandit is a ``tabular.EpisodicMDP`` with one state and one step (:mod:`.models`), so the regret harness
(``bounds.measure_regret``, ``bounds.sweep``) measures its exact pseudo-regret per round, ``mu* - mu_{a_k}``. The
learners (:mod:`.learners`: UCB1, KL-UCB, Thompson sampling) return the tabular learners' ``LearnerRun`` and are
registered in ``bounds`` as ``"ucb1"``, ``"kl-ucb"``, ``"thompson"``; their regret bounds and the Lai-Robbins lower
bound are in ``bounds.bandit_bounds``.
"""

from .learners import kl_bernoulli, kl_ucb, kl_upper, thompson, ucb1
from .models import bandit_means, bernoulli_bandit, gaussian_bandit, is_bandit

__all__ = ["bandit_means", "bernoulli_bandit", "gaussian_bandit", "is_bandit", "kl_bernoulli", "kl_ucb", "kl_upper",
           "thompson", "ucb1"]
