"""The harness's extension points: model classes joining the exact-regret harness (``register_model``) and curve
kinds with their own store tables (``bounds.kinds``), exercised with toy classes, and the grouping kind of
Li, Ju & Shroff (ICLR 2024) through ``bounds.sweep`` and the store."""

import dataclasses
import importlib

import numpy as np
import pandas as pd
import pytest

from boundlab import bounds, tabular
from boundlab.bounds import kinds
from boundlab.bounds.regret import optimal_values, register_model, regret_of_run
from boundlab.bounds.store import Store

grouping_module = importlib.import_module("boundlab.bounds.grouping")


@dataclasses.dataclass(frozen=True)
class Wrapped:
    """A toy model class: an episodic MDP in a box, whose exact regret the harness learns by registration."""

    inner: tabular.EpisodicMDP


def _optimum(model):
    return optimal_values(model.inner)


def _regret(model, run, V_star):
    return regret_of_run(model.inner, run, V_star)


def boxed_ucbvi(model, K, seed, **params):
    """A learner on the boxed model (what a learner written for a new model class looks like to the harness)."""
    return tabular.learners.ucbvi_ch(model.inner, K, seed, **params)


@pytest.fixture(scope="module")
def river():
    return tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)


def test_a_registered_model_class_runs_through_measure_regret_and_sweep(river, tmp_path):
    with pytest.raises(TypeError, match="must be an EpisodicMDP or LinearMDP.*got Wrapped"):
        bounds.measure_regret(boxed_ucbvi, Wrapped(river), 5, progress=False)
    register_model(Wrapped, optimum=_optimum, regret=_regret)
    direct = bounds.measure_regret("ucbvi-ch", river, 20, [0, 1], progress=False)
    boxed = bounds.measure_regret(boxed_ucbvi, Wrapped(river), 20, [0, 1], progress=False)
    pd.testing.assert_frame_equal(direct, boxed)
    df = bounds.sweep(boxed_ucbvi, {"w": Wrapped(river)}, [0, 1], 20, store=tmp_path / "s.sqlite", progress=False)
    np.testing.assert_array_equal(df.regret.to_numpy(), direct.regret.to_numpy())
    with pytest.raises(TypeError, match="registered model: .*Wrapped"):
        bounds.measure_regret("greedy", np.zeros(3), 5, progress=False)


def test_register_model_refuses_bad_input_and_a_regret_of_the_wrong_shape(river):
    with pytest.raises(TypeError, match="dataclass"):
        register_model(dict, optimum=_optimum, regret=_regret)
    with pytest.raises(TypeError, match="callables"):
        register_model(Wrapped, optimum=1, regret=_regret)

    @dataclasses.dataclass(frozen=True)
    class Short:
        inner: tabular.EpisodicMDP

    register_model(Short, optimum=_optimum, regret=lambda m, run, V: _regret(m, run, V)[:-1])
    with pytest.raises(ValueError, match="one value per episode"):
        bounds.measure_regret(boxed_ucbvi, Short(river), 5, progress=False)


def _toy_curve(instance, n, seeds, *, scale):
    """A curve kind's registered function: value scale * index per seed."""
    rows = [(s, i, scale * i + s) for s in seeds for i in range(1, n + 1)]
    return pd.DataFrame(rows, columns=["seed", "step", "value"])


def _check_toy(instance, name):
    if not isinstance(instance, Wrapped):
        raise TypeError(f"{name} must be Wrapped, got {type(instance).__name__}")
    return instance


def test_a_new_curve_kind_gets_its_own_table_and_resumes(river, tmp_path):
    kinds.register_kind(kinds.Kind("toy", table="toy_runs", index="step", start=1, arrays=("value",),
                                   check_instance=_check_toy, required=("scale",), measures="a toy curve"))
    _toy_curve.kind = "toy"
    path = tmp_path / "s.sqlite"
    calls = []

    def spy(instance, n, seeds, **params):
        calls.append(list(seeds))
        return _toy_curve(instance, n, seeds, **params)

    spy.kind, spy.__name__ = "toy", "toy"
    df = bounds.sweep(spy, {"w": Wrapped(river)}, [0, 2], 4, params={"toy": {"scale": 0.5}}, store=path,
                      progress=False)
    assert df[["seed", "step", "value"]].to_numpy().tolist() == [
        [0, 1, 0.5], [0, 2, 1.0], [0, 3, 1.5], [0, 4, 2.0], [2, 1, 2.5], [2, 2, 3.0], [2, 3, 3.5], [2, 4, 4.0]]
    bounds.sweep(spy, {"w": Wrapped(river)}, [0, 1, 2], 4, params={"toy": {"scale": 0.5}}, store=path,
                 progress=False)
    assert calls == [[0, 2], [1]]
    assert len(Store(path).curve_frame("toy")) == 12 and Store(path).frame().empty
    with pytest.raises(ValueError, match="must give scale"):
        bounds.sweep(spy, {"w": Wrapped(river)}, [0], 4, store=path)
    with pytest.raises(TypeError, match=r"instances\['m'\] must be Wrapped"):
        bounds.sweep(spy, {"m": river}, [0], 4, params={"toy": {"scale": 1.0}}, store=path)
    with pytest.raises(ValueError, match="mixes kinds"):
        bounds.sweep([spy, "greedy"], {"w": Wrapped(river)}, [0], 4, params={"toy": {"scale": 1.0}}, store=path)


def test_kind_declarations_are_checked():
    good = dict(name="k", table="k_runs", index="i", start=0, arrays=("v",), check_instance=_check_toy)
    for field, value, error in (("table", "runs", ValueError), ("table", "x; DROP", ValueError),
                                ("arrays", (), ValueError), ("arrays", ("i",), ValueError),
                                ("start", 1.5, TypeError), ("name", "", ValueError)):
        with pytest.raises(error, match=field):
            kinds.Kind(**{**good, field: value})
    with pytest.raises(ValueError, match="integer_arrays"):
        kinds.Kind(**good, integer_arrays=("w",))
    with pytest.raises(ValueError, match="already belongs"):
        kinds.register_kind(kinds.Kind(**{**good, "table": "gap_runs"}))
    with pytest.raises(ValueError, match="harness's own"):
        kinds.register_kind(kinds.Kind(**{**good, "name": "regret"}))
    with pytest.raises(ValueError, match="no curve kind"):
        kinds.get_kind("nope")
    with pytest.raises(ValueError, match="kind must be one of"):
        bounds.algorithms("nope")


@pytest.fixture(scope="module")
def grouped():
    return tabular.action_grouped_mdp(4, 8, 2, 0.1, seed=0)


def test_the_grouping_trade_off_through_the_sweep_equals_the_direct_one_and_resumes(grouped, tmp_path,
                                                                                   monkeypatch):
    path = tmp_path / "s.sqlite"
    direct = bounds.grouping_trade_off(grouped, [32, 128], seeds=range(3))
    swept = bounds.grouping_trade_off(grouped, [32, 128], seeds=range(3), store=path)
    order = ["budget", "m", "seed"]
    pd.testing.assert_frame_equal(swept.sort_values(order).reset_index(drop=True),
                                  direct.sort_values(order).reset_index(drop=True), check_dtype=False)
    stored = Store(path).curve_frame("grouping")
    assert len(stored) == len(direct) and set(stored.algorithm) == {"grouped-rl"}
    assert (stored.budget == stored.episodes).all()  # a one-point run: its index is the budget
    assert stored.groups.dtype == np.int64 and stored.samples.dtype == np.int64
    monkeypatch.setattr(grouping_module, "grouped_rl_runs",
                        lambda *a, **k: pytest.fail("a stored grouping run was run again"))
    again = bounds.grouping_trade_off(grouped, [32, 128], seeds=range(3), store=path)
    pd.testing.assert_frame_equal(again, swept)


def test_grouped_rl_runs_refuses_a_budget_below_one_sample_per_state_and_group(grouped, tmp_path):
    with pytest.raises(ValueError, match="budget must be at least 8"):
        bounds.grouping.grouped_rl_runs(grouped, 7, [0], m=2)
    with pytest.raises(ValueError, match="must give m"):
        bounds.sweep("grouped-rl", {"g": grouped}, [0], 64, store=tmp_path / "s.sqlite")
    with pytest.raises(TypeError, match=r"instances\['g'\] must be a tabular.grouping.ActionGroupedMDP"):
        bounds.sweep("grouped-rl", {"g": tabular.riverswim()}, [0], 64, params={"grouped-rl": {"m": 2}},
                     store=tmp_path / "s.sqlite")


def test_an_explicit_default_shares_the_key_of_the_run_without_it(river, tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    first = bounds.sweep("ucbvi-ch", {"r": river}, [0], 10, store=path, progress=False)
    again = bounds.sweep("ucbvi-ch", {"r": river}, [0], 10, params={"ucbvi-ch": {"bonus_scale": 1.0, "delta": 0.1}},
                         store=path, progress=False)
    assert again.reused.all() and (again.params == "{}").all()
    pd.testing.assert_frame_equal(first.drop(columns="reused"), again.drop(columns="reused"))
    other = bounds.sweep("ucbvi-ch", {"r": river}, [0], 10, params={"ucbvi-ch": {"bonus_scale": 0.5}}, store=path,
                         progress=False)
    assert not other.reused.any() and (other.params == '{"bonus_scale": 0.5}').all()
    one = bounds.sweep("ucbvi-ch", {"r": river}, [0], 10, params={"ucbvi-ch": {"bonus_scale": 1}}, store=path,
                       progress=False)
    assert not one.reused.any()  # an int is not the float default: kept in the key (never coerced)
    gap = importlib.import_module("boundlab.bounds.gap")
    bandit = gap.CauchyBandit(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([0.3, -0.7]), scale=0.5)
    bounds.sweep("n-harpg", {"b": bandit}, [0], 5, params={"n-harpg": {"gamma_0": 0.1}}, store=path, progress=False)
    monkeypatch.setattr(gap, "measure_gap", lambda *a, **k: pytest.fail("a stored gap run was run again"))
    df = bounds.sweep("n-harpg", {"b": bandit}, [0], 5, store=path, progress=False,
                      params={"n-harpg": {"gamma_0": 0.1, "schedule": "paper", "estimator": "gpomdp"}})
    assert df.reused.all()
