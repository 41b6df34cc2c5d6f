"""Backward induction and finite-horizon evaluation."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers
from conftest import episodic


def slow_finite_evaluation(P, R, H, pi):
    """Reference recursion with explicit loops; ``pi[h][s]`` deterministic."""
    S, A = np.shape(R)[-2:]
    Ph = (lambda h: P[h]) if np.ndim(P) == 4 else (lambda h: P)
    Rh = (lambda h: R[h]) if np.ndim(R) == 3 else (lambda h: R)
    V = np.zeros(S)
    for h in reversed(range(H)):
        new = np.zeros(S)
        for s in range(S):
            a = pi[h][s]
            new[s] = Rh(h)[s, a] + sum(Ph(h)[s, a, t] * V[t] for t in range(S))
        V = new
    return V


@given(episodic(max_S=3, max_A=2, max_H=3))
def test_backward_induction_equals_brute_force(model):
    """Tiny instances: V*_0 is the best value over all A^(S H) deterministic Markov policies, state by state."""
    P, R, H = model
    S, A = np.shape(R)[-2:]
    res = solvers.backward_induction(P, R, H)
    best = np.full(S, -np.inf)
    for flat in itertools.product(range(A), repeat=S * H):
        pi = np.array(flat).reshape(H, S)
        best = np.maximum(best, slow_finite_evaluation(P, R, H, pi))
    assert np.allclose(res.V[0], best, atol=1e-12)
    assert np.allclose(slow_finite_evaluation(P, R, H, res.policy), res.V[0], atol=1e-12)


@given(episodic(max_S=6, max_A=3, max_H=20), st.booleans(), st.integers(0, 2**32 - 1))
def test_finite_horizon_evaluation_matches_reference(model, stochastic, seed):
    P, R, H = model
    S, A = np.shape(R)[-2:]
    rng = np.random.default_rng(seed)
    if stochastic:
        pi = rng.dirichlet(np.ones(A), size=(H, S))
        res = solvers.finite_horizon_evaluation(P, R, pi)
        # the value of a stochastic policy is linear in pi at each (h, s): check against the expanded recursion
        V = np.zeros(S)
        Pf = P if np.ndim(P) == 4 else np.broadcast_to(P, (H, S, A, S))
        Rf = R if np.ndim(R) == 3 else np.broadcast_to(R, (H, S, A))
        for h in reversed(range(H)):
            V = (pi[h] * (Rf[h] + Pf[h] @ V)).sum(axis=1)
        assert np.allclose(res.V[0], V, atol=1e-12)
    else:
        pi = rng.integers(0, A, size=(H, S))
        res = solvers.finite_horizon_evaluation(P, R, pi)
        assert np.allclose(res.V[0], slow_finite_evaluation(P, R, H, pi), atol=1e-12)
    opt = solvers.backward_induction(P, R, H)
    assert np.all(res.V <= opt.V + 1e-12)


@given(episodic(inhomogeneous=False))
def test_sparse_backward_induction_agrees(model):
    P, R, H = model
    S, A = R.shape
    dense = solvers.backward_induction(P, R, H)
    sparse = solvers.backward_induction(sp.csr_matrix(P.reshape(S * A, S)), R, H)
    assert np.allclose(dense.V, sparse.V, atol=1e-12) and np.allclose(dense.Q, sparse.Q, atol=1e-12)


def test_finite_horizon_bad_input():
    P = np.full((3, 2, 2, 2), 0.5)
    R = np.zeros((3, 2, 2))
    P[1, 1, 0] = [0.7, 0.7]
    with pytest.raises(ValueError, match="step 1, state 1, action 0 sums to"):
        solvers.backward_induction(P, R)
    with pytest.raises(ValueError, match="H is required"):
        solvers.backward_induction(np.full((2, 2, 2), 0.5), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="H must be >= 1"):
        solvers.backward_induction(np.full((2, 2, 2), 0.5), np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match=r"pi\[0, 0\] = 7 is not an action"):
        solvers.finite_horizon_evaluation(np.full((2, 2, 2), 0.5), np.zeros((2, 2)), np.full((3, 2), 7))


@given(episodic(max_S=5, max_A=3, max_H=6), st.integers(1, 6), st.sampled_from([0.0, 0.3]), st.integers(0, 2**31))
def test_evaluate_policies_matches_per_policy_evaluation(model, K, epsilon, seed):
    """The batched Numba evaluator (with its skip of repeated policies) equals finite_horizon_evaluation of each
    policy mixed with a uniform action w.p. epsilon."""
    P, R, H = model
    S, A = np.shape(R)[-2:]
    rng = np.random.default_rng(seed)
    policies = rng.integers(0, A, size=(K, H, S))
    if K > 2:
        policies[2] = policies[1]  # exercise the repeated-policy path
    starts = rng.integers(0, S, size=K)
    values = solvers.evaluate_policies(P, R, policies, starts, epsilon)
    for k in range(K):
        mixed = np.full((H, S, A), epsilon / A)
        np.put_along_axis(mixed, policies[k][..., None], 1 - epsilon + epsilon / A, axis=2)
        expected = solvers.finite_horizon_evaluation(P, R, mixed).V[0, starts[k]]
        assert np.isclose(values[k], expected, atol=1e-12)


def test_dense_scan_and_csr_match_numpy():
    from boundlab.solvers.validation import _dense_to_csr, _scan_dense_rows

    rng = np.random.default_rng(0)
    X = rng.random((50, 30)) * (rng.random((50, 30)) < 0.2)
    X[3, 4], X[7, 1] = -0.5, np.inf
    w = rng.random(30)
    sums, product, nnz, negative = _scan_dense_rows(X, w)
    nonfinite = ~np.isfinite(sums)
    with np.errstate(invalid="ignore"):
        assert np.allclose(sums[np.isfinite(sums)], X.sum(axis=1)[np.isfinite(sums)])
        finite = np.isfinite(X).all(axis=1)
        assert np.allclose(product[finite], (X @ w)[finite])
    assert np.array_equal(nnz, np.count_nonzero(X, axis=1))
    assert np.flatnonzero(nonfinite).tolist() == [7] and np.flatnonzero(negative).tolist() == [3]
    X[7, 1] = 0.0
    data, indices, indptr = _dense_to_csr(X, np.count_nonzero(X, axis=1))
    ref = sp.csr_matrix(X)
    assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)
    assert np.array_equal(data, ref.data)


def test_one_step_reward_table_is_not_broadcast():
    P = np.full((2, 2, 2), 0.5)
    with pytest.raises(ValueError, match="R\\[h, s, a\\] must have H = 3 steps, got 1"):
        solvers.backward_induction(P, np.zeros((1, 2, 2)), 3)
    assert solvers.backward_induction(P, np.ones((2, 2)), 3).V[0, 0] == 3.0


@pytest.mark.parametrize("case", ["valid", "off", "negative", "nan"])
def test_small_and_large_scans_validate_alike(case, monkeypatch):
    """check_distribution_rows scans small operators with numpy and large ones with the parallel kernel: forcing
    either path gives the same verdict (the same message, the printed sum equal to rounding) and statistics."""
    from boundlab.solvers import validation

    rng = np.random.default_rng(1)
    P2 = rng.dirichlet(np.full(20, 0.3), size=60)
    if case == "off":
        P2[13, 2] += 1e-3
    elif case == "negative":
        P2[21, 0], P2[21, 1] = -0.25, P2[21, 1] + 0.25
    elif case == "nan":
        P2[40, 5] = np.nan
    outcomes = []
    for limit in (0, 10**9):
        monkeypatch.setattr(validation, "SERIAL_SCAN_MAX", limit)
        try:
            st = validation.check_distribution_rows(P2, 3, probe=np.arange(20.0))
            outcomes.append((st.max_nnz, st.nnz, st.eta, st.sums, st.product))
        except ValueError as e:
            outcomes.append(str(e))
    if case == "valid":
        (m1, n1, e1, s1, p1), (m2, n2, e2, s2, p2) = outcomes
        assert (m1, n1) == (m2, n2) and abs(e1 - e2) <= 1e-15
        assert np.allclose(s1, s2, rtol=0, atol=1e-15) and np.allclose(p1, p2, rtol=1e-14)
    else:
        (head1, _, sum1), (head2, _, sum2) = (o.partition(" sums to ") for o in outcomes)
        assert head1 == head2 and (sum1 == sum2 or abs(float(sum1.split(",")[0]) - float(sum2.split(",")[0])) < 1e-15)
