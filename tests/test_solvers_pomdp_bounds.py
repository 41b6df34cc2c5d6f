"""QMDP, FIB (upper) and PBVI (lower) bounds on the discounted POMDP value: Tiger against its known value, the fast
kernels against slow loop references, and the sandwich around the exact finite-horizon value on drawn POMDPs.

The sandwich: with ``V_H`` the exact ``H``-step value (rewards discounted from the first step) and
``tail = gamma^H max|R| / (1 - gamma)``, ``|V* - V_H| <= tail`` pointwise, so at every belief
``QMDP >= FIB >= V* >= V_H - tail`` and ``PBVI <= V* <= V_H + tail``."""

import dataclasses
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers
from boundlab.solvers import pomdp_bounds
from conftest import discounted_pomdps, tiger

TIGER_VALUE = 19.371368  # V*(1/2, 1/2) at gamma 0.95: exact DP on the belief lattice (shared/refs, part 3)




def test_tiger_bounds_bracket_the_known_value():
    """QMDP >= FIB >= V* >= PBVI at b = (1/2, 1/2); FIB strictly tighter than QMDP; QMDP equals its closed form
    (knowing the state, open the right door forever: V_MDP = 10 / (1 - gamma) = 200, listen first: -1 + 0.95 * 200);
    PBVI on a 21-point grid within 1e-4 of V*, and with 1 point expanded by reachable beliefs within 0.1."""
    P, O, R = tiger()
    half = np.array([0.5, 0.5])
    q, f = solvers.qmdp(P, O, R, 0.95), solvers.fib(P, O, R, 0.95)
    grid = np.linspace(0, 1, 21)
    lo = solvers.pbvi(P, O, R, 0.95, np.stack([grid, 1 - grid], axis=1), n_iter=300)
    grown = solvers.pbvi(P, O, R, 0.95, [half], n_iter=300, expansions=6)
    assert (q.side, f.side, lo.side) == ("upper", "upper", "lower")
    assert abs(q.value(half) - 189.0) < 1e-5
    assert q.value(half) > f.value(half) + 50 > TIGER_VALUE + 50
    assert f.value(half) >= TIGER_VALUE - 1e-3 >= lo.value(half) - 1e-3
    assert -5e-7 <= TIGER_VALUE - lo.value(half) < 1e-4
    assert -5e-7 <= TIGER_VALUE - grown.value(half) < 0.1  # the reference is rounded to 6 decimals
    assert lo.policy(half) == 0 and lo.iterations == 300 and grown.iterations == 7 * 300
    # the bounds hold across the simplex, not only at 1/2: PBVI's lower bound below FIB's upper bound everywhere
    B = np.stack([np.linspace(0, 1, 101), 1 - np.linspace(0, 1, 101)], axis=1)
    assert np.all(lo.value(B) <= f.value(B)) and np.all(f.value(B) <= q.value(B))


def slow_fib_step(P, O, R, gamma, alpha):
    """``(T alpha)_a(s) = R(s,a) + gamma sum_o max_a' sum_s' P(s'|s,a) O(o|a,s') alpha_a'(s')`` by plain loops."""
    S, A = R.shape
    out = np.zeros((A, S))
    for a in range(A):
        for s in range(S):
            out[a, s] = R[s, a] + gamma * sum(
                max(sum(P[s, a, t] * O[a, t, o] * alpha[b, t] for t in range(S)) for b in range(A))
                for o in range(O.shape[2]))
    return out


def slow_backup(P, O, R, gamma, b, alphas, a):
    """The PBVI backup of belief ``b`` for action ``a`` by loops (Pineau et al. 2003, eq. for alpha_b^a)."""
    S = R.shape[0]
    vec = R[:, a].copy()
    for o in range(O.shape[2]):
        proj = [gamma * np.array([sum(P[s, a, t] * O[a, t, o] * al[t] for t in range(S)) for s in range(S)])
                for al in alphas]
        vec += proj[int(np.argmax([b @ g for g in proj]))]
    return vec


def slow_point_backup(P, O, R, gamma, B, alphas, actions):
    """One PBVI backup per belief by loops, the best action's (first on ties), kept only if it beats the best old
    vector at b; returned as a sorted set of (action, vector) rows."""
    rows = []
    for b in B:
        best, best_a = None, None
        for a in range(R.shape[1]):
            vec = slow_backup(P, O, R, gamma, b, alphas, a)
            if best is None or b @ vec > b @ best:
                best, best_a = vec, a
        k = int(np.argmax(alphas @ b))
        if b @ best < b @ alphas[k]:
            best, best_a = alphas[k], actions[k]
        rows.append((best_a, *best))
    return np.array(sorted(set(rows)))


@given(discounted_pomdps(max_S=4, max_A=3, max_obs=3), st.integers(0, 2**32 - 1))
def test_kernels_match_slow_references(pomdp, seed):
    """The vectorised FIB step and PBVI backup equal their loop references on random tables and beliefs."""
    P, O, R, gamma = pomdp
    S, A = R.shape
    rng = np.random.default_rng(seed)
    m = pomdp_bounds._model(P, O, R, gamma)
    m_sparse = pomdp_bounds._model(sp.csr_matrix(P.reshape(S * A, S)), O, R, gamma)
    M = m.projection()
    O3 = np.broadcast_to(O, (A, S, O.shape[-1]))
    alpha = rng.normal(size=(A, S))
    ref = slow_fib_step(P, O3, R, gamma, alpha)
    assert np.allclose(pomdp_bounds._fib_step(m, alpha), ref, atol=1e-12)
    assert np.allclose(pomdp_bounds._fib_step(m_sparse, alpha), ref, atol=1e-12)
    B = rng.dirichlet(np.ones(S), size=5)
    alphas, actions = rng.normal(size=(4, S)), rng.integers(0, A, 4)
    new, new_actions = pomdp_bounds._point_backup(M, R, B, alphas, actions)
    ref = slow_point_backup(P, O3, R, gamma, B, alphas, actions)
    # the backed-up vectors agree; each label is correct for its vector (where several actions tie, e.g. all rewards
    # 1, the kernel and the reference may label the same vector differently, and either label is right)
    ours_vecs = np.array(sorted(set(map(tuple, np.round(new, 9)))))
    ref_vecs = np.array(sorted(set(map(tuple, np.round(ref[:, 1:], 9)))))
    assert ours_vecs.shape == ref_vecs.shape and np.allclose(ours_vecs, ref_vecs, atol=1e-9)
    for vec, a in zip(new, new_actions):  # (deduplicated: a vector is kept from an old alpha or backed up at some b)
        old = [k for k in range(len(alphas)) if np.allclose(alphas[k], vec, atol=1e-12)]
        assert any(actions[k] == a for k in old) or any(
            np.allclose(slow_backup(P, O3, R, gamma, b, alphas, a), vec, atol=1e-12) for b in B)


@given(discounted_pomdps(), st.integers(0, 2**32 - 1), st.booleans())
def test_bounds_sandwich_the_exact_value(pomdp, seed, identity_obs):
    """At random beliefs: QMDP >= FIB >= V_H - tail and PBVI <= V_H + tail (module docstring), with tail <= 1e-3;
    with the state observed (O = identity) FIB equals QMDP within twice the QMDP slack (FIB is exact on MDPs)."""
    P, O, R, gamma = pomdp
    S, A = R.shape
    if identity_obs:
        O = np.eye(S)
    r_max = max(float(np.abs(R).max()), 1e-3)
    H = max(1, math.ceil(math.log(1e-3 * (1 - gamma) / r_max) / math.log(gamma)))
    tail = gamma**H * r_max / (1 - gamma)
    assert tail <= 1e-3
    exact = solvers.pomdp_value_iteration(P, O, R, H=H, gamma=gamma)
    rng = np.random.default_rng(seed)
    B = np.vstack([np.eye(S), rng.dirichlet(np.ones(S), size=50), rng.dirichlet(np.full(S, 0.2), size=50)])
    q, f = solvers.qmdp(P, O, R, gamma), solvers.fib(P, O, R, gamma)
    lo = solvers.pbvi(P, O, R, gamma, B[: S + 10], n_iter=40, expansions=1)
    vq, vf, vl, ve = q.value(B), f.value(B), lo.value(B), exact.value(B)
    assert np.all(vq >= vf)
    assert np.all(vf >= ve - tail)
    assert np.all(vl <= ve + tail)
    # ... and PBVI >= the value of each fixed blind policy "always a" at its belief set (it starts from them and never
    # decreases there), each solved exactly here; the certified slack it subtracts is at most 1e-9 on these sizes
    blind = np.array([np.linalg.solve(np.eye(S) - gamma * P[:, a, :], R[:, a]) for a in range(A)])
    assert np.all(vl[: S + 10] >= (B[: S + 10] @ blind.T).max(axis=1) - 1e-9)
    if identity_obs:
        assert np.all(vq - vf <= 2 * q.slack + 1e-9)  # Q_MDP <= fib <= Q_MDP + 2 slack


def test_result_is_frozen_and_batches():
    P, O, R = tiger()
    V = solvers.fib(P, O, R, 0.95)
    with pytest.raises(dataclasses.FrozenInstanceError):
        V.side = "lower"
    with pytest.raises(ValueError):
        V.alphas[0, 0] = 1.0
    B = np.random.default_rng(0).dirichlet([1, 1], size=(4, 5))
    assert V.value(B).shape == (4, 5) and V.policy(B).shape == (4, 5)
    assert np.allclose(V.value(B), [[V.value(b) for b in row] for row in B])
    assert isinstance(V.value([0.5, 0.5]), float) and V.H is None


def test_bad_input_names_the_argument():
    P, O, R = tiger()
    half = [[0.5, 0.5]]
    bad = P.copy()
    bad[1, 2] = [0.7, 0.7]
    for call in (lambda: solvers.qmdp(bad, O, R, 0.95), lambda: solvers.fib(bad, O, R, 0.95),
                 lambda: solvers.pbvi(bad, O, R, 0.95, half)):
        with pytest.raises(ValueError, match=r"P row at state 1, action 2"):
            call()
    bad = O.copy()
    bad[2, 1] = [0.5, 0.6]
    with pytest.raises(ValueError, match=r"O row at state 1, action 2"):
        solvers.qmdp(P, bad, R, 0.95)
    with pytest.raises(ValueError, match=r"O must have shape \(A, S, O\)"):
        solvers.fib(P, O[:2], R, 0.95)
    bad = R.copy()
    bad[1, 0] = np.inf
    with pytest.raises(ValueError, match=r"R\[1, 0\] is not finite"):
        solvers.pbvi(P, O, bad, 0.95, half)
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\)"):
        solvers.fib(P, O, R, 1.0)
    with pytest.raises(TypeError, match=r"gamma must be a real number"):
        solvers.qmdp(P, O, R, "0.95")
    with pytest.raises(ValueError, match=r"tol must be a positive"):
        solvers.fib(P, O, R, 0.95, tol=0.0)
    with pytest.raises(TypeError, match=r"max_iter must be an integer"):
        solvers.fib(P, O, R, 0.95, max_iter=2.5)
    with pytest.raises(RuntimeError, match=r"after max_iter = 3 steps"):
        solvers.fib(P, O, R, 0.95, max_iter=3)
    with pytest.raises(TypeError, match=r"n_iter must be an integer"):
        solvers.pbvi(P, O, R, 0.95, half, n_iter=10.0)
    with pytest.raises(ValueError, match=r"expansions must be >= 0"):
        solvers.pbvi(P, O, R, 0.95, half, expansions=-1)
    for b, err, msg in [([0.5, 0.5], ValueError, r"beliefs must have shape \(n, S\)"),
                        ([[0.5, 0.5, 0.0]], ValueError, r"beliefs must have shape"),
                        ([[0.5, 0.5], [1.2, -0.2]], ValueError, r"beliefs\[1\] = \[1.2, -0.2\]"),
                        (np.array(half, dtype=complex), TypeError, r"beliefs must hold real numbers")]:
        with pytest.raises(err, match=msg):
            solvers.pbvi(P, O, R, 0.95, b)
