"""Search domains for A*/Q* (Agostinelli et al., arXiv 2102.04518): batch successors against slow per-state references,
goal tests, inverse moves, exact cost-to-go tables against slow Dijkstra, meta-action costs, scrambles, bad input."""

import heapq
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab.tabular import (
    SearchDomain,
    digraph,
    lights_out,
    meta_actions,
    pancake,
    random_digraph,
    sliding_puzzle,
)

# ------------------------------------------------------------------------------------------- slow references


def slow_lights_out(state, n):
    out = []
    for a in range(n * n):
        s = list(state)
        r, c = divmod(a, n)
        for rr, cc in ((r, c), (r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= rr < n and 0 <= cc < n:
                s[rr * n + cc] ^= 1
        out.append((tuple(s), 1.0))
    return out


def slow_pancake(state, n):
    return [(tuple(reversed(state[:k])) + tuple(state[k:]), 1.0) for k in range(2, n + 1)]


def slow_tiles(state, size):
    out = []
    b = state.index(0)
    r, c = divmod(b, size)
    for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):  # blank up, down, left, right
        s = list(state)
        if 0 <= rr < size and 0 <= cc < size:
            t = rr * size + cc
            s[b], s[t] = s[t], 0
        out.append((tuple(s), 1.0))
    return out


def slow_dijkstra(states, slow_successors, goal):
    """Cost-to-go to ``goal`` over the explicit graph: reversed edges, heapq Dijkstra."""
    rev = {s: [] for s in states}
    for s in states:
        for t, c in slow_successors(s):
            rev[t].append((s, c))
    dist = {goal: 0.0}
    heap = [(0.0, goal)]
    while heap:
        d, t = heapq.heappop(heap)
        if d > dist[t]:
            continue
        for s, c in rev[t]:
            if d + c < dist.get(s, np.inf):
                dist[s] = d + c
                heapq.heappush(heap, (d + c, s))
    return dist


def check_against_slow(domain, slow, states):
    nxt, cost = domain.successors(states)
    assert nxt.shape == (len(states), domain.n_actions, *domain.state_shape)
    assert cost.shape == (len(states), domain.n_actions) and cost.dtype == np.float64
    for i, s in enumerate(states):
        ref = slow(tuple(int(x) for x in s))
        assert [tuple(int(x) for x in t) for t in nxt[i]] == [t for t, _ in ref]
        assert cost[i].tolist() == [c for _, c in ref]


def random_perms(rng, k, m):
    return np.array([rng.permutation(m) for _ in range(k)], dtype=np.int8)


# ------------------------------------------------------------------------------------------- successors, goals


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_lights_out_successors_match_slow_reference(n):
    rng = np.random.default_rng(n)
    states = rng.integers(0, 2, size=(40, n * n)).astype(np.int8)
    check_against_slow(lights_out(n), lambda s: slow_lights_out(s, n), states)


@pytest.mark.parametrize("n", [2, 5, 9, 12])
def test_pancake_successors_match_slow_reference(n):
    states = random_perms(np.random.default_rng(n), 40, n)
    check_against_slow(pancake(n), lambda s: slow_pancake(s, n), states)


@pytest.mark.parametrize("size", [2, 3, 4])
def test_sliding_puzzle_successors_match_slow_reference(size):
    states = random_perms(np.random.default_rng(size), 60, size * size)
    check_against_slow(sliding_puzzle(size), lambda s: slow_tiles(s, size), states)


def test_digraph_successors_are_the_table_and_costs_positive():
    d = random_digraph(50, 5, cost_range=(0.5, 2.0), seed=3)
    nodes = np.arange(50)
    nxt, cost = d.successors(nodes)
    assert nxt.shape == (50, 5) and d.state_shape == ()
    assert np.all(cost >= 0.5) and np.all(cost <= 2.0)
    loops = nxt == nodes[:, None]
    assert np.all(cost[loops] == 2.0)  # self-loop padding costs the top of the range
    assert np.all((~loops).sum(axis=1) >= 1)  # every node keeps at least its cycle edge
    # strongly connected: every node reaches the goal (finite h*)
    assert np.all(np.isfinite(d.exact_cost_to_go()))


@pytest.mark.parametrize("domain", [lights_out(3), pancake(6), sliding_puzzle(3), sliding_puzzle(4),
                                    random_digraph(30, 3, seed=0)], ids=lambda d: d.name)
def test_goal_test(domain):
    assert domain.is_goal(domain.goal[None]).tolist() == [True]
    states = domain.scramble(50, 7, seed=1)
    expected = [np.array_equal(s, domain.goal) for s in states]
    assert domain.is_goal(states).tolist() == expected
    assert not all(expected)
    nxt, _ = domain.successors(domain.goal[None])
    assert domain.is_goal(nxt[0]).tolist() == [np.array_equal(t, domain.goal) for t in nxt[0]]


# ------------------------------------------------------------------------------------------------- inverses


@pytest.mark.parametrize("domain", [lights_out(4), pancake(7)], ids=lambda d: d.name)
def test_self_inverse_moves(domain):
    states = domain.scramble(30, 10, seed=2)
    nxt, _ = domain.successors(states)
    for a in range(domain.n_actions):
        back, _ = domain.successors(nxt[:, a])
        assert np.array_equal(back[:, a], states)
        assert not np.any(np.all(nxt[:, a] == states, axis=1))  # every move changes the state


def test_tile_moves_have_inverses():
    d = sliding_puzzle(4)
    states = d.scramble(40, 25, seed=4)
    nxt, _ = d.successors(states)
    for a, inv in enumerate((1, 0, 3, 2)):
        moved = ~np.all(nxt[:, a] == states, axis=1)
        back, _ = d.successors(nxt[:, a])
        assert np.array_equal(back[moved, inv], states[moved])
        # a move off the board leaves the state as it is (self-loop)
        blank = np.argmax(states == 0, axis=1)
        r, c = blank // 4, blank % 4
        off = [r == 0, r == 3, c == 0, c == 3][a]
        assert np.array_equal(moved, ~off)


# --------------------------------------------------------------------------------------------- exact tables


def all_states(domain):
    return domain.unrank(np.arange(domain.n_states))


@pytest.mark.parametrize("domain, slow", [
    (lights_out(3), lambda s: slow_lights_out(s, 3)),
    (pancake(5), lambda s: slow_pancake(s, 5)),
    (sliding_puzzle(2), lambda s: slow_tiles(s, 2)),
], ids=["lights_out3", "pancake5", "puzzle2x2"])
def test_exact_table_matches_slow_bfs(domain, slow):
    states = all_states(domain)
    assert np.array_equal(domain.rank(states), np.arange(domain.n_states))  # perfect hash round trip
    keys = [tuple(int(x) for x in s) for s in states]
    dist = slow_dijkstra(keys, slow, tuple(int(x) for x in domain.goal))
    expected = np.array([dist.get(k, np.inf) for k in keys])
    assert np.array_equal(domain.exact_cost_to_go(), expected)
    assert np.array_equal(domain.h_exact(states), expected)


def test_pancake_table_is_a_perfect_ranking_and_known_diameters():
    # pancake numbers P(5..8) = 5, 7, 8, 9 (OEIS A058986): the largest h* in each table
    assert [pancake(n).exact_cost_to_go().max() for n in (5, 6, 7, 8)] == [5, 7, 8, 9]
    d = pancake(6)
    assert sorted(map(tuple, all_states(d).tolist())) == list(itertools.permutations(range(6)))


def bellman_check(domain):
    """h* = 0 at the goal, h*(s) = min_a q*(s, a) elsewhere, over the whole table."""
    h = domain.exact_cost_to_go()
    states = all_states(domain)
    q = domain.q_exact(states)
    goal = domain.is_goal(states)
    assert np.all(h[goal] == 0) and goal.sum() == 1
    assert np.array_equal(h[~goal], q[~goal].min(axis=1))
    return h


def test_eight_puzzle_table_bellman_and_reachable_half():
    h = bellman_check(sliding_puzzle(3))
    assert np.isfinite(h).sum() == 181440 and h[np.isfinite(h)].max() == 31  # 9!/2 states, diameter 31


def test_lights_out_4x4_table_bellman():
    h = bellman_check(lights_out(4))
    assert np.isfinite(h).sum() == 4096  # the press matrix has rank 12 over GF(2)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 40), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_digraph_table_matches_slow_dijkstra(n_nodes, degree, seed):
    d = random_digraph(n_nodes, degree, cost_range=(0.1, 3.0), seed=seed)
    succ, cost = d.successors(np.arange(n_nodes))
    dist = slow_dijkstra(list(range(n_nodes)),
                         lambda v: list(zip(succ[v].tolist(), cost[v].tolist())), 0)
    np.testing.assert_allclose(d.exact_cost_to_go(), [dist[v] for v in range(n_nodes)], rtol=1e-12)
    bellman = d.q_exact(np.arange(1, n_nodes)).min(axis=1)
    np.testing.assert_allclose(d.exact_cost_to_go()[1:], bellman, rtol=1e-12)


def test_digraph_from_arrays_parallel_edges_keep_the_cheapest():
    succ = np.array([[0, 0], [0, 0], [1, 1]])
    cost = np.array([[1.0, 1.0], [5.0, 2.0], [3.0, 0.5]])
    d = digraph(succ, cost, goal=0)
    assert d.exact_cost_to_go().tolist() == [0.0, 2.0, 2.5]
    assert d.q_exact(np.array([2])).tolist() == [[5.0, 2.5]]


# --------------------------------------------------------------------------------------------- meta-actions


def test_meta_action_costs_and_states_are_sums_of_primitive_moves():
    base = random_digraph(20, 3, seed=5)
    A = base.n_actions
    meta = meta_actions(base, 3)
    assert meta.n_actions == 27
    nodes = np.arange(20)
    nxt, cost = meta.successors(nodes)
    T, C = base.successors(nodes)
    for v, (a1, a2, a3) in itertools.product(range(20), itertools.product(range(A), repeat=3)):
        a = (a1 * A + a2) * A + a3
        s1 = T[v, a1]
        s2 = T[s1, a2]
        assert nxt[v, a] == T[s2, a3]
        assert cost[v, a] == pytest.approx(C[v, a1] + C[s1, a2] + C[s2, a3], rel=1e-15)
        assert meta.sequences[a].tolist() == [a1, a2, a3]


def test_meta_actions_include_shorter_order_and_table():
    base = lights_out(3)
    meta = meta_actions(base, 2, include_shorter=True)
    assert meta.n_actions == 9 + 81
    states = base.scramble(10, 4, seed=6)
    nxt, cost = meta.successors(states)
    b1, _ = base.successors(states)
    assert np.array_equal(nxt[:, :9], b1)
    assert np.all(cost[:, :9] == 1) and np.all(cost[:, 9:] == 2)
    assert np.array_equal(meta.exact_cost_to_go(), base.exact_cost_to_go())


def test_exact_length_meta_table_matches_slow_dijkstra():
    """Pairs only: pressing an odd number of cells is impossible, so half the 3x3 boards have h* = inf."""
    meta = meta_actions(lights_out(3), 2)
    states = all_states(meta)
    nxt, cost = meta.successors(states)
    keys = [tuple(s.tolist()) for s in states]
    table = {k: list(zip(map(tuple, nxt[i].tolist()), cost[i].tolist())) for i, k in enumerate(keys)}
    dist = slow_dijkstra(keys, table.__getitem__, tuple(meta.goal.tolist()))
    h = meta.exact_cost_to_go()
    assert np.array_equal(h, [dist.get(k, np.inf) for k in keys])
    assert np.isfinite(h).sum() == 256
    assert np.array_equal(h[np.isfinite(h)] % 2, np.zeros(256))


def test_meta_scramble_stays_within_depth():
    meta = meta_actions(pancake(6), 2)
    states = meta.scramble(200, 3, seed=7)
    assert np.all(meta.h_exact(states) <= 6)


# ------------------------------------------------------------------------------------------------ scrambles


@pytest.mark.parametrize("domain", [lights_out(3), pancake(7), sliding_puzzle(3), random_digraph(100, 4, seed=1),
                                    meta_actions(lights_out(3), 2, include_shorter=True)], ids=lambda d: d.name)
def test_scramble_is_reproducible_and_bounded_by_depth(domain):
    a = domain.scramble(100, 6, seed=11)
    b = domain.scramble(100, 6, seed=np.random.default_rng(11))
    assert np.array_equal(a, b) and a.dtype == domain.dtype
    assert not np.array_equal(a, domain.scramble(100, 6, seed=12))
    assert np.all(domain.is_goal(domain.scramble(5, 0, seed=0)))
    if domain.unit_cost:
        assert np.all(domain.h_exact(a) <= 6)
    depths = np.arange(100) % 4
    c = domain.scramble(100, depths, seed=3)
    assert np.all(domain.is_goal(c[depths == 0]))
    if domain.unit_cost or domain.base is not None:
        steps = depths * (1 if domain.base is None else domain.sequences.shape[1])
        assert np.all(domain.h_exact(c) <= steps)


def test_scramble_reaches_deep_states():
    d = sliding_puzzle(3)
    assert d.h_exact(d.scramble(200, 60, seed=0)).max() >= 20


# -------------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("factory, arg", [(lights_out, 1), (lights_out, 8), (pancake, 1), (pancake, 13),
                                          (sliding_puzzle, 1), (sliding_puzzle, 6)])
def test_size_out_of_range(factory, arg):
    with pytest.raises(ValueError, match="must be in"):
        factory(arg)


@pytest.mark.parametrize("factory, arg", [(lights_out, 3.0), (pancake, "5"), (sliding_puzzle, True)])
def test_size_not_an_int(factory, arg):
    with pytest.raises(TypeError, match="must be an integer"):
        factory(arg)


def test_bad_states():
    d = pancake(4)
    with pytest.raises(TypeError, match="numpy integer array"):
        d.successors([[0, 1, 2, 3]])
    with pytest.raises(TypeError, match="integer dtype"):
        d.successors(np.zeros((1, 4)))
    with pytest.raises(TypeError, match="integer dtype"):
        d.is_goal(np.zeros((1, 4), dtype=bool))
    with pytest.raises(ValueError, match="shape"):
        d.successors(np.arange(4))
    with pytest.raises(ValueError, match=r"states\[1\] = \[0, 0, 1, 2\] is not a state"):
        d.successors(np.array([[0, 1, 2, 3], [0, 0, 1, 2]]))
    with pytest.raises(ValueError, match=r"states\[0\]"):
        lights_out(3).is_goal(np.full((1, 9), 2))
    with pytest.raises(ValueError, match=r"states\[2\]"):
        random_digraph(5, 2, seed=0).successors(np.array([0, 4, 5]))
    nxt, _ = d.successors(np.array([[3, 2, 1, 0]], dtype=np.int64))  # other integer dtypes are accepted
    assert nxt.dtype == np.int8


def test_bad_scramble_and_table_requests():
    d = lights_out(5)
    with pytest.raises(ValueError, match="k must be >= 0"):
        d.scramble(3, -1)
    with pytest.raises(ValueError, match="shape"):
        d.scramble(3, np.array([1, 2]))
    with pytest.raises(ValueError, match=r"k\[1\]"):
        d.scramble(3, np.array([1, -2, 3]))
    with pytest.raises(TypeError, match="k must be"):
        d.scramble(3, np.array([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="seed"):
        d.scramble(3, 2, seed=1.5)
    with pytest.raises(ValueError, match="TABLE_LIMIT"):
        d.exact_cost_to_go()
    with pytest.raises(ValueError, match="TABLE_LIMIT"):
        sliding_puzzle(4).h_exact(sliding_puzzle(4).goal[None])


def test_bad_digraphs_and_meta_actions():
    with pytest.raises(ValueError, match=r"successor\[1, 0\] = 3"):
        digraph(np.array([[0], [3]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"cost\[0, 1\] = 0.0 must be finite and > 0"):
        digraph(np.zeros((1, 2), dtype=int), np.array([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="cost must have shape"):
        digraph(np.zeros((2, 2), dtype=int), np.ones((2, 3)))
    with pytest.raises(TypeError, match="successor must be"):
        digraph(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="goal must be a node"):
        digraph(np.zeros((2, 2), dtype=int), np.ones((2, 2)), goal=2)
    with pytest.raises(ValueError, match=r"cost_range\[0\]"):
        random_digraph(5, 2, cost_range=(0.0, 1.0))
    with pytest.raises(ValueError, match=r"cost_range\[1\]"):
        random_digraph(5, 2, cost_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="n_nodes must be >= 2"):
        random_digraph(1, 2)
    with pytest.raises(TypeError, match="SearchDomain"):
        meta_actions("lights_out", 2)
    with pytest.raises(ValueError, match="above 65536"):
        meta_actions(lights_out(5), 4)
    with pytest.raises(ValueError, match="already has meta-actions"):
        meta_actions(meta_actions(pancake(4), 2), 2)
    with pytest.raises(TypeError, match="include_shorter"):
        meta_actions(pancake(4), 2, include_shorter=1)
    assert isinstance(meta_actions(pancake(4), 1), SearchDomain)
