"""tabular.pomdp_jax: reproducible under a key, jit-able, states independent of O under one key (and equal to the
MDP simulator's), empirical transition and (state, observation) frequencies within 5 sigma of P and O, done."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse as sp

from boundlab import tabular
from boundlab.tabular import jax_env, pomdp_jax


def random_pomdp(seed, S=4, A=3, n_obs=3):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.7), size=(S, A))
    O = rng.dirichlet(np.full(n_obs, 0.7), size=(A, S))
    return tabular.POMDP(P, O, rng.normal(size=(S, A)), initial=rng.dirichlet(np.ones(S)), gamma=0.9)


def steps(params, s, a, keys):
    state = pomdp_jax.POMDPEnvState(jnp.int32(s), jnp.int32(0))
    return jax.jit(jax.vmap(pomdp_jax.step, in_axes=(0, None, None, None)))(keys, state, a, params)


def within_5_sigma(counts, p, n):
    sigma = np.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) <= 5 * sigma + 1e-9), (counts, n * p)


@pytest.mark.parametrize("model", [tabular.tiger(), random_pomdp(0), random_pomdp(1, S=3, A=2, n_obs=4)],
                         ids=["tiger", "random0", "random1"])
def test_transition_and_observation_frequencies_match_P_and_O(model):
    params = pomdp_jax.params_from_model(model)
    n = 40_000
    keys = jax.random.split(jax.random.key(7), n)
    for s in range(model.S):
        for a in range(model.A):
            obs, nxt, reward, done = steps(params, s, a, keys)
            joint = np.zeros((model.S, model.n_obs))
            np.add.at(joint, (np.asarray(nxt.s), np.asarray(obs)), 1)
            within_5_sigma(joint.sum(1), model.P[s, a], n)
            within_5_sigma(joint, model.P[s, a][:, None] * model.O[a], n)
            np.testing.assert_allclose(np.asarray(reward), model.R[s, a], rtol=1e-6)
            assert np.all(np.asarray(nxt.h) == 1) and not np.asarray(done).any()
    s0 = jax.vmap(pomdp_jax.reset, in_axes=(0, None))(keys, params).s
    within_5_sigma(np.bincount(np.asarray(s0), minlength=model.S), model.initial, n)


def test_reproducible_under_a_key_and_jit_equals_eager():
    params = pomdp_jax.params_from_model(random_pomdp(2))
    key = jax.random.key(3)
    state = pomdp_jax.reset(key, params)
    eager = pomdp_jax.step(key, state, 1, params)
    again = pomdp_jax.step(key, state, 1, params)
    jitted = jax.jit(pomdp_jax.step)(key, state, 1, params)
    for x, y, z in zip(jax.tree.leaves(eager), jax.tree.leaves(again), jax.tree.leaves(jitted)):
        assert np.array_equal(x, y) and np.array_equal(x, z)
    outs = {int(pomdp_jax.step(k, state, 1, params)[1].s) for k in jax.random.split(key, 50)}
    assert len(outs) > 1  # different keys, different draws


def test_states_under_one_key_do_not_depend_on_O_and_equal_the_mdp_simulator():
    a, b = random_pomdp(4), random_pomdp(5)
    twin = tabular.POMDP(a.P, b.O, a.R, gamma=0.9, initial=a.initial)
    pa, pt = pomdp_jax.params_from_model(a), pomdp_jax.params_from_model(twin)
    mdp_model = tabular.FiniteMDP(a.P, np.zeros_like(a.R), gamma=0.9, initial=a.initial)
    mdp = jax_env.params_from_model(mdp_model, horizon=10)
    keys = jax.random.split(jax.random.key(11), 2000)
    for s in range(a.S):
        st = pomdp_jax.POMDPEnvState(jnp.int32(s), jnp.int32(0))
        o1, n1, _, _ = jax.vmap(pomdp_jax.step, in_axes=(0, None, None, None))(keys, st, 2, pa)
        o2, n2, _, _ = jax.vmap(pomdp_jax.step, in_axes=(0, None, None, None))(keys, st, 2, pt)
        m, _, _ = jax.vmap(jax_env.step, in_axes=(0, None, None, None))(keys, jax_env.EnvState(st.s, st.h), 2, mdp)
        assert np.array_equal(n1.s, n2.s) and np.array_equal(n1.s, m.s)
        assert not np.array_equal(o1, o2)  # the observations do follow O


def test_done_at_terminal_and_at_horizon():
    rs = tabular.rocksample(2, 1, rock_positions=[[0, 0]])
    params = pomdp_jax.params_from_model(rs)
    assert params.horizon is None
    key = jax.random.key(0)
    east = pomdp_jax.POMDPEnvState(jnp.int32(1 * 2 + 0), jnp.int32(0))  # cell (1, 0), rock bad
    obs, nxt, reward, done = pomdp_jax.step(key, east, 2, params)
    assert int(nxt.s) == rs.terminal[0] and bool(done) and float(reward) == 10.0 and int(obs) == 0
    obs, nxt, reward, done = pomdp_jax.step(key, east, 0, params)  # north: a plain move
    assert not bool(done) and float(reward) == 0.0
    fh = pomdp_jax.params_from_model(tabular.tiger(H=2))
    assert fh.horizon == 2
    st = pomdp_jax.reset(key, fh)
    _, st, _, d1 = pomdp_jax.step(key, st, 0, fh)
    _, st, _, d2 = pomdp_jax.step(key, st, 0, fh)
    assert not bool(d1) and bool(d2)
    assert pomdp_jax.params_from_model(tabular.tiger(), horizon=3).horizon == 3


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="model"):
        pomdp_jax.params_from_model(tabular.FiniteMDP(np.ones((1, 1, 1)), np.zeros((1, 1)), gamma=0.5))
    with pytest.raises(ValueError, match="horizon"):
        pomdp_jax.params_from_model(tabular.tiger(), horizon=0)
    with pytest.raises(TypeError, match="horizon"):
        pomdp_jax.params_from_model(tabular.tiger(), horizon=2.0)


def test_sparse_model_steps_exactly_as_its_dense_twin():
    """A model stored sparse (padded supports) draws the same states and observations under one key as the same
    model stored dense; the padded supports and cumulative sums give back P."""
    rng = np.random.default_rng(8)
    S, A = 6, 3
    P = rng.dirichlet(np.full(S, 0.4), size=(S, A))
    P[P < 0.1] = 0.0
    P /= P.sum(-1, keepdims=True)
    O = rng.dirichlet(np.ones(3), size=(A, S))
    dense = tabular.POMDP(P, O, rng.normal(size=(S, A)), gamma=0.9)
    sparse = tabular.POMDP(sp.csr_matrix(P.reshape(S * A, S)), O, dense.R, gamma=0.9)
    pd, ps = pomdp_jax.params_from_model(dense), pomdp_jax.params_from_model(sparse)
    K = int(np.count_nonzero(P, axis=-1).max())
    assert ps.cdf_P.shape == (S, A, K) and ps.next_P.shape == (S, A, K)
    rebuilt = np.zeros((S, A, S))
    probs = np.diff(np.asarray(ps.cdf_P, np.float64), axis=-1, prepend=0.0)
    for s, a, k in np.ndindex(S, A, K):
        rebuilt[s, a, int(ps.next_P[s, a, k])] += probs[s, a, k]
    np.testing.assert_allclose(rebuilt, P, atol=1e-6)
    keys = jax.random.split(jax.random.key(5), 3000)
    s, a = (x.ravel() for x in np.meshgrid(np.arange(S), np.arange(A), indexing="ij"))
    state = pomdp_jax.POMDPEnvState(jnp.asarray(s, jnp.int32), jnp.zeros(s.size, jnp.int32))
    every = jax.jit(jax.vmap(jax.vmap(pomdp_jax.step, in_axes=(0, None, None, None)), in_axes=(None, 0, 0, None)))
    od, nd, _, _ = every(keys, state, jnp.asarray(a), pd)  # [(s, a), key]
    os_, ns, _, _ = every(keys, state, jnp.asarray(a), ps)
    assert np.array_equal(nd.s, ns.s) and np.array_equal(od, os_)
    assert len(np.unique(np.asarray(ns.s))) == S  # the draws do move around


def test_rocksample_7_8_params_are_small():
    params = pomdp_jax.params_from_model(tabular.rocksample(7, 8))
    assert params.next_P.shape == (12545, 13, 1) and params.cdf_P.shape == (12545, 13, 1)
    state = pomdp_jax.POMDPEnvState(jnp.int32((3 * 7 + 6) * 256 + 5), jnp.int32(0))  # cell (6, 3): east exits
    obs, nxt, reward, done = pomdp_jax.step(jax.random.key(0), state, 2, params)
    assert int(nxt.s) == 12544 and bool(done) and float(reward) == 10.0
