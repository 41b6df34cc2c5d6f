"""The approximation guarantees of Submodular RL (Prajapat, Mutny, Zeilinger & Krause, ICLR 2024, arXiv 2307.13372)
as code, each checking its assumptions on the instance before it gives a verdict.

We could read the statements only as the reviews quote them (``../shared/refs/submodular_grouping_qstar.md``, part 1);
numbering differs between versions, so they are cited by content:

- **epsilon-bandit theorem** (the paper's Theorem on epsilon-bandit SMDPs): for policies depending on ``h`` only, ``J``
  is monotone DR-submodular on the relaxed polytope, so continuous greedy / Frank-Wolfe reaches ``(1 - 1/e) OPT``
  (Bian et al. 2017; Calinescu et al. 2011) and every stationary point of projected gradient ascent ``OPT / 2``
  (Hassani, Soltanolkotabi & Karbasi 2017). How ``eps`` enters the constants is not known to us, so the property
  the two results rest on -- ``J`` monotone DR-submodular -- is checked on the instance (finite-difference signs)
  and a guarantee is judged only where it holds.
- **curvature proposition** (tabular SMDP, tabular policy, ``F`` of total curvature ``c``): "the policy obtained by
  SubPO" has ``J >= (1 - c) J*``. Ambiguous (reviewers asked): a stationary point or the optimum of SubPO's
  objective? We test the strict reading -- the point exact-gradient SubPO-M converges to -- against ``J*`` over all
  history-dependent policies, per instance; vacuous (n/a) at ``c = 1``. Finding: with slips (``eps > 0``) and a
  modular ``F`` (``c = 0``) the strict reading fails -- a policy Markov in ``(h, s)`` cannot see the visited set,
  so SubPO-M's limit stays below the history-dependent ``J*`` (``coverage_bandit(5, 3, 0.1, 2, density=0.1)``:
  2.5534 vs 2.5656). It fails without slips too: on a deterministic 3 x 3 coverage grid with ``c = 0``
  (``coverage_grid(3, 3, 4, 10)``) exact-gradient SubPO-M stops at a first-order stationary point over Markov
  policies with ``J = 0.875 J*``. So the proposition can only hold for SubPO's global optimum (or a comparator within
  its class); the sampled, Adam-driven SubPO-M of ``learners.subpo`` escapes that point (0.9999 J*) but stalls on a
  softmax plateau on ``coverage_grid(3, 3, 4, 23)`` (0.961 J*, Frank-Wolfe gap 0.18: n/a, not stationary), the
  value at which exact-gradient SubPO-M stops there at a genuine stationary point (gap 6.5e-4: FAILED).
- **greedy with curvature** (classic, Conforti & Cornuejols 1984): ``(1/c)(1 - e^{-c}) OPT`` for the greedy on a
  cardinality constraint, which the epsilon-bandit with ``eps = 0`` is (every location one step from everywhere).
- **hardness** (the paper's Theorem 1: no ``log^{1-gamma} OPT`` approximation even for deterministic SMDPs unless
  NP has quasi-polynomial algorithms): asymptotic, so not checkable; :func:`~boundlab.tabular.submodular_bandit.
  trap_corridor` shows its practical face, myopic gain-chasing getting a vanishing fraction of OPT outside the
  epsilon-bandit regime.

Full mode (:func:`submodular_check_rows` ``(quick=False)``, run 2026-12-02, 59 rows, 113 s on a shared core): 47
HELD, 6 FAILED, 6 n/a. Every uniform-slip family row HELD (DR signs 10/10 and 10/10; continuous greedy J/OPT >=
0.790 at eps = 0, 0.825 at eps = 0.1; projected-gradient end points >= 0.966 OPT; greedy >= 0.940 OPT); the ring
family n/a (DR fails on 10/10); trap fractions 0.875 ... 0.012 for k = 2 ... 128 (HELD); the curvature proposition
HELD on 10/10 at eps = 0 (0.9999 J*), on 5 of 9 judged at eps = 0.1 (FAILED on the four with c ~ 0, seeds 1, 2, 7,
8: 0.985-0.990 J*; seed 4 n/a, a plateau), and on 22 of 24 3 x 3 grids (FAILED on the two c = 0 grids, seeds 10 and
23: 0.875 and 0.961 J*); sampled SubPO-M HELD on seed 10, n/a on seed 23 (above).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from boundlab.tabular._checks import Seed, check_flag, check_int, check_real
from boundlab.tabular.instances import as_generator
from boundlab.tabular.submodular import check_submodular, curvature
from boundlab.tabular.submodular_bandit import (
    RIGHT, SetRewardSMDP, SubPOResult, bandit_epsilon, best_sequence, check_dr_submodular, continuous_greedy,
    coverage_bandit, coverage_grid, exact_subpo, greedy_sequence, grid_smdp, optimal_value, projected_gradient_ascent,
    sequence_value, softmax_result, trap_corridor,
)

__all__ = [
    "Facts", "Verdict", "check_continuous_greedy", "check_curvature_proposition", "check_greedy", "check_stationary",
    "continuous_greedy_bound", "curvature_proposition_bound", "facts", "greedy_curvature_bound", "stationary_bound",
    "submodular_check_rows", "trap_fractions",
]

ONE_MINUS_INV_E = 1.0 - np.exp(-1.0)
_ALGORITHM = "SubPO theory (Prajapat et al. 2024)"


# ------------------------------------------------------------------------------------------------ bounds as code
def continuous_greedy_bound(opt: float, steps: int, H: int, fmax: float) -> float:
    """``(1 - 1/e) OPT - max F * H (H - 1) / steps`` for continuous greedy with ``steps`` steps of ``1/steps`` on a
    monotone DR-submodular ``J`` (the paper's epsilon-bandit theorem, via the Frank-Wolfe variant of Bian,
    Mirzasoleiman, Buhmann & Krause 2017 / continuous greedy of Calinescu et al. 2011). The discretisation term is
    our derivation of the standard analysis [own]: a step moves along a 0/1 direction ``v`` with at most one entry
    per step ``h``, and ``|v' Hess v| <= 2 max F H (H - 1)`` (a second partial is a difference of four expectations
    in ``[0, max F]``, zero within a step), so each step loses at most ``max F H (H - 1) / steps^2``, while
    ``OPT - J(y) <= <grad J(y), v>`` (monotone, DR-submodular) gives the ``1 - (1 - 1/steps)^steps >= 1 - 1/e``."""
    steps, H = check_int(steps, "steps"), check_int(H, "H")
    return ONE_MINUS_INV_E * check_real(opt, "opt") - check_real(fmax, "fmax", low=0.0) * H * (H - 1) / steps


def stationary_bound(opt: float, gap: float) -> float:
    """``(OPT - gap) / 2`` at a point with Frank-Wolfe gap ``gap``; at a stationary point (``gap = 0``) ``OPT / 2``
    (Hassani, Soltanolkotabi & Karbasi 2017: stationary points of a monotone gamma-weakly DR-submodular function
    are ``gamma^2 / (1 + gamma^2)``-optimal, 1/2 at ``gamma = 1``; the paper invokes it). From
    ``<grad J(x), v - x> >= J(x v v) + J(x ^ v) - 2 J(x) >= OPT - 2 J(x)`` for monotone DR-submodular ``J >= 0``
    and ``v`` the optimal vertex [own form]."""
    return 0.5 * (check_real(opt, "opt") - check_real(gap, "gap", low=0.0))


def greedy_curvature_bound(opt: float, c: float) -> float:
    """``(1/c)(1 - e^{-c}) OPT`` for the greedy on a cardinality constraint, ``F`` of total curvature ``c``
    (Conforti & Cornuejols 1984, the uniform-matroid case); ``OPT`` at ``c = 0`` (the limit: modular ``F``, greedy
    is optimal)."""
    c = check_real(c, "c", low=0.0, high=1.0)
    factor = 1.0 if c == 0.0 else -np.expm1(-c) / c
    return factor * check_real(opt, "opt")


def curvature_proposition_bound(j_star: float, c: float) -> float:
    """``(1 - c) J*``: the paper's curvature proposition (tabular SMDP and policy, ``F`` of curvature ``c``)."""
    return (1.0 - check_real(c, "c", low=0.0, high=1.0)) * check_real(j_star, "j_star")


# ------------------------------------------------------------------------------------------- facts and verdicts
class Facts(NamedTuple):
    """What the guarantees' assumptions need, computed once per instance: ``submodular`` (F(empty) = 0, monotone,
    diminishing returns by brute force on the ground set) and why not; ``eps`` (:func:`bandit_epsilon`); ``dr``
    (J monotone DR-submodular at random points, :func:`check_dr_submodular`); ``c`` (total curvature of F);
    ``opt`` (best open-loop sequence = best h-only policy) and ``j_star`` (best history-dependent policy)."""
    submodular: bool
    why_not: str
    eps: float
    dr: object
    c: float
    fmax: float
    opt: float
    j_star: float


def facts(model: SetRewardSMDP, *, points: int = 20, seed: Seed = 0) -> Facts:
    """The :class:`Facts` of ``model`` (brute force: small instances only)."""
    _model(model)
    sub = check_submodular(model.f, model.ground)
    why = "" if sub.ok else (f"F(empty) = {sub.empty_value:g}" if abs(sub.empty_value) > 1e-9 else
                             f"monotone violated at {sub.monotone[:1]}" if sub.monotone else
                             f"diminishing returns violated at {sub.diminishing[:1]}")
    eps = bandit_epsilon(model)
    # the DR check is the costly one; skip it where the theorem cannot apply anyway
    dr = check_dr_submodular(model, points, seed) if model.null_action is not None and eps < 1.0 else None
    try:  # c is defined (in [0, 1]) for monotone submodular F only; nan otherwise
        c = curvature(model.f, model.ground) if sub.ok else float("nan")
    except ValueError:  # no element with F({v}) > 0
        c = float("nan")
    return Facts(sub.ok, why, eps, dr, c, float(model.table.max()), best_sequence(model)[1],
                 optimal_value(model))


def _model(model: SetRewardSMDP) -> SetRewardSMDP:
    if not isinstance(model, SetRewardSMDP):
        raise TypeError(f"model must be a SetRewardSMDP (tabular.submodular_bandit), got {type(model).__name__}")
    return model


def _facts(model: SetRewardSMDP, f: Facts | None) -> Facts:
    """``f`` (checked to be :class:`Facts`), or the facts of ``model`` when None."""
    if f is None:
        return facts(model)
    _model(model)
    if not isinstance(f, Facts):
        raise TypeError(f"f must be the Facts of model (facts(model)) or None, got {type(f).__name__}")
    return f


class Verdict(NamedTuple):
    """One guarantee on one instance: ``verdict`` is ``"HELD"``, ``"FAILED"`` or ``"n/a"`` (an assumption fails:
    ``detail`` says which, and what was measured outside the theorem); ``measured`` is ``J`` of the algorithm's
    output, ``bound`` the guarantee's value (None when n/a), ``reference`` the value the guarantee is a fraction of."""
    check: str
    verdict: str
    measured: float
    bound: float | None
    reference: float
    detail: str


def _verdict(check: str, failed: list[str], measured: float, bound: float, reference: float, note: str,
             atol: float = 0.0) -> Verdict:
    ratio = f"J / reference = {measured / reference:.4f}" if reference > 0 else "reference 0"
    if failed:
        return Verdict(check, "n/a", measured, None, reference,
                       f"assumption fails: {'; '.join(failed)} (outside the theorem: {ratio}; {note})")
    ok = measured >= bound - atol - 1e-9 * max(1.0, abs(reference))
    return Verdict(check, "HELD" if ok else "FAILED", measured, bound, reference,
                   f"J = {measured:.6g} vs bound {bound:.6g} ({ratio}; {note})")


def _dr_failures(model: SetRewardSMDP, f: Facts) -> list[str]:
    failed = [] if f.submodular else [f"F not monotone submodular ({f.why_not})"]
    if f.eps >= 1.0:
        failed.append("not an epsilon-bandit SMDP (some ground state is not one step from every state: eps = 1)")
    if model.null_action is None:
        failed.append("no null action (the relaxed polytope drops its coordinate)")
    elif f.dr is not None and not f.dr.ok:
        failed.append(f"J not monotone DR-submodular on the relaxed polytope (min dJ/dy {f.dr.min_gradient:.3g}, "
                      f"max second partial {f.dr.max_second:.3g}; the theorem's eps-dependence is not known to us)")
    return failed


def check_continuous_greedy(model: SetRewardSMDP, *, steps: int = 1000, f: Facts | None = None) -> Verdict:
    """Continuous greedy reaches ``(1 - 1/e) OPT`` minus its discretisation term (:func:`continuous_greedy_bound`),
    ``OPT`` the best h-only policy; n/a unless ``F`` is monotone submodular, the model an epsilon-bandit SMDP with a
    null action and ``J`` monotone DR-submodular at the sampled points."""
    f = _facts(model, f)
    r = continuous_greedy(model, steps) if model.null_action is not None else None
    measured = r.value if r is not None else float("nan")
    failed = _dr_failures(model, f)
    bound = continuous_greedy_bound(f.opt, steps, model.H, f.fmax)
    return _verdict(f"continuous greedy ({steps} steps) >= (1 - 1/e) OPT - max F H(H-1)/steps", failed, measured,
                    bound, f.opt, f"eps = {f.eps:.3g}; rounded sequence J/OPT = "
                    f"{(r.sequence_value / f.opt) if r is not None and f.opt > 0 else float('nan'):.4f}")


def check_stationary(model: SetRewardSMDP, *, starts: int = 3, seed: Seed = 0, iterations: int = 2000,
                     f: Facts | None = None) -> Verdict:
    """Projected gradient ascent from ``starts`` random points of the relaxed polytope; each end point must have
    ``J >= (OPT - gap) / 2`` (:func:`stationary_bound`; ``gap`` its Frank-Wolfe gap, 0 at a stationary point). The
    worst start is reported; same assumptions as :func:`check_continuous_greedy`."""
    f = _facts(model, f)
    starts = check_int(starts, "starts")
    rng = as_generator(seed)
    worst = None
    if model.null_action is not None:
        for _ in range(starts):
            r = projected_gradient_ascent(model, iterations=iterations, seed=rng)
            slack = r.value - stationary_bound(f.opt, r.gap)
            if worst is None or slack < worst[0]:
                worst = (slack, r)
    r = worst[1] if worst else None
    return _verdict(f"projected-gradient end points >= (OPT - gap)/2 (1/2 OPT at stationarity; {starts} starts)",
                    _dr_failures(model, f), r.value if r else float("nan"),
                    stationary_bound(f.opt, r.gap) if r else float("nan"), f.opt,
                    f"worst start: gap {r.gap if r else float('nan'):.2e}, {r.iterations if r else 0} iterations")


def check_greedy(model: SetRewardSMDP, *, f: Facts | None = None) -> Verdict:
    """The greedy marginal-gain rollout reaches ``(1/c)(1 - e^{-c}) OPT`` (:func:`greedy_curvature_bound`); n/a
    unless ``F`` is monotone submodular and the model is an epsilon-bandit SMDP with ``eps = 0`` (deterministic, every
    ground state one step from everywhere: a cardinality constraint)."""
    f = _facts(model, f)
    failed = [] if f.submodular else [f"F not monotone submodular ({f.why_not})"]
    if f.eps > 0.0 or not model.deterministic:
        failed.append(f"not a deterministic epsilon-bandit (eps = {f.eps:.3g}): the greedy's constraint is not a "
                      "cardinality constraint")
    if f.submodular and np.isnan(f.c):
        failed.append("curvature undefined (no element with F({v}) > 0)")
    g = greedy_sequence(model) if model.deterministic else None
    c = 0.0 if np.isnan(f.c) else f.c
    return _verdict("greedy >= (1/c)(1 - e^-c) OPT", failed, g.value if g else float("nan"),
                    greedy_curvature_bound(f.opt, c), f.opt, f"c = {f.c:.3g}")


def check_curvature_proposition(model: SetRewardSMDP, *, result: SubPOResult | None = None,
                                converged_tol: float = 1e-3, f: Facts | None = None, **subpo) -> Verdict:
    """The curvature proposition on converged tabular SubPO-M: ``J(pi) >= (1 - c) J*`` with ``J*`` over all
    history-dependent policies (the strict reading of an ambiguous statement, see the module docstring). ``result``:
    a run to judge (default :func:`~boundlab.tabular.submodular_bandit.exact_subpo` with ``**subpo``, by default
    ``iterations=5000, lr=10``). n/a unless ``F`` is monotone submodular, the run is at a first-order stationary point
    of ``J`` over Markov policies (its Frank-Wolfe gap ``<= converged_tol * max F``; the logit gradient is no test:
    it also vanishes on the plateaus of a near-deterministic softmax) and ``c < 1`` (at ``c = 1`` the bound is 0:
    vacuous). A softmax run only approaches its limit, so the verdict allows a slack
    of ``converged_tol * max F`` (said in the detail)."""
    f = _facts(model, f)
    converged_tol = check_real(converged_tol, "converged_tol", low=0.0)
    if result is not None and not isinstance(result, SubPOResult):
        raise TypeError(f"result must be a SubPOResult (exact_subpo, softmax_result) or None, got "
                        f"{type(result).__name__}")
    r = exact_subpo(model, **{"iterations": 5000, "lr": 10.0, **subpo}) if result is None else result
    failed = [] if f.submodular else [f"F not monotone submodular ({f.why_not})"]
    if not r.fw_gap <= converged_tol * max(f.fmax, 1e-300):
        failed.append(f"not at a stationary point (Frank-Wolfe gap over Markov policies {r.fw_gap:.2e} > "
                      f"{converged_tol:g} max F; logit-gradient norm {r.grad_norm:.1e}: a softmax plateau)")
    if f.submodular and (np.isnan(f.c) or f.c >= 1.0 - 1e-12):
        failed.append(f"vacuous: c = {f.c:.3g} makes (1 - c) J* = 0")
    c = 0.0 if np.isnan(f.c) else f.c
    return _verdict("converged tabular SubPO-M >= (1 - c) J* (ambiguous statement; strict reading: J* over "
                    "history-dependent policies)", failed, r.value,
                    curvature_proposition_bound(f.j_star, min(c, 1.0)), f.j_star,
                    f"c = {f.c:.3g}; J* over history-dependent policies, best open-loop {f.opt:.6g}; Frank-Wolfe gap "
                    f"{r.fw_gap:.1e} after {r.iterations} iterations; slack for the unfinished limit "
                    f"{converged_tol:g} max F", atol=converged_tol * f.fmax)


def trap_fractions(ks) -> list[tuple[int, float, float, float]]:
    """``(k, greedy J, OPT, greedy / OPT)`` on :func:`trap_corridor` ``(k)``: OPT by brute force where ``3^k`` sequences
    are few (``k <= 8``), else ``k``, the value of going right ``k`` times (optimal by the corridor's argument, checked
    by brute force in the tests; at worst a lower bound on OPT, so the fraction at worst over-states greedy)."""
    out = []
    for k in ks:
        model = trap_corridor(k)
        greedy = greedy_sequence(model).value
        opt = best_sequence(model)[1] if k <= 8 else sequence_value(model, np.full(k, RIGHT))
        out.append((k, greedy, opt, greedy / opt))
    return out


# -------------------------------------------------------------------------------------------------- check rows
def _row(instance: str, check: str, verdict: str, detail: str) -> dict:
    return {"algorithm": _ALGORITHM, "instance": instance, "check": check, "verdict": verdict, "detail": detail}


def _aggregate(family: str, verdicts: list[Verdict]) -> dict:
    judged = [v for v in verdicts if v.verdict != "n/a"]
    held = sum(v.verdict == "HELD" for v in judged)
    ratios = [v.measured / v.reference for v in verdicts if v.reference > 0 and np.isfinite(v.measured)]
    if judged:
        verdict = "HELD" if held == len(judged) else "FAILED"
        detail = f"held on {held}/{len(judged)} instances where the assumptions hold ({len(verdicts)} in all)"
    else:
        verdict = "n/a"
        detail = f"assumptions fail on all {len(verdicts)} instances: {verdicts[0].detail}"
    if ratios:
        detail += f"; J / reference min {min(ratios):.4f}, median {float(np.median(ratios)):.4f}"
    failed = [v.detail for v in judged if v.verdict == "FAILED"]
    if failed:
        detail += f"; first failure: {failed[0]}"
    return _row(family, verdicts[0].check, verdict, detail)


def submodular_check_rows(quick: bool = True) -> list[dict]:
    """Rows for ``boundlab check`` (``algorithm, instance, check, verdict, detail``), on random weighted-coverage
    epsilon-bandits (:func:`~boundlab.tabular.submodular_bandit.coverage_bandit`): per family (``eps``, slip kernel)
    whether ``J`` is monotone DR-submodular, continuous greedy vs ``(1 - 1/e) OPT``, projected-gradient end points vs
    ``OPT / 2``, greedy vs ``(1/c)(1 - e^{-c}) OPT`` (``eps = 0``); the curvature proposition per instance on
    exact-gradient SubPO-M (sparser coverage, ``density = 0.1``, so that ``c`` spreads over ``[0, 1)``); on trap
    corridors the greedy's fraction of OPT as ``k`` grows (HELD when it decreases
    strictly to below 0.1) and the greedy guarantee's n/a outside the epsilon-bandit regime."""
    quick = check_flag(quick, "quick")
    n, H = (5, 3) if quick else (6, 4)
    seeds = range(4 if quick else 10)
    steps = 1000 if quick else 3000
    rows = []
    families = [(0.0, "uniform"), (0.1, "uniform"), (0.1, "ring")]
    for eps, slip in families:
        models = [coverage_bandit(n, H, eps, s, slip=slip) for s in seeds]
        fs = [facts(m, seed=s) for s, m in zip(seeds, models)]
        family = f"coverage-bandit(n={n}, H={H}, eps={eps:g}, slip={slip}), seeds {seeds.start}..{seeds.stop - 1}"
        dr_ok = sum(f.dr.ok for f in fs)
        worst = max(f.dr.max_second for f in fs)
        # the property is proved for a state-independent slip [own]; for the ring slip the paper's eps-dependence,
        # unknown to us, decides whether it should hold, so that family gets no verdict, only the measurement
        dr_verdict = ("HELD" if dr_ok == len(fs) else "FAILED") if slip != "ring" else "n/a"
        rows.append(_row(family, "J monotone DR-submodular on the relaxed polytope (finite-difference signs, 20 "
                         "random points)", dr_verdict,
                         f"held on {dr_ok}/{len(fs)} instances; max second partial {worst:.3g}, min dJ/dy "
                         f"{min(f.dr.min_gradient for f in fs):.3g}"
                         + ("" if slip != "ring" else "; state-dependent slip: the paper's eps-dependence is not "
                            "known to us, so no verdict")))
        rows.append(_aggregate(family, [check_continuous_greedy(m, steps=steps, f=f) for m, f in zip(models, fs)]))
        rows.append(_aggregate(family, [check_stationary(m, seed=s, f=f) for s, m, f in zip(seeds, models, fs)]))
        if eps == 0.0:
            rows.append(_aggregate(family, [check_greedy(m, f=f) for m, f in zip(models, fs)]))
        if slip == "uniform":  # sparser coverage: curvatures spread over [0, 1), where (1 - c) J* bites
            for s in seeds:
                m = coverage_bandit(n, H, eps, s, density=0.1)
                v = check_curvature_proposition(m, f=facts(m, points=2, seed=s), seed=s)
                rows.append(_row(f"{m.name[:-1]}, density=0.1)", v.check, v.verdict, v.detail))
    ks = (2, 4, 8, 16, 32) if quick else (2, 4, 8, 16, 32, 64, 128)
    fr = trap_fractions(ks)
    fractions = [x[3] for x in fr]
    falls = all(b < a for a, b in zip(fractions, fractions[1:])) and fractions[-1] < 0.1
    rows.append(_row(f"trap-corridor(k), k = {', '.join(map(str, ks))}",
                     "myopic gain-chasing gets a vanishing fraction of OPT outside the eps-bandit regime (hardness, "
                     "Theorem 1's practical face)", "HELD" if falls else "FAILED",
                     "greedy / OPT = " + ", ".join(f"{x:.3f}" for x in fractions) + " (~1.5/k)"))
    trap = trap_corridor(6)
    tf = facts(trap)
    v = check_greedy(trap, f=tf)
    rows.append(_row(trap.name, v.check, v.verdict, v.detail))
    small = trap_corridor(4)
    v = check_curvature_proposition(small, f=facts(small))
    rows.append(_row(small.name, v.check, v.verdict, v.detail))
    return rows + _grid_rows(quick)


#: The ``c = 0`` instances among ``coverage_grid(3, 3, 4, seed)``, seeds 0..23 (a scan; the others have c >= 0.12),
#: where ``(1 - c) J* = J*`` leaves a stationary point no room.
MODULAR_GRID_SEEDS = (10, 23)


def _grid_rows(quick: bool) -> list[dict]:
    """The curvature proposition on 3 x 3 coverage grids (the grid learners' environment, deterministic, H = 4):
    exact-gradient SubPO-M per instance, and the sampled SubPO-M of :mod:`boundlab.tabular.learners.subpo` (tabular
    policy, Adam, batch 256, 300 epochs, lr 0.3) on the ``c = 0`` instances, judged by its final logits' exact
    ``J`` and Frank-Wolfe gap."""
    from boundlab.tabular.learners.subpo import subpo

    rows = []
    seeds = (8, 9, 10, 11) if quick else tuple(range(24))
    for s in seeds:
        env = coverage_grid(3, 3, 4, s)
        model = grid_smdp(env)
        v = check_curvature_proposition(model, f=facts(model, points=2), seed=s)
        rows.append(_row(env.name, v.check + ", exact gradients", v.verdict, v.detail))
    for s in MODULAR_GRID_SEEDS:
        env = coverage_grid(3, 3, 4, s)
        model = grid_smdp(env)
        run = subpo(env, 300, s, variant="M", policy="tabular", batch=256, lr=0.3)
        result = softmax_result(model, np.asarray(run.theta, np.float64).reshape(model.H, model.S, model.A), 300)
        v = check_curvature_proposition(model, f=facts(model, points=2), result=result)
        rows.append({"algorithm": "SubPO-M (learners.subpo: sampled, tabular, Adam)", "instance": env.name,
                     "check": v.check + " (c = 0 instance, seeds 0..23 scanned)", "verdict": v.verdict,
                     "detail": v.detail})
    return rows
