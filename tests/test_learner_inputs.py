"""Every learner refuses rewards outside [0, 1] (or rescales them when asked, recording the unit) and checks the type
and range of every parameter, naming it."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import tabular
from boundlab.bounds import regret_of_run
from boundlab.tabular.learners import eps_greedy, greedy, lsvi_ucb, mvp, psrl, ucb_b, ucb_h, ucbvi_bf, ucbvi_ch
from conftest import episodic

NAMES = {ucbvi_ch: "UCBVI-CH", ucbvi_bf: "UCBVI-BF", mvp: "MVP", psrl: "PSRL", ucb_h: "UCB-H", ucb_b: "UCB-B",
         greedy: "greedy", eps_greedy: "eps-greedy", lsvi_ucb: "LSVI-UCB"}
LEARNERS = list(NAMES)


def run(learner, model, K, seed=0, **kw):
    """Call any learner; LSVI-UCB gets one-hot features (a tabular MDP is a linear MDP with them)."""
    if learner is lsvi_ucb:
        kw.setdefault("phi", np.eye(model.S * model.A).reshape(model.S, model.A, -1))
    return learner(model, K, seed, **kw)


def scaled_pair(drawn, lo, hi):
    """The same MDP with rewards in [lo, hi] and with those rewards mapped to [0, 1] as the learners map them."""
    P, R01, H = drawn
    R = lo + (hi - lo) * R01
    init = np.full(R.shape[-2], 1.0 / R.shape[-2])
    wide = tabular.EpisodicMDP(P, R, H, initial=init, reward_range=(lo, hi))
    unit = tabular.EpisodicMDP(P, (R - lo) / (hi - lo), H, initial=init)
    return wide, unit


@pytest.mark.parametrize("learner", LEARNERS)
def test_rewards_outside_unit_interval_refused(learner):
    """[0, 3] rewards (what ran silently before): a ValueError naming the learner, the assumption and the entry."""
    P = np.full((2, 2, 2), 0.5)
    R = np.array([[0.0, 1.0], [0.5, 3.0]])
    model = tabular.EpisodicMDP(P, R, 3, reward_range=(0.0, 3.0))
    with pytest.raises(ValueError, match=rf"{NAMES[learner]} assumes per-step mean rewards in \[0, 1\].*R\[1, 1\]"):
        run(learner, model, 5)
    negative = tabular.EpisodicMDP(P, R - 1.0, 3, reward_range=(-1.0, 2.0))
    with pytest.raises(ValueError, match=r"R\[0, 0\] = -1.0.*reward_range"):
        run(learner, negative, 5)
    with pytest.raises(ValueError, match=r"R\[1, 1\] = 3.0 lies outside reward_range \[0.0, 2.0\]"):
        run(learner, model, 5, reward_range=(0.0, 2.0))


@settings(max_examples=6)
@given(episodic(max_S=4, max_A=3, max_H=4), st.sampled_from(LEARNERS), st.sampled_from([(0.0, 3.0), (-1.0, 2.5)]),
       st.integers(0, 2**31))
def test_rescaling_is_the_learner_on_unit_rewards(drawn, learner, bounds, seed):
    """reward_range=(lo, hi) runs the learner exactly as on the model with rewards (r - lo) / (hi - lo): same
    policies and Q values; returns and exact regret come back in the model's unit (hi - lo times the unit-model's
    regret), and the run records the range."""
    lo, hi = bounds
    wide, unit = scaled_pair(drawn, lo, hi)
    record = {} if learner in (greedy, eps_greedy) else {"record_q": True}
    with pytest.warns(UserWarning, match=rf"{NAMES[learner]}: rewards rescaled from \[{lo}, {hi}\]"):
        a = run(learner, wide, 12, seed, reward_range=bounds, **record)
    b = run(learner, unit, 12, seed, **record)
    assert np.array_equal(a.policies, b.policies) and np.array_equal(a.starts, b.starts)
    if a.q_values is not None:
        assert np.array_equal(a.q_values, b.q_values)
    assert a.reward_range == (lo, hi) and b.reward_range == (0.0, 1.0) and a.reward_unit == hi - lo
    assert np.allclose(a.returns, wide.H * lo + (hi - lo) * b.returns, rtol=0, atol=1e-9)
    assert np.allclose(regret_of_run(wide, a), (hi - lo) * regret_of_run(unit, b), rtol=0, atol=1e-9)


def test_unit_rewards_need_no_range_and_raise_no_warning():
    model = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ucbvi_ch(model, 3, 0, reward_range=(0, 1)).reward_range == (0.0, 1.0)


@pytest.mark.parametrize("bad, exc", [((1.0, 0.0), ValueError), ((0.0, 0.0), ValueError), ("01", TypeError),
                                      ((0.0, np.nan), ValueError), ((0.0,), TypeError), ((0.0, "1"), TypeError)])
def test_bad_reward_range(bad, exc):
    model = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=4)
    with pytest.raises(exc, match="reward_range"):
        ucb_h(model, 3, reward_range=bad)


# --- every parameter: type and range ------------------------------------------------------------------------------

PROB, NONNEG, POS, UNIT, FLAG, OPTFLAG = "prob", "nonneg", "pos", "unit", "flag", "optflag"
PARAMS = {
    ucbvi_ch: {"delta": PROB, "bonus_scale": NONNEG, "record_q": FLAG, "stationary": OPTFLAG},
    ucbvi_bf: {"delta": PROB, "bonus_scale": NONNEG, "record_q": FLAG, "stationary": OPTFLAG},
    mvp: {"delta": PROB, "bonus_scale": NONNEG, "record_q": FLAG, "stationary": OPTFLAG},
    psrl: {"alpha0": POS, "record_q": FLAG, "stationary": OPTFLAG},
    ucb_h: {"delta": PROB, "bonus_scale": NONNEG, "record_q": FLAG},
    ucb_b: {"delta": PROB, "bonus_scale": NONNEG, "record_q": FLAG},
    greedy: {"stationary": OPTFLAG},
    eps_greedy: {"epsilon": UNIT, "stationary": OPTFLAG},
    lsvi_ucb: {"delta": PROB, "bonus_scale": NONNEG, "lam": POS, "record_q": FLAG},
}
DEPRECATED = {ucb_h: {"p": PROB, "c": NONNEG}, ucb_b: {"p": PROB, "c1": NONNEG, "c2": NONNEG},
              lsvi_ucb: {"p": PROB, "c": NONNEG}}  # old names, accepted for one release
CASES = [(learner, name, kind) for table in (PARAMS, DEPRECATED) for learner, params in table.items()
         for name, kind in params.items()]
NOT_REAL = st.sampled_from(["0.5", True, False, np.bool_(True), 1 + 0j, None, [0.5], np.array([0.5])])
NOT_FLAG = st.sampled_from([0, 1, 1.0, "True", np.int64(1), [True]])
OUT_OF = {
    PROB: st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.sampled_from([np.nan, np.inf])),
    NONNEG: st.one_of(st.floats(max_value=-1e-300), st.sampled_from([np.nan, np.inf, -np.inf, -1])),
    POS: st.one_of(st.floats(max_value=0.0), st.sampled_from([np.nan, np.inf, 0, -2])),
    UNIT: st.one_of(st.floats(max_value=-1e-300), st.floats(min_value=1.0, exclude_min=True),
                    st.sampled_from([np.nan, np.inf])),
}
MODEL = tabular.EpisodicMDP(*tabular.riverswim(4).to_arrays(), H=3)


@settings(max_examples=200)
@given(st.sampled_from(CASES), st.data())
def test_every_parameter_checked(case, data):
    """A bad type is a TypeError, a bad value (NaN, infinite, out of range) a ValueError; both name the parameter."""
    learner, name, kind = case
    if kind in (FLAG, OPTFLAG):
        bad, exc = data.draw(NOT_FLAG if kind == OPTFLAG else st.one_of(NOT_FLAG, st.just(None))), TypeError
    elif data.draw(st.booleans()):
        bad, exc = data.draw(NOT_REAL), TypeError
    else:
        bad, exc = data.draw(OUT_OF[kind]), ValueError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(exc, match=rf"\b{name}\b"):
            run(learner, MODEL, 2, **{name: bad})


def test_ucb_h_bonus_scale_nan_or_negative_refused():
    """The reported case (then as c = NaN): a NaN constant made every Q non-finite and the policy stuck at 0."""
    for scale in (np.nan, -1.0):
        with pytest.raises(ValueError, match="bonus_scale must be a finite number in"):
            ucb_h(MODEL, 5, bonus_scale=scale)


@pytest.mark.parametrize("kwargs, match", [
    ({"bonus_scale": np.inf}, r"bonus_scale must be a finite number in \[0, inf\), got inf$"),  # not "[0, inf]"
    ({"bonus_scale": np.float64(np.nan)}, r"bonus_scale must be a finite number in \[0, inf\), got nan$"),
    ({"delta": np.float32(1.5)}, r"delta must be a finite number in \(0, 1\), got 1.5$"),
    ({"bonus_scale": -np.inf}, r"got -inf$"),
])
def test_interval_and_numbers_written_plainly(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ucb_h(MODEL, 5, **kwargs)
    with pytest.raises(TypeError, match=r"record_q must be True or False, got int64 1$"):
        ucb_h(MODEL, 5, record_q=np.int64(1))


@pytest.mark.parametrize("learner", LEARNERS)
@pytest.mark.parametrize("K, exc", [(2.5, TypeError), (2.0, TypeError), (True, TypeError), ("3", TypeError),
                                    (None, TypeError), (0, ValueError), (-3, ValueError)])
def test_episodes_must_be_a_positive_integer(learner, K, exc):
    with pytest.raises(exc, match="K"):
        run(learner, MODEL, K)


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("1", TypeError)])
def test_bad_seed(seed, exc):
    with pytest.raises(exc, match="seed"):
        ucbvi_ch(MODEL, 2, seed)


def test_numpy_scalars_accepted():
    """numpy integers and floats are numbers: accepted, and the same run as the Python values."""
    a = ucb_b(MODEL, np.int64(20), np.int32(4), delta=np.float32(0.25), bonus_scale=np.int8(2),
              record_q=np.bool_(True))
    b = ucb_b(MODEL, 20, 4, delta=float(np.float32(0.25)), bonus_scale=2.0, record_q=True)
    assert np.array_equal(a.policies, b.policies) and np.array_equal(a.q_values, b.q_values)
    assert eps_greedy(MODEL, np.uint8(3), epsilon=np.float16(0.5), stationary=np.bool_(False)).policies.shape[0] == 3


@pytest.mark.parametrize("phi, exc, match", [(np.ones((4, 2, 2), dtype=complex), TypeError, "phi must hold real"),
                                             (np.full((4, 2, 2), np.nan), ValueError, r"phi\[0, 0, 0\] is not finite"),
                                             (np.ones((4, 2)), ValueError, "phi must have shape"),
                                             (np.ones((4, 2, 0)), ValueError, "phi must have shape")])
def test_lsvi_ucb_bad_features(phi, exc, match):
    with pytest.raises(exc, match=match):
        lsvi_ucb(MODEL, 2, phi=phi)
