"""SubPO (tabular/learners/subpo.py), its grid worlds (tabular/submodular_envs.py) and its harness kind
(bounds/submodular.py): the paper's estimator is unbiased for grad E[F(tau)] by exact enumeration, the code's is not;
env steps against a plain reference; greedy takes the largest marginal gain; reproducibility; bad input."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from boundlab.bounds.submodular import SUBMODULAR_ALGORITHMS, measure_subpo, submodular_method
from boundlab.tabular.learners.subpo import (
    estimator_weights,
    greedy_gain,
    make_agent,
    rollout,
    subpo,
    subpo_m,
    surrogate,
)
from boundlab.tabular.submodular import GPInformation, WeightedCoverage, gp_kernel, grid_footprint
from boundlab.tabular.submodular_envs import MOVES, SubmodularGrid, make_domain, two_rooms_walls


def _tiny(F_kind, slip):
    rows, cols, H = 2, 3, 3
    if F_kind == "coverage":
        F = WeightedCoverage(grid_footprint(rows, cols, "cross"), np.array([1.0, 2.0, 0.5, 3.0, 0.2, 4.0]))
    else:
        r, c = np.divmod(np.arange(6), 3)
        F = GPInformation(gp_kernel(np.stack([r, c], 1) * 0.7, 1.0), noise=0.3)
    return SubmodularGrid(rows, cols, F, H, start=0, slip=slip)


def _enumerate(env):
    """Every (chosen actions, executed actions) pair: states [N, H+1], chosen [N, H], log q(executed | chosen)."""
    nxt = np.asarray(env.params.nxt)
    H, slip = env.H, env.slip
    chosen, states, logq = [], [], []
    for a in itertools.product(range(5), repeat=H):
        for b in itertools.product(range(5), repeat=H):
            q = np.prod([(1 - slip) * (ai == bi) + slip / 5 for ai, bi in zip(a, b)])
            if q == 0:
                continue
            s = [env.start]
            for bi in b:
                s.append(nxt[s[-1], bi])
            chosen.append(a), states.append(s), logq.append(np.log(q))
    return np.array(states), np.array(chosen), np.array(logq)


def _log_pi(theta, states, chosen, S):
    """float64 log pi(a_k | h = k, s_k) of the tabular softmax, summed over k."""
    z = theta - theta.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    H = chosen.shape[1]
    return sum(logp[k * S + states[:, k], chosen[:, k]] for k in range(H))


@pytest.mark.parametrize("F_kind, slip", [("coverage", 0.0), ("coverage", 0.3), ("gp", 0.2)])
def test_paper_estimator_is_exact_gradient_and_code_is_not(F_kind, slip):
    env = _tiny(F_kind, slip)
    states, chosen, logq = _enumerate(env)
    values = np.array([env.F(s) for s in states])
    theta = np.random.default_rng(1).normal(size=(env.H * env.S, 5))

    def J(th):
        return float(np.sum(np.exp(_log_pi(th, states, chosen, env.S) + logq) * values))

    eps = 1e-5
    fd = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[i] = eps
        fd[i] = (J(theta + e) - J(theta - e)) / (2 * eps)

    agent = make_agent(env, "M", "tabular")
    p = np.exp(_log_pi(theta, states, chosen, env.S) + logq)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    obs = jnp.asarray(np.arange(env.H) * env.S + states[:, :-1], jnp.int32)
    N = len(p)

    def expected(estimator):
        w = estimator_weights(jnp.asarray(states, jnp.int32), env.F, estimator, baseline="none")
        w = w * jnp.asarray(p * N, jnp.float32)[:, None]             # surrogate's batch mean -> sum_tau p(tau) g(tau)
        return np.asarray(jax.grad(surrogate)(jnp.asarray(theta, jnp.float32), agent, obs, jnp.asarray(chosen), w))

    paper, code = expected("paper"), expected("code")
    scale = np.abs(fd).max()
    assert scale > 0.05
    np.testing.assert_allclose(paper, fd, atol=2e-4 * max(1.0, scale))
    assert np.abs(code - fd).max() > 20 * 2e-4 * max(1.0, scale)    # the code's weighting: 20x off the tolerance


def _scores(theta, states, chosen, S):
    """psi[tau] = grad_theta log pi(tau) of the tabular softmax (float64, flattened)."""
    pi = np.exp(theta - theta.max(-1, keepdims=True))
    pi /= pi.sum(-1, keepdims=True)
    psi = np.zeros((len(states), *theta.shape))
    for k in range(chosen.shape[1]):
        rows = k * S + states[:, k]
        psi[np.arange(len(states)), rows] -= pi[rows]
        psi[np.arange(len(states)), rows, chosen[:, k]] += 1.0
    return psi.reshape(len(states), -1)


@pytest.mark.parametrize("F_kind, slip", [("coverage", 0.0), ("gp", 0.3)])
def test_natural_direction_is_pinv_fisher_times_gradient(F_kind, slip):
    """The natural-PG SubPO-M step (our reconstruction): natural_direction(theta, grad J, d) = F^+ grad J with the
    Fisher matrix F = E[psi psi^T] and grad J computed exactly by enumerating every trajectory (grad J by finite
    differences of J), d_h(s) the exact visit probabilities; and the learner's step on a sampled batch is F_hat^+
    g_hat with F_hat the block Fisher at the batch's visit frequencies."""
    from boundlab.tabular.learners.subpo import _sample, natural_direction

    env = _tiny(F_kind, slip)
    states, chosen, logq = _enumerate(env)
    values = np.array([env.F(s) for s in states])
    theta = np.random.default_rng(2).normal(size=(env.H * env.S, 5))
    p = np.exp(_log_pi(theta, states, chosen, env.S) + logq)

    def J(th):
        return float(np.sum(np.exp(_log_pi(th, states, chosen, env.S) + logq) * values))

    eps = 1e-5
    grad = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[i] = eps
        grad[i] = (J(theta + e) - J(theta - e)) / (2 * eps)
    psi = _scores(theta, states, chosen, env.S)
    fisher = (psi * p[:, None]).T @ psi                                   # E[psi psi^T], not assumed block diagonal
    ref = np.linalg.pinv(fisher, rcond=1e-10, hermitian=True) @ grad.reshape(-1)
    d = np.zeros(env.H * env.S)
    for k in range(env.H):
        np.add.at(d, k * env.S + states[:, k], p)
    ours = np.asarray(natural_direction(jnp.asarray(theta), jnp.asarray(grad), jnp.asarray(d)), np.float64)
    assert np.abs(ref).max() > 0.1 and (d == 0).any()                     # unreachable (h, s) blocks are zero
    np.testing.assert_allclose(ours.reshape(-1), ref, atol=1e-6 * np.abs(ref).max())
    assert not np.allclose(ours / np.abs(ours).max(), grad / np.abs(grad).max(), atol=0.05)  # not the plain gradient

    # the learner's step: F_hat^+ g_hat on one sampled batch
    agent = make_agent(env, "M", "tabular")
    th32 = jnp.asarray(theta, jnp.float32)
    key = jax.random.PRNGKey(4)
    g_hat = np.asarray(_sample(th32, key, env, agent, 16, "paper", "loo", False)[0], np.float64)
    step, _, batch_states = _sample(th32, key, env, agent, 16, "paper", "loo", False, natural=True)
    batch_states = np.asarray(batch_states)
    pi = np.exp(np.asarray(th32, np.float64))
    pi /= pi.sum(-1, keepdims=True)                                    # float64, so 1 is exactly F_hat's null vector
    fisher_hat = np.zeros((theta.size, theta.size))
    for k in range(env.H):
        for s in batch_states[:, k]:
            r = slice((k * env.S + s) * 5, (k * env.S + s + 1) * 5)
            q = pi[k * env.S + s]
            fisher_hat[r, r] += (np.diag(q) - np.outer(q, q)) / 16
    ref_hat = np.linalg.pinv(fisher_hat, rcond=1e-10, hermitian=True) @ g_hat.reshape(-1)
    np.testing.assert_allclose(np.asarray(step, np.float64).reshape(-1), ref_hat, atol=1e-4 * np.abs(ref_hat).max())


def test_subpo_m_npg_learns_and_is_registered():
    from boundlab import bounds
    from boundlab.tabular.learners.subpo import subpo_m_npg

    env = make_domain("coverage", "small")
    a = subpo_m_npg(env, 15, [0, 1], batch=64, lr=0.1)
    b = subpo_m_npg(env, 15, 1, batch=64, lr=0.1)
    np.testing.assert_allclose(a[1].objective, b.objective, rtol=1e-6)
    for r in a:
        assert r.objective[-3:].mean() > r.objective[:3].mean() + 2.0              # F(tau) rises
    assert "subpo-m-npg" in bounds.algorithms("submodular")                      # registered by bounds.registry
    fn = bounds.registry.learner("subpo-m-npg")
    assert fn.kind == "submodular" and [p.name for p in fn.params][:2] == ["batch", "lr"]
    df = fn(env, 1, [0], batch=8)
    assert df.epoch.tolist() == [0, 1]
    with pytest.raises(ValueError, match="tabular"):
        subpo(env, 1, natural=True)


def test_modular_weights_are_reward_to_go_of_singletons():
    env = _tiny("coverage", 0.0)
    states = jnp.asarray([[0, 1, 1, 3], [0, 0, 2, 3]], jnp.int32)
    w = np.asarray(estimator_weights(states, env.F, "paper", "none", modular=True))
    single = np.array([[env.F([s]) for s in row[1:]] for row in np.asarray(states)])
    np.testing.assert_allclose(w, np.cumsum(single[:, ::-1], axis=1)[:, ::-1], rtol=1e-6)
    loo = np.asarray(estimator_weights(states, env.F, "paper", "loo"))
    plain = np.asarray(estimator_weights(states, env.F, "paper", "none"))
    np.testing.assert_allclose(loo, plain - plain[::-1], rtol=1e-6)     # B = 2: the other trajectory's weight


def _reference_step(rows, cols, walls, s, a):
    r, c = divmod(s, cols)
    dr, dc = MOVES[a]
    rr, cc = r + dr, c + dc
    if 0 <= rr < rows and 0 <= cc < cols and not (walls is not None and walls[rr, cc]):
        return rr * cols + cc
    return s


@pytest.mark.parametrize("name", ["two-rooms", "items"])
def test_step_matches_plain_reference(name):
    env = make_domain(name, "small")
    rng = np.random.default_rng(0)
    state = env.reset(jax.random.PRNGKey(0), env.params)
    s = env.start
    for h, a in enumerate(rng.integers(0, 5, size=env.H)):
        state, done = env.step(jax.random.PRNGKey(h), state, jnp.int32(a), env.params)
        s = _reference_step(env.rows, env.cols, env.walls, s, a)
        assert int(state.s) == s and int(state.h) == h + 1 and bool(done) == (h + 1 == env.H)
        assert int(state.history[h + 1]) == s
    walls = two_rooms_walls()
    assert walls.sum() == 30 and not walls[2:4].any() and walls[:2, 4:10].all() and not walls[:, :4].any()


def test_slip_replaces_actions_uniformly():
    env = make_domain("coverage", "small", slip=1.0)
    state = env.reset(jax.random.PRNGKey(0), env.params)._replace(s=jnp.int32(14))    # an interior cell
    nxt = jax.vmap(lambda k: env.step(k, state, jnp.int32(0), env.params)[0].s)(jax.random.split(
        jax.random.PRNGKey(3), 5000))
    counts = np.bincount(np.asarray(nxt), minlength=env.S)[[14, 15, 20, 13, 8]]
    assert counts.sum() == 5000 and np.all(np.abs(counts / 5000 - 0.2) < 0.03)   # 5 sigma ~ 0.028


def test_rollout_history_and_reproducibility():
    env = make_domain("gp-information", "small")
    agent = make_agent(env, "NM")
    theta = agent.init(jax.random.PRNGKey(0))
    run = jax.jit(rollout, static_argnums=(1, 2))                              # one compile for both calls
    ro = run(jax.random.PRNGKey(5), env, agent, theta)
    assert ro.states.shape == (env.H + 1,) and int(ro.states[0]) == env.start
    nxt = np.asarray(env.params.nxt)
    assert all(nxt[int(ro.states[k]), int(ro.actions[k])] == int(ro.states[k + 1]) for k in range(env.H))
    # the NM observation at step k is the history up to s_k, padded with -1
    assert np.all(np.asarray(ro.obs[2][3:]) == -1.0) and np.asarray(ro.obs[2][2]) == pytest.approx(
        int(ro.states[2]) / env.S)
    again = run(jax.random.PRNGKey(5), env, agent, theta)
    assert np.array_equal(np.asarray(ro.states), np.asarray(again.states))


def test_greedy_takes_the_largest_marginal_gain():
    env = make_domain("gp-coverage", "small", seed=2)
    run = greedy_gain(env, 0, 0, batch=4)
    nxt = np.asarray(env.params.nxt)
    H = env.H
    # replay one greedy trajectory: every step's successor must have the largest gain among the 5 successors
    states = np.asarray(_greedy_states(jax.random.PRNGKey(0), env))          # the compiled kernel greedy_gain ran
    for row in states:
        for k in range(H):
            gains = [env.F(list(row[: k + 1]) + [nxt[row[k], a]]) - env.F(row[: k + 1]) for a in range(5)]
            assert env.F(row[: k + 2]) - env.F(row[: k + 1]) == pytest.approx(max(gains), rel=1e-5, abs=1e-4)
    assert run.objective.shape == (1, 4)


def _greedy_states(key, env):
    from boundlab.tabular.learners.subpo import _greedy_batch

    return _greedy_batch(key, env, 4)[1]


def test_subpo_learns_and_is_reproducible():
    env = make_domain("coverage", "small")
    a = subpo_m(env, 15, [0, 1], batch=64, lr=0.1, policy="tabular")
    b = subpo_m(env, 15, 0, batch=64, lr=0.1, policy="tabular")
    np.testing.assert_allclose(a[0].objective, b.objective, rtol=1e-6)       # vmapped seeds = one seed alone
    assert not np.array_equal(a[0].objective, a[1].objective)
    for r in a:
        assert r.objective.shape == (16, 64) and r.visits.sum() == 64 * (env.H + 1)
        assert r.objective[-3:].mean() > r.objective[:3].mean() + 2.0             # F(tau) rises
    assert np.all(a[0].trajectories == np.arange(16) * 64)


def test_learners_run_on_a_user_set_function():
    """A user F (a host callback) inside the learners' vmaps: greedy collects 4 distinct cells in H = 3 moves."""
    from boundlab.tabular.submodular import UserSetFunction

    env = SubmodularGrid(2, 3, UserSetFunction(lambda A: float(np.sqrt(len(A))), 6), 3)
    runs = subpo(env, 1, [0, 1], batch=4, policy="tabular")
    assert all(np.all(np.isin(np.round(r.objective ** 2, 4), [1, 2, 3, 4])) for r in runs)
    assert np.all(greedy_gain(env, 0, 0, batch=3).objective == pytest.approx(2.0))


def test_measure_subpo_frame_registry_and_sweep(tmp_path):
    from boundlab import bounds

    env = make_domain("items", "small")
    df = measure_subpo("subpo-nm", env, 2, [3, 4], batch=16)
    assert list(df.columns) == ["seed", "epoch", "trajectories", "objective"]
    assert df.epoch.tolist() == [0, 1, 2] * 2 and df.seed.tolist() == [3] * 3 + [4] * 3
    assert df.trajectories.tolist() == [0, 16, 32] * 2
    assert np.all(df.objective >= 0) and np.all(df.objective <= env.F(range(env.S)))
    assert set(SUBMODULAR_ALGORITHMS) <= set(bounds.algorithms("submodular"))   # registered by bounds.registry
    for name in SUBMODULAR_ALGORITHMS:
        fn = bounds.registry.learner(name)
        assert fn.kind == "submodular" and bounds.registry.kind(name) == "submodular"
        assert [p.name for p in bounds.learner_params(name)] == [p.name for p in submodular_method(name).params]
    assert "estimator" not in [p.name for p in bounds.learner_params("modular-pg")]  # one estimator: F({s})
    df2 = bounds.registry.learner("greedy-gain")(env, 1, [0], batch=8)
    both = bounds.registry.learner("greedy-gain")(env, 1, [0, 1], batch=8)
    assert df2.epoch.tolist() == [0, 1]
    store = tmp_path / "runs.sqlite"
    rows = bounds.sweep("greedy-gain", {"items": env}, [0, 1], 1, params={"greedy-gain": {"batch": 8}}, store=store,
                        progress=False)
    assert len(rows) == 4 and not rows.reused.any()
    np.testing.assert_allclose(rows.objective, both.objective)                     # the direct runs, seed by seed
    np.testing.assert_allclose(rows.objective[:2], df2.objective)                  # seed 0 alone: the same
    again = bounds.sweep("greedy-gain", {"items": env}, [0, 1], 1, params={"greedy-gain": {"batch": 8}}, store=store,
                         progress=False)
    assert again.reused.all() and np.array_equal(again.objective, rows.objective)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: subpo("env", 2), TypeError, "SubmodularGrid"),
    (lambda: subpo(make_domain("coverage", "small"), 2.5), TypeError, "epochs"),
    (lambda: subpo(make_domain("coverage", "small"), 2, batch=1), ValueError, "batch"),
    (lambda: subpo(make_domain("coverage", "small"), 2, lr="0.1"), TypeError, "lr"),
    (lambda: subpo(make_domain("coverage", "small"), 2, lr=-1.0), ValueError, "lr"),
    (lambda: subpo(make_domain("coverage", "small"), 2, estimator="gpomdp"), ValueError, "estimator"),
    (lambda: subpo(make_domain("coverage", "small"), 2, baseline="mean"), ValueError, "baseline"),
    (lambda: subpo(make_domain("coverage", "small"), 2, variant="X"), ValueError, "variant"),
    (lambda: subpo(make_domain("coverage", "small"), 2, variant="NM", policy="tabular"), ValueError, "Markovian"),
    (lambda: subpo(make_domain("coverage", "small"), 2, natural=1, policy="tabular"), TypeError, "natural"),
    (lambda: subpo(make_domain("coverage", "small"), 2, natural=True), ValueError, "policy='tabular'"),
    (lambda: measure_subpo("subpo-m-npg", make_domain("coverage", "small"), 2, lr="0.1"), TypeError, "lr"),
    (lambda: subpo(make_domain("coverage", "small"), 2, seed=1.5), TypeError, "seed"),
    (lambda: subpo(make_domain("coverage", "small"), 2, progress=1), TypeError, "progress"),
    (lambda: subpo(make_domain("coverage", "small"), 2, hidden=[64]), TypeError, "hidden"),
    (lambda: measure_subpo("ucbvi-ch", make_domain("coverage", "small"), 2), ValueError, "measure_regret"),
    (lambda: measure_subpo("subpo-m", "grid", 2), TypeError, "SubmodularGrid"),
    (lambda: measure_subpo("subpo-m", make_domain("coverage", "small"), 2, [0, 0]), ValueError, "repeat"),
    (lambda: measure_subpo("subpo-m", make_domain("coverage", "small"), 2, [0.5]), TypeError, "seeds\\[0\\]"),
    (lambda: estimator_weights(jnp.zeros((2, 4), jnp.int32), make_domain("coverage", "small").F, "gpomdp"),
     ValueError, "estimator"),
    (lambda: estimator_weights(jnp.zeros((2, 4), jnp.int32), make_domain("coverage", "small").F, "paper", None),
     ValueError, "baseline"),
    (lambda: make_domain("maze"), ValueError, "name"),
    (lambda: subpo(make_domain("coverage", "small"), 2, seed=-1), ValueError, r"seed must lie in \[0, 2\*\*32\)"),
    (lambda: subpo(make_domain("coverage", "small"), 2, seed=[0, 2**32]), ValueError, "seed must lie in"),  # aliases 0
    (lambda: subpo(make_domain("coverage", "small"), 2, seed=[1, 1]), ValueError, "seed must not repeat"),
    (lambda: greedy_gain(make_domain("coverage", "small"), 2, seed=-3), ValueError, "seed"),
    (lambda: subpo(make_domain("coverage", "small"), 2, policy="tabular", hidden=(8,)), ValueError, "hidden"),
    (lambda: SubmodularGrid(2, 2, WeightedCoverage(np.eye(4, dtype=bool), np.ones(4)), 3, name=3), TypeError,
     "name must be a string"),
    (lambda: make_domain("coverage", "huge"), ValueError, "size"),
    (lambda: make_domain("gp-coverage", "small", weights="density"), ValueError, "size='paper'"),
    (lambda: make_domain("gp-coverage", "small", weights="map"), ValueError, "weights must be 'gp' or 'density'"),
    (lambda: make_domain("gp-coverage", "small", weights=1), TypeError, "weights must be"),
    (lambda: make_domain("items", "small", weights="density"), ValueError, "weights applies to 'gp-coverage' only"),
    (lambda: make_domain("coverage", "small", weights="gp"), ValueError, "weights applies to 'gp-coverage' only"),
    (lambda: subpo(make_domain("coverage", "small"), 2, variant="modular", estimator="code"), ValueError,
     "estimator='code' applies to SubPO-M/NM"),
    (lambda: measure_subpo("modular-pg", make_domain("coverage", "small"), 2, estimator="code"), ValueError,
     "estimator='code'"),
    (lambda: estimator_weights(jnp.zeros((2, 4), jnp.int32), make_domain("coverage", "small").F, "code",
                               modular=True), ValueError, "estimator='code'"),
    (lambda: make_domain("coverage", "small", slip=1.5), ValueError, "slip"),
    (lambda: SubmodularGrid(2, 2, WeightedCoverage(np.eye(3, dtype=bool), np.ones(3)), 3), ValueError, "3 states"),
    (lambda: SubmodularGrid(2, 2, lambda A: 0.0, 3), TypeError, "set function"),
    (lambda: SubmodularGrid(2, 2, WeightedCoverage(np.eye(4, dtype=bool), np.ones(4)), 3, start=4), ValueError,
     "start"),
    (lambda: SubmodularGrid(2, 2, WeightedCoverage(np.eye(4, dtype=bool), np.ones(4)), 3,
                            walls=np.eye(2, dtype=bool)), ValueError, "wall"),
    (lambda: SubmodularGrid(2, 2, WeightedCoverage(np.eye(4, dtype=bool), np.ones(4)), 3, start=1,
                            walls=np.eye(2)), TypeError, "walls must be a bool array"),
    (lambda: SubmodularGrid(2, 2, WeightedCoverage(np.eye(4, dtype=bool), np.ones(4)), 3, start=1,
                            walls=np.zeros((2, 3), bool)), ValueError, "walls must have shape"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
