"""Finite models (MDP, episodic MDP, linear MDP, POMDP), built-in instances and simulators (Numba, JAX, gymnasium)."""

from .adversarial import AdversarialMDP
from .convert import from_gymnasium, from_mdptoolbox
from .grouping import (
    ActionGroupedMDP,
    action_grouped_mdp,
    action_grouped_mdps,
    grouped_rl,
    grouping_of,
    lift,
    nested_groupings,
)
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
from .lmdp import LatentMDP, horizon_padded, signal_instance, var_star
from .lmdp import chain_instance as lmdp_chain_instance
from .lmdp import lower_bound_instance as lmdp_lower_bound_instance
from .lmdp import plan as plan_lmdp
from .lmdp import simulate as simulate_lmdp
from .lock import combination_lock
from .models import EpisodicMDP, FiniteMDP, LinearMDP
from .pomdp import (
    POMDP,
    POMDPTrajectories,
    belief_update,
    belief_update_batch,
    belief_update_nb,
    simulate_alpha_policy,
    simulate_pomdp,
)
from .pomdp_file import PomdpSpec, parse_pomdp, read_pomdp
from .pomdp_instances import (
    ROCKSAMPLE_LAYOUTS,
    TAG_CELLS,
    RockSampleArrays,
    crying_baby,
    rocksample,
    rocksample_arrays,
    tag,
    tiger,
)
from .revealing import (RevealingProblem, emission_action_matrix, paired_signs, pomdp_revealing_constant,
                        revealing_bandit, revealing_constant, revealing_problem, uniformity_pac_class,
                        uniformity_pac_pomdp, uniformity_pac_problem, uniformity_testing_pomdp)
from .rewards import BernoulliRewards, GaussianRewards
from .submodular import (GPInformation, ItemCollection, UserSetFunction, WeightedCoverage, check_submodular, curvature,
                         density_map, gaussian_bumps)
from .search_domains import (
    TABLE_LIMIT,
    SearchDomain,
    digraph,
    lights_out,
    meta_actions,
    pancake,
    random_digraph,
    sliding_puzzle,
)
from .simulate import AliasSampler, Trajectories, simulate

_LAZY = {name: ".search_heuristics" for name in (
    "NetworkHeuristic", "q_learning_targets", "train_qnetwork", "train_value_network", "value_targets")}


def __getattr__(name: str):
    """The learned search heuristics import JAX, so they load on first use."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ActionGroupedMDP", "AdversarialMDP", "AliasSampler", "BernoulliRewards", "ENVS", "EpisodicMDP", "FiniteMDP",
    "GPInformation", "GaussianRewards", "ItemCollection", "LatentMDP", "LinearMDP", "NetworkHeuristic", "POMDP",
    "POMDPTrajectories", "PomdpSpec", "ROCKSAMPLE_LAYOUTS", "RevealingProblem", "RockSampleArrays", "SearchDomain",
    "TABLE_LIMIT", "TAG_CELLS", "Trajectories", "UserSetFunction", "WeightedCoverage", "action_grouped_mdp",
    "action_grouped_mdps", "belief_update", "belief_update_batch", "belief_update_nb", "chain", "check_submodular",
    "combination_lock", "crying_baby", "curvature", "density_map", "digraph", "dirichlet_mdp", "emission_action_matrix",
    "from_gymnasium", "from_mdptoolbox", "garnet", "garnet_transitions", "gaussian_bumps", "gridworld", "grouped_rl",
    "grouping_of", "horizon_padded", "lift", "lights_out", "lmdp_chain_instance", "lmdp_lower_bound_instance", "make",
    "meta_actions", "minimax_hard_family", "minimax_hard_instance", "nested_groupings", "paired_signs", "pancake",
    "parse_pomdp", "plan_lmdp", "pomdp_revealing_constant", "q_learning_targets", "random_digraph", "random_linear_mdp",
    "read_pomdp", "revealing_bandit", "revealing_constant", "revealing_problem", "riverswim", "rocksample",
    "rocksample_arrays", "signal_instance", "simulate", "simulate_alpha_policy", "simulate_lmdp", "simulate_pomdp",
    "six_arms", "sliding_puzzle", "tag", "tiger", "train_qnetwork", "train_value_network", "uniformity_pac_class",
    "uniformity_pac_pomdp", "uniformity_pac_problem", "uniformity_testing_pomdp", "value_targets", "var_star",
]
