"""Revealing POMDPs (Chen, Wang, Xiong, Mei & Bai 2023, "Lower bounds for learning in revealing POMDPs", ICML 2023,
arXiv 2302.01333): the harness's exact regret on :class:`~boundlab.tabular.revealing.RevealingProblem`, the lower
bounds as rates, and the measured regret slope on the toolkit's hard-instance families.

What is verified [V: the abstract and Table 1's skeleton] and what is not: multi-step (m >= 2) alpha-revealing POMDPs
need Omega(S^{1.5}) latent-state dependence in PAC sample complexity (Theorem 3.2) and any polynomial sublinear
regret is Omega(T^{2/3}) (Theorem 4.1); single-step revealing admits O~(sqrt(T)) regret (Theorem 6.2), with a
matching Omega(sqrt(T)) (Corollary 6.1). The theorems' other factors (O, A^m, alpha, H, and the eps^{-2} of the PAC
bound) were not retrievable: the functions below give the verified exponents with constant 1 and say so; the PAC rate's
``1 / eps^2`` is the usual form [R], not read in the paper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from boundlab.tabular._checks import check_int, check_real
from boundlab.tabular.learners import LearnerRun
from boundlab.tabular.revealing import RevealingProblem, history_optimal, history_values, revealing_problem

from .regret import measure_regret, register_model
from .slopes import bootstrap_slope

__all__ = ["RevealingSlope", "pac_lower_rate", "regret_exponent", "regret_lower_rate", "revealing_optimum",
           "revealing_regret", "revealing_slope"]


def revealing_optimum(problem: RevealingProblem) -> float:
    """``V*`` of ``problem.true`` from its initial belief over history-dependent policies (exact backward induction
    over observation-action histories, :func:`~boundlab.tabular.revealing.history_optimal`)."""
    if not isinstance(problem, RevealingProblem):
        raise TypeError(f"problem must be a RevealingProblem, got {type(problem).__name__}")
    return history_optimal(problem.true)[0]


def revealing_regret(problem: RevealingProblem, run: LearnerRun, optimum: float | None = None) -> np.ndarray:
    """Exact per-episode regret ``V* - V^{pi_k}`` in ``problem.true``, ``pi_k`` the history-dependent policy table
    ``run.policies[k]`` (one action per history, ``-1`` = uniform; as an
    :class:`~boundlab.tabular.learners.omle.OMLERun` records it), each distinct table evaluated once by backward
    induction over histories. Reads ``run.policies`` and ``run.starts`` (its length is K); ``ValueError`` when the
    tables do not fit the problem."""
    if optimum is None:
        optimum = revealing_optimum(problem)
    policies = np.asarray(run.policies)
    K = len(run.starts)
    if policies.ndim != 2 or policies.shape[0] != K:
        raise ValueError(f"run.policies must be one history-dependent policy table per episode, shape (K = {K}, "
                         f"n_histories), got {policies.shape}")
    return float(optimum) - history_values(problem.true, policies)


register_model(RevealingProblem, optimum=revealing_optimum, regret=revealing_regret)


# ------------------------------------------------------------------------------------------------------ lower bounds

def regret_exponent(steps: int) -> float:
    """The exponent of T in the minimax regret of ``steps``-step revealing POMDPs: 1/2 for ``steps = 1`` (Chen et al.
    2023, Thm 6.2 and Cor 6.1), 2/3 for ``steps >= 2`` (Thm 4.1: any polynomial sublinear regret is Omega(T^{2/3}))
    [V: abstract]."""
    return 0.5 if check_int(steps, "steps") == 1 else 2.0 / 3.0


def regret_lower_rate(T: int | np.ndarray, steps: int) -> np.ndarray:
    """``T^{regret_exponent(steps)}``: the lower bound's rate in T with constant 1 (the theorem's constant and its
    dependence on S, O, A, alpha, H are not stated here: rate only)."""
    T = np.asarray(T)
    if T.dtype.kind not in "iu" or np.any(T < 1):
        raise ValueError(f"T must be positive integers, got {T!r}")
    return T.astype(np.float64) ** regret_exponent(steps)


def pac_lower_rate(S: int, eps: float, steps: int = 2) -> float:
    """The latent-state dependence of the PAC lower bound with constant 1: ``S^{1.5} / eps^2`` for ``steps >= 2``
    (Chen et al. 2023, Thm 3.2; S^{1.5} [V: abstract], 1/eps^2 [R]) and ``S / eps^2`` for ``steps = 1``
    (Thm 3.1, the MDP-like linear dependence [R]). Rate only: the other factors are not stated here."""
    S = check_int(S, "S")
    eps = check_real(eps, "eps", low=0.0, high=1.0, low_open=True)
    return (S ** (1.5 if check_int(steps, "steps") >= 2 else 1.0)) / eps ** 2


# ----------------------------------------------------------------------------------------------------- slope check

@dataclass(frozen=True)
class RevealingSlope:
    """The log-log slope of total regret at ``T`` vs ``T`` (each T its own instance, ``eps = eps_scale T^-gamma``),
    its bootstrap CI over seeds, the lower bound's exponent, and the per-(seed, T) totals (``frame``: ``seed, T, eps,
    regret``)."""

    slope: float
    low: float
    high: float
    exponent: float
    frame: pd.DataFrame

    @property
    def below_lower_bound(self) -> bool:
        """Whether the whole CI lies below the lower bound's exponent (a learner beating the bound on its scaling:
        which, on instances where the bound speaks, would be a finding)."""
        return self.high < self.exponent


def revealing_slope(algorithm: str | Callable, T: Sequence[int], seeds: Iterable[int] = range(8), *, steps: int,
                    n_arms: int = 2, accuracy: float = 0.85, eps_scale: float = 1.0, good_arm: int = 1,
                    n_boot: int = 500, **params: object) -> RevealingSlope:
    """Measure regret on :func:`~boundlab.tabular.revealing.revealing_problem` at each horizon ``T`` (episodes), with
    the gap shrinking as the minimax argument picks it, ``eps = min(0.5, eps_scale T^{-(1 - exponent)})``
    (``T^{-1/2}`` single-step, ``T^{-1/3}`` multi-step: the gap at which exploring and exploiting cost the same), by
    ``bounds.measure_regret`` (exact regret), and fit ``log(mean total regret)`` vs ``log T`` with a percentile
    bootstrap over seeds (:func:`~boundlab.bounds.slopes.bootstrap_slope`). A slope whose CI holds the exponent is
    *consistent with* the lower bound on this family, not a proof of it. ``params`` go to the learner."""
    exponent = regret_exponent(steps)
    T = [check_int(t, f"T[{i}]", minimum=2) for i, t in enumerate(T)]
    if len(T) < 2 or len(set(T)) < len(T):
        raise ValueError(f"T must hold at least two distinct horizons, got {T}")
    eps_scale = check_real(eps_scale, "eps_scale", low=0.0, low_open=True)
    seeds = list(seeds)
    rows = []
    for t in sorted(T):
        eps = min(0.5, eps_scale * t ** (exponent - 1.0))
        problem = revealing_problem(n_arms, eps, accuracy, steps, good_arm)
        df = measure_regret(algorithm, problem, t, seeds, progress=False, **params)
        for seed, total in df.groupby("seed")["regret"].sum().items():
            rows.append({"seed": seed, "T": t, "eps": eps, "regret": total})
    frame = pd.DataFrame(rows)
    table = frame.pivot(index="seed", columns="T", values="regret").sort_index(axis=1)
    slope, low, high = bootstrap_slope(np.array(table.columns), table.to_numpy(), n_boot=n_boot)
    return RevealingSlope(slope, low, high, exponent, frame)
