"""Discounted planners on hypothesis-drawn MDPs (S <= 30, A <= 5, gamma in [0, 0.99])."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers, tabular
from conftest import mdps


def slow_evaluation(P, R, gamma, pi):
    """The obvious reference: build P_pi and r_pi with loops, solve with numpy."""
    S, A = R.shape
    pi_sa = np.zeros((S, A))
    for s in range(S):
        if np.ndim(pi) == 1:
            pi_sa[s, pi[s]] = 1.0
        else:
            pi_sa[s] = pi[s]
    P_pi = np.zeros((S, S))
    r_pi = np.zeros(S)
    for s in range(S):
        for a in range(A):
            P_pi[s] += pi_sa[s, a] * P[s, a]
            r_pi[s] += pi_sa[s, a] * R[s, a]
    return np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)


def bellman_optimality(P, R, gamma, V):
    return (R + gamma * np.einsum("sat,t->sa", P, V)).max(axis=1)


@given(mdps())
def test_planners_agree_and_certificates_hold(mdp):
    P, R, gamma = mdp
    tol = 1e-6
    exact = solvers.policy_iteration(P, R, gamma)
    # PI's V is V* of its policy: its Bellman optimality residual is at round-off level.
    assert np.max(np.abs(bellman_optimality(P, R, gamma, exact.V) - exact.V)) < 1e-9 * max(1, exact.V.max())
    V_star = exact.V
    for res in [solvers.value_iteration(P, R, gamma, tol=tol), solvers.modified_policy_iteration(P, R, gamma, tol=tol),
                solvers.solve(P, R, gamma, tol=tol)]:
        err = np.max(np.abs(res.V - V_star))
        assert err <= tol / 2 + 1e-9  # Puterman Thm 6.6.3: stopping rule gives |V - V*| <= tol / 2
        assert err <= res.error_bound + 1e-9  # the certificate holds
        gap = np.max(V_star - slow_evaluation(P, R, gamma, res.policy))
        assert gap <= tol + 1e-9 and gap <= res.policy_gap + 1e-9
        LV = bellman_optimality(P, R, gamma, res.V)
        assert np.isclose(res.residual, np.max(np.abs(LV - res.V)), atol=1e-12)
    lp = solvers.linear_programming(P, R, gamma)
    assert np.max(np.abs(lp.V - V_star)) <= 1e-6 * max(1.0, V_star.max())


@given(mdps(max_S=12, max_A=3, max_gamma=0.95))
def test_lp_cvxpy_backend_agrees(mdp):
    P, R, gamma = mdp
    V_star = solvers.policy_iteration(P, R, gamma).V
    res = solvers.linear_programming(P, R, gamma, backend="cvxpy")
    assert np.max(np.abs(res.V - V_star)) <= 1e-5 * max(1.0, V_star.max())
    assert np.max(np.abs(res.V - V_star)) <= res.error_bound + 1e-9


@given(mdps(), st.booleans(), st.integers(0, 2**32 - 1))
def test_policy_evaluation_matches_slow_reference(mdp, stochastic, seed):
    P, R, gamma = mdp
    S, A = R.shape
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(A), size=S) if stochastic else rng.integers(0, A, size=S)
    res = solvers.policy_evaluation(P, R, gamma, pi)
    ref = slow_evaluation(P, R, gamma, pi)
    assert np.allclose(res.V, ref, rtol=1e-9, atol=1e-9)
    assert np.max(np.abs(res.V - ref)) <= res.error_bound + 1e-9
    assert np.allclose(res.Q, R + gamma * np.einsum("sat,t->sa", P, ref), atol=1e-9)


@given(mdps(sparse_rows=True))
def test_sparse_and_dense_agree(mdp):
    P, R, gamma = mdp
    S, A = R.shape
    P2 = sp.csr_matrix(P.reshape(S * A, S))
    for f in (solvers.value_iteration, solvers.policy_iteration, solvers.modified_policy_iteration):
        dense, sparse = f(P, R, gamma), f(P2, R, gamma)
        assert np.allclose(dense.V, sparse.V, atol=1e-6)
    pi = solvers.policy_iteration(P, R, gamma).policy
    assert np.allclose(solvers.policy_evaluation(P, R, gamma, pi).V, solvers.policy_evaluation(P2, R, gamma, pi).V,
                       atol=1e-9)


@pytest.mark.parametrize("kind", ["garnet", "chain"])
@pytest.mark.parametrize("sparse", [True, False])
def test_linear_solver_paths_agree_with_direct_solve(kind, sparse, monkeypatch):
    """Krylov (well mixing: Garnet, where no factorisation may run) and its direct fallback (a slow chain at
    gamma = 0.9999, where BiCGSTAB stalls) both return V^pi to round-off, certified by the residual; reference:
    numpy's dense solve."""
    from boundlab.solvers import evaluation
    from boundlab.solvers.evaluation import solve_policy_system

    if kind == "garnet":
        def refuse(*args, **kwargs):
            raise AssertionError("a well-mixing system must be solved by the Krylov path")
        monkeypatch.setattr(evaluation.spla, "splu", refuse)
        monkeypatch.setattr(evaluation.la, "solve", refuse)

    S, gamma = 600, 0.9999 if kind == "chain" else 0.95
    rng = np.random.default_rng(1)
    if kind == "garnet":
        P_pi = np.zeros((S, S))
        for s in range(S):
            P_pi[s, rng.choice(S, 5, replace=False)] = rng.dirichlet(np.ones(5))
    else:
        P_pi = np.eye(S, k=1) * 0.9 + np.eye(S) * 0.1
        P_pi[-1, -1] = 1.0
    r = rng.random(S)
    ref = np.linalg.solve(np.eye(S) - gamma * P_pi, r)
    V = solve_policy_system(sp.csr_matrix(P_pi) if sparse else P_pi, r, gamma)
    assert np.max(np.abs(V - ref)) <= 1e-9 * np.max(np.abs(ref))
    P = np.repeat(P_pi[:, None, :], 2, axis=1)
    R = np.repeat(r[:, None], 2, axis=1)
    res = solvers.policy_evaluation(sp.csr_matrix(P.reshape(2 * S, S)) if sparse else P, R, gamma,
                                    np.zeros(S, dtype=int))
    assert np.max(np.abs(res.V - ref)) <= res.error_bound


def test_chain_closed_form():
    """Deterministic Chain (slip 0): going forward is optimal, so V*(s) = gamma^(S-1-s) / (1 - gamma) (reward 1 per
    step at the last state), while returning pays 0.2 / (1 - gamma) < V*(0) iff gamma^(S-1) > 0.2."""
    from boundlab.tabular import chain

    S, gamma = 5, 0.9
    m = chain(n_states=S, slip=0.0, gamma=gamma)
    expected = gamma ** (S - 1 - np.arange(S)) / (1 - gamma)
    for f in (solvers.value_iteration, solvers.policy_iteration, solvers.linear_programming, solvers.solve):
        assert np.allclose(f(m.P, m.R, gamma).V, expected, atol=1e-6)
    assert np.all(solvers.solve(m.P, m.R, gamma).policy == 0)


def test_mpi_is_not_held_up_by_rounding_noise_on_a_long_chain():
    """Issue 8's dense 1000-state chain at gamma = 0.9999, tol = 1e-6. The partial sweeps leave rounding noise in V
    whose span(LV - V) no longer shrinks although the greedy policy is settled (exactly, it would shrink by
    gamma^(order+1)), near tol/2 here: MPI then evaluates that policy exactly instead of waiting for the noise to dip.
    Monotone MPI from below needs no more backups than VI (Puterman Thm 6.5.5); both certificates contain the exact
    error, V*(s) = gamma^(S-1-s) / (1 - gamma) (forward is optimal: gamma^(S-1) > 0.2) in rationals."""
    from fractions import Fraction

    S, gamma, tol = 1000, 0.9999, 1e-6
    m = tabular.chain(n_states=S, slip=0.0, gamma=gamma)
    g = Fraction(gamma)
    V_star = [g ** (S - 1 - s) / (1 - g) for s in range(S)]
    vi = solvers.value_iteration(m.P, m.R, gamma, tol=tol)
    mpi = solvers.modified_policy_iteration(m.P, m.R, gamma, tol=tol)
    assert mpi.iterations <= vi.iterations
    for res in (vi, mpi):
        assert res.error_bound <= tol / 2
        assert max(abs(Fraction(float(v)) - w) for v, w in zip(res.V, V_star)) <= Fraction(res.error_bound)
        assert np.all(res.policy == 0)


def test_riverswim_value_by_hand():
    """RiverSwim at gamma = 0: V* = max_a R(s, a): 0.005 at the left bank, 1 at the right bank, else 0."""
    from boundlab.tabular import riverswim

    m = riverswim(gamma=0.0)
    assert np.allclose(solvers.solve(m.P, m.R, 0.0).V, [0.005, 0, 0, 0, 0, 1])


@pytest.mark.parametrize("bad, match", [
    (lambda P, R: (P[:, :, :-1], R), "shape"),
    (lambda P, R: (P * 1.1, R), "state 0, action 0 sums to"),
    (lambda P, R: (np.where(P > 0, -P, P), R), "negative"),
    (lambda P, R: (P, np.full_like(R, np.nan)), "not finite"),
])
def test_bad_input_raises(bad, match):
    rng = np.random.default_rng(0)
    P, R = rng.dirichlet(np.ones(4), size=(4, 2)), rng.random((4, 2))
    P, R = bad(P, R)
    with pytest.raises(ValueError, match=match):
        solvers.value_iteration(P, R, 0.9)


@given(mdps(max_S=8, max_A=3), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_malformed_transitions_name_state_and_action(mdp, kind, seed):
    P, R, gamma = mdp
    S, A = R.shape
    rng = np.random.default_rng(seed)
    s, a = int(rng.integers(S)), int(rng.integers(A))
    P = P.copy()
    if kind == 0:
        P[s, a] *= 0.5
        match = f"state {s}, action {a} sums to"
    elif kind == 1:
        P[s, a, 0] = np.nan
        match = f"non-finite entry at state {s}, action {a}"
    elif kind == 2:
        P[s, a, 0] -= 2.0
        match = f"negative entry at state {s}, action {a}"
    else:
        P[s, a, 0] = np.inf
        match = f"non-finite entry at state {s}, action {a}"
    for f in (solvers.value_iteration, solvers.policy_iteration, solvers.linear_programming, solvers.policy_evaluation):
        args = (P, R, gamma) if f is not solvers.policy_evaluation else (P, R, gamma, np.zeros(S, dtype=int))
        with pytest.raises(ValueError, match=match):
            f(*args)


@pytest.mark.parametrize("gamma", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma"):
        solvers.solve(np.ones((1, 1, 1)), np.zeros((1, 1)), gamma)


def test_bad_policy():
    P, R = np.ones((2, 2, 2)) / 2, np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"pi\[1\] = 5"):
        solvers.policy_evaluation(P, R, 0.5, np.array([0, 5]))
    with pytest.raises(ValueError, match=r"pi\[0\] sums to"):
        solvers.policy_evaluation(P, R, 0.5, np.array([[0.5, 0.6], [0.5, 0.5]]))
    with pytest.raises(TypeError, match="integer"):
        solvers.policy_evaluation(P, R, 0.5, np.array([0.0, 1.0]))


def test_solve_runs_sparse_on_dense_input_with_few_successors():
    """A 25x25 gridworld passed dense (S = 625 >= SPARSE_MIN_S) takes the CSR path; the result is certified."""
    m = tabular.gridworld(25, slip=0.1, gamma=0.99)
    res = solvers.solve(m.P, m.R, m.gamma, tol=1e-4)
    exact = solvers.policy_iteration(m.P, m.R, m.gamma)
    assert np.max(np.abs(res.V - exact.V)) <= res.error_bound + 1e-9 <= 1e-4
    gap = np.max(exact.V - solvers.policy_evaluation(m.P, m.R, m.gamma, res.policy).V)
    assert gap <= res.policy_gap + 1e-9
    lp = solvers.linear_programming(sp.csr_matrix(m.P.reshape(-1, m.S)), m.R, m.gamma)
    assert np.max(np.abs(lp.V - exact.V)) < 1e-6


@pytest.mark.parametrize("S, slip", [(300, 0.0), (300, 0.2)])
def test_every_path_of_solve_is_certified_on_slow_chains(S, slip):
    """The near-deterministic LP path of ``solve``, and the VI -> MPI -> exact-evaluation path it would otherwise take
    (run directly), both return V* within their certificates on a chain at gamma = 0.9999."""
    from boundlab.solvers._problem import discounted_problem
    from boundlab.solvers.value_iteration import _iterate
    from boundlab.tabular import chain

    m = chain(n_states=S, slip=slip, gamma=0.9999)
    exact = solvers.policy_iteration(m.P, m.R, 0.9999)
    for res in (solvers.solve(m.P, m.R, 0.9999, tol=1e-4),
                _iterate(discounted_problem(m.P, m.R, 0.9999), "auto", 1e-4, 10**6)):
        assert np.max(np.abs(res.V - exact.V)) <= res.error_bound <= 1e-4 / 2
        gap = np.max(exact.V - solvers.policy_evaluation(m.P, m.R, 0.9999, res.policy).V)
        assert gap <= res.policy_gap + exact.error_bound
