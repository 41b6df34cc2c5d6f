"""Restless bandits: the model and generator, the index policies and the Numba simulator against a plain-Python
reference on the same stream, the Whittle index against a brute-force charge grid and closed forms, the indexability
flag on a constructed non-indexable arm, and the relaxation bound against the exact optimum of the joint MDP (value
iteration over the joint state, J <= 4) with Monte-Carlo values of the policies inside their CIs."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_learners as ref
from boundlab import bandits, solvers
from boundlab.bandits import whittle


# --- slow references ----------------------------------------------------------------------------------------------

def charged_q(P, R, gamma, lams):
    """One arm's ``Q[l, s, a]`` at charges ``lams[l]`` on the active action, by plain value iteration to 1e-13."""
    lams = np.asarray(lams, dtype=float)
    V = np.zeros((lams.size, P.shape[0]))
    sweeps = 1 if gamma == 0 else int(np.ceil(np.log(1e-13 * (1 - gamma)) / np.log(gamma))) + 10
    for _ in range(sweeps):
        Q = R[None] - lams[:, None, None] * np.array([0.0, 1.0]) + gamma * np.einsum("sat,lt->lsa", P, V)
        V = Q.max(axis=2)
    return Q


def grid_index(P, R, gamma, n=4001):
    """Brute-force Whittle index: on a grid over the bracket, the last charge where acting is optimal and the first
    where passivity is, per state (``(lo, hi)`` arrays; for an indexable arm they are neighbouring grid points)."""
    lams = np.linspace(*whittle.charge_bracket(gamma), n)
    Q = charged_q(P, R, gamma, lams)
    passive = Q[..., 1] - Q[..., 0] <= 0
    first_passive = passive.argmax(axis=0)
    return lams[np.maximum(first_passive - 1, 0)], lams[first_passive]


def top_b(priority_values, B):
    """The index rule written out: the B largest positive priorities, ties to the lowest arm."""
    order = sorted(range(len(priority_values)), key=lambda j: (-priority_values[j], j))
    chosen = [j for j in order[:B] if priority_values[j] > 0]
    return np.isin(np.arange(len(priority_values)), chosen).astype(np.int8)


def joint_mdp(model, B):
    """The budget-coupled problem as one MDP over joint states (itertools.product order) and the joint actions with
    at most B ones: ``(P[x, a, y], R[x, a], states, actions, mu)``."""
    J, S = model.J, model.S
    states = list(itertools.product(range(S), repeat=J))
    actions = [a for a in itertools.product((0, 1), repeat=J) if sum(a) <= B]
    P = np.ones((len(states), len(actions), len(states)))
    R = np.zeros((len(states), len(actions)))
    for x, s in enumerate(states):
        for i, a in enumerate(actions):
            R[x, i] = sum(model.R[j, s[j], a[j]] for j in range(J))
            for y, t in enumerate(states):
                P[x, i, y] = np.prod([model.P[j, s[j], a[j], t[j]] for j in range(J)])
    mu = np.array([np.prod([model.initial[j, s[j]] for j in range(J)]) for s in states])
    return P, R, states, actions, mu


def index_policy(priority, states, actions, B):
    """The joint deterministic policy of an index rule: ``pi[x]`` the position of its action in ``actions``."""
    return np.array([actions.index(tuple(top_b([priority[j, s[j]] for j in range(len(s))], B))) for s in states])


def random_policy(states, actions, B):
    """The random baseline as a stochastic joint policy: uniform over the actions with exactly min(B, J) ones."""
    J = len(states[0])
    pi = np.array([sum(a) == min(B, J) for a in actions], dtype=float)
    return np.tile(pi / pi.sum(), (len(states), 1))


def simulate_reference(model, policy, B, H, n, seed_int):
    """The simulator written out with Python loops on the same SplitMix64 stream and draw order."""
    stream = ref.Stream(seed_int)
    J = model.J
    draw = lambda row: min(int(np.searchsorted(np.cumsum(row), stream.uniform(), side="right")), len(row) - 1)
    rewards = np.zeros((n, H))
    states = np.zeros((n, H + 1, J), dtype=int)
    for e in range(n):
        s = [draw(model.initial[j]) for j in range(J)]
        states[e, 0] = s
        for t in range(H):
            if isinstance(policy, str):
                perm = list(range(J))
                for k in range(min(B, J)):
                    i = k + int(stream.uniform() * (J - k))
                    perm[k], perm[i] = perm[i], perm[k]
                a = np.isin(np.arange(J), perm[:min(B, J)]).astype(int)
            else:
                a = top_b([policy[j, s[j]] for j in range(J)], B)
            rewards[e, t] = sum(model.R[j, s[j], a[j]] for j in range(J))
            s = [draw(model.P[j, s[j], a[j]]) for j in range(J)]
            states[e, t + 1] = s
    return states, rewards


# --- model --------------------------------------------------------------------------------------------------------

def test_model_stores_validated_arrays_and_broadcasts_initial():
    m = bandits.random_restless_bandit(3, 4, gamma=0.9, seed=0)
    assert (m.J, m.S) == (3, 4) and m.P.shape == (3, 4, 2, 4) and m.R.shape == (3, 4, 2)
    assert not m.P.flags.writeable and np.allclose(m.P.sum(-1), 1) and ((0 <= m.R) & (m.R <= 1)).all()
    assert np.array_equal(m.initial, np.tile([1.0, 0, 0, 0], (3, 1)))  # default: state 0
    shared = bandits.RestlessBandit(m.P, m.R, gamma=0.9, initial=[0.25] * 4)
    assert shared.initial.shape == (3, 4) and np.allclose(shared.initial, 0.25)


def test_good_active_generator_has_acting_dominate_and_next_state_rewards():
    m = bandits.random_restless_bandit(6, 5, gamma=0.9, seed=3)
    cdf = np.cumsum(m.P, axis=-1)
    assert (cdf[:, :, 1] <= cdf[:, :, 0] + 1e-12).all()  # active first-order dominates passive
    assert (m.R[:, :, 1] >= m.R[:, :, 0] - 1e-12).all()  # so its expected next-state reward is at least as large
    plain = bandits.random_restless_bandit(6, 5, gamma=0.9, good_active=False, seed=3)
    assert (np.cumsum(plain.P, axis=-1)[:, :, 1] > np.cumsum(plain.P, axis=-1)[:, :, 0] + 1e-3).any()
    again = bandits.random_restless_bandit(6, 5, gamma=0.9, seed=3)
    assert np.array_equal(again.P, m.P) and np.array_equal(again.R, m.R)


P_OK = np.full((2, 2, 2, 2), 0.5)
R_OK = np.full((2, 2, 2), 0.5)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(P=P_OK[..., :1]), ValueError, r"shape \(J, S, 2, S\)"),
    (dict(P=np.full((2, 2, 3, 2), 0.5)), ValueError, r"shape \(J, S, 2, S\)"),
    (dict(P=np.where(np.arange(2) == 1, 0.6, 0.5) * np.ones((2, 2, 2, 2))), ValueError, r"P\[0, 0, 0, :\] sums"),
    (dict(P=P_OK * np.array([1, 1])[:, None, None, None] + np.array([[[[0, 0]], [[0, 0]]], [[[0, 0]], [[-1, 1]]]])),
     ValueError, r"P\[1, 1, 0, 0\] = -0.5 is negative"),
    (dict(P=np.where(np.arange(2) == 0, np.nan, 0.5) * np.ones((2, 2, 2, 2))), ValueError, r"P\[0, 0, 0, 0\]"),
    (dict(P=P_OK + 0j), TypeError, "P must hold real numbers"),
    (dict(P="P"), TypeError, "P"),
    (dict(R=R_OK[..., :1]), ValueError, r"R must have shape \(J, S, 2\)"),
    (dict(R=np.where(np.arange(2) == 1, 1.5, 0.5) * np.ones((2, 2, 2))), ValueError, r"R\[0, 0, 1\] = 1.5"),
    (dict(R=R_OK > 0), TypeError, "R must hold real numbers"),
    (dict(gamma=1.0), ValueError, "gamma"),
    (dict(gamma="0.9"), TypeError, "gamma"),
    (dict(initial=[0.5, 0.6]), ValueError, r"initial sums to 1.1"),
    (dict(initial=[[0.5, 0.5], [0.2, 0.6]]), ValueError, r"initial\[1, :\] sums to 0.8"),
    (dict(initial=[1.0, 0.0, 0.0]), ValueError, "initial must have shape"),
    (dict(name=""), TypeError, "name"),
])
def test_bad_models_are_refused_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        bandits.RestlessBandit(**{**dict(P=P_OK, R=R_OK, gamma=0.9), **kwargs})


# --- index policies and the simulator -----------------------------------------------------------------------------

@settings(max_examples=40)
@given(J=st.integers(1, 7), B=st.integers(0, 8), seed=st.integers(0, 2**31))
def test_budget_actions_are_the_top_b_positive_priorities(J, B, seed):
    rng = np.random.default_rng(seed)
    priority = rng.integers(-2, 3, size=(J, 3)).astype(float)  # many ties and non-positive values
    states = rng.integers(0, 3, size=(5, J))
    got = bandits.budget_actions(priority, states, B)
    for x, a in zip(states, got):
        assert np.array_equal(a, top_b([priority[j, x[j]] for j in range(J)], B))
        assert a.sum() <= B


@pytest.mark.parametrize("policy", ["whittle", "myopic", "random"])
def test_simulator_matches_python_reference_and_is_reproducible(policy):
    m = bandits.random_restless_bandit(4, 3, gamma=0.9, initial=[0.5, 0.3, 0.2], seed=1)
    priority = {"whittle": bandits.whittle_indices(m).indices, "myopic": bandits.myopic_priority(m),
                "random": "random"}[policy]
    run = bandits.simulate_restless(m, priority, 2, 12, 5, seed=7)
    seed_int = int(np.random.default_rng(7).integers(2**63))
    states, rewards = simulate_reference(m, priority, 2, 12, 5, seed_int)
    assert np.array_equal(run.states, states) and np.allclose(run.rewards, rewards, rtol=0, atol=1e-12)
    assert (run.actions.sum(axis=-1) <= 2).all()
    again = bandits.simulate_restless(m, priority, 2, 12, 5, seed=np.random.default_rng(7))
    assert np.array_equal(again.states, run.states) and np.array_equal(again.rewards, run.rewards)
    other = bandits.simulate_restless(m, priority, 2, 12, 5, seed=8)
    assert not np.array_equal(other.states, run.states)


# --- the Whittle index --------------------------------------------------------------------------------------------

@settings(max_examples=15)
@given(S=st.integers(2, 3), gamma=st.sampled_from([0.0, 0.5, 0.8]), good=st.booleans(), seed=st.integers(0, 2**31))
def test_whittle_index_matches_brute_force_charge_grid(S, gamma, good, seed):
    m = bandits.random_restless_bandit(2, S, gamma=gamma, good_active=good, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        w = bandits.whittle_indices(m)
    assert (w.upper - w.lower <= w.tol).all() and w.steps > 0
    for j in range(2):
        lo, hi = grid_index(m.P[j], m.R[j], gamma)
        if w.indexable[j]:
            assert ((lo - 1e-9 <= w.indices[j]) & (w.indices[j] <= hi + 1e-9)).all(), (lo, w.indices[j], hi)
        Q = charged_q(m.P[j], m.R[j], gamma, w.indices[j])  # at its index, a state's two actions tie
        assert np.allclose(Q[np.arange(S), np.arange(S), 1], Q[np.arange(S), np.arange(S), 0], atol=1e-7)


def test_whittle_index_closed_forms():
    # gamma = 0: the index is the one-step gain R(s, 1) - R(s, 0), the myopic priority
    m0 = bandits.random_restless_bandit(3, 3, gamma=0.0, good_active=False, seed=2)
    assert np.allclose(bandits.whittle_indices(m0).indices, bandits.myopic_priority(m0), atol=1e-8)
    # two states, reward r(s) = s, transitions that do not depend on the state: to state 1 w.p. p (active) or q
    # (passive). Then V(1) - V(0) = 1 at every charge, f(lam) = gamma (p - q) - lam: index gamma (p - q) in both
    p, q, gamma = 0.8, 0.3, 0.9
    row = lambda x: [1 - x, x]
    P = np.array([[row(q), row(p)], [row(q), row(p)]])[None]
    R = np.array([[[0.0, 0.0], [1.0, 1.0]]])
    w = bandits.whittle_indices(bandits.RestlessBandit(P, R, gamma=gamma))
    assert np.allclose(w.indices, gamma * (p - q), atol=1e-8) and w.indexable.all()


# a 3-state arm (gamma = 0.9) whose passive set goes {} -> {0} -> {0, 2} -> {2} -> {1, 2} -> all as the charge
# grows (charges -0.43, -0.35, -0.22, 1.18, 1.64, read off the brute-force grid below): state 0 leaves it again
NON_INDEXABLE_P = np.array([[[0.007, 0.980, 0.013], [0.017, 0.0, 0.983]],
                            [[0.130, 0.870, 0.0], [0.506, 0.326, 0.168]],
                            [[0.151, 0.112, 0.737], [0.999, 0.001, 0.0]]])
NON_INDEXABLE_R = np.array([[0.95, 0.55], [0.15, 0.57], [0.92, 0.54]])


def test_indexability_check_flags_a_non_indexable_arm():
    Q = charged_q(NON_INDEXABLE_P, NON_INDEXABLE_R, 0.9, [-0.3, 0.0])  # the brute-force premise: state 0 passive
    assert Q[0, 0, 1] < Q[0, 0, 0] - 1e-3 and Q[1, 0, 1] > Q[1, 0, 0] + 1e-3  # at -0.3, active again at 0
    good = bandits.random_restless_bandit(1, 3, gamma=0.9, seed=0)
    model = bandits.RestlessBandit(np.concatenate([good.P, NON_INDEXABLE_P[None]]),
                                   np.concatenate([good.R, NON_INDEXABLE_R[None]]), gamma=0.9)
    with pytest.warns(RuntimeWarning, match=r"arms \[1\] .* not indexable"):
        w = bandits.whittle_indices(model)
    assert w.indexable.tolist() == [True, False]


@pytest.mark.parametrize("gamma", [0.95, 0.99])
def test_random_arms_are_indexable_under_the_good_active_structure(gamma):
    """No false alarm where the solver's error is largest (gamma near 1): these arms pass a brute-force check."""
    m = bandits.random_restless_bandit(8, 3, gamma=gamma, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        w = bandits.whittle_indices(m)
    assert w.indexable.all()
    for j in range(m.J):  # the premise, by brute force: passive sets on a grid grow monotonically
        Q = charged_q(m.P[j], m.R[j], gamma, np.linspace(*whittle.charge_bracket(gamma), 201))
        passive = Q[..., 1] < Q[..., 0]
        assert (passive[1:] >= passive[:-1]).all()


# --- relaxation bound vs the exact optimum of the joint MDP -------------------------------------------------------

@settings(max_examples=8)
@given(J=st.integers(2, 4), S=st.integers(2, 3), B=st.integers(1, 2), gamma=st.sampled_from([0.5, 0.9]),
       good=st.booleans(), seed=st.integers(0, 2**31))
def test_relaxation_bound_dominates_the_joint_optimum_and_every_policy(J, S, B, gamma, good, seed):
    if J == 4 and S == 3:
        B = 2
    m = bandits.random_restless_bandit(J, S, gamma=gamma, good_active=good, seed=seed,
                                       initial=np.random.default_rng(seed).dirichlet(np.ones(S)))
    P, R, states, actions, mu = joint_mdp(m, B)
    optimum = mu @ solvers.policy_iteration(P, R, gamma).V
    relax = bandits.relaxation_bound(m, B)
    assert relax.bound >= optimum - 1e-9 and abs(relax.bound - relax.lp_value) <= 1e-6 * max(1, relax.bound)
    # L is convex with its minimum at lam*: no grid charge does better
    grid = [bandits.lagrangian_bound(m, B, lam) for lam in np.linspace(0, 1 / (1 - gamma), 41)]
    assert min(grid) >= relax.bound - 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        indices = bandits.whittle_indices(m).indices
    for priority in (indices, bandits.myopic_priority(m)):
        value = mu @ solvers.policy_evaluation(P, R, gamma, index_policy(priority, states, actions, B)).V
        assert value <= optimum + 1e-9
    value = mu @ solvers.policy_evaluation(P, R, gamma, random_policy(states, actions, B)).V
    assert value <= optimum + 1e-9


def test_relaxation_bound_is_exact_without_a_binding_budget():
    """With B = J the arms decouple: the bound is the joint optimum, lam* = 0, and Whittle is optimal."""
    m = bandits.random_restless_bandit(3, 3, gamma=0.9, good_active=False, seed=4, initial=[0.2, 0.3, 0.5])
    P, R, states, actions, mu = joint_mdp(m, 3)
    optimum = mu @ solvers.policy_iteration(P, R, 0.9).V
    relax = bandits.relaxation_bound(m, 3)
    assert relax.lam == 0.0 and abs(relax.bound - optimum) <= 1e-9
    w = bandits.whittle_indices(m)
    value = mu @ solvers.policy_evaluation(P, R, 0.9, index_policy(w.indices, states, actions, 3)).V
    assert abs(value - optimum) <= 1e-9


@pytest.mark.parametrize("policy", ["whittle", "myopic", "random"])
def test_monte_carlo_value_matches_exact_joint_evaluation(policy):
    gamma, B, H, n = 0.8, 1, 80, 4000  # truncation: J gamma^H / (1 - gamma) < 1e-6
    m = bandits.random_restless_bandit(3, 2, gamma=gamma, seed=11, initial=[0.5, 0.5])
    P, R, states, actions, mu = joint_mdp(m, B)
    if policy == "random":
        pi, priority = random_policy(states, actions, B), "random"
    else:
        priority = bandits.whittle_indices(m).indices if policy == "whittle" else bandits.myopic_priority(m)
        pi = index_policy(priority, states, actions, B)
    exact = mu @ solvers.policy_evaluation(P, R, gamma, pi).V
    returns = bandits.simulate_restless(m, priority, B, H, n, seed=3).returns(gamma)
    half_width = 4 * returns.std(ddof=1) / np.sqrt(n)  # 4 standard errors: fails by chance with prob. 6e-5
    assert abs(returns.mean() - exact) <= half_width, (returns.mean(), exact, half_width)


def test_whittle_policy_is_near_the_bound_on_a_larger_instance():
    """J = 20, B = 5: the Whittle policy's Monte-Carlo value is a fraction of the bound no larger than 1 (within its
    CI) and above the random baseline's."""
    m = bandits.random_restless_bandit(20, 4, gamma=0.9, seed=0)
    relax = bandits.relaxation_bound(m, 5)
    values = {}
    for name, priority in [("whittle", bandits.whittle_indices(m).indices), ("random", "random")]:
        r = bandits.simulate_restless(m, priority, 5, 200, 300, seed=1).returns(0.9)
        values[name] = (r.mean(), 4 * r.std(ddof=1) / np.sqrt(r.size))
    assert values["whittle"][0] - values["whittle"][1] <= relax.bound
    assert values["whittle"][0] - values["whittle"][1] > values["random"][0] + values["random"][1]
