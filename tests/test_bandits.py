"""Stochastic bandits: models (validated EpisodicMDPs with S = H = 1), the UCB1 / KL-UCB / Thompson kernels against
slow references on the same random streams, exact pseudo-regret through the shared harness, and measured regret
against UCB1's finite-time bound."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

import reference_learners as ref
from boundlab import bandits, bounds, tabular
from boundlab.tabular.learners import _common

LEARNERS = {"ucb1": bandits.ucb1, "kl-ucb": bandits.kl_ucb, "thompson": bandits.thompson}


# --- models -----------------------------------------------------------------------------------------------------

def test_bandit_models_are_one_state_one_step_mdps():
    m = bandits.bernoulli_bandit([0.2, 0.7, 0.5])
    assert (m.S, m.A, m.H) == (1, 3, 1) and np.array_equal(m.R[0], [0.2, 0.7, 0.5])
    assert isinstance(m.reward_noise, tabular.BernoulliRewards) and bandits.is_bandit(m)
    g = bandits.gaussian_bandit(np.array([0.1, 0.9]), 0.25)
    assert isinstance(g.reward_noise, tabular.GaussianRewards) and g.reward_noise.sigma == 0.25
    assert np.array_equal(bandits.bandit_means(g), [0.1, 0.9]) and g.reward_range == (0.0, 1.0)
    wide = bandits.gaussian_bandit([-1.0, 2.0], 1.0, reward_range=(-2, 3))
    assert wide.reward_range == (-2.0, 3.0)
    assert not bandits.is_bandit(tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5))


@pytest.mark.parametrize("call, error, match", [
    (lambda: bandits.bernoulli_bandit([0.2, 1.2]), ValueError, r"means\[1\] = 1.2 must .* \[0, 1\]"),
    (lambda: bandits.bernoulli_bandit([-0.1]), ValueError, r"means\[0\]"),
    (lambda: bandits.bernoulli_bandit([0.2, np.nan]), ValueError, r"means\[1\] = nan"),
    (lambda: bandits.bernoulli_bandit([]), ValueError, "between 1 and"),
    (lambda: bandits.bernoulli_bandit([[0.1, 0.2]]), ValueError, "1-d"),
    (lambda: bandits.bernoulli_bandit(0.5), ValueError, "1-d"),
    (lambda: bandits.bernoulli_bandit("0.5"), TypeError, "means"),
    (lambda: bandits.bernoulli_bandit(["0.5", "0.2"]), TypeError, "means"),
    (lambda: bandits.bernoulli_bandit([True, False]), TypeError, "booleans"),
    (lambda: bandits.bernoulli_bandit([0.5 + 0j]), TypeError, "means"),
    (lambda: bandits.bernoulli_bandit(np.full(40000, 0.5)), ValueError, "32767 arms"),
    (lambda: bandits.bernoulli_bandit([0.5], name=""), TypeError, "name"),
    (lambda: bandits.gaussian_bandit([0.5], 0.0), ValueError, "sigma"),
    (lambda: bandits.gaussian_bandit([0.5], "0.1"), TypeError, "sigma"),
    (lambda: bandits.gaussian_bandit([0.5], True), TypeError, "sigma"),
    (lambda: bandits.gaussian_bandit([1.5], 0.1), ValueError, r"means\[0\] = 1.5 .*reward_range"),
    (lambda: bandits.gaussian_bandit([0.5], 0.1, reward_range=(1, 0)), ValueError, "reward_range"),
])
def test_bad_bandit_models_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("name", list(LEARNERS))
def test_learners_refuse_models_that_are_not_bandits(name):
    with pytest.raises(ValueError, match="must be a bandit .*S = 6, H = 10"):
        LEARNERS[name](tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=6, A=2, seed=0).to_arrays(), H=10), 10, 0)
    with pytest.raises(TypeError, match="must be a bandit"):
        LEARNERS[name](tabular.dirichlet_mdp(S=1, A=2, seed=0), 10, 0)
    with pytest.raises(TypeError, match="K"):
        LEARNERS[name](bandits.bernoulli_bandit([0.5, 0.2]), 10.0, 0)
    with pytest.raises(ValueError, match="assumes rewards in \\[0, 1\\]"):
        LEARNERS[name](bandits.gaussian_bandit([0.5, 1.5], 0.3, reward_range=(0, 2)), 10, 0)


def test_kl_ucb_constant_is_checked():
    m = bandits.bernoulli_bandit([0.5, 0.2])
    with pytest.raises(ValueError, match="c_loglog"):
        bandits.kl_ucb(m, 10, 0, c_loglog=-1.0)
    with pytest.raises(TypeError, match="c_loglog"):
        bandits.kl_ucb(m, 10, 0, c_loglog="3")


# --- slow references on the same streams --------------------------------------------------------------------------

def reference_kl_upper(mean, n, level):
    """Written out: bisection on [mean, 1] for the largest q with n d(mean, q) <= level."""
    if level <= 0:
        return mean
    lo, hi = mean, 1.0
    while hi - lo > 1e-10:
        mid = 0.5 * (lo + hi)
        d = (mean * (math.log(mean) - math.log(mid)) if mean > 0 else 0.0) + \
            ((1 - mean) * (math.log(1 - mean) - math.log(1 - mid)) if mean < 1 else 0.0)
        lo, hi = (mid, hi) if n * d <= level else (lo, mid)
    return lo


def reference_bandit(env_arrays, K, rule, c=3.0):
    """UCB1 / KL-UCB / Thompson sampling written out, on the kernels' random streams (ref.Stream, ref.Env): per
    round the learner's draws (Thompson: two Gamma variates per arm), then the episode (initial state, reward,
    transition), then Thompson's Bernoulli trial."""
    A = env_arrays.A
    stream = ref.Stream(env_arrays.seed)
    env = ref.Env(env_arrays, stream)
    n, total, succ, fail = [0] * A, [0.0] * A, [0] * A, [0] * A
    arms, returns, indices = [], [], []
    for t in range(K):
        index = []
        for a in range(A):
            if rule == "thompson":
                g1, g2 = stream.gamma(succ[a] + 1.0), stream.gamma(fail[a] + 1.0)
                index.append(g1 / (g1 + g2))
            elif n[a] == 0:
                index.append(math.inf)
            elif rule == "ucb1":
                index.append(total[a] / n[a] + math.sqrt(2 * math.log(t) / n[a]))
            else:
                level = math.log(t) + (c * (math.log(math.log(t)) if t > 1 else -math.inf) if c else 0.0)
                index.append(reference_kl_upper(total[a] / n[a], n[a], level))
        a = ref.first_argmax(index)
        env.initial()
        r = env.reward(0, 0, a)
        env.step(0, 0, a)
        n[a] += 1
        total[a] += r
        if rule == "thompson":
            if stream.uniform() < r:
                succ[a] += 1
            else:
                fail[a] += 1
        arms.append(a)
        returns.append(r)
        indices.append(index)
    return np.array(arms), np.array(returns), np.array(indices)


@st.composite
def bandit_models(draw, max_arms=5):
    K = draw(st.integers(1, max_arms))
    means = draw(st.lists(st.floats(0.0, 1.0), min_size=K, max_size=K))
    if draw(st.booleans()):
        return bandits.bernoulli_bandit(means)
    return bandits.gaussian_bandit(means, draw(st.sampled_from([0.05, 0.3, 1.0])))


@settings(max_examples=15, deadline=None)
@given(bandit_models(), st.sampled_from(["ucb1", "kl-ucb", "thompson"]), st.sampled_from([3.0, 0.0, 1.0]),
       st.integers(0, 2**31))
def test_learners_match_their_references(model, name, c, seed):
    K = 60
    kw = {"c_loglog": c} if name == "kl-ucb" else {}
    run = LEARNERS[name](model, K, seed, record_q=True, **kw)
    arms, returns, indices = reference_bandit(_common.interaction(model, seed), K, name, c)
    assert np.array_equal(run.policies[:, 0, 0], arms)
    assert np.array_equal(run.returns, returns)
    assert np.allclose(run.q_values[:, 0, 0], indices, rtol=0, atol=1e-12, equal_nan=False)
    assert np.array_equal(run.starts, np.zeros(K))


def test_index_learners_pull_each_arm_once_first():
    m = bandits.bernoulli_bandit([0.3, 0.9, 0.1, 0.5])
    for learner in (bandits.ucb1, bandits.kl_ucb):
        assert list(learner(m, 4, 5).policies[:, 0, 0]) == [0, 1, 2, 3]


@pytest.mark.parametrize("name", list(LEARNERS))
def test_learners_reproducible_and_seed_sensitive(name):
    m = bandits.bernoulli_bandit([0.5, 0.45, 0.4])
    a, b, other = LEARNERS[name](m, 300, 7), LEARNERS[name](m, 300, 7), LEARNERS[name](m, 300, 8)
    assert np.array_equal(a.policies, b.policies) and np.array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns, other.returns)
    g = np.random.default_rng(3)
    assert np.array_equal(LEARNERS[name](m, 50, np.random.default_rng(3)).policies, LEARNERS[name](m, 50, g).policies)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(1, 10**6), st.floats(1e-3, 50.0))
def test_kl_upper_is_the_kl_inversion(mean, n, level):
    """The bisection's q satisfies n d(mean, q) <= level and lies within 1e-10 of the root brentq finds."""
    q = bandits.kl_upper(mean, float(n), level)
    assert mean <= q <= 1.0 and n * bandits.kl_bernoulli(mean, q) <= level
    f = lambda x: n * float(bounds.bernoulli_kl(mean, x)) - level  # noqa: E731
    top = 1.0 - 1e-15
    root = top if f(top) <= 0 else brentq(f, mean, top, xtol=1e-14)
    assert abs(q - root) <= 1e-10 + 1e-12
    assert bandits.kl_upper(mean, float(n), 0.0) == mean


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_kernel_kl_is_scipys(p, q):
    ours, scipys = bandits.kl_bernoulli(p, q), float(bounds.bernoulli_kl(p, q))
    assert ours == scipys or math.isclose(ours, scipys, rel_tol=1e-9, abs_tol=1e-15)


def test_kernels_release_the_gil():
    from boundlab.bandits import learners
    for kernel in (learners.bandit_kernel, learners.kl_upper, learners.kl_bernoulli):
        assert kernel.targetoptions.get("nogil") is True, kernel.__name__
        assert kernel._cache.__class__.__name__ != "NullCache", kernel.__name__


# --- the shared harness: exact pseudo-regret ---------------------------------------------------------------------

@pytest.mark.parametrize("name", list(LEARNERS))
def test_harness_gives_exact_pseudo_regret(name):
    """bounds.measure_regret's regret of round k is mu* - mu_{a_k}, computed here by hand from the run's arms."""
    means = np.array([0.3, 0.8, 0.55, 0.1])
    m = bandits.gaussian_bandit(means, 0.2)
    df = bounds.measure_regret(name, m, 400, seeds=[4, 9], progress=False)
    for seed in (4, 9):
        arms = bounds.learner(name)(m, 400, seed).policies[:, 0, 0]
        assert np.array_equal(df[df.seed == seed].regret.to_numpy(), means.max() - means[arms])
        assert np.array_equal(df[df.seed == seed].episode.to_numpy(), np.arange(1, 401))


def test_registered_and_swept(tmp_path):
    assert {"ucb1", "kl-ucb", "thompson"} <= set(bounds.algorithms())
    m = bandits.bernoulli_bandit([0.6, 0.4])
    df = bounds.sweep(["ucb1", "kl-ucb", "thompson"], {"two-arms": m}, [0, 1], 200, store=tmp_path / "s.sqlite",
                      params={"kl-ucb": {"c_loglog": 0.0}}, progress=False)
    assert len(df) == 3 * 2 * 200 and set(df.algorithm) == {"ucb1", "kl-ucb", "thompson"}
    again = bounds.sweep(["ucb1"], {"two-arms": m}, [0, 1], 200, store=tmp_path / "s.sqlite", progress=False)
    assert again.reused.all()


# --- measured regret against the bounds --------------------------------------------------------------------------

@st.composite
def separated_instances(draw):
    """2-5 arms, the best mean in [0.4, 1], every suboptimal gap in [0.2, best mean]."""
    K = draw(st.integers(2, 5))
    best = draw(st.floats(0.4, 1.0))
    gaps = draw(st.lists(st.floats(0.2, best), min_size=K - 1, max_size=K - 1))
    means = [best] + [best - g for g in gaps]
    order = draw(st.permutations(range(K)))
    return [means[i] for i in order], draw(st.booleans())


@settings(max_examples=8, deadline=None)
@given(separated_instances())
def test_ucb1_regret_below_its_finite_time_bound(instance):
    """Auer et al. 2002, Theorem 1 bounds the *expected* pseudo-regret at every n. The mean over 16 seeds of the
    exact pseudo-regret estimates it, with standard error se; the check fails where mean > bound + 3 se (a one-sided
    z-test at about 0.1% per example). Instances where the bound is at least the regret of uniform play
    (n * mean gap) are skipped as uninformative: there even a learner that never learns would pass."""
    means, bernoulli = instance
    n = 3000
    model = bandits.bernoulli_bandit(means) if bernoulli else bandits.gaussian_bandit(means, 0.3)
    bound = bounds.bandit_upper_bound("ucb1", model, n).value
    assume(bound < n * np.mean(bounds.gaps(model)))
    total = bounds.measure_regret("ucb1", model, n, seeds=range(16), progress=False).groupby("seed").regret.sum()
    mean, se = total.mean(), total.std(ddof=1) / math.sqrt(len(total))
    assert mean <= bound + 3 * se


def test_kl_ucb_and_thompson_beat_ucb1_on_small_means():
    """Bernoulli arms with small means (0.1 best, gaps 0.05-0.09): the Bernoulli KL is much larger than 2 Delta^2, so
    KL-UCB (c = 3, the theorem's) and Thompson sampling pull the bad arms far less than UCB1 (Garivier & Cappe 2011,
    Sec. 6; Kaufmann et al. 2012). Mean over 20 seeds at n = 2000; the difference must exceed 3 standard errors."""
    m = bandits.bernoulli_bandit([0.1, 0.05, 0.02, 0.01])
    totals = {a: bounds.measure_regret(a, m, 2000, seeds=range(20), progress=False).groupby("seed").regret.sum()
              for a in LEARNERS}
    for better in ("kl-ucb", "thompson"):
        diff = totals["ucb1"].to_numpy() - totals[better].to_numpy()  # same seeds: paired
        assert diff.mean() > 3 * diff.std(ddof=1) / math.sqrt(len(diff)), better
