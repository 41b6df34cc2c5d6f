"""Bandit regret bounds (bounds.bandit_bounds): the stated formulas, their premises, and the Lai-Robbins rate below
every upper rate."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import bandits, bounds, tabular


def test_ucb1_bound_is_theorem_1():
    """Auer et al. 2002, Theorem 1 written out for means (0.9, 0.6, 0.5) after n = 1000 plays."""
    b = bounds.bandit_upper_bound("ucb1", [0.9, 0.6, 0.5], 1000)
    expected = 8 * (math.log(1000) / 0.3 + math.log(1000) / 0.4) + (1 + math.pi**2 / 3) * (0.3 + 0.4)
    assert math.isclose(b.value, expected, rel_tol=1e-12) and b.has_constants and b.exponent == 0.0
    assert [t.leading for t in b.terms] == [True, False] and math.isclose(sum(t.value for t in b.terms), b.value)
    assert "Theorem 1" in b.source


def test_rate_only_bounds_hide_no_made_up_constant():
    model = bandits.bernoulli_bandit([0.5, 0.4, 0.1])
    for name in ("kl-ucb", "thompson"):
        b = bounds.bandit_upper_bound(name, model, 5000)
        assert b.value is None and not b.has_constants and b.rate > 0 and b.exponent == 0.0
    kl = bounds.bandit_upper_bound("kl-ucb", model, 5000)
    C = 0.1 / (0.4 * math.log(0.4 / 0.5) + 0.6 * math.log(0.6 / 0.5)) + \
        0.4 / (0.1 * math.log(0.1 / 0.5) + 0.9 * math.log(0.9 / 0.5))  # Delta_a / d(mu_a, mu*)
    assert math.isclose(bounds.lai_robbins_constant(model), C, rel_tol=1e-12)
    assert math.isclose(kl.rate, C * math.log(5000), rel_tol=1e-12)

def test_thompson_bound_is_agrawal_goyal_2013_theorem_1():
    """(1 + eps) sum Delta_a ln n / d(mu_a, mu*) + O(N / eps^2), written out for means (0.5, 0.4, 0.1) at eps = 1
    and 0.25; the citation names the theorem and the earlier COLT 2012 forms; eps outside (0, 1] is refused."""
    model = bandits.bernoulli_bandit([0.5, 0.4, 0.1])
    C = 0.1 / (0.4 * math.log(0.4 / 0.5) + 0.6 * math.log(0.6 / 0.5)) + \
        0.4 / (0.1 * math.log(0.1 / 0.5) + 0.9 * math.log(0.9 / 0.5))
    for eps in (1.0, 0.25):
        b = bounds.bandit_upper_bound("thompson", model, 5000, eps=eps)
        assert math.isclose(b.rate, (1 + eps) * C * math.log(5000), rel_tol=1e-12) and b.value is None
        assert [t.leading for t in b.terms] == [True, False] and math.isclose(b.terms[1].value, 3 / eps**2)
    assert "Theorem 1" in b.source and "AISTATS" in b.source and "O((sum_{i >= 2} 1 / Delta_i^2)^2 ln T)" in b.source
    for eps in (0.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="eps"):
            bounds.bandit_upper_bound("thompson", model, 5000, eps=eps)
    with pytest.raises(TypeError, match="eps"):
        bounds.bandit_upper_bound("thompson", model, 5000, eps="0.5")


@st.composite
def instances(draw):
    K = draw(st.integers(1, 6))
    return draw(st.lists(st.floats(0.0, 1.0), min_size=K, max_size=K))


@settings(max_examples=50, deadline=None)
@given(instances(), st.integers(2, 10**9))
def test_lai_robbins_rate_is_below_every_upper_rate(means, n):
    """Pinsker, d(mu_a, mu*) >= 2 Delta_a^2, puts the Lai-Robbins rate at most half of sum ln n / Delta_a, so below
    UCB1's bound; TS's rate (Agrawal & Goyal 2013) is (1 + eps) times it, at most the abstract's looser
    (1 + eps) sum ln n / Delta_a; KL-UCB's rate is the Lai-Robbins rate itself (an asymptotically optimal learner)."""
    lower = bounds.lai_robbins(means, n)
    assert lower.value is None and lower.rate >= 0.0
    ts = bounds.bandit_upper_bound("thompson", means, n, eps=0.5).rate
    assert math.isclose(ts, 1.5 * lower.rate, rel_tol=1e-12, abs_tol=1e-300)
    gap = max(means) - np.array(means)
    assert ts <= 1.5 * 0.5 * math.log(n) * np.sum(1 / gap[gap > 0]) * (1 + 1e-12)
    assert lower.rate <= bounds.bandit_upper_bound("ucb1", means, n).value
    assert math.isclose(bounds.bandit_upper_bound("kl-ucb", means, n).rate, lower.rate, rel_tol=1e-12)
    gaps = bounds.gaps(means)
    assert gaps.min() == 0.0 and np.allclose(gaps, max(means) - np.array(means))


def test_bandit_premise_names_what_fails():
    """Empty where the theorem's premise holds, else the reason: rewards beyond [0, 1] for the upper bounds,
    non-Bernoulli arms for Lai-Robbins."""
    from boundlab.bounds.bandit_bounds import bandit_premise
    wide = bandits.gaussian_bandit([0.5, 1.5], 0.2, reward_range=(0, 2))
    gaussian = bandits.gaussian_bandit([0.5, 0.2], 0.2)
    bernoulli = bandits.bernoulli_bandit([0.5, 0.2])
    for name in ("ucb1", "kl-ucb", "thompson"):
        assert "rewards in [0, 1]" in bandit_premise(name, wide)
        assert bandit_premise(name, gaussian) == ""
    assert "Bernoulli" in bandit_premise("lai-robbins", gaussian) and bandit_premise("lai-robbins", bernoulli) == ""
    with pytest.raises(ValueError, match="algorithm"):
        bandit_premise("ucbvi-ch", bernoulli)


def test_premises_are_checked():
    wide = bandits.gaussian_bandit([0.5, 1.5], 0.2, reward_range=(0, 2))
    with pytest.raises(ValueError, match="rewards in \\[0, 1\\]"):
        bounds.bandit_upper_bound("ucb1", wide, 100)
    gaussian = bandits.gaussian_bandit([0.5, 0.2], 0.2)
    assert bounds.bandit_upper_bound("ucb1", gaussian, 100).value > 0  # any distribution on [0, 1]
    with pytest.raises(ValueError, match="Bernoulli"):
        bounds.lai_robbins(gaussian, 100)
    with pytest.raises(ValueError, match="c = 3"):
        bounds.bandit_upper_bound("kl-ucb", gaussian, 100, c_loglog=0.0)
    with pytest.raises(ValueError, match="choose from ucb1, kl-ucb, thompson"):
        bounds.bandit_upper_bound("ucbvi-ch", gaussian, 100)
    with pytest.raises(ValueError, match="bandit_upper_bound"):
        bounds.upper_bound("ucb1", S=1, A=2, H=1, K=100)
    with pytest.raises(ValueError, match="must be a bandit"):
        bounds.bandit_upper_bound("ucb1", tabular.EpisodicMDP(np.ones((2, 2, 2)) / 2, np.zeros((2, 2)), 1),
                                  100)


@pytest.mark.parametrize("call, error, match", [
    (lambda: bounds.bandit_upper_bound(3, [0.5, 0.2], 10), TypeError, "algorithm must be a str"),
    (lambda: bounds.bandit_upper_bound("ucb1", [0.5, 0.2], 2.5), TypeError, "n"),
    (lambda: bounds.bandit_upper_bound("ucb1", [0.5, 0.2], 0), ValueError, "n"),
    (lambda: bounds.bandit_upper_bound("ucb1", [0.5, 1.2], 10), ValueError, r"means\[1\]"),
    (lambda: bounds.bandit_upper_bound("ucb1", "0.5", 10), TypeError, "means"),
    (lambda: bounds.lai_robbins_ratio(10.0, [0.5, 0.2], 1), ValueError, "n"),
    (lambda: bounds.lai_robbins_ratio(-1.0, [0.5, 0.2], 10), ValueError, "regret"),
    (lambda: bounds.lai_robbins_ratio("1", [0.5, 0.2], 10), TypeError, "regret"),
])
def test_bad_bound_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_lai_robbins_ratio_is_regret_over_the_rate():
    m = bandits.bernoulli_bandit([0.6, 0.3])
    assert math.isclose(bounds.lai_robbins_ratio(12.0, m, 100),
                        12.0 / (0.3 / float(bounds.bernoulli_kl(0.3, 0.6)) * math.log(100)), rel_tol=1e-12)


def test_bernoulli_kl_keeps_the_digits_of_tiny_means():
    """d(0, q) = -ln(1 - q) ~ q; d(p, q) for tiny p, q ~ p ln(p/q) + q - p; moderate values as scipy's rel_entr."""
    from scipy.special import rel_entr

    from boundlab.bounds.bandit_bounds import bernoulli_kl

    assert bernoulli_kl(0.0, 5.5e-81) == pytest.approx(5.5e-81, rel=1e-12)
    p, q = 4.6e-43, 5.5e-81
    assert bernoulli_kl(p, q) == pytest.approx(p * np.log(p / q) + q - p, rel=1e-12)
    rng = np.random.default_rng(0)
    p, q = rng.uniform(0.01, 0.99, 100), rng.uniform(0.01, 0.99, 100)
    np.testing.assert_allclose(bernoulli_kl(p, q), rel_entr(p, q) + rel_entr(1 - p, 1 - q), rtol=1e-9, atol=1e-15)
    assert bernoulli_kl(0.3, 0.0) == np.inf and bernoulli_kl(0.3, 1.0) == np.inf and bernoulli_kl(1.0, 1.0) == 0
