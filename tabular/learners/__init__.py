"""Tabular learners: one file per algorithm, each a Numba kernel over K episodes (see each docstring)."""

from ._common import LearnerRun
from .greedy import eps_greedy, greedy
from .lsvi_ucb import lsvi_ucb
from .mvp import mvp
from .psrl import psrl
from .qlearning import ucb_b, ucb_h
from .ucbvi import ucbvi_bf, ucbvi_ch

__all__ = ["LearnerRun", "eps_greedy", "greedy", "lsvi_ucb", "mvp", "psrl", "ucb_b", "ucb_h", "ucbvi_bf", "ucbvi_ch"]
