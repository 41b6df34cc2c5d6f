"""One vocabulary for the knobs: ``bonus_scale`` and ``delta`` on every optimism learner, the old names (``p``, ``c``,
``c1``, ``c2``) as deprecated aliases giving the same runs, and ``bounds.learner_params``."""

import inspect
import math
import pydoc
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import bounds, tabular
from boundlab.tabular.learners import (Param, ac_hybrid, ac_optimistic, lsvi_ucb, mvp, ucb_b, ucb_h, ucbvi_bf,
                                        ucbvi_ch)
from boundlab.tabular.learners._common import knobs

OPTIMISM = [ucbvi_ch, ucbvi_bf, mvp, ucb_h, ucb_b, lsvi_ucb, ac_optimistic, ac_hybrid]
#: Optimism learners on other model classes (latent MDPs, revealing POMDPs): the same knobs, run by their own tests.
OTHER_OPTIMISM = [tabular.learners.lmdp_value_optimistic, tabular.learners.lmdp_model_optimistic,
                  tabular.learners.omle, tabular.learners.omle_etc]
#: The old parameterisation: each learner's absolute constants at their old defaults (bonus_scale = 1).
OLD_CONSTANTS = {ucb_h: {"c": 2.0}, ucb_b: {"c1": 2.0, "c2": 2.0}, lsvi_ucb: {"c": 1.0}}
MODEL = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=5, A=3, seed=1).to_arrays(), H=5)
PHI = np.eye(MODEL.S * MODEL.A).reshape(MODEL.S, MODEL.A, -1)


def run(learner, K=60, seed=3, **kw):
    if learner is lsvi_ucb:
        kw.setdefault("phi", PHI)
    return learner(MODEL, K, seed, record_q=True, **kw)


def old_run(learner, K=60, seed=3, **kw):
    with pytest.warns(DeprecationWarning, match="is deprecated and will be removed"):
        return run(learner, K, seed, **kw)


def assert_same(a, b):
    assert np.array_equal(a.policies, b.policies) and np.array_equal(a.starts, b.starts)
    assert np.array_equal(a.returns, b.returns) and np.array_equal(a.q_values, b.q_values)


@pytest.mark.parametrize("learner", OPTIMISM)
def test_defaults_are_bonus_scale_one_and_delta_one_tenth(learner):
    defaults = {p.name: p.default for p in learner.params}
    assert defaults["bonus_scale"] == 1.0 and defaults["delta"] == 0.1
    assert_same(run(learner), run(learner, bonus_scale=1.0, delta=0.1))


@pytest.mark.parametrize("learner", list(OLD_CONSTANTS))
def test_bonus_scale_one_is_the_old_default_run(learner):
    """The old defaults spelled out (UCB-H c = 2, UCB-B c1 = c2 = 2, LSVI-UCB c = 1, p = 0.1) = the new defaults."""
    assert_same(run(learner), old_run(learner, p=0.1, **OLD_CONSTANTS[learner]))


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(list(OLD_CONSTANTS)), st.floats(0.0, 3.0), st.floats(0.01, 0.9), st.integers(0, 2**31))
def test_bonus_scale_is_the_old_constant_scaled(learner, scale, delta, seed):
    """bonus_scale = s, delta = d is the old run with every constant c -> s c (c_default) and p = d, exactly."""
    old = {name: scale * c for name, c in OLD_CONSTANTS[learner].items()}
    assert_same(run(learner, seed=seed, bonus_scale=scale, delta=delta), old_run(learner, seed=seed, p=delta, **old))


@pytest.mark.parametrize("learner", [ucb_h, ucb_b])
@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5])
def test_first_update_adds_the_scaled_paper_bonus(learner, scale):
    """Episode 1 plays action 0 everywhere (all Q tie at H), the same trajectory at every scale; its updates have
    alpha_1 = 1, so Q_h(x_h, a_h) after it is r + V_{h+1}(x') + b_1: against bonus_scale = 0 the difference is
    bonus_scale times the paper's b_1 at the H visited entries and 0 elsewhere. UCB-H: b_1 = c sqrt(H^3 iota),
    c = 2; UCB-B: b_1 = beta_1 / 2 with beta_1 = min(c1 (sqrt(H (0 + H) iota) + sqrt(H^7 S A) iota),
    c2 sqrt(H^3 iota)), c1 = c2 = 2 (W_1 = 0, alpha_1 = 1)."""
    K, H, S, A = 10, MODEL.H, MODEL.S, MODEL.A
    iota = math.log(S * A * K * H / 0.1)
    if learner is ucb_h:
        b1 = 2.0 * math.sqrt(H**3 * iota)
    else:
        b1 = min(2.0 * (math.sqrt(H * H * iota) + math.sqrt(H**7 * S * A) * iota), 2.0 * math.sqrt(H**3 * iota)) / 2
    diff = run(learner, K, bonus_scale=scale).q_values[1] - run(learner, K, bonus_scale=0.0).q_values[1]
    changed = np.abs(diff) > 1e-12
    assert changed.sum() == H and changed.any(axis=(1, 2)).all()  # one visited (s, a) per step
    assert np.allclose(diff[changed], scale * b1, rtol=1e-12, atol=0)


@pytest.mark.parametrize("learner, old", [(ucb_h, {"c": 1.0}), (ucb_b, {"c1": 1.0}), (lsvi_ucb, {"c": 0.5})])
def test_old_and_new_name_together_refused(learner, old):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match=f"bonus_scale or the deprecated .*{next(iter(old))}"):
            run(learner, bonus_scale=0.5, **old)
        with pytest.raises(ValueError, match="delta or the deprecated p"):
            run(learner, delta=0.2, p=0.3)


def test_deprecation_says_what_replaces_the_old_name():
    with pytest.warns(DeprecationWarning, match=r"ucb_b: c1= is deprecated .* use bonus_scale = c1 / 2"):
        run(ucb_b, c1=1.0)
    with pytest.warns(DeprecationWarning, match=r"lsvi_ucb: p= is deprecated .* use delta"):
        run(lsvi_ucb, p=0.2)


@pytest.mark.parametrize("learner", OPTIMISM)
def test_unknown_keyword_is_a_type_error(learner):
    with pytest.raises(TypeError, match="bonus_scal"):
        run(learner, bonus_scal=0.5)
    if learner not in OLD_CONSTANTS:  # the old names exist only where a paper used them
        with pytest.raises(TypeError, match="'c'"):
            run(learner, c=0.5)


def keyword_only(fn):
    return {p.name: p.default for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY}


@pytest.mark.parametrize("name", bounds.algorithms())
def test_learner_params_lists_every_registered_learner(name):
    """Every keyword parameter, in signature order, with its default, a meaning and a source; optimism learners
    have bonus_scale and delta and none of the old names."""
    params = bounds.learner_params(name)
    assert all(isinstance(p, Param) and p.meaning and p.source for p in params)
    assert {p.name: p.default for p in params} == keyword_only(bounds.learner(name))
    assert [p.name for p in params] == list(keyword_only(bounds.learner(name)))
    names = {p.name for p in params}
    assert not names & {"p", "c", "c1", "c2"}
    if bounds.learner(name) in OPTIMISM + OTHER_OPTIMISM:
        assert {"bonus_scale", "delta"} <= names
    else:
        assert not names & {"bonus_scale", "delta"}
    frame = pd.DataFrame(params)
    assert list(frame.columns) == ["name", "default", "meaning", "source"] and len(frame) == len(params)


def test_learner_params_extras_and_a_users_learner():
    assert {p.name for p in bounds.learner_params("lsvi-ucb")} >= {"phi", "lam"}
    assert [p.default for p in bounds.learner_params("psrl") if p.name == "alpha0"] == [1.0]
    assert [p.default for p in bounds.learner_params("eps-greedy") if p.name == "epsilon"] == [0.1]

    def mine(model, K, seed=None, *, temperature=0.5, steps):
        return ucb_h(model, K, seed)

    got = bounds.learner_params(mine)
    assert [(p.name, p.default, p.meaning) for p in got] == [("temperature", 0.5, ""),
                                                             ("steps", inspect.Parameter.empty, "")]
    with pytest.raises(ValueError, match="unknown algorithm"):
        bounds.learner_params("nope")


def test_knobs_refuses_an_undescribed_or_unknown_parameter():
    def fn(model, K, *, x=1.0):
        return None

    with pytest.raises(TypeError, match="undescribed.*x"):
        knobs()(fn)
    with pytest.raises(TypeError, match="unknown.*y"):
        knobs(x=("m", "s"), y=("m", "s"))(fn)


def test_help_of_measure_regret_lists_the_vocabulary():
    text = pydoc.render_doc(bounds.measure_regret)
    for word in ("bonus_scale", "delta", "reward_range", "stationary", "record_q", "learner_params", "alpha0",
                 "epsilon", "lam", "phi"):
        assert word in text, word
