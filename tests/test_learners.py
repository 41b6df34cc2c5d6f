"""Tabular learners: step-for-step agreement with slow references, optimism, reproducibility, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_learners as ref
from boundlab import solvers
from boundlab import tabular
from boundlab.tabular.learners import _common, eps_greedy, greedy, mvp, psrl, ucb_b, ucb_h, ucbvi_bf, ucbvi_ch
from conftest import episodic


def model_from(draw_result):
    P, R, H = draw_result
    return tabular.EpisodicMDP(P, R, H, initial=np.full(np.shape(R)[-2], 1.0 / np.shape(R)[-2]))


def assert_same_run(run, reference, q_rtol=1e-9):
    policies, starts, returns, qs = reference
    assert np.array_equal(run.policies, policies)
    assert np.array_equal(run.starts, starts)
    assert np.allclose(run.returns, returns, rtol=0, atol=1e-12)
    assert np.allclose(run.q_values, qs, rtol=q_rtol, atol=1e-9)


SMALL = dict(max_S=4, max_A=3, max_H=4)


@settings(max_examples=10)
@given(episodic(**SMALL), st.sampled_from(["hoeffding", "bernstein", "none"]), st.integers(0, 2**31))
def test_ucbvi_matches_reference(drawn, bonus, seed):
    model = model_from(drawn)
    K = 30
    from boundlab.tabular.learners.ucbvi import run_model_based

    run = run_model_based(model, K, seed, bonus=bonus, delta=0.1, record_q=True)
    env = _common.interaction(model, seed)
    layers = 1 if model.P.ndim == 3 else model.H
    assert_same_run(run, ref.ucbvi(env, K, bonus, 0.1, layers))


@pytest.mark.parametrize("bonus", ["hoeffding", "bernstein", "none"])
def test_ucbvi_step_dependent_reward_with_pooled_counts(bonus):
    """Homogeneous P, step-dependent R: counts are pooled over steps but rewards are learned per step, from what
    the episodes revealed (1, the largest reward, until a step's reward has been seen)."""
    rng = np.random.default_rng(7)
    model = tabular.EpisodicMDP(rng.dirichlet(np.ones(3), size=(3, 2)), rng.random((4, 3, 2)), 4)
    from boundlab.tabular.learners.ucbvi import run_model_based

    run = run_model_based(model, 40, 3, bonus=bonus, delta=0.1, stationary=True, record_q=True)
    assert_same_run(run, ref.ucbvi(_common.interaction(model, 3), 40, bonus, 0.1, 1))
    assert run_model_based(model, 5, 3, bonus=bonus).policies.shape == (5, 4, 3)  # default: layered, no error


@pytest.mark.parametrize("learner", [psrl, mvp])
def test_pooling_a_step_dependent_reward_is_refused(learner):
    """PSRL and MVP keep reward statistics in their count layers: pooled over steps they would mix the steps'
    rewards, so a step-dependent reward makes them layered by default and stationary=True an error."""
    rng = np.random.default_rng(7)
    model = tabular.EpisodicMDP(rng.dirichlet(np.ones(3), size=(3, 2)), rng.random((4, 3, 2)), 4)
    assert learner(model, 5, 0).policies.shape == (5, 4, 3)
    with pytest.raises(ValueError, match="reward depends on the step"):
        learner(model, 5, 0, stationary=True)


@settings(max_examples=5)
@given(episodic(**SMALL), st.integers(0, 2**31))
def test_eps_greedy_matches_reference(drawn, seed):
    model = model_from(drawn)
    from boundlab.tabular.learners.ucbvi import run_model_based

    run = run_model_based(model, 20, seed, bonus="none", epsilon=0.3, record_q=True)
    env = _common.interaction(model, seed)
    assert_same_run(run, ref.ucbvi(env, 20, "none", 0.1, 1 if model.P.ndim == 3 else model.H, epsilon=0.3))


@settings(max_examples=10)
@given(episodic(**SMALL), st.booleans(), st.integers(0, 2**31), st.sampled_from([None, 0.0, 0.01, 0.3]))
def test_q_learning_matches_reference(drawn, bernstein, seed, scale):
    """The defaults (None: bonus_scale = 1, delta = 0.1) and other scales, step for step."""
    model = model_from(drawn)
    K = 40
    kw = {} if scale is None else {"bonus_scale": scale, "delta": 0.2}
    run = (ucb_b if bernstein else ucb_h)(model, K, seed, record_q=True, **kw)
    env = _common.interaction(model, seed)
    assert_same_run(run, ref.q_learning(env, K, bernstein, kw.get("delta", 0.1), kw.get("bonus_scale", 1.0)))


@settings(max_examples=8)
@given(episodic(**SMALL), st.integers(0, 2**31))
def test_psrl_matches_reference(drawn, seed):
    model = model_from(drawn)
    K = 15
    run = psrl(model, K, seed, record_q=True)
    env = _common.interaction(model, seed)
    assert_same_run(run, ref.psrl(env, K, 1.0, 1 if model.P.ndim == 3 else model.H), q_rtol=1e-7)


@settings(max_examples=10)
@given(episodic(**SMALL), st.integers(0, 2**31), st.sampled_from([1.0, 0.003, 0.2]))
def test_mvp_matches_reference(drawn, seed, scale):
    model = model_from(drawn)
    K = 40
    run = mvp(model, K, seed, record_q=True, **({} if scale == 1.0 else {"bonus_scale": scale}))
    env = _common.interaction(model, seed)
    assert_same_run(run, ref.mvp(env, K, 0.1, 1 if model.P.ndim == 3 else model.H, bonus_scale=scale))


# --- Random rewards: the kernels observe draws from the reward stream, step for step as the references ----------

NOISES = ["bernoulli", ("gaussian", 0.3), ("gaussian", 2.0)]


def noisy_model(drawn, noise):
    P, R, H = drawn
    return tabular.EpisodicMDP(P, R, H, initial=np.full(np.shape(R)[-2], 1.0 / np.shape(R)[-2]), reward_noise=noise)


@settings(max_examples=12)
@given(episodic(**SMALL), st.sampled_from(NOISES), st.sampled_from(["ucbvi", "eps-greedy", "ucb-h", "ucb-b", "psrl",
                                                                     "mvp"]), st.integers(0, 2**31))
def test_learners_match_reference_with_random_rewards(drawn, noise, name, seed):
    """Every tabular learner with Bernoulli or clipped-Gaussian rewards equals its reference step for step: the
    references draw each reward from their own copy of the reward stream, so a kernel that skipped, repeated or
    reordered a draw, or learned from the mean instead of the draw, would diverge."""
    from boundlab.tabular.learners.ucbvi import run_model_based

    model = noisy_model(drawn, noise)
    env = _common.interaction(model, seed)
    layers = 1 if model.P.ndim == 3 else model.H
    K = 25
    if name in ("ucbvi", "eps-greedy"):
        eps = 0.3 if name == "eps-greedy" else 0.0
        run = run_model_based(model, K, seed, bonus="bernstein" if eps == 0 else "none", epsilon=eps,
                              bonus_scale=0.05, record_q=True)
        reference = ref.ucbvi(env, K, "bernstein" if eps == 0 else "none", 0.1, layers, epsilon=eps,
                              bonus_scale=0.05)
    elif name in ("ucb-h", "ucb-b"):
        run = (ucb_b if name == "ucb-b" else ucb_h)(model, K, seed, bonus_scale=0.05, record_q=True)
        reference = ref.q_learning(env, K, name == "ucb-b", 0.1, 0.05)
    elif name == "psrl":
        run, reference = psrl(model, K, seed, record_q=True), ref.psrl(env, K, 1.0, layers)
    else:
        run, reference = mvp(model, K, seed, bonus_scale=0.01, record_q=True), ref.mvp(env, K, 0.1, layers, 0.01)
    assert_same_run(run, reference, q_rtol=1e-7)


@settings(max_examples=5)
@given(st.integers(2, 4), st.integers(1, 3), st.integers(2, 3), st.integers(1, 4), st.integers(0, 2**31))
def test_lsvi_ucb_matches_reference_with_random_rewards(S, A, d, H, seed):
    from boundlab.tabular.learners import lsvi_ucb

    lin = tabular.random_linear_mdp(S, A, d, H, seed=seed)
    lin = tabular.LinearMDP(lin.phi, lin.mu, lin.theta, H, reward_noise="bernoulli")
    K = 20
    run = lsvi_ucb(lin, K, seed, bonus_scale=0.05, record_q=True)
    env = _common.interaction(lin.to_episodic(), seed)
    beta = 0.05 * d * H * np.sqrt(np.log(2 * d * K * H / 0.1))
    assert_same_run(run, ref.lsvi_ucb(env, K, lin.phi, beta), q_rtol=1e-7)


def test_learners_observe_the_draws_and_return_them():
    """With Bernoulli rewards of mean 1/2 every observed reward is 0 or 1, so each realised return is an integer;
    the same run with deterministic rewards returns H/2 per episode. Same seed, same noisy run."""
    P = np.full((2, 2, 2), 0.5)
    H = 4
    det, noisy = (tabular.EpisodicMDP(P, np.full((2, 2), 0.5), H, reward_noise=n) for n in (None, "bernoulli"))
    for learner in (ucbvi_bf, ucb_h, psrl, mvp, greedy):
        a, b = learner(noisy, 300, 5), learner(noisy, 300, 5)
        assert np.array_equal(a.returns, b.returns) and np.array_equal(a.policies, b.policies)
        assert np.array_equal(a.returns, np.round(a.returns)) and len(np.unique(a.returns)) > 2
        assert abs(a.returns.mean() - H / 2) < 5 * np.sqrt(H / 4 / 300)  # CLT: H Bernoulli(1/2) per episode
        assert np.all(learner(det, 300, 5).returns == H / 2)


def test_random_rewards_must_lie_in_the_learners_range():
    """A clipped Gaussian on a wider reward_range draws rewards outside the learners' [0, 1] even where its means
    lie inside: refused, naming the range, unless reward_range rescales; then returns come back in the model's unit."""
    model = tabular.EpisodicMDP(np.full((2, 2, 2), 0.5), np.full((2, 2), 0.5), 3, reward_range=(-1.0, 2.0),
                                reward_noise=("gaussian", 1.0))
    with pytest.raises(ValueError, match=r"draws rewards in \[-1, 2\].*reward_range=\(-1, 2\)"):
        ucbvi_ch(model, 5, 0)
    with pytest.raises(ValueError, match="widen reward_range"):
        ucbvi_ch(model, 5, 0, reward_range=(-0.5, 2.0))
    with pytest.warns(UserWarning, match="rescaled"):
        run = ucbvi_ch(model, 2000, 0, reward_range=(-1.0, 2.0))
    assert run.returns.min() >= -3 and run.returns.max() <= 6
    # mean 0.5 per step over 3 steps; a step's sd is at most sigma = 1 (clipping only shrinks it): 5 sigma by the CLT
    assert abs(run.returns.mean() - 1.5) < 5 * np.sqrt(3) / np.sqrt(2000)


def test_gamma_sampler_distribution():
    """The Marsaglia-Tsang sampler used by PSRL passes a KS test against scipy's Gamma."""
    from numba import njit
    from scipy import stats

    from boundlab.tabular._rng import next_gamma

    @njit
    def draws(n, shape):
        state, out = np.uint64(12345), np.empty(n)
        for i in range(n):
            state, out[i] = next_gamma(state, shape)
        return out

    for shape in (0.3, 1.0, 7.5):
        assert stats.kstest(draws(20000, shape), stats.gamma(shape).cdf).pvalue > 1e-3


# --- Optimism (the key lemma): Q_{k,h}(s, a) >= Q*_h(s, a) at every (k, h, s, a), w.p. >= 1 - delta ------------

@settings(max_examples=15)
@given(episodic(max_S=8, max_A=3, max_H=6), st.sampled_from(["ucbvi-ch", "ucbvi-bf", "ucb-h", "ucb-b"]),
       st.integers(0, 2**31))
def test_optimism_holds(drawn, name, seed):
    """Azar et al. 2017 (Lemma 18 for CH / the optimism step of Thm 2 for BF) and Jin et al. 2018 (Lemma 4.3 /
    Lemma C.6): with the paper's delta = 0.1 optimism holds w.p. >= 0.9 per run. A violation is a finding."""
    model = model_from(drawn)
    K = 2000
    learner = {"ucbvi-ch": ucbvi_ch, "ucbvi-bf": ucbvi_bf, "ucb-h": ucb_h, "ucb-b": ucb_b}[name]
    run = learner(model, K, seed, record_q=True, delta=0.1)
    Q_star = solvers.backward_induction(model.P, model.R, model.H).Q
    violation = Q_star[None] - run.q_values
    assert violation.max() <= 1e-9, f"{name}: optimism violated by {violation.max():.3g}"


def test_learners_reproducible_and_seed_sensitive():
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=5, A=2, seed=1).to_arrays(), H=5)
    for learner in (ucbvi_ch, ucbvi_bf, ucb_h, ucb_b, psrl, mvp, greedy):
        a, b, c = learner(model, 200, 3), learner(model, 200, 3), learner(model, 200, 4)
        assert np.array_equal(a.policies, b.policies) and np.array_equal(a.returns, b.returns)
        assert not np.array_equal(a.starts, c.starts) or not np.array_equal(a.returns, c.returns)


def test_psrl_learns_an_easy_instance():
    """Sanity: on a Dirichlet MDP PSRL's per-episode regret falls at least five-fold from the first 500 episodes
    to the last 500 of 3000."""
    from boundlab.bounds import regret_of_run

    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=4, A=2, seed=2).to_arrays(), H=4)
    regret = regret_of_run(model, psrl(model, 3000, seed=0))
    assert regret[-500:].mean() * 5 < regret[:500].mean()
    assert regret.min() >= -1e-9


@pytest.mark.parametrize("kwargs, match", [({"K": 0}, "K"), ({"K": 10, "delta": 1.5}, "delta"),
                                           ({"K": 10, "seed": "x"}, "seed")])
def test_bad_learner_input(kwargs, match):
    model = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)
    K = kwargs.pop("K")
    with pytest.raises((ValueError, TypeError), match=match):
        ucbvi_ch(model, K, **kwargs)
    with pytest.raises(TypeError, match="EpisodicMDP"):
        ucbvi_ch(tabular.riverswim(), 10)
    with pytest.raises(ValueError, match="epsilon"):
        eps_greedy(model, 10, epsilon=2.0)


@settings(max_examples=8)
@given(st.integers(2, 5), st.integers(1, 3), st.integers(2, 4), st.integers(1, 4), st.integers(0, 2**31),
       st.sampled_from([0.05, 1.0]))
def test_lsvi_ucb_matches_paper_form_reference(S, A, d, H, seed, scale):
    """Count-grouped sums + Sherman-Morrison (kernel) == the paper's sums over past transitions + explicit inverse.
    d >= 2: with d = 1 every feature on the simplex is 1, all actions tie exactly, and the two computations' last-bit
    rounding breaks the ties differently (both choices are greedy)."""
    from boundlab.tabular.learners import lsvi_ucb

    lin = tabular.random_linear_mdp(S, A, d, H, seed=seed)
    K = 25
    run = lsvi_ucb(lin, K, seed, bonus_scale=scale, record_q=True)
    env = _common.interaction(lin.to_episodic(), seed)
    beta = scale * d * H * np.sqrt(np.log(2 * d * K * H / 0.1))  # Theorem 3.1's c d H sqrt(iota), c = bonus_scale
    assert_same_run(run, ref.lsvi_ucb(env, K, lin.phi, beta), q_rtol=1e-7)


@settings(max_examples=5)
@given(episodic(**SMALL), st.floats(0.0, 0.5), st.integers(0, 2**31))
def test_bonus_scale_scales_the_bonus(drawn, scale, seed):
    """bonus_scale = 0 is the greedy planner with the Q-min of Algorithm 2; any scale matches the reference with
    the bonus multiplied."""
    model = model_from(drawn)
    run = ucbvi_bf(model, 20, seed, bonus_scale=scale, record_q=True)
    env = _common.interaction(model, seed)
    layers = 1 if model.P.ndim == 3 else model.H
    assert_same_run(run, ref.ucbvi(env, 20, "bernstein", 0.1, layers, bonus_scale=scale))


def test_kernels_release_the_gil():
    """Every learner and simulator kernel is compiled with nogil=True (and cache=True), so seeds run on threads
    in parallel (benchmarks/learners.py measures the scaling)."""
    import importlib

    def kernel(module, name):
        return getattr(importlib.import_module(f"boundlab.tabular.{module}"), name)

    kernels = [kernel("learners.ucbvi", "ucbvi_kernel"), kernel("learners.mvp", "mvp_kernel"),
               kernel("learners.psrl", "psrl_kernel"), kernel("learners.qlearning", "q_learning_kernel"),
               kernel("learners.lsvi_ucb", "lsvi_ucb_kernel"), kernel("simulate", "_simulate_kernel"),
               kernel("simulate", "_alias_tables")]
    for kernel in kernels:
        assert kernel.targetoptions.get("nogil") is True, kernel.__name__
        assert kernel._cache.__class__.__name__ != "NullCache", kernel.__name__
