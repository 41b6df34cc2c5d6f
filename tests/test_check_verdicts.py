"""Where a theorem speaks (informative range of K), burn-in of the local slope, and the hard-family exploration
rule of ``boundlab check``."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from boundlab.bounds.slopes import local_slopes
from boundlab.bounds.theorems import informative_range, upper_bound

RATED = ["ucbvi-ch", "ucbvi-bf", "ucb-h", "ucb-b", "mvp", "psrl", "lsvi-ucb"]


def _nonvacuous(b, H, K):
    total = b.value if b.has_constants else sum(t.value for t in b.terms)
    return total < H * K


def _dominant(b):
    return sum(t.value for t in b.terms if t.leading) >= sum(t.value for t in b.terms if not t.leading)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(RATED), st.integers(1, 12), st.integers(1, 5), st.integers(1, 20),
       st.floats(0.01, 0.5), st.integers(1, 6))
def test_informative_range_is_the_least_K_where_both_conditions_hold(name, S, A, H, delta, d):
    r = informative_range(name, S=S, A=A, H=H, delta=delta, d=d)
    assert r.K_from is not None and r.K_from == max(r.nonvacuous_from, r.dominant_from)

    def bound(K):
        return upper_bound(name, S=S, A=A, H=H, K=K, delta=delta, d=d)

    K1, K2 = r.nonvacuous_from, r.dominant_from
    assert _nonvacuous(bound(K1), H, K1) and (K1 == 1 or not _nonvacuous(bound(K1 - 1), H, K1 - 1))
    assert _dominant(bound(K2)) and (K2 == 1 or not _dominant(bound(K2 - 1)))
    for K in (r.K_from, 2 * r.K_from, 10 * r.K_from):  # once informative, it stays so
        assert r.applies(K) and r.reason(K) == "" and _nonvacuous(bound(K), H, K) and _dominant(bound(K))
    if r.K_from > 1:
        assert not r.applies(r.K_from - 1) and f"{r.K_from:.3g}" in r.reason(r.K_from - 1)


def test_ucbvi_with_constants_is_vacuous_exactly_below_K_from():
    """Azar et al. 2017, Theorem 1 with its constants: the bound itself (not a rate) is compared with H K."""
    S, A, H = 6, 3, 10
    r = informative_range("ucbvi-ch", S=S, A=A, H=H)
    K1 = r.nonvacuous_from
    assert upper_bound("ucbvi-ch", S=S, A=A, H=H, K=K1).value < H * K1
    assert upper_bound("ucbvi-ch", S=S, A=A, H=H, K=K1 - 1).value >= H * (K1 - 1)
    assert "vacuous" in r.reason(2000) and "lower-order" in r.reason(2000)  # 250 H^2 S^2 A L^2 dominates at 2000


def test_terms_sum_to_the_bound_and_name_their_source():
    for name in RATED:
        b = upper_bound(name, S=5, A=2, H=4, K=1000, d=3)
        assert b.terms and any(t.leading for t in b.terms)
        total = sum(t.value for t in b.terms)
        assert total == pytest.approx(b.value if b.has_constants else b.rate) or name == "ucb-h"
    b = upper_bound("ucb-h", S=5, A=2, H=4, K=1000)  # the proof's H^2 S A term, dropped by the theorem statement
    assert b.rate == b.terms[0].value and b.terms[1].expression == "H^2 S A" and "proof" in b.source


def test_informative_range_beyond_K_max_and_bad_input():
    r = informative_range("ucbvi-bf", S=6, A=3, H=10, K_max=1000)
    assert r.K_from is None and "beyond K_max" in r.reason(500)
    with pytest.raises(ValueError, match="greedy"):
        informative_range("greedy", S=2, A=2, H=2)
    with pytest.raises(TypeError, match="K_max"):
        informative_range("psrl", S=2, A=2, H=2, K_max=2.5)


def _knee(K0, n=4096, seeds=5):
    """Cumulative regret K up to the knee K0, sqrt(K0 K) after it, each seed scaled by its own factor: the local
    slope over [K, 2K] is exactly 1 for 2K <= K0, 0.5 for K >= K0 and 0.5 (1 + log2(K0 / K)) in between."""
    k = np.arange(1, n + 1, dtype=float)
    curve = np.where(k <= K0, k, np.sqrt(K0 * k))
    return np.random.default_rng(0).uniform(0.5, 2, seeds)[:, None] * curve


@pytest.mark.parametrize("K0", [40, 300, 1500])
def test_burn_in_finds_a_known_knee(K0):
    ls = local_slopes(_knee(K0), n_points=40)
    k = ls.K.astype(float)
    exact = np.clip(0.5 * (1 + np.log2(np.maximum(K0 / k, 1))), 0.5, 1.0)
    np.testing.assert_allclose(ls.slope, exact, atol=1e-9)
    np.testing.assert_allclose(ls.low, exact, atol=1e-9)  # seeds differ by a scale only: the CI is a point
    for t, knee in ((0.9, K0 * 2**-0.8), (0.6, K0 * 2**-0.2)):  # slope < t  <=>  K > K0 2^(2t - 2)
        assert ls.burn_in(t) == ls.K[k > knee * (1 + 1e-12)][0]


def test_burn_in_beyond_K_max_and_zero_regret():
    ls = local_slopes(_knee(10**6, n=2000))  # linear throughout
    assert ls.burn_in(0.9) is None and np.allclose(ls.slope, 1)
    zero = local_slopes(np.zeros((3, 200)))
    assert np.isnan(zero.slope).all() and zero.burn_in(0.9) is None


def test_burn_in_ci_covers_the_slope_under_noise():
    rng = np.random.default_rng(1)
    k = np.arange(1, 2001)
    cum = np.cumsum(rng.exponential(1 / np.sqrt(k), size=(30, 2000)), axis=1)  # mean ~ 2 sqrt(K): slope -> 0.5
    ls = local_slopes(cum, K_min=50)
    assert ((ls.low <= 0.52) & (ls.high >= 0.48)).mean() >= 0.8 and ls.burn_in(0.6) == ls.K[0]


def test_practical_scale_only_for_learners_that_take_bonus_scale():
    from boundlab.bounds import check, registry

    def plain(model, K, seed=None):  # a user's learner without a bonus_scale parameter
        raise AssertionError("not run")

    registry.register("plain-learner", plain)
    try:
        configs = check.configurations(["ucbvi-bf", "psrl", "greedy", "plain-learner", "lsvi-ucb"])
    finally:
        registry._REGISTRY.pop("plain-learner")
    practical = {a: p for label, a, p in configs if label != check.PAPER}
    assert practical == {"ucbvi-bf": {"bonus_scale": 0.01}, "lsvi-ucb": {"bonus_scale": 0.1}}
    assert all("outside the theorem" in label for label, a, _ in configs if a in practical and label != check.PAPER)
    assert check.configurations(["ucbvi-bf"], practical=False) == [(check.PAPER, "ucbvi-bf", {})]
    chosen = check.configurations(["ucbvi-bf", "mvp", "psrl"], bonus_scale=0.05)  # `boundlab check --bonus-scale`
    assert {a: p for label, a, p in chosen if label != check.PAPER} == {"ucbvi-bf": {"bonus_scale": 0.05},
                                                                        "mvp": {"bonus_scale": 0.05}}


def test_quick_hard_family_is_small_and_findable():
    """Quick: N = 4 choices and epsilon = min(1/4, 2 sqrt(N/K)), so identifying the hidden choice takes about
    N / epsilon^2 = K/4 episodes; the full family (N = 40, sqrt(N/K)/2) needs 4 K."""
    from boundlab.bounds.check import Config, hard_instances

    q, f = Config.quick(), Config.full()
    inst, eps, steps = hard_instances(2000, dict(q.hard), q.eps_factor)
    assert len(inst) == 4 and eps == pytest.approx(2 * np.sqrt(4 / 2000)) and steps == 5
    assert len(inst) / eps**2 == pytest.approx(2000 / 4)
    inst, eps, _ = hard_instances(2000, dict(f.hard), f.eps_factor)
    assert len(inst) == 40 and len(inst) / eps**2 == pytest.approx(4 * 2000)


def test_bound_far_above_the_curves_is_a_note_not_a_line(tmp_path):
    from boundlab.bounds.plots import BOUND_RANGE, plot_regret

    k = np.arange(1, 101)
    curves = {"a": np.vstack([k, k + 1.0])}
    fig = plot_regret(curves, bounds={"huge": 1e9 * k, "close": 3.0 * k}, loglog=True, path=tmp_path / "f")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "close" in labels and "huge" not in labels
    assert any("huge" in t.get_text() and "above the plot" in t.get_text() for t in ax.texts)
    assert ax.get_ylim()[1] < BOUND_RANGE * 1e3  # the axis is set by the curves, not by the vacuous bound


def test_html_report_is_self_contained(tmp_path):
    import base64
    import re

    import matplotlib
    import pandas as pd

    from boundlab.bounds.report import write_html

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2])
    fig.savefig(tmp_path / "fig.png")
    plt.close(fig)
    table = pd.DataFrame({"algorithm": ["psrl"], "why n/a": ["a < b & c"]})
    page = write_html("t", ["## Sources", table, "- `psrl`: Osband", "text <x>"], [tmp_path / "fig.png"],
                      tmp_path / "r.html").read_text()
    assert "<table" in page and "a &lt; b &amp; c" in page and "<code>psrl</code>" in page and "text &lt;x&gt;" in page
    src = re.search(r"src='data:image/png;base64,([^']+)'", page).group(1)
    assert base64.b64decode(src) == (tmp_path / "fig.png").read_bytes()
    assert not re.search(r"(src|href)=['\"](?!data:)", page)  # nothing fetched from outside the page


def test_fixed_instances_one_row_per_configuration_learner_and_instance(tmp_path):
    """Tabular learners run on the Dirichlet MDP (deterministic rewards) and on RiverSwim (H = 20) with Bernoulli
    rewards of mean R; LSVI-UCB on its linear MDP only. Each (configuration, learner, instance) has its own row,
    burn-in and informative range, and its own figures."""
    from boundlab import tabular
    from boundlab.bounds.check import PAPER, fixed_instance, fixed_instances, run_check

    tab = fixed_instances("ucbvi-bf")
    assert [m.name for m in tab] == ["dirichlet-S6A3H10", "riverswim-bernoulli"]
    assert tab[0].reward_noise is None and isinstance(tab[1].reward_noise, tabular.BernoulliRewards)
    river = tab[1]
    np.testing.assert_array_equal(river.P, tabular.riverswim().P)
    np.testing.assert_array_equal(river.R, tabular.riverswim().R)  # the means: exact regret uses them
    assert river.H == 20
    assert [type(m) for m in fixed_instances("lsvi-ucb")] == [tabular.LinearMDP]
    assert fixed_instance("psrl").name == "dirichlet-S6A3H10"  # the first one, as before

    table = run_check(["ucb-h", "lsvi-ucb"], quick=True, out=tmp_path, progress=False, episodes=40, seeds=2)
    fixed = table[~table.instance.str.startswith("minimax-hard")]
    rows = sorted(zip(fixed.algorithm, fixed.configuration == PAPER, fixed.instance))
    assert rows == sorted([("ucb-h", p, i) for p in (True, False) for i in ("dirichlet-S6A3H10", "riverswim-bernoulli")]
                          + [("lsvi-ucb", p, "linear-S10A3d4H5") for p in (True, False)])
    paper = fixed[fixed.configuration == PAPER].set_index(["algorithm", "instance"])
    for inst, model in (("dirichlet-S6A3H10", tab[0]), ("riverswim-bernoulli", river)):  # per instance's S, A, H
        K_from = informative_range("ucb-h", S=model.S, A=model.A, H=model.H, delta=0.1).K_from
        assert paper.loc[("ucb-h", inst), "theorem speaks from K"] == f"{K_from:.3g}"
    for inst in ("dirichlet-S6A3H10", "riverswim-bernoulli", "linear-S10A3d4H5"):
        for kind in ("regret_fixed", "local_slopes"):
            assert (tmp_path / f"{kind}_{inst}.png").exists()
    assert "rewards are Bernoulli draws with mean R" in (tmp_path / "report.md").read_text()


def test_burn_in_is_where_the_slope_stays_below_not_where_it_first_dips():
    """A local slope that dips below the threshold and climbs back (LSVI-UCB at a too-small bonus) has not left its
    burn-in there: burn-in is the window from which every later CI lies below the threshold."""
    from boundlab.bounds.slopes import LocalSlopes

    K = np.array([10, 20, 40, 80, 160])
    high = np.array([1.0, 0.5, 0.95, 0.55, 0.5])
    ls = LocalSlopes(K=K, slope=high - 0.05, low=high - 0.1, high=high)
    assert ls.burn_in(0.9) == 80 and ls.burn_in(0.6) == 80 and ls.burn_in(0.52) == 160 and ls.burn_in(0.45) is None
    assert LocalSlopes(K=K, slope=K * 0.0, low=K * 0.0, high=K * 0.0 + 0.1).burn_in(0.6) == 10


def test_bandit_theorem_speaks_from_the_least_K_a_linear_scan_finds():
    """The bisection in bandit_speaks against a plain scan of K (both conditions checked directly)."""
    from boundlab import bandits
    from boundlab.bounds.bandit_bounds import bandit_upper_bound
    from boundlab.bounds.check import bandit_speaks

    for means in ([0.9, 0.6, 0.5, 0.2], [0.5, 0.45], [0.3, 0.2, 0.1]):
        model = bandits.bernoulli_bandit(means)
        for a in ("ucb1", "kl-ucb", "thompson"):
            def ok(k, a=a, model=model, means=means):
                b = bandit_upper_bound(a, model, k)
                lead = sum(t.value for t in b.terms if t.leading)
                low = sum(t.value for t in b.terms if not t.leading)
                return (b.value if b.has_constants else lead + low) < k * (max(means) - min(means)) and lead >= low
            first = next(k for k in range(2, 200_000) if ok(k))
            applies, K_from, reason = bandit_speaks(a, model, 1000)
            assert K_from == first and applies == (1000 >= first) and bool(reason) == (not applies)


def test_bandit_learners_are_checked_on_the_bandit_and_skip_the_hard_family(tmp_path):
    from boundlab.bounds.check import BANDIT_MEANS, run_check

    table = run_check(["ucb1", "thompson"], quick=True, out=tmp_path, progress=False, episodes=600, seeds=3)
    assert list(table.instance) == ["bernoulli-bandit-4arms"] * 2  # no hard-family rows
    ucb1, ts = table.iloc[0], table.iloc[1]
    # UCB1: Auer et al. Theorem 1 with its constants speaks at K = 600 on this instance: a verdict, not n/a
    assert ucb1["verdict bound"] in ("HELD", "FAILED") and ucb1["verdict slope"] == "n/a"
    assert "rate only" in ts["why n/a"] and ts["verdict bound"] == "n/a"
    assert "Lai-Robbins" in ts["regret / LB rate"]
    report = (tmp_path / "report.md").read_text()
    assert "Auer, Cesa-Bianchi & Fischer 2002" in report and "Lai & Robbins 1985" in report
    assert len(BANDIT_MEANS) == 4


# --- rate rows: policy gradient (Fatkhullin et al. 2023) ------------------------------------------------------------

def test_rate_verdict_is_one_sided_and_only_where_the_theorems_speak():
    from boundlab.bounds.check import TOL, rate_verdict

    assert rate_verdict("n-pg-igt", -0.6, -0.7, -0.4 + TOL)[0] == "HELD"
    assert rate_verdict("n-pg-igt", -0.4, -0.45, -0.4 + TOL + 0.01)[0] == "FAILED"
    assert rate_verdict("n-harpg", -0.45, -0.5, -0.39)[0] == "FAILED"  # -0.5 + 0.1 = -0.4 < -0.39
    held, _, note = rate_verdict("harpg", -1.0, -1.1, -0.9)
    assert held == "HELD" and "faster" in note  # reported as faster, not as confirmation
    assert rate_verdict("n-harpg", np.nan, np.nan, np.nan)[0] == "FAILED"  # a diverged run is a finding
    verdict, why, _ = rate_verdict("vanilla-pg", -1.0, -1.1, -0.9)
    assert verdict == "n/a" and "earlier result" in why
    verdict, why, note = rate_verdict("n-harpg", -0.1, -0.2, 0.0, "not Fisher-non-degenerate")
    assert verdict == "n/a" and "Fisher" in why and "slower" in note


@pytest.mark.parametrize("exponent", [-1 / 3, -0.4, -0.5])
def test_slope_machinery_recovers_a_known_exponent(exponent):
    """Synthetic gaps 3 n^exponent times log-normal noise on 20 seeds over n = 1e2..1e5: the bootstrap CI of the
    fitted slope contains the exponent and is narrow; a steeper truth is excluded."""
    from boundlab.bounds.slopes import bootstrap_slope

    rng = np.random.default_rng(0)
    n = np.geomspace(100, 1e5, 7)
    gaps = 3 * n ** exponent * np.exp(0.3 * rng.standard_normal((20, 7)))
    slope, low, high = bootstrap_slope(n, gaps)
    assert low <= exponent <= high and high - low < 0.1
    assert not low <= exponent - 0.2 <= high


def _bandit():
    from boundlab.bounds.gap import CauchyBandit

    return CauchyBandit(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, -1.0]]), np.array([0.3, -0.7]), scale=0.5,
                        name="tiny-bandit")


def test_rate_rows_tune_measure_and_fit_from_separate_runs(tmp_path, monkeypatch):
    """gamma_0 is the grid's argmin of the mean last gap on the tuning seeds, each T is its own run (its last gap
    equals measure_gap's at that T), the slope is bootstrap_slope of those gaps, and a second call reuses every run
    from the store."""
    import importlib
    from dataclasses import replace

    from boundlab.bounds import check
    from boundlab.bounds.gap import measure_gap
    from boundlab.bounds.slopes import bootstrap_slope

    bandit = _bandit()
    # rate_seeds = len(TUNE_SEEDS) and tune_T in rate_T: the tuning and measuring runs share their compilation
    cfg = replace(check.Config.quick(), rate_T=(40, 80), rate_seeds=4, tune_T=80, gamma_grid=(0.05, 0.5))
    rows, figures, text = check.rate_checks(["n-pg-igt", "vanilla-pg"], cfg, tmp_path, tmp_path / "s.sqlite",
                                            instances={"tiny": (bandit, "")})
    for a, row in zip(["n-pg-igt", "vanilla-pg"], rows.to_dict("records")):
        scores = {g: measure_gap(a, bandit, 80, check.TUNE_SEEDS, gamma_0=g).query("iteration == 80").gap.mean()
                  for g in cfg.gamma_grid}
        g = min(scores, key=scores.get)
        assert row["configuration"] == f"gamma_0 = {g:g} (tuned)"
        gaps = np.array([measure_gap(a, bandit, T, range(4), gamma_0=g).query(f"iteration == {T}").gap.to_numpy()
                         for T in cfg.rate_T]).T
        slope, low, high = bootstrap_slope(np.array(cfg.rate_T, float), gaps)
        assert row["slope (95% CI)"] == f"{slope:.3f} [{low:.3f}, {high:.3f}]"
        assert row["slope, last decade of T (95% CI)"] == row["slope (95% CI)"]  # T_max / 10 < 40: the same runs
        assert row["verdict slope"] == check.rate_verdict(a, slope, low, high)[0]
    assert sorted(rows["rank (gap at equal trajectories)"]) == [1, 2]
    assert all(f.exists() for f in figures) and "tiny" in text[0]
    gap_module = importlib.import_module("boundlab.bounds.gap")
    monkeypatch.setattr(gap_module, "measure_gap", lambda *a, **k: pytest.fail("a stored run was run again"))
    again, _, _ = check.rate_checks(["n-pg-igt", "vanilla-pg"], cfg, tmp_path, tmp_path / "s.sqlite",
                                    instances={"tiny": (bandit, "")})
    assert again.equals(rows)


def test_boundlab_check_reports_rate_rows(tmp_path, monkeypatch):
    """run_check with a gap method alone: the rate rows in the returned table (with the columns the CLI prints) and
    in report.md's rate section; the tabular control row is n/a with its reason."""
    from boundlab import tabular
    from boundlab.bounds import check

    small = check.Config(episodes=10, seeds=2, hard_K=(10,), rate_T=(20, 40), rate_T_tabular=(20, 40), rate_seeds=4,
                         tune_T=20, gamma_grid=(0.3,))
    monkeypatch.setattr(check.Config, "quick", classmethod(lambda cls: small))
    P, R = tabular.dirichlet_mdp(S=2, A=2, seed=0).to_arrays()[:2]
    monkeypatch.setattr(check, "rate_instances", lambda: {"tiny": (_bandit(), ""), "softmax": (
        tabular.FiniteMDP(P, R, gamma=0.5), check.NOT_FND)})
    table = check.run_check(["n-pg-igt"], quick=True, out=tmp_path, progress=False)
    assert list(table.instance) == ["tiny", "softmax"]
    assert {"algorithm", "configuration", "instance", "regret (95% CI)", "slope (95% CI)", "verdict bound",
            "verdict slope"} <= set(table.columns)
    assert table.iloc[0]["verdict slope"] in ("HELD", "FAILED") and table.iloc[1]["verdict slope"] == "n/a"
    assert "Fisher-non-degenerate" in table.iloc[1]["why n/a"]
    report = (tmp_path / "report.md").read_text()
    assert "## Rates" in report and "Theorem 1" in report and "No regret learner was checked" in report
    assert (tmp_path / "report.html").exists()


def test_extra_checks_join_the_table_and_the_report(tmp_path, monkeypatch):
    """run_check's extras: each named row function is called with the mode, its rows join the returned table and a
    report section of their own; unknown names are refused; explicit algorithms run no extras unless asked."""
    from boundlab.bounds import check

    calls = []

    def rows(quick):
        calls.append(quick)
        return [dict(algorithm="fake", instance="i", check="c", verdict="FAILED", detail="d")]

    monkeypatch.setattr(check, "EXTRA_CHECKS", {"fake": rows})
    with pytest.raises(ValueError, match="extras"):
        check.run_check(["greedy"], quick=True, out=tmp_path, progress=False, episodes=20, seeds=2, extras=["nope"])
    table = check.run_check(["greedy"], quick=True, out=tmp_path, progress=False, episodes=20, seeds=2)
    assert calls == [] and "fake" not in set(table.algorithm)
    table = check.run_check(["greedy"], quick=True, out=tmp_path, progress=False, episodes=20, seeds=2,
                            extras=["fake"])
    assert calls == [True]
    row = table[table.algorithm == "fake"].iloc[0]
    assert (row.check, row.verdict) == ("c", "FAILED")
    report = (tmp_path / "report.md").read_text()
    assert "## Other papers' checks" in report and "| fake" in report


def test_rate_text_states_the_stand_in_and_mu_F(tmp_path):
    """The bandit's note says the class-best gap is an empirical stand-in (the theorems bound the gap to the global
    optimum up to the eps_bias floor) and gives Assumption 1's mu_F (the smallest Fisher eigenvalue) and M_g."""
    from dataclasses import replace

    from boundlab.bounds import check
    from boundlab.tabular import policy_gradient as pg

    bandit = _bandit()
    cfg = replace(check.Config.quick(), rate_T=(40, 80), rate_seeds=4, tune_T=80, gamma_grid=(0.5,))
    _, _, text = check.rate_checks(["n-pg-igt"], cfg, tmp_path, tmp_path / "s.sqlite",
                                   instances={"tiny": (bandit, "")})
    note = " ".join(text)
    mu = pg.mu_F(pg.LinearCauchy(bandit.scale), np.zeros((2, 1)), bandit.contexts)
    assert "empirical stand-in" in note and "J*_global" in note
    assert f"mu_F = lambda_min(E[x x^T])/(2 scale^2) = {mu:.4f}" in note
    assert f"M_g = max |x|/scale = {np.linalg.norm(bandit.contexts, axis=1).max() / bandit.scale:.3f}" in note


def test_bandit_row_is_na_where_the_theorems_premise_fails():
    """A bandit whose rewards leave [0, 1] gets no bound (n/a with the premise's reason), not an exception; Gaussian
    arms get no Lai-Robbins ratio (its constant is Bernoulli's)."""
    from boundlab import bandits
    from boundlab.bounds import check
    from boundlab.bounds.check import _bandit_row

    cum = np.cumsum(np.full((3, 50), 0.3), axis=1)
    wide = bandits.gaussian_bandit([0.2, 1.5], 1.0, reward_range=(0.0, 2.0))
    row = _bandit_row("ucb1", check.PAPER, "wide", wide, cum, local_slopes(cum), {})
    assert row["bound"] == "-" and row["verdict bound"] == "n/a"
    assert "premise fails" in row["why n/a"] and "[0, 1]" in row["why n/a"]
    assert row["regret / LB rate"].startswith("- (Lai-Robbins")
    unit = bandits.bernoulli_bandit([0.2, 0.5])
    row = _bandit_row("ucb1", check.PAPER, "unit", unit, cum, local_slopes(cum), {})
    assert row["bound"] != "-" and "premise" not in row["why n/a"] and row["regret / LB rate"].endswith("(Lai-Robbins)")


def test_grid_burn_in_is_the_local_slopes_rule():
    """grid_burn_in on a K grid applies LocalSlopes.burn_in's rule: the burn-in ends where every later local slope's
    CI lies below the threshold; a dip that climbs back is not its end."""
    from boundlab.bounds.slopes import grid_burn_in

    K = np.array([100, 200, 400, 800, 1600])
    noise = 1.0 + 0.01 * np.random.default_rng(1).standard_normal((6, 5))
    dip_then_climb = noise * np.array([100.0, 102.0, 204.0, 210.0, 215.0])  # slopes ~0, ~1, ~0, ~0
    assert grid_burn_in(K, dip_then_climb, 0.9)[0] == 2
    linear = noise * K.astype(float)
    assert grid_burn_in(K, linear, 0.9)[0] is None
    flat = noise * np.sqrt(K.astype(float))
    assert grid_burn_in(K, flat, 0.9)[0] == 0
