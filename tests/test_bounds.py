"""Bound functions, slope estimation, the check report and plots."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import bounds
from boundlab import tabular
from conftest import episodic
from boundlab.bounds.check import FOUND, PAPER, TOL, fixed_instances, hard_instances, run_check
from boundlab.bounds.sweep import sweep
from boundlab.bounds.slopes import bootstrap_slope


@given(st.integers(1, 50), st.integers(1, 10), st.integers(1, 30), st.integers(1, 10**6), st.floats(0.001, 0.5))
def test_ucbvi_bounds_are_the_stated_formulas(S, A, H, K, delta):
    T = K * H
    L = math.log(5 * H * S * A * T / delta)  # the theorems' L; Algorithms 3-4 use ln(5SAT/delta) in the bonus
    ch = bounds.upper_bound("ucbvi-ch", S=S, A=A, H=H, K=K, delta=delta)
    assert ch.value == pytest.approx(20 * H * L * math.sqrt(S * A * T) + 250 * H**2 * S**2 * A * L**2)
    bf = bounds.upper_bound("ucbvi-bf", S=S, A=A, H=H, K=K, delta=delta)
    assert bf.value == pytest.approx(30 * L * math.sqrt(H * S * A * T) + 2500 * H**2 * S**2 * A * L**2
                                     + 4 * H * math.sqrt(T * L))
    for name in ("ucb-h", "ucb-b", "mvp", "psrl"):
        b = bounds.upper_bound(name, S=S, A=A, H=H, K=K, delta=delta)
        assert b.value is None and b.rate > 0 and b.exponent == 0.5  # hidden constants: rate only


@given(st.integers(1, 20), st.integers(1, 5), st.integers(1, 20), st.integers(2, 10**5))
def test_bounds_grow_sublinearly_in_K(S, A, H, K):
    """Leading terms scale like K^(1/2) up to logs: doubling K multiplies each rate by less than 2 * (log ratio)."""
    for name in ("ucbvi-ch", "ucbvi-bf", "ucb-h", "psrl"):
        r1 = bounds.upper_bound(name, S=S, A=A, H=H, K=K).rate
        r2 = bounds.upper_bound(name, S=S, A=A, H=H, K=4 * K).rate
        assert r2 <= 2.0 * r1 * (1 + 1e-9) * math.log(max(S * A * 4 * K * H, 3)) / math.log(max(S * A * K * H, 3))


def test_bound_errors():
    with pytest.raises(ValueError, match="no upper bound"):
        bounds.upper_bound("greedy", S=2, A=2, H=2, K=2)
    with pytest.raises(ValueError, match="delta"):
        bounds.upper_bound("ucbvi-ch", S=2, A=2, H=2, K=2, delta=2)
    with pytest.raises(ValueError, match="feature dimension"):
        bounds.upper_bound("lsvi-ucb", S=2, A=2, H=2, K=2)


@given(st.floats(0.1, 1.0), st.floats(0.5, 50.0), st.integers(0, 2**31))
def test_loglog_slope_recovers_power_laws(exponent, scale, seed):
    """Noisy c K^p curves over 8 seeds: the bootstrap 95% CI contains p."""
    rng = np.random.default_rng(seed)
    K = np.arange(1, 5001)
    curves = scale * K**exponent * np.exp(rng.normal(0, 0.02, size=(8, 1)))
    s = bounds.loglog_slope(curves, burn_in=100, n_boot=200, seed=seed)
    assert s.low - 1e-6 <= exponent <= s.high + 1e-6
    assert abs(s.slope - exponent) < 0.01


def test_bootstrap_slope_over_a_K_grid_on_sqrt():
    K = np.array([100, 200, 400, 800])
    totals = np.sqrt(K)[None] * np.array([[1.0], [1.1], [0.9]])
    slope, low, high = bootstrap_slope(K, totals)
    assert slope == pytest.approx(0.5) and low <= 0.5 + 1e-9 and high >= 0.5 - 1e-9


def test_hard_instances_follow_the_construction():
    """S=10, A=2, H=12: 4 leaves at depth 2, H_bar = 4, leaf steps 3..7: N = 4 * 2 * 5 = 40 members, each with one
    distinct hidden (h*, leaf*, a*) whose good-state probability is 1/2 + epsilon(K)."""
    inst, eps, reward_steps = hard_instances(1000)
    assert len(inst) == 40 and reward_steps == 12 - 4 - 2 - 2
    assert eps == pytest.approx(min(0.25, math.sqrt(40 / 1000) / 2))
    hidden = set()
    for m in inst.values():
        leaf_rows = m.P[:, 3:, :, 1]  # probability of the good state from tree nodes
        assert leaf_rows.max() - 0.5 == pytest.approx(eps)
        where = np.argwhere(np.isclose(leaf_rows, 0.5 + eps))
        assert len(where) == 1  # one hidden (h*, leaf*, a*)
        hidden.add(tuple(where[0]))
    assert len(hidden) == 40


@given(st.integers(1, 10**5), st.floats(0.0, 0.49), st.integers(1, 200), st.integers(1, 50))
def test_hard_family_lower_bound_formula(K, eps, N, steps):
    kl = -0.5 * math.log(1 - 4 * eps**2)
    b = bounds.theorems.hard_family_lower_bound(K=K, epsilon=eps, n_choices=N, reward_steps=steps)
    assert b.value == pytest.approx(steps * eps * K * max(0.0, 1 - 1 / N - math.sqrt(K * kl / (2 * N))))
    assert 0 <= b.value <= steps * eps * K  # never above the regret of never finding the hidden choice


def test_never_exploring_learner_sits_above_the_family_lower_bound():
    """A learner that always plays action 0 finds the hidden choice in exactly one member: its family-average regret
    is Delta K (1 - 1/N), exactly, by policy evaluation; the lower bound must lie below it."""
    inst, eps, steps = hard_instances(2000)
    K = 2000
    policy = np.zeros((1, 12, 10), dtype=int)
    regrets = []
    for m in inst.values():
        V_star = bounds.regret.solvers.backward_induction(m.P, m.R, m.H).V[0, 0]
        value = bounds.regret.solvers.evaluate_policies(m.P, m.R, policy, [0])[0]
        regrets.append(K * (V_star - value))
    assert np.mean(regrets) == pytest.approx(steps * eps * K * (1 - 1 / len(inst)))
    lb = bounds.theorems.hard_family_lower_bound(K=K, epsilon=eps, n_choices=len(inst), reward_steps=steps)
    assert lb.value < np.mean(regrets)


@given(st.integers(1, 10**6), st.booleans())
def test_plot_points_thin_long_curves_and_keep_the_ends(n, loglog):
    from boundlab.bounds.plots import MAX_POINTS, plot_points

    idx = plot_points(n, loglog)
    assert idx[0] == 0 and idx[-1] == n - 1 and np.all(np.diff(idx) > 0)
    assert len(idx) == n if n <= MAX_POINTS else len(idx) <= MAX_POINTS


def test_check_writes_report_and_plots(tmp_path):
    """The quick check end to end, on both fixed instances (Dirichlet, deterministic rewards; RiverSwim H = 20,
    Bernoulli rewards). On the Dirichlet instance no theorem speaks at K = 2000 (PSRL's rate with constant 1
    exceeds H K until K ~ 1.6e4, UCBVI-BF's bound until ~3e9), so the slope verdicts are n/a with the K from which
    they would apply, though PSRL's measured regret flattens (slope CI below 0.5 + TOL); on the hard family UCBVI-BF and
    MVP under the papers' constants keep playing the lowest-index action (their sqrt(K) slope comes from
    epsilon(K) ~ K^-1/2 alone), so their slope verdict is n/a, while PSRL finds the hidden choice and is judged."""
    table = run_check(["psrl", "ucbvi-bf", "mvp"], quick=True, out=tmp_path, progress=False)
    report = (tmp_path / "report.md").read_text()
    page = (tmp_path / "report.html").read_text()
    instances = ("dirichlet-S6A3H10", "riverswim-bernoulli")
    assert page.count("data:image/png;base64,") == 2 * len(instances) + 1 and "never explored" in page
    assert "| psrl" in report and "Domingues" in report
    assert "`riverswim-bernoulli` (S=6, A=2, H=20; rewards are Bernoulli draws with mean R)" in report
    assert "`dirichlet-S6A3H10` (S=6, A=3, H=10; deterministic rewards R)" in report
    for name in [f"{kind}_{inst}" for inst in instances for kind in ("regret_fixed", "local_slopes")] + ["regret_hard"]:
        assert (tmp_path / f"{name}.png").stat().st_size > 0 and (tmp_path / f"{name}.svg").exists()
    assert set(table["verdict slope"]) <= {"HELD", "FAILED", "n/a"}
    fixed = table[~table.instance.str.startswith("minimax-hard")]
    # one row per (configuration, learner, instance): paper's constants for all three, practical for UCBVI-BF, MVP
    assert sorted(zip(fixed.configuration == PAPER, fixed.algorithm, fixed.instance)) == sorted(
        (paper, a, inst) for inst in instances for paper, a in
        [(True, "psrl"), (True, "ucbvi-bf"), (True, "mvp"), (False, "ucbvi-bf"), (False, "mvp")])
    river = fixed[fixed.instance == "riverswim-bernoulli"].set_index(["algorithm", "configuration"])
    assert river.loc[("ucbvi-bf", PAPER), "why n/a"].endswith("applies from K = 1.88e+12")  # S=6, A=2, H=20
    assert river.loc[("psrl", PAPER), "slope < 0.6 from K"] != "beyond K_max = 2000"  # PSRL learns the river
    assert river.loc[("ucbvi-bf", PAPER), "slope < 0.9 from K"] == "beyond K_max = 2000"  # the paper's bonus: linear
    # the simulator drew Bernoulli rewards there (realised returns are counts of 1s; regret uses the means)
    runs = sweep("psrl", {m.name: m for m in fixed_instances("psrl")}, range(4), 2000,
                 store=tmp_path / "runs-quick.sqlite", progress=False)
    assert runs.reused.all()  # the check's own runs, read back
    drawn = runs[runs.instance == "riverswim-bernoulli"]["return"]
    assert np.allclose(drawn, np.round(drawn)) and not np.allclose(runs.regret, np.round(runs.regret))
    mean_only = runs[runs.instance == "dirichlet-S6A3H10"]["return"]
    assert not np.allclose(mean_only, np.round(mean_only))
    psrl_fixed = table[(table.algorithm == "psrl") & (table.instance == "dirichlet-S6A3H10")].iloc[0]
    assert psrl_fixed["verdict slope"] == "n/a" and "(vacuous); applies from K = 1.61e+04" in psrl_fixed["why n/a"]
    assert psrl_fixed["slope < 0.6 from K"] != "beyond K_max = 2000"  # PSRL leaves its burn-in within the budget
    assert float(psrl_fixed["slope (95% CI)"].split("[")[1].split(",")[1].rstrip("]")) <= 0.5 + TOL
    hard = table[table.instance.str.startswith("minimax-hard")]
    paper = hard[hard.configuration == PAPER].set_index("algorithm")
    for name in ("ucbvi-bf", "mvp"):  # the papers' bonuses never leave the first choice: n/a, not evidence
        assert float(paper.loc[name, "hidden choice played"]) < FOUND and paper.loc[name, "verdict slope"] == "n/a"
        assert paper.loc[name, "why n/a"].startswith("never explored")
    assert float(paper.loc["psrl", "hidden choice played"]) >= FOUND  # PSRL finds it, but no theorem speaks here:
    assert paper.loc["psrl", "verdict slope"] == "n/a"  # the quick family's lower bound is 0 on the whole grid
    assert "no theorem predicts the slope" in paper.loc["psrl", "why n/a"]
    practical = table[table.configuration != PAPER]
    assert set(practical.algorithm) == {"ucbvi-bf", "mvp"}  # PSRL takes no bonus_scale
    assert practical.configuration.str.contains("outside the theorem").all()
    assert (practical["verdict slope"] == "n/a").all() and practical["why n/a"].str.contains("outside").all()
    fixed_practical = practical[practical.instance == "dirichlet-S6A3H10"]
    assert (fixed_practical["slope < 0.9 from K"] != "beyond K_max = 2000").all()  # they leave the linear regime
    # the quick family is findable (epsilon(K) = 2 sqrt(N/K)), which makes its lower bound 0 at every K: n/a
    assert (hard["verdict bound"] == "n/a").all() and (hard["held"] == "-").all()
    assert hard["why n/a"].str.contains("family lower bound is 0 at 4 of the 4 K", regex=False).all()


@settings(max_examples=6)
@given(episodic(max_S=6, max_A=3, max_H=6), st.sampled_from(["ucbvi-ch", "ucbvi-bf"]))
def test_measured_regret_within_stated_bound_on_every_seed(drawn, name):
    """Azar et al. 2017, Theorems 1-2 (constants as stated, delta = 0.1): cumulative regret after K episodes is below
    the bound on every seed. At these sizes the bound exceeds the trivial H K, so a failure here would mean regret
    above H K, i.e. a broken regret computation; the bound's vacuity is itself reported by `boundlab check`."""
    P, R, H = drawn
    model = tabular.EpisodicMDP(P, R, H)
    S, A = model.S, model.A
    K = 400
    df = pd.concat([bounds.measure_regret(name, model, K, seeds=[seed]) for seed in range(3)])
    final = df.groupby("seed").regret.sum()
    layered_S = S if model.P.ndim == 3 else S * H  # per-step counts: the layered MDP's state count
    bound = bounds.upper_bound(name, S=layered_S, A=A, H=H, K=K, delta=0.1)
    assert (final <= bound.value).all()
    assert (final <= H * K + 1e-9).all() and (df.regret >= -1e-9).all()


def test_check_budget_override(tmp_path, monkeypatch):
    from boundlab.bounds.check import Config

    full = Config.full()  # the full family (N = 40, lower bound positive) on a short grid
    monkeypatch.setattr(Config, "quick", classmethod(lambda cls: replace(full, hard_K=(500, 1000))))
    table = run_check(["greedy"], quick=True, out=tmp_path, progress=False, episodes=50, seeds=2)
    fixed = table[table.instance == "dirichlet-S6A3H10"].iloc[0]
    assert fixed["K"] == 50 and table[table.instance == "riverswim-bernoulli"].K.tolist() == [50]
    hard = table[table.instance.str.startswith("minimax-hard")].iloc[0]
    assert hard["verdict slope"] == "n/a" and fixed["verdict slope"] == "n/a"  # greedy has no theorem rate
    assert hard["verdict bound"] == "HELD" and hard["held"] == "2/2"  # the lower bound (a theorem) binds every learner
    assert "Episodes K = 50 on the fixed instances, 2 seeds" in (tmp_path / "report.md").read_text()


def test_loglog_plot_of_zero_regret_falls_back_to_linear_axes(tmp_path):
    from boundlab.bounds.plots import plot_regret

    fig = plot_regret({"greedy": np.zeros((2, 30))}, loglog=True, path=tmp_path / "zero")
    assert (tmp_path / "zero.png").stat().st_size > 0 and fig.axes[0].get_yscale() == "linear"
