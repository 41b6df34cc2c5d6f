"""Conversions: gymnasium's toy-text transition tables and pymdptoolbox's layouts, checked against values computed
independently (a plain-Python walk of gymnasium's dict; pymdptoolbox's own solver)."""

import gymnasium as gym
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from boundlab import solvers
from boundlab import tabular
from conftest import mdps


def dict_values(table, gamma, H=None, sweeps=2000):
    """Value iteration (or H steps of backward induction) walking gymnasium's dict in plain Python: a terminating
    entry contributes only its reward."""
    S, A = len(table), len(table[0])
    V = [0.0] * S
    for _ in range(H if H is not None else sweeps):
        V = [max(sum(p * (r + (0.0 if done else gamma * V[s2])) for p, s2, r, done in table[s][a]) for a in range(A))
             for s in range(S)]
    return np.array(V)


@pytest.fixture(scope="module")
def frozen_lake():
    return gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)


def test_frozen_lake_discounted_values(frozen_lake):
    m = tabular.from_gymnasium(frozen_lake, gamma=0.9)
    assert (m.S, m.A) == (17, 4) and m.name == "FrozenLake-v1"
    expected = dict_values(frozen_lake.unwrapped.P, 0.9)
    V = solvers.value_iteration(m.P, m.R, 0.9, tol=1e-11).V
    assert np.allclose(V[:16], expected, rtol=0, atol=1e-10)
    assert abs(V[16]) < 1e-10 and expected[0] > 0.05  # the goal is reachable from the start


def test_frozen_lake_episodic_values(frozen_lake):
    m = tabular.from_gymnasium(frozen_lake, H=12)
    expected = dict_values(frozen_lake.unwrapped.P, 1.0, H=12)
    assert np.allclose(solvers.backward_induction(m.P, m.R, 12).V[0, :16], expected, rtol=0, atol=1e-12)


def test_frozen_lake_layout(frozen_lake):
    """Duplicates merged (sliding left from the corner stays put twice: 2/3), terminal transitions go to the
    appended absorbing state with reward 0, the initial distribution is the environment's."""
    m = tabular.from_gymnasium(frozen_lake, gamma=0.9)
    assert np.isclose(m.P[0, 0, 0], 2 / 3) and np.isclose(m.P[0, 0, 4], 1 / 3)
    assert np.all(m.P[16, :, 16] == 1.0) and np.all(m.R[16] == 0.0)
    assert np.allclose(m.P[5, :, 16], 1.0)  # a hole ends the episode
    assert np.isclose(m.R[14, 2], 1 / 3) and np.isclose(m.P[14, 2, 16], 1 / 3)  # right from 14 reaches the goal
    assert np.array_equal(m.initial, np.append(frozen_lake.unwrapped.initial_state_distrib, 0.0))
    custom = tabular.from_gymnasium(frozen_lake, gamma=0.9, initial=np.full(17, 1 / 17))
    assert np.allclose(custom.initial, 1 / 17)


def newest(name: str) -> str:
    """The newest registered version of a gymnasium environment (Taxi-v3 in gymnasium 0.29, which the peers extra's
    rlberry pins; Taxi-v4 in 1.x)."""
    return max((k for k in gym.registry if k.startswith(f"{name}-v")), key=lambda k: int(k.rsplit("-v", 1)[1]))


@pytest.mark.parametrize("name", ["Taxi", "CliffWalking"])
def test_negative_reward_envs(name):
    env = gym.make(newest(name))
    m = tabular.from_gymnasium(env, gamma=0.95)
    assert m.reward_range[0] < 0 and m.R.min() >= m.reward_range[0]
    V = solvers.value_iteration(m.P, m.R, 0.95, tol=1e-8).V
    assert np.allclose(V[:-1], dict_values(env.unwrapped.P, 0.95, sweeps=800), rtol=0, atol=1e-8)


class FakeEnv:
    def __init__(self, P, initial=(1.0, 0.0)):
        self.P, self.initial_state_distrib = P, np.asarray(initial)


@pytest.mark.parametrize("env, kw, exc, match", [
    (gym.make("Blackjack-v1"), {"gamma": 0.9}, TypeError, r"no tabular transition table env.unwrapped.P"),
    (FakeEnv({0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {}, ValueError, "exactly one of"),
    (FakeEnv({0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9, "H": 3}, ValueError,
     "exactly one of"),
    (FakeEnv({0: {0: [(1.0, 2, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, ValueError,
     r"P\[0\]\[0\]: next_state 2"),
    (FakeEnv({0: {0: [(1.0, 1, 0.0)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, ValueError,
     r"P\[0\]\[0\] holds"),
    (FakeEnv({0: {0: [(0.5, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, ValueError,
     "state 0, action 0 sums to"),
    (FakeEnv({0: {0: [(1.0, 1, np.nan, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, ValueError,
     r"P\[0\]\[0\] has a non-finite reward"),
    (FakeEnv({0: {0: [("1", 1, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, TypeError,
     "probabilities"),
    (FakeEnv({0: {0: [(1.0, 1, 0.0, False)]}, 1: {1: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, ValueError,
     r"P\[1\] must map the actions"),
    (FakeEnv({0: {0: [(1.0, 1, 0.0, False)]}, 2: {0: [(1.0, 0, 0.0, False)]}}), {"gamma": 0.9}, ValueError,
     "states 0..1"),
    (FakeEnv({0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}), {"H": 2.5}, TypeError, "H"),
])
def test_from_gymnasium_bad_input(env, kw, exc, match):
    with pytest.raises(exc, match=match):
        tabular.from_gymnasium(env, **kw)


def test_from_gymnasium_without_initial_distribution():
    env = FakeEnv({0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 1.0, False)]}})
    del env.initial_state_distrib
    with pytest.raises(ValueError, match="initial is required"):
        tabular.from_gymnasium(env, gamma=0.5)
    m = tabular.from_gymnasium(env, gamma=0.5, initial=[0.0, 1.0])
    assert m.S == 2 and np.allclose(m.P[:, 0], [[0, 1], [1, 0]])  # no terminal transition: no absorbing state


# --- pymdptoolbox ------------------------------------------------------------------------------------------------

@given(mdps(max_S=6, max_A=3, sparse_rows=True), st.booleans())
def test_from_mdptoolbox_matches_mdptoolbox(mdp, sparse):
    """Every P and R layout pymdptoolbox accepts gives the MDP whose values pymdptoolbox's own policy iteration
    finds (it solves exactly)."""
    from mdptoolbox.mdp import PolicyIteration

    P, R, gamma = mdp
    S, A = R.shape
    # pymdptoolbox refuses gamma = 0, fails on one state, and its checker reads a 1-d R as per-action when S == A
    assume(S >= 2 and S != A and gamma > 0)
    P_list = [sp.csr_matrix(P[:, a]) if sparse else P[:, a] for a in range(A)]
    rng = np.random.default_rng(0)
    R_ass = rng.random((A, S, S))  # reward of (a, s, s')
    for R_in in (R, R[:, 0], R_ass, [sp.csr_matrix(r) for r in R_ass], list(R_ass)):
        m = tabular.from_mdptoolbox(P_list, R_in, gamma)
        assert np.array_equal(m.P, P)
        pi = PolicyIteration(P_list, R_in, gamma, eval_type=0)
        pi.run()
        ours = solvers.policy_evaluation(m.P, m.R, gamma, np.asarray(pi.policy, dtype=np.int64)).V
        assert np.allclose(ours, pi.V, rtol=0, atol=1e-8)


def test_from_mdptoolbox_layout():
    rng = np.random.default_rng(0)
    P_ass = rng.dirichlet(np.ones(4), size=(2, 4))  # (A, S, S)
    R_sa = rng.random((4, 2))
    m = tabular.from_mdptoolbox(P_ass, R_sa, 0.9)
    assert np.allclose(m.P[:, 1, :], P_ass[1])
    R_ass = np.broadcast_to(R_sa.T[:, :, None], (2, 4, 4))
    assert np.allclose(tabular.from_mdptoolbox(P_ass, R_ass, 0.9).R, R_sa)
    assert np.allclose(tabular.from_mdptoolbox(P_ass, R_sa[:, 0], 0.9).R, R_sa[:, [0, 0]])
    assert tabular.from_mdptoolbox(P_ass, 3 * R_sa, 0.9).reward_range == (0.0, float(3 * R_sa.max()))


@pytest.mark.parametrize("P, R, exc, match", [
    (sp.csr_matrix(np.full((8, 4), 0.25)), np.zeros((4, 2)), TypeError, "list of A per-action"),
    ([np.full((4, 4), 0.25), np.full((3, 3), 1 / 3)], np.zeros((4, 2)), ValueError, r"P\[1\] must have shape"),
    ([np.full((4, 4), 0.25 + 0j)] * 2, np.zeros((4, 2)), TypeError, r"P\[0\] must hold real"),
    ([np.full((4, 4), 0.25)] * 2, np.zeros((2, 4)), ValueError, "R must have shape"),
    ([np.full((4, 4), 0.25)] * 2, [np.zeros((4, 4))], ValueError, "A = 2 items"),
    ([np.full((4, 4), 0.25)] * 2, [np.zeros(3)] * 2, ValueError, r"R\[0\] must have shape \(S, S\)"),
    ([np.full((4, 4), 0.25)] * 2, np.full((4, 2), np.nan), ValueError, "R is not finite"),
])
def test_from_mdptoolbox_bad_input(P, R, exc, match):
    with pytest.raises(exc, match=match):
        tabular.from_mdptoolbox(P, R, 0.9)


def test_from_mdptoolbox_large_sparse_refused_by_the_model_not_densified_first():
    """pymdptoolbox's sparse per-action list goes to the model as it is: a size past the dense limit is the model's
    clear ValueError (pointing to the solvers), not a MemoryError while stacking."""
    S = 20_000
    with pytest.raises(ValueError, match=r"^P is sparse, .*3\.0 GiB .*solvers"):
        tabular.from_mdptoolbox([sp.identity(S, format="csr")], np.zeros(S), 0.9)
