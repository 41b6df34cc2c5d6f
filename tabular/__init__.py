"""Finite models (MDP, episodic MDP, linear MDP), built-in instances and simulators (Numba, JAX, gymnasium)."""

from .convert import from_gymnasium, from_mdptoolbox
from .instances import (
    ENVS,
    chain,
    dirichlet_mdp,
    garnet,
    garnet_transitions,
    gridworld,
    make,
    minimax_hard_family,
    minimax_hard_instance,
    random_linear_mdp,
    riverswim,
    six_arms,
)
from .models import EpisodicMDP, FiniteMDP, LinearMDP
from .rewards import BernoulliRewards, GaussianRewards
from .simulate import AliasSampler, Trajectories, simulate

__all__ = [
    "ENVS", "AliasSampler", "BernoulliRewards", "EpisodicMDP", "FiniteMDP", "GaussianRewards", "LinearMDP",
    "Trajectories", "chain", "dirichlet_mdp", "from_gymnasium", "from_mdptoolbox", "garnet", "garnet_transitions",
    "gridworld", "make", "minimax_hard_family", "minimax_hard_instance", "random_linear_mdp", "riverswim", "simulate",
    "six_arms",
]
