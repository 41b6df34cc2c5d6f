"""Numba, JAX and gymnasium simulators: distribution, reproducibility, agreement with exact values."""

import jax
import numpy as np
import pytest
from scipy import stats

from boundlab import solvers
from boundlab import tabular
from boundlab.tabular import jax_env
from boundlab.tabular.simulate import AliasSampler

ALPHA = 1e-3  # per-test false-alarm level (Bonferroni-corrected over rows where several are tested)


def transition_counts(states, actions, S, A):
    counts = np.zeros((S, A, S))
    np.add.at(counts, (states[:, :-1].ravel(), actions.ravel(), states[:, 1:].ravel()), 1)
    return counts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numba_next_state_frequencies_chi_square(seed):
    m = tabular.dirichlet_mdp(S=6, A=3, alpha=0.5, seed=seed)
    uniform = np.full((6, 3), 1 / 3)
    traj = tabular.simulate(m, uniform, 4000, seed=seed, horizon=50)
    counts = transition_counts(traj.states, traj.actions, 6, 3)
    pvals = []
    for s in range(6):
        for a in range(3):
            n = counts[s, a].sum()
            support = m.P[s, a] > 0
            if n >= 200:
                pvals.append(stats.chisquare(counts[s, a, support], n * m.P[s, a, support]).pvalue)
            assert counts[s, a, ~support].sum() == 0  # never a transition P forbids
    assert len(pvals) >= 12
    assert min(pvals) > ALPHA / len(pvals)


def test_alias_sampler_on_sparse_rows():
    P2 = tabular.garnet_transitions(50, 2, 4, seed=3)
    smp = AliasSampler.from_rows(P2)
    assert np.all(np.diff(smp.indptr) == 4)
    assert np.all((smp.threshold >= 0) & (smp.threshold <= 1 + 1e-12))


def test_same_seed_same_trajectories():
    m = tabular.riverswim()
    pi = np.full((6, 2), 0.5)
    a = tabular.simulate(m, pi, 50, seed=7, horizon=30)
    b = tabular.simulate(m, pi, 50, seed=7, horizon=30)
    c = tabular.simulate(m, pi, 50, seed=8, horizon=30)
    assert np.array_equal(a.states, b.states) and np.array_equal(a.actions, b.actions)
    assert not np.array_equal(a.states, c.states)
    rng1, rng2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(tabular.simulate(m, pi, 5, rng1, horizon=9).states,
                          tabular.simulate(m, pi, 5, rng2, horizon=9).states)
    k = jax.random.PRNGKey(1)
    p = jax_env.params_from_model(m, horizon=30)
    assert np.array_equal(jax_env.batch_rollout(k, p, pi, 20)[0], jax_env.batch_rollout(k, p, pi, 20)[0])


@pytest.mark.parametrize("stochastic", [False, True])
def test_monte_carlo_returns_match_policy_evaluation(stochastic):
    """Mean discounted return from s0 lies in the 99% CI around initial @ V^pi (plus the truncation bound)."""
    m = tabular.garnet(S=20, A=3, b=4, gamma=0.9, seed=5)
    rng = np.random.default_rng(0)
    pi = rng.dirichlet(np.ones(3), size=20) if stochastic else rng.integers(0, 3, size=20)
    exact = m.initial @ solvers.policy_evaluation(m.P, m.R, m.gamma, pi).V
    T = 150
    returns = tabular.simulate(m, pi, 20000, seed=1, horizon=T).returns(m.gamma)
    truncation = m.gamma**T / (1 - m.gamma)
    half = stats.norm.ppf(0.995) * returns.std(ddof=1) / np.sqrt(len(returns))
    assert abs(returns.mean() - exact) <= half + truncation


def test_episodic_monte_carlo_matches_backward_induction():
    m = tabular.minimax_hard_instance(S=10, A=2, H=12, epsilon=0.2)
    res = solvers.backward_induction(m.P, m.R, m.H)
    returns = tabular.simulate(m, res.policy, 20000, seed=2).returns()
    half = stats.norm.ppf(0.995) * returns.std(ddof=1) / np.sqrt(len(returns))
    assert abs(returns.mean() - res.V[0, 0]) <= half


def test_numba_and_jax_agree_in_distribution():
    """Two-sample chi-square on the joint (s_t) distribution at several steps, uniform random policy."""
    m = tabular.dirichlet_mdp(S=5, A=2, alpha=1.0, seed=11)
    pi = np.full((5, 2), 0.5)
    T, n = 8, 20000
    numba_states = tabular.simulate(m, pi, n, seed=0, horizon=T).states
    jax_states = np.asarray(jax_env.batch_rollout(jax.random.PRNGKey(0), jax_env.params_from_model(m, T), pi, n)[0])
    pvals = []
    for t in (1, 3, T):
        table = np.stack([np.bincount(numba_states[:, t], minlength=5), np.bincount(jax_states[:, t], minlength=5)])
        pvals.append(stats.chi2_contingency(table).pvalue)
    assert min(pvals) > ALPHA / len(pvals)


def test_jax_vmap_over_instances():
    models = [tabular.dirichlet_mdp(S=4, A=2, seed=s) for s in range(3)]
    params = jax.tree_util.tree_map(lambda *xs: jax.numpy.stack(xs),
                                    *[jax_env.params_from_model(mm, 6) for mm in models])
    pi = np.zeros(4, dtype=np.int32)
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    states, actions, rewards = jax.jit(jax.vmap(jax_env.rollout, in_axes=(0, 0, None)))(keys, params, pi)
    assert states.shape == (3, 7) and rewards.shape == (3, 6)
    for i, mm in enumerate(models):
        assert np.allclose(rewards[i], mm.R[np.asarray(states[i, :-1]), 0], atol=1e-6)


def test_gym_adapter_episodes():
    from boundlab.tabular.gym_env import MDPEnv

    m = tabular.minimax_hard_instance(S=10, A=2, H=12)
    env = MDPEnv(m)
    s, _ = env.reset(seed=0)
    assert s == 0
    total, steps, terminated = 0.0, 0, False
    while not terminated:
        s, r, terminated, truncated, _ = env.step(1)
        total += r
        steps += 1
    assert steps == 12 and not truncated
    with pytest.raises(ValueError, match="action"):
        env.step(5)
    disc = MDPEnv(tabular.riverswim(), horizon=3)
    disc.reset(seed=1)
    out = [disc.step(1) for _ in range(3)]
    assert out[-1][3] and not out[-1][2]


def test_simulate_bad_input():
    m = tabular.riverswim()
    with pytest.raises(ValueError, match="horizon is required"):
        tabular.simulate(m, np.zeros(6, dtype=int), 3)
    with pytest.raises(ValueError, match="actions must lie"):
        tabular.simulate(m, np.full(6, 2), 3, horizon=4)
    with pytest.raises(ValueError, match="probability vectors"):
        tabular.simulate(m, np.full((6, 2), 0.7), 3, horizon=4)
    with pytest.raises(TypeError, match="seed"):
        tabular.simulate(m, np.zeros(6, dtype=int), 3, seed="x", horizon=4)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"n_episodes": 2.5}, TypeError, "n_episodes must be an integer"),
    ({"n_episodes": True}, TypeError, "n_episodes"),
    ({"n_episodes": 0}, ValueError, "n_episodes must be >= 1"),
    ({"horizon": 2.5}, TypeError, "horizon must be an integer"),
    ({"horizon": 0}, ValueError, "horizon must be >= 1"),
    ({"policy": np.zeros(6)}, TypeError, "integer actions"),
    ({"policy": np.zeros((4, 6))}, TypeError,  # a float pi[h, s]: not called a malformed stochastic policy
     r"^policy must be an integer deterministic policy pi\[s\] / pi\[h, s\] or a stochastic pi\[s, a\] / "
     r"pi\[h, s, a\] .*got a float64 array of shape \(4, 6\): a deterministic policy must hold integer actions"),
    ({"policy": np.zeros((4, 5))}, ValueError, r"^policy must be an integer .* shape \(4, 5\)$"),
    ({"policy": np.zeros((6, 2), dtype=complex)}, TypeError, "policy must hold"),
    ({"policy": np.array([0, 1, 0, 2, 0, 1])}, ValueError, r"policy\[0, 3\] = 2"),
    ({"policy": np.array([[0.5, 0.5]] * 4 + [[0.7, 0.7]] + [[1.0, 0.0]])}, ValueError, r"policy\[0, 4\]"),
])
def test_simulate_arguments_checked(kwargs, exc, match):
    args = {"policy": np.zeros(6, dtype=int), "n_episodes": 3, "horizon": 4} | kwargs
    with pytest.raises(exc, match=match):
        tabular.simulate(tabular.riverswim(), args["policy"], args["n_episodes"], horizon=args["horizon"])


@pytest.mark.parametrize("layered", ["R", "P"])
def test_horizon_beyond_the_layers_of_a_step_dependent_model_refused(layered):
    """A step-dependent R[h, s, a] or P[h, s, a, s'] has no layer past H: simulating longer is refused (the kernel
    would read past the array), by simulate and by the JAX adapter; a homogeneous model may run past H."""
    from boundlab.tabular import jax_env

    rng = np.random.default_rng(0)
    S, A, H = 4, 2, 3
    P = rng.dirichlet(np.ones(S), size=(H, S, A) if layered == "P" else (S, A))
    R = rng.random((H, S, A) if layered == "R" else (S, A))
    m = tabular.EpisodicMDP(P, R, H)
    pi = np.zeros(S, dtype=np.int64)
    for run in (lambda T: tabular.simulate(m, pi, 2, seed=0, horizon=T),
                lambda T: jax_env.params_from_model(m, horizon=T)):
        with pytest.raises(ValueError, match=rf"horizon must be at most the model's H = 3 where {layered}\[h"):
            run(H + 1)
        run(H)
    traj = tabular.simulate(m, pi, 5, seed=0, horizon=H)
    assert np.isin(traj.rewards, R).all()
    long = tabular.simulate(tabular.EpisodicMDP(P[0] if layered == "P" else P, R[0] if layered == "R" else R, H),
                            pi, 5, seed=0, horizon=3 * H)
    assert long.rewards.shape == (5, 3 * H)


def test_float32_stochastic_policy_accepted():
    """Rows normalised in float32 miss 1 by float32 rounding: accepted (tolerance scaled to the dtype), and the
    same trajectories as that policy normalised in float64, with the same seed."""
    rng = np.random.default_rng(3)
    pi = rng.dirichlet(np.ones(2), size=6).astype(np.float32)
    pi /= pi.sum(-1, keepdims=True)
    m = tabular.riverswim()
    a = tabular.simulate(m, pi, 50, seed=1, horizon=5)
    pi64 = pi.astype(np.float64)
    with pytest.raises(ValueError, match=r"policy\[0, \d\]"):  # the same numbers as float64 are not normalised
        tabular.simulate(m, pi64, 50, seed=1, horizon=5)
    b = tabular.simulate(m, pi64 / pi64.sum(-1, keepdims=True), 50, seed=1, horizon=5)
    assert np.array_equal(a.actions, b.actions) and np.array_equal(a.states, b.states)
    assert tabular.simulate(m, np.zeros(6, dtype=np.int16), np.int64(2), horizon=np.int32(3)).states.shape == (2, 4)


def test_jax_and_gym_adapters_check_their_integers():
    from boundlab.tabular import jax_env
    from boundlab.tabular.gym_env import MDPEnv

    m = tabular.riverswim()
    with pytest.raises(TypeError, match="horizon must be an integer"):
        jax_env.params_from_model(m, horizon=2.5)
    with pytest.raises(TypeError, match="model must be"):
        jax_env.params_from_model(m.P, horizon=3)
    params = jax_env.params_from_model(m, horizon=3)
    with pytest.raises(TypeError, match="n_episodes must be an integer"):
        jax_env.batch_rollout(jax_env.jax.random.PRNGKey(0), params, np.zeros(6, dtype=np.int32), 2.5)
    with pytest.raises(TypeError, match="horizon must be an integer"):
        MDPEnv(m, horizon=2.5)
