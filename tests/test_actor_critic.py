"""The optimistic actor-critic (Tan, Fan & Wei 2025; tabular/learners/actor_critic.py): step-for-step agreement with
the plain reference, optimism of the critic, the switch count, valid actors, c*_off, the combination lock, bad
input."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_learners as ref
from boundlab import solvers, tabular
from boundlab.bounds import regret_of_run
from boundlab.bounds.slopes import bootstrap_slope
from boundlab.tabular.learners import _common
from boundlab.tabular.learners.actor_critic import (ac_hybrid, ac_hybrid_pessimistic, ac_optimistic, actor_regret,
                                                    behaviour_probs, concentrability, default_eta, greedy_gap,
                                                    one_hot_features, occupancy, switch_bound)
from boundlab.tabular.lock import combination_lock
from conftest import episodic


def model_from(drawn, noise=None):
    P, R, H = drawn
    return tabular.EpisodicMDP(P, R, H, initial=np.full(np.shape(R)[-2], 1.0 / np.shape(R)[-2]), reward_noise=noise)


def assert_same(run, reference):
    policies, starts, returns, critics, actors, switches = reference
    assert np.array_equal(run.switches, switches)
    assert np.array_equal(run.policies, policies)
    assert np.array_equal(run.starts, starts)
    assert np.allclose(run.returns, returns, rtol=0, atol=1e-12)
    assert np.allclose(run.q_values, critics, rtol=1e-7, atol=1e-9)
    assert np.allclose(run.actor, actors, rtol=1e-7, atol=1e-12)


# --- the Numba kernel equals the plain reference, step for step ------------------------------------------------------

@settings(max_examples=8, deadline=None)
@given(episodic(max_S=4, max_A=3, max_H=4), st.sampled_from([None, "bernoulli"]), st.integers(0, 6),
       st.sampled_from([0.0, 0.05, 1.0]), st.integers(0, 2**31))
def test_tabular_matches_reference(drawn, noise, N_off, scale, seed):
    model = model_from(drawn, noise)
    K = 30
    rng = np.random.default_rng(seed)
    behaviour = rng.dirichlet(np.ones(model.A), size=(model.H, model.S))
    run = ac_hybrid(model, K, seed, N_off=N_off, behaviour=behaviour, bonus_scale=scale, record_q=True, eta=0.3)
    env = _common.interaction(model, seed)
    phi = one_hot_features(model.S, model.A)
    T = (K + N_off) * model.H  # beta's union bound covers every regression trajectory, offline ones too
    beta = scale * phi.shape[2] * model.H * math.sqrt(math.log(2 * phi.shape[2] * T / 0.1))
    assert_same(run, ref.actor_critic(env, K, phi, beta, 0.3, behaviour=behaviour, N_off=N_off))


@settings(max_examples=5, deadline=None)
@given(st.integers(2, 4), st.integers(1, 3), st.integers(2, 3), st.integers(1, 4), st.integers(0, 2**31))
def test_linear_matches_reference(S, A, d, H, seed):
    lin = tabular.random_linear_mdp(S, A, d, H, seed=seed)
    K = 25
    run = ac_optimistic(lin, K, seed, bonus_scale=0.05, record_q=True)
    env = _common.interaction(lin.to_episodic(), seed)
    beta = 0.05 * d * H * math.sqrt(math.log(2 * d * K * H / 0.1))
    L = float(np.linalg.norm(lin.phi, axis=2).max())
    M = H * d * math.log(1 + K * L * L / d) / math.log(2.0) + 1  # switch bound, lambda = 1, doubling, written out
    eta = math.sqrt(2 * M * math.log(A) / (H * H * K))
    assert eta == pytest.approx(default_eta(A, H, K, switch_bound(d, H, K, 1.0, 2.0, L)), rel=1e-12)
    assert_same(run, ref.actor_critic(env, K, lin.phi, beta, eta))


def test_pessimistic_variant_is_the_hybrid_without_bonus():
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=4, A=2, seed=3).to_arrays(), H=4)
    a = ac_hybrid_pessimistic(model, 200, 5, N_off=20, record_q=True)
    b = ac_hybrid(model, 200, 5, N_off=20, bonus_scale=0.0, record_q=True)
    assert np.array_equal(a.policies, b.policies) and np.array_equal(a.q_values, b.q_values)


def test_reproducible_and_seed_sensitive():
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=5, A=2, seed=1).to_arrays(), H=5)
    a, b, c = (ac_optimistic(model, 300, s, bonus_scale=0.05) for s in (7, 7, 8))
    assert np.array_equal(a.policies, b.policies) and np.array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns, c.returns)


# --- the key lemma: the critic is optimistic at every episode --------------------------------------------------------

UNCLIPPED = 0.1  # the least fraction of critic entries f_k,h(s, a) below the clip H for the lemma check to count


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3), st.integers(2, 3), st.integers(2, 3), st.integers(0, 2**31))
def test_critic_optimistic_at_every_episode(S, A, H, seed):
    """The optimism lemma ``f_k,h(s, a) >= Q*_h(s, a)`` for every episode ``k`` and every ``(h, s, a)`` where the
    critic lies below its clip ``H`` (where it is clipped it is ``H >= Q*`` trivially), with the theorem's constant
    (bonus_scale 1, delta 0.1) on drawn linear MDPs (d = 2) and tabular MDPs (one-hot). At least ``UNCLIPPED`` of
    all ``(k, h, s, a)`` entries are unclipped, so the check is informative (measured 0.13-0.9 over 40 drawn seeds
    at these sizes; at the first step the critic is mostly still clipped, the later steps carry the check)."""
    lin = tabular.random_linear_mdp(S, A, 2, H, seed=seed)
    tab = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=min(S, 2), A=2, seed=seed).to_arrays(), H=2)
    for model, K in ((lin, 1500), (tab, 4000)):
        run = ac_optimistic(model, K, seed, record_q=True)
        epi = model.to_episodic() if isinstance(model, tabular.LinearMDP) else model
        Q_star = solvers.backward_induction(epi.P, epi.R, epi.H).Q
        f = run.q_values  # (K, H, S, A)
        unclipped = f < epi.H - 1e-9
        assert unclipped.mean() >= UNCLIPPED, f"only {unclipped.mean():.3f} of the critic below its clip"
        gap = np.where(unclipped, Q_star[None] - f, -np.inf)
        assert gap.max() <= 1e-9, f"optimism violated by {gap.max():.3g} at {np.unravel_index(gap.argmax(), f.shape)}"


# --- rare switching and the actor -------------------------------------------------------------------------------------

def test_switch_count_grows_like_log_K_and_actors_are_distributions():
    """Switches <= switch_bound (the determinant-doubling count) at every K; the count fits a + b log K (R^2 >= 0.9)
    and grows by far less than K; every actor row is a distribution, and the actor is uniform right after a switch."""
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=4, A=3, seed=2).to_arrays(), H=3)
    d = model.S * model.A
    Ks = np.array([250, 500, 1000, 2000, 4000, 8000])
    counts = []
    for K in Ks:
        run = ac_optimistic(model, int(K), 1, bonus_scale=0.05, record_q=K <= 1000)
        counts.append(len(run.switches))
        assert run.switches[0] == 0 and len(run.switches) <= switch_bound(d, model.H, int(K))
        if run.actor is not None:
            assert (run.actor >= 0).all() and np.allclose(run.actor.sum(axis=3), 1.0, atol=1e-12)
            assert np.allclose(run.actor[run.switches], 1.0 / model.A)
    fit = np.polyfit(np.log(Ks), counts, 1)
    residual = np.asarray(counts) - np.polyval(fit, np.log(Ks))
    r2 = 1 - residual.var() / np.var(counts)
    assert fit[0] > 0 and r2 >= 0.9, (counts, r2)
    assert counts[-1] / counts[0] < 0.2 * Ks[-1] / Ks[0]


def test_actor_regret_matches_the_drawn_policies_on_average():
    """The regret of the drawn deterministic policies is an unbiased estimate of the actors' exact regret."""
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=3, A=3, seed=4).to_arrays(), H=3)
    run = ac_optimistic(model, 4000, 3, bonus_scale=0.05, record_q=True)
    exact, drawn = actor_regret(model, run), regret_of_run(model, run)
    se = drawn.std() / math.sqrt(len(drawn))
    assert abs(drawn.mean() - exact.mean()) <= 4 * se + 1e-12


# --- c*_off and the occupancy --------------------------------------------------------------------------------------

def test_occupancy_and_concentrability_by_enumeration():
    S, A, H = 2, 2, 3
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=S, A=A, seed=5).to_arrays(), H=H, initial=np.array([.3, .7]))
    pi = np.random.default_rng(0).dirichlet(np.ones(A), size=(H, S))
    brute = np.zeros((H, S, A))
    for path in itertools.product(range(2), repeat=2 * H):  # (s_0, a_0, ..., s_{H-1}, a_{H-1}); S = A = 2
        s, a = path[0::2], path[1::2]
        p = model.initial[s[0]] * np.prod([pi[h, s[h], a[h]] for h in range(H)])
        p *= np.prod([model.P[s[h], a[h], s[h + 1]] for h in range(H - 1)])
        for h in range(H):
            brute[h, s[h], a[h]] += p
    assert np.allclose(occupancy(model, pi), brute)
    pi_star = solvers.backward_induction(model.P, model.R, H).policy
    d_star = occupancy(model, np.asarray(pi_star, dtype=np.int64))
    mu = occupancy(model, None)
    assert math.isclose(concentrability(model), (d_star[d_star > 0] / mu[d_star > 0]).max())
    assert concentrability(model, np.asarray(pi_star, dtype=np.int64)) == pytest.approx(1.0)
    never = np.zeros((H, S), dtype=np.int64) + (1 - np.asarray(pi_star)[0, 0])
    assert concentrability(model, never) == math.inf


def test_concentrability_breaks_ties_towards_the_behaviour():
    """Two optimal actions (equal rewards and transitions): a behaviour that plays only the second one covers an
    optimal policy exactly, c*_off = 1 (lowest-index tie-breaking would give inf); uniform behaviour gives A = 2."""
    H = 3
    P = np.zeros((2, 2, 2))
    P[0, :, 0] = P[1, :, 1] = 1.0
    R = np.array([[0.5, 0.5], [0.0, 0.0]])
    model = tabular.EpisodicMDP(P, R, H, initial=np.array([1.0, 0.0]))
    second = np.ones(2, dtype=np.int64)
    assert concentrability(model, second) == 1.0
    assert concentrability(model, np.zeros((H, 2), dtype=np.int64)) == 1.0
    assert concentrability(model, None) == pytest.approx(2.0)
    R2 = R.copy()
    R2[0, 1] -= 1e-3  # no longer a tie: the second action is suboptimal and the first never played
    assert concentrability(tabular.EpisodicMDP(P, R2, H, initial=np.array([1.0, 0.0])), second) == math.inf


# --- the combination lock -------------------------------------------------------------------------------------------

def test_lock():
    m = combination_lock(6, 3, seed=1)
    V = solvers.backward_induction(m.P, m.R, m.H).V[0]
    assert V[0] == pytest.approx(1.0) and V[1] == pytest.approx(0.5)
    code = m.P[:, 0, :, 0].argmax(axis=1)
    assert (m.P[np.arange(6), 0, code, 0] == 1).all() and m.P[:, 0, :, 0].sum() == 6
    assert m.R[-1, 0].argmax() == code[-1] and m.R[:-1, 0].max() == 0
    uniform = occupancy(m, None)
    assert uniform[-1, 0].sum() == pytest.approx(3.0**-5)


# --- bad input ------------------------------------------------------------------------------------------------------

MODEL = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=3, A=2, seed=0).to_arrays(), H=3)


@pytest.mark.parametrize("learner, kwargs, error, match", [
    (ac_hybrid, dict(N_off=-1), ValueError, "N_off"),
    (ac_hybrid, dict(N_off=2.5), TypeError, "N_off"),
    (ac_hybrid, dict(behaviour=np.ones((3, 3, 2))), ValueError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.zeros((3, 4), dtype=int)), ValueError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.full((3, 3), 2)), ValueError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.full((3, 3), 0.5)), ValueError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.zeros(3)), TypeError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.zeros((3, 3), dtype=bool)), TypeError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.zeros((3, 3, 2), dtype=bool)), TypeError, "behaviour"),
    (ac_hybrid, dict(behaviour=np.full((3, 3, 2), 0.5 + 0j)), TypeError, "behaviour"),
    (ac_optimistic, dict(eta=-0.1), ValueError, "eta"),
    (ac_optimistic, dict(eta="0.1"), TypeError, "eta"),
    (ac_optimistic, dict(switch_ratio=1.0), ValueError, "switch_ratio"),
    (ac_optimistic, dict(bonus_scale=-1.0), ValueError, "bonus_scale"),
    (ac_optimistic, dict(delta=1.0), ValueError, "delta"),
    (ac_optimistic, dict(lam=0.0), ValueError, "lam"),
    (ac_optimistic, dict(phi=np.ones((3, 3, 2))), ValueError, "phi"),
    (ac_optimistic, dict(phi=np.full((3, 2, 2), np.nan)), ValueError, "phi"),
    (ac_hybrid_pessimistic, dict(record_q=1), TypeError, "record_q"),
])
def test_bad_input(learner, kwargs, error, match):
    with pytest.raises(error, match=match):
        learner(MODEL, 5, 0, **kwargs)


def test_exact_quantities_bad_input():
    from boundlab.bounds.actor_critic_check import lock_behaviour

    run = ac_optimistic(MODEL, 5, 0, record_q=True)
    for episode, error in ((5, ValueError), (-6, ValueError), (2.5, TypeError)):
        with pytest.raises(error, match="episode"):
            greedy_gap(MODEL, run, episode)
    assert greedy_gap(MODEL, run, -5) == greedy_gap(MODEL, run, 0)
    other = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=4, A=2, seed=0).to_arrays(), H=3)
    with pytest.raises(ValueError, match="model: run.actor"):
        actor_regret(other, run)
    with pytest.raises(ValueError, match="model: run.q_values"):
        greedy_gap(other, run)
    with pytest.raises(ValueError, match="d"):
        switch_bound(0, 3, 10)
    with pytest.raises(TypeError, match="n"):
        switch_bound(2, 3, 10.5)
    with pytest.raises(ValueError, match="switch_ratio"):
        switch_bound(2, 3, 10, switch_ratio=1.0)
    with pytest.raises(ValueError, match="^pi: "):
        occupancy(MODEL, np.full((3, 3), 5))
    with pytest.raises(ValueError, match="lock"):
        lock_behaviour(MODEL)


def test_bad_model_and_episodes():
    with pytest.raises(TypeError, match="model"):
        ac_optimistic(tabular.dirichlet_mdp(S=3, A=2, seed=0), 5, 0)
    with pytest.raises(TypeError, match="K"):
        ac_optimistic(MODEL, 5.0, 0)
    with pytest.raises(ValueError, match="distractor"):
        combination_lock(4, 2, distractor=1.0)
    with pytest.raises(ValueError, match="behaviour"):
        behaviour_probs(np.full((3, 3, 2), 0.7), 3, 2, 3)


# --- the bounds as code --------------------------------------------------------------------------------------------

def test_bounds_rates_and_offline_condition():
    from boundlab.bounds import actor_critic_bounds as acb

    ok = dict(N_off=10**9, c_off=2.0, eps=0.5)  # the non-optimistic variant's condition holds
    for name in acb.VARIANTS:
        extra = ok if name == "ac-hybrid-pessimistic" else {}
        b = [acb.upper_bound(name, S=5, A=3, H=4, K=K, **extra) for K in (10**3, 10**5)]
        assert b[0].value is None and b[0].exponent == 0.5 and "2505.03710" in b[0].source
        ratio = b[1].rate / b[0].rate  # sqrt(100) times at most the growth of log|F| in K
        scale = 0.0 if name == "ac-hybrid-pessimistic" else 1.0
        growth = acb.linear_log_covering(15, 4, 10**5, bonus_scale=scale) / acb.linear_log_covering(
            15, 4, 10**3, bonus_scale=scale)
        assert 10.0 <= ratio <= 10.0 * math.sqrt(growth) + 1e-9
        held = dict(N_off=10**9, c_off=2.0) if name == "ac-hybrid-pessimistic" else {}  # 2 15 4^4 / 0.05^2 < 1e9
        n = [acb.sample_complexity(name, d=15, H=4, A=3, eps=e, log_F=20.0, **held).rate for e in (0.1, 0.05)]
        assert n[1] / n[0] == pytest.approx(4.0)
    beta = 15 * 4 * math.sqrt(math.log(2 * 15 * 1000 * 4 / 0.1))  # Jin et al. 2020, Lemma D.6 at eps = 1/K, by hand
    L = 2 * 4 * math.sqrt(15 * 1000)
    assert acb.linear_log_covering(15, 4, 1000) == pytest.approx(
        15 * math.log(1 + 4 * L * 1000) + 225 * math.log(1 + 8 * math.sqrt(15) * beta**2 * 1000**2))
    assert acb.upper_bound("ac-hybrid-pessimistic", S=5, A=3, H=4, K=1000, **ok).rate < \
        acb.upper_bound("ac-hybrid", S=5, A=3, H=4, K=1000).rate  # no bonus radius in the covering
    t = acb.sample_complexity("ac-optimistic", d=15, H=4, A=3, eps=0.1, log_F=20.0).terms
    assert t[0].value == pytest.approx(15 * 4**5 * math.log(3) / 0.01) and t[1].value == pytest.approx(
        15 * 4**4 * 20.0 / 0.01)  # the stated terms, no floors
    assert acb.sample_complexity("ac-optimistic", d=15, H=4, A=1, eps=0.1, log_F=20.0).terms[0].value == 0.0
    n = acb.offline_size(2.5, d=6, H=3, eps=0.5)
    assert n == pytest.approx(2.5 * 6 * 81 / 0.25)
    assert acb.offline_condition(math.ceil(n), 2.5, d=6, H=3, eps=0.5)
    assert not acb.offline_condition(math.ceil(n) - 1, 2.5, d=6, H=3, eps=0.5)
    assert acb.offline_size(math.inf, d=6, H=3, eps=0.5) == math.inf


@pytest.mark.parametrize("extra, says", [
    ({}, "pass N_off, c_off, eps"),
    (dict(N_off=100, c_off=2.0), "pass eps"),
    (dict(N_off=100, c_off=2.0, eps=0.5), "offline condition fails: N_off = 100 <"),
    (dict(N_off=10**9, c_off=math.inf, eps=0.5), "offline condition fails"),
    (dict(N_off=3000, c_off=2.0, eps=0.5, constant=1.0), "offline condition fails"),  # needs 2 * 6 * 81 / 0.25
])
def test_pessimistic_bound_is_na_without_its_offline_condition(extra, says):
    """The non-optimistic variant's rate is stated only under N_off >= constant c*_off d H^4 / eps^2: without the
    condition's inputs, or where it fails, the bound is NotApplicable (rate NaN) with the reason."""
    from boundlab.bounds import actor_critic_bounds as acb

    b = acb.upper_bound("ac-hybrid-pessimistic", S=3, A=2, H=3, K=1000, **extra)
    assert isinstance(b, acb.NotApplicable) and math.isnan(b.rate) and b.value is None and says in b.reason
    assert b.terms[0].value == math.inf and not b.terms[0].leading  # vacuous at every K: a check judges nothing
    held = acb.upper_bound("ac-hybrid-pessimistic", S=3, A=2, H=3, K=1000, N_off=3888, c_off=2.0, eps=0.5)
    assert not isinstance(held, acb.NotApplicable) and held.rate > 0 and held.exponent == 0.5


@pytest.mark.parametrize("call, error, match", [
    (lambda b: b.upper_bound("ac-nope", S=2, A=2, H=2, K=10), ValueError, "algorithm"),
    (lambda b: b.upper_bound("ac-hybrid", S=2, A=2, H=2, K=10.5), TypeError, "K"),
    (lambda b: b.sample_complexity("ac-hybrid", d=2, H=2, A=2, eps=0.0, log_F=1.0), ValueError, "eps"),
    (lambda b: b.offline_size(0.5, d=2, H=2, eps=0.1), ValueError, "c_off"),
    (lambda b: b.offline_condition(-1, 2.0, d=2, H=2, eps=0.1), ValueError, "N_off"),
    (lambda b: b.linear_log_covering(2, 2, 10, lam=0.0), ValueError, "lam"),
    (lambda b: b.upper_bound("ac-hybrid-pessimistic", S=2, A=2, H=2, K=10, N_off=2.5, c_off=2.0, eps=0.1),
     TypeError, "N_off"),
    (lambda b: b.upper_bound("ac-hybrid-pessimistic", S=2, A=2, H=2, K=10, N_off=5, c_off=0.5, eps=0.1),
     ValueError, "c_off"),
    (lambda b: b.upper_bound("ac-hybrid-pessimistic", S=2, A=2, H=2, K=10, N_off=5, c_off=2.0, eps=-0.1),
     ValueError, "eps"),
])
def test_bounds_bad_input(call, error, match):
    from boundlab.bounds import actor_critic_bounds as acb

    with pytest.raises(error, match=match):
        call(acb)


@pytest.mark.parametrize("name", ["ac-hybrid", "ac-hybrid-pessimistic"])
def test_offline_condition_flips_at_its_threshold(name):
    """With N_off, c*_off (exact, on a lock) and eps given, the returned bound carries the condition N_off >=
    constant c*_off d H^4 / eps^2: false one trajectory below the threshold, true at it; the non-optimistic
    variant's rate exists only where it holds, the optimistic hybrid's is the same on both sides."""
    from boundlab.bounds import actor_critic_bounds as acb
    from boundlab.bounds.actor_critic_check import lock_behaviour

    lock = combination_lock(3, 2)
    c_off = concentrability(lock, lock_behaviour(lock))
    assert c_off == pytest.approx((2 * 2 / 3) ** 3)  # (2A / (A + 1))^H on the path
    d, eps, constant = lock.S * lock.A, 0.5, 0.01
    need = math.ceil(constant * c_off * d * lock.H**4 / eps**2)
    kw = dict(S=lock.S, A=lock.A, H=lock.H, K=1000, c_off=c_off, eps=eps, constant=constant)
    below, at = (acb.upper_bound(name, N_off=n, **kw) for n in (need - 1, need))
    assert not below.offline.holds and at.offline.holds and at.offline.required == pytest.approx(need, abs=1.0)
    assert isinstance(below, acb.NotApplicable) == (name == "ac-hybrid-pessimistic")
    assert not isinstance(at, acb.NotApplicable)
    if name == "ac-hybrid":
        assert below.rate == at.rate > 0
    s_below, s_at = (acb.sample_complexity(name, d=d, H=lock.H, A=lock.A, eps=eps, log_F=5.0, N_off=n, c_off=c_off,
                                           constant=constant) for n in (need - 1, need))
    assert not math.isnan(s_at.rate) and math.isnan(s_below.rate) == (name == "ac-hybrid-pessimistic")
    assert acb.upper_bound(name, S=2, A=2, H=3, K=1000).offline is None  # no inputs, no condition


@pytest.mark.parametrize("variant", ["ac-optimistic", "ac-hybrid", "ac-hybrid-pessimistic"])
@pytest.mark.parametrize("extra, error, match", [
    (dict(N_off=-1), ValueError, "N_off must be >= 0"),
    (dict(N_off=-1, c_off=2.0, eps=0.1), ValueError, "N_off must be >= 0"),
    (dict(N_off=True), TypeError, "N_off"),
    (dict(eps=0.0), ValueError, "eps must be"),
    (dict(eps=-0.5, N_off=0), ValueError, "eps must be"),
    (dict(eps="0.1"), TypeError, "eps"),
    (dict(c_off=0.99), ValueError, "c_off must be"),
    (dict(c_off=math.nan, N_off=0, eps=0.1), ValueError, "c_off"),
    (dict(constant=0.0), ValueError, "constant"),
])
def test_offline_quantities_are_checked_each_on_its_own(variant, extra, error, match):
    """Each offline quantity given is checked whether or not the others are (a partial call is no escape)."""
    from boundlab.bounds import actor_critic_bounds as acb

    with pytest.raises(error, match=match):
        acb.upper_bound(variant, S=2, A=2, H=2, K=10, **extra)


@pytest.mark.parametrize("call, error, match", [
    (lambda b: b.offline_requirement(-1, 2.0, d=4, H=3, eps=0.1), ValueError, "N_off"),
    (lambda b: b.offline_requirement(2.5, 2.0, d=4, H=3, eps=0.1), TypeError, "N_off"),
    (lambda b: b.offline_requirement(10, 0.5, d=4, H=3, eps=0.1), ValueError, "c_off must be a number >= 1 or inf"),
    (lambda b: b.offline_requirement(10, 2.0, d=4, H=3, eps=0.0), ValueError, "eps"),
    (lambda b: b.sample_complexity("ac-hybrid-pessimistic", d=4, H=3, A=2, eps=0.1, log_F=1.0, N_off=-3, c_off=2.0),
     ValueError, "N_off"),
    (lambda b: b.sample_complexity("ac-hybrid", d=4, H=3, A=2, eps=0.1, log_F=1.0, c_off=0.9), ValueError, "c_off"),
])
def test_offline_requirement_bad_input(call, error, match):
    from boundlab.bounds import actor_critic_bounds as acb

    with pytest.raises(error, match=match):
        call(acb)
    ok = acb.offline_requirement(10, math.inf, d=4, H=3, eps=0.1)  # inf: pi* reaches a pair mu never does
    assert ok.required == math.inf and not ok.holds


def test_the_online_variant_takes_no_offline_data():
    from boundlab.bounds import actor_critic_bounds as acb

    with pytest.raises(ValueError, match="N_off: ac-optimistic uses no offline data"):
        acb.upper_bound("ac-optimistic", S=2, A=2, H=2, K=10, N_off=5)
    assert acb.upper_bound("ac-optimistic", S=2, A=2, H=2, K=10, N_off=0).rate > 0


# --- the combination lock: optimism explores, its absence does not --------------------------------------------------

def test_lock_needs_optimism():
    """On an 8-step lock with 3 actions (a uniform policy opens it once in 3^8 episodes; the dead state lures with
    distractor reward): the non-optimistic online actor-critic (no offline data) almost never opens it - its exact
    per-episode regret stays at the lure's gap ``1 - 7/16`` and its cumulative regret grows linearly (slope CI
    above 0.95) - while the optimistic one opens it and its regret grows strictly slower (slope CI below the other's;
    at these K it is still far from its sqrt(K) regime, which notebook 08 shows at larger K)."""
    m = combination_lock(8, 3)
    Ks = np.array([1000, 2000, 4000, 8000])
    rows = {"opt": [], "nonopt": []}
    tails = {"opt": [], "nonopt": []}
    for seed in range(2):
        for name, learner, kw in (("opt", ac_optimistic, dict(bonus_scale=0.05)),
                                  ("nonopt", ac_hybrid_pessimistic, dict(N_off=0))):
            runs = [learner(m, int(K), seed, record_q=True, **kw) for K in Ks]
            regrets = [actor_regret(m, r) for r in runs]
            rows[name].append([g.sum() for g in regrets])
            tails[name].append(regrets[-1][-800:].mean())
            opened = (runs[-1].returns >= 1.0).mean()  # only the lock's last correct action pays 1
            assert opened > 0.1 if name == "opt" else opened < 0.001
    from boundlab.bounds.slopes import bootstrap_slope

    _, low, _ = bootstrap_slope(Ks, np.array(rows["nonopt"]))
    _, _, high = bootstrap_slope(Ks, np.array(rows["opt"]))
    assert low > 0.95 and min(tails["nonopt"]) > 0.55
    assert high < low and max(tails["opt"]) < min(tails["nonopt"])


def test_offline_data_replace_optimism_on_the_lock():
    """Hybrid transition: on an 8-step, 3-action lock with behaviour = the code w.p. 1/2 (else uniform; c*_off =
    1.5^8 exactly), the policy greedy in the non-optimistic hybrid's last critic (judged there, not on the last
    actor, which restarts uniform at each switch) is never 0.1-optimal after 500 online episodes without offline
    data (a uniform actor opens this lock once in 3^8 episodes), and always with 300 offline trajectories."""
    lock = combination_lock(8, 3)
    code = lock.P[:, 0, :, 0].argmax(axis=1)
    behaviour = np.full((8, 2, 3), 1.0 / 3)
    behaviour[:, 0] = 0.5 / 3
    behaviour[np.arange(8), 0, code] += 0.5
    assert concentrability(lock, behaviour) == pytest.approx(1.5**8)
    success = {N_off: [greedy_gap(lock, ac_hybrid_pessimistic(lock, 500, s, N_off=N_off, behaviour=behaviour,
                                                              record_q=True)) <= 0.1 for s in range(6)]
               for N_off in (0, 300)}
    assert not any(success[0]) and all(success[300])


def test_greedy_gap_is_the_exact_gap_of_the_critics_greedy_policy():
    model = tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=3, A=2, seed=6).to_arrays(), H=3)
    run = ac_optimistic(model, 50, 0, bonus_scale=0.05, record_q=True)
    pi = run.q_values[10].argmax(axis=2)
    V = solvers.finite_horizon_evaluation(model.P, model.R, pi, 3).V[0] @ model.initial
    V_star = solvers.backward_induction(model.P, model.R, 3).V[0] @ model.initial
    assert greedy_gap(model, run, 10) == pytest.approx(V_star - V) and greedy_gap(model, run) >= -1e-12
    with pytest.raises(ValueError, match="record_q"):
        greedy_gap(model, ac_optimistic(model, 5, 0))


def _recomputed(check: str, v: dict) -> bool | None:
    """Each row's verdict from its own numbers, by the rule its ``check`` text states (None: n/a)."""
    if check.startswith("optimism lemma"):
        return None if v["unclipped"] < 0.1 else v["rate"] <= v["delta"]
    if check.startswith("switches"):
        return all(c <= b for c, b in zip(v["counts"], v["bounds"])) and v["b"] > 0 and v["r2"] >= 0.9
    if check.startswith("actors are distributions"):
        return v["valid"]
    if check.startswith("c*_off"):
        return v["c"] == 1.0
    if check.startswith("lock: the non-optimistic"):
        assert v["K_max"] <= v["A_H"]  # the row's premise: K <= A^H
        return v["low_n"] > 0.95 and v["high_o"] < v["low_n"]
    if check.startswith("lock: regret slope"):
        return v["low"] <= 0.5 <= v["high"] if v["judged"] else None
    if check.startswith("hybrid transition"):
        return v["rates"][0.25] < 0.5 and v["rates"][4.0] >= 0.9
    if check.startswith("hard family: slope"):
        return v["low"] - 1e-9 <= 0.5 <= v["high"] + 1e-9 if v["found"] >= 0.5 else None
    if check.startswith("hard family: no family-average"):
        judged = [j for j, lb in enumerate(v["lower"]) if lb > 0]
        return all(u[j] >= v["lower"][j] for u in v["upper_ends"].values() for j in judged) if judged else None
    if check.startswith("episodes to eps"):
        return None if v["s_thm"] is None else v["low"] <= v["s_thm"] and v["high"] >= 2.0
    if check.startswith("optimistic hybrid"):
        return v["high"] < 1.0 if v["reached"] else None
    raise AssertionError(f"a row without a rule here: {check}")


def test_check_rows():
    """The rows for ``boundlab check``: the schema, and every row's verdict is the one its own numbers imply."""
    from boundlab.bounds.actor_critic_check import actor_critic_check_rows

    rows = actor_critic_check_rows(quick=True, values=True)
    assert all(set(r) == {"algorithm", "instance", "check", "verdict", "detail", "values"} for r in rows)
    assert len({r["check"] for r in rows}) == len(rows) == 12
    for r in rows:
        ok = _recomputed(r["check"], r["values"])
        assert r["verdict"] == ("n/a" if ok is None else "HELD" if ok else "FAILED"), r["check"]
        assert r["verdict"] != "n/a" or "n/a: " in r["detail"], r["check"]  # an n/a says why
    hard = [r for r in rows if r["check"].startswith("hard family: slope")]
    assert len(hard) == 2 and all("hidden choice played in" in r["detail"] for r in hard)


def test_episodes_to_eps_reads_a_one_over_sqrt_k_gap_as_slope_two():
    """On synthetic curves gap(k) = min(1/2, c / sqrt(k)) (a plateau, then the rate) the first k with gap <= eps is
    ceil(c^2 / eps^2): the grid and the first crossings (against a plain loop) give slope 2; a curve that does not
    fall has no grid."""
    from boundlab.bounds.actor_critic_check import eps_grid, first_below

    k, c = np.arange(1, 20001), np.array([9.0, 10.0, 11.0])
    gaps = np.minimum(0.5, c[:, None] / np.sqrt(k))
    eps = eps_grid(gaps)
    first = first_below(gaps, eps)
    slow = [[next((i + 1 for i, g in enumerate(row) if g <= e), len(row) + 1) for e in eps] for row in gaps]
    assert np.array_equal(first, slow) and (first <= len(k)).all()
    assert np.allclose(first, np.ceil(c[:, None] ** 2 / eps**2), atol=1)
    assert bootstrap_slope(1 / eps, first)[0] == pytest.approx(2.0, abs=0.01)
    assert eps_grid(np.ones((2, 50))) is None
    assert (first_below(np.ones((1, 5)), [0.5]) == 6).all()  # never reached: K + 1


def test_theorem_eps_slope_is_two_plus_its_log_factors():
    """The theorem's own curve N(eps) = (d H^5 log A + d H^4 log|F|(N)) / eps^2 at its fixed point: slope above 2
    (log|F| grows with N), and exactly the slope of the fixed points solved here by bisection."""
    from scipy.optimize import brentq

    from boundlab.bounds import actor_critic_bounds as acb
    from boundlab.bounds.actor_critic_check import theorem_eps_slope

    eps = np.array([0.8, 0.4, 0.2])
    s = theorem_eps_slope(eps, d=12, H=4, A=3, bonus_scale=0.05)

    def N(e):  # the fixed point n = C(ceil n) / e^2, by bisection on log n
        def f(x):
            n = math.exp(x)
            log_F = acb.linear_log_covering(12, 4, math.ceil(n), bonus_scale=0.05)
            return n - acb.sample_complexity("ac-optimistic", d=12, H=4, A=3, eps=e, log_F=log_F).rate
        return math.exp(brentq(f, 0.0, 60.0, xtol=1e-12))

    ref = np.polyfit(np.log(1 / eps), np.log([N(e) for e in eps]), 1)[0]
    assert 2.0 < s < 2.5 and s == pytest.approx(ref, rel=1e-6)


def test_ratio_ci():
    from boundlab.bounds.actor_critic_check import ratio_ci

    a, b = np.array([10.0, 12.0, 11.0, 9.0]), np.array([100.0, 90.0, 110.0, 105.0])
    r, lo, hi = ratio_ci(a, b)
    assert r == pytest.approx(a.mean() / b.mean()) and lo <= r <= hi < 0.2
    assert ratio_ci(a, b) == ratio_ci(a, b)  # seeded
    assert ratio_ci(b, b)[0] == 1.0


def test_the_lock_slope_row_is_judged_only_past_the_burn_in():
    """Linear cumulative regret (local slope 1 everywhere) is a burn-in, n/a; sqrt(K) regret is judged and holds; a
    burn-in followed by K^0.8 is judged from where the burn-in ends, and fails."""
    from boundlab.bounds.actor_critic_check import _slope_row

    Ks = np.array([1000, 2000, 4000, 8000, 16000])
    jitter = 1 + 0.01 * np.random.default_rng(0).random((4, 1))
    assert _slope_row(Ks, jitter * Ks)["verdict"] == "n/a"
    assert _slope_row(Ks, jitter * np.sqrt(Ks))["verdict"] == "HELD"
    late = np.where(Ks <= 2000, Ks, 2000 * (Ks / 2000.0) ** 0.8)
    row = _slope_row(Ks, jitter * late)
    assert row["verdict"] == "FAILED" and "burn-in left at K = 2000" in row["detail"]


def test_pessimistic_bound_is_never_informative_through_bounds_upper_bound():
    """``bounds.upper_bound`` passes no offline condition, so the regret check never judges ac-hybrid-pessimistic."""
    from boundlab.bounds.theorems import informative_range

    r = informative_range("ac-hybrid-pessimistic", S=2, A=3, H=4)
    assert r.K_from is None and not r.applies(10**6)
    assert informative_range("ac-optimistic", S=2, A=3, H=4).K_from is not None


def test_bounds_upper_bound_passes_the_offline_quantities():
    from boundlab import bounds
    from boundlab.bounds import actor_critic_bounds as acb
    from boundlab.bounds.theorems import informative_range
    kw = dict(S=3, A=2, H=3, K=1000, c_off=2.0, eps=0.5)  # threshold 2 * 6 * 3^4 / 0.25 = 3888
    assert isinstance(bounds.upper_bound("ac-hybrid-pessimistic", N_off=3887, **kw), acb.NotApplicable)
    assert bounds.upper_bound("ac-hybrid-pessimistic", N_off=3888, **kw).offline.holds
    with pytest.raises(TypeError, match="N_off"):
        bounds.upper_bound("ucbvi-bf", S=3, A=2, H=3, K=10, N_off=5)
    assert informative_range("ac-hybrid-pessimistic", S=2, A=3, H=4, N_off=10**9, c_off=2.0, eps=0.5).K_from
