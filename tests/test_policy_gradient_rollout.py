"""The early-stopping rollout of tabular.policy_gradient against slow, obvious references
and the estimates on its trajectories against slow, obvious references on the same keys: a Python loop over all
``H`` steps (masked after the episode ends, as a full-length scan) and the estimators as ``jax.grad`` / ``jax.jvp``
of the whole-trajectory surrogate. Same key, same trajectory (its live steps
exactly: actions, rewards, mask; the observations to float32 rounding, the reference running op by op), same
estimates to float32 rounding; against the one-chunk rollout (a plain scan over all H steps), bit for bit."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from boundlab import tabular
from boundlab.tabular import policy_gradient as pg

RTOL, ATOL = 2e-5, 2e-5  # float32: the reference runs op by op, its observations round differently


def _full_rollout(key, problem, theta) -> pg.Trajectory:
    """All ``H`` steps, one Python iteration each, rewards and mask zeroed once the episode has ended."""
    env, params, policy = problem.env, problem.params, problem.policy
    k0, key = jax.random.split(key)
    state, alive, out = env.reset(k0, params), True, []
    for k in jax.random.split(key, problem.H):
        k_act, k_step = jax.random.split(k)
        s = env.observe(state, params)
        a = policy.sample(theta, s, k_act)
        state, r, done = env.step(k_step, state, a, params)
        out.append((s, a, r if alive else jnp.zeros_like(r), jnp.asarray(float(alive), r.dtype)))
        alive = alive and not bool(done)
    return pg.Trajectory(*(jnp.stack(x) for x in zip(*out)))


def _reference(key, problem, theta, v):
    """``(g, B v, discounted return)`` from the full-length trajectory and the whole surrogate."""
    tau = _full_rollout(key, problem, theta)
    g = jax.grad(pg.surrogate)(theta, tau, problem)
    log_p = lambda th: jnp.sum(jax.vmap(problem.policy.log_prob, in_axes=(None, 0, 0))(th, tau.obs, tau.actions)
                               * tau.mask)
    hess_v = jax.jvp(lambda th: jax.grad(pg.surrogate)(th, tau, problem), (theta,), (v,))[1]
    score_v = jax.jvp(log_p, (theta,), (v,))[1]
    ret = jnp.sum(problem.gamma ** jnp.arange(problem.H) * tau.rewards)
    return tau, g, hess_v + g * score_v, ret


def _problems():
    policy = pg.MLPSoftmax((4, 8, 2))
    theta = policy.init(jax.random.PRNGKey(3))
    yield "cartpole, random start (short episodes)", pg.cartpole_problem(policy, gamma=0.99, H=60), theta
    model = tabular.dirichlet_mdp(S=3, A=2, gamma=0.8, seed=1)
    theta = jnp.asarray(np.random.default_rng(0).normal(size=(3, 2)), jnp.float32)
    yield "tabular, H = 21 (no early end, a partial last chunk)", pg.tabular_problem(model, H=21), theta


@pytest.mark.parametrize("name, problem, theta", list(_problems()), ids=lambda x: x if isinstance(x, str) else "")
def test_early_stopping_rollout_and_estimates_equal_the_full_length_ones(name, problem, theta):
    keys = jax.random.split(jax.random.PRNGKey(11), 6)
    v = jnp.asarray(np.random.default_rng(1).normal(size=np.shape(theta)), jnp.float32)
    # under vmap the lanes' episodes end at different steps: each lane must still get its own trajectory
    taus = jax.jit(jax.vmap(lambda k: pg.rollout(k, problem, theta)))(keys)
    gs, rets = jax.jit(jax.vmap(lambda k: problem.gradient(k, theta)))(keys)
    bvs = jax.jit(jax.vmap(lambda k: problem.hvp(k, theta, v)))(keys)
    lengths = []
    for i, k in enumerate(keys):
        tau, g, bv, ret = _reference(k, problem, theta, v)
        live = np.asarray(tau.mask) > 0
        lengths.append(int(live.sum()))
        np.testing.assert_array_equal(taus.mask[i], tau.mask)
        np.testing.assert_array_equal(taus.rewards[i], tau.rewards)
        np.testing.assert_allclose(taus.obs[i][live], tau.obs[live], rtol=1e-5, atol=1e-6)  # jit vs op by op
        np.testing.assert_array_equal(taus.actions[i][live], tau.actions[live])
        np.testing.assert_allclose(gs[i], g, rtol=RTOL, atol=ATOL * float(jnp.max(jnp.abs(g))))
        np.testing.assert_allclose(bvs[i], bv, rtol=RTOL, atol=ATOL * float(jnp.max(jnp.abs(bv))))
        np.testing.assert_allclose(rets[i], ret, rtol=1e-6)
    if name.startswith("cartpole"):
        assert min(lengths) < max(lengths) < problem.H  # the lanes ended early, at different steps


def test_chunk_size_does_not_change_the_trajectory_or_the_estimates():
    """Same key, any chunk size (``chunk = H``: one plain scan over all H steps, masked after the end): the same
    live steps, and the same estimates bit for bit (the estimators weigh the steps not taken by a zero mask)."""
    policy = pg.MLPSoftmax((4, 8, 2))
    problem, theta = pg.cartpole_problem(policy, gamma=0.99, H=60), policy.init(jax.random.PRNGKey(3))
    v = jnp.ones(policy.theta_shape, jnp.float32)

    @functools.partial(jax.jit, static_argnums=1)
    def estimates(key, chunk_is_h):
        tau = pg.rollout(key, problem, theta, chunk=60 if chunk_is_h else None)
        return tau, pg.gradient(theta, tau, problem), pg.hvp(theta, v, tau, problem)

    for key in jax.random.split(jax.random.PRNGKey(4), 3):
        (full, g_full, bv_full), (short, g, bv) = estimates(key, True), estimates(key, False)
        live = np.asarray(full.mask) > 0
        assert live.sum() < problem.H  # the episode ended early
        np.testing.assert_array_equal(short.mask, full.mask)
        np.testing.assert_array_equal(short.rewards, full.rewards)
        np.testing.assert_array_equal(short.obs[live], full.obs[live])
        np.testing.assert_array_equal(short.actions[live], full.actions[live])
        np.testing.assert_array_equal(g, g_full)
        np.testing.assert_array_equal(bv, bv_full)
    for chunk in (1, 7, 16):
        other = pg.rollout(jax.random.PRNGKey(4), problem, theta, chunk=chunk)
        ref = pg.rollout(jax.random.PRNGKey(4), problem, theta, chunk=60)
        np.testing.assert_array_equal(other.mask, ref.mask)
        np.testing.assert_array_equal(other.rewards, ref.rewards)


def test_rollout_refuses_a_bad_chunk():
    policy = pg.MLPSoftmax((4, 8, 2))
    problem, theta = pg.cartpole_problem(policy, H=10), policy.init(jax.random.PRNGKey(0))
    for bad, err in ((0, ValueError), (2.5, TypeError), ("4", TypeError)):
        with pytest.raises(err, match="chunk"):
            pg.rollout(jax.random.PRNGKey(0), problem, theta, chunk=bad)
