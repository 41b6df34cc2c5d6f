"""OMLE and explore-then-commit on finite POMDP classes: the choice rule against a plain re-computation from the
recorded data, the confidence set's coverage, the simulator's history law, exact regret through the harness,
reproducibility, the lower-bound rates, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import boundlab.bounds.revealing as br
from boundlab import bounds
from boundlab.tabular import POMDP
from boundlab.tabular.learners.omle import OMLERun, omle, omle_etc, revealing_steps
from boundlab.tabular.revealing import (
    RevealingProblem,
    _forward,
    history_log_likelihoods,
    history_optimal,
    revealing_bandit,
    revealing_problem,
    uniformity_pac_problem,
)

from test_revealing import reference_value


def reference_choices(problem, run, commit, cuts=0):
    """Re-derive each episode's choice from the recorded histories by the rule in plain Python (the slow reference
    of the kernel; ``cuts``: Algorithm 2's episodes per iteration, the choice made at each iteration's first),
    returning the choices and whether the true model was in every episode's set."""
    logp = np.stack([history_log_likelihoods(m) for m in problem.models])
    vstar = [history_optimal(m)[0] for m in problem.models]
    LL = np.zeros(len(problem.models))
    truth = [i for i, m in enumerate(problem.models) if m is problem.true][0]
    choices, covered, committed, m = [], True, None, -1
    for k, h in enumerate(run.histories):
        if k < run.n_explore:
            m = -1
        elif commit and committed is not None:
            m = committed
        elif cuts == 0 or (k - run.n_explore) % cuts == 0:
            inside = [i for i in range(len(LL)) if LL[i] >= LL.max() - run.beta]
            covered &= truth in inside
            m = max(inside, key=lambda i: (round(vstar[i], 11), LL[i], -i))
            committed = m
        choices.append(m)
        if not (commit and k >= run.n_explore):
            LL += logp[:, h]
    return np.array(choices), covered, LL


def reference_policy(problem, table, follow):
    """``table`` with the histories of ``follow`` steps or more set to -1 (uniform): plain loop over levels."""
    out, i = np.array(table), 0
    for t in range(problem.H):
        width = (problem.A * problem.n_obs) ** t
        if t >= follow:
            out[i:i + width] = -1
        i += width
    return out


ALG1 = {"exploration": "optimistic"}
ALG2 = {"exploration": "uniform-suffix", "steps": 1}  # H = 2, m = 1: two episodes per iteration (h = 0, 1)


@pytest.mark.parametrize("steps", [1, 2])
@pytest.mark.parametrize("learner,commit,params", [(omle, False, {}), (omle, False, ALG1), (omle, False, ALG2),
                                                    (omle_etc, True, {})])
def test_choices_match_reference(learner, commit, params, steps):
    problem = revealing_problem(3, 0.2, 0.8, steps, good_arm=2)
    auto_alg2 = learner is omle and not params and steps == 2  # 'auto' on a 2-step class: Algorithm 2 with m = 2
    cuts = 2 if params is ALG2 else (1 if auto_alg2 else 0)
    for seed in range(3):
        run = learner(problem, 300, seed, **params)
        choices, _, LL = reference_choices(problem, run, commit, cuts)
        np.testing.assert_array_equal(run.model_index, choices)
        np.testing.assert_allclose(run.log_likelihood, LL)
        follow = np.where(choices < 0, 0, np.arange(300) % cuts if cuts else problem.H)
        np.testing.assert_array_equal(run.follow, follow)
        tables = np.stack([history_optimal(m)[1] for m in problem.models])
        for k in range(0, 300, 37):
            expected = np.full(tables.shape[1], -1) if choices[k] < 0 else reference_policy(problem, tables[choices[k]],
                                                                                            follow[k])
            np.testing.assert_array_equal(run.policies[k], expected)


def test_exploration_defaults_follow_the_paper():
    """'auto' is Algorithm 1 on a 1-step revealing class and Algorithm 2 (m = 2: one uniform episode per iteration
    at H = 2) on a class revealing only in 2 steps; the m found is the rank's."""
    one, two = revealing_problem(2, 0.3, 0.9, 1), revealing_problem(2, 0.3, 0.9, 2)
    assert revealing_steps(one.models) == 1 and revealing_steps(two.models) == 2
    assert revealing_steps(uniformity_pac_problem(4).models) == 2
    assert np.all(omle(one, 50, 0).follow == 2)
    assert np.all(omle(two, 50, 0).follow == 0)
    np.testing.assert_array_equal(omle(one, 50, 0).policies, omle(one, 50, 0, exploration="optimistic").policies)


def test_confidence_set_covers_the_truth():
    """With beta = log(M / delta) the true model leaves the set w.p. <= delta (M-1)/M (Ville's inequality per rival,
    union bound; tabular/learners/omle.py). Counted over 200 seeds, every episode checked."""
    delta = 0.3
    problem = revealing_problem(3, 0.3, 0.75, 1, good_arm=1)
    failures = sum(not reference_choices(problem, omle(problem, 150, s, delta=delta), False)[1] for s in range(200))
    p = delta * 2 / 3
    assert failures <= 200 * p + 3 * np.sqrt(200 * p * (1 - p))


def test_histories_follow_the_true_law_under_uniform_exploration():
    """All-exploration ETC draws complete histories with probability F_H[h].sum() / A^H (exact forward table)."""
    problem = revealing_problem(2, 0.3, 0.8, 2, good_arm=1)
    K = 20000
    run = omle_etc(problem, K, 5, explore_scale=K)  # N = K: every episode uniform
    assert run.n_explore == K and np.all(run.model_index == -1)
    p = _forward(problem.true)[-1].sum(axis=1) / problem.A ** problem.H
    counts = np.bincount(run.histories, minlength=len(p))
    sd = np.sqrt(K * p * (1 - p))
    assert np.all(np.abs(counts - K * p) <= 5 * sd + 1e-9)
    values = np.full(K, reference_value(problem.true, run.policies[0]))
    assert abs(run.returns.mean() - values.mean()) <= 5 * run.returns.std() / np.sqrt(K)


@pytest.fixture
def registered(monkeypatch):
    """The names the lead registers (omle, omle-etc), registered for one test only."""
    from boundlab.bounds import registry

    for name, fn in (("omle", omle), ("omle-etc", omle_etc)):
        monkeypatch.setitem(registry._REGISTRY, name, fn)


def test_exact_regret_matches_reference_and_harness(registered):
    problem = revealing_problem(2, 0.25, 0.85, 1, good_arm=1)
    run = omle_etc(problem, 400, 3)
    v_star = br.revealing_optimum(problem)
    assert v_star == pytest.approx(0.75)
    regret = br.revealing_regret(problem, run, v_star)
    for k in (0, 1, run.n_explore, 399):
        assert regret[k] == pytest.approx(v_star - reference_value(problem.true, run.policies[k]), abs=1e-12)
    assert np.all(regret >= -1e-12)
    assert {"omle", "omle-etc"} <= set(bounds.algorithms("regret"))
    df = bounds.measure_regret("omle-etc", problem, 400, [3], progress=False)
    np.testing.assert_allclose(df.regret, regret)
    np.testing.assert_allclose(df["return"], run.returns)


def test_omle_never_probes_where_only_a_probe_reveals():
    """On the 2-step instance no class member's optimal policy probes, so purely optimistic OMLE's data never
    separate them: its choice never changes (and is wrong here), linear regret; explore-then-commit learns, and so
    does OMLE's Algorithm 2 (the default there): its output is right once the data separate the members."""
    problem = revealing_problem(2, 0.3, 0.9, 2, good_arm=1)
    run = omle(problem, 500, 0, exploration="optimistic")
    assert np.all(run.model_index == run.model_index[0])
    np.testing.assert_allclose(run.log_likelihood, run.log_likelihood[0])
    assert br.revealing_regret(problem, run).sum() == pytest.approx(500 * 0.3)
    etc = omle_etc(problem, 500, 0, explore_scale=3.0)
    assert np.all(etc.model_index[etc.n_explore:] == 1)
    alg2 = omle(problem, 500, 0)
    assert alg2.model_index[-1] == 1 and np.all(alg2.follow == 0)


def test_pac_episodes_matches_reference():
    """The PAC count against a plain re-computation from OMLE's recorded choices (each output evaluated by the plain
    recursion); the default Algorithm 2 finds the perturbed arm, the optimistic-only OMLE never does (never reads)."""
    problem = uniformity_pac_problem(4, None, 0.5)
    v_star = br.revealing_optimum(problem)
    tables = np.stack([history_optimal(m)[1] for m in problem.models])
    K, target = 600, 0.125
    counts = br.pac_episodes(problem, K, range(4), eps_target=target)
    for seed, count in zip(range(4), counts):
        run = omle(problem, K, seed)
        bad = [v_star - reference_value(problem.true, tables[m]) > target for m in run.model_index]
        expected = np.nan if bad[-1] else max((k + 1 for k, b in enumerate(bad) if b), default=0)
        np.testing.assert_equal(count, expected)
    assert np.all(np.isfinite(counts))
    assert np.all(np.isnan(br.pac_episodes(problem, K, range(2), eps_target=target, exploration="optimistic")))


def test_pac_slope_runs_and_reports():
    res = br.revealing_pac_slope((2, 4), range(3), K=3000, n_boot=20)
    assert np.isfinite(res.slope) and res.low <= res.slope <= res.high and res.reached == 1.0
    assert list(res.frame.columns) == ["seed", "n", "S", "n_arms", "models", "episodes"]
    assert sorted(res.frame.S.unique()) == [5, 9]
    ctrl = br.revealing_pac_slope((2, 4), range(2), K=200, n_boot=20, exploration="optimistic")
    assert np.isnan(ctrl.slope) and ctrl.reached == 0.0 and not ctrl.below_lower_bound


def test_exploration_bad_input():
    problem = revealing_problem(2, 0.2, 0.8, 1)
    with pytest.raises(ValueError, match="exploration"):
        omle(problem, 10, 0, exploration="greedy")
    with pytest.raises(TypeError, match="exploration"):
        omle(problem, 10, 0, exploration=1)
    with pytest.raises(ValueError, match="steps"):
        omle(problem, 10, 0, steps=1)  # steps without 'uniform-suffix'
    with pytest.raises(ValueError, match="steps"):
        omle(problem, 10, 0, exploration="uniform-suffix", steps=3)
    with pytest.raises(TypeError, match="steps"):
        omle(problem, 10, 0, exploration="uniform-suffix", steps=1.0)
    blind = revealing_bandit(2, 0.2, 0.8, 2)  # 4 observations; the member below emits them uniformly: never revealing
    flat = RevealingProblem(blind, (POMDP(blind.P, np.full_like(blind.O, 0.25), blind.R, H=2, initial=blind.initial),))
    with pytest.raises(ValueError, match="auto"):
        omle(flat, 10, 0)
    assert np.all(omle(flat, 10, 0, exploration="uniform-suffix").follow == 0)  # m = H: one uniform episode
    with pytest.raises(ValueError, match="eps_target"):
        br.pac_episodes(uniformity_pac_problem(2), 10, [0], eps_target=-1.0)
    with pytest.raises(ValueError, match="n_grid"):
        br.revealing_pac_slope((2,), range(2))
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):  # review 14b: was a pandas KeyError
        br.revealing_pac_slope((2, 4), [], K=10)


def test_reproducible():
    problem = revealing_problem(2, 0.2, 0.8, 1)
    for learner in (omle, omle_etc):
        a, b, c = learner(problem, 200, 11), learner(problem, 200, 11), learner(problem, 200, 12)
        for f in ("policies", "returns", "histories", "model_index", "log_likelihood"):
            np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
        assert not np.array_equal(a.histories, c.histories)
    assert isinstance(a, OMLERun)


def test_lower_bound_rates():
    assert br.regret_exponent(1) == 0.5 and br.regret_exponent(3) == pytest.approx(2 / 3)
    np.testing.assert_allclose(br.regret_lower_rate(np.array([8, 64]), 2), [4.0, 16.0])
    assert br.pac_lower_rate(16, 0.1) / br.pac_lower_rate(4, 0.1) == pytest.approx(8.0)
    assert br.pac_lower_rate(16, 0.1, steps=1) / br.pac_lower_rate(4, 0.1, steps=1) == pytest.approx(4.0)


def test_slope_function_runs_and_reports():
    res = br.revealing_slope(omle_etc, [60, 120, 240], range(3), steps=2, n_boot=50)
    assert set(res.frame.columns) == {"seed", "T", "eps", "regret", "zero"} and len(res.frame) == 9
    assert res.frame.zero.between(0, 1).all()
    assert res.low <= res.slope <= res.high and res.exponent == pytest.approx(2 / 3)
    expected = np.minimum(0.5, np.array([60, 120, 240]) ** (-1 / 3))
    np.testing.assert_allclose(res.frame.groupby("T").eps.first(), expected)


def test_bad_input():
    problem = revealing_problem()
    with pytest.raises(TypeError, match="problem"):
        omle(revealing_bandit(), 10, 0)
    with pytest.raises(TypeError, match="K"):
        omle(problem, 2.5, 0)
    with pytest.raises(ValueError, match="K"):
        omle(problem, 0, 0)
    with pytest.raises(ValueError, match="delta"):
        omle(problem, 10, 0, delta=0.0)
    with pytest.raises(TypeError, match="delta"):
        omle(problem, 10, 0, delta="0.1")
    with pytest.raises(ValueError, match="bonus_scale"):
        omle_etc(problem, 10, 0, bonus_scale=-1.0)
    with pytest.raises(TypeError, match="explore_scale"):
        omle_etc(problem, 10, 0, explore_scale="1")
    with pytest.raises(TypeError, match="seed"):
        omle(problem, 10, 1.5)
    m = problem.true
    scaled = type(m)(m.P, m.O, 2 * m.R, H=m.H, initial=m.initial)
    with pytest.raises(ValueError, match=r"rewards in \[0, 1\]"):
        omle(RevealingProblem(scaled, (scaled,)), 10, 0)
    run = omle(problem, 5, 0)
    with pytest.raises(ValueError, match="policies"):
        br.revealing_regret(problem, OMLERun(policies=run.policies[:, :3], starts=run.starts, returns=run.returns))
    with pytest.raises(TypeError, match="problem"):
        br.revealing_optimum(m)
    with pytest.raises(ValueError, match="T"):
        br.regret_lower_rate(np.array([0, 4]), 2)
    with pytest.raises(TypeError, match="T"):
        br.regret_lower_rate(4.5, 2)
    with pytest.raises(ValueError, match="T"):
        br.revealing_slope(omle, [100], steps=1)
    with pytest.raises(ValueError, match="n_boot"):
        br.revealing_slope(omle, [10, 20], steps=1, n_boot=0)
    with pytest.raises(TypeError, match="steps"):
        br.regret_exponent(2.0)


def test_sweep_stores_and_reuses_revealing_runs(tmp_path):
    """bounds.sweep keys a RevealingProblem by content (fingerprint of the POMDPs and the class), runs nothing again
    on a second call, and stores the harness's exact regret."""
    calls = []

    def counted(problem, K, seed, **params):
        calls.append(seed)
        return omle(problem, K, seed, **params)

    problem = revealing_problem(2, 0.2, 0.85, 1, good_arm=1)
    store = tmp_path / "runs.sqlite"
    first = bounds.sweep(counted, {"rb": problem}, [0, 1], 60, store=store, progress=False)
    again = bounds.sweep(counted, {"rb": problem}, [0, 1], 60, store=store, progress=False)
    assert sorted(calls) == [0, 1]
    order = ["seed", "episode"]
    np.testing.assert_allclose(first.sort_values(order).regret, again.sort_values(order).regret)
    direct = bounds.measure_regret(omle, problem, 60, [0, 1], progress=False)
    np.testing.assert_allclose(first.sort_values(order).regret.to_numpy(), direct.regret.to_numpy())
    assert bounds.fingerprint(problem) != bounds.fingerprint(revealing_problem(2, 0.2, 0.85, 1, good_arm=0))


def test_check_rows():
    """The exact claims hold (alpha = 1 on permutations, the norm inequality, the instances' constants, the
    never-probing control); the slope rows carry their CI, the lower bound's exponent and its source."""
    rows = br.revealing_check_rows(quick=True)
    assert {tuple(sorted(r)) for r in rows} == {("algorithm", "check", "detail", "instance", "verdict")}
    exact = [r for r in rows if r["check"].startswith(("alpha = 1", "norm inequality", "hard instances",
                                                        "control: omle (exploration='optimistic') never probes",
                                                        "no learner", "PAC family", "control: optimistic-only"))]
    assert len(exact) == 7 and all(r["verdict"] == "HELD" for r in exact), exact
    pac = [r for r in rows if r["check"].startswith("PAC: OMLE")]
    assert len(pac) == 1 and pac[0]["verdict"] in ("HELD", "FAILED", "n/a")
    assert "95% bootstrap CI" in pac[0]["detail"] and "not a proof" in pac[0]["detail"]
    slopes = [r for r in rows if r["check"].startswith("regret slope CI")]
    assert [r["algorithm"] for r in slopes] == ["omle", "omle-etc"]
    assert all("95% bootstrap CI" in r["detail"] and "not a proof" in r["detail"] for r in slopes)
    assert all(r["verdict"] in ("HELD", "FAILED") for r in rows)
    with pytest.raises(TypeError, match="quick"):
        br.revealing_check_rows(quick="no")


def test_below_lower_bound_allows_rounding():
    """A degenerate CI on the exponent (every seed on the same power law) is not below it."""
    res = br.RevealingSlope(2 / 3 - 1e-14, 2 / 3 - 1e-14, 2 / 3 - 1e-14, 2 / 3, None)
    assert not res.below_lower_bound
    assert br.RevealingSlope(0.5, 0.4, 0.6, 2 / 3, None).below_lower_bound
