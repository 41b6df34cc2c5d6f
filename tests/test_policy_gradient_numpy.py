"""The plain numpy N-HARPG of benchmarks/policy_gradient.py (the benchmark's baseline) computes what the JAX package
computes: the same gradient and Hessian-vector-product estimates on the same trajectories (float64), the same
CartPole transitions, and the same return distribution at the start."""

import importlib.util
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from boundlab.tabular import policy_gradient as pg

BENCH = Path(__file__).parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_policy_gradient", BENCH / "policy_gradient.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def _numpy_tau(tau):
    L = int(np.sum(np.asarray(tau.mask)))
    return np.asarray(tau.obs)[:L], np.asarray(tau.actions)[:L], np.asarray(tau.rewards)[:L]


@pytest.mark.parametrize("start", ["random", "balancing"])
def test_cartpole_estimates_match_jax_on_the_same_trajectory(bench, start):
    with jax.enable_x64(True):
        policy = pg.MLPSoftmax(bench.SIZES)
        problem = pg.cartpole_problem(policy, gamma=0.99, H=60)
        theta = (np.asarray(policy.init(jax.random.PRNGKey(3)), np.float64) if start == "random"
                 else bench.balancing_start(policy))
        theta = jnp.asarray(theta + 0.01 * np.random.default_rng(0).normal(size=theta.shape))
        v = jnp.asarray(np.random.default_rng(1).normal(size=theta.shape))
        np_policy, env = bench.NumpyMLPSoftmax(bench.SIZES), bench.NumpyCartPole()
        for k in range(3):
            tau = pg.rollout(jax.random.PRNGKey(k), problem, theta)
            obs, actions, rewards = t = _numpy_tau(tau)
            assert len(rewards) > 5
            for i in range(len(rewards) - 1):  # the numpy CartPole makes the same transitions
                np.testing.assert_allclose(env.step(obs[i], int(actions[i]))[0], obs[i + 1], rtol=0, atol=1e-12)
            g, ret = bench.numpy_gradient(np_policy, np.asarray(theta), t, 0.99)
            np.testing.assert_allclose(g, pg.gradient(theta, tau, problem), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(ret, np.sum(0.99 ** np.arange(60) * np.asarray(tau.rewards)), rtol=1e-12)
            B = np.asarray(pg.hvp(theta, v, tau, problem))
            B_np = bench.numpy_hvp(np_policy, np.asarray(theta), np.asarray(v), t, 0.99)
            np.testing.assert_allclose(B_np, B, rtol=1e-5, atol=1e-6 * np.abs(B).max())  # finite differences


def test_bandit_estimates_match_jax_on_the_same_trajectory(bench):
    with jax.enable_x64(True):
        params, _ = bench.bandit_instance()
        params = pg.BanditParams(jnp.asarray(params.contexts, jnp.float64), jnp.asarray(params.w_star, jnp.float64))
        env = bench.NumpyBandit(params.contexts, params.w_star)  # bandit_params rounds to float32: the same values
        problem = pg.bandit_problem(params, pg.LinearCauchy(0.5))
        rng = np.random.default_rng(2)
        np_policy = bench.NumpyLinearCauchy(0.5)
        for k in range(5):
            theta, v = jnp.asarray(rng.normal(size=(3, 1))), jnp.asarray(rng.normal(size=(3, 1)))
            tau = pg.rollout(jax.random.PRNGKey(k), problem, theta)
            t = _numpy_tau(tau)
            assert env.step(t[0][0], t[1][0])[1] == pytest.approx(float(t[2][0]), rel=1e-12)
            g, _ = bench.numpy_gradient(np_policy, np.asarray(theta), t, 0.0)
            np.testing.assert_allclose(g, pg.gradient(theta, tau, problem), rtol=1e-10)
            np.testing.assert_allclose(bench.numpy_hvp(np_policy, np.asarray(theta), np.asarray(v), t, 0.0),
                                       pg.hvp(theta, v, tau, problem), rtol=1e-10, atol=1e-14)


def test_numpy_rollouts_have_the_jax_return_distribution(bench):
    """At the network's random start, the numpy rollout's mean discounted return equals the JAX rollout's (z < 4)."""
    policy = pg.MLPSoftmax(bench.SIZES)
    problem = pg.cartpole_problem(policy, gamma=0.99, H=200)
    theta = policy.init(jax.random.PRNGKey(0))
    n = 400
    taus = jax.vmap(lambda k: pg.rollout(k, problem, theta))(jax.random.split(jax.random.PRNGKey(5), n))
    r_jax = np.sum(0.99 ** np.arange(200) * np.asarray(taus.rewards, np.float64), axis=1)
    rng, np_policy, env = np.random.default_rng(0), bench.NumpyMLPSoftmax(bench.SIZES), bench.NumpyCartPole()
    r_np = np.array([bench.numpy_gradient(np_policy, np.asarray(theta, np.float64),
                                          bench.numpy_rollout(env, np_policy, np.asarray(theta, np.float64), 200,
                                                              rng), 0.99)[1] for _ in range(n)])
    z = (r_np.mean() - r_jax.mean()) / np.sqrt(r_np.var() / n + r_jax.var() / n)
    assert abs(z) < 4, (r_np.mean(), r_jax.mean())


def test_numpy_n_harpg_takes_normalised_steps_and_is_reproducible(bench):
    params, env = bench.bandit_instance()
    np_policy = bench.NumpyLinearCauchy(0.5)
    a = bench.numpy_n_harpg(env, np_policy, np.zeros((3, 1)), 50, 0.3, 0.0, 1, np.random.default_rng(0))
    b = bench.numpy_n_harpg(env, np_policy, np.zeros((3, 1)), 50, 0.3, 0.0, 1, np.random.default_rng(0))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    steps = sum(pg.schedule("n-harpg", t, 0.3)[0] for t in range(50))
    assert 0 < np.linalg.norm(a[0]) <= steps + 1e-12
    one = bench.numpy_n_harpg(env, np_policy, np.zeros((3, 1)), 1, 0.3, 0.0, 1, np.random.default_rng(0))[0]
    assert np.linalg.norm(one) == pytest.approx(pg.schedule("n-harpg", 0, 0.3)[0], rel=1e-12)


def test_benchmark_devices_pin_the_cpu_first_and_add_a_gpu_only_when_there_is_one(bench, monkeypatch):
    """The CPU row always comes first; ``jax.devices("gpu")`` raising (no GPU backend) gives no GPU row, one GPU
    listed gives one."""
    devices = bench.devices()
    assert devices[0].platform == "cpu" and len(devices) <= 2
    real = jax.devices

    def no_gpu(backend=None):
        if backend == "gpu":
            raise RuntimeError("Unknown backend gpu")
        return real(backend)

    monkeypatch.setattr(bench.jax, "devices", no_gpu)
    assert [d.platform for d in bench.devices()] == ["cpu"]
    fake = type("FakeGPU", (), {"platform": "gpu"})()
    monkeypatch.setattr(bench.jax, "devices", lambda backend=None: [fake, fake] if backend == "gpu" else real(backend))
    assert [d.platform for d in bench.devices()] == ["cpu", "gpu"]


def test_benchmark_reads_episode_lengths_from_unit_reward_returns(bench):
    """The benchmark's mean episode length (both sides, from the float32 discounted return) is each episode's number
    of live steps, from short random-start episodes up to H = 200 at the balancing start."""
    policy = pg.MLPSoftmax(bench.SIZES)
    problem = pg.cartpole_problem(policy, gamma=0.99, H=200)
    for theta in (policy.init(jax.random.PRNGKey(0)), jnp.asarray(bench.balancing_start(policy), jnp.float32)):
        taus = jax.vmap(lambda k, th=theta: pg.rollout(k, problem, th))(jax.random.split(jax.random.PRNGKey(1), 32))
        live = np.sum(np.asarray(taus.mask), axis=1)
        returns = np.sum(np.float32(0.99) ** np.arange(200, dtype=np.float32) * np.asarray(taus.rewards), axis=1)
        np.testing.assert_array_equal(bench.unit_reward_lengths(returns.astype(np.float32), 0.99), live)
    assert live.max() == 200  # the balancing start reaches H
