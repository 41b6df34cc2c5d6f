"""tabular.policy_gradient environments beyond the tabular ones: CartPole against gymnasium's CartPole-v1 step for
step, the MLP softmax policy and a method run on CartPole, and the linear systems (LQR's exact value of a linear
gain by the discrete Lyapunov equation against a Monte-Carlo estimate of the truncated return)."""

from __future__ import annotations

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from boundlab.solvers import networks
from boundlab.tabular import policy_gradient as pg

# ---------------------------------------------------------------- CartPole


def _gym_states(x0: np.ndarray, actions: np.ndarray):
    env = gymnasium.make("CartPole-v1")
    env.reset(seed=0)
    env.unwrapped.state = x0.copy()
    states, terms = [], []
    for a in actions:
        _, r, terminated, _, _ = env.step(int(a))
        assert r == 1.0
        states.append(np.array(env.unwrapped.state, np.float64))
        terms.append(terminated)
        if terminated:
            break
    return np.array(states), np.array(terms)


@pytest.mark.parametrize("seed", range(4))
def test_cartpole_matches_gymnasium_step_for_step(seed):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-0.05, 0.05, 4)
    actions = rng.integers(0, 2, 200)
    if seed % 2:  # a biased push so the cart (not only the pole) hits its threshold in some runs
        actions = (rng.random(200) < 0.8).astype(int)
    want, terms = _gym_states(x0, actions)
    assert terms[-1]  # the run reaches termination, so the flag is compared where it is True too
    env, params = pg.CartPole(), pg.CartPoleParams()
    with jax.enable_x64(True):
        state = pg.envs.CartPoleState(jnp.asarray(x0), jnp.int32(0), jnp.bool_(False))
        step = jax.jit(env.step)
        for i, a in enumerate(actions[: len(want)]):
            state, r, done = step(jax.random.key(0), state, jnp.int32(a), params)
            np.testing.assert_allclose(np.asarray(state.x), want[i], rtol=0, atol=1e-6)
            assert bool(done) == bool(terms[i]) and float(r) == 1.0


def test_cartpole_truncates_at_max_steps_and_freezes_after_done():
    env, params = pg.CartPole(), pg.CartPoleParams(max_steps=3)
    state = env.reset(jax.random.key(1), params)
    assert state.x.shape == (4,) and np.all(np.abs(np.asarray(state.x)) <= 0.05)
    dones = []
    for _ in range(3):
        state, _, done = env.step(jax.random.key(0), state, jnp.int32(1), params)
        dones.append(bool(done))
    assert dones == [False, False, True]
    frozen, r, done = env.step(jax.random.key(0), state, jnp.int32(1), params)
    assert bool(done) and float(r) == 0.0 and np.array_equal(np.asarray(frozen.x), np.asarray(state.x))


# ---------------------------------------------------------------- MLP softmax and the CartPole problem


def test_mlp_softmax_layers_round_trip_and_probabilities():
    pol = pg.MLPSoftmax((4, 8, 2))
    theta = pol.init(jax.random.key(0))
    assert theta.shape == pol.theta_shape == (4 * 8 + 8 + 8 * 2 + 2,)
    want = networks.mlp_init(jax.random.key(0), (4, 8, 2))
    for (W, b), (W2, b2) in zip(pol.layers(theta), want):
        np.testing.assert_array_equal(np.asarray(W), np.asarray(W2))
        np.testing.assert_array_equal(np.asarray(b), np.asarray(b2))
    s = jnp.asarray([0.1, -0.2, 0.03, 0.5])
    logits = np.asarray(networks.mlp(want, s), np.float64)
    ref = logits - np.log(np.exp(logits).sum())
    got = [float(pol.log_prob(theta, s, a)) for a in (0, 1)]
    np.testing.assert_allclose(got, ref, rtol=1e-5)
    draws = jax.vmap(lambda k: pol.sample(theta, s, k))(jax.random.split(jax.random.key(2), 20_000))
    p1, se = float(np.mean(draws)), np.sqrt(np.exp(ref[1]) * np.exp(ref[0]) / 20_000)
    assert abs(p1 - np.exp(ref[1])) < 4 * se


def test_method_runs_on_cartpole_and_is_reproducible():
    pol = pg.MLPSoftmax((4, 8, 2))
    prob = pg.cartpole_problem(pol, gamma=0.95, H=40)
    theta0 = pol.init(jax.random.key(0))
    a = pg.n_harpg(jax.random.key(3), prob, theta0, T=5, gamma_0=0.1)
    b = pg.n_harpg(jax.random.key(3), prob, theta0, T=5, gamma_0=0.1)
    c = pg.n_harpg(jax.random.key(4), prob, theta0, T=5, gamma_0=0.1)
    assert a.thetas.shape == (6, *pol.theta_shape)
    assert np.all(np.isfinite(np.asarray(a.thetas))) and np.all(np.isfinite(np.asarray(a.returns)))
    # a return is sum_{h < len} 0.95^h over an episode of 1..40 steps
    assert np.all(np.asarray(a.returns) >= 1.0 - 1e-6) and np.all(np.asarray(a.returns) <= (1 - 0.95**40) / 0.05 + 1e-4)
    np.testing.assert_array_equal(np.asarray(a.thetas), np.asarray(b.thetas))
    assert not np.array_equal(np.asarray(a.thetas), np.asarray(c.thetas))
    # normalised steps: |theta_{t+1} - theta_t| = gamma_t = 0.1/(t+1) (the paper's form, the default)
    steps = np.linalg.norm(np.diff(np.asarray(a.thetas, np.float64), axis=0), axis=1)
    np.testing.assert_allclose(steps, 0.1 / (np.arange(5) + 1), rtol=1e-4)


def test_mlp_softmax_takes_its_layers_as_a_pytree():
    """MLPSoftmax with theta = [(W, b), ...]: N-HARPG (gradient and HVP through the pytree) runs on CartPole as on the
    flat theta (same key, same run; the flat run is the one above), and every step has length gamma_t over all
    layers together."""
    pol = pg.MLPSoftmax((4, 8, 2))
    prob = pg.cartpole_problem(pol, gamma=0.95, H=40)
    a = pg.n_harpg(jax.random.key(3), prob, pol.init(jax.random.key(0)), T=5, gamma_0=0.1)
    tree0 = pol.init_tree(jax.random.key(0))
    b = pg.n_harpg(jax.random.key(3), prob, tree0, T=5, gamma_0=0.1)
    assert jax.tree_util.tree_structure(b.thetas) == jax.tree_util.tree_structure(tree0)
    flat_b = jax.vmap(lambda tr: ravel_pytree(tr)[0])(b.thetas)
    np.testing.assert_allclose(flat_b, a.thetas, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(np.diff(np.asarray(flat_b, np.float64), axis=0), axis=1),
                               [pg.schedule("n-harpg", t, 0.1)[0] for t in range(5)], rtol=1e-4)
    with pytest.raises(ValueError, match="theta0 must hold 58 parameters"):
        pg.n_harpg(jax.random.key(1), prob, tree0[:1], T=2, gamma_0=0.1)
    with pytest.raises(TypeError, match="theta0 leaf 1 must be a real array"):
        pg.n_harpg(jax.random.key(1), prob, [(tree0[0][0], "b")], T=2, gamma_0=0.1)


def test_cartpole_bad_input():
    with pytest.raises(TypeError, match="policy"):
        pg.cartpole_problem(pg.LinearGaussian())
    with pytest.raises(ValueError, match="policy"):
        pg.cartpole_problem(pg.MLPSoftmax((3, 8, 2)))
    with pytest.raises(TypeError, match="H"):
        pg.cartpole_problem(H=2.5)
    with pytest.raises(ValueError, match="gamma"):
        pg.cartpole_problem(gamma=1.0)
    with pytest.raises(TypeError, match="params"):
        pg.cartpole_problem(params={"gravity": 9.8})
    with pytest.raises(ValueError, match="params.gravity"):
        pg.cartpole_problem(params=pg.CartPoleParams(gravity=-1.0))
    with pytest.raises(TypeError, match="sizes"):
        pg.MLPSoftmax([4, 2])
    with pytest.raises(TypeError, match=r"sizes\[1\]"):
        pg.MLPSoftmax((4, 2.5))
    with pytest.raises(ValueError, match="theta0"):
        pg.vanilla_pg(jax.random.key(0), pg.cartpole_problem(pg.MLPSoftmax((4, 2))), np.zeros(3), T=2, gamma_0=0.1)


# ---------------------------------------------------------------- linear systems

A = np.array([[1.0, 0.1], [0.0, 1.0]])
B = np.array([[0.0], [0.1]])
GAIN = np.array([[-1.0], [-1.5]])  # u = x @ GAIN: closed loop A + B GAIN^T has spectral radius < 1


def test_stable_gain():
    assert np.max(np.abs(np.linalg.eigvals(A + B @ GAIN.T))) < 1


@pytest.mark.parametrize("reward", ["quadratic", "bounded"])
def test_linear_system_shapes_rewards_and_reproducibility(reward):
    params = pg.linear_params(A, B, noise_std=0.1, init_std=1.0)
    env = pg.LinearSystem(reward)
    state = env.reset(jax.random.key(0), params)
    assert state.x.shape == (2,)
    u = jnp.asarray([0.3], jnp.float32)
    nxt, r, done = env.step(jax.random.key(1), state, u, params)
    again, r2, _ = env.step(jax.random.key(1), state, u, params)
    assert nxt.x.shape == (2,) and r.shape == () and not bool(done)
    np.testing.assert_array_equal(np.asarray(nxt.x), np.asarray(again.x))
    x = np.asarray(state.x, np.float64)
    cost = x @ x + 0.09
    np.testing.assert_allclose(float(r), -cost if reward == "quadratic" else np.exp(-cost), rtol=1e-5)
    # the noise enters as noise_std * N(0, I): the mean of x' is A x + B u
    nxts = jax.vmap(lambda k: env.step(k, state, u, params)[0].x)(jax.random.split(jax.random.key(2), 20_000))
    mean = A @ x + B @ np.array([0.3])
    assert np.all(np.abs(np.asarray(nxts, np.float64).mean(axis=0) - mean) < 4 * 0.1 / np.sqrt(20_000))
    prob = pg.linear_problem(params, pg.LinearGaussian(0.5), reward=reward, gamma=0.9, H=20)
    assert prob.theta_shape == (2, 1)
    t1 = pg.rollout(jax.random.key(5), prob, jnp.asarray(GAIN, jnp.float32))
    t2 = pg.rollout(jax.random.key(5), prob, jnp.asarray(GAIN, jnp.float32))
    assert t1.obs.shape == (20, 2) and t1.actions.shape == (20, 1)
    np.testing.assert_array_equal(np.asarray(t1.rewards), np.asarray(t2.rewards))
    if reward == "bounded":
        assert np.all((np.asarray(t1.rewards) > 0) & (np.asarray(t1.rewards) <= 1))


def test_lqr_value_matches_monte_carlo():
    """Exact J of the gain (Lyapunov, infinite sum) vs the mean discounted return of N truncated trajectories:
    |mean - J| <= 4 standard errors (level ~6e-5) + the truncation |J - J_H| (computed, ~1e-8 here); power: the
    value of another gain is rejected by the same test."""
    sigma, gamma, H, N = 0.5, 0.9, 150, 20_000
    params = pg.linear_params(A, B, noise_std=0.1, init_std=1.0)
    prob = pg.linear_problem(params, pg.LinearGaussian(sigma), gamma=gamma, H=H)
    J = pg.lqr_value(GAIN, params, sigma, gamma)
    J_H = pg.lqr_value(GAIN, params, sigma, gamma, H=H)
    np.testing.assert_allclose(pg.lqr_value(GAIN, params, sigma, gamma, H=2000), J, rtol=1e-10)
    bias = abs(J - J_H)
    assert bias < 1e-4 * abs(J)
    rets = jax.vmap(lambda k: prob.gradient(k, jnp.asarray(GAIN, jnp.float32))[1])(
        jax.random.split(jax.random.key(0), N))
    rets = np.asarray(rets, np.float64)
    mean, se = rets.mean(), rets.std(ddof=1) / np.sqrt(N)
    assert abs(mean - J) <= 4 * se + bias, (mean, J, se)
    other = pg.lqr_value(GAIN * 0.5, params, sigma, gamma)
    assert abs(mean - other) > 4 * se + bias


def test_linear_bad_input():
    with pytest.raises(ValueError, match="A must be square"):
        pg.linear_params(np.ones((2, 3)), B)
    with pytest.raises(ValueError, match="B must have 2 rows"):
        pg.linear_params(A, np.ones((3, 1)))
    with pytest.raises(TypeError, match="A"):
        pg.linear_params("A", B)
    with pytest.raises(ValueError, match="Q must be symmetric"):
        pg.linear_params(A, B, Q=np.array([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="R must have shape"):
        pg.linear_params(A, B, R=np.eye(2))
    with pytest.raises(ValueError, match="noise_std"):
        pg.linear_params(A, B, noise_std=-0.1)
    with pytest.raises(TypeError, match="init_std"):
        pg.linear_params(A, B, init_std="1")
    with pytest.raises(ValueError, match="reward"):
        pg.LinearSystem("cubic")
    params = pg.linear_params(A, B)
    with pytest.raises(TypeError, match="params"):
        pg.linear_problem((A, B))
    with pytest.raises(TypeError, match="policy"):
        pg.linear_problem(params, pg.Softmax())
    with pytest.raises(ValueError, match="theta must make"):
        pg.lqr_value(np.array([[5.0], [5.0]]), params, 0.5, 0.9)
    with pytest.raises(ValueError, match="theta must have shape"):
        pg.lqr_value(np.zeros((1, 2)), params, 0.5, 0.9)
    with pytest.raises(TypeError, match="H"):
        pg.lqr_value(GAIN, params, 0.5, 0.9, H=2.5)


def test_bounded_linear_value_matches_monte_carlo_and_a_slow_reference():
    """Exact J_H of the bounded-reward system (the Gaussian determinant formula) against (1) a slow reference, the
    per-step expectation E exp(-z^T K z) by 2-d Gauss-Hermite quadrature over x_h plus the exact u-integral, and
    (2) the mean discounted return of N trajectories: within 4 standard errors; another gain is rejected."""
    sigma, gamma, H, N = 0.5, 0.9, 40, 20_000
    params = pg.linear_params(A, B, noise_std=0.1, init_std=1.0)
    J = pg.bounded_linear_value(GAIN, params, sigma, gamma, H)
    # slow reference: x ~ N(0, S_h) by Gauss-Hermite; E_u exp(-r u^2) with u ~ N(k, s^2) is exp(-r k^2/(1+2 r s^2))
    # / sqrt(1 + 2 r s^2) (R = 1, one input)
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)  # 40 nodes leave ~1e-8: not converged
    A64, B64 = np.asarray(params.A, np.float64), np.asarray(params.B, np.float64)  # the params' float32 values
    M = A64 + B64 @ GAIN.T
    W = float(params.noise_std) ** 2 * np.eye(2) + sigma**2 * B64 @ B64.T
    S, ref = np.eye(2), 0.0
    for h in range(H):
        L = np.linalg.cholesky(S)
        e = np.stack(np.meshgrid(nodes, nodes, indexing="ij"), -1).reshape(-1, 2)
        w = np.outer(weights, weights).ravel() / (2 * np.pi)
        x = e @ L.T
        k = x @ GAIN[:, 0]
        f = np.exp(-np.sum(x * x, axis=1)) * np.exp(-k**2 / (1 + 2 * sigma**2)) / np.sqrt(1 + 2 * sigma**2)
        ref += gamma**h * np.sum(w * f)
        S = M @ S @ M.T + W
    assert J == pytest.approx(ref, rel=1e-9)
    prob = pg.linear_problem(params, pg.LinearGaussian(sigma), reward="bounded", gamma=gamma, H=H)
    rets = np.asarray(jax.vmap(lambda k: prob.gradient(k, jnp.asarray(GAIN, jnp.float32))[1])(
        jax.random.split(jax.random.key(0), N)), np.float64)
    mean, se = rets.mean(), rets.std(ddof=1) / np.sqrt(N)
    assert abs(mean - J) <= 4 * se, (mean, J, se)
    assert abs(mean - pg.bounded_linear_value(GAIN * 0.5, params, sigma, gamma, H)) > 4 * se
    with pytest.raises(TypeError, match="H"):
        pg.bounded_linear_value(GAIN, params, sigma, gamma, 2.5)
    with pytest.raises(ValueError, match="theta must have shape"):
        pg.bounded_linear_value(np.zeros((1, 2)), params, sigma, gamma, H)
