"""Tabular learners: one file per algorithm, each a Numba kernel over K episodes (see each docstring)."""

from ._common import LearnerRun
from .greedy import eps_greedy, greedy
from .ucbvi import ucbvi_bf, ucbvi_ch
from .qlearning import ucb_b, ucb_h
from .psrl import psrl
from .mvp import mvp
from .lsvi_ucb import lsvi_ucb
