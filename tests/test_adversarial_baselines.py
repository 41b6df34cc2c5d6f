"""The baseline (Luo, Wei & Lee 2021, ``adv_luo21``) and Dai et al. 2023's Algorithm 3 (``adv_linear_mdp``): Numba
kernels against plain numpy references step for step (same simulator stream), reproducibility, bad input, and the
idealised (oracle) mode's estimator being exactly unbiased / biased as the theory says."""

import numpy as np
import pytest

from boundlab.tabular import adversarial as ad
from boundlab.tabular.learners import ftrl
from boundlab.tabular.learners.adv_linear_mdp import adv_linear_mdp
from boundlab.tabular.learners.adv_logbarrier import AdversarialRun
from boundlab.tabular.learners.adv_luo21 import adv_luo21
from boundlab.tabular.learners.linear_estimators import MGR_STEP, exact_covariance

H, S, A = 3, 2, 2


def model(K=40, seed=0, losses="drifting_bernoulli"):
    P = ad.random_transitions(H, S, A, seed=seed)
    return ad.AdversarialMDP(P, getattr(ad, f"{losses}_losses")(K, H, S, A, seed=seed + 1))


def first_seed(seed):
    return np.uint64(np.random.default_rng(seed).integers(2**63))


# --- plain numpy references (Python loops; the model's simulator ``ad.play`` supplies the same random stream) ------

def play_ref(m, loss, pi, rng, h0=0, s0=-1, a0=-1):
    states, actions, seen = np.zeros(H, np.int64), np.zeros(H, np.int64), np.zeros(H)
    rng, total = ad.play(ad.cdf(m.P), ad.cdf(m.initial), loss, ad.cdf(pi), h0, s0, a0, np.uint64(rng), states,
                         actions, seen)
    return np.uint64(rng), total, states, actions, seen


def policy_ref(cum, eta, step):
    return np.array([[step(cum[h, s], eta) for s in range(S)] for h in range(H)])


def bonus_ref(phi, Sinv, pi, beta):
    norms = np.einsum("sai,hij,saj->hsa", phi, Sinv, phi)
    return beta * (norms + (pi * norms).sum(-1, keepdims=True))


def dilated_ref(P, pi, b):
    B = np.zeros_like(b)
    B[H - 1] = b[H - 1]
    for h in range(H - 2, -1, -1):
        B[h] = b[h] + (1 + 1 / H) * P[h] @ (pi[h + 1] * B[h + 1]).sum(-1)
    return B


def q_ref(phi, Sinv, states, actions, seen):
    L = np.cumsum(seen[::-1])[::-1]
    theta = np.stack([Sinv[h] @ phi[states[h], actions[h]] * L[h] for h in range(H)])
    return np.einsum("sai,hi->hsa", phi, theta)


def luo21_ref(m, K, seed, gamma, beta, eta, oracle, phi, copies=1, steps=5):
    d = phi.shape[2]
    rng, cum, probs = first_seed(seed), np.zeros((H, S, A)), []
    zero = np.zeros((H, S, A))
    for k in range(K):
        pi = policy_ref(cum, eta, ftrl.negative_entropy)
        probs.append(pi)
        rng, _, states, actions, seen = play_ref(m, m.losses[k], pi, rng)
        if oracle:
            Sinv = np.linalg.inv(gamma * np.eye(d) + exact_covariance(m.P, m.initial, pi, phi))
        else:
            X = np.zeros((copies * steps, H, d))
            for i in range(copies * steps):
                rng, _, st, ac, _ = play_ref(m, zero, pi, rng)
                X[i] = phi[st, ac]
            Sinv = np.zeros((H, d, d))
            for h in range(H):
                total = np.zeros((d, d))
                for j in range(copies):
                    Z = np.eye(d)
                    for x in X[j * steps:(j + 1) * steps, h]:
                        Z = Z @ (np.eye(d) - MGR_STEP * (gamma * np.eye(d) + np.outer(x, x)))
                        total += Z
                Sinv[h] = MGR_STEP * np.eye(d) + MGR_STEP * total / copies
        Q = q_ref(phi, Sinv, states, actions, seen)
        b = bonus_ref(phi, Sinv, pi, beta)
        if oracle:
            B = dilated_ref(m.P, pi, b)
        else:
            B = np.zeros_like(b)
            for h in range(H):
                for s in range(S):
                    for a in range(A):
                        rng, _, st, ac, _ = play_ref(m, zero, pi, rng, h, s, a)
                        B[h, s, a] = sum((1 + 1 / H) ** (i - h) * b[i, st[i], ac[i]] for i in range(h, H))
        cum = cum + Q - B
    return np.array(probs)


def linear_mdp_ref(m, K, seed, gamma, beta, eta, W, oracle, phi, lam=1.0):
    d = phi.shape[2]
    rng, cum, probs, k = first_seed(seed), np.zeros((H, S, A)), [], 0
    while k < K:
        pi = policy_ref(cum, eta, ftrl.log_barrier)
        n = min(2 * W, K - k)
        runs = []
        for i in range(n):
            probs.append(pi)
            rng, _, st, ac, seen = play_ref(m, m.losses[k + i], pi, rng)
            runs.append((st, ac, seen))
        k += n
        if n < 2 * W:
            break
        if oracle:
            Sinv = np.linalg.inv(gamma * np.eye(d) + exact_covariance(m.P, m.initial, pi, phi))
        else:
            Sinv = np.stack([np.linalg.inv(gamma * np.eye(d) + sum(np.outer(phi[st[h], ac[h]], phi[st[h], ac[h]])
                                                                   for st, ac, _ in runs[:W]) / W)
                             for h in range(H)])
        Q = sum(q_ref(phi, Sinv, st, ac, seen) for st, ac, seen in runs[W:]) / W
        b = bonus_ref(phi, Sinv, pi, beta)
        if oracle:
            B = dilated_ref(m.P, pi, b)
        else:
            B = np.zeros_like(b)
            B[H - 1] = b[H - 1]
            for h in range(H - 2, -1, -1):
                V = (pi[h + 1] * B[h + 1]).sum(-1)
                F = np.array([phi[st[h], ac[h]] for st, ac, _ in runs[:W]])
                y = np.array([V[st[h + 1]] for st, _, _ in runs[:W]])
                w = np.linalg.solve(lam * np.eye(d) + F.T @ F, F.T @ y)
                B[h] = b[h] + (1 + 1 / H) * phi @ w
        cum = cum + Q - B
    return np.array(probs)


# --- kernels vs references --------------------------------------------------------------------------------------

FEATURES = {"onehot": ad.onehot_features(S, A), "mixed": ad.mixed_features(S, A, seed=3)}


@pytest.mark.parametrize("features", FEATURES)
@pytest.mark.parametrize("oracle", [True, False])
def test_luo21_matches_reference(oracle, features):
    m, K = model(), 12
    params = dict(gamma=0.3, beta=0.2, eta=0.5, phi=FEATURES[features])
    run = adv_luo21(m, K, seed=4, oracle=oracle, mgr_copies=2, mgr_steps=4, **params)
    expected = luo21_ref(m, K, 4, oracle=oracle, copies=2, steps=4, **params)
    np.testing.assert_allclose(run.probabilities, expected, rtol=1e-9, atol=1e-12)
    assert isinstance(run, AdversarialRun)
    assert np.array_equal(run.policies, expected.argmax(-1))
    assert not np.allclose(expected[-1], expected[0])  # the policy moved


@pytest.mark.parametrize("features", FEATURES)
@pytest.mark.parametrize("oracle", [True, False])
def test_linear_mdp_matches_reference(oracle, features):
    m, K, W = model(K=60), 60, 6
    params = dict(gamma=0.25, beta=0.3, eta=0.4, phi=FEATURES[features])
    # epoch_scale chosen so that the lemma's W is 6 at d = 4, gamma = 0.25, delta = 1/(K+1)
    from boundlab.tabular.learners.linear_estimators import relative_samples
    scale = W / relative_samples(S * A, 0.25, 1 / (K + 1))
    run = adv_linear_mdp(m, K, seed=2, oracle=oracle, epoch_scale=scale, **params)
    expected = linear_mdp_ref(m, K, 2, W=W, oracle=oracle, **params)
    np.testing.assert_allclose(run.probabilities, expected, rtol=1e-9, atol=1e-12)
    assert len({p.tobytes() for p in expected}) == K // (2 * W) + (K % (2 * W) > 0)  # one policy per epoch


@pytest.mark.parametrize("learner", [adv_luo21, adv_linear_mdp])
def test_plays_the_models_simulator(learner):
    """In oracle mode the learner draws nothing but its real episodes, so replaying its policies through the model's
    bandit simulator with the same seed reproduces its realised losses exactly."""
    m = model(K=30)
    kw = {"epoch_scale": 1e-3} if learner is adv_linear_mdp else {}
    run = learner(m, 30, seed=1, oracle=True, **kw)
    _, _, _, totals = ad.simulate(m, run.probabilities, seed=1)
    np.testing.assert_array_equal(run.returns, totals)


@pytest.mark.parametrize("learner", [adv_luo21, adv_linear_mdp])
def test_reproducible(learner):
    m = model(K=50)
    kw = {} if learner is adv_luo21 else {"epoch_scale": 1e-3}
    a, b, c = (learner(m, 50, seed=s, **kw) for s in (7, 7, 8))
    assert np.array_equal(a.probabilities, b.probabilities) and np.array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns, c.returns)


@pytest.mark.parametrize("learner, kwargs, error, match", [
    (adv_luo21, {"K": 2.5}, TypeError, "K"),
    (adv_luo21, {"K": 0}, ValueError, "K"),
    (adv_luo21, {"K": 500}, ValueError, "exceeds"),
    (adv_luo21, {"gamma": 0.0}, ValueError, "gamma"),
    (adv_luo21, {"gamma": 1.5}, ValueError, "gamma"),
    (adv_luo21, {"eta": "0.1"}, TypeError, "eta"),
    (adv_luo21, {"beta": np.nan}, ValueError, "beta"),
    (adv_luo21, {"oracle": 1}, TypeError, "oracle"),
    (adv_luo21, {"mgr_copies": 0}, ValueError, "mgr_copies"),
    (adv_luo21, {"mgr_steps": 3.0}, TypeError, "mgr_steps"),
    (adv_luo21, {"phi": np.ones((S, A, 3))}, ValueError, "norm"),
    (adv_luo21, {"phi": np.ones((S, A + 1, 3)) / 4}, ValueError, "phi"),
    (adv_luo21, {"phi": np.full((S, A, 2), np.nan)}, ValueError, "phi"),
    (adv_luo21, {"seed": -1}, ValueError, "seed"),
    (adv_linear_mdp, {"epoch_scale": 0}, ValueError, "epoch_scale"),
    (adv_linear_mdp, {"lam": -1.0}, ValueError, "lam"),
    (adv_linear_mdp, {"eta": 2j}, TypeError, "eta"),
    (adv_luo21, {"eta": 1e-320}, ValueError, "eta must be at least"),
    (adv_linear_mdp, {"eta": 1e-320}, ValueError, "eta must be at least"),
    (adv_luo21, {"gamma": 1e-300}, ValueError, "gamma implies the MGR step count .* MAX_ROLLOUTS"),
    (adv_luo21, {"mgr_copies": 2**20, "mgr_steps": 2**10}, ValueError, "MGR simulator rollouts"),
    (adv_linear_mdp, {"gamma": 1e-300}, ValueError, "gamma"),
    (adv_linear_mdp, {"gamma": 1e-6}, ValueError, "MAX_ROLLOUTS"),
    (adv_linear_mdp, {"phi": 3 * ad.onehot_features(S, A)}, ValueError, "norm 3 > 1"),
])
def test_bad_input(learner, kwargs, error, match):
    args = {"K": 10, **kwargs}
    with pytest.raises(error, match=match):
        learner(model(K=20), args.pop("K"), **args)


@pytest.mark.parametrize("learner", [adv_luo21, adv_linear_mdp])
def test_refuses_other_models(learner):
    from boundlab.tabular import EpisodicMDP
    mdp = EpisodicMDP(np.full((S, A, S), 0.5), np.zeros((S, A)), H)
    with pytest.raises(TypeError, match="AdversarialMDP"):
        learner(mdp, 5)


@pytest.mark.parametrize("learner", [adv_luo21, adv_linear_mdp])
def test_runs_through_the_harness(learner):
    """bounds.measure_regret on an AdversarialMDP (registered by bounds.adversarial): per-episode exact regret equals
    the played policies' values minus the comparator's, summed it is the paper's regret."""
    from boundlab import bounds
    from boundlab.bounds.adversarial import adversarial_regret

    m = model(K=40, losses="fixed")
    kw = {"epoch_scale": 1e-3} if learner is adv_linear_mdp else {}
    df = bounds.measure_regret(learner, m, 40, [3], progress=False, oracle=True, **kw)
    run = learner(m, 40, seed=3, oracle=True, **kw)
    np.testing.assert_allclose(df.regret.to_numpy(), adversarial_regret(m, run), rtol=1e-12)
    best = ad.best_fixed_policy(m, 40)
    assert np.isclose(df.regret.sum(), ad.episode_values(m, run.probabilities).sum() - best.total)
    names = [p.name for p in bounds.learner_params(learner)]
    assert {"gamma", "beta", "eta", "oracle", "phi"} <= set(names)
