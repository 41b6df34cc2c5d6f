"""Planners and optimisers on plain arrays: ``P[s, a, s']`` (or sparse ``(S*A, S)``), ``R[s, a]``, ``gamma``.

Imports nothing else of boundlab, so it can be used on any model::

    from boundlab.solvers import value_iteration
    result = value_iteration(P, R, gamma=0.9)
    result.V, result.policy, result.error_bound
"""

from .evaluation import policy_evaluation
from .heuristic_search import HSVIResult, hsvi
from .finite_horizon import backward_induction, evaluate_policies, finite_horizon_evaluation
from .linear_programming import linear_programming
from .policy_iteration import policy_iteration
from .pomcp import ParticleBelief, ParticleDeprivation, POMCPResult, pomcp, pomcp_update, pouct
from .pomdp_bounds import POMDPBound, fib, pbvi, qmdp
from .pomdp_value_iteration import POMDPValueFunction, pomdp_value_iteration
from .relu_milp import (ParametricReluNetwork, ReluMilpResult, add_parametric_relu_network, add_relu_network,
                        maximize_relu_network, relu_layers_from_params)
from .result import PlanningResult
from .search import SearchResult, astar, qstar
from .select import solve
from .value_iteration import modified_policy_iteration, value_iteration

__all__ = [
    "HSVIResult", "POMCPResult", "POMDPBound", "POMDPValueFunction", "ParametricReluNetwork", "ParticleBelief",
    "ParticleDeprivation", "PlanningResult", "ReluMilpResult", "SearchResult", "add_parametric_relu_network",
    "add_relu_network", "astar", "backward_induction", "evaluate_policies", "fib", "finite_horizon_evaluation", "hsvi",
    "linear_programming", "maximize_relu_network", "modified_policy_iteration", "pbvi", "policy_evaluation",
    "policy_iteration", "pomcp", "pomcp_update", "pomdp_value_iteration", "pouct", "qmdp", "qstar",
    "relu_layers_from_params", "solve", "value_iteration",
]
