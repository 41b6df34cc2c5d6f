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

Exploration (``exploration=``). OMLE's m-step form (Liu et al. 2022, Algorithm 2, "multi-step OMLE" [R: recalled,
Sec. 4.2; its text was not re-read: the shared reading notes hold none and code-corpus searches found only abstracts
and unrelated code; the behaviour below is what is tested]) does not merely follow the optimistic policy ``pi^k``:
for each ``pi^k`` it plays, one after the other, the ``H - m + 1`` policies ``pi^k_{1:h} o uniform(A)``, ``h =
0..H-m``, that follow ``pi^k`` for the first ``h`` steps and act uniformly at random for the rest of the episode,
and adds every trajectory to the data (the paper notes that this costs linear regret in general; it is a PAC
algorithm, whose output is ``pi^k``). Algorithm 1 (the single-step, undercomplete case) follows ``pi^k`` alone.
``exploration="auto"`` (the default) plays Algorithm 1 when every class member is 1-step revealing and Algorithm 2
otherwise, with ``m`` the smallest number of steps at which every member is revealing (full column rank of every
m-step emission-action matrix); ``"optimistic"`` always follows ``pi^k`` alone (the behaviour before Algorithm 2 was
added, labelled: on a class revealing only through a costly probe it never probes); ``"uniform-suffix"`` always
plays Algorithm 2 (``steps`` sets ``m``). The model choice is made once per group of ``H - m + 1`` episodes (an
iteration ``k``), from all earlier data. Chen, Bai & Mei 2022's explorative policies for m-step revealing POMDPs
(recalled as: ``pi^k`` for ``h - 1`` steps, then ``m`` uniform actions) were not re-read and are not implemented:
Algorithm 2 here is Liu et al.'s.

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

from .._checks import Seed, check_int, check_real
from .._rng import next_uniform
from ..instances import as_generator
from ..pomdp import POMDP, _cdf, _draw
from ..revealing import (
    RevealingProblem,
    emission_action_matrix,
    history_log_likelihoods,
    history_optimal,
)
from ._common import LearnerRun, check_bonus_scale, check_delta, check_episodes, knobs


@dataclass(frozen=True)
class OMLERun(LearnerRun):
    """A :class:`LearnerRun` whose ``policies[k, i]`` is the action of episode ``k``'s policy at history ``i``
    (``-1``: uniform), ``starts`` all 0 (every episode starts from the initial belief). ``model_index[k]``: the class
    member whose optimal policy episode ``k`` played (``-1``: the uniform exploration policy); ``n_explore``: the
    exploration episodes (0 for OMLE); ``histories[k]``: the index of episode ``k``'s complete observation-action
    history (level ``H`` of :func:`~boundlab.tabular.revealing.history_count`'s order: the learner's data);
    ``log_likelihood[i]``: class member ``i``'s log-likelihood of the data it learnt from (every episode for OMLE,
    the exploration episodes for explore-then-commit); ``beta``: the confidence set's slack; ``follow[k]``: the
    steps for which episode ``k`` followed its member's policy before acting uniformly (``H``: the whole episode;
    ``h < H`` in Algorithm 2's exploratory episodes ``pi^k_{1:h} o uniform``; 0 under uniform exploration)."""

    model_index: np.ndarray | None = None
    n_explore: int = 0
    histories: np.ndarray | None = None
    log_likelihood: np.ndarray | None = None
    beta: float = 0.0
    follow: np.ndarray | None = None


@njit(cache=True, nogil=True)
def _run_kernel(cdf_P, cdf_O, cdf_init, R, H, tables, logp, vstar, beta, n_explore, commit, cuts, K, seed):
    """``K`` episodes: pick the class member (the exploration phase's ``-1``, the committed choice, or OMLE's
    optimistic member of the confidence set, chosen once per iteration of ``cuts`` episodes; ``cuts == 0``: one
    episode following the member throughout, else episode ``j`` of the iteration follows it for ``j`` steps and then
    acts uniformly), play it, add every member's log-likelihood of the episode."""
    M = tables.shape[0]
    S, A = R.shape
    n_obs = cdf_O.shape[2]
    LL = np.zeros(M)
    chosen = np.empty(K, dtype=np.int64)
    follow = np.empty(K, dtype=np.int64)
    histories = np.empty(K, dtype=np.int64)
    returns = np.zeros(K)
    committed = -1
    m = -1
    rng = np.uint64(seed)
    for k in range(K):
        pos = 0 if cuts == 0 else (k - n_explore) % cuts
        if k < n_explore:
            m = -1
        elif commit and committed >= 0:
            m = committed
        elif pos == 0:
            best = LL.max()
            m = -1
            for i in range(M):
                if LL[i] >= best - beta and (m < 0 or vstar[i] > vstar[m] + 1e-12
                                             or (vstar[i] >= vstar[m] - 1e-12 and LL[i] > LL[m])):
                    m = i
            committed = m
        chosen[k] = m
        cut = 0 if m < 0 else (H if cuts == 0 else pos)
        follow[k] = cut
        rng, u = next_uniform(rng)
        s = _draw(cdf_init, u)
        h, off, width = 0, 0, 1
        for t in range(H):
            if t >= cut:
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
    return chosen, follow, returns, histories, LL


EXPLORATIONS = ("auto", "optimistic", "uniform-suffix")


def revealing_steps(models: tuple[POMDP, ...]) -> int | None:
    """The smallest ``m <= H`` at which every model is ``m``-step revealing in rank (every ``m``-step emission-action
    matrix, one per action leading in, has full column rank), or None if there is none."""
    H = models[0].H
    for m in range(1, H + 1):
        if all(_full_rank(emission_action_matrix(model, m, a)) for model in models for a in _distinct_arrivals(model)):
            return m
    return None


def _distinct_arrivals(model: POMDP) -> list[int]:
    """One action per distinct arrival emission ``O[a]`` (the emission-action matrix depends on ``a`` only through
    it)."""
    seen = {}
    for a in range(model.A):
        seen.setdefault(model.O[a].tobytes(), a)
    return list(seen.values())


def _full_rank(M: np.ndarray) -> bool:
    """Full column rank by the Gram matrix's eigenvalues (``sigma_S^2 > 1e-12 sigma_1^2``): a rank test, cheaper
    than the SVD on tall matrices."""
    ev = np.linalg.eigvalsh(M.T @ M)
    return bool(ev[0] > 1e-12 * ev[-1])


def _cuts(problem: RevealingProblem, exploration, steps) -> tuple[int, int | None]:
    """``(cuts, m)``: the episodes per iteration of Algorithm 2 (``H - m + 1``), 0 for Algorithm 1."""
    if not isinstance(exploration, str):
        raise TypeError(f"exploration must be one of {EXPLORATIONS} (a str), got {type(exploration).__name__}")
    if exploration not in EXPLORATIONS:
        raise ValueError(f"exploration must be one of {EXPLORATIONS}, got {exploration!r}")
    H = problem.H
    if steps is not None:
        steps = check_int(steps, "steps")
        if steps > H:
            raise ValueError(f"steps = {steps} must be at most the horizon H = {H}")
        if exploration != "uniform-suffix":
            raise ValueError(f"steps is Algorithm 2's m: give it with exploration='uniform-suffix', not "
                             f"{exploration!r}")
    if exploration == "optimistic":
        return 0, None
    m = steps if steps is not None else revealing_steps(problem.models)
    if m is None:
        if exploration == "auto":
            raise ValueError(f"exploration='auto': the class is not m-step revealing for any m <= H = {H} (an m-step "
                             "emission-action matrix without full column rank); pass exploration='optimistic', or "
                             "'uniform-suffix' with steps")
        m = H
    if exploration == "auto" and m == 1:
        return 0, 1
    return H - m + 1, m


def _check_problem(problem) -> RevealingProblem:
    if not isinstance(problem, RevealingProblem):
        raise TypeError(f"problem must be a tabular.revealing.RevealingProblem (a POMDP with its model class), got "
                        f"{type(problem).__name__}")
    for name, m in [("true", problem.true)] + [(f"models[{i}]", m) for i, m in enumerate(problem.models)]:
        if m.R.min() < 0 or m.R.max() > 1:
            raise ValueError(f"problem.{name}: OMLE here assumes per-step mean rewards in [0, 1], got R in "
                             f"[{m.R.min():g}, {m.R.max():g}]")
    return problem


def _class_tables(problem: RevealingProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(vstar, tables, logp)``: each member's optimal value and policy table, and its log-likelihood of every
    complete history."""
    plans = [history_optimal(m) for m in problem.models]
    vstar = np.array([v for v, _ in plans])
    tables = np.stack([t for _, t in plans])
    logp = np.stack([history_log_likelihoods(m) for m in problem.models])
    return vstar, tables, logp


def _simulate(problem: RevealingProblem, K, seed: Seed, *, delta, bonus_scale, n_explore, commit: bool, cuts: int,
              prepared: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
    """The kernel's run on ``problem`` with the class's tables (``prepared``: :func:`_class_tables`'s, computed once
    for many seeds): ``(tables, beta, chosen, follow, returns, histories, LL)``."""
    K = check_episodes(K)
    delta = check_delta(delta)
    bonus_scale = check_bonus_scale(bonus_scale)
    seed_int = int(as_generator(seed).integers(2**63))
    vstar, tables, logp = _class_tables(problem) if prepared is None else prepared
    beta = bonus_scale * math.log(len(problem.models) / delta)
    true = problem.true
    out = _run_kernel(_cdf(true.P), _cdf(true.O), _cdf(true.initial), np.ascontiguousarray(true.R), true.H, tables,
                      logp, vstar, beta, n_explore, commit, cuts, K, seed_int)
    return (tables, beta) + out


def _run(problem: RevealingProblem, K, seed: Seed, *, delta, bonus_scale, n_explore, commit: bool,
         cuts: int = 0) -> OMLERun:
    problem = _check_problem(problem)
    tables, beta, chosen, follow, returns, histories, LL = _simulate(
        problem, K, seed, delta=delta, bonus_scale=bonus_scale, n_explore=n_explore, commit=commit, cuts=cuts)
    true = problem.true
    levels = np.repeat(np.arange(true.H), [(true.A * true.n_obs) ** t for t in range(true.H)])
    keys, inverse = np.unique(np.stack([chosen, follow]), axis=1, return_inverse=True)
    rows = np.stack([np.where((levels < cut) & (m >= 0), tables[max(m, 0)], -1) for m, cut in keys.T])
    return OMLERun(policies=rows[inverse.ravel()], starts=np.zeros(len(chosen), dtype=np.int64), returns=returns,
                   model_index=chosen, n_explore=n_explore, histories=histories, log_likelihood=LL, beta=beta,
                   follow=follow)


_DELTA = ("confidence level: the true model stays in the confidence set w.p. >= 1 - delta",
          "Liu et al. 2022, OMLE (Algorithm 1) with beta = log(|class| / delta) for a finite class")
_SCALE = ("beta = bonus_scale log(|class| / delta): the likelihood slack of the confidence set",
          "Liu et al. 2022 (absolute constant set to 1; recalled, not re-read)")


_EXPLORATION = ("'auto': Algorithm 1 (follow the optimistic policy) on a 1-step revealing class, Algorithm 2 "
                "(pi^k for h steps, then uniform, h = 0..H-m) otherwise; 'optimistic': Algorithm 1 always (labelled "
                "option); 'uniform-suffix': Algorithm 2 always",
                "Liu et al. 2022, Algorithms 1 and 2 (multi-step OMLE's exploratory policies)")
_STEPS = ("Algorithm 2's m (its H - m + 1 exploratory policies); None: the smallest m at which every class member "
          "is m-step revealing (rank); only with exploration='uniform-suffix'", "Liu et al. 2022, Algorithm 2")


@knobs(delta=_DELTA, bonus_scale=_SCALE, exploration=_EXPLORATION, steps=_STEPS)
def omle(problem: RevealingProblem, K: int, seed: Seed = None, *, delta: float = 0.1, bonus_scale: float = 1.0,
         exploration: str = "auto", steps: int | None = None) -> OMLERun:
    """OMLE on ``problem.models`` for ``K`` episodes of ``problem.true`` (module docstring). Regret ``O~(sqrt(K))``
    on single-step revealing problems (Chen et al. 2023, Thm 6.2 [V: Table 1 names it]), where ``"auto"`` follows
    the optimistic policy. On a class revealing only through ``m >= 2`` steps ``"auto"`` plays Algorithm 2's
    exploratory policies (linear regret, a PAC learner: ``model_index[k]`` names its output ``pi^k``); with
    ``exploration="optimistic"`` it follows ``pi^k`` alone and, where only a costly probe reveals, never probes (no
    member's optimal policy does) and can stay wrong for ever."""
    problem = _check_problem(problem)
    cuts = _cuts(problem, exploration, steps)[0]
    return _run(problem, K, seed, delta=delta, bonus_scale=bonus_scale, n_explore=0, commit=False, cuts=cuts)


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
