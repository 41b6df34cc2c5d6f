"""Sweeps: resumable store (SIGKILL mid-run), any Executor (dask LocalCluster), table contents."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from boundlab import bounds, tabular
from boundlab.bounds.fingerprint import fingerprint
from sweep_worker import instances

HERE = Path(__file__).parent
EPISODES = 3000


def run_worker(db: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(HERE.parent)]))
    return subprocess.Popen([sys.executable, str(HERE / "sweep_worker.py"), str(db), str(EPISODES)], env=env)


def stored_runs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_killed_sweep_resumes_without_loss_or_duplicates(tmp_path):
    total = 2 * 3 * 4
    reference = tmp_path / "reference.sqlite"
    proc = run_worker(reference)
    assert proc.wait(timeout=600) == 0
    assert stored_runs(reference) == total

    killed = tmp_path / "killed.sqlite"
    proc = run_worker(killed)
    deadline = time.time() + 300
    while stored_runs(killed) < 3 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = stored_runs(killed)
    assert 3 <= partial < total, "the kill must land mid-sweep"
    assert run_worker(killed).wait(timeout=600) == 0

    a, b = bounds.Store(reference).frame(), bounds.Store(killed).frame()
    assert len(b) == total * EPISODES
    assert not b.duplicated(subset=["algorithm", "instance", "seed", "episode"]).any()
    pd.testing.assert_frame_equal(a, b)


def test_sweep_on_a_dask_cluster_equals_local(tmp_path):
    import distributed  # a dev dependency
    models = instances()
    with ThreadPoolExecutor(max_workers=2) as pool:
        local = bounds.sweep(["psrl", "greedy"], models, [0, 1], 200, executor=pool, store=tmp_path / "a.sqlite",
                             progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        remote = bounds.sweep(["psrl", "greedy"], models, [0, 1], 200, executor=client.get_executor(),
                              store=tmp_path / "b.sqlite", progress=False)
    pd.testing.assert_frame_equal(local, remote)
    assert set(local["algorithm"]) == {"psrl", "greedy"} and len(local) == 2 * 3 * 2 * 200


def test_sweep_rows_match_measure_regret(tmp_path):
    models = instances()
    df = bounds.sweep(["ucb-h"], {"dirichlet-0": models["dirichlet-0"]}, [5], 100, store=tmp_path / "c.sqlite",
                      progress=False)
    direct = bounds.measure_regret("ucb-h", models["dirichlet-0"], 100, seeds=[5])
    assert list(df["regret"]) == pytest.approx(list(direct["regret"]), abs=0)


def test_sweep_returns_only_its_own_runs_from_a_shared_store(tmp_path):
    """A store shared by sweeps with other K, seeds and parameters: each sweep reads back exactly its own runs."""
    model = {"dirichlet-0": instances()["dirichlet-0"]}
    store = tmp_path / "shared.sqlite"
    with ThreadPoolExecutor(max_workers=2) as pool:
        kw = dict(executor=pool, store=store, progress=False)
        plain = bounds.sweep(["ucbvi-ch"], model, [0, 1], 50, **kw)
        scaled = bounds.sweep(["ucbvi-ch"], model, [0], 50, params={"ucbvi-ch": {"bonus_scale": 0.01}}, **kw)
        longer = bounds.sweep(["ucbvi-ch"], model, [1], 80, **kw)
        again = bounds.sweep(["ucbvi-ch"], model, [0, 1], 50, **kw)
    assert len(plain) == 2 * 50 and len(scaled) == 50 and len(longer) == 80
    assert set(scaled["params"]) == {'{"bonus_scale": 0.01}'} and set(plain["params"]) == {"{}"}
    assert scaled["regret"].sum() != plain[plain.seed == 0]["regret"].sum()
    assert not plain["reused"].any() and again["reused"].all()
    pd.testing.assert_frame_equal(plain.drop(columns="reused"), again.drop(columns="reused"))
    assert len(bounds.Store(store).frame()) == 2 * 50 + 50 + 80


def test_measure_regret_from_a_script_on_stdin():
    """``python -`` has no main file for a worker process to re-import: the default threads run its seeds, with the
    results of one seed alone."""
    script = ("from boundlab import bounds, tabular\n"
              "m = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)\n"
              "df = bounds.measure_regret('ucb-h', m, 30, seeds=[0, 1])\n"
              "one = bounds.measure_regret('ucb-h', m, 30, seeds=[1])\n"
              "assert list(df[df.seed == 1].regret) == list(one.regret)\n"
              "print(len(df))\n")
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    proc = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "60"


def test_a_changed_model_under_an_old_name_is_run_again(tmp_path, capsys):
    """Issue 8: RiverSwim H=10 after H=20 under the name "riverswim" returned the stored H=20 runs."""
    P, R = tabular.riverswim().to_arrays()
    h20, h10 = (tabular.EpisodicMDP(P, R, H=H) for H in (20, 10))
    kw = dict(store=tmp_path / "rs.sqlite", progress=False)
    first = bounds.sweep(["ucb-h"], {"riverswim": h20}, [0, 1], 40, **kw)
    second = bounds.sweep(["ucb-h"], {"riverswim": h10}, [0, 1], 40, **kw)
    assert "reused" not in capsys.readouterr().err
    third = bounds.sweep(["ucb-h"], {"riverswim": h20}, [0, 1], 40, **dict(kw, progress=True))
    assert "sweep: 2 of 2 runs reused" in capsys.readouterr().err
    assert not first["reused"].any() and not second["reused"].any() and third["reused"].all()
    assert set(second["model"]) == {fingerprint(h10)} and set(first["model"]) == {fingerprint(h20)}
    fresh = bounds.measure_regret("ucb-h", h10, 40, seeds=[0, 1])
    assert list(second["regret"]) == list(fresh["regret"])
    assert list(first["regret"]) == list(bounds.measure_regret("ucb-h", h20, 40, seeds=[0, 1])["regret"])
    assert second["regret"].sum() != first["regret"].sum()
    pd.testing.assert_frame_equal(first.drop(columns="reused"), third.drop(columns="reused"))
    assert len(bounds.Store(tmp_path / "rs.sqlite").frame()) == 2 * 2 * 40


def test_array_parameters_are_keyed_by_content(tmp_path):
    """LSVI-UCB on a tabular model needs ``phi``: its sweep runs, is reused on the second call, and a changed ``phi``
    (same shape, other values) or dtype is run again; numpy scalars key as their Python values."""
    model = {"dirichlet-0": instances()["dirichlet-0"]}
    S, A = model["dirichlet-0"].R.shape[-2:]
    one_hot = np.eye(S * A).reshape(S, A, S * A)
    kw = dict(store=tmp_path / "phi.sqlite", progress=False)

    def run(phi, bonus_scale=1.0):
        params = {"lsvi-ucb": {"phi": phi, "bonus_scale": bonus_scale}}
        return bounds.sweep(["lsvi-ucb"], model, [0, 1], 30, params=params, **kw)

    first, again = run(one_hot), run(one_hot.copy())
    assert not first["reused"].any() and again["reused"].all()
    pd.testing.assert_frame_equal(first.drop(columns="reused"), again.drop(columns="reused"))
    direct = bounds.measure_regret("lsvi-ucb", model["dirichlet-0"], 30, seeds=[0, 1], phi=one_hot)
    assert list(first["regret"]) == list(direct["regret"])
    scaled = run(2.0 * one_hot)
    assert not scaled["reused"].any() and set(scaled["params"]).isdisjoint(first["params"])
    assert not run(one_hot.astype(np.float32))["reused"].any()
    assert run(one_hot, bonus_scale=np.float32(1.0))["reused"].all()  # np.float32(1.0) is the parameter 1.0
    assert len(bounds.Store(kw["store"]).frame()) == 3 * 2 * 30


def test_parameters_that_cannot_be_keyed_are_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match=r"params\['ucb-h'\]: cannot key a parameter of type set"):
        bounds.sweep(["ucb-h"], {"m": instances()["dirichlet-0"]}, [0], 5, params={"ucb-h": {"bonus_scale": {1}}},
                     store=tmp_path / "s.sqlite", progress=False)
