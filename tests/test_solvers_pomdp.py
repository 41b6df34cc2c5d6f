"""Exact POMDP value iteration (alpha-vectors, incremental pruning) against an exhaustive belief-tree search written
here, pruned against unpruned, convexity and open-loop lower bounds, and bad input by name."""

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers
from conftest import tiger




def tree_value(P, O, R, b, h, gamma):
    """The slow reference: V_h(b) by exhaustive recursion over actions and observations with Bayes updates."""
    if h == 0:
        return 0.0
    S, A = R.shape
    best = -np.inf
    for a in range(A):
        q = sum(b[s] * R[s, a] for s in range(S))
        for o in range(O.shape[2]):
            joint = [sum(b[s] * P[s, a, t] for s in range(S)) * O[a, t, o] for t in range(S)]
            p = sum(joint)
            if p > 0:
                q += gamma * p * tree_value(P, O, R, [x / p for x in joint], h - 1, gamma)
        best = max(best, q)
    return best


@pytest.mark.parametrize("gamma", [1.0, 0.95])
def test_tiger_equals_belief_tree_search(gamma):
    """V_H(1/2, 1/2) for H = 1..5 equals the exhaustive search; the first action is listen; V_H is not monotone in
    H (V_4 < V_3 for both discounts, found by the search and by the solver)."""
    P, O, R = tiger()
    half = np.array([0.5, 0.5])
    ref = [tree_value(P, O, R, half, H, gamma) for H in range(1, 6)]
    ours = [solvers.pomdp_value_iteration(P, O, R, H=H, gamma=gamma) for H in range(1, 6)]
    assert np.allclose([r.value(half) for r in ours], ref, rtol=0, atol=1e-9)
    assert all(r.policy(half) == 0 for r in ours)
    assert ref[3] < ref[2] - 0.1 and ours[3].value(half) < ours[2].value(half) - 0.1
    # the whole value function, not only b = 1/2: at beliefs across the simplex
    for p in np.linspace(0, 1, 7):
        b = np.array([p, 1 - p])
        assert abs(ours[4].value(b) - tree_value(P, O, R, b, 5, gamma)) < 1e-9


def test_tiger_longer_horizons_match_the_reference_table():
    """Undiscounted V_H(1/2, 1/2) for H = 6, 8, 10 against the independently computed table in the project's
    reading notes (shared/refs/pomdp_lmdp_revealing.md, part 3: exact DP on the belief lattice; 6-7 significant
    digits); the exhaustive search is too slow there."""
    P, O, R = tiger()
    table = {6: 5.618819, 8: 7.096616, 10: 9.438168}
    for H, v in table.items():
        assert abs(solvers.pomdp_value_iteration(P, O, R, H=H).value([0.5, 0.5]) - v) < 1e-6


@st.composite
def small_pomdps(draw):
    """(P, O, R, H, gamma) with S <= 3, A <= 2, O <= 2, H <= 3; O[a, s', o] or O[s', o]; sometimes two identical
    actions (duplicate vectors) or rewards on a coarse grid (ties), the cases pruning gets wrong."""
    S, A, n_obs, H = (draw(st.integers(1, m)) for m in (3, 2, 2, 3))
    gamma = draw(st.sampled_from([1.0, 0.9, 0.5, 0.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    P = rng.dirichlet(np.full(S, 0.7), size=(S, A))
    O = rng.dirichlet(np.full(n_obs, 0.7), size=(A, S) if draw(st.booleans()) else (S,))
    R = rng.integers(-2, 3, size=(S, A)).astype(float) if draw(st.booleans()) else rng.uniform(-1, 1, (S, A))
    if A == 2 and draw(st.booleans()):
        P[:, 1], R[:, 1] = P[:, 0], R[:, 0]
        if O.ndim == 3:
            O[1] = O[0]
    return P, O, R, H, gamma


def random_beliefs(rng, S, n):
    return np.vstack([np.eye(S), rng.dirichlet(np.ones(S), size=n), rng.dirichlet(np.full(S, 0.2), size=n)])


@given(small_pomdps(), st.integers(0, 2**32 - 1))
def test_pruning_never_changes_the_value_function(pomdp, seed):
    """Pruned and unpruned (every vector of Monahan's backup: n_h = A * n_{h-1}^O) value functions agree at many
    beliefs, and both equal the belief-tree search at some of them."""
    P, O, R, H, gamma = pomdp
    S, A = R.shape
    n_obs = O.shape[-1]
    pruned = solvers.pomdp_value_iteration(P, O, R, H=H, gamma=gamma)
    full = solvers.pomdp_value_iteration(P, O, R, H=H, gamma=gamma, prune=False)
    n = 1
    for _ in range(H):
        n = A * n**n_obs
    assert full.alphas.shape == (n, S) and len(pruned.alphas) <= n
    B = random_beliefs(np.random.default_rng(seed), S, 100)
    assert np.allclose(pruned.value(B), full.value(B), rtol=0, atol=1e-8)
    O3 = np.broadcast_to(O, (A, S, n_obs))
    for b in B[: S + 5]:
        assert abs(pruned.value(b) - tree_value(P, O3, R, b, H, gamma)) < 1e-9
    # the policy's action achieves the value: its vector is a maximiser
    i = (B @ pruned.alphas.T).argmax(axis=1)
    assert np.array_equal(pruned.policy(B), pruned.actions[i])


def open_loop_value(P, R, b, plan, gamma):
    """Value of the fixed action sequence ``plan`` from belief ``b`` (no observation is used)."""
    v, d = 0.0, np.asarray(b, dtype=float)
    for t, a in enumerate(plan):
        v += gamma**t * d @ R[:, a]
        d = d @ P[:, a, :]
    return v


@given(small_pomdps(), st.integers(0, 2**32 - 1))
def test_value_is_convex_and_above_every_open_loop_plan(pomdp, seed):
    """V_H is convex on the simplex and >= the value of every fixed action sequence, with equality (the best
    sequence) when the single observation carries no information."""
    P, O, R, H, gamma = pomdp
    S, A = R.shape
    rng = np.random.default_rng(seed)
    V = solvers.pomdp_value_iteration(P, O, R, H=H, gamma=gamma)
    B1, B2 = random_beliefs(rng, S, 30), random_beliefs(rng, S, 30)
    lam = rng.random((len(B1), 1))
    assert np.all(V.value(lam * B1 + (1 - lam) * B2) <= lam[:, 0] * V.value(B1) + (1 - lam[:, 0]) * V.value(B2)
                  + 1e-9)
    plans = list(itertools.product(range(A), repeat=H))
    for b in B1:
        best = max(open_loop_value(P, R, b, plan, gamma) for plan in plans)
        assert V.value(b) >= best - 1e-9
        if O.shape[-1] == 1:
            assert abs(V.value(b) - best) < 1e-9


def test_kept_vectors_are_strictly_best_somewhere():
    """On Tiger (S = 2) each kept vector is the unique maximiser on an interval of beliefs: found on a fine grid."""
    P, O, R = tiger()
    V = solvers.pomdp_value_iteration(P, O, R, H=6, gamma=0.95)
    p = np.linspace(0, 1, 200_001)
    scores = np.stack([p, 1 - p], axis=1) @ V.alphas.T
    top2 = np.sort(scores, axis=1)[:, -2:]
    unique = top2[:, 1] - top2[:, 0] > 1e-9
    assert set(scores[unique].argmax(axis=1)) == set(range(len(V.alphas)))


def test_result_is_frozen_and_batches():
    P, O, R = tiger()
    V = solvers.pomdp_value_iteration(P, O, R, H=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        V.H = 4
    with pytest.raises(ValueError):
        V.alphas[0, 0] = 1.0
    B = np.random.default_rng(0).dirichlet([1, 1], size=(4, 5))
    assert V.value(B).shape == (4, 5) and V.policy(B).shape == (4, 5)
    assert np.allclose(V.value(B), [[V.value(b) for b in row] for row in B])
    assert isinstance(V.value([0.5, 0.5]), float) and isinstance(V.policy([0.5, 0.5]), int)


def test_bad_input_names_the_argument():
    P, O, R = tiger()
    vi = solvers.pomdp_value_iteration
    bad = P.copy()
    bad[1, 2] = [0.7, 0.7]
    with pytest.raises(ValueError, match=r"P row at state 1, action 2"):
        vi(bad, O, R, H=2)
    bad = O.copy()
    bad[2, 1] = [0.5, 0.6]
    with pytest.raises(ValueError, match=r"O row at state 1, action 2"):
        vi(P, bad, R, H=2)
    bad = O.copy()
    bad[0, 0] = [1.2, -0.2]
    with pytest.raises(ValueError, match=r"O has a negative entry at state 0, action 0"):
        vi(P, bad, R, H=2)
    with pytest.raises(ValueError, match=r"O\[s', o\] row at state 0"):
        vi(P, np.array([[0.5, 0.4], [0.5, 0.5]]), R, H=2)
    with pytest.raises(ValueError, match=r"O must have shape \(A, S, O\)"):
        vi(P, O[:2], R, H=2)
    with pytest.raises(TypeError, match=r"O must hold real numbers"):
        vi(P, O.astype(complex), R, H=2)
    bad = R.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"R\[1, 0\] is not finite"):
        vi(P, O, bad, H=2)
    with pytest.raises(ValueError, match=r"P must have shape"):
        vi(P[:, :2], O, R, H=2)
    with pytest.raises(TypeError, match=r"H must be an integer"):
        vi(P, O, R, H=2.5)
    with pytest.raises(ValueError, match=r"H must be >= 1"):
        vi(P, O, R, H=0)
    with pytest.raises(TypeError, match=r"gamma must be a real number"):
        vi(P, O, R, H=2, gamma="0.9")
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\]"):
        vi(P, O, R, H=2, gamma=1.5)
    with pytest.raises(TypeError, match=r"prune must be a bool"):
        vi(P, O, R, H=2, prune=1)
    with pytest.raises(ValueError, match=r"prune=False: the next backup"):
        vi(P, O, R, H=4, prune=False)  # 3 * 2187^2 vectors of length 2
    V = vi(P, O, R, H=2)
    for b, err, msg in [([0.5, 0.5, 0.0], ValueError, r"belief must have shape"),
                        ([1.2, -0.2], ValueError, r"belief = \[1.2, -0.2\] is not a probability vector"),
                        ([0.5, 0.6], ValueError, r"not a probability vector"),
                        ([[0.5, 0.5], [0.5, np.nan]], ValueError, r"belief\[1\] = "),
                        (np.array([0.5, 0.5], dtype=complex), TypeError, r"belief must hold real numbers")]:
        with pytest.raises(err, match=msg):
            V.value(b)
        with pytest.raises(err, match=msg):
            V.policy(b)


def test_prune_keeps_one_of_duplicates_and_drops_ties():
    """Of two equal vectors one is kept; a vector that only ties the envelope at one belief is dropped."""
    from boundlab.solvers.pomdp_value_iteration import prune_alphas

    V = np.array([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.4, 0.4], [0.6, 0.6]])
    assert prune_alphas(V).tolist() == [0, 3, 5]
    assert prune_alphas(V[:5]).tolist() == [0, 3]
