"""Model validation, built-in instances and conversions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers
from boundlab import tabular
from conftest import mdps


@given(mdps(max_S=6, max_A=3), st.integers(0, 5), st.integers(0, 2**32 - 1))
def test_malformed_models_raise_value_error(mdp, kind, seed):
    P, R, gamma = mdp
    S, A = R.shape
    rng = np.random.default_rng(seed)
    s, a = int(rng.integers(S)), int(rng.integers(A))
    P, R = P.copy(), R.copy()
    kwargs = {}
    if kind == 0:
        P[s, a] += 0.1
        match = f"state {s}, action {a} sums to"
    elif kind == 1:
        P[s, a, -1] = np.nan
        match = f"state {s}, action {a}"
    elif kind == 2:
        R[s, a] = 1.5
        match = "outside reward_range"
    elif kind == 3:
        gamma = 1.0 + gamma
        match = "gamma"
    elif kind == 4:
        P = P[:, :, :-1] if S > 1 else P[None]
        match = "shape"
    else:
        kwargs["initial"] = np.full(S, 2.0 / S)
        match = "initial"
    with pytest.raises(ValueError, match=match):
        tabular.FiniteMDP(P, R, gamma, **kwargs)


def test_episodic_validation_names_step():
    P = np.full((4, 3, 2, 3), 1 / 3)
    P[2, 1, 1] = [0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="step 2, state 1, action 1"):
        tabular.EpisodicMDP(P, np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match="H must be >= 1"):
        tabular.EpisodicMDP(P[0], np.zeros((3, 2)), 0)
    with pytest.raises(ValueError, match="H = 4 steps, got 3"):
        tabular.EpisodicMDP(P[0], np.zeros((3, 3, 2)), 4)


def test_models_are_frozen_and_read_only():
    m = tabular.riverswim()
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 0.5
    with pytest.raises(AttributeError):
        m.gamma = 0.5


@given(st.integers(1, 6), st.integers(1, 3), st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_linear_mdp_matches_its_tabular_form(S, A, d, H, seed):
    """A linear MDP built from simplex features (phi(s, a) in the simplex, mu_h rows distributions) is valid and its
    tabular form has P_h = <phi, mu_h>, r_h = <phi, theta_h>."""
    rng = np.random.default_rng(seed)
    phi = rng.dirichlet(np.ones(d), size=(S, A))
    mu = rng.dirichlet(np.ones(S), size=(H, d))  # (H, d, S)
    theta = rng.random((H, d))
    lin = tabular.LinearMDP(phi, mu, theta, H)
    P, R = lin.to_arrays()
    for h in range(H):
        for s in range(S):
            for a in range(A):
                assert np.allclose(P[h, s, a], phi[s, a] @ mu[h])
                assert np.isclose(R[h, s, a], phi[s, a] @ theta[h])
    V = solvers.backward_induction(*lin.to_arrays())
    assert V.V.shape == (H, S)


def test_linear_mdp_rejects_invalid_distributions():
    phi = np.ones((2, 1, 1))
    with pytest.raises(ValueError, match="row at state 0, action 0 sums to"):
        tabular.LinearMDP(phi, np.array([[0.7, 0.7]]), np.array([0.5]), 3)
    with pytest.raises(ValueError, match="outside reward_range"):
        tabular.LinearMDP(phi, np.array([[0.5, 0.5]]), np.array([2.0]), 3)
    with pytest.raises(ValueError, match="mu must have shape"):
        tabular.LinearMDP(phi, np.ones((2, 2)), np.array([0.5]), 3)
    with pytest.raises(TypeError, match="mu must hold real numbers"):
        tabular.LinearMDP(phi, "R", np.array([0.5]), 3)
    with pytest.raises(TypeError, match="theta must hold real numbers"):
        tabular.LinearMDP(phi, np.array([[0.5, 0.5]]), np.array(["0.5"]), 3)


@pytest.mark.parametrize("name", sorted(tabular.ENVS))
def test_builtin_instances_are_valid_and_solvable(name):
    m = tabular.make(name)
    if isinstance(m, tabular.EpisodicMDP):
        res = solvers.backward_induction(m.P, m.R, m.H)
        assert res.V.shape == (m.H, m.S)
    else:
        res = solvers.solve(m.P, m.R, m.gamma)
        assert res.policy_gap <= 1e-6


def test_unknown_env_name():
    with pytest.raises(ValueError, match="name must be a built-in environment .*riverswim.*, got 'nope'"):
        tabular.make("nope")


def test_riverswim_optimal_policy_swims_right():
    m = tabular.riverswim(gamma=0.95)
    assert np.all(solvers.solve(m.P, m.R, m.gamma).policy == 1)


@pytest.mark.parametrize("epsilon", [0.0, 0.2])
def test_minimax_hard_instance_values(epsilon):
    """Domingues et al. 2021: V*(s_w) = (H - H_bar - d - 2)(1/2 + epsilon) (0-indexed steps), whatever the hidden
    (h*, l*, a*); a policy that always picks another leaf gets (H - H_bar - d - 2) / 2."""
    S, A, H = 10, 2, 12
    m = tabular.minimax_hard_instance(S, A, H, epsilon=epsilon)
    H_bar, d = H // 3, 2  # S = 10: root + 2 internal children + 4 leaves = 7 tree nodes, depth 2
    for optimal in [(None, 0, 0), (3, 2, 1), (H_bar + d + 1, 3, 0)]:
        m = tabular.minimax_hard_instance(S, A, H, epsilon=epsilon, optimal=optimal)
        V = solvers.backward_induction(m.P, m.R, H).V
        assert np.isclose(V[0, 0], (H - H_bar - d - 2) * (0.5 + epsilon))
    wrong_leaf = np.zeros((H, S), dtype=int)  # always action 0: wait, then leftmost path to leaf 0 with action 0
    m = tabular.minimax_hard_instance(S, A, H, epsilon=epsilon, optimal=(None, 1, 1))
    value = solvers.evaluate_policies(m.P, m.R, wrong_leaf[None], [0])[0]
    assert np.isclose(value, (H - H_bar - d - 2) * 0.5)
    with pytest.raises(ValueError, match="h\\* in"):
        tabular.minimax_hard_instance(S, A, H, optimal=(0, 0, 0))


def test_garnet_branching():
    P2 = tabular.garnet_transitions(200, 3, 7, seed=0)
    assert np.all(np.diff(P2.indptr) == 7)
    assert np.allclose(np.asarray(P2.sum(axis=1)).ravel(), 1.0)
    assert (P2 != tabular.garnet_transitions(200, 3, 7, seed=0)).nnz == 0




@pytest.mark.parametrize("factory, kwargs, exc, match", [
    (tabular.riverswim, {"n_states": 2.5}, TypeError, "n_states"),
    (tabular.riverswim, {"n_states": 1}, ValueError, "n_states"),
    (tabular.riverswim, {"gamma": "0.9"}, TypeError, "gamma"),
    (tabular.chain, {"slip": np.nan}, ValueError, "slip"),
    (tabular.chain, {"n_states": True}, TypeError, "n_states"),
    (tabular.gridworld, {"n": 3.0}, TypeError, "n must be an integer"),
    (tabular.gridworld, {"sparse": 1}, TypeError, "sparse"),
    (tabular.garnet, {"b": 2.5}, TypeError, "b must be an integer"),
    (tabular.garnet, {"S": 0}, ValueError, "S must be >= 1"),
    (tabular.dirichlet_mdp, {"alpha": -1.0}, ValueError, "alpha"),
    (tabular.dirichlet_mdp, {"A": 2.0}, TypeError, "A must be an integer"),
    (tabular.dirichlet_mdp, {"seed": -3}, ValueError, "seed must be a non-negative"),
    (tabular.minimax_hard_instance, {"H": 12.0}, TypeError, "H must be an integer"),
    (tabular.minimax_hard_instance, {"H_bar": 2.5}, TypeError, "H_bar"),
    (tabular.minimax_hard_instance, {"optimal": (None, 0.5, 0)}, TypeError, "l\\*"),
    (tabular.minimax_hard_instance, {"optimal": 3}, TypeError, "optimal"),
    (tabular.minimax_hard_instance, {"epsilon": "0.1"}, TypeError, "epsilon"),
    (tabular.minimax_hard_family, {"H_bar": 2.5}, TypeError, "H_bar"),
    (tabular.random_linear_mdp, {"d": 2.5}, TypeError, "d must be an integer"),
    (tabular.make, {"name": 3}, TypeError, "name must be a string"),
])
def test_instance_arguments_checked(factory, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        factory(**kwargs)


def test_public_functions_have_type_hints_that_resolve():
    """Every public function of tabular (its __all__, the learners, the argument checkers and the simulators' adapters)
    annotates each parameter and its return, and the annotations name real types."""
    import inspect
    import typing

    import gymnasium

    from boundlab.tabular import _checks, jax_env, learners
    from boundlab.tabular.gym_env import MDPEnv

    functions = [getattr(tabular, n) for n in tabular.__all__ if inspect.isfunction(getattr(tabular, n))]
    functions += [getattr(learners, n) for n in learners.__all__ if inspect.isfunction(getattr(learners, n))]
    functions += [_checks.plain, _checks.check_int, _checks.check_real, _checks.check_flag, _checks.check_reward_range,
                  jax_env.params_from_model, jax_env.reset, jax_env.step, jax_env.rollout, jax_env.batch_rollout,
                  MDPEnv.reset, MDPEnv.step, tabular.simulate]
    for f in functions:
        hints = typing.get_type_hints(f, {**vars(inspect.getmodule(f)), "gym": gymnasium})
        params = [p for p in inspect.signature(f).parameters if p != "self"]
        assert set(params) <= set(hints) and "return" in hints, (f.__qualname__, set(params) - set(hints))
