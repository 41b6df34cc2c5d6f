"""RockSample (Smith & Simmons 2004, ZMDP / DESPOT semantics): sizes, the published layouts, the vectorised
arrays against a slow per-state reference, hand-checked transitions, rewards and observations, and bad input."""

import math

import numpy as np
import pytest

from boundlab import solvers, tabular
from boundlab.tabular.pomdp_instances import ROCKSAMPLE_LAYOUTS, rocksample_arrays


def row(m, s, a):
    """``P[s, a, :]`` of a model stored sparse (CSR row ``s*A + a``), dense."""
    return m.P[s * m.A + a].toarray().ravel()


def reference_step(n, rocks, s, a, illegal):
    """One (s, a) of RockSample, slowly: (next state, reward, observation distribution [none, good, bad])."""
    K = 2 ** len(rocks)
    T = n * n * K
    if s == T:
        return T, 0.0, [1.0, 0.0, 0.0]
    cell, bits = divmod(s, K)
    x, y = cell % n, cell // n
    none = [1.0, 0.0, 0.0]
    bad_end = (s if illegal == "stay" else T), -100.0, none
    if a < 4:
        dx, dy = [(0, 1), (0, -1), (1, 0), (-1, 0)][a]
        x2, y2 = x + dx, y + dy
        if a == 2 and x2 == n:
            return T, 10.0, none
        if not (0 <= x2 < n and 0 <= y2 < n):
            return bad_end
        return (y2 * n + x2) * K + bits, 0.0, none
    if a == 4:
        if (x, y) not in rocks:
            return bad_end
        i = rocks.index((x, y))
        if bits >> i & 1:
            return cell * K + (bits - 2**i), 10.0, none
        return s, -10.0, none
    i = a - 5
    eta = (1 + 2 ** (-math.dist((x, y), rocks[i]) / 20)) / 2
    p_good = eta if bits >> i & 1 else 1 - eta
    return s, 0.0, [0.0, p_good, 1 - p_good]


@pytest.mark.parametrize("n, k, layout_seed, illegal", [(4, 4, None, "stay"), (4, 4, None, "terminate"),
                                                          (3, 2, 5, "stay"), (2, 1, 1, "terminate"),
                                                          (2, 0, 0, "stay")])
def test_arrays_equal_slow_reference(n, k, layout_seed, illegal):
    layout = None if layout_seed is None else "random"
    m = tabular.rocksample(n, k, layout=layout, seed=layout_seed, illegal=illegal)
    arr = rocksample_arrays(n, k, layout=layout, seed=layout_seed, illegal=illegal)
    rocks = list(arr.rocks)
    K = 2**k
    assert (m.S, m.A, m.n_obs) == (n * n * K + 1, 5 + k, 3)
    assert m.terminal == (n * n * K,)
    for s in range(m.S):
        for a in range(m.A):
            s2, r, obs = reference_step(n, rocks, s, a, illegal)
            expect = np.zeros(m.S)
            expect[s2] = 1.0
            np.testing.assert_array_equal(row(m, s, a), expect, err_msg=f"P[{s}, {a}]")
            assert m.R[s, a] == r, (s, a)
            np.testing.assert_allclose(m.O[a, s2], obs, rtol=0, atol=1e-15, err_msg=f"O[{a}, {s2}]")


def test_published_layouts_and_initial_belief():
    for (n, k), (rocks, start) in ROCKSAMPLE_LAYOUTS.items():
        arr = rocksample_arrays(n, k)
        assert arr.rocks == rocks and arr.start == start and len(rocks) == k
        assert arr.P.shape == ((n * n * 2**k + 1) * (5 + k), n * n * 2**k + 1)
        K = 2**k
        c = start[1] * n + start[0]
        support = np.flatnonzero(arr.initial)
        np.testing.assert_array_equal(support, np.arange(c * K, (c + 1) * K))
        np.testing.assert_allclose(arr.initial[support], 1 / K)
    assert rocksample_arrays(7, 8).P.shape[1] == 12545
    assert ROCKSAMPLE_LAYOUTS[5, 7][1] == (0, 2)


def test_rocksample_5_7_model_is_valid():
    m = tabular.rocksample(5, 7)
    assert (m.S, m.A, m.gamma) == (25 * 128 + 1, 12, 0.95)
    assert m.sparse and m.P.shape == (m.S * m.A, m.S) and m.P.nnz == m.S * m.A  # deterministic: one 1 a row
    np.testing.assert_array_equal(np.asarray(m.P.sum(axis=1)).ravel(), 1.0)


def test_rocksample_7_8_is_a_sparse_model():
    """RS(7, 8): S = 7*7*2^8 + 1 = 12545 states (16 GB dense), stored as a CSR (S*A, S) matrix."""
    m = tabular.rocksample(7, 8)
    assert (m.S, m.A, m.n_obs) == (12545, 13, 3) and m.sparse and m.terminal == (12544,)
    assert m.P.nnz == m.S * m.A and not m.P.data.flags.writeable
    arr = rocksample_arrays(7, 8)
    assert (m.P != arr.P).nnz == 0
    run = tabular.simulate_pomdp(m, [2] * 7, 5, seed=0)  # east from (0, 3): exit after 7 steps
    assert (run.states[:, -1] == m.terminal[0]).all() and (run.rewards[:, -1] == 10.0).all()


def test_solvers_take_the_stored_sparse_P():
    """What to_arrays() returns for a sparse model goes to the solvers as it is, with the dense model's values."""
    m = tabular.rocksample(2, 1, rock_positions=[[1, 0]])
    dense = tabular.POMDP(m.P.toarray().reshape(m.S, m.A, m.S), m.O, m.R, gamma=m.gamma, initial=m.initial,
                          terminal=m.terminal)
    assert not dense.sparse
    vs = solvers.pomdp_value_iteration(*m.to_arrays(), H=4, gamma=0.95).value(m.initial)
    vd = solvers.pomdp_value_iteration(*dense.to_arrays(), H=4, gamma=0.95).value(dense.initial)
    assert vs == pytest.approx(vd, abs=1e-12)


def test_hand_checked_steps_on_rocksample_4_4():
    m = tabular.rocksample(4, 4)  # rocks (3,1) (2,1) (1,3) (1,0), start (0,2)
    K = 16

    def state(x, y, bits):
        return (y * 4 + x) * K + bits

    def P(s, a, t):
        return m.P[s * m.A + a, t]

    s = state(0, 2, 0b1111)
    assert P(s, 0, state(0, 3, 0b1111)) == 1.0 and m.R[s, 0] == 0.0  # north
    assert P(s, 3, s) == 1.0 and m.R[s, 3] == -100.0  # west off the grid: stays, illegal
    assert P(s, 4, s) == 1.0 and m.R[s, 4] == -100.0  # no rock at the start
    s = state(3, 1, 0b0001)  # on rock 0, good
    assert P(s, 4, state(3, 1, 0)) == 1.0 and m.R[s, 4] == 10.0
    assert P(state(3, 1, 0), 4, state(3, 1, 0)) == 1.0 and m.R[state(3, 1, 0), 4] == -10.0
    assert P(s, 2, 256) == 1.0 and m.R[s, 2] == 10.0  # east exit
    assert [P(256, a, 256) for a in range(9)] == [1.0] * 9 and m.R[256].tolist() == [0.0] * 9
    # check accuracy: 1 at distance 0; (1 + 2^(-1/20)) / 2 at distance 1 (rock 1 at (2,1) from (3,1))
    assert m.O[5, s, 1] == 1.0
    eta = (1 + 2 ** (-1 / 20)) / 2
    np.testing.assert_allclose(m.O[6, s], [0.0, 1 - eta, eta])  # rock 1 is bad in s
    np.testing.assert_allclose(m.O[6, state(3, 1, 0b0010)], [0.0, eta, 1 - eta])


def test_terminate_mode_ends_on_illegal_actions():
    m = tabular.rocksample(4, 4, illegal="terminate")
    s = 2 * 4 * 16
    assert m.P[s * 9 + 3, 256] == 1.0 and m.P[s * 9 + 4, 256] == 1.0 and m.R[s, 3] == -100.0


def test_random_layout_is_reproducible_and_explicit_positions_work():
    a, b = rocksample_arrays(5, 3, layout="random", seed=3), rocksample_arrays(5, 3, layout="random", seed=3)
    assert a.rocks == b.rocks and len(set(a.rocks)) == 3
    c = rocksample_arrays(3, 2, rock_positions=[[0, 0], [2, 2]])
    assert c.rocks == ((0, 0), (2, 2)) and c.start == (0, 1)
    np.testing.assert_array_equal(rocksample_arrays(6, 2, seed=1).rocks, rocksample_arrays(6, 2, seed=1).rocks)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(n=0, k=1), ValueError, "n"),
    (dict(n=2.0, k=1), TypeError, "n"),
    (dict(n=3, k=-1), ValueError, "k"),
    (dict(n=3, k=2, rock_positions=[[0, 0], [0, 0]]), ValueError, "distinct"),
    (dict(n=3, k=2, rock_positions=[[0, 0], [3, 0]]), ValueError, r"rock_positions\[1\]"),
    (dict(n=3, k=2, rock_positions=[[0, 0]]), ValueError, "shape"),
    (dict(n=3, k=1, rock_positions=[[0.5, 0]]), TypeError, "integer"),
    (dict(n=3, k=1, rock_positions=[[0, 0]], layout="standard"), ValueError, "not both"),
    (dict(n=3, k=1, layout="standard"), ValueError, "standard"),
    (dict(n=3, k=1, layout="zmdp"), ValueError, "layout"),
    (dict(n=2, k=5, layout="random"), ValueError, "fit"),
    (dict(n=4, k=4, illegal="penalty"), ValueError, "illegal"),
])
def test_bad_input_is_named(kwargs, err, match):
    with pytest.raises(err, match=match):
        tabular.rocksample(**kwargs)
