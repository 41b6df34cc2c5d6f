"""Random rewards (tabular.rewards): the draws' law, the clipped Gaussian's centre, reproducibility, the coupling
of the transition stream, bit-identical deterministic runs, the fingerprint and bad input."""

import dataclasses
import hashlib

import jax
import numpy as np
import pytest
from scipy import integrate, stats

from boundlab import tabular
from boundlab.bounds import regret_of_run
from boundlab.bounds.fingerprint import fingerprint
from boundlab.tabular import BernoulliRewards, GaussianRewards, jax_env
from boundlab.tabular import learners as L
from boundlab.tabular.gym_env import MDPEnv
from boundlab.tabular.rewards import clipped_gaussian_mean, gaussian_location

MEANS = np.array([[0.0, 0.05, 0.3], [0.5, 0.93, 1.0]])  # R[s, a]: both ends, near an end, inside


def one_step_model(noise, reward_range=(0.0, 1.0)):
    """Two states, three actions, H = 1, uniform start: each (s, a) is one draw of its reward."""
    return tabular.EpisodicMDP(np.full((2, 3, 2), 0.5), MEANS, 1, initial=[0.5, 0.5], reward_range=reward_range,
                               reward_noise=noise)


def draws_by_pair(t):
    return {(s, a): t.rewards[(t.states[:, 0] == s) & (t.actions[:, 0] == a), 0] for s in range(2) for a in range(3)}


def exact_moments(m, sigma, lo, hi):
    """Mean and variance of clip(m + sigma Z, lo, hi) by numerical integration (the slow obvious reference)."""
    if np.isinf(m):
        return (lo if m < 0 else hi), 0.0
    pdf = stats.norm(m, sigma).pdf
    lo_mass, hi_mass = stats.norm(m, sigma).cdf(lo), stats.norm(m, sigma).sf(hi)
    e1 = lo * lo_mass + hi * hi_mass + integrate.quad(lambda x: x * pdf(x), lo, hi, epsabs=1e-13)[0]
    e2 = lo**2 * lo_mass + hi**2 * hi_mass + integrate.quad(lambda x: x * x * pdf(x), lo, hi, epsabs=1e-13)[0]
    return e1, e2 - e1**2


@pytest.mark.parametrize("sigma, lo, hi", [(0.3, 0.0, 1.0), (2.0, 0.0, 1.0), (0.05, -1.0, 3.0)])
def test_gaussian_centre_gives_the_mean(sigma, lo, hi):
    """The solved centre m makes the clipped draw's mean R (checked by quadrature, not by the formula solved);
    far from the ends m = R; at an end the draw is that end."""
    R = np.array([lo, lo + 1e-6, lo + 0.01, 0.5 * (lo + hi), hi - 0.2, hi])
    m = gaussian_location(R, sigma, lo, hi)
    assert m[0] == -np.inf and m[-1] == np.inf
    for r, mi in zip(R, m):
        assert exact_moments(mi, sigma, lo, hi)[0] == pytest.approx(r, abs=1e-9)
    assert np.allclose(clipped_gaussian_mean(m, sigma, lo, hi), R, rtol=0, atol=1e-12)
    if sigma == 0.05:  # R = 1.5 lies 30 sigma from both ends: clipping moves nothing
        assert m[3] == pytest.approx(R[3], abs=1e-12)


@pytest.mark.parametrize("noise", ["bernoulli", ("gaussian", 0.3), ("gaussian", 2.0)])
def test_simulated_draws_have_the_stated_mean_and_variance(noise):
    """Numba simulator, 200000 one-step episodes (about 33000 draws per pair): the sample mean of every pair lies
    within 5 standard errors of R (CLT), the sample variance within 5 of its own standard error of the exact
    variance (Bernoulli R (1 - R); clipped Gaussian by quadrature). Pairs at an end are constant."""
    model = one_step_model(noise)
    t = tabular.simulate(model, np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]), 200_000, 0)
    m = None if noise == "bernoulli" else gaussian_location(MEANS, noise[1], 0.0, 1.0)
    for (s, a), x in draws_by_pair(t).items():
        R = MEANS[s, a]
        if s == 0 and a == 0:
            assert x.size == 0  # never taken
            continue
        var = R * (1 - R) if m is None else exact_moments(m[s, a], noise[1], 0.0, 1.0)[1]
        if var == 0:
            assert np.all(x == R)
            continue
        n = x.size
        assert abs(x.mean() - R) < 5 * np.sqrt(var / n), (s, a)
        fourth = np.mean((x - x.mean()) ** 4)
        assert abs(x.var() - var) < 5 * np.sqrt((fourth - var**2) / n), (s, a)
        if m is None:
            assert set(np.unique(x)) <= {0.0, 1.0}
        assert x.min() >= 0.0 and x.max() <= 1.0


@pytest.mark.parametrize("noise", ["bernoulli", ("gaussian", 0.5)])
def test_jax_and_gym_draw_the_same_law(noise):
    """The JAX env and the gym adapter draw rewards of mean R (5 standard errors, variance bounded by 1/4 for a
    [0, 1] reward) from their own keys/generators, reproducibly."""
    model = one_step_model(noise)
    p = jax_env.params_from_model(model)
    n = 20_000
    for s, a in [(1, 0), (0, 2), (1, 1)]:
        keys = jax.random.split(jax.random.key(3), n)
        def reward(k, s=s, a=a):
            return jax_env.step(k, jax_env.EnvState(s, 0), a, p)[1]

        r = np.asarray(jax.vmap(reward)(keys), dtype=float)
        r2 = np.asarray(jax.vmap(reward)(keys), dtype=float)
        assert np.array_equal(r, r2) and r.min() >= 0 and r.max() <= 1
        assert abs(r.mean() - MEANS[s, a]) < 5 * np.sqrt(0.25 / n) + 1e-6  # float32 tables
    env = tabular.EpisodicMDP(np.full((2, 3, 2), 0.5), MEANS, 5000, initial=[0.0, 1.0], reward_noise=noise)
    e = MDPEnv(env)
    e.reset(seed=4)
    r = np.array([e.step(0)[1] for _ in range(4000)])  # every row of P is (1/2, 1/2): after step 0 the states are
    e.reset(seed=4)  # i.i.d. uniform, so the rewards are i.i.d. of mean (0 + 0.5) / 2, variance <= 1/4
    assert np.array_equal(r, [e.step(0)[1] for _ in range(4000)])
    assert abs(r[1:].mean() - 0.25) < 5 * np.sqrt(0.25 / 3999)


def test_reward_stream_is_separate_and_reproducible():
    """Same seed, same rewards; another seed, other rewards; and a fixed policy visits the same states and takes
    the same actions whatever the reward distribution (the transition stream is untouched), in the Numba
    simulator and the gym adapter."""
    rng = np.random.default_rng(1)
    P, R = rng.dirichlet(np.ones(4), size=(4, 2)), rng.random((4, 2))
    pi = rng.dirichlet(np.ones(2), size=4)
    runs = {}
    for noise in (None, "bernoulli", ("gaussian", 0.2)):
        model = tabular.EpisodicMDP(P, R, 6, reward_noise=noise)
        runs[noise if noise is None or isinstance(noise, str) else "g"] = tabular.simulate(model, pi, 300, 9)
        again, other = tabular.simulate(model, pi, 300, 9), tabular.simulate(model, pi, 300, 10)
        assert np.array_equal(again.rewards, runs.get(noise if not isinstance(noise, tuple) else "g").rewards)
        assert not np.array_equal(other.states, again.states)
    for key in ("bernoulli", "g"):
        assert np.array_equal(runs[key].states, runs[None].states)
        assert np.array_equal(runs[key].actions, runs[None].actions)
        assert not np.array_equal(runs[key].rewards, runs[None].rewards)
    steps = {}
    for noise in (None, "bernoulli"):
        e = MDPEnv(tabular.EpisodicMDP(P, R, 50, reward_noise=noise))
        e.reset(seed=2)
        steps[noise] = [e.step(1) for _ in range(50)]
    assert [x[0] for x in steps[None]] == [x[0] for x in steps["bernoulli"]]


def _digest(*arrays):
    d = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a))
        d.update(a.dtype.str.encode() + repr(a.shape).encode() + a.tobytes())
    return d.hexdigest()[:16]


#: Digests of runs computed by the code before random rewards existed (commit bac30a1), on this script's inputs.
BEFORE = {
    "simulate/hom-det": "48df6d3ff51da33c", "simulate/hom-sto": "f744ea336664bbfe",
    "simulate/step": "d21a1bc98b2d9a17", "simulate/river": "f82219c7bcb0bb0a",
    "ucbvi_ch/hom": "988d503f9fab34fd", "ucbvi_ch/step": "ec1edc8004c7d026",
    "ucbvi_bf/hom": "44e5565ce25e2f49", "ucbvi_bf/step": "95ca1d74089b21f9",
    "greedy/hom": "20e7a562c786c30e", "greedy/step": "eacb1517d6dc1d58",
    "eps_greedy/hom": "220e01899fe1f5c2", "eps_greedy/step": "26a3aae068e5cc46",
    "psrl/hom": "8296aa7fb9cf2571", "psrl/step": "43de696ba9151f43",
    "mvp/hom": "564d17ad50c11bed", "mvp/step": "07b2f0f8930530f0",
    "ucb_h/hom": "37498639b2575fdb", "ucb_h/step": "0cc3497ed2fb709a",
    "ucb_b/hom": "06d6948b3361b4e9", "ucb_b/step": "f905b30694b150b7",
    "lsvi_ucb/hom": "c094306c3396bb40", "lsvi_ucb/step": "133a3eb974888feb",
    "jax/hom": "b5ee07f144e2d53d",
}


def test_jax_states_do_not_depend_on_the_reward_distribution():
    """Under one key, a noisy model's JAX rollout visits the states and takes the actions of its deterministic twin
    (the reward key is folded in apart from the transition key), and its rewards are draws, not the means."""
    rng = np.random.default_rng(1)
    P, R = rng.dirichlet(np.ones(4), size=(4, 2)), rng.random((4, 2))
    pi = rng.dirichlet(np.ones(2), size=4)
    out = {}
    for noise in (None, "bernoulli", ("gaussian", 0.2)):
        params = jax_env.params_from_model(tabular.EpisodicMDP(P, R, 6, reward_noise=noise))
        out[str(noise)] = [np.asarray(x) for x in jax_env.batch_rollout(jax.random.key(4), params, pi, 50)]
    for noise in ("bernoulli", "('gaussian', 0.2)"):
        assert np.array_equal(out[noise][0], out["None"][0]) and np.array_equal(out[noise][1], out["None"][1])
        assert not np.allclose(out[noise][2], out["None"][2])
    assert set(np.unique(out["bernoulli"][2])) <= {0.0, 1.0}


def test_deterministic_rewards_run_bit_identical_to_before():
    """reward_noise=None (the default) consumes no random numbers: simulator, every learner and the JAX env give
    the same bits as before random rewards were added (digests stored from that code on the same inputs)."""
    rng = np.random.default_rng(20261124)
    hom = tabular.EpisodicMDP(rng.dirichlet(np.ones(4), size=(4, 3)), rng.random((4, 3)), 5, initial=np.full(4, 0.25))
    step_r = tabular.EpisodicMDP(rng.dirichlet(np.ones(3), size=(3, 2)), rng.random((4, 3, 2)), 4)
    out = {}
    pi_det, pi_sto = np.array([0, 1, 2, 1]), rng.dirichlet(np.ones(3), size=(5, 4))
    for name, m, pol, T in [("hom-det", hom, pi_det, None), ("hom-sto", hom, pi_sto, None),
                            ("step", step_r, np.array([1, 0, 1]), None), ("river", tabular.riverswim(),
                                                                          np.ones(6, int), 30)]:
        t = tabular.simulate(m, pol, 50, 3, horizon=T)
        out[f"simulate/{name}"] = _digest(t.states, t.actions, t.rewards)
    runs = {"ucbvi_ch": dict(bonus_scale=0.02), "ucbvi_bf": dict(bonus_scale=0.01), "greedy": {},
            "eps_greedy": dict(epsilon=0.2), "psrl": {}, "mvp": dict(bonus_scale=0.003),
            "ucb_h": dict(bonus_scale=0.05), "ucb_b": dict(bonus_scale=0.05), "lsvi_ucb": dict(bonus_scale=0.05)}
    for lname, kw in runs.items():
        for mname, m in [("hom", hom), ("step", step_r)]:
            extra = dict(phi=np.eye(m.S * m.A).reshape(m.S, m.A, -1)) if lname == "lsvi_ucb" else {}
            r = getattr(L, lname)(m, 40, 11, **kw, **extra)
            out[f"{lname}/{mname}"] = _digest(r.policies, r.starts, r.returns)
    s, a, r = jax_env.batch_rollout(jax.random.key(5), jax_env.params_from_model(hom), pi_det, 20)
    out["jax/hom"] = _digest(s, a, r)
    assert out == BEFORE


def test_regret_uses_the_means_and_the_fingerprint_the_distribution():
    """Exact regret of a run is the same on the noisy model and on its deterministic twin (it uses R); the
    distribution is part of the content: fingerprints differ between distributions and sigmas, and the spellings
    'bernoulli' / BernoulliRewards() give one model."""
    base = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=10)
    noisy = dataclasses.replace(base, reward_noise="bernoulli")
    run = L.psrl(noisy, 100, 0)
    assert np.array_equal(regret_of_run(noisy, run), regret_of_run(base, run))
    prints = {fingerprint(dataclasses.replace(base, reward_noise=n))
              for n in (None, "bernoulli", ("gaussian", 0.3), ("gaussian", 0.4))}
    assert len(prints) == 4
    assert fingerprint(noisy) == fingerprint(dataclasses.replace(base, reward_noise=BernoulliRewards()))
    assert noisy.reward_noise == BernoulliRewards() and dataclasses.replace(
        base, reward_noise=("gaussian", 0.3)).reward_noise == GaussianRewards(0.3)
    lin = tabular.random_linear_mdp(3, 2, 2, 3, seed=0)
    lin = tabular.LinearMDP(lin.phi, lin.mu, lin.theta, 3, reward_noise=("gaussian", 0.1))
    assert lin.to_episodic().reward_noise == GaussianRewards(0.1)
    fin = tabular.FiniteMDP(*tabular.riverswim().to_arrays(), 0.9, reward_noise="bernoulli")
    assert fin.reward_noise == BernoulliRewards()


@pytest.mark.parametrize("noise, kw, error, match", [
    ("poisson", {}, ValueError, "reward_noise must be None, 'bernoulli' or \\('gaussian', sigma\\), got 'poisson'"),
    (("laplace", 1.0), {}, ValueError, "got \\('laplace', 1.0\\)"),
    (3, {}, TypeError, "reward_noise must be None.*got int 3"),
    (("gaussian", -1.0), {}, ValueError, "reward_noise sigma"),
    (("gaussian", 0.0), {}, ValueError, "reward_noise sigma"),
    (("gaussian", "0.5"), {}, TypeError, "reward_noise sigma"),
    (("gaussian", np.nan), {}, ValueError, "reward_noise sigma"),
    ("bernoulli", dict(R=np.full((2, 2), 1.5), reward_range=(0.0, 2.0)), ValueError, r"R must lie in \[0, 1\]"),
    ("bernoulli", dict(R=np.full((2, 2), 0.5), reward_range=(0.2, 0.8)), ValueError, "0 and 1.*reward_range"),
    (("gaussian", 1.0), dict(R=np.full((2, 2), 0.5), reward_range=(0.5, 0.5)), ValueError, "low < high"),
])
def test_bad_reward_noise_is_refused_by_name(noise, kw, error, match):
    R = kw.get("R", np.full((2, 2), 0.5))
    with pytest.raises(error, match=match):
        tabular.EpisodicMDP(np.full((2, 2, 2), 0.5), R, 2, reward_range=kw.get("reward_range", (0.0, 1.0)),
                            reward_noise=noise)
