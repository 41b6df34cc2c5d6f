"""OMLE on a finite model class, and explore-then-commit built on it, for episodic POMDPs
(:class:`~boundlab.tabular.revealing.RevealingProblem`).

OMLE (optimistic maximum likelihood; Liu, Chung, Szepesvari & Jin 2022, "When is partially observable RL not
scary?", Algorithm 1; the learner of Chen, Bai & Mei 2022 for revealing POMDPs): before episode ``k`` the confidence
set is ``{theta in class : L_k(theta) >= max_theta' L_k(theta') - beta}`` with ``L_k(theta) = sum_{j<k} log
P_theta(o^j_{1:H} | a^j_{0:H-1})`` the exact log-likelihood of the observed episodes (the policy's own action
probabilities cancel between models), and the learner plays an optimal policy of the set's most optimistic model,
``argmax_{theta in set} max_pi V^pi_theta``; over a finite class that is the model with the largest ``V*`` (exact,
:func:`~boundlab.tabular.revealing.history_optimal`; equal values to 1e-12 go to the larger likelihood, then the
lowest index: the paper leaves ties open). ``beta = bonus_scale log(|class| / delta)``: the finite-class form of the
paper's ``beta`` with its absolute constant set to 1 [the constant is recalled, not re-read]. With ``bonus_scale >=
1`` the true model (when in the class) stays in every episode's set w.p. >= 1 - delta: each rival's likelihood ratio
to the truth is a non-negative martingale of mean 1, so by Ville's inequality it ever exceeds ``|class| / delta``
w.p. <= ``delta / |class|``; a union bound over the rivals. The learner observes observations only, never rewards or
latent states (the reward function is each model's, known to it).

Explore-then-commit (``omle-etc``; the T^{2/3} strategy behind the starred multi-step regret upper bound of Chen et
al. 2023, Table 1 [R: reading of the star]): ``N = ceil(explore_scale K^{2/3})`` episodes under the uniformly random
policy (the toolkit's exploration policy; the PAC algorithm of Chen et al. 2022a explores with OMLE's own
explorative policies), then OMLE's optimistic choice from the confidence set of that data, committed to for the rest.

Both return an :class:`OMLERun`: ``policies[k]`` is episode ``k``'s whole history-dependent policy table (one action
per observation-action history, :func:`~boundlab.tabular.revealing.history_count`; ``-1`` = uniform there), which
the harness evaluates exactly in the true model (``bounds.revealing.revealing_regret``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._checks import Seed, check_real
from .._rng import next_uniform
from ..instances import as_generator
from ..pomdp import _cdf, _draw
from ..revealing import RevealingProblem, history_count, history_log_likelihoods, history_optimal
from ._common import LearnerRun, check_bonus_scale, check_delta, check_episodes, knobs


@dataclass(frozen=True)
class OMLERun(LearnerRun):
    """A :class:`LearnerRun` whose ``policies[k, i]`` is the action of episode ``k``'s policy at history ``i``
    (``-1``: uniform), ``starts`` all 0 (every episode starts from the initial belief). ``model_index[k]``: the class
    member whose optimal policy episode ``k`` played (``-1``: the uniform exploration policy); ``n_explore``: the
    exploration episodes (0 for OMLE); ``histories[k]``: the index of episode ``k``'s complete observation-action
    history (level ``H`` of :func:`~boundlab.tabular.revealing.history_count`'s order: the learner's data);
    ``log_likelihood[i]``: class member ``i``'s log-likelihood of the data it learnt from (every episode for OMLE,
    the exploration episodes for explore-then-commit); ``beta``: the confidence set's slack."""

    model_index: np.ndarray | None = None
    n_explore: int = 0
    histories: np.ndarray | None = None
    log_likelihood: np.ndarray | None = None
    beta: float = 0.0


@njit(cache=True, nogil=True)
def _run_kernel(cdf_P, cdf_O, cdf_init, R, H, tables, logp, vstar, beta, n_explore, commit, K, seed):
    """``K`` episodes: pick the class member (the exploration phase's ``-1``, the committed choice, or OMLE's
    optimistic member of the confidence set), play its table, add every member's log-likelihood of the episode."""
    M = tables.shape[0]
    S, A = R.shape
    n_obs = cdf_O.shape[2]
    LL = np.zeros(M)
    chosen = np.empty(K, dtype=np.int64)
    histories = np.empty(K, dtype=np.int64)
    returns = np.zeros(K)
    committed = -1
    rng = np.uint64(seed)
    for k in range(K):
        if k < n_explore:
            m = -1
        elif commit and committed >= 0:
            m = committed
        else:
            best = LL.max()
            m = -1
            for i in range(M):
                if LL[i] >= best - beta and (m < 0 or vstar[i] > vstar[m] + 1e-12
                                             or (vstar[i] >= vstar[m] - 1e-12 and LL[i] > LL[m])):
                    m = i
            committed = m
        chosen[k] = m
        rng, u = next_uniform(rng)
        s = _draw(cdf_init, u)
        h, off, width = 0, 0, 1
        for _ in range(H):
            if m < 0:
                rng, u = next_uniform(rng)
                a = min(int(u * A), A - 1)
            else:
                a = tables[m, off + h]
            returns[k] += R[s, a]
            rng, u = next_uniform(rng)
            s = _draw(cdf_P[s, a], u)
            rng, u = next_uniform(rng)
            o = _draw(cdf_O[a, s], u)
            h = h * (A * n_obs) + a * n_obs + o
            off += width
            width *= A * n_obs
        histories[k] = h
        if not (commit and k >= n_explore):
            LL += logp[:, h]
    return chosen, returns, histories, LL


def _run(problem: RevealingProblem, K, seed: Seed, *, delta, bonus_scale, n_explore, commit: bool) -> OMLERun:
    if not isinstance(problem, RevealingProblem):
        raise TypeError(f"problem must be a tabular.revealing.RevealingProblem (a POMDP with its model class), got "
                        f"{type(problem).__name__}")
    K = check_episodes(K)
    delta = check_delta(delta)
    bonus_scale = check_bonus_scale(bonus_scale)
    for name, m in [("true", problem.true)] + [(f"models[{i}]", m) for i, m in enumerate(problem.models)]:
        if m.R.min() < 0 or m.R.max() > 1:
            raise ValueError(f"problem.{name}: OMLE here assumes per-step mean rewards in [0, 1], got R in "
                             f"[{m.R.min():g}, {m.R.max():g}]")
    seed_int = int(as_generator(seed).integers(2**63))
    plans = [history_optimal(m) for m in problem.models]
    vstar = np.array([v for v, _ in plans])
    tables = np.stack([t for _, t in plans])
    logp = np.stack([history_log_likelihoods(m) for m in problem.models])
    beta = bonus_scale * math.log(len(problem.models) / delta)
    true = problem.true
    chosen, returns, histories, LL = _run_kernel(_cdf(true.P), _cdf(true.O), _cdf(true.initial),
                                                 np.ascontiguousarray(true.R), true.H, tables, logp, vstar, beta,
                                                 n_explore, commit, K, seed_int)
    uniform = np.full((1, history_count(true.A, true.n_obs, true.H)), -1, dtype=np.int64)
    policies = np.concatenate([tables, uniform])[chosen]  # chosen == -1 picks the uniform row
    return OMLERun(policies=policies, starts=np.zeros(K, dtype=np.int64), returns=returns, model_index=chosen,
                   n_explore=n_explore, histories=histories, log_likelihood=LL, beta=beta)


_DELTA = ("confidence level: the true model stays in the confidence set w.p. >= 1 - delta",
          "Liu et al. 2022, OMLE (Algorithm 1) with beta = log(|class| / delta) for a finite class")
_SCALE = ("beta = bonus_scale log(|class| / delta): the likelihood slack of the confidence set",
          "Liu et al. 2022 (absolute constant set to 1; recalled, not re-read)")


@knobs(delta=_DELTA, bonus_scale=_SCALE)
def omle(problem: RevealingProblem, K: int, seed: Seed = None, *, delta: float = 0.1,
         bonus_scale: float = 1.0) -> OMLERun:
    """OMLE on ``problem.models`` for ``K`` episodes of ``problem.true`` (module docstring). Regret ``O~(sqrt(K))``
    on single-step revealing problems (Chen et al. 2023, Thm 6.2 [V: Table 1 names it]); on a problem revealing only
    through a costly probe it never probes (no member's optimal policy does) and can stay wrong for ever."""
    return _run(problem, K, seed, delta=delta, bonus_scale=bonus_scale, n_explore=0, commit=False)


@knobs(delta=_DELTA, bonus_scale=_SCALE,
       explore_scale=("exploration episodes N = min(K, ceil(explore_scale K^(2/3)))",
                      "explore-then-commit's T^(2/3) schedule (Chen et al. 2023, Table 1, the starred entry)"))
def omle_etc(problem: RevealingProblem, K: int, seed: Seed = None, *, explore_scale: float = 1.0,
             delta: float = 0.1, bonus_scale: float = 1.0) -> OMLERun:
    """Explore-then-commit on ``problem.models`` (module docstring): ``N = min(K, ceil(explore_scale K^(2/3)))``
    uniformly random episodes, then OMLE's optimistic choice from their confidence set for the remaining ``K - N``."""
    K = check_episodes(K)
    explore_scale = check_real(explore_scale, "explore_scale", low=0.0)
    n_explore = min(K, math.ceil(explore_scale * K ** (2.0 / 3.0)))
    return _run(problem, K, seed, delta=delta, bonus_scale=bonus_scale, n_explore=n_explore, commit=True)
