"""HSVI: certified bounds on Tiger and crying baby against their known values, bracketing the exact value on drawn
POMDPs (``|V* - V_H| <= tail``, as in test_solvers_pomdp_bounds), the Numba kernels against slow references, the
budget path, and bad input."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers, tabular
from boundlab.solvers import heuristic_search as hsvi_mod
from conftest import discounted_pomdps, tiger

TIGER_VALUE = 19.371368  # V*(1/2, 1/2) at gamma 0.95, exact DP on the belief lattice (shared/refs part 3), 6 decimals
BABY_VALUE = -16.3055  # V*(not hungry) at gamma 0.9 (NativeSARSOP.jl's test value -16.3; 4 decimals computed)


def test_tiger_interval_holds_the_known_value_and_closes():
    P, O, R = tiger()
    res = solvers.hsvi(P, O, R, 0.95, [0.5, 0.5], gap=1e-4)
    assert res.converged and res.gap <= 1e-4
    assert res.lower - 5e-7 <= TIGER_VALUE <= res.upper + 5e-7
    assert res.policy([0.5, 0.5]) == 0  # listen
    assert res.lower_value([0.5, 0.5]) == pytest.approx(res.lower, abs=0)
    assert res.upper_value([0.5, 0.5]) == pytest.approx(res.upper, abs=0)
    # the trace is certified at each trial: lower never decreases and upper never increases
    assert np.all(np.diff(res.trace[:, 1]) >= 0) and np.all(np.diff(res.trace[:, 2]) <= 0)
    assert res.trace[-1, 1] == res.lower and res.trace[-1, 2] == res.upper


def test_crying_baby_interval_holds_the_known_value():
    m = tabular.crying_baby()
    res = solvers.hsvi(*m.to_arrays(), m.gamma, m.initial, gap=1e-4)
    assert res.converged and res.lower - 5e-5 <= BABY_VALUE <= res.upper + 5e-5


@given(discounted_pomdps(), st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_bounds_bracket_the_exact_value(pomdp, seed, sparse, degenerate):
    """At b0 and at random beliefs the certified bounds bracket ``V_H`` within ``tail`` (``|V* - V_H| <= tail``):
    lower <= V_H + tail and upper >= V_H - tail, lower <= upper everywhere; where HSVI converged the width at b0 is
    at most ``gap``. ``degenerate``: state 0 absorbing with zero reward, observations of probability 0, exact
    zeros in ``P``, a point ``b0``."""
    P, O, R, gamma = pomdp
    S, A = R.shape
    if degenerate:
        P, O, R = P.copy(), np.array(np.broadcast_to(O, (A, S, O.shape[-1]))), R.copy()
        P[P < 0.2] = 0.0
        P[..., 0] += 1.0 - P.sum(-1)
        P[0], R[0] = np.eye(S)[0], 0.0
        O[O < 0.3] = 0.0
        O[..., 0] += 1.0 - O.sum(-1)
    r_max = max(float(np.abs(R).max()), 1e-3)
    H = max(1, math.ceil(math.log(1e-3 * (1 - gamma) / r_max) / math.log(gamma)))
    tail = gamma**H * r_max / (1 - gamma)
    exact = solvers.pomdp_value_iteration(P, O, R, H=H, gamma=gamma)
    rng = np.random.default_rng(seed)
    b0 = np.eye(S)[rng.integers(S)] if degenerate else rng.dirichlet(np.ones(S))
    P_in = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
    res = solvers.hsvi(P_in, O, R, gamma, b0, gap=1e-3, time_limit=20)
    assert res.converged and res.gap <= 1e-3
    assert res.lower <= exact.value(b0) + tail and res.upper >= exact.value(b0) - tail
    blind = np.array([np.linalg.solve(np.eye(S) - gamma * P[:, a, :], R[:, a]) for a in range(A)])
    assert res.lower >= max(blind @ b0) - 1e-9  # at least every fixed blind policy "always a"
    for b in rng.dirichlet(np.full(S, 0.5), size=10):
        assert res.lower_value(b) <= exact.value(b) + tail
        assert res.upper_value(b) >= exact.value(b) - tail
        assert res.lower_value(b) <= res.upper_value(b)


@pytest.mark.parametrize("gamma", [0.95, 0.99])
def test_fully_observed_states_give_the_mdp_value(gamma):
    """With the next state observed (``O`` the identity) and a point ``b0 = e_s``, ``V*(b0) = V*_MDP(s)``: the
    interval must hold the certified value-iteration interval's centre within that interval's own width, on a sparse
    model with an absorbing zero-reward state."""
    rng = np.random.default_rng(int(gamma * 100))
    S, A = 8, 3
    P = rng.dirichlet(np.full(S, 0.3), size=(S, A))
    P[P < 0.1] = 0.0
    P[..., 0] += 1.0 - P.sum(-1)
    P[0] = np.eye(S)[0]
    R = rng.uniform(-1, 1, (S, A))
    R[0] = 0.0
    mdp = solvers.value_iteration(P, R, gamma, tol=1e-10)
    for s in (1, 5):
        res = solvers.hsvi(sp.csr_matrix(P.reshape(S * A, S)), np.eye(S), R, gamma, np.eye(S)[s], gap=1e-3)
        assert res.converged
        assert res.lower - mdp.error_bound <= mdp.V[s] <= res.upper + mdp.error_bound


def test_tiny_gap_is_refused_and_a_stalled_search_stops():
    """A gap below twice the rounding allowance is refused up front; just above it, the search either certifies
    the gap or stops at the first trial that improves nothing (never spins), saying so."""
    P, O, R = tiger()
    with pytest.raises(ValueError, match=r"gap = 1e-12 is not above twice the certified rounding allowance"):
        solvers.hsvi(P, O, R, 0.5, [0.5, 0.5], gap=1e-12)
    outcomes = set()
    for gap in (4e-12, 6e-12, 1e-11, 1e-10):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = solvers.hsvi(P, O, R, 0.5, [0.5, 0.5], gap=gap, time_limit=None)
        assert res.converged != res.stalled and (res.converged or res.gap > gap)
        assert res.stalled == any("improved neither bound" in str(w.message) for w in caught)
        outcomes.add(res.stalled)
    assert outcomes == {True, False}  # both paths are exercised


def test_time_limit_and_an_unnormalised_initial_belief():
    arr = tabular.rocksample_arrays(5, 7)
    with pytest.warns(RuntimeWarning, match=r"stopped by its budget after \d+ trials"):
        res = solvers.hsvi(arr.P, arr.O, arr.R, 0.95, arr.initial, gap=1e-6, time_limit=0.3)
    assert not res.converged and not res.stalled and res.trace[-1, 0] >= 0.3
    t, lo, up = res.trace.T
    assert np.all(np.diff(lo) >= 0) and np.all(np.diff(up) <= 0) and np.all(np.diff(t) >= 0)
    P, O, R = tiger()
    a = solvers.hsvi(P, O, R, 0.95, [0.5, 0.5 + 9e-9], gap=1e-3)
    b = solvers.hsvi(P, O, R, 0.95, [0.5 / (1 + 9e-9), (0.5 + 9e-9) / (1 + 9e-9)], gap=1e-3)
    assert a.lower == pytest.approx(b.lower, abs=1e-12) and a.upper == pytest.approx(b.upper, abs=1e-12)


def test_adaptive_trial_target_option():
    """``zeta`` (ZMDP's adaptive trial target): the same certified guarantees, and the option is checked."""
    P, O, R = tiger()
    res = solvers.hsvi(P, O, R, 0.95, [0.5, 0.5], gap=1e-4, zeta=0.95)
    assert res.converged and res.lower - 5e-7 <= TIGER_VALUE <= res.upper + 5e-7 and res.gap <= 1e-4
    for bad, err in [(1.0, ValueError), (0.0, ValueError), ("0.9", TypeError)]:
        with pytest.raises(err, match="zeta"):
            solvers.hsvi(P, O, R, 0.95, [0.5, 0.5], zeta=bad)


def test_dense_and_sparse_transitions_give_the_same_search():
    """The same trials and backups whichever form ``P`` takes; values equal up to rounding (the blind policies are
    solved by dense LU in one case and sparse LU in the other)."""
    arr = tabular.rocksample_arrays(4, 4)
    S, A = arr.R.shape
    dense = arr.P.toarray().reshape(S, A, S)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        a = solvers.hsvi(arr.P, arr.O, arr.R, 0.95, arr.initial, gap=1e-3, max_trials=5)
        b = solvers.hsvi(dense, arr.O, arr.R, 0.95, arr.initial, gap=1e-3, max_trials=5)
    assert a.backups == b.backups and a.alphas.shape == b.alphas.shape
    assert a.lower == pytest.approx(b.lower, abs=1e-9) and a.upper == pytest.approx(b.upper, abs=1e-9)
    assert np.allclose(a.alphas, b.alphas, atol=1e-9) and np.array_equal(a.actions, b.actions)


def test_budget_returns_the_incumbent_with_its_gap():
    arr = tabular.rocksample_arrays(4, 4)
    with pytest.warns(RuntimeWarning, match=r"stopped by its budget after 3 trials .* gap"):
        res = solvers.hsvi(arr.P, arr.O, arr.R, 0.95, arr.initial, gap=1e-6, max_trials=3)
    assert not res.converged and res.trials == 3 and res.gap > 1e-6
    full = solvers.hsvi(arr.P, arr.O, arr.R, 0.95, arr.initial, gap=0.05, time_limit=120)
    assert full.converged
    # both certified: the intervals intersect, and the longer run's is nested up to its slack
    assert res.lower <= full.upper and full.lower <= res.upper
    assert full.lower >= res.lower - 1e-9 and full.upper <= res.upper + 1e-9


# ------------------------------------------------------------------------------------------- kernels vs references

def slow_upper(b, corner, fib_alphas, points):
    """``min(b.c, min_i [b.c + phi_i(b) (v_i - b_i.c)], max_a b.f_a)``, ``phi_i(b) = min_{b_i(s)>0} b(s)/b_i(s)``."""
    vals = [b @ corner]
    for bi, vi in points:
        support = bi > 0
        vals.append(b @ corner + min(b[support] / bi[support]) * (vi - bi @ corner))
    return min(min(vals), max(fib_alphas @ b))


@given(discounted_pomdps(max_S=4, max_A=3, max_obs=3), st.integers(0, 2**32 - 1))
def test_kernels_match_slow_references(pomdp, seed):
    """``_expand`` (successor beliefs and probabilities against tabular.belief_update, both bounds at each, the
    one-step lookaheads), the sawtooth against its formula, and ``_backup_vector`` against a loop."""
    P, O, R, gamma = pomdp
    S, A = R.shape
    O3 = np.ascontiguousarray(np.broadcast_to(O, (A, S, O.shape[-1])))
    n_obs = O3.shape[2]
    rng = np.random.default_rng(seed)
    alphas = rng.normal(size=(3, S))
    fib_alphas = rng.normal(size=(A, S)) + 3
    bounds = hsvi_mod._Bounds(alphas, np.arange(3) % A, fib_alphas.max(axis=0), fib_alphas)
    points = []
    for _ in range(4):
        bi = rng.dirichlet(np.full(S, 0.5))
        bi[rng.random(S) < 0.3] = 0.0
        if bi.sum() == 0:
            bi[0] = 1.0
        bi /= bi.sum()
        vi = float(bi @ bounds.corner) - rng.uniform(0, 2)
        idx = np.flatnonzero(bi)
        bounds.add_point(idx, bi[idx], vi)
        points.append((bi, vi))
    P2 = sp.csr_matrix(P.reshape(S * A, S))
    model = (P2.indptr.astype(np.int64), P2.indices.astype(np.int64), P2.data, O3, R, gamma)
    b = rng.dirichlet(np.ones(S))
    idx = np.flatnonzero(b)
    assert bounds.upper(idx, b[idx]) == pytest.approx(slow_upper(b, bounds.corner, fib_alphas, points), abs=1e-12)
    prob, vu, vl, arg, qu, ql, ptr, s_idx, s_val = bounds.expand(idx, b[idx], model, with_lower=True)
    for a in range(A):
        q_up = q_lo = b @ R[:, a]
        for o in range(n_obs):
            p = float(b @ P[:, a, :] @ O3[a, :, o])
            assert prob[a, o] == pytest.approx(p, abs=1e-12)
            if p <= 0:
                continue
            succ = np.zeros(S)
            succ[s_idx[ptr[a * n_obs + o]: ptr[a * n_obs + o + 1]]] = s_val[ptr[a * n_obs + o]: ptr[a * n_obs + o + 1]]
            assert np.allclose(succ, tabular.belief_update(P, O3, b, a, o), atol=1e-12)
            assert vu[a, o] == pytest.approx(slow_upper(succ, bounds.corner, fib_alphas, points), abs=1e-12)
            assert vl[a, o] == pytest.approx(max(alphas @ succ), abs=1e-12) and arg[a, o] == np.argmax(alphas @ succ)
            q_up += gamma * p * vu[a, o]
            q_lo += gamma * p * vl[a, o]
        assert qu[a] == pytest.approx(q_up, abs=1e-12) and ql[a] == pytest.approx(q_lo, abs=1e-12)
        choice = rng.integers(0, 3, n_obs)
        ref = [R[s, a] + gamma * sum(P[s, a, t] * O3[a, t, o] * alphas[choice[o], t]
                                     for t in range(S) for o in range(n_obs)) for s in range(S)]
        assert np.allclose(hsvi_mod._backup_vector(a, choice, *model, bounds.GammaT), ref, atol=1e-12)


@given(discounted_pomdps(max_S=4), st.integers(0, 2**32 - 1))
def test_point_pruning_keeps_the_bound_at_every_stored_point(pomdp, seed):
    """``prune_points`` drops exactly the points the others imply (slow check, in order), never both of two equal
    points, and afterwards ``V_U(b_i) <= v_i`` still holds at every point, kept or dropped."""
    _, _, R, _ = pomdp
    S, A = max(2, R.shape[0]), R.shape[1]  # points of two states or more (one-state points are corners)
    rng = np.random.default_rng(seed)
    fib_alphas = rng.normal(size=(A, S)) + 3
    bounds = hsvi_mod._Bounds(rng.normal(size=(1, S)), np.zeros(1, dtype=np.int64), fib_alphas.max(axis=0),
                              fib_alphas)
    points = []
    for _ in range(6):
        bi = rng.dirichlet(np.full(S, 0.5))
        bi[rng.random(S) < 0.3] = 0.0
        bi = bi / bi.sum() if np.count_nonzero(bi) >= 2 else np.full(S, 1 / S)
        points.append((bi, float(bi @ bounds.corner) - rng.uniform(0, 2)))
    points.append(points[2])  # a duplicate
    for bi, vi in points:
        idx = np.flatnonzero(bi)
        bounds.add_point(idx, bi[idx], vi)
    alive, expected = list(range(len(points))), []
    for i in range(len(points)):
        others = [points[j] for j in alive if j != i]
        if slow_upper(points[i][0], bounds.corner, fib_alphas, others) <= points[i][1]:
            alive.remove(i)
        else:
            expected.append(i)
    bounds.prune_points()
    assert bounds.n_pts == len(expected) and not (2 in expected and 6 in expected)
    kept_c = [vi - bi @ bounds.corner for bi, vi in (points[i] for i in expected)]
    assert np.allclose(bounds.pt_c[: bounds.n_pts], kept_c, rtol=0, atol=1e-12)
    for bi, vi in points:
        idx = np.flatnonzero(bi)
        assert bounds.upper(idx, bi[idx]) <= vi + 1e-12


def test_a_one_state_point_lowers_its_corner_and_the_other_points_follow():
    """``add_point`` at a one-state belief lowers that corner (ZMDP's corner points); the stored points' offsets are
    recomputed, so ``V_U`` at every belief equals the slow formula with the new corner."""
    rng = np.random.default_rng(3)
    S, A = 4, 2
    fib_alphas = rng.normal(size=(A, S)) + 3
    bounds = hsvi_mod._Bounds(rng.normal(size=(1, S)), np.zeros(1, dtype=np.int64), fib_alphas.max(axis=0),
                              fib_alphas)
    points = []
    for _ in range(3):
        bi = rng.dirichlet(np.ones(S))
        points.append((bi, float(bi @ bounds.corner) - rng.uniform(0, 1)))
        bounds.add_point(np.arange(S), bi, points[-1][1])
    corner = bounds.corner.copy()
    bounds.add_point(np.array([2]), np.array([1.0]), corner[2] - 0.7)
    corner[2] -= 0.7
    assert bounds.n_pts == 3 and np.array_equal(bounds.corner, corner)
    bounds.add_point(np.array([2]), np.array([1.0]), corner[2] + 0.5)  # no improvement: ignored
    assert np.array_equal(bounds.corner, corner)
    for b in rng.dirichlet(np.full(S, 0.7), size=20):
        assert bounds.upper(np.arange(S), b) == pytest.approx(slow_upper(b, corner, fib_alphas, points), abs=1e-12)


def test_bad_input_names_the_argument():
    P, O, R = tiger()
    half = [0.5, 0.5]
    for kwargs, err, msg in [({"gap": 0.0}, ValueError, r"gap must be a positive finite number"),
                             ({"gap": np.nan}, ValueError, r"gap must be a positive"),
                             ({"gap": "0.1"}, TypeError, r"gap must be a real number"),
                             ({"time_limit": -1.0}, ValueError, r"time_limit must be a positive"),
                             ({"max_trials": 2.5}, TypeError, r"max_trials must be an integer"),
                             ({"max_depth": 0}, ValueError, r"max_depth must be >= 1")]:
        with pytest.raises(err, match=msg):
            solvers.hsvi(P, O, R, 0.95, half, **kwargs)
    for b, msg in [([0.5, 0.6], r"initial"), ([1.0, 0.0, 0.0], r"initial"), ([[0.5, 0.5]], r"initial must be one")]:
        with pytest.raises(ValueError, match=msg):
            solvers.hsvi(P, O, R, 0.95, b)
    bad = P.copy()
    bad[1, 2] = [0.7, 0.7]
    with pytest.raises(ValueError, match=r"P row at state 1, action 2"):
        solvers.hsvi(bad, O, R, 0.95, half)
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\)"):
        solvers.hsvi(P, O, R, 1.0, half)
    res = solvers.hsvi(P, O, R, 0.95, half, gap=1.0)
    with pytest.raises(ValueError, match=r"belief"):
        res.lower_value([0.5, 0.6])
    with pytest.raises(ValueError, match=r"belief"):
        res.upper_value([[0.5, 0.5, 0.0]])


def test_value_functions_take_batches():
    P, O, R = tiger()
    res = solvers.hsvi(P, O, R, 0.95, [0.5, 0.5], gap=1e-2)
    B = np.random.default_rng(0).dirichlet([1, 1], size=(3, 4))
    for f in (res.lower_value, res.upper_value, res.policy):
        batch = f(B)
        assert batch.shape == (3, 4) and np.array_equal(batch, [[f(b) for b in row] for row in B])
    assert isinstance(res.lower_value([0.5, 0.5]), float) and isinstance(res.policy([0.5, 0.5]), int)
