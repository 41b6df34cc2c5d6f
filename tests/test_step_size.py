"""bounds.step_size: the step-size robustness sweep and learning curves (Fatkhullin et al. 2023, Section 6)."""

import jax
import numpy as np
import pandas as pd
import pytest

from boundlab.bounds.step_size import learning_curves, step_size_summary, step_size_sweep
from boundlab.tabular import policy_gradient as pg

T, SEEDS, W = 30, [0, 3, 7], 5


@pytest.fixture(scope="module")
def bandit():
    rng = np.random.default_rng(0)
    params = pg.bandit_params(rng.normal(size=(6, 2)), rng.normal(size=2))
    return pg.bandit_problem(params, pg.LinearCauchy(0.5)), params


def _reference(method, problem, gamma_0, seed, threshold, window, schedule="paper"):
    """The first trajectory count at which the plain mean of the last ``window`` sampled returns reaches the
    threshold, by a loop over one seed's run (NaN if never)."""
    run = getattr(pg, method.replace("-", "_"))(jax.random.PRNGKey(seed), problem, np.zeros((2, 1)), T=T,
                                                 gamma_0=gamma_0, schedule=schedule)
    r, n = np.asarray(run.returns, np.float64), np.asarray(run.trajectories)
    for t in range(window - 1, T):
        if r[t - window + 1:t + 1].mean() >= threshold:
            return float(n[t])
    return np.nan


def test_sweep_matches_a_loop_over_one_seed_at_a_time(bandit):
    problem, _ = bandit
    df = step_size_sweep(["vanilla-pg", "n-harpg"], problem, [0.05, 0.5], T, SEEDS, 0.3, window=W)
    assert list(df.columns) == ["method", "gamma_0", "seed", "samples", "censored", "budget"]
    assert len(df) == 2 * 2 * len(SEEDS)
    for row in df.itertuples():
        ref = _reference(row.method, problem, row.gamma_0, row.seed, 0.3, W)
        assert (np.isnan(ref) and np.isnan(row.samples) and row.censored) or (ref == row.samples
                                                                            and not row.censored)
        assert row.budget == T * (2 if row.method == "n-harpg" else 1)
    assert df.censored.any() or df.samples.nunique() > 1  # the threshold sits inside the range of returns


def test_sweep_is_reproducible(bandit):
    problem, _ = bandit
    a = step_size_sweep(["n-pg-igt"], problem, [0.1, 1.0], T, SEEDS, 0.3, window=W)
    b = step_size_sweep(["n-pg-igt"], problem, [0.1, 1.0], T, SEEDS, 0.3, window=W)
    pd.testing.assert_frame_equal(a, b)
    one = step_size_sweep(["n-pg-igt"], problem, [0.1, 1.0], T, [7], 0.3, window=W)  # a seed alone = in the batch
    pd.testing.assert_frame_equal(one.reset_index(drop=True),
                                  a[a.seed == 7].reset_index(drop=True), check_dtype=False)


def test_threshold_reached_at_once_gives_the_first_count_and_never_is_censored(bandit):
    problem, params = bandit
    low = step_size_sweep(["vanilla-pg", "harpg"], problem, [0.1], T, SEEDS, -1.0, window=W)  # returns are >= 0
    assert (low.samples == np.where(low.method == "harpg", 2 * W, W)).all() and not low.censored.any()
    high = step_size_sweep(["vanilla-pg", "harpg"], problem, [0.1], T, SEEDS, 1.5, window=W)  # rewards are <= 1
    assert high.samples.isna().all() and high.censored.all()
    assert (high.budget == np.where(high.method == "harpg", 2 * T, T)).all()

    def value(th):
        return np.array([pg.bandit_value(t, params, 0.5) for t in th])

    first = step_size_sweep(["n-harpg"], problem, [0.1], T, SEEDS, -1.0, value=value)
    assert (first.samples == 0).all()  # theta_0 is evaluated before any trajectory is drawn


def test_value_mode_evaluates_the_iterates(bandit):
    problem, params = bandit

    def value(th):
        return np.array([pg.bandit_value(t, params, 0.5) for t in th])

    curve = learning_curves("n-harpg", problem, 0.3, T, [4], value=value)
    run = pg.n_harpg(jax.random.PRNGKey(4), problem, np.zeros((2, 1)), T=T, gamma_0=0.3)
    assert list(curve.iteration) == list(range(T + 1))
    assert list(curve.trajectories) == [0] + [int(n) for n in run.trajectories]
    np.testing.assert_allclose(curve["return"], value(np.asarray(run.thetas, np.float64)), rtol=1e-12)
    J = curve["return"].to_numpy()
    thr = float(np.quantile(J, 0.6))
    df = step_size_sweep(["n-harpg"], problem, [0.3], T, [4], thr, value=value)
    assert df.samples[0] == curve.trajectories[int(np.argmax(J >= thr))]


def test_running_curve_is_the_mean_of_the_last_window_returns(bandit):
    problem, _ = bandit
    curve = learning_curves("vanilla-pg", problem, 0.2, T, [1], window=W)
    run = pg.vanilla_pg(jax.random.PRNGKey(1), problem, np.zeros((2, 1)), T=T, gamma_0=0.2)
    r = np.asarray(run.returns, np.float64)
    np.testing.assert_allclose(curve["return"], [r[t - W + 1:t + 1].mean() for t in range(W - 1, T)], rtol=1e-6)
    assert list(curve.iteration) == list(range(W, T + 1))


def test_summary_counts_censored_runs_as_never():
    df = pd.DataFrame({"method": "m", "gamma_0": [0.1] * 4 + [1.0] * 3, "seed": [0, 1, 2, 3, 0, 1, 2],
                       "samples": [10, 30, np.nan, 20, 5, np.nan, np.nan], "censored": [0, 0, 1, 0, 0, 1, 1],
                       "budget": 100}).astype({"censored": bool})
    s = step_size_summary(df)
    assert s["median"].iloc[0] == 25.0 and s.reached.iloc[0] == 0.75  # median of 10, 20, 30, inf
    assert np.isnan(s["median"].iloc[1]) and s.reached.iloc[1] == pytest.approx(1 / 3)
    assert list(s.seeds) == [4, 3] and list(s.budget) == [100, 100]
    assert s.capped_mean.iloc[0] == 40.0 and s.capped_mean.iloc[1] == pytest.approx(205 / 3)  # censored at 100


@pytest.mark.parametrize("kwargs, error, match", [
    ({"methods": ["nope"]}, ValueError, r"methods\[0\] must be one of"),
    ({"methods": "n-harpg"}, TypeError, "methods must be a list"),
    ({"methods": []}, ValueError, "methods must name at least one"),
    ({"methods": ["harpg", "harpg"]}, ValueError, "methods must be distinct"),
    ({"problem": "cartpole"}, TypeError, "problem must be a policy_gradient.PGProblem"),
    ({"gamma_0s": []}, ValueError, "gamma_0s must hold at least one"),
    ({"gamma_0s": 0.1}, TypeError, "gamma_0s must be a list"),
    ({"gamma_0s": [0.1, -1.0]}, ValueError, r"gamma_0s\[1\] must be a finite number in \(0"),
    ({"gamma_0s": [0.1, "1"]}, TypeError, r"gamma_0s\[1\]"),
    ({"gamma_0s": [True]}, TypeError, r"gamma_0s\[0\]"),
    ({"gamma_0s": [0.1, 0.1]}, ValueError, "gamma_0s must be distinct"),
    ({"gamma_0s": np.ones((2, 2))}, ValueError, "gamma_0s must be 1-d"),
    ({"iterations": 2.5}, TypeError, "iterations"),
    ({"iterations": 0}, ValueError, "iterations"),
    ({"seeds": [0, 0]}, ValueError, "seeds must be distinct"),
    ({"seeds": [-1]}, ValueError, r"seeds\[0\]"),
    ({"threshold": "0.5"}, TypeError, "threshold"),
    ({"threshold": float("nan")}, ValueError, "threshold"),
    ({"window": 0}, ValueError, "window"),
    ({"window": 11}, ValueError, "window must be at most iterations = 10"),
    ({"window": 2.0}, TypeError, "window"),
    ({"value": "exact"}, TypeError, "value must be a function"),
    ({"value": lambda th: np.zeros(3)}, ValueError, "value must map thetas"),
    ({"value": lambda th: np.full(len(th), np.nan)}, ValueError, "value must map thetas"),
    ({"schedule": "theory"}, ValueError, "schedule must be one of 'paper', 'code'"),
    ({"schedule": None}, TypeError, "schedule must be one of"),
    ({"estimator": "reinforce"}, ValueError, "estimator must be one of 'gpomdp', 'code'"),
    ({"estimator": 1}, TypeError, "estimator must be one of"),
])
def test_bad_input_is_refused_by_name(bandit, kwargs, error, match):
    args = dict(methods=["vanilla-pg"], problem=bandit[0], gamma_0s=[0.1], iterations=10, seeds=[0],
                threshold=0.5, window=5)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        step_size_sweep(**args)


def test_learning_curves_bad_method_and_gamma_0(bandit):
    with pytest.raises(ValueError, match="method must be one of"):
        learning_curves("sgd", bandit[0], 0.1, 10, window=5)
    with pytest.raises(ValueError, match="gamma_0 must be a finite number"):
        learning_curves("harpg", bandit[0], 0.0, 10, window=5)
    with pytest.raises(TypeError, match="step_size_sweep"):
        step_size_summary(pd.DataFrame({"a": [1]}))


def test_schedule_reaches_the_methods(bandit):
    """``schedule="code"`` runs the authors' code's schedules: the sweep matches the one-seed loop run with it, and
    differs from the paper's form at the same gamma_0 (N-PG-IGT, whose code schedule also extrapolates with
    eta_{t-1})."""
    problem, _ = bandit
    code = step_size_sweep(["n-pg-igt"], problem, [0.5], T, SEEDS, 0.3, window=W, schedule="code")
    for row in code.itertuples():
        ref = _reference(row.method, problem, row.gamma_0, row.seed, 0.3, W, schedule="code")
        assert (np.isnan(ref) and np.isnan(row.samples)) or ref == row.samples
    a = learning_curves("n-pg-igt", problem, 0.5, T, SEEDS, window=W, schedule="code")
    b = learning_curves("n-pg-igt", problem, 0.5, T, SEEDS, window=W)
    run = pg.n_pg_igt(jax.random.PRNGKey(SEEDS[0]), problem, np.zeros((2, 1)), T=T, gamma_0=0.5, schedule="code")
    r = np.asarray(run.returns, np.float64)
    np.testing.assert_allclose(a[a.seed == SEEDS[0]]["return"], [r[t - W + 1:t + 1].mean() for t in range(W - 1, T)],
                               rtol=1e-6)
    assert not np.allclose(a["return"], b["return"])


def test_estimator_replaces_the_problems():
    """``estimator="code"`` replaces the problem's estimator (tabular, gamma = 0.8: the two weightings differ);
    ``None`` keeps it."""
    import dataclasses

    from boundlab import tabular

    model = tabular.FiniteMDP(*tabular.dirichlet_mdp(S=3, A=2, seed=0).to_arrays()[:2], gamma=0.8)
    problem = pg.tabular_problem(model, H=6)
    value = lambda th: np.asarray(jax.vmap(lambda t: pg.J(t, model))(th), np.float64)  # noqa: E731
    kw = dict(window=W, value=value, theta0=np.zeros((3, 2)))
    code = learning_curves("vanilla-pg", problem, 0.5, 20, [0, 1], estimator="code", **kw)
    same = learning_curves("vanilla-pg", dataclasses.replace(problem, estimator="code"), 0.5, 20, [0, 1], **kw)
    paper = learning_curves("vanilla-pg", problem, 0.5, 20, [0, 1], **kw)
    pd.testing.assert_frame_equal(code, same)
    assert not np.allclose(code["return"], paper["return"])
    kept = learning_curves("vanilla-pg", dataclasses.replace(problem, estimator="code"), 0.5, 20, [0, 1],
                           estimator=None, **kw)
    pd.testing.assert_frame_equal(kept, same)
