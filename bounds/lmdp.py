"""Latent MDPs with context in hindsight (Zhou, Wang & Du 2023, "Horizon-free and variance-dependent RL for latent
MDPs", ICML; arXiv:2210.11604): the harness's exact regret on :class:`~boundlab.tabular.lmdp.LatentMDP` and the
paper's bounds as rates.

[V: abstract] Upper bound ``O~(sqrt(Var* M Gamma S A K))`` (log factors and lower-order terms hidden; only
logarithmic in ``H``), lower bound ``Omega(sqrt(Var* M S A K))`` on instances with ``Gamma = 2``. The constants are
not encoded (rate only, constant 1). ``Var*`` is computed by :func:`boundlab.tabular.lmdp.var_star` (a labelled
reconstruction of the paper's definition).

Exact regret: episode ``k``'s regret is ``V* - V^{pi_k}``, ``V*`` the optimum over history-dependent policies
(:func:`~boundlab.tabular.lmdp.plan`) and ``V^{pi_k}`` the exact value of the policy the learner committed to
(:func:`~boundlab.tabular.lmdp.evaluate_policy` on the run's epoch tables), both in expectation over the context and
the initial state; both enumerate reachable histories and refuse models past ``tabular.lmdp.MAX_NODES`` nodes per
step.
"""

from __future__ import annotations

import math

import numpy as np

from boundlab.tabular._checks import check_int, check_real
from boundlab.tabular.learners import LearnerRun
from boundlab.tabular.learners.lmdp_value import LMDPRun, policy_values
from boundlab.tabular.lmdp import LatentMDP, plan

from .regret import register_model
from .theorems import Bound

__all__ = ["GAMMA_LOWER", "lmdp_lower_bound", "lmdp_optimum", "lmdp_regret", "lmdp_upper_bound"]

#: The transition degree of the paper's lower-bound instances (abstract: "with Gamma = 2").
GAMMA_LOWER = 2
_SOURCE = "Zhou, Wang & Du 2023 (ICML; arXiv:2210.11604), abstract"


def lmdp_optimum(model: LatentMDP) -> float:
    """``V*`` of ``model`` over history-dependent policies (exact, :func:`~boundlab.tabular.lmdp.plan`)."""
    if not isinstance(model, LatentMDP):
        raise TypeError(f"model must be a LatentMDP, got {type(model).__name__}")
    return plan(model).value


def lmdp_regret(model: LatentMDP, run: LearnerRun, optimum: float | None = None) -> np.ndarray:
    """Exact per-episode regret ``V* - V^{pi_k}`` of an :class:`~boundlab.tabular.learners.lmdp_value.LMDPRun`:
    reads ``epoch`` (which epoch's policy episode ``k`` played) and the epoch tables ``Q``, ``counts``, ``P_hat``,
    ``r_hat``, ``init_counts``; each epoch's belief-greedy policy is evaluated once. ``ValueError`` when the run
    does not fit the model (another learner's record, other sizes)."""
    if not isinstance(model, LatentMDP):
        raise TypeError(f"model must be a LatentMDP, got {type(model).__name__}")
    if not isinstance(run, LMDPRun):
        raise ValueError(f"a LatentMDP's regret needs an LMDPRun (a latent-MDP learner's record), got "
                         f"{type(run).__name__}")
    M, H, S, A = model.M, model.H, model.S, model.A
    if run.Q.shape[1:] != (M, H, S, A) or run.P_hat.shape[-1] != S:
        raise ValueError(f"the run's tables Q{run.Q.shape[1:]} do not fit the model (M, H, S, A) = {(M, H, S, A)}")
    V_star = lmdp_optimum(model) if optimum is None else check_real(optimum, "optimum", low=0.0, high=1.0)
    return V_star - policy_values(model, run)[run.epoch]


register_model(LatentMDP, optimum=lmdp_optimum, regret=lmdp_regret)


def _sizes(var_star, M, S, A, K):
    for name, v in (("M", M), ("S", S), ("A", A), ("K", K)):
        check_int(v, name)
    return check_real(var_star, "var_star", low=0.0, high=1.0)


def lmdp_upper_bound(*, var_star: float, M: int, S: int, A: int, K: int, Gamma: int) -> Bound:
    """Rate ``sqrt(Var* M Gamma S A K)`` of the paper's upper bound (both solvers; constants and log factors not
    encoded, ``value`` None)."""
    v = _sizes(var_star, M, S, A, K)
    Gamma = check_int(Gamma, "Gamma")
    if Gamma > S:
        raise ValueError(f"Gamma must be at most S = {S}, got {Gamma}")
    return Bound("lmdp", None, math.sqrt(v * M * Gamma * S * A * K), 0.5,
                 f"{_SOURCE}: O~(sqrt(Var* M Gamma S A K)), log factors and constants not encoded")


def lmdp_lower_bound(*, var_star: float, M: int, S: int, A: int, K: int) -> Bound:
    """Rate ``sqrt(Var* M S A K)`` of the paper's lower bound (instances with ``Gamma = 2``; constant not encoded).
    The toolkit's instance family is :func:`~boundlab.tabular.lmdp.lower_bound_instance` (a reconstruction)."""
    v = _sizes(var_star, M, S, A, K)
    return Bound("lmdp-lower", None, math.sqrt(v * M * S * A * K), 0.5,
                 f"{_SOURCE}: Omega(sqrt(Var* M S A K)) with Gamma = 2, constant not encoded")
