"""Algorithms 1 and 2 of Dai et al. 2023 (adv-logbarrier, adv-magnitude): the linear-Q estimator by enumeration,
the Numba kernel against a plain reference step for step (oracle and simulator modes), seeds, the harness, bad
input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import bounds
from boundlab.bounds.adversarial import adversarial_regret
from boundlab.tabular import adversarial as adv
from boundlab.tabular.instances import as_generator
from boundlab.tabular.learners.adv_logbarrier import AdversarialRun, adv_logbarrier, schedule
from boundlab.tabular.learners.adv_magnitude import adv_magnitude
from boundlab.tabular.learners.ftrl import log_barrier
from scipy.special import softmax


def trajectories(model, pi, loss):
    """Every trajectory ``(probability, states[h], actions[h], loss-to-go[h])`` of ``pi[h, s, a]`` (enumeration)."""
    H, S, A = model.H, model.S, model.A
    for path in itertools.product(range(S * A), repeat=H):
        states, actions = np.array(path) // A, np.array(path) % A
        p = model.initial[states[0]]
        for h in range(H):
            p *= pi[h, states[h], actions[h]]
            if h + 1 < H:
                p *= model.P[h, states[h], actions[h], states[h + 1]]
        if p > 0:
            seen = loss[np.arange(H), states, actions]
            yield p, states, actions, np.cumsum(seen[::-1])[::-1]


def play(*args):
    """``adversarial.play`` from Python: the SplitMix64 state comes back as a Python int and must go back in as
    ``numpy.uint64`` (an int below 2**63 would compile the kernel for int64, with arithmetic shifts)."""
    rng, total = adv.play(*args)
    return np.uint64(rng), total


def q_function(model, pi, loss):
    Q, nxt = np.zeros((model.H, model.S, model.A)), np.zeros(model.S)
    for h in range(model.H - 1, -1, -1):
        Q[h] = loss[h] + model.P[h] @ nxt
        nxt = (pi[h] * Q[h]).sum(-1)
    return Q


def small_model(K=40, H=2, S=2, A=2, seed=0, losses=adv.switching_losses):
    return adv.AdversarialMDP(adv.random_transitions(H, S, A, seed=seed), losses(K, H, S, A, seed=seed + 1),
                              np.random.default_rng(seed).dirichlet(np.ones(S)))


# --- the linear-Q estimator -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("features", ["onehot", "mixed"])
@given(seed=st.integers(0, 2**32 - 1), gamma=st.sampled_from([0.0, 0.01, 0.5]))
@settings(max_examples=15)
def test_linear_q_estimator_bias_by_enumeration(features, seed, gamma):
    """E[Sigma^+ phi(s_h, a_h) L_h] = theta_h - gamma (gamma I + Sigma_h)^{-1} theta_h; unbiased at gamma = 0."""
    model = small_model(K=1, H=2, S=2, A=2, seed=seed % 1000, losses=adv.fixed_losses)
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(2), size=(2, 2))
    phi = adv.onehot_features(2, 2) if features == "onehot" else adv.mixed_features(2, 2, seed=seed)
    F = phi.reshape(4, 4)
    Q = q_function(model, pi, model.losses[0])
    paths = list(trajectories(model, pi, model.losses[0]))
    for h in range(model.H):
        theta = np.linalg.solve(F, Q[h].ravel())  # Q_h = phi^T theta_h exactly (linear-Q)
        Sigma = sum(p * np.outer(phi[s[h], a[h]], phi[s[h], a[h]]) for p, s, a, _ in paths)
        if np.linalg.eigvalsh(Sigma).min() < 1e-9 and gamma == 0.0:
            continue  # a state unreachable at step h: Sigma singular, the gamma = 0 estimator undefined
        Sinv = np.linalg.inv(gamma * np.eye(4) + Sigma)
        mean = sum(p * Sinv @ phi[s[h], a[h]] * L[h] for p, s, a, L in paths)
        assert np.allclose(mean, theta - gamma * Sinv @ theta, atol=1e-9 * (1 + np.abs(theta).max()))


# --- the kernel against a plain reference -----------------------------------------------------------------------------

def reference_run(model, K, seed, *, barrier, reduce, phi, oracle, W):
    """Plain numpy, one episode at a time (tabular/learners/adv_logbarrier.py's docstring), sharing only the simulator
    kernel ``adversarial.play`` (for the same random stream) and the FTRL steps (tested on their own)."""
    H, S, A = model.H, model.S, model.A
    r = schedule(K)
    eta, beta, gamma = r["eta"], r["beta"], r["gamma"]
    d = phi.shape[2]
    F = phi.reshape(S * A, d)
    P_cdf, init_cdf = adv.cdf(model.P), adv.cdf(model.initial)
    rng = np.uint64(int(as_generator(seed).integers(2**63)))
    st_, ac_, seen_ = np.empty(H, np.int64), np.empty(H, np.int64), np.empty(H)
    cum = np.zeros((H, S, A))
    probabilities, returns = np.empty((K, H, S, A)), np.empty(K)
    for k in range(K):
        loss = model.losses[k]
        step = (lambda c: log_barrier(c, eta)) if barrier else (lambda c: softmax(-eta * c))
        pi = np.array([[step(cum[h, s]) for s in range(S)] for h in range(H)])
        probabilities[k] = pi
        pi_cdf = adv.cdf(pi)
        if oracle:
            paths = list(trajectories(model, pi, loss))
            Sigma = np.array([sum(p * np.outer(F[s[h] * A + a[h]], F[s[h] * A + a[h]]) for p, s, a, _ in paths)
                              for h in range(H)])
        else:
            Sigma = np.zeros((H, d, d))
            for _ in range(W):
                rng, _t = play(P_cdf, init_cdf, loss, pi_cdf, 0, -1, -1, rng, st_, ac_, seen_)
                for h in range(H):
                    Sigma[h] += np.outer(phi[st_[h], ac_[h]], phi[st_[h], ac_[h]]) / W
        G = np.array([F @ np.linalg.inv(gamma * np.eye(d) + Sigma[h]) @ F.T for h in range(H)])
        norms = np.array([np.diag(G[h]).reshape(S, A) for h in range(H)])
        b = beta * (norms + (pi * norms).sum(-1, keepdims=True))
        B = np.zeros((H, S, A))
        if oracle:
            nxt = np.zeros(S)
            for h in range(H - 1, -1, -1):
                B[h] = b[h] + (1 + 1 / H) * model.P[h] @ nxt
                nxt = (pi[h] * B[h]).sum(-1)
        else:
            for h, s, a in itertools.product(range(H), range(S), range(A)):
                rng, _t = play(P_cdf, init_cdf, loss, pi_cdf, h, s, a, rng, st_, ac_, seen_)
                B[h, s, a] = sum((1 + 1 / H) ** (t - h) * b[t, st_[t], ac_[t]] for t in range(h, H))
        rng, returns[k] = play(P_cdf, init_cdf, loss, pi_cdf, 0, -1, -1, rng, st_, ac_, seen_)
        Lgo = np.cumsum(seen_[::-1])[::-1]
        Qhat = np.array([G[h][:, st_[h] * A + ac_[h]].reshape(S, A) * Lgo[h] for h in range(H)])
        if reduce:
            m = np.zeros((H, S, A))
            if oracle:  # E[min(Z, 0)] over every trajectory of pi under episode k's losses
                for p, s, a, L in paths:
                    for h in range(H):
                        m[h] += p * np.minimum(G[h][:, s[h] * A + a[h]].reshape(S, A) * L[h], 0.0)
            else:
                for _ in range(W):
                    rng, _t = play(P_cdf, init_cdf, loss, pi_cdf, 0, -1, -1, rng, st_, ac_, seen_)
                    L = np.cumsum(seen_[::-1])[::-1]
                    for h in range(H):
                        m[h] += np.minimum(G[h][:, st_[h] * A + ac_[h]].reshape(S, A) * L[h], 0.0) / W
            Qhat = np.maximum(Qhat, 0.0) + m
        cum += Qhat - B
    return probabilities, returns


@pytest.mark.parametrize("fn, barrier, reduce", [(adv_logbarrier, True, False), (adv_magnitude, False, True)])
@pytest.mark.parametrize("oracle", [True, False])
@pytest.mark.parametrize("features", ["onehot", "mixed"])
def test_kernel_matches_plain_reference_step_for_step(fn, barrier, reduce, oracle, features):
    model = small_model(K=25, H=2, S=2, A=3, seed=3)
    phi = adv.onehot_features(2, 3) if features == "onehot" else adv.mixed_features(2, 3, seed=4)
    run = fn(model, 25, seed=7, phi=phi, oracle=oracle, W=5)
    probabilities, returns = reference_run(model, 25, 7, barrier=barrier, reduce=reduce, phi=phi, oracle=oracle, W=5)
    assert np.allclose(run.probabilities, probabilities, rtol=1e-7, atol=1e-10)
    assert np.array_equal(run.returns, returns)  # the same paths, hence the same realised losses
    assert np.array_equal(run.policies, run.probabilities.argmax(-1))


def test_magnitude_reduction_changes_estimates_only_with_signed_features():
    """With one-hot features and exact covariance every Z >= 0, so Alg. 2's reduction is the identity and it
    equals plain exponential weights on the same estimates; mixed features make Z negative somewhere."""
    model = small_model(K=30, H=2, S=2, A=2, seed=5)
    onehot = adv_magnitude(model, 30, seed=1, oracle=True)
    ref, _ = reference_run(model, 30, 1, barrier=False, reduce=False, phi=adv.onehot_features(2, 2), oracle=True,
                           W=1)
    assert np.allclose(onehot.probabilities, ref, rtol=1e-9)
    phi = adv.mixed_features(2, 2, seed=0)
    reduced = adv_magnitude(model, 30, seed=1, oracle=True, phi=phi)
    plain, _ = reference_run(model, 30, 1, barrier=False, reduce=False, phi=phi, oracle=True, W=1)
    assert not np.allclose(reduced.probabilities, plain)


# --- seeds, the harness, behaviour ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [adv_logbarrier, adv_magnitude])
def test_seeds_reproduce(fn):
    model = small_model(K=30)
    a, b, c = fn(model, 30, seed=1), fn(model, 30, seed=1), fn(model, 30, seed=2)
    assert np.array_equal(a.probabilities, b.probabilities) and np.array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns, c.returns)
    assert isinstance(a, AdversarialRun) and a.probabilities.shape == (30, 2, 2, 2)


@pytest.mark.parametrize("fn", [adv_logbarrier, adv_magnitude])
def test_default_rollouts_are_one_over_gamma(fn):
    model = small_model(K=20)
    default = fn(model, 20, seed=3)
    assert np.array_equal(default.probabilities, fn(model, 20, seed=3, W=20).probabilities)  # ceil(1 / (1/20))
    assert np.array_equal(fn(model, 20, seed=3, gamma=0.3).probabilities,
                          fn(model, 20, seed=3, gamma=0.3, W=4).probabilities)  # ceil(1 / 0.3)
    assert not np.array_equal(default.probabilities, fn(model, 20, seed=3, W=19).probabilities)


@pytest.mark.parametrize("fn", [adv_logbarrier, adv_magnitude])
@pytest.mark.parametrize("oracle", [True, False])
def test_slides_gamma_schedule_is_gamma_root_K(fn, oracle):
    """gamma_schedule="slides": gamma = K^-1/2 as the slides print it (W then defaults to ceil(K^1/2)); the default
    ("balanced") is gamma = 1/K."""
    K = 30
    model = small_model(K=K)
    assert schedule(K, "slides")["gamma"] == K ** -0.5 and schedule(K)["gamma"] == 1 / K
    slides = fn(model, K, seed=5, gamma_schedule="slides", oracle=oracle).probabilities
    explicit = fn(model, K, seed=5, gamma=K ** -0.5, W=None if oracle else int(np.ceil(K ** 0.5)), oracle=oracle)
    assert np.array_equal(slides, explicit.probabilities)
    assert np.array_equal(fn(model, K, seed=5, gamma_schedule="balanced", oracle=oracle).probabilities,
                          fn(model, K, seed=5, oracle=oracle).probabilities)
    assert not np.allclose(slides, fn(model, K, seed=5, oracle=oracle).probabilities)


@pytest.mark.parametrize("fn", [adv_logbarrier, adv_magnitude])
def test_learners_run_through_the_harness(fn):
    name = fn.__name__.replace("_", "-")
    bounds.register(name, fn)
    model = small_model(K=60)
    df = bounds.measure_regret(name, model, 60, seeds=[0, 1], oracle=True)
    for seed in (0, 1):
        expected = adversarial_regret(model, fn(model, 60, seed, oracle=True))
        assert np.allclose(df[df.seed == seed].regret.to_numpy(), expected)
    assert [p.name for p in bounds.learner_params(name)] == ["eta", "beta", "gamma", "gamma_schedule", "phi",
                                                             "oracle", "W"]


def test_sweep_stores_adversarial_runs(tmp_path):
    bounds.register("adv-magnitude", adv_magnitude)
    model = small_model(K=30)
    kwargs = dict(params={"adv-magnitude": {"oracle": True}}, store=tmp_path / "runs.sqlite", progress=False)
    df = bounds.sweep("adv-magnitude", {"switching": model}, [0, 1], 30, **kwargs)
    again = bounds.sweep("adv-magnitude", {"switching": model}, [0, 1], 30, **kwargs)  # read back from the store
    for seed in (0, 1):
        expected = adversarial_regret(model, adv_magnitude(model, 30, seed, oracle=True))
        assert np.allclose(df[df.seed == seed].sort_values("episode").regret.to_numpy(), expected)
    assert np.array_equal(df.regret.to_numpy(), again.regret.to_numpy())


@pytest.mark.parametrize("fn", [adv_logbarrier, adv_magnitude])
def test_regret_per_episode_falls_on_a_fixed_adversary(fn):
    model = small_model(K=1024, H=2, S=2, A=3, seed=2, losses=adv.switching_losses).with_losses(
        adv.switching_losses(3 * 1024, 2, 2, 3, seed=3)[:1024])  # the first third: one best action throughout
    regret = adversarial_regret(model, fn(model, 1024, seed=0, oracle=True))
    assert regret[-256:].mean() < regret[:256].mean()  # it learns: the last quarter's mean regret is below the first's
    assert regret.sum() < 0.5 * len(regret)  # and stays well below the uniform policy's ~0.53 per episode


@pytest.mark.parametrize("kwargs, error, match", [
    ({"K": 2.5}, TypeError, "K"),
    ({"K": 41}, ValueError, "exceeds"),
    ({"eta": -1.0}, ValueError, "eta"),
    ({"beta": "0.1"}, TypeError, "beta"),
    ({"gamma": 0.0}, ValueError, "gamma"),
    ({"phi": np.ones((2, 3, 4))}, ValueError, r"phi must have shape \(S, A, d\) = \(2, 2, d\)"),
    ({"phi": np.full((2, 2, 4), np.nan)}, ValueError, "phi.*not finite"),
    ({"phi": np.ones((2, 2, 4), complex)}, TypeError, "phi must hold real numbers"),
    ({"oracle": 1}, TypeError, "oracle must be True or False"),
    ({"W": 0}, ValueError, "W must be >= 1"),
    ({"W": 2.0}, TypeError, "W must be an integer"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"eta": 1e-320}, ValueError, "eta must be at least"),  # subnormal: 1/eta would overflow in the kernel
    ({"gamma": 1e-300}, ValueError, r"gamma implies W = ceil\(1 / gamma\) simulator rollouts = 1e\+300"),
    ({"gamma": 1e-9}, ValueError, "MAX_ROLLOUTS"),
    ({"W": 2**30}, ValueError, "MAX_ROLLOUTS"),
    ({"phi": 3 * adv.onehot_features(2, 2)}, ValueError, "norm 3 > 1"),
    ({"gamma_schedule": "paper"}, ValueError, "gamma_schedule must be one of balanced, slides, got 'paper'"),
    ({"gamma_schedule": 1}, TypeError, "gamma_schedule must be a string"),
    ({"gamma_schedule": "slides", "gamma": 0.1}, ValueError, "gamma = 0.1 and gamma_schedule = 'slides' both given"),
])
@pytest.mark.parametrize("fn", [adv_logbarrier, adv_magnitude])
def test_bad_input(fn, kwargs, error, match):
    args = {"K": 40, "seed": 0, **kwargs}
    with pytest.raises(error, match=match):
        fn(small_model(K=40), args.pop("K"), args.pop("seed"), **args)


def test_adversary_against_a_learner_penalises_its_probe_play():
    P = adv.random_transitions(2, 2, 3, seed=0)
    losses = adv.against_learner(P, 50, adv_magnitude, seed=4, oracle=True)
    rng = np.random.default_rng(4)  # the probe run, repeated: the same stream in the same order
    probe = adv.AdversarialMDP(P, rng.uniform(size=(50, 2, 2, 3)))
    run = adv_magnitude(probe, 50, rng, oracle=True)
    assert np.array_equal(losses, adv.against_play(P, run.probabilities))
    assert np.array_equal(losses, adv.against_learner(P, 50, adv_magnitude, seed=4, oracle=True))
    with pytest.raises(TypeError, match="probabilities"):
        adv.against_learner(P, 5, lambda model, K, seed: None)
    with pytest.raises(TypeError, match="learner must be a learner function"):
        adv.against_learner(P, 5, None)


def test_refuses_other_models():
    from boundlab import tabular
    with pytest.raises(TypeError, match="AdversarialMDP"):
        adv_logbarrier(tabular.EpisodicMDP(np.full((2, 2, 2), 0.5), np.zeros((2, 2)), 2), 5, 0)
