"""Input layouts (pymdptoolbox's per-action list) and bad input: a clear ValueError/TypeError naming the argument."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given

from boundlab import solvers
from conftest import mdps

PLANNERS = [solvers.value_iteration, solvers.modified_policy_iteration, solvers.policy_iteration,
            solvers.linear_programming, solvers.solve]


def forest(S=3, r1=4.0, r2=2.0, p=0.1):
    """pymdptoolbox's ``example.forest`` built by hand: per-action (S, S) matrices, P[a][s, s'] (action 0 wait,
    1 cut) and R[s, a]."""
    wait = np.zeros((S, S))
    wait[:, 0] = p
    wait[np.arange(S - 1), np.arange(1, S)] = 1 - p
    wait[S - 1, S - 1] = 1 - p
    cut = np.zeros((S, S))
    cut[:, 0] = 1.0
    R = np.zeros((S, 2))
    R[S - 1, 0], R[1:, 1], R[S - 1, 1] = r1, 1.0, r2
    return [wait, cut], R


@pytest.mark.parametrize("to_sparse", [False, True])
def test_pymdptoolbox_forest_as_a_list(to_sparse):
    """The forest example: the list (dense or sparse, tuple or list) is the MDP P[s, a, s'] = P[a][s, s']; a vertical
    stack of the same sparse matrices (rows a*S + s) is a different MDP, which the docs point away from."""
    P_list, R = forest()
    if to_sparse:
        P_list = tuple(sp.csr_matrix(Pa) for Pa in P_list)
    P_sas = np.stack([np.asarray(Pa.todense() if sp.issparse(Pa) else Pa) for Pa in P_list], axis=1)
    for f in PLANNERS:
        ours, ref = f(P_list, R, 0.96), f(P_sas, R, 0.96)
        assert np.allclose(ours.V, ref.V, atol=1e-6) and np.array_equal(ours.policy, ref.policy)
    pi = np.array([0, 1, 0])
    assert np.allclose(solvers.policy_evaluation(P_list, R, 0.96, pi).V,
                       solvers.policy_evaluation(P_sas, R, 0.96, pi).V)
    assert np.allclose(solvers.backward_induction(P_list, R, 5).V, solvers.backward_induction(P_sas, R, 5).V)
    # pymdptoolbox documents forest(S=3)'s optimal policy at discount 0.96 as (0, 0, 0)
    assert solvers.solve(P_list, R, 0.96).policy.tolist() == [0, 0, 0]
    stacked = sp.vstack([sp.csr_matrix(Pa) for Pa in P_list])
    assert not np.allclose(solvers.solve(stacked, R, 0.96).V, solvers.solve(P_list, R, 0.96).V)


def test_pymdptoolbox_itself_agrees():
    """pymdptoolbox (in the dev extra) on its own forest example: our planner on its per-action list agrees."""
    from mdptoolbox import example, mdp

    P, R = example.forest(S=10, is_sparse=True)
    vi = mdp.PolicyIteration(P, R, 0.9)
    vi.run()
    ours = solvers.policy_iteration(list(P), R, 0.9)
    assert np.allclose(ours.V, vi.V, atol=1e-8) and ours.policy.tolist() == list(vi.policy)


@given(mdps(max_S=8, max_A=3, sparse_rows=True))
def test_list_layout_equals_dense(mdp):
    P, R, gamma = mdp
    A = R.shape[1]
    as_list = [sp.csr_matrix(P[:, a, :]) if a % 2 else P[:, a, :] for a in range(A)]
    assert np.allclose(solvers.policy_iteration(as_list, R, gamma).V, solvers.policy_iteration(P, R, gamma).V,
                       atol=1e-9)


def test_list_and_ndarray_layout_errors():
    P_list, R = forest(S=4)
    with pytest.raises(ValueError, match="list of 1 per-action matrices, but R has A = 2"):
        solvers.solve(P_list[:1], R, 0.9)
    with pytest.raises(ValueError, match=r"P\[1\] must have shape \(S, S\)"):
        solvers.solve([P_list[0], P_list[1][:3]], R, 0.9)
    with pytest.raises(ValueError, match="pymdptoolbox"):
        solvers.solve(np.stack(P_list), R, 0.9)  # (A, S, S)
    with pytest.raises(ValueError, match=r"row s\*A \+ a.*list"):
        solvers.solve(sp.csr_matrix(np.ones((3, 4)) / 4), R, 0.9)


def _model():
    rng = np.random.default_rng(0)
    return rng.dirichlet(np.ones(4), size=(4, 2)), rng.random((4, 2))


@pytest.mark.parametrize("f", PLANNERS + [solvers.policy_evaluation])
@pytest.mark.parametrize("arg, value, error, match", [
    ("gamma", "0.9", TypeError, "gamma must be a real number"),
    ("gamma", 0.9 + 0j, TypeError, "gamma must be a real number"),
    ("gamma", True, TypeError, "gamma must be a real number"),
    ("P", "complex", TypeError, "P must hold real numbers"),
    ("R", "complex", TypeError, "R must hold real numbers"),
    ("P", "float32", ValueError, "float32"),
])
def test_bad_argument_named(f, arg, value, error, match):
    P, R = _model()
    gamma = 0.9
    if arg == "gamma":
        gamma = value
    elif value == "complex":
        P, R = (P.astype(complex), R) if arg == "P" else (P, R + 0j)
    else:  # float32 P off by more than float32 resolution allows
        P = P.astype(np.float32)
        P[2, 1, 0] += 1e-3
    args = (P, R, gamma) + ((np.zeros(4, dtype=int),) if f is solvers.policy_evaluation else ())
    with pytest.raises(error, match=match):
        f(*args)


def test_float32_inputs_normalised_in_float32_are_accepted_and_certified():
    """Rows normalised in float32 miss 1 by ~1e-7: the tolerance scales with the dtype; the certificate covers
    the stored rows' actual sums."""
    rng = np.random.default_rng(3)
    P = rng.random((50, 3, 50)).astype(np.float32)
    P /= P.sum(axis=2, keepdims=True)
    R = rng.random((50, 3)).astype(np.float32)
    assert np.abs(P.astype(np.float64).sum(axis=2) - 1).max() > solvers.validation.ROW_SUM_ATOL
    res = solvers.value_iteration(P, R, 0.9, tol=1e-4)
    exact = solvers.policy_iteration(P, R, 0.9)
    assert np.max(np.abs(res.V - exact.V)) <= res.error_bound <= 1e-4 / 2
    pi = rng.dirichlet(np.ones(3), size=50).astype(np.float32)
    solvers.policy_evaluation(P, R, 0.9, pi)  # accepted at float32 resolution
    pi[7] *= 1.01
    with pytest.raises(ValueError, match=r"pi\[7\] sums to .*float32"):
        solvers.policy_evaluation(P, R, 0.9, pi)
    pi3 = np.repeat(rng.dirichlet(np.ones(3), size=50)[None], 2, axis=0).astype(np.float32)
    pi3[1, 4] *= 1.01
    with pytest.raises(ValueError, match=r"pi\[1, 4\] is not a probability vector.*float32"):
        solvers.finite_horizon_evaluation(P, R, pi3)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_iter": 2.5}, TypeError, "max_iter must be an integer"),
    ({"max_iter": 0}, ValueError, "max_iter must be >= 1"),
    ({"tol": -1e-6}, ValueError, "tol must be a positive"),
    ({"tol": float("nan")}, ValueError, "tol must be a positive"),
    ({"tol": "1e-6"}, TypeError, "tol must be a real number"),
])
def test_bad_iteration_arguments(kwargs, error, match):
    P, R = _model()
    for f in (solvers.value_iteration, solvers.modified_policy_iteration):
        with pytest.raises(error, match=match):
            f(P, R, 0.9, **kwargs)
    if "tol" in kwargs:
        with pytest.raises(error, match=match):
            solvers.solve(P, R, 0.9, **kwargs)
    else:
        with pytest.raises(error, match=match):
            solvers.policy_iteration(P, R, 0.9, **kwargs)
    with pytest.raises(TypeError, match="order must be an integer"):
        solvers.modified_policy_iteration(P, R, 0.9, order=2.5)


def test_pi0_must_be_integer_actions():
    P, R = _model()
    with pytest.raises(TypeError, match="pi0 must hold integer actions"):
        solvers.policy_iteration(P, R, 0.9, pi0=np.array([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"pi0\[2\] = 5 is not an action"):
        solvers.policy_iteration(P, R, 0.9, pi0=np.array([0, 1, 5, 1]))
    assert solvers.policy_iteration(P, R, 0.9, pi0=np.array([0, 1, 0, 1])).iterations >= 1


def test_finite_horizon_bad_arguments():
    P, R = _model()
    with pytest.raises(ValueError, match=r"pi must have at least one step \(H >= 1\)"):
        solvers.finite_horizon_evaluation(P, R, np.zeros((0, 4), dtype=int))
    for f, args in [(solvers.backward_induction, (P, R)), (solvers.finite_horizon_evaluation,
                                                           (P, R, np.zeros((2, 4), dtype=int)))]:
        with pytest.raises(TypeError, match="H must be an integer"):
            f(*args, H=2.5)
        with pytest.raises(TypeError, match="H must be an integer"):
            f(*args, H="2")
    with pytest.raises(TypeError, match="deterministic pi"):
        solvers.finite_horizon_evaluation(P, R, np.zeros((2, 4)))
    with pytest.raises(TypeError, match="R must hold real numbers"):
        solvers.backward_induction(P, R + 1j, 2)
    with pytest.raises(TypeError, match="policies must hold integer"):
        solvers.evaluate_policies(P, R, np.zeros((1, 2, 4)), [0])
    with pytest.raises(TypeError, match="epsilon must be a real number"):
        solvers.evaluate_policies(P, R, np.zeros((1, 2, 4), dtype=int), [0], epsilon="0.1")


def test_messages_print_plain_numbers():
    """Numpy scalars in messages print as plain numbers (0.7, 2.5, '0.9'), not as np.float64(0.7) reprs."""
    half, zero = np.full((2, 1, 2), 0.5), np.zeros((2, 1))
    off = half.copy()
    off[0, 0, 0] = 0.6
    calls = [(lambda: solvers.value_iteration(off, zero, 0.9), "sums to 1.1"),
             (lambda: solvers.value_iteration(half, zero, 0.9, max_iter=np.float64(2.5)), "got float64 2.5"),
             (lambda: solvers.value_iteration(half, zero, np.str_("0.9")), "got str_ '0.9'"),
             (lambda: solvers.policy_evaluation(half, zero, 0.9, np.array([[0.7], [1.0]])), "sums to 0.7"),
             (lambda: solvers.finite_horizon_evaluation(half, zero, np.array([[[0.7], [1.0]]])), "sums to 0.7")]
    for call, expected in calls:
        with pytest.raises((ValueError, TypeError)) as info:
            call()
        assert expected in str(info.value) and "np." not in str(info.value), str(info.value)
