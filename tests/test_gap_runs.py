"""Gap runs (the policy-gradient methods of issue 11) in the registry, bounds.sweep and the store."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

import importlib

from boundlab import bounds, tabular
from boundlab.bounds.gap import CauchyBandit, measure_gap
from boundlab.bounds.store import Store

BANDIT = CauchyBandit(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, -1.0]]), np.array([0.3, -0.7]), scale=0.5)
gap_module = importlib.import_module("boundlab.bounds.gap")
PARAMS = {"n-harpg": {"gamma_0": 0.1}}
FRAME = ["seed", "iteration", "trajectories", "gap"]


def test_registry_lists_both_kinds():
    gap = ["harpg", "n-harpg", "n-pg-igt", "n-pg-momentum", "vanilla-pg"]
    assert bounds.algorithms("gap") == gap
    others = {name for kind in ("regret", "grouping", "submodular", "cormab") for name in bounds.algorithms(kind)}
    assert set(bounds.algorithms()) == set(gap) | others and "grouped-rl" in others
    assert "ucbvi-ch" in bounds.algorithms("regret") and not set(gap) & set(bounds.algorithms("regret"))
    assert bounds.registry.kind("n-harpg") == "gap" and bounds.registry.kind("ucbvi-ch") == "regret"
    assert [p.name for p in bounds.learner_params("n-pg-igt")] == ["gamma_0", "theta0", "schedule", "estimator"]
    assert {p.name: p.default for p in bounds.learner_params("n-pg-igt")[2:]} == {"schedule": "paper",
                                                                                  "estimator": "gpomdp"}
    with pytest.raises(ValueError, match="kind"):
        bounds.algorithms("regrets")


def test_stored_gap_runs_read_back_as_measure_gap_frames(tmp_path):
    df = bounds.sweep("n-harpg", {"bandit": BANDIT}, [3, 1], 40, params=PARAMS, store=tmp_path / "s.sqlite",
                      progress=False)
    direct = measure_gap("n-harpg", BANDIT, 40, [1, 3], gamma_0=0.1)
    pd.testing.assert_frame_equal(df[FRAME].reset_index(drop=True), direct)
    stored = Store(tmp_path / "s.sqlite").gap_frame()
    pd.testing.assert_frame_equal(stored[FRAME], direct)
    assert (stored.episodes == 40).all() and (stored.algorithm == "n-harpg").all()
    assert not df.reused.any()


def test_resume_runs_only_the_seeds_not_stored_in_one_call(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    bounds.sweep("n-harpg", {"bandit": BANDIT}, [0, 1], 30, params=PARAMS, store=path, progress=False)
    calls = []

    def spy(algorithm, problem, iterations, seeds, **params):
        calls.append(list(seeds))
        return measure_gap(algorithm, problem, iterations, seeds, **params)

    monkeypatch.setattr(gap_module, "measure_gap", spy)  # what the registered method calls
    df = bounds.sweep("n-harpg", {"bandit": BANDIT}, [0, 1, 2, 5], 30, params=PARAMS, store=path, progress=False)
    assert calls == [[2, 5]]  # one vmapped call for the seeds still to do
    assert df.groupby("seed").reused.all().to_dict() == {0: True, 1: True, 2: False, 5: False}
    calls.clear()
    bounds.sweep("n-harpg", {"bandit": BANDIT}, [0, 1, 2, 5], 30, params={"n-harpg": {"gamma_0": 0.2}}, store=path,
                 progress=False)
    assert calls == [[0, 1, 2, 5]]  # another gamma_0 is another key


def test_an_old_store_opens_unchanged_and_holds_no_gap_runs(tmp_path):
    path = tmp_path / "old.sqlite"
    model = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)
    bounds.sweep("greedy", {"rs": model}, [0], 5, store=path, progress=False)
    before = Store(path).frame()
    with sqlite3.connect(path) as con:
        tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"runs"}
    assert Store(path).gap_frame().empty and Store(path).gap_done() == set()
    bounds.sweep("n-harpg", {"bandit": BANDIT}, [0], 5, params=PARAMS, store=path, progress=False)
    pd.testing.assert_frame_equal(Store(path).frame(), before)
    assert len(Store(path).gap_frame()) == 6


def test_bad_gap_sweeps_are_refused_by_name(tmp_path):
    path = tmp_path / "s.sqlite"
    with pytest.raises(ValueError, match="mixes kinds"):
        bounds.sweep(["greedy", "n-harpg"], {"bandit": BANDIT}, [0], 5, params=PARAMS, store=path)
    with pytest.raises(ValueError, match="gamma_0"):
        bounds.sweep("n-harpg", {"bandit": BANDIT}, [0], 5, store=path)
    with pytest.raises(TypeError, match=r"instances\['rs'\]"):
        bounds.sweep("n-harpg", {"rs": tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)}, [0], 5,
                     params=PARAMS, store=path)
    with pytest.raises(ValueError, match="iteration"):
        Store(path).add_gap(("n-harpg", "b", "m", 0, 3, "{}"),
                            pd.DataFrame({"iteration": [1, 2, 3], "trajectories": [2, 4, 6], "gap": [0.1] * 3}), 1.0)


def test_schedule_and_estimator_through_the_registry_and_the_store(tmp_path):
    """The registry entry and ``sweep`` pass ``schedule``/``estimator`` to ``measure_gap``; the store keys them in
    ``params`` (a ``schedule="code"`` run is not the stored paper run, and is reused under its own key)."""
    entry = bounds.registry.learner("n-pg-igt")
    direct = measure_gap("n-pg-igt", BANDIT, 20, [0, 1], gamma_0=0.2, schedule="code")
    pd.testing.assert_frame_equal(entry(BANDIT, 20, [0, 1], gamma_0=0.2, schedule="code"), direct)
    with pytest.raises(ValueError, match="schedule"):
        entry(BANDIT, 20, [0], gamma_0=0.2, schedule="codes")
    path = tmp_path / "s.sqlite"
    paper = bounds.sweep("n-pg-igt", {"bandit": BANDIT}, [0, 1], 20, params={"n-pg-igt": {"gamma_0": 0.2}},
                         store=path, progress=False)
    code = bounds.sweep("n-pg-igt", {"bandit": BANDIT}, [0, 1], 20,
                        params={"n-pg-igt": {"gamma_0": 0.2, "schedule": "code"}}, store=path, progress=False)
    assert not code.reused.any() and not np.allclose(paper.gap, code.gap)
    pd.testing.assert_frame_equal(code[FRAME].reset_index(drop=True), direct)
    again = bounds.sweep("n-pg-igt", {"bandit": BANDIT}, [0, 1], 20,
                         params={"n-pg-igt": {"gamma_0": 0.2, "schedule": "code"}}, store=path, progress=False)
    assert again.reused.all() and '"schedule": "code"' in again.params.iloc[0]
