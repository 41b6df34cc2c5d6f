"""Each paper's bounds as code, exact regret measurement, sweeps, plots and the ``boundlab`` command."""

from . import plots
from .bandit_bounds import (bandit_upper_bound, bernoulli_kl, gaps, lai_robbins, lai_robbins_constant,
                            lai_robbins_ratio)
from .fingerprint import fingerprint
from .gap import GAP_ALGORITHMS, measure_gap
from .grouping import (approximation_error, grouping_bound, grouping_check_rows, grouping_loss, grouping_trade_off,
                       select_grouping, select_grouping_fast)
from .regret import measure_regret, regret_of_run
from .registry import algorithms, learner, learner_params, register
from .slopes import LocalSlopes, Slope, cumulative_regret, local_slopes, loglog_slope, mean_ci
from .store import Store
from .sweep import sweep
from .theorems import Bound, hard_family_lower_bound, informative_range, lower_bound, upper_bound

__all__ = [
    "Bound", "GAP_ALGORITHMS", "LocalSlopes", "Slope", "Store", "algorithms", "approximation_error",
    "bandit_upper_bound", "bernoulli_kl", "cumulative_regret", "fingerprint", "gaps", "grouping_bound",
    "grouping_check_rows", "grouping_loss", "grouping_trade_off", "hard_family_lower_bound", "informative_range",
    "lai_robbins", "lai_robbins_constant", "lai_robbins_ratio", "learner", "learner_params", "local_slopes",
    "loglog_slope", "lower_bound", "mean_ci", "measure_gap", "measure_regret", "plots", "register", "regret_of_run",
    "select_grouping", "select_grouping_fast", "sweep", "upper_bound",
]
