"""tabular.POMDP: validation by name, the Numba belief update against a numpy Bayes reference, the open-loop
simulator's law, and Tiger / crying baby against their published values."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import bounds, tabular


@st.composite
def pomdps(draw, max_S=6, max_A=3, max_O=4):
    """A random POMDP (Dirichlet rows, some sparse) as arrays ``(P, O, R)``."""
    S, A, n_obs = draw(st.integers(1, max_S)), draw(st.integers(1, max_A)), draw(st.integers(1, max_O))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    alpha = draw(st.sampled_from([0.1, 1.0]))
    P = rng.dirichlet(np.full(S, alpha), size=(S, A))
    O = rng.dirichlet(np.full(n_obs, alpha), size=(A, S))
    if draw(st.booleans()):  # exact zeros, so observations of probability 0 occur
        O[O < 0.2] = 0.0
        O[..., 0] += 1.0 - O.sum(-1)
    R = rng.normal(size=(S, A))
    return P, O, R


def csr(P):
    """``P[s, a, s']`` as the sparse ``(S*A, S)`` layout, row ``s*A + a``."""
    return sp.csr_matrix(P.reshape(P.shape[0] * P.shape[1], P.shape[2]))


def reference_update(P, O, b, a, o):
    """Bayes' rule, slowly: b'(s') = O[a, s', o] sum_s P[s, a, s'] b(s) / Pr(o | b, a); None if Pr(o) = 0."""
    joint = np.array([O[a, t, o] * sum(P[s, a, t] * b[s] for s in range(len(b))) for t in range(len(b))])
    return None if joint.sum() == 0 else joint / joint.sum()


# ---------------------------------------------------------------------------------------------------------- model

def test_model_stores_arrays_and_broadcasts_O():
    m = tabular.tiger()
    P, O, R = m.to_arrays()
    assert (P.shape, O.shape, R.shape) == ((2, 3, 2), (3, 2, 2), (2, 3))
    assert not P.flags.writeable and not O.flags.writeable
    baby = tabular.crying_baby()
    assert baby.O.shape == (2, 2, 2) and np.array_equal(baby.O[0], baby.O[1])
    uniform = tabular.POMDP(m.P, m.O, m.R, H=3)
    assert np.array_equal(uniform.initial, [0.5, 0.5]) and uniform.gamma is None and uniform.H == 3


def test_fingerprint_distinguishes_models():
    fp = bounds.fingerprint
    assert fp(tabular.tiger()) == fp(tabular.tiger())
    assert fp(tabular.tiger()) != fp(tabular.crying_baby())
    assert fp(tabular.tiger()) != fp(tabular.tiger(gamma=0.75))
    assert fp(tabular.tiger()) != fp(tabular.tiger(H=5))


def _tiger_args(**change):
    m = tabular.tiger()
    args = {"P": m.P.copy(), "O": m.O.copy(), "R": m.R.copy(), "gamma": 0.95}
    args.update(change)
    return args


@pytest.mark.parametrize("change, error, match", [
    ({"H": 3}, ValueError, "exactly one of gamma"),
    ({"gamma": None}, ValueError, "exactly one of gamma"),
    ({"gamma": 1.0}, ValueError, "gamma must lie in"),
    ({"gamma": "0.9"}, TypeError, "gamma must be a real number"),
    ({"gamma": None, "H": 2.5}, TypeError, "H must be an integer"),
    ({"O": np.ones((3, 2, 2))}, ValueError, "O row at next state 0, action 0 sums to 2"),
    ({"O": np.full((3, 2, 2), 0.5) + 0j}, TypeError, "O must hold real numbers"),
    ({"O": np.full((2, 2, 2), 0.5)}, ValueError, r"O must have shape \(A, S, n_obs\)"),
    ({"O": np.full((2, 3), 1 / 3)[:, :0]}, ValueError, "n_obs >= 1"),
    ({"R": np.zeros((2, 2))}, ValueError, "R has shape"),
    ({"R": np.full((2, 3), np.nan)}, ValueError, r"R\[0, 0\] is not finite"),
    ({"initial": [0.3, 0.3]}, ValueError, "initial must be a probability vector"),
    ({"terminal": [0.5]}, TypeError, "terminal must be a 1-d sequence of integer states"),
    ({"terminal": [2]}, ValueError, r"terminal state 2 is not a state in \[0, 2\)"),
    ({"terminal": [0]}, ValueError, r"terminal state 0 is not absorbing: P\[0, 1, 0\] = 0.5"),
])
def test_bad_input_names_the_argument(change, error, match):
    with pytest.raises(error, match=match):
        tabular.POMDP(**_tiger_args(**change))


def test_bad_transition_row_named_by_state_and_action():
    P = tabular.tiger().P.copy()
    P[1, 2] = [0.7, 0.7]
    with pytest.raises(ValueError, match="P row at state 1, action 2 sums to"):
        tabular.POMDP(**_tiger_args(P=P))


def test_terminal_states_validated_not_imposed():
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = 1.0
    P[1, :, 2] = 1.0
    P[2, :, 2] = 1.0
    O = np.full((3, 2), 0.5)
    R = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    m = tabular.POMDP(P, O, R, H=4, terminal=[2, 2])
    assert m.terminal == (2,)
    R[2, 1] = 1.0
    with pytest.raises(ValueError, match=r"terminal state 2 must have zero reward: R\[2, 1\] = 1.0"):
        tabular.POMDP(P, O, R, H=4, terminal=[2])


def test_sparse_P_stays_sparse_dense_stays_dense():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.full(4, 0.3), size=(4, 3))
    P[P < 0.05] = 0.0
    P /= P.sum(-1, keepdims=True)
    O, R = rng.dirichlet(np.ones(2), size=(3, 4)), rng.normal(size=(4, 3))
    dense = tabular.POMDP(P, O, R, gamma=0.9)
    assert not dense.sparse and dense.P.shape == (4, 3, 4)
    flat = csr(P)
    explicit_zero = flat.tocoo()  # the same matrix with an explicit 0 entry (at a zero of P) and unsorted entries
    zero_at = np.argwhere(P.reshape(12, 4) == 0)[0]
    explicit_zero = sp.csr_matrix((np.r_[0.0, explicit_zero.data[::-1]], (np.r_[zero_at[0], explicit_zero.row[::-1]],
                                   np.r_[zero_at[1], explicit_zero.col[::-1]])), shape=(12, 4))
    layouts = {"csr": (flat, 0.0), "explicit zero": (explicit_zero, 0.0), "float32": (flat.astype(np.float32), 1e-6),
               "per-action list": ([sp.csr_matrix(P[:, a, :]) for a in range(3)], 0.0)}
    for name, (layout, rtol) in layouts.items():
        m = tabular.POMDP(layout, O, R, gamma=0.9)
        assert m.sparse and isinstance(m.P, sp.csr_matrix) and m.P.shape == (12, 4) and m.P.dtype == np.float64, name
        assert m.P.has_sorted_indices and m.P.nnz == np.count_nonzero(P), name
        assert not (m.P.data.flags.writeable or m.P.indices.flags.writeable or m.P.indptr.flags.writeable), name
        np.testing.assert_allclose(m.P.toarray(), P.reshape(12, 4), rtol=rtol, atol=0, err_msg=name)
        np.testing.assert_allclose(np.asarray(m.P.sum(axis=1)).ravel(), 1.0, rtol=0, atol=1e-15, err_msg=name)
        assert m.to_arrays()[0] is m.P
    assert not np.shares_memory(tabular.POMDP(flat, O, R, gamma=0.9).P.data, flat.data)  # a copy, never the caller's
    with pytest.raises(ValueError, match="read-only"):
        m.P.data[0] = 1.0


def test_sparse_P_bad_rows_and_terminal_named():
    P = tabular.tiger().P.copy()
    P[1, 2] = [0.7, 0.7]
    with pytest.raises(ValueError, match="P row at state 1, action 2 sums to"):
        tabular.POMDP(**_tiger_args(P=csr(P)))
    P = tabular.tiger().P.copy()
    P[0, 1] = [1.2, -0.2]
    with pytest.raises(ValueError, match="P has a negative entry at state 0, action 1"):
        tabular.POMDP(**_tiger_args(P=csr(P)))
    with pytest.raises(ValueError, match=r"sparse P must have shape \(S\*A, S\) = \(6, 2\)"):
        tabular.POMDP(**_tiger_args(P=sp.csr_matrix(np.full((2, 2), 0.5))))
    with pytest.raises(ValueError, match=r"terminal state 0 is not absorbing: P\[0, 1, 0\] = 0.5"):
        tabular.POMDP(**_tiger_args(P=csr(tabular.tiger().P), terminal=[0]))
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = P[1, :, 2] = P[2, :, 2] = 1.0
    m = tabular.POMDP(csr(P), np.full((3, 2), 0.5), np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), H=4,
                      terminal=[2])
    assert m.terminal == (2,) and m.sparse


# ---------------------------------------------------------------------------------------------------------- beliefs

@given(pomdps(), st.data())
def test_belief_update_matches_reference(model, data):
    P, O, R = model
    S, A, n_obs = P.shape[0], P.shape[1], O.shape[2]
    b = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).dirichlet(np.full(S, 0.5))
    a, o = data.draw(st.integers(0, A - 1)), data.draw(st.integers(0, n_obs - 1))
    expected = reference_update(P, O, b, a, o)
    if expected is None:
        with pytest.raises(ValueError, match="has probability 0"):
            tabular.belief_update(P, O, b, a, o)
    else:
        got = tabular.belief_update(P, O, b, a, o)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
        assert np.all(np.isfinite(got)) and abs(got.sum() - 1) < 1e-12


@given(pomdps(), st.integers(0, 2**32 - 1))
def test_batch_update_matches_reference(model, seed):
    P, O, R = model
    S, A, n_obs = P.shape[0], P.shape[1], O.shape[2]
    rng = np.random.default_rng(seed)
    B = rng.dirichlet(np.ones(S), size=5)
    actions, obs = rng.integers(A, size=5), rng.integers(n_obs, size=5)
    expected = [reference_update(P, O, B[i], actions[i], obs[i]) for i in range(5)]
    if any(e is None for e in expected):
        first = next(i for i, e in enumerate(expected) if e is None)
        with pytest.raises(ValueError, match=f"row {first}: observation"):
            tabular.belief_update_batch(P, O, B, actions, obs)
        return
    got, probs = tabular.belief_update_batch(P, O, B, actions, obs)
    np.testing.assert_allclose(got, np.array(expected), rtol=1e-12, atol=1e-15)
    for i in range(5):
        pred = B[i] @ P[:, actions[i], :]
        assert probs[i] == pytest.approx(pred @ O[actions[i], :, obs[i]], rel=1e-12)


@given(pomdps(), st.integers(0, 2**32 - 1))
def test_sparse_updates_equal_dense_and_reference(model, seed):
    """The CSR kernels against the dense ones and the slow reference, single and batch, and belief_update_nb."""
    P, O, R = model
    P = np.where(P < 0.15, 0.0, P)  # sparse rows (the largest entry always stays)
    P /= P.sum(-1, keepdims=True)
    S, A, n_obs = P.shape[0], P.shape[1], O.shape[2]
    rng = np.random.default_rng(seed)
    B = rng.dirichlet(np.full(S, 0.5), size=4)
    B[0] = np.eye(S)[rng.integers(S)]  # a point belief
    actions, obs = rng.integers(A, size=4), rng.integers(n_obs, size=4)
    expected = [reference_update(P, O, B[i], actions[i], obs[i]) for i in range(4)]
    for i, e in enumerate(expected):
        if e is None:
            with pytest.raises(ValueError, match="has probability 0"):
                tabular.belief_update(csr(P), O, B[i], actions[i], obs[i])
            continue
        got = tabular.belief_update(csr(P), O, B[i], actions[i], obs[i])
        np.testing.assert_allclose(got, e, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got, tabular.belief_update(P, O, B[i], actions[i], obs[i]), rtol=1e-13,
                                   atol=1e-16)
        C = csr(P)
        nb, p = tabular.belief_update_nb((C.indptr, C.indices, C.data), O, B[i], actions[i], obs[i])
        np.testing.assert_array_equal(nb, got)
    if all(e is not None for e in expected):
        Bs, ps = tabular.belief_update_batch(csr(P), O, B, actions, obs)
        Bd, pd = tabular.belief_update_batch(P, O, B, actions, obs)
        np.testing.assert_allclose(Bs, Bd, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(ps, pd, rtol=1e-13)


def test_sparse_belief_update_bad_shape_named():
    m = tabular.tiger()
    with pytest.raises(ValueError, match=r"sparse P must have shape \(S\*A, S\) = \(6, 2\)"):
        tabular.belief_update(sp.csr_matrix(np.full((4, 2), 0.5)), m.O, m.initial, 0, 0)
    with pytest.raises(TypeError, match="P must hold real numbers"):
        tabular.belief_update(csr(m.P).astype(np.complex128), m.O, m.initial, 0, 0)
    with pytest.raises(ValueError, match=r"a = 3 is not an action in \[0, 3\)"):
        tabular.belief_update(csr(m.P), m.O, m.initial, 3, 0)


def test_belief_update_tiger_and_zero_probability():
    m = tabular.tiger()
    np.testing.assert_allclose(tabular.belief_update(m.P, m.O, m.initial, 0, 0), [0.85, 0.15])
    b2 = tabular.belief_update(m.P, m.O, [0.85, 0.15], 0, 0)
    np.testing.assert_allclose(b2, [0.85**2, 0.15**2] / np.float64(0.85**2 + 0.15**2))
    np.testing.assert_allclose(tabular.belief_update(m.P, m.O, [0.85, 0.15], 1, 1), [0.5, 0.5])
    baby = tabular.crying_baby()
    # A baby just fed is sated, so "crying" has probability 0.1, and hunger after the cry is 0
    np.testing.assert_allclose(tabular.belief_update(baby.P, baby.O, [0.3, 0.7], 0, 1), [1.0, 0.0])
    O = np.zeros((1, 2, 2))
    O[0, :, 0] = 1.0
    with pytest.raises(ValueError, match="observation o = 1 has probability 0"):
        tabular.belief_update(np.ones((2, 1, 2)) / 2, O, [0.5, 0.5], 0, 1)
    with pytest.raises(ValueError, match="probability 0"):
        tabular.belief_update_nb(np.ones((2, 1, 2)) / 2, O, np.array([0.5, 0.5]), 0, 1)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"b": [0.5, 0.6]}, ValueError, "b must be a probability vector"),
    ({"b": [0.5, 0.5, 0.0]}, ValueError, "b must hold beliefs over S = 2 states"),
    ({"b": ["a", "b"]}, TypeError, "b must hold real numbers"),
    ({"b": np.full((1, 2), 0.5)}, ValueError, r"b must be one belief b\[s\], got shape \(1, 2\)"),
    ({"a": 3}, ValueError, r"a = 3 is not an action in \[0, 3\)"),
    ({"a": 1.0}, TypeError, "a must be an integer"),
    ({"o": -1}, ValueError, "o must be >= 0"),
    ({"o": 2}, ValueError, r"o = 2 is not an observation in \[0, 2\)"),
    ({"O": np.full((2, 2, 2), 0.5)}, ValueError, r"O must have shape \(A, S, n_obs\)"),
])
def test_belief_update_bad_input(kwargs, error, match):
    m = tabular.tiger()
    args = {"P": m.P, "O": m.O, "b": m.initial, "a": 0, "o": 0} | kwargs
    with pytest.raises(error, match=match):
        tabular.belief_update(**args)


def test_batch_update_bad_input():
    m = tabular.tiger()
    B = np.full((2, 2), 0.5)
    with pytest.raises(TypeError, match="actions must hold integers"):
        tabular.belief_update_batch(m.P, m.O, B, [0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match=r"observations\[1\] = 5 is not in \[0, 2\)"):
        tabular.belief_update_batch(m.P, m.O, B, [0, 1], [0, 5])
    with pytest.raises(ValueError, match=r"B\[1\] must be a probability vector"):
        tabular.belief_update_batch(m.P, m.O, [[0.5, 0.5], [0.9, 0.5]], [0, 1], [0, 1])


# -------------------------------------------------------------------------------------------------------- simulator

def test_simulator_reproducible_and_laws_match_the_model():
    m = tabular.tiger()
    actions = np.array([0, 0, 1, 0])
    n = 40_000
    run = tabular.simulate_pomdp(m, actions, n, seed=3)
    again = tabular.simulate_pomdp(m, actions, n, seed=np.random.default_rng(3))
    assert np.array_equal(run.states, again.states) and np.array_equal(run.observations, again.observations)
    assert not np.array_equal(run.observations, tabular.simulate_pomdp(m, actions, n, seed=4).observations)
    assert np.array_equal(run.rewards, m.R[run.states[:, :-1], actions])
    # Listening keeps the state; opening resets it uniformly
    assert np.array_equal(run.states[:, 1], run.states[:, 0]) and np.array_equal(run.states[:, 2], run.states[:, 0])
    for t, a in enumerate(actions):  # observation frequencies given s_{t+1}: 5-sigma binomial test against O
        for s in range(m.S):
            at = run.observations[run.states[:, t + 1] == s, t]
            p, k = m.O[a, s, 0], at.size
            assert abs(np.mean(at == 0) - p) <= 5 * np.sqrt(p * (1 - p) / k) + 1e-12
    for t in (0, 3):  # the state after an opening and the initial state: uniform
        p0 = np.mean(run.states[:, t] == 0)
        assert abs(p0 - 0.5) <= 5 * np.sqrt(0.25 / n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_and_sparse_models_give_identical_trajectories(seed):
    """Same P stored dense and sparse: the same states, observations and rewards under one seed."""
    rng = np.random.default_rng(seed)
    S, A = 7, 3
    P = rng.dirichlet(np.full(S, 0.4), size=(S, A))
    P[P < 0.1] = 0.0
    P /= P.sum(-1, keepdims=True)
    O, R = rng.dirichlet(np.ones(4), size=(A, S)), rng.normal(size=(S, A))
    dense = tabular.POMDP(P, O, R, gamma=0.9, initial=rng.dirichlet(np.ones(S)))
    sparse = tabular.POMDP(csr(P), O, R, gamma=0.9, initial=dense.initial)
    assert sparse.sparse and not dense.sparse
    actions = rng.integers(A, size=30)
    a, b = tabular.simulate_pomdp(dense, actions, 500, seed=seed), tabular.simulate_pomdp(sparse, actions, 500,
                                                                                         seed=seed)
    for x, y in [(a.states, b.states), (a.observations, b.observations), (a.rewards, b.rewards)]:
        np.testing.assert_array_equal(x, y)
    assert np.all(P[a.states[:, :-1], actions, a.states[:, 1:]] > 0)  # every step has positive probability


def test_simulator_bad_input():
    m = tabular.tiger()
    with pytest.raises(ValueError, match=r"actions\[1\] = 3 is not in \[0, 3\)"):
        tabular.simulate_pomdp(m, [0, 3], 10, seed=0)
    with pytest.raises(TypeError, match="actions must hold integers"):
        tabular.simulate_pomdp(m, [0.0], 10, seed=0)
    with pytest.raises(TypeError, match="n_episodes must be an integer"):
        tabular.simulate_pomdp(m, [0], 2.5, seed=0)
    with pytest.raises(TypeError, match="model must be a tabular.POMDP"):
        tabular.simulate_pomdp(tabular.riverswim(), [0], 1, seed=0)


def slow_closed_loop(m, alphas, alpha_actions, T, n, seed):
    """The closed-loop simulator by plain Python: the same SplitMix64 stream (initial state, then per step a
    transition and an observation draw, each an inverse-CDF draw on the dense row), the belief by the slow Bayes
    reference, the action of the best vector (first on ties)."""
    from boundlab.tabular._rng import next_uniform

    P = m.P.toarray().reshape(m.S, m.A, m.S) if m.sparse else m.P
    rng = np.uint64(int(np.random.default_rng(seed).integers(2**63)))

    def draw(p):
        nonlocal rng
        rng, u = next_uniform(np.uint64(rng))
        c = np.cumsum(p)
        c /= c[-1]
        c[-1] = 1.0
        return min(int(np.searchsorted(c, u, side="right")), len(p) - 1)

    out = []
    for _ in range(n):
        s, b, episode = draw(m.initial), m.initial.copy(), []
        for _ in range(T):
            a = int(alpha_actions[int(np.argmax(alphas @ b))])
            r = m.R[s, a]
            s = draw(P[s, a])
            o = draw(m.O[a, s])
            episode.append((a, o, r, s))
            b = reference_update(P, m.O, b, a, o)
        out.append(episode)
    return out


@pytest.mark.parametrize("sparse", [False, True])
def test_closed_loop_simulator_matches_the_slow_reference(sparse):
    """simulate_alpha_policy step for step against a Python loop with the slow Bayes update, on Tiger (PBVI's
    vectors) and on a random POMDP (random vectors), P dense and sparse."""
    from boundlab import solvers

    tiger = tabular.tiger()
    rng = np.random.default_rng(5)
    S, A = 5, 3
    P = rng.dirichlet(np.full(S, 0.5), size=(S, A))
    rand = tabular.POMDP(csr(P) if sparse else P, rng.dirichlet(np.ones(3), size=(A, S)), rng.normal(size=(S, A)),
                         gamma=0.9)
    lower = solvers.pbvi(*tiger.to_arrays(), 0.95, [[0.5, 0.5], [0.9, 0.1], [0.1, 0.9]], n_iter=50)
    tiger = tabular.POMDP(csr(tiger.P) if sparse else tiger.P, tiger.O, tiger.R, gamma=0.95)
    for m, alphas, acts in [(tiger, lower.alphas, lower.actions),
                            (rand, rng.normal(size=(4, S)), rng.integers(0, A, 4))]:
        run = tabular.simulate_alpha_policy(m, alphas, acts, T=12, n_episodes=30, seed=7)
        ref = slow_closed_loop(m, alphas, acts, 12, 30, seed=7)
        assert np.array_equal(run.actions, [[e[0] for e in ep] for ep in ref])
        assert np.array_equal(run.observations, [[e[1] for e in ep] for ep in ref])
        assert np.allclose(run.rewards, [[e[2] for e in ep] for ep in ref], rtol=0, atol=0)
        assert np.array_equal(run.states[:, 1:], [[e[3] for e in ep] for ep in ref])


def test_hsvi_policy_value_lies_inside_the_certified_interval():
    """The Monte-Carlo value of HSVI's policy on Tiger (200 steps: the tail is 0.95^200 * 100 / 0.05 < 0.1) is at
    most V* <= upper, and at least lower, each within 4 standard errors plus the tail. The lower side is a theorem
    only while no vector was pruned (V_L then stays uniformly improvable, so its greedy policy is worth at least
    V_L): HSVI prunes first at 64 vectors, and Tiger's search ends with fewer (asserted)."""
    from boundlab import solvers

    m = tabular.tiger()
    res = solvers.hsvi(*m.to_arrays(), m.gamma, m.initial, gap=1e-3)
    assert len(res.alphas) < 64
    run = tabular.simulate_alpha_policy(m, res.alphas, res.actions, T=200, n_episodes=20_000, seed=0)
    returns = run.discounted_returns(m.gamma)
    tail = m.gamma**200 * 100 / (1 - m.gamma)
    se = returns.std(ddof=1) / np.sqrt(returns.size)
    assert res.lower - 4 * se - tail <= returns.mean() <= res.upper + 4 * se + tail


def test_closed_loop_simulator_bad_input():
    m = tabular.tiger()
    alphas, acts = np.zeros((2, 2)), [0, 1]
    for kwargs, error, match in [
        (dict(model=tabular.riverswim()), TypeError, "model must be a tabular.POMDP"),
        (dict(alphas=np.zeros((2, 3))), ValueError, r"alphas must have shape \(n, S\)"),
        (dict(alphas=np.zeros((0, 2)), actions=[]), ValueError, r"alphas must have shape"),
        (dict(alphas=np.full((2, 2), np.nan)), ValueError, r"alphas\[0, 0\] is not finite"),
        (dict(actions=[0, 3]), ValueError, r"actions\[1\] = 3 is not in \[0, 3\)"),
        (dict(actions=[0.0, 1.0]), TypeError, "actions must hold integers"),
        (dict(actions=[0]), ValueError, r"actions must have shape \(2,\)"),
        (dict(T=0), ValueError, "T must be >= 1"),
        (dict(n_episodes=2.5), TypeError, "n_episodes must be an integer"),
    ]:
        args = dict(model=m, alphas=alphas, actions=acts, T=3, n_episodes=2, seed=0) | kwargs
        with pytest.raises(error, match=match):
            tabular.simulate_alpha_policy(**args)


# -------------------------------------------------------------------------------------------------------- instances

def tree_value(m, b, H, gamma):
    """Exhaustive belief-tree search: max over actions of R(b, a) + gamma sum_o Pr(o) V_{H-1}(b'), V_0 = 0."""
    if H == 0:
        return 0.0
    P, O, R = m.to_arrays()
    best = -np.inf
    for a in range(m.A):
        q = b @ R[:, a]
        for o in range(m.n_obs):
            joint = (b @ P[:, a, :]) * O[a, :, o]
            if joint.sum() > 0:
                q += gamma * joint.sum() * tree_value(m, joint / joint.sum(), H - 1, gamma)
        best = max(best, q)
    return best


def test_tiger_finite_horizon_values():
    """The exact values of the reference notes (part 3), including V_4 < V_3 (not monotone in H)."""
    m = tabular.tiger(H=5)
    undiscounted = [-1, -2, 2.72, 2.42125, 3.60915]
    discounted = [-1, -1.95, 2.3098, 1.795544, 2.763096]
    for H, (v1, v95) in enumerate(zip(undiscounted, discounted), start=1):
        assert tree_value(m, m.initial, H, 1.0) == pytest.approx(v1, abs=5e-6)
        assert tree_value(m, m.initial, H, 0.95) == pytest.approx(v95, abs=5e-7)


def grid_value(m, n=4001, tol=1e-9):
    """V* at the initial belief of a 2-state discounted POMDP by value iteration on a grid over P(state 1), values
    between grid points by linear interpolation (an approximation, accurate to the grid's resolution)."""
    P, O, R = m.to_arrays()
    xs = np.linspace(0, 1, n)
    B = np.stack([1 - xs, xs], 1)
    V = np.zeros(n)
    while True:
        Q = B @ R
        for a, o in itertools.product(range(m.A), range(m.n_obs)):
            joint = (B @ P[:, a, :]) * O[a, :, o]
            p = joint.sum(1)
            nxt = np.divide(joint[:, 1], p, out=np.zeros(n), where=p > 0)
            Q[:, a] += m.gamma * p * np.interp(nxt, xs, V)
        V, V_old = Q.max(1), V
        if np.abs(V - V_old).max() < tol:
            return float(np.interp(m.initial[1], xs, V))


def test_published_infinite_horizon_values():
    """Tiger at 0.95: 19.3714 (SARSOP); crying baby at 0.9: -16.3055 (notes, part 3; NativeSARSOP.jl -16.3)."""
    assert grid_value(tabular.tiger()) == pytest.approx(19.3714, abs=2e-3)
    assert grid_value(tabular.crying_baby()) == pytest.approx(-16.3055, abs=2e-3)
