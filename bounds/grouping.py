"""Grouped-action RL: performance loss, Theorem 1's bound, and the grouping selection (Li, Ju & Shroff, ICLR 2024,
arXiv 2306.12981; the model and Algorithm 1 are in :mod:`boundlab.tabular.grouping`).

Known of the paper (abstract, reviews): Theorem 1 bounds the performance loss of Algorithm 1 by an *approximation*
error (treating a group's actions as one; shrinks as the grouping is refined) plus an *estimation* error (finite N
samples and T iterations; grows with the number of groups); a general optimisation problem chooses the grouping, N
and T under sample/compute budgets, and a fast method picks a nearly optimal grouping at a cost independent of |A|.
Their constants and exact forms could not be read. What is here is **reconstructed** and labelled so:

* :func:`grouping_bound` [own derivation, with constants, holds with probability ``1 - confidence``]: with ``G`` groups,
  value range ``w = (hi - lo) / (1 - gamma)``, ``eps_R = max |R(s, a) - R_g(s, g(a))|`` and
  ``eps_P = max ||P(s, a) - P_g(s, g(a))||_1`` (each action against its group's mean),

  - approximation ``(eps_R + gamma eps_P w / 2) / (1 - gamma)`` (performance difference lemma against the group
    policy that follows ``pi*``'s group: ``V* - V*_g <= V* - V^{pi_g}``);
  - estimation ``2 w sqrt(ln(2 S G / confidence) / (2 N)) / (1 - gamma)^2`` (Hoeffding on ``r + gamma V*_g(s')`` per
    (state, group), union bound, simulation lemma, then Singh & Yee 1994's ``2 eps / (1 - gamma)`` for a greedy
    policy);
  - planning ``2 gamma^T max(|lo|, |hi|) / (1 - gamma)^2`` (T backups from ``V = 0``; 0 for exact planning).

  Executing a group-level policy with the uniform lower-level policy in the original MDP is exactly the lifted
  chain, so ``V* - V^{pi_hat} = (V* - V*_g) + (V*_g - V^{pi_hat}_g)`` splits the loss into the first term and the
  other two. The bound is a sup-norm bound, hence also one at the initial distribution.
* the selection problem (:func:`select_grouping`) [reconstructed]: minimise that bound over a candidate family of
  groupings (:func:`boundlab.tabular.grouping.nested_groupings`) and (N, T) subject to ``S G N <= sample_budget``
  and ``S^2 G T <= compute_budget`` (one value-iteration backup of the lifted model costs ``S^2 G``). Both bound
  terms fall in N and T, so each grouping takes the largest feasible ones; the exact method computes each
  candidate's approximation term from the ``(S, A, S)`` model: cost grows like ``|A|``.
* the fast method (:func:`select_grouping_fast`) [reconstructed]: the same problem with the approximation term
  replaced by an upper bound computed from the linear decomposition's ``K``-level quantities only (group centres,
  directions, the coefficients' per-group mean, minimum and range, group sizes; the largest deviation over the box
  of coefficient offsets, at its ``2^d`` corners): cost per candidate independent of ``|A|`` (the default family
  has about ``log2(A / K)`` candidates). Its choice's exact bound over the exact optimum is measured, not promised:
  ``benchmarks/grouping.py`` and the check rows report its distribution over model seeds, budgets and ``d``.
  Both methods read the true model's decomposition: they are oracles for the selection problem, not learners.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

from boundlab import solvers
from boundlab.tabular._checks import Seed, check_flag, check_int, check_real, plain
from boundlab.tabular.grouping import (
    ActionGroupedMDP,
    action_grouped_mdp,
    bin_counts,
    check_grouping,
    check_size,
    check_sizes,
    grouped_rl,
    grouping_of,
    grouping_sizes,
    lift,
    nested_groupings,
)

from .executors import run_all
from .regret import check_seeds
from .slopes import mean_ci

__all__ = [
    "GroupingBound", "Selection", "approximation_error", "grouping_bound", "grouping_check_rows", "grouping_loss",
    "grouping_trade_off", "select_grouping", "select_grouping_fast", "summarise_trade_off",
    "trade_off_verdicts",
]


def check_instance(model, name: str = "model") -> ActionGroupedMDP:
    """``model`` if it is an ``ActionGroupedMDP``, else a ``TypeError`` naming ``name`` (the ``"grouping"`` kind's
    instance check in ``bounds.sweep``)."""
    if not isinstance(model, ActionGroupedMDP):
        raise TypeError(f"{name} must be a tabular.grouping.ActionGroupedMDP, got {type(model).__name__}")
    return model




def _check_samples(samples) -> int | float:
    if isinstance(samples, (float, np.floating)) and samples == np.inf:
        return np.inf
    return check_int(samples, "samples")


def _optimal_value(model: ActionGroupedMDP) -> np.ndarray:
    return solvers.policy_iteration(model.P, model.R, model.gamma).V


def _loss(model: ActionGroupedMDP, grouping, samples, iterations, seed, V_star: np.ndarray) -> float:
    plan = grouped_rl(model, grouping, samples, iterations, seed)
    V = solvers.policy_evaluation(model.P, model.R, model.gamma, plan.pi).V
    return float(model.initial @ (V_star - V))


def grouping_loss(model: ActionGroupedMDP, grouping, samples: int | float, iterations: int | None = None,
                  seed: Seed = None) -> float:
    """The performance loss ``V*(rho) - V^{pi_hat}(rho)`` of Algorithm 1 (``samples`` = N per (state, group),
    ``numpy.inf`` for the exact lifted model; ``iterations`` = T backups, None for exact planning) at the model's
    initial distribution ``rho``: exact, both values by policy evaluation in the original MDP."""
    model = check_instance(model)
    return _loss(model, grouping, _check_samples(samples), iterations, seed, _optimal_value(model))


def approximation_error(model: ActionGroupedMDP, grouping) -> float:
    """``V*(rho) - V*_g(rho)``: what the best group-level policy (uniform lower level) loses, exactly (the loss of
    Algorithm 1 with ``N = inf`` and exact planning)."""
    model = check_instance(model)
    P_g, R_g = lift(model.P, model.R, grouping)
    V_g = solvers.policy_iteration(P_g, R_g, model.gamma).V
    return float(model.initial @ (_optimal_value(model) - V_g))


class GroupingBound(NamedTuple):
    """Theorem 1's shape, approximation + estimation (+ planning), with the constants of the module docstring
    [own derivation]; holds with probability ``1 - confidence`` over the samples."""

    approximation: float
    estimation: float
    planning: float
    confidence: float
    has_constants: bool = True

    @property
    def total(self) -> float:
        return self.approximation + self.estimation + self.planning


def _widths(model: ActionGroupedMDP) -> tuple[float, float]:
    lo, hi = model.reward_range
    return (hi - lo) / (1.0 - model.gamma), max(abs(lo), abs(hi))


def _approximation_term(model: ActionGroupedMDP, eps_R: float, eps_P: float) -> float:
    w, _ = _widths(model)
    return (eps_R + model.gamma * eps_P * w / 2) / (1.0 - model.gamma)


def _approximation_exact(model: ActionGroupedMDP, grouping) -> float:
    """The approximation term from the ``(S, A, S)`` model: each action against its group's mean (O(S^2 A))."""
    g = check_grouping(grouping, model.A)
    P_g, R_g = lift(model.P, model.R, g)
    eps_R = float(np.abs(model.R - R_g[:, g]).max())
    eps_P = float(np.abs(model.P - P_g[:, g]).sum(-1).max())
    return _approximation_term(model, eps_R, eps_P)


def _estimation_terms(model: ActionGroupedMDP, G: int, samples, iterations, confidence: float
                      ) -> tuple[float, float]:
    w, vmax = _widths(model)
    gamma = model.gamma
    est = 0.0 if samples == np.inf else (
        2 * w * np.sqrt(np.log(2 * model.S * G / confidence) / (2 * samples)) / (1 - gamma) ** 2)
    plan = 0.0 if iterations is None else 2 * gamma ** iterations * vmax / (1 - gamma) ** 2
    return float(est), float(plan)


def _check_confidence(confidence) -> float:
    """The bound's failure probability, in (0, 1) (named ``confidence``: the model's ``delta`` is its intra-group
    scale)."""
    return check_real(confidence, "confidence", low=0.0, high=1.0, low_open=True, high_open=True)


def grouping_bound(model: ActionGroupedMDP, grouping, samples: int | float, iterations: int | None = None,
                   confidence: float = 0.05) -> GroupingBound:
    """Theorem 1's bound on :func:`grouping_loss` for ``grouping``, N = ``samples``, T = ``iterations``, holding
    with probability ``1 - confidence`` (terms and constants: module docstring, [own derivation])."""
    model = check_instance(model)
    samples = _check_samples(samples)
    if iterations is not None:
        iterations = check_int(iterations, "iterations")
    confidence = _check_confidence(confidence)
    g = check_grouping(grouping, model.A)
    est, plan = _estimation_terms(model, int(g.max()) + 1, samples, iterations, confidence)
    return GroupingBound(_approximation_exact(model, g), est, plan, confidence)


class Selection(NamedTuple):
    """A choice of the selection problem: nominal size ``m`` (:func:`~boundlab.tabular.grouping.grouping_of`), the
    ``grouping``, N = ``samples``, T = ``iterations`` (None: exact planning, no compute budget) and the ``bound``
    the method minimised (for the fast method, its K-level upper bound)."""

    m: int
    grouping: np.ndarray
    samples: int
    iterations: int | None
    bound: float


def _budgets(sample_budget, compute_budget) -> tuple[int, int | None]:
    B = check_int(sample_budget, "sample_budget")
    C = None if compute_budget is None else check_int(compute_budget, "compute_budget")
    return B, C


def _feasible(model: ActionGroupedMDP, G: int, B: int, C: int | None) -> tuple[int, int | None] | None:
    """The largest (N, T) with ``S G N <= B`` and ``S^2 G T <= C``; None if not even N = T = 1 fits."""
    N = B // (model.S * G)
    T = None if C is None else C // (model.S ** 2 * G)
    return None if N < 1 or (T is not None and T < 1) else (N, T)


def _select(model, sample_budget, compute_budget, sizes, confidence, approximation, count) -> Selection:
    model = check_instance(model)
    B, C = _budgets(sample_budget, compute_budget)
    sizes = grouping_sizes(model) if sizes is None else [check_size(model, m, f"sizes[{i}]")
                                                         for i, m in enumerate(check_sizes(sizes))]
    best = None
    for m in sizes:
        G = count(m)
        NT = _feasible(model, G, B, C)
        if NT is None:
            continue
        value = approximation(m) + sum(_estimation_terms(model, G, NT[0], NT[1], confidence))
        if best is None or value < best[-1]:
            best = (m, *NT, value)
    if best is None:
        raise ValueError(f"sample_budget = {B} (and compute_budget = {plain(C)}) cannot pay for one sample per "
                         f"(state, group) (and one backup) of any candidate grouping: S = {model.S}")
    m, N, T, value = best
    return Selection(m, grouping_of(model, m), N, T, value)


def select_grouping(model: ActionGroupedMDP, sample_budget: int, compute_budget: int | None = None, *,
                    sizes=None, confidence: float = 0.05) -> Selection:
    """The selection problem, solved exactly over the candidate family (nominal ``sizes``, default
    :func:`~boundlab.tabular.grouping.grouping_sizes`): minimise :func:`grouping_bound` subject to
    ``S G N <= sample_budget`` and ``S^2 G T <= compute_budget`` (None: exact planning). [Reconstructed problem.]
    Each candidate's approximation term comes from the ``(S, A, S)`` arrays: cost ``O(S^2 A)`` per candidate; the
    candidates come from the true decomposition (an oracle, as in :func:`select_grouping_fast`)."""
    labels = {}

    def grouping(m):
        if m not in labels:
            labels[m] = grouping_of(model, m)
        return labels[m]

    return _select(model, sample_budget, compute_budget, sizes, _check_confidence(confidence),
                   lambda m: _approximation_exact(model, grouping(m)), lambda m: int(grouping(m).max()) + 1)


def _approximation_fast(model: ActionGroupedMDP, m: int) -> float:
    """An upper bound on the approximation term of ``grouping_of(model, m)`` from K-level quantities only
    [reconstructed fast method]. In group ``k`` an action deviates from the group's mean by
    ``delta sum_i x_i (dir_{k,i} - centre_k)`` with ``x_i = phi_i(a) - mean phi_i``, linear in ``x``; ``x`` lies in
    a box known at K level (unsplit group: between its coefficients' minimum and maximum minus their mean; a cell of
    ``m = K r``: within the cell's width, the range over :func:`~boundlab.tabular.grouping.bin_counts`, either way),
    and the largest deviation over the box is at one of its ``2^d`` corners (a norm of a linear map is convex):
    cost ``O(2^d S^2 K d)``. A merged block adds the distance between the group's mean and the block's
    (size-weighted) mean."""
    K, A, delta = model.K, model.A, model.delta
    if m == A:
        return 0.0
    if m > K:  # a cell's coefficients lie within its width of the cell's mean, in either direction
        hi = model.phi_range / bin_counts(model, m // K)  # [k, i]
        lo = -hi
    else:  # the group's own coefficients about its mean: exact K-level extremes
        lo, hi = model.phi_min - model.phi_mean, model.phi_min + model.phi_range - model.phi_mean
    DP = model.P_dir - model.P_bar[:, :, None]  # [s, k, i, t]
    DR = model.R_dir - model.R_bar[:, :, None]  # [s, k, i]
    # ||sum_i x_i DP_i||_1 is convex in x: its maximum over the box [lo, hi] is at one of the 2^d corners
    corners = np.array(np.meshgrid(*[[0, 1]] * model.d, indexing="ij")).reshape(model.d, -1).T  # [v, i]
    X = np.where(corners[:, None, :] == 1, hi[None], lo[None])  # [v, k, i]
    within_P = delta * np.abs(np.einsum("vki,skit->vskt", X, DP)).sum(-1).max(0)
    within_R = delta * np.einsum("ki,ski->sk", np.maximum(-lo, hi), np.abs(DR))
    # each group's mean kernel/reward (centre + delta * mean coefficient pull)
    mean_P = model.P_bar + delta * np.einsum("ki,skit->skt", model.phi_mean, model.P_dir - model.P_bar[:, :, None])
    mean_R = model.R_bar + delta * np.einsum("ki,ski->sk", model.phi_mean, model.R_dir - model.R_bar[:, :, None])
    if m < K:
        block = np.arange(K) * m // K
        w = np.zeros((K, m))
        w[np.arange(K), block] = model.group_sizes
        w /= w.sum(0)
        between_P = np.abs(mean_P - np.einsum("skt,kb->sbt", mean_P, w)[:, block]).sum(-1)
        between_R = np.abs(mean_R - (mean_R @ w)[:, block])
        within_P, within_R = within_P + between_P, within_R + between_R
    return _approximation_term(model, float(within_R.max()), float(within_P.max()))


def select_grouping_fast(model: ActionGroupedMDP, sample_budget: int, compute_budget: int | None = None, *,
                         sizes=None, confidence: float = 0.05) -> Selection:
    """The fast near-optimal method [reconstructed]: the selection problem of :func:`select_grouping` with each
    candidate's approximation term replaced by its K-level upper bound (:func:`_approximation_fast`) and its number
    of groups by the nominal size ``m`` (at least the true count: the budgets still hold). Cost per candidate
    ``O(S^2 K d + K d log(m / K))``, independent of ``|A|``; the default family
    (:func:`~boundlab.tabular.grouping.grouping_sizes`) has about ``log2(A / K)`` candidates, so with it the total
    grows like ``log |A|`` (flat on a fixed ``sizes`` list); the returned grouping's labels are built at ``O(A)``.
    Like the exact method it reads the true model's decomposition (centres, directions, coefficient ranges): an
    oracle, not a learner."""
    return _select(model, sample_budget, compute_budget, sizes, _check_confidence(confidence),
                   partial(_approximation_fast, model), lambda m: m)


def _trade_off_item(item, model, iterations, V_star):
    budget, m, seed = item
    g = grouping_of(model, m)
    G = int(g.max()) + 1
    N = budget // (model.S * G)
    return G, N, _loss(model, g, N, iterations, seed, V_star)


def _distinct_sizes(model: ActionGroupedMDP, sizes) -> dict[int, int]:
    """``{m: number of groups}`` for the nominal sizes, keeping the first of any two that give the same partition
    (empty cells can make a refinement equal the partition before it)."""
    seen, out = [], {}
    for m in sizes:
        g = grouping_of(model, m)
        if not any(np.array_equal(g, h) for h in seen):
            seen.append(g)
            out[m] = int(g.max()) + 1
    return out


def grouped_rl_runs(model: ActionGroupedMDP, budget: int, seeds=(0,), *, m: int, iterations: int | None = None,
                    executor=None) -> pd.DataFrame:
    """Algorithm 1 at a total sample ``budget`` with the grouping of nominal size ``m``
    (:func:`~boundlab.tabular.grouping.grouping_of`; ``N = budget // (S G)`` samples per (state, group)), one run per
    seed: a frame ``seed, budget, groups, samples, loss`` with the exact loss. The registry's ``"grouped-rl"`` (kind
    ``"grouping"``) calls it, so ``bounds.sweep("grouped-rl", {name: model}, seeds, budget, params={"grouped-rl":
    {"m": m}})`` stores each seed in the store's ``grouping_runs`` table. ``ValueError`` when the budget cannot pay
    for one sample per (state, group)."""
    model = check_instance(model)
    budget, seeds, m = check_int(budget, "budget"), check_seeds(seeds), check_size(model, m, "m")
    G = int(grouping_of(model, m).max()) + 1
    if budget // (model.S * G) < 1:
        raise ValueError(f"budget {budget} cannot pay for one sample per (state, group): the grouping of size m={m} "
                         f"has {G} groups on {model.S} states, so budget must be at least {model.S * G}")
    fn = partial(_trade_off_item, model=model, iterations=iterations, V_star=_optimal_value(model))
    rows = [None] * len(seeds)
    for i, (groups, N, loss) in run_all(fn, [(budget, m, s) for s in seeds], executor, progress=False):
        rows[i] = (seeds[i], budget, groups, N, loss)
    return pd.DataFrame(rows, columns=["seed", "budget", "groups", "samples", "loss"])




def grouping_trade_off(model: ActionGroupedMDP, budgets, sizes=None, seeds=range(10), iterations: int | None = None,
                       executor=None, progress: bool = False, store=None, instance: str = "model") -> pd.DataFrame:
    """The headline experiment: at each total sample ``budget`` (``N = budget // (S G)`` per (state, group)), the
    exact loss of Algorithm 1 for each grouping of nominal size in ``sizes`` (default
    :func:`~boundlab.tabular.grouping.grouping_sizes`; a size giving the same partition as an earlier one is dropped)
    and seed; combinations with ``N < 1`` are left out. Runs go through :func:`boundlab.bounds.executors.run_all`
    (threads by default; a process pool or a dask executor). Returns a frame ``budget, m, groups, samples, seed,
    loss``.

    ``store``: a results-store path: then each (budget, m) goes through ``bounds.sweep("grouped-rl", {instance:
    model}, seeds, budget, params={"grouped-rl": {"m": m, "iterations": iterations}})``, so every run is kept in the
    store's ``grouping_runs`` table, keyed by the model's content, and a repeated or resumed trade-off reuses it."""
    model = check_instance(model)
    if isinstance(budgets, (str, bytes)) or not hasattr(budgets, "__iter__"):
        raise TypeError(f"budgets must be a list of total sample budgets, got {plain(budgets)}")
    budgets = [check_int(b, f"budgets[{i}]") for i, b in enumerate(budgets)]
    if not budgets:
        raise ValueError("budgets must hold at least one total sample budget, got an empty list")
    sizes = grouping_sizes(model) if sizes is None else [check_size(model, m, f"sizes[{i}]")
                                                         for i, m in enumerate(check_sizes(sizes))]
    counts = _distinct_sizes(model, sizes)
    columns = ["budget", "m", "groups", "samples", "seed", "loss"]
    if store is not None:
        from .sweep import sweep  # the sweep imports this module's kind through the registry

        frames = []
        for b in budgets:
            for m, G in counts.items():
                if b // (model.S * G) >= 1:
                    df = sweep("grouped-rl", {instance: model}, seeds, b, store=store, progress=progress,
                               params={"grouped-rl": {"m": m, "iterations": iterations}})
                    frames.append(df.assign(m=m)[columns])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    items = [(b, m, s) for b in budgets for m in counts for s in seeds if b // (model.S * counts[m]) >= 1]
    fn = partial(_trade_off_item, model=model, iterations=iterations, V_star=_optimal_value(model))
    rows = [None] * len(items)
    for i, (G, N, loss) in run_all(fn, items, executor, progress=progress, desc="grouping"):
        b, m, s = items[i]
        rows[i] = (b, m, G, N, s, loss)
    return pd.DataFrame(rows, columns=columns)


def summarise_trade_off(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean loss and 95% CI half-width per (budget, nominal size ``m``) with its number of ``groups``; one row per
    partition (never two partitions pooled)."""
    if not isinstance(frame, pd.DataFrame) or not {"budget", "m", "groups", "loss"} <= set(frame.columns):
        raise TypeError("frame must be a grouping_trade_off frame (columns budget, m, groups, loss)")
    columns = ["budget", "m", "groups", "mean", "half"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    rows = [(b, m, int(d["groups"].iloc[0]), *mean_ci(d["loss"].to_numpy()))
            for (b, m), d in frame.groupby(["budget", "m"])]
    return pd.DataFrame(rows, columns=columns)


def trade_off_verdicts(summary: pd.DataFrame) -> dict:
    """The headline claims judged on a :func:`summarise_trade_off` frame, with 95% CIs over seeds:

    - ``u_shape[b]``: at budget ``b`` the minimising number of groups is interior and both the coarsest and the
      finest grouping lie above the minimum by more than the two CI half-widths;
    - ``moves``: the minimiser at the largest budget has more groups than at the smallest, and each budget's own
      minimiser beats the other's there, CI-separated (so the minimiser moved, not noise);
    - ``minimisers[b]``: the minimising number of groups."""
    if not isinstance(summary, pd.DataFrame) or not {"budget", "groups", "mean", "half"} <= set(summary.columns):
        raise TypeError("summary must be a summarise_trade_off frame (columns budget, groups, mean, half)")
    if summary.empty:
        raise ValueError("summary is empty: no budget could pay for one sample per (state, group) of any grouping "
                         "(grouping_trade_off leaves those out); raise the budgets")
    mins, u_shape = {}, {}
    for b, d in summary.groupby("budget"):
        d = d.sort_values("groups").reset_index(drop=True)
        i = int(d["mean"].idxmin())
        mins[int(b)] = int(d.loc[i, "groups"])
        sep = [d.loc[j, "mean"] - d.loc[j, "half"] > d.loc[i, "mean"] + d.loc[i, "half"] for j in (0, len(d) - 1)]
        u_shape[int(b)] = bool(0 < i < len(d) - 1 and all(sep))

    def at(b, g):
        row = summary[(summary["budget"] == b) & (summary["groups"] == g)]
        return (row["mean"].iloc[0], row["half"].iloc[0]) if len(row) else (np.inf, 0.0)

    lo, hi = min(mins), max(mins)
    moves = mins[hi] > mins[lo]
    if moves:  # a grouping unaffordable at the smaller budget (N < 1) counts as beaten there
        (a, ha), (c, hc) = at(lo, mins[lo]), at(lo, mins[hi])
        (e, he), (f, hf) = at(hi, mins[hi]), at(hi, mins[lo])
        moves = bool(c - hc > a + ha and f - hf > e + he)
    return {"minimisers": mins, "u_shape": u_shape, "moves": bool(moves)}


def _row(check: str, instance: str, verdict: bool | None, detail: str) -> dict:
    return {"algorithm": "grouping (Li-Ju-Shroff 2024)", "instance": instance, "check": check,
            "verdict": "n/a" if verdict is None else ("HELD" if verdict else "FAILED"), "detail": detail}


def grouping_check_rows(quick: bool = True, executor=None) -> list[dict]:
    """Rows for ``boundlab check`` (``algorithm, instance, check, verdict, detail``): zero approximation error at
    ``delta = 0`` on the true grouping; refinement never lowers the lifted optimal value (nested family); the loss
    never above the bound [own constants] over seeds; per budget, the fraction of model instances (model seeds, not
    chosen) on which the trade-off is U-shaped, and the fraction on which its minimiser grows with the budget (HELD
    when at least half of them; the fraction is the finding); the fast selection's exact bound against the exact
    selection's, over the instances at ``d = 1`` and ``d = 3`` (HELD when every ratio is at most 1.5)."""
    quick = check_flag(quick, "quick")
    S, A, K = (6, 32, 4) if quick else (12, 128, 4)
    seeds = range(12 if quick else 50)
    model_seeds = range(1, 5 if quick else 11)
    budgets = (300, 3000, 30000) if quick else (1000, 10000, 100000)
    rows = []
    m0 = action_grouped_mdp(S, A, K, 0.0, 0)
    a0 = approximation_error(m0, m0.groups)
    rows.append(_row("delta = 0: zero approximation error at the true grouping", m0.name, abs(a0) <= 1e-9,
                     f"V* - V*_g = {a0:.2e}"))
    models = [action_grouped_mdp(S, A, K, 0.6, s, gamma=0.5) for s in model_seeds]
    family = f"{models[0].name} (delta 0.6, gamma 0.5), model seeds {model_seeds.start}..{model_seeds.stop - 1}"
    worst = np.inf
    for model in models:
        vals = [solvers.policy_iteration(*lift(model.P, model.R, g), model.gamma).V
                for g in nested_groupings(model).values()]
        worst = min(worst, min(float((b - a).min()) for a, b in zip(vals, vals[1:])))
    rows.append(_row("refinement never lowers V*_g (exact lifted models, nested family)", family, worst >= -1e-9,
                     f"min over instances, nested pairs and states of V*_fine - V*_coarse = {worst:.2e}"))
    frames = [grouping_trade_off(model, budgets, seeds=seeds, executor=executor) for model in models]
    held = judged = 0
    for model, frame in zip(models, frames):
        approx = {m: _approximation_exact(model, grouping_of(model, m)) for m in frame["m"].unique()}
        bound = np.array([approx[r.m] + sum(_estimation_terms(model, r.groups, r.samples, None, 0.05))
                          for r in frame.itertuples()])
        speaks = bound < _widths(model)[0]  # below the trivial loss bound (hi - lo) / (1 - gamma)
        held += int((frame["loss"].to_numpy() <= bound + 1e-9)[speaks].sum())
        judged += int(speaks.sum())
    runs = sum(len(f) for f in frames)
    rows.append(_row("loss <= bound (own constants, confidence 0.05) on every run where it is non-vacuous", family,
                     held == judged if judged else None,
                     f"held on {held}/{judged} non-vacuous runs ({runs} runs: {len(models)} instances, budgets "
                     f"{budgets}, every grouping, {len(seeds)} seeds; vacuous: bound >= (hi - lo) / (1 - gamma))"))
    verdicts = [trade_off_verdicts(summarise_trade_off(f)) for f in frames]
    n = len(verdicts)
    for b in budgets:
        u = sum(v["u_shape"].get(b, False) for v in verdicts)
        rows.append(_row(f"U-shape at budget {b}: interior loss minimiser over groups, 95% CIs separated, on at "
                         "least half of the instances", family, 2 * u >= n,
                         f"U-shaped on {u}/{n} instances; minimising groups per instance "
                         f"{[v['minimisers'].get(b) for v in verdicts]}"))
    moved = sum(v["moves"] for v in verdicts)
    rows.append(_row("the minimiser grows with the budget (CI-separated, smallest vs largest budget) on at least "
                     "half of the instances", family, 2 * moved >= n,
                     f"moved on {moved}/{n} instances; minimisers per instance "
                     f"{[v['minimisers'] for v in verdicts]}"))
    ratios = {}
    for d in (1, 3):
        for s in model_seeds:
            model = action_grouped_mdp(S, A, K, 0.6, s, d=d, gamma=0.5)
            for b in budgets:
                exact, fast = select_grouping(model, b), select_grouping_fast(model, b)
                ratios.setdefault(d, []).append(grouping_bound(model, fast.grouping, fast.samples).total / exact.bound)
    worst = max(max(r) for r in ratios.values())
    rows.append(_row("fast selection near-optimal (its exact bound / the optimum <= 1.5)", family, worst <= 1.5,
                     "; ".join(f"d = {d}: ratios min {min(r):.3f}, median {np.median(r):.3f}, max {max(r):.3f}, "
                               f"{sum(x <= 1 + 1e-12 for x in r)}/{len(r)} at the optimum" for d, r in ratios.items())
                     + f" ({len(model_seeds)} instances x budgets {budgets})"))
    return rows
