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


# ------------------------------------------------------------------------------------------------------------- Tag

def tag_reference(s, a):
    """One (s, a) of Tag, slowly, from the rule in tabular.tag's docstring: (next-state distribution, reward)."""
    cells = list(tabular.TAG_CELLS)

    def move(c, d):
        x, y = cells[c]
        dx, dy = [(0, 1), (0, -1), (1, 0), (-1, 0)][d]
        return cells.index((x + dx, y + dy)) if (x + dx, y + dy) in cells else c

    r, t = divmod(s, 30)
    if t == 29:
        return {s: 1.0}, 0.0
    if a == 4 and r == t:
        return {r * 30 + 29: 1.0}, 10.0
    r2 = move(r, a) if a < 4 else r
    (rx, ry), (tx, ty) = cells[r], cells[t]
    dist = {}

    def add(c, p):
        dist[r2 * 30 + c] = dist.get(r2 * 30 + c, 0.0) + p

    if tx == rx:
        add(move(t, 2), 0.2)
        add(move(t, 3), 0.2)
    else:
        add(move(t, 2 if tx > rx else 3), 0.4)
    if ty == ry:
        add(move(t, 0), 0.2)
        add(move(t, 1), 0.2)
    else:
        add(move(t, 0 if ty > ry else 1), 0.4)
    add(t, 0.2)
    return dist, (-1.0 if a < 4 else -10.0)


def test_tag_sizes_map_and_conventions():
    m = tabular.tag()
    assert (m.S, m.A, m.n_obs, m.gamma) == (870, 5, 30, 0.95) and m.sparse
    cells = tabular.TAG_CELLS
    assert len(cells) == len(set(cells)) == 29
    assert set(cells) == {(x, y) for x in range(10) for y in (0, 1)} | {(x, y) for x in (5, 6, 7) for y in (2, 3, 4)}
    assert m.terminal == tuple(30 * r + 29 for r in range(29))
    support = np.flatnonzero(m.initial)
    assert len(support) == 29 * 29 and np.all(support % 30 != 29)
    np.testing.assert_allclose(m.initial[support], 1 / 841)
    assert tabular.tag(H=10).H == 10 and tabular.tag(gamma=0.9).gamma == 0.9


def test_tag_equals_slow_reference():
    m = tabular.tag()
    for s in range(m.S):
        r, t = divmod(s, 30)
        expect_obs = 29 if t in (r, 29) else r  # O[a, s', o]: one-hot, the same for every action
        np.testing.assert_array_equal(m.O[:, s], np.tile(np.eye(30)[expect_obs], (5, 1)), err_msg=f"O[:, {s}]")
        for a in range(m.A):
            dist, reward = tag_reference(s, a)
            expect = np.zeros(m.S)
            for s2, p in dist.items():
                expect[s2] += p
            np.testing.assert_allclose(m.P[s * m.A + a].toarray().ravel(), expect, rtol=0, atol=1e-15,
                                       err_msg=f"P[{s}, {a}]")
            assert m.R[s, a] == reward, (s, a)


def test_tag_opponent_moves_on_hand_checked_cells():
    """The per-axis rule worked out by hand for a few (robot, opponent) cells, robot moving north."""
    m = tabular.tag()
    cell = {xy: c for c, xy in enumerate(tabular.TAG_CELLS)}

    def opponent_law(robot, opponent, a=0):
        r, t = cell[robot], cell[opponent]
        row = m.P[(30 * r + t) * 5 + a].toarray().ravel()
        r2 = np.flatnonzero(row)[0] // 30
        return {tabular.TAG_CELLS[s2 % 30]: round(p, 12) for s2, p in enumerate(row) if p > 0}, tabular.TAG_CELLS[r2]

    # opponent east of the robot on the bottom row: 0.4 east; level in y: 0.2 north, 0.2 south (the wall: stays)
    assert opponent_law((0, 0), (3, 0)) == ({(4, 0): 0.4, (3, 1): 0.2, (3, 0): 0.4}, (0, 1))
    # opponent at the top of the block, robot below in its column: 0.2 east, 0.2 west, 0.4 north (wall: stays)
    assert opponent_law((6, 0), (6, 4)) == ({(7, 4): 0.2, (5, 4): 0.2, (6, 4): 0.6}, (6, 1))
    # cornered at the far end (east and north are walls): it stays
    assert opponent_law((0, 0), (9, 1)) == ({(9, 1): 1.0}, (0, 1))
    # below a robot in the block: 0.4 south, 0.2 east, 0.2 west, 0.2 stay
    assert opponent_law((6, 3), (6, 1)) == ({(6, 0): 0.4, (7, 1): 0.2, (5, 1): 0.2, (6, 1): 0.2}, (6, 4))
    # west of and above the robot, under the wall left of the block: 0.4 west, 0.4 north into (4, 2), a wall: stays
    assert opponent_law((7, 0), (4, 1)) == ({(3, 1): 0.4, (4, 1): 0.6}, (7, 1))
    # the robot moving west into the map's edge stays put; tag elsewhere: -10, robot stays, opponent still moves
    # (0.4 east; 0.4 south, off the map: stays)
    assert opponent_law((0, 1), (2, 0), a=3)[1] == (0, 1)
    law, robot = opponent_law((0, 1), (2, 0), a=4)
    assert robot == (0, 1) and law == {(3, 0): 0.4, (2, 0): 0.6}
    r = cell[(5, 2)]
    assert m.R[30 * r + r, 4] == 10.0 and m.P[(30 * r + r) * 5 + 4, 30 * r + 29] == 1.0


def test_tag_belief_and_simulation_semantics():
    """After a move the robot's cell is known from the observation; a co-located tag ends the episode with +10."""
    m = tabular.tag()
    P, O, R = m.to_arrays()
    o = 13  # the robot saw itself in cell 13 = (3, 1), so it was in (3, 0) and moved north (or is seeing o = 29)
    b = tabular.belief_update(P, O, m.initial, 0, o)
    r_post, t_post = np.divmod(np.flatnonzero(b), 30)
    assert np.all(r_post == o) and np.all(t_post != o) and np.all(t_post < 29)
    b_here = tabular.belief_update(P, O, m.initial, 0, 29)  # "opponent here": robot and opponent share a cell
    r_here, t_here = np.divmod(np.flatnonzero(b_here), 30)
    assert np.array_equal(r_here, t_here)
    run = tabular.simulate_pomdp(m, [4, 4], 4000, seed=1)
    start_r, start_t = np.divmod(run.states[:, 0], 30)
    caught = start_r == start_t
    assert caught.any() and np.all(run.rewards[caught, 0] == 10.0) and np.all(run.rewards[~caught, 0] == -10.0)
    assert np.all(run.states[caught, 1] % 30 == 29) and np.all(run.rewards[caught, 1] == 0.0)
    assert abs(caught.mean() - 1 / 29) <= 5 * np.sqrt(1 / 29 * 28 / 29 / 4000)


def test_tag_fully_observable_bound_is_consistent_with_published_values():
    """V*(b0) <= V_MDP(b0) (the robot also seeing the opponent). Published Tag returns (SARSOP -6.13 +/- 0.12 on the
    original model; simulated, so at most V*) must then lie below V_MDP(b0): a weak check of the model's sign and
    scale, not of V* (no certified V* is published)."""
    m = tabular.tag()
    P, O, R = m.to_arrays()
    v_mdp = float(m.initial @ solvers.value_iteration(P, R, m.gamma, tol=1e-10).V)
    assert -6.13 - 0.12 <= v_mdp < 10.0
