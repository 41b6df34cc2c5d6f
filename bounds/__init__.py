"""Each paper's bounds as code, exact regret measurement, sweeps, plots and the ``boundlab`` command."""

from . import plots
from .actor_critic_bounds import OfflineCondition, offline_requirement
from .adversarial import AdversarialRate, adversarial_rate
from .bandit_bounds import (bandit_premise, bandit_upper_bound, bernoulli_kl, gaps, lai_robbins,
                            lai_robbins_constant, lai_robbins_ratio)
from .cormab import CoRMABInstance, measure_comparison
from .fingerprint import fingerprint
from .gap import GAP_ALGORITHMS, CauchyBandit, cauchy_bandit_k3, measure_gap
from .gap_bounds import GapRate, bias_floor, gap_bound, gap_rate, sample_complexity
from .grouping import (approximation_error, grouping_bound, grouping_check_rows, grouping_loss, grouping_trade_off,
                       select_grouping, select_grouping_fast)
from .kinds import Kind, kind_names, register_kind
from .lmdp import lmdp_lower_bound, lmdp_upper_bound
from .regret import measure_regret, register_model, regret_of_run
from .revealing import (RevealingPAC, RevealingSlope, pac_episodes, pac_lower_rate, regret_lower_rate,
                        revealing_pac_slope, revealing_slope)
from .registry import algorithms, kind, learner, learner_params, register
from .slopes import LocalSlopes, Slope, cumulative_regret, local_slopes, loglog_slope, mean_ci
from .step_size import (learning_curves, plot_learning_curves, plot_step_size, step_size_summary,
                        step_size_sweep)
from .store import Store
from .submodular import measure_subpo
from .sweep import sweep
from .theorems import Bound, hard_family_lower_bound, informative_range, lower_bound, upper_bound

__all__ = [
    "AdversarialRate", "Bound", "CauchyBandit", "CoRMABInstance", "GAP_ALGORITHMS", "GapRate", "Kind", "LocalSlopes",
    "OfflineCondition", "RevealingPAC", "RevealingSlope", "Slope", "Store", "adversarial_rate", "algorithms",
    "approximation_error", "bandit_premise", "bandit_upper_bound", "bernoulli_kl", "bias_floor", "cauchy_bandit_k3",
    "cumulative_regret", "fingerprint", "gap_bound", "gap_rate", "gaps", "grouping_bound", "grouping_check_rows",
    "grouping_loss", "grouping_trade_off", "hard_family_lower_bound", "informative_range", "kind", "kind_names",
    "lai_robbins", "lai_robbins_constant", "lai_robbins_ratio", "learner", "learner_params", "learning_curves",
    "lmdp_lower_bound", "lmdp_upper_bound", "local_slopes", "loglog_slope", "lower_bound", "mean_ci",
    "measure_comparison", "measure_gap", "measure_regret", "measure_subpo", "offline_requirement", "pac_episodes",
    "pac_lower_rate", "plot_learning_curves", "plot_step_size", "plots", "register", "register_kind", "register_model",
    "regret_lower_rate", "regret_of_run", "revealing_pac_slope", "revealing_slope", "sample_complexity",
    "select_grouping", "select_grouping_fast", "step_size_summary", "step_size_sweep", "sweep", "upper_bound",
]
