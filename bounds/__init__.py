"""Each paper's bounds as code, exact regret measurement, sweeps, plots and the ``boundlab`` command."""

from .regret import measure_regret, regret_of_run
from .registry import algorithms, learner, register

__all__ = ["algorithms", "learner", "measure_regret", "regret_of_run", "register"]
