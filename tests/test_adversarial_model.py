"""tabular.adversarial: the AdversarialMDP model, its adversaries and features, exact values and comparator, the
bandit-feedback simulator; bounds.adversarial: the exact regret registered with the harness."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers
from boundlab.bounds.adversarial import RATES, adversarial_rate, adversarial_regret
from boundlab.tabular import adversarial as adv
from boundlab.tabular.learners import LearnerRun
from zstats import z_max


@st.composite
def models(draw, max_K=6, max_H=3, max_S=3, max_A=3):
    K, H = draw(st.integers(1, max_K)), draw(st.integers(1, max_H))
    S, A = draw(st.integers(1, max_S)), draw(st.integers(1, max_A))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    P = rng.dirichlet(np.full(S, 0.5), size=(H, S, A))
    return adv.AdversarialMDP(P, rng.uniform(size=(K, H, S, A)), rng.dirichlet(np.ones(S)))


def deterministic_policies(H, S, A):
    for flat in itertools.product(range(A), repeat=H * S):
        yield np.array(flat).reshape(H, S)


def onehot(policy, A):
    pi = np.zeros(policy.shape + (A,))
    np.put_along_axis(pi, policy[..., None], 1.0, axis=-1)
    return pi


def plain_values(model, pi_k):
    """V_k^{pi_k}(initial) by solvers.finite_horizon_evaluation, one episode at a time (rewards = -losses)."""
    return np.array([-(model.initial @ solvers.finite_horizon_evaluation(model.P, -model.losses[k], pi_k[k]).V[0])
                     for k in range(len(pi_k))])


# --- validation -------------------------------------------------------------------------------------------------------

def small():
    P = adv.random_transitions(2, 2, 3, seed=0)
    return P, adv.fixed_losses(4, 2, 2, 3, seed=1)


def test_model_properties_and_read_only():
    P, losses = small()
    m = adv.AdversarialMDP(P, losses)
    assert (m.K, m.H, m.S, m.A) == (4, 2, 2, 3)
    assert np.array_equal(m.initial, [1.0, 0.0])
    with pytest.raises(ValueError):
        m.losses[0, 0, 0, 0] = 0.5
    assert m.with_losses(losses[:2]).K == 2


@pytest.mark.parametrize("change, error, match", [
    (lambda P, L: (P + 0.1, L), ValueError, r"P\[0, 0, 0\] must sum to 1"),
    (lambda P, L: (P[..., :1], L), ValueError, "shape"),
    (lambda P, L: (P[0], L), ValueError, "4 dimensions"),
    (lambda P, L: (np.where(np.arange(2) == 1, P, -P), L), ValueError, "negative"),
    (lambda P, L: (P, L * 0 + np.eye(3)[None, None, None, 0] * 1.5), ValueError, r"losses\[0, 0, 0, 0\] = 1.5"),
    (lambda P, L: (P, L - 2), ValueError, r"losses\[0, 0, 0, 0\].*outside \[0, 1\]"),
    (lambda P, L: (P, L[:, :1]), ValueError, r"losses must have shape .* = \(K, 2, 2, 3\)"),
    (lambda P, L: (P, L[:0]), ValueError, "K >= 1"),
    (lambda P, L: (P, np.where(L > 2, L, np.nan)), ValueError, "not finite"),
    (lambda P, L: (P, L.astype(complex)), TypeError, "losses must hold real numbers"),
    (lambda P, L: (P.astype(str), L), TypeError, "P must hold real numbers"),
])
def test_bad_models_are_refused(change, error, match):
    with pytest.raises(error, match=match):
        adv.AdversarialMDP(*change(*small()))


@pytest.mark.parametrize("initial, match", [([0.5, 0.6], "probability vector"), ([1.0], "shape"),
                                            ([-0.5, 1.5], "probability vector")])
def test_bad_initial_is_refused(initial, match):
    with pytest.raises(ValueError, match=match):
        adv.AdversarialMDP(*small(), initial)


@pytest.mark.parametrize("call, error, match", [
    (lambda: adv.fixed_losses(2.5, 2, 2, 2), TypeError, "K must be an integer"),
    (lambda: adv.switching_losses(9, 2, 2, 2, gap=1.5), ValueError, "gap"),
    (lambda: adv.drifting_bernoulli_losses(9, 2, 2, 2, amplitude="0.3"), TypeError, "amplitude"),
    (lambda: adv.mixed_features(2, 0), ValueError, "A must be >= 1"),
    (lambda: adv.random_transitions(2, 2, 2, seed=-1), ValueError, "seed"),
    (lambda: adv.against_play(adv.random_transitions(2, 2, 2, seed=0), np.ones((3, 2, 2, 2))), ValueError,
     r"probabilities\[0, 0, 0\] is not a probability vector"),
])
def test_bad_generator_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- adversaries and features -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [adv.fixed_losses, adv.switching_losses, adv.drifting_bernoulli_losses])
def test_adversaries_seeded_and_in_range(make):
    a, b = make(30, 2, 3, 4, seed=5), make(30, 2, 3, 4, seed=5)
    assert a.shape == (30, 2, 3, 4) and np.array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 1
    assert not np.array_equal(a, make(30, 2, 3, 4, seed=6))


def test_switching_best_action_switches_at_thirds():
    K = 30
    best = adv.switching_losses(K, 2, 3, 4, seed=0).argmin(-1)
    for lo, hi in ((0, K // 3), (K // 3, 2 * K // 3), (2 * K // 3, K)):
        assert (best[lo:hi] == best[lo]).all()
    assert (best[K // 3] != best[0]).all() and (best[2 * K // 3] != best[K // 3]).all()


def test_drifting_bernoulli_draws_are_binary_and_drift():
    losses = adv.drifting_bernoulli_losses(4000, 1, 1, 2, seed=0, periods=1.0)
    assert set(np.unique(losses)) <= {0.0, 1.0}
    halves = losses[:2000, 0, 0].mean(0), losses[2000:, 0, 0].mean(0)
    assert np.abs(halves[0] - halves[1]).max() > 0.2  # means 0.5 +- 0.4 sin(...) differ between halves


def test_against_play_penalises_the_favoured_action():
    P = adv.random_transitions(2, 2, 3, seed=0)
    pi = np.random.default_rng(1).dirichlet(np.ones(3), size=(5, 2, 2))
    losses = adv.against_play(P, pi)
    assert (losses.sum(-1) == 1).all()
    assert np.array_equal(losses.argmax(-1), pi.argmax(-1))  # q(h, s, a) = q(h, s) pi(a | h, s)


def test_onehot_features_realise_every_q_and_mixed_features_take_both_signs():
    S, A = 2, 3
    phi = adv.onehot_features(S, A)
    Q = np.random.default_rng(0).uniform(size=(S, A))
    assert np.allclose(phi @ Q.ravel(), Q)
    mixed = adv.mixed_features(S, A, seed=0)
    M = mixed.reshape(S * A, S * A)
    theta = np.linalg.solve(M, Q.ravel())  # still exactly linear
    assert np.allclose(mixed @ theta, Q)
    q = np.full(S * A, 1.0 / (S * A))
    Sinv = np.linalg.inv(0.01 * np.eye(S * A) + M.T @ np.diag(q) @ M)
    G = M @ Sinv @ M.T
    assert (G[~np.eye(S * A, dtype=bool)] < -1e-6).any()


# --- exact values and comparator --------------------------------------------------------------------------------------

@given(models(), st.integers(0, 2**32 - 1))
def test_episode_values_match_the_solver(model, seed):
    pi = np.random.default_rng(seed).dirichlet(np.ones(model.A), size=(model.K, model.H, model.S))
    assert np.allclose(adv.episode_values(model, pi), plain_values(model, pi), atol=1e-12)


@given(models(max_H=2, max_S=2, max_A=3))
def test_comparator_is_the_best_deterministic_policy_by_enumeration(model):
    totals = {tuple(p.ravel()): plain_values(model, np.broadcast_to(onehot(p, model.A), (model.K,) + p.shape
                                                                    + (model.A,))).sum()
              for p in deterministic_policies(model.H, model.S, model.A)}
    c = adv.best_fixed_policy(model)
    assert np.isclose(c.total, min(totals.values()), atol=1e-12)
    assert np.isclose(totals[tuple(c.policy.ravel())], c.total, atol=1e-12)
    assert np.isclose(c.values.sum(), c.total, atol=1e-12)


@given(models(max_H=2, max_S=2, max_A=2), st.integers(0, 2**32 - 1))
def test_regret_sums_to_learner_loss_minus_best_fixed_policy(model, seed):
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(model.A), size=(model.K, model.H, model.S))
    from boundlab.tabular.learners.adv_logbarrier import AdversarialRun
    run = AdversarialRun(pi.argmax(-1), np.zeros(model.K, dtype=np.int64), np.zeros(model.K), probabilities=pi)
    regret = adversarial_regret(model, run)
    best = min(plain_values(model, np.broadcast_to(onehot(p, model.A), pi.shape)).sum()
               for p in deterministic_policies(model.H, model.S, model.A))
    assert np.isclose(regret.sum(), plain_values(model, pi).sum() - best, atol=1e-10)
    fixed = np.broadcast_to(pi[0], pi.shape)  # a FIXED stochastic policy never beats the best deterministic one
    run_fixed = AdversarialRun(fixed.argmax(-1), run.starts, run.returns, probabilities=fixed)
    assert adversarial_regret(model, run_fixed).sum() >= -1e-10
    # a prefix of the run is compared with the best policy over that prefix
    k = max(1, model.K // 2)
    short = AdversarialRun(pi[:k].argmax(-1), np.zeros(k, dtype=np.int64), np.zeros(k), probabilities=pi[:k])
    assert np.isclose(adversarial_regret(model, short).sum(),
                      plain_values(model, pi[:k]).sum() - adv.best_fixed_policy(model, k).total, atol=1e-10)


def test_regret_of_a_deterministic_learner_run():
    model = adv.AdversarialMDP(*small())
    policies = np.zeros((4, 2, 2), dtype=np.int64)
    run = LearnerRun(policies, np.zeros(4, dtype=np.int64), np.zeros(4))
    expected = plain_values(model, onehot(policies, 3)) - adv.best_fixed_policy(model).values
    assert np.allclose(adversarial_regret(model, run), expected)


def test_regret_refuses_runs_that_do_not_fit():
    model = adv.AdversarialMDP(*small())
    with pytest.raises(ValueError, match="episodes"):
        adversarial_regret(model, LearnerRun(np.zeros((5, 2, 2), np.int64), np.zeros(5, np.int64), np.zeros(5)))
    with pytest.raises(ValueError, match="run.policies"):
        adversarial_regret(model, LearnerRun(np.zeros((4, 2, 3), np.int64), np.zeros(4, np.int64), np.zeros(4)))
    with pytest.raises(TypeError, match="AdversarialMDP"):
        adversarial_regret("model", LearnerRun(np.zeros((4, 2, 2), np.int64), np.zeros(4, np.int64), np.zeros(4)))
    with pytest.raises(ValueError, match="exceeds"):
        adv.best_fixed_policy(model, 5)


def test_rates_as_code():
    assert adversarial_rate("adv-logbarrier").exponent == 0.5 and RATES["adv-luo21"].exponent == 2 / 3
    assert RATES["adv-linear-mdp"].exponent == 8 / 9
    r = adversarial_rate("adv-logbarrier")
    assert np.isclose(r.value(4.0, A=4, d=1, H=1) / RATES["adv-magnitude"].value(4.0, d=1, H=1), 2.0)
    with pytest.raises(ValueError, match="one of"):
        adversarial_rate("ucbvi")


# --- simulator --------------------------------------------------------------------------------------------------------

def test_simulator_bandit_feedback_and_seeds():
    model = adv.AdversarialMDP(adv.random_transitions(3, 2, 2, seed=0), adv.drifting_bernoulli_losses(50, 3, 2, 2, 1),
                               [0.3, 0.7])
    pi = np.random.default_rng(2).dirichlet(np.ones(2), size=(50, 3, 2))
    states, actions, seen, totals = adv.simulate(model, pi, seed=3)
    again = adv.simulate(model, pi, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip((states, actions, seen, totals), again))
    k, h = np.meshgrid(np.arange(50), np.arange(3), indexing="ij")
    assert np.array_equal(seen, model.losses[k, h, states, actions])  # the losses on the path, nothing else
    assert np.allclose(totals, seen.sum(1))
    assert not np.array_equal(states, adv.simulate(model, pi, seed=4)[0])


def test_simulator_mean_matches_exact_value():
    model = adv.AdversarialMDP(adv.random_transitions(3, 2, 3, seed=0), adv.fixed_losses(1, 3, 2, 3, seed=1),
                               [0.4, 0.6])
    pi = np.random.default_rng(2).dirichlet(np.ones(3), size=(3, 2))
    many = model.with_losses(np.broadcast_to(model.losses, (20000,) + model.losses.shape[1:]))
    totals = adv.simulate(many, pi, seed=0)[3]
    z, threshold = z_max(totals[:, None], adv.episode_values(model, pi)[:1], alpha=1e-4)
    assert z < threshold


def test_simulate_refuses_bad_policies():
    model = adv.AdversarialMDP(*small())
    with pytest.raises(ValueError, match="probabilities"):
        adv.simulate(model, np.ones((2, 2, 3)))
    with pytest.raises(ValueError, match="5 episodes"):
        adv.simulate(model, np.full((5, 2, 2, 3), 1 / 3))
    with pytest.raises(TypeError, match="real numbers"):
        adv.episode_values(model, np.full((2, 2, 3), "a"))


# --- the rate rows of `boundlab check` (bounds.adversarial._rate_row) on synthetic regret tables ---------------------

def _table(Ks, curve, seeds=5, noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    return curve(Ks.astype(float))[None] * np.exp(noise * rng.standard_normal((seeds, len(Ks))))


@pytest.mark.parametrize("curve, verdict", [(lambda K: np.sqrt(K) * np.log(K), "HELD"),
                                            (lambda K: 10 * np.sqrt(K), "HELD"),
                                            (lambda K: K ** 0.8, "FAILED")])
def test_rate_row_judges_the_slope_past_the_burn_in(curve, verdict):
    from boundlab.bounds.adversarial import _rate_row, log_factor_tol

    Ks = 2 ** np.arange(9, 16)
    row = _rate_row("adv-magnitude", "synthetic", Ks, _table(Ks, curve), A=2, d=4, H=2, mode="m", judged=True)
    assert row["verdict"] == verdict, row["detail"]
    assert f"0.5 + {log_factor_tol(512):.3f}" in row["detail"]  # the fit starts at K = 512 (no burn-in here)


def test_rate_row_is_na_in_the_burn_in_or_where_the_rate_is_vacuous():
    from boundlab.bounds.adversarial import _rate_row

    Ks = 2 ** np.arange(9, 16)
    linear = _rate_row("adv-logbarrier", "s", Ks, _table(Ks, lambda K: 0.3 * K), A=2, d=4, H=2, mode="m",
                       judged=True)
    assert linear["verdict"] == "n/a" and "burn-in" in linear["detail"]
    # the rate expression sqrt(A d H^6 K) is below H K only from K > A d H^4 = 8 * 81 = 648 at H = 3
    vacuous = _rate_row("adv-logbarrier", "s", Ks[:3], _table(Ks[:3], np.sqrt), A=2, d=4, H=3, mode="m",
                        judged=True)
    assert vacuous["verdict"] == "n/a" and "from 1024" in vacuous["detail"]
    baseline = _rate_row("adv-luo21", "s", Ks, _table(Ks, lambda K: K ** (2 / 3)), A=2, d=4, H=2, mode="m",
                         judged=False)
    assert baseline["verdict"] == "reported" and "slope 0.6" in baseline["detail"]


def test_first_update_k_is_where_the_first_epoch_ends():
    from boundlab.bounds.adversarial import first_update_K
    from boundlab.tabular.learners.adv_linear_mdp import linear_mdp_schedule

    K = first_update_K(4)
    assert 2 * linear_mdp_schedule(K, 4)["W"] <= K and 2 * linear_mdp_schedule(K // 2, 4)["W"] > K // 2
    assert first_update_K(4, epoch_scale=1 / 64) < K


@pytest.mark.parametrize("curve, verdict", [(lambda K: K ** (8 / 9), "HELD"),  # Algorithm 3's rate: sublinear
                                            (lambda K: 5 * K ** 0.8, "HELD"),
                                            (lambda K: 0.2 * K, "FAILED"),  # linear (uniform play)
                                            (lambda K: 0.01 * K ** 1.1, "FAILED")])
def test_sublinear_row_judges_slope_below_one_from_the_first_update(curve, verdict):
    from boundlab.bounds.adversarial import _rate_row

    Ks = 2 ** np.arange(9, 16)
    row = _rate_row("adv-linear-mdp", "s", Ks, _table(Ks, curve), A=2, d=4, H=2, mode="m", judged=True,
                    sublinear=2)
    assert row["verdict"] == verdict, row["detail"]
    assert "CI upper end < 1" in row["check"] and "slope over the whole grid" in row["detail"]
    assert "start 512: burn-in left at 512 (first update)" in row["detail"]
    # the slope rule's burn-in (local slope CI upper end < 0.9) would keep the K^(8/9) learner in it: n/a
    if verdict == "HELD":
        slope_rule = _rate_row("adv-linear-mdp", "s", Ks, _table(Ks, lambda K: K ** (8 / 9)), A=2, d=4, H=2,
                               mode="m", judged=True)
        assert slope_rule["verdict"] == "n/a" and "burn-in" in slope_rule["detail"]


def test_sublinear_row_starts_at_the_first_update():
    from boundlab.bounds.adversarial import _rate_row

    Ks = 2 ** np.arange(9, 16)  # linear (uniform play) up to 4096, K^0.7 after: judged from K = 4096 only
    curve = np.where(Ks <= 4096, 0.2 * Ks, 0.2 * 4096 * (Ks / 4096.0) ** 0.7)
    row = _rate_row("adv-linear-mdp", "s", Ks, _table(Ks, lambda K: np.interp(K, Ks, curve)), A=2, d=4, H=2,
                    mode="m", judged=True, sublinear=4096)
    assert row["verdict"] == "HELD" and "at K [4096, 8192, 16384, 32768]" in row["detail"], row["detail"]
    late = _rate_row("adv-linear-mdp", "s", Ks, _table(Ks, lambda K: 0.2 * K), A=2, d=4, H=2, mode="m", judged=True,
                     sublinear=2**16)
    assert late["verdict"] == "n/a" and "no policy update up to K_max (first at K = 65536)" in late["detail"]


def test_linear_mdp_check_scale_updates_within_the_quick_grid():
    """The check's configuration of Algorithm 3 (epoch_scale = LINEAR_MDP_CHECK_SCALE) finishes epochs from K = 2^9
    on (several per run at K = 512), where the default schedule plays uniformly; the default stays the default."""
    from boundlab.bounds.adversarial import LINEAR_MDP_CHECK_SCALE, first_update_K
    from boundlab.tabular.learners import adv_linear_mdp
    from boundlab.tabular.learners.adv_linear_mdp import linear_mdp_schedule

    assert first_update_K(4) == 2**16 and first_update_K(4, LINEAR_MDP_CHECK_SCALE) <= 2**9
    assert 512 // (2 * linear_mdp_schedule(512, 4, LINEAR_MDP_CHECK_SCALE)["W"]) >= 8  # >= 8 epochs at K = 512
    P = adv.random_transitions(2, 2, 2, seed=0)
    model = adv.AdversarialMDP(P, adv.fixed_losses(512, 2, 2, 2, seed=0))
    for oracle in (True, False):
        scaled = adv_linear_mdp(model, 512, 0, epoch_scale=LINEAR_MDP_CHECK_SCALE, oracle=oracle).probabilities
        assert not np.allclose(scaled[-1], 0.5)  # it has updated
        assert np.allclose(adv_linear_mdp(model, 512, 0, oracle=oracle).probabilities, 0.5)  # default: uniform
