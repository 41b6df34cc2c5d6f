"""measure_regret and sweep: input validation, plug-in learners (a name or a function, from a notebook or a script's
__main__ block, on threads, processes and dask), progress bar, the registry's checks."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from boundlab import bounds, tabular
from boundlab.tabular import learners

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def model():
    return tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)


def my_learner(model, K, seed, **params):
    return learners.ucb_h(model, K, seed, **params)


@pytest.mark.parametrize("seeds, error, match", [
    ([], ValueError, "seeds must hold at least one seed"),
    ([0, -3], ValueError, r"seeds\[1\] must be >= 0, got -3$"),
    ([1.5], TypeError, r"seeds\[0\] must be an integer, got float 1.5"),
    ([np.float64(2.0)], TypeError, r"seeds\[0\] must be an integer"),
    ([True], TypeError, r"seeds\[0\] must be an integer"),
    ([1, 1], ValueError, "seeds must be distinct"),
    ("01", TypeError, "seeds must be an int or an iterable of ints"),
    (None, TypeError, "seeds must be an int or an iterable of ints"),
])
def test_bad_seeds_are_refused_by_name(model, seeds, error, match, tmp_path):
    with pytest.raises(error, match=match):
        bounds.measure_regret("ucb-h", model, 5, seeds=seeds)
    with pytest.raises(error, match=match):
        bounds.sweep("ucb-h", {"m": model}, seeds, 5, store=tmp_path / "s.sqlite")


@pytest.mark.parametrize("episodes, error, match", [
    (2.5, TypeError, "episodes must be an integer, got float 2.5"),
    ("10", TypeError, "episodes must be an integer, got str"),
    (True, TypeError, "episodes must be an integer, got bool"),
    (10.0, TypeError, "episodes must be an integer, got float 10.0"),
    (0, ValueError, "episodes must be >= 1, got 0$"),
    (-1, ValueError, "episodes must be >= 1, got -1$"),
    (np.int64(0), ValueError, "episodes must be >= 1, got 0$"),  # a plain number, not np.int64(0)
])
def test_bad_episodes_are_refused_as_the_learners_refuse_them(model, episodes, error, match, tmp_path):
    """A wrong type is a TypeError and a wrong value a ValueError, in measure_regret, sweep and the learners."""
    with pytest.raises(error, match=match):
        bounds.measure_regret("ucb-h", model, episodes)
    with pytest.raises(error, match=match):
        bounds.sweep("ucb-h", {"m": model}, [0], episodes, store=tmp_path / "s.sqlite")
    with pytest.raises(error):
        learners.ucb_h(model, episodes, 0)


def test_wrong_model_type_is_refused(model):
    with pytest.raises(TypeError, match="model must be an EpisodicMDP or LinearMDP.*, got FiniteMDP.*EpisodicMDP"):
        bounds.measure_regret("ucb-h", tabular.riverswim(), 5)
    with pytest.raises(TypeError, match="model must be an EpisodicMDP or LinearMDP.*, got ndarray"):
        bounds.measure_regret("ucb-h", model.P, 5)


def test_sweep_argument_errors(model, tmp_path):
    store = tmp_path / "s.sqlite"
    with pytest.raises(TypeError, match="instances must be a dict name -> model"):
        bounds.sweep(["ucb-h"], [model], [0], 5, store=store)
    with pytest.raises(ValueError, match="instances must hold at least one model"):
        bounds.sweep(["ucb-h"], {}, [0], 5, store=store)
    with pytest.raises(TypeError, match=r"instances\['m'\] must be an EpisodicMDP"):
        bounds.sweep(["ucb-h"], {"m": tabular.riverswim()}, [0], 5, store=store)
    with pytest.raises(ValueError, match="unknown algorithm 'nope'"):
        bounds.sweep(["ucb-h", "nope"], {"m": model}, [0], 5, store=store)
    with pytest.raises(ValueError, match="algorithms must name at least one learner"):
        bounds.sweep([], {"m": model}, [0], 5, store=store)
    with pytest.raises(ValueError, match="holds 'ucb-h' twice"):
        bounds.sweep(["ucb-h", "ucb-h"], {"m": model}, [0], 5, store=store)
    with pytest.raises(ValueError, match=r"params has keys \['psrl'\]"):
        bounds.sweep(["ucb-h"], {"m": model}, [0], 5, params={"psrl": {}}, store=store)
    with pytest.raises(TypeError, match="params must be a dict algorithm -> dict"):
        bounds.sweep(["ucb-h"], {"m": model}, [0], 5, params=["c"], store=store)
    with pytest.raises(TypeError, match=r"params\['ucb-h'\] must be a dict"):
        bounds.sweep(["ucb-h"], {"m": model}, [0], 5, params={"ucb-h": 0.5}, store=store)
    with pytest.raises(TypeError, match="episodes must be an integer, got float 2.5"):
        bounds.sweep(["ucb-h"], {"m": model}, [0], 2.5, store=store)
    assert not store.exists() or bounds.Store(store).frame().empty  # nothing ran


def test_sweep_accepts_one_name_and_functions(model, tmp_path):
    one = bounds.sweep("ucb-h", {"m": model}, [0, 1], 20, store=tmp_path / "a.sqlite", progress=False)
    assert set(one["algorithm"]) == {"ucb-h"} and len(one) == 2 * 20
    fns = bounds.sweep([my_learner, "ucb-h"], {"m": model}, [0, 1], 20, store=tmp_path / "b.sqlite", progress=False)
    assert set(fns["algorithm"]) == {"my_learner", "ucb-h"}
    mine, theirs = (fns[fns.algorithm == a].reset_index(drop=True) for a in ("my_learner", "ucb-h"))
    assert list(mine["regret"]) == list(theirs["regret"])


def test_register_validates_its_arguments():
    with pytest.raises(ValueError, match="name must be a non-empty str"):
        bounds.register("", my_learner)
    with pytest.raises(ValueError, match="name must be a non-empty str"):
        bounds.register(3, my_learner)
    with pytest.raises(TypeError, match="fn must be callable"):
        bounds.register("x", "ucb-h")
    assert "x" not in bounds.algorithms()


def test_measure_regret_takes_a_function_or_its_registered_name(model):
    reference = bounds.measure_regret("ucb-h", model, 40, seeds=[0, 1, 2], bonus_scale=0.25)
    by_fn = bounds.measure_regret(my_learner, model, 40, seeds=[0, 1, 2], bonus_scale=0.25)
    bounds.register("test-mine", my_learner)
    by_name = bounds.measure_regret("test-mine", model, 40, seeds=[0, 1, 2], bonus_scale=0.25)
    pd.testing.assert_frame_equal(reference, by_fn)
    pd.testing.assert_frame_equal(reference, by_name)
    assert list(reference.columns) == ["seed", "episode", "regret", "return"]


def test_seeds_on_threads_equal_each_seed_alone(model):
    together = bounds.measure_regret("psrl", model, 60, seeds=range(4))
    for s in range(4):
        alone = bounds.measure_regret("psrl", model, 60, seeds=s)
        assert list(together[together.seed == s]["regret"]) == list(alone["regret"])


def test_progress_bar_on_request(model, capsys, monkeypatch):
    monkeypatch.setattr("boundlab.bounds.executors.PROGRESS_DELAY", 0.0)
    bounds.measure_regret("ucb-h", model, 20, seeds=[0, 1, 2], progress=True)
    err = capsys.readouterr().err
    assert "ucb-h" in err and "3/3" in err
    bounds.measure_regret("ucb-h", model, 20, seeds=[0, 1, 2], progress=False)
    assert capsys.readouterr().err == ""


SCRIPT = '''
import sys
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
import pandas as pd
from boundlab import bounds, tabular

if __name__ == "__main__":
    from boundlab.tabular import learners

    def halved(model, K, seed, **params):  # defined where no worker can import it
        return learners.ucb_h(model, K, seed, bonus_scale=0.25, **params)

    bounds.register("halved", halved)
    m = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)
    reference = bounds.measure_regret("ucb-h", m, 40, seeds=[0, 1, 2], bonus_scale=0.25)
    results = {"threads": bounds.measure_regret("halved", m, 40, seeds=[0, 1, 2]),
               "function": bounds.measure_regret(halved, m, 40, seeds=[0, 1, 2])}
    sweeps = [bounds.sweep(["halved"], {"m": m}, [0, 1, 2], 40, store=sys.argv[1] + "-threads", progress=False)]
    if "processes" in sys.argv:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            results["processes"] = bounds.measure_regret(halved, m, 40, seeds=[0, 1, 2], executor="processes")
            results["spawn"] = bounds.measure_regret("halved", m, 40, seeds=[0, 1, 2], executor=pool)
            sweeps.append(bounds.sweep(["halved"], {"m": m}, [0, 1, 2], 40, executor=pool, store=sys.argv[1],
                                       progress=False))
        import distributed
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cl, distributed.Client(cl) as client:
            results["dask"] = bounds.measure_regret("halved", m, 40, seeds=[0, 1, 2], executor=client.get_executor())
    else:
        try:
            bounds.measure_regret("halved", m, 40, seeds=[0, 1, 2], executor="processes")
        except ValueError as err:
            assert "python -" in str(err), err
        else:
            raise AssertionError("processes from a script on stdin must be refused")
    for name, df in results.items():
        pd.testing.assert_frame_equal(df, reference, obj=name)
    for sw in sweeps:
        assert list(sw["regret"]) == list(reference["regret"])
    print("ok", *sorted(results))
'''


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_learner_registered_in_main_runs_on_every_executor(tmp_path, how):
    """A learner defined and registered under ``if __name__ == "__main__"`` of a script runs with several seeds on
    threads, a fork-server pool, a spawn pool and dask; from a script piped to ``python -`` (no file to import, as
    in a notebook) on threads, and a process pool is refused with a clear message."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    args = [str(tmp_path / "s.sqlite")]
    if how == "file":
        script = tmp_path / "script.py"
        script.write_text(SCRIPT)
        proc = subprocess.run([sys.executable, str(script), *args, "processes"], capture_output=True, text=True,
                              env=env, timeout=600)
        expected = ["dask", "function", "processes", "spawn", "threads"]
    else:
        proc = subprocess.run([sys.executable, "-", *args], input=SCRIPT, capture_output=True, text=True, env=env,
                              timeout=600)
        expected = ["function", "threads"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["ok"] + expected


def test_cumulative_regret_refuses_mixed_frames(model, tmp_path):
    df = bounds.sweep(["ucb-h", "greedy"], {"a": model, "b": model}, [0, 1], 10, store=tmp_path / "c.sqlite",
                      progress=False)
    with pytest.raises(ValueError, match="algorithm: \\['greedy', 'ucb-h'\\].*instance: \\['a', 'b'\\].*filter"):
        bounds.cumulative_regret(df)
    with pytest.raises(ValueError, match="instance: \\['a', 'b'\\]"):
        bounds.cumulative_regret(df[df.algorithm == "greedy"])
    one = df[(df.algorithm == "greedy") & (df.instance == "a")]
    cum = bounds.cumulative_regret(one)
    assert cum.shape == (2, 10)
    for s in (0, 1):
        assert cum[s] == pytest.approx(np.cumsum(one[one.seed == s].sort_values("episode")["regret"]))
    with pytest.raises(ValueError, match="same episodes"):
        bounds.cumulative_regret(one[(one.seed == 0) | (one.episode < 5)])
    with pytest.raises(ValueError, match="lacks the columns \\['regret'\\]"):
        bounds.cumulative_regret(one.drop(columns="regret"))
    with pytest.raises(ValueError, match="a \\(seed, episode\\) twice"):
        bounds.cumulative_regret(pd.concat([one.drop(columns="instance")] * 2))


def test_loglog_slope_refuses_bad_arguments_by_name():
    curves = np.cumsum(np.ones((3, 50)), axis=1)
    assert bounds.loglog_slope(curves, burn_in=5, n_boot=20).slope == pytest.approx(1.0)
    for kwargs, match in [(dict(cumulative=curves[0]), "cumulative must be \\(n_seeds, K\\)"),
                          (dict(cumulative=np.where(curves > 40, np.nan, curves)), "cumulative\\[0, 40\\]"),
                          (dict(cumulative=curves + 1j), "cumulative must hold real numbers"),
                          (dict(burn_in=2.5), "burn_in must be an integer"), (dict(burn_in=50), "burn_in must lie"),
                          (dict(n_points=1), "n_points must be >= 2"), (dict(n_boot=True), "n_boot"),
                          (dict(level=1.0), "level must be a finite number in \\(0, 1\\)"),
                          (dict(seed=-1), "seed must be a non-negative")]:
        with pytest.raises((ValueError, TypeError), match=match):
            bounds.loglog_slope(**{"cumulative": curves, "burn_in": 5, **kwargs})


def reference_regret(algorithm, model, episodes, seeds, **params) -> pd.DataFrame:
    """The slow obvious path: each seed's run alone, its regret from a V* computed for that run."""
    fn = bounds.learner(algorithm)
    frames = []
    for seed in seeds:
        out = fn(model, episodes, seed, **params)
        frames.append(pd.DataFrame({"seed": seed, "episode": np.arange(1, episodes + 1),
                                    "regret": bounds.regret_of_run(model, out), "return": out.returns}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("algorithm, linear", [("ucb-h", False), ("lsvi-ucb", True)])
def test_v_star_once_per_model_leaves_results_unchanged(model, algorithm, linear, tmp_path, monkeypatch):
    """V* is computed once per model per measure_regret/sweep call (a LinearMDP through its episodic form), with
    the frames of V* computed per run."""
    m = tabular.random_linear_mdp(S=6, A=3, d=4, H=4, seed=1) if linear else model
    expected = reference_regret(algorithm, m, 40, [0, 1, 2])
    calls = []
    real = bounds.regret.solvers.backward_induction
    monkeypatch.setattr(bounds.regret.solvers, "backward_induction", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = bounds.measure_regret(algorithm, m, 40, seeds=[0, 1, 2], executor="threads")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert len(calls) == 1
    calls.clear()
    other = tabular.random_linear_mdp(S=6, A=3, d=4, H=4, seed=2) if linear else \
        tabular.EpisodicMDP(model.P, model.R, H=3)
    instances = {"a": m, "same-as-a": m, "b": other}  # two names, one model: one V*
    df = bounds.sweep([algorithm], instances, [0, 1, 2], 40, store=tmp_path / "v.sqlite", progress=False)
    assert len(calls) == 2
    frame = df[df.instance == "a"][["seed", "episode", "regret", "return"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    calls.clear()
    bounds.sweep([algorithm], instances, [0, 1, 2], 40, store=tmp_path / "v.sqlite", progress=False)
    assert calls == []  # every run reused: no V* needed
