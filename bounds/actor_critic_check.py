"""``boundlab check`` rows for the optimistic actor-critic of Tan, Fan & Wei 2025 (``tabular/learners/actor_critic.py``,
``bounds/actor_critic_bounds.py``), on the ladder of DESIGN.md: the optimism lemma entry by entry, the switch count,
valid actors, c*_off, the combination lock (optimism needed), the regret slope, and the hybrid transition at the
fitted offline constant."""

from __future__ import annotations

import numpy as np

from boundlab import solvers, tabular
from boundlab.tabular.learners.actor_critic import (ac_hybrid_pessimistic, ac_optimistic, actor_regret,
                                                    concentrability, greedy_gap, switch_bound)
from boundlab.tabular.lock import combination_lock

from .actor_critic_bounds import offline_size
from .check import BURN_IN
from .slopes import bootstrap_slope, grid_burn_in

ALGORITHM = "actor-critic (Tan-Fan-Wei 2025)"
#: ``offline_size``'s constant, fitted in notebooks/08_actor_critic.ipynb (FULL): the N_off at which the
#: non-optimistic hybrid's greedy-critic success rate crosses 1/2 on the 6-step, 3-action lock (behaviour = the code
#: w.p. 1/2, eps = 0.1, 200 online episodes), over ``c*_off d H^4 / eps^2`` there.
OFFLINE_CONSTANT = 1.81e-6
#: The least fraction of unclipped critic entries for the optimism row to count (tests/test_actor_critic.py).
UNCLIPPED = 0.1


def _row(check: str, instance: str, verdict: bool | None, detail: str) -> dict:
    return {"algorithm": ALGORITHM, "instance": instance, "check": check,
            "verdict": "n/a" if verdict is None else ("HELD" if verdict else "FAILED"), "detail": detail}


def lock_behaviour(lock) -> np.ndarray:
    """The behaviour of the hybrid checks: the lock's code w.p. 1/2, else uniform (on the path it plays the code
    w.p. ``1/2 + 1/(2A)``, so ``c*_off = (2A / (A + 1))^H``: ``1.5^H`` for ``A = 3``)."""
    H, S, A = lock.H, lock.S, lock.A
    b = np.full((H, S, A), 1.0 / A)
    b[:, 0] = 0.5 / A
    b[np.arange(H), 0, lock.P[:, 0, :, 0].argmax(axis=1)] += 0.5
    return b


def _slope_row(Ks: np.ndarray, cumulative: np.ndarray) -> dict:
    """The sqrt(K) row on the lock, judged only past the burn-in (DESIGN.md): the fit starts at the first K whose
    local slope (to the next K, bootstrap CI over seeds) has its upper end below ``check.BURN_IN[0]``, and needs at
    least three K from there; otherwise n/a, with the local slopes."""
    start, shown = grid_burn_in(Ks, cumulative, BURN_IN[0])
    check, instance = "lock: regret slope CI of ac-optimistic contains 0.5 (sqrt(K)), past the burn-in", "lock H=8 A=3"
    if start is None or len(Ks) - start < 3:
        where = "beyond K_max" if start is None else f"from K = {Ks[start]}, too few K after it"
        return _row(check, instance, None, f"n/a: burn-in (local slope CI upper end < {BURN_IN[0]}) {where}; "
                    f"local slopes {shown} (bonus_scale 0.05)")
    s, lo, hi = bootstrap_slope(Ks[start:], cumulative[:, start:])
    return _row(check, instance, lo <= 0.5 <= hi, f"slope {s:.3f} [{lo:.3f}, {hi:.3f}] at K {Ks[start:].tolist()} "
                f"(burn-in left at K = {Ks[start]}; local slopes {shown}; bonus_scale 0.05, the actor restarts "
                "uniform at every switch)")


def actor_critic_check_rows(quick: bool = True) -> list[dict]:
    """Rows (``algorithm, instance, check, verdict, detail``) for ``boundlab check``."""
    rows = []
    n_inst, delta = (6, 0.1) if quick else (20, 0.1)
    violated, unclipped = [], []
    for i in range(n_inst):  # the optimism lemma at the theorem's constant (bonus_scale 1)
        for model, K in ((tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=2, A=2, seed=i).to_arrays(), H=2), 2000),
                         (tabular.random_linear_mdp(3, 2, 2, 3, seed=i), 1000)):
            run = ac_optimistic(model, K, i, delta=delta, record_q=True)
            epi = model.to_episodic() if isinstance(model, tabular.LinearMDP) else model
            Q_star = solvers.backward_induction(epi.P, epi.R, epi.H).Q
            free = run.q_values < epi.H - 1e-9
            violated.append(bool((free & (run.q_values < Q_star[None] - 1e-9)).any()))
            unclipped.append(free.mean())
    informative = float(np.mean(unclipped)) >= UNCLIPPED
    rate = float(np.mean(violated))
    rows.append(_row("optimism lemma f_k,h(s, a) >= Q*_h(s, a) on unclipped entries (bonus_scale 1, delta 0.1): "
                     "violating runs <= delta", f"{n_inst} dirichlet (S=A=H=2) + {n_inst} linear (S=3, A=2, d=2, H=3)",
                     rate <= delta if informative else None,
                     f"violating runs {rate:.3f}; unclipped fraction {np.mean(unclipped):.3f} (n/a below {UNCLIPPED})"))

    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=4, A=3, seed=2).to_arrays(), H=3)
    Ks = np.array([250, 1000, 4000] if quick else [250, 1000, 4000, 16000, 64000])
    counts, valid = [], True
    for K in Ks:
        run = ac_optimistic(model, int(K), 1, bonus_scale=0.05, record_q=K <= 1000)
        counts.append(len(run.switches))
        if run.actor is not None:
            valid &= bool((run.actor >= 0).all() and np.allclose(run.actor.sum(axis=3), 1.0, atol=1e-12)
                          and np.allclose(run.actor[run.switches], 1.0 / model.A))
    bounds_ = [switch_bound(model.S * model.A, model.H, int(K)) for K in Ks]
    fit = np.polyfit(np.log(Ks), counts, 1)
    resid = np.asarray(counts) - np.polyval(fit, np.log(Ks))
    r2 = 1 - resid.var() / max(np.var(counts), 1e-300)
    rows.append(_row("switches <= switch_bound and grow like log K (fit a + b log K, R^2 >= 0.9)",
                     "dirichlet S=4 A=3 H=3",
                     all(c <= b for c, b in zip(counts, bounds_)) and fit[0] > 0 and r2 >= 0.9,
                     f"K {Ks.tolist()}: switches {counts}, bounds {[round(b) for b in bounds_]}, R^2 {r2:.3f}"))
    rows.append(_row("actors are distributions after every update, uniform right after each switch",
                     "dirichlet S=4 A=3 H=3", valid, f"checked at K <= 1000 ({sum(Ks <= 1000)} runs)"))

    P = np.zeros((2, 2, 2))
    P[0, :, 0] = P[1, :, 1] = 1.0
    tie = tabular.EpisodicMDP(P, np.array([[0.5, 0.5], [0.0, 0.0]]), 3, initial=np.array([1.0, 0.0]))
    c = concentrability(tie, np.ones(2, dtype=np.int64))
    rows.append(_row("c*_off with two optimal actions, behaviour on the second: 1 (ties towards the behaviour)",
                     "two-action tie", c == 1.0, f"c*_off = {c}"))

    lock = combination_lock(8, 3)
    Ks = np.array([1000, 2000, 4000, 8000] if quick else [4000, 8000, 16000, 32000, 64000])
    seeds = range(3 if quick else 8)
    cum = {name: np.array([[actor_regret(lock, fn(lock, int(K), s, record_q=True, **kw)).sum() for K in Ks]
                           for s in seeds])
           for name, fn, kw in (("opt", ac_optimistic, dict(bonus_scale=0.05)),
                                ("nonopt", ac_hybrid_pessimistic, dict(N_off=0)))}
    s_n, lo_n, hi_n = bootstrap_slope(Ks, cum["nonopt"])
    s_o, lo_o, hi_o = bootstrap_slope(Ks, cum["opt"])
    rows.append(_row("lock: the non-optimistic actor-critic (N_off = 0) has linear regret (slope CI above 0.95), "
                     "the optimistic one a lower slope", "lock H=8 A=3", lo_n > 0.95 and hi_o < lo_n,
                     f"K {Ks.tolist()}, {len(seeds)} seeds: non-optimistic {s_n:.3f} [{lo_n:.3f}, {hi_n:.3f}], "
                     f"optimistic (bonus_scale 0.05) {s_o:.3f} [{lo_o:.3f}, {hi_o:.3f}]"))
    rows.append(_slope_row(Ks, cum["opt"]))

    b = lock_behaviour(lock)
    need = offline_size(concentrability(lock, b), d=lock.S * lock.A, H=lock.H, eps=0.1, constant=OFFLINE_CONSTANT)
    mults = (0.25, 1.0, 4.0)
    hyb_seeds = range(6 if quick else 20)
    rate = {m: float(np.mean([greedy_gap(lock, ac_hybrid_pessimistic(lock, 200, s, N_off=round(m * need),
                                                                     behaviour=b, record_q=True)) <= 0.1
                              for s in hyb_seeds])) for m in mults}
    rows.append(_row("hybrid transition: the non-optimistic hybrid's greedy-critic success (eps 0.1) < 1/2 at "
                     "1/4 and >= 0.9 at 4x constant c*_off d H^4 / eps^2", "lock H=8 A=3",
                     rate[0.25] < 0.5 and rate[4.0] >= 0.9,
                     f"constant {OFFLINE_CONSTANT:g} (fitted on the 6-step lock), size {need:.1f}; success rate "
                     f"by multiple {rate} ({len(hyb_seeds)} seeds, 200 online episodes)"))
    return rows
