"""A* and Q* search (solvers.search) against a plain Dijkstra on random positive-weight digraphs and a small grid."""

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import solvers, tabular
from boundlab.solvers.search import _search


class Graph:
    """A random digraph with ``A`` out-edges per node (``T[s, a]``, integer costs ``C[s, a]`` in 1..5, kept as floats
    so sums are exact); node 0 is the start; graph nodes are 0-d integer states."""

    def __init__(self, T, C, goal):
        self.T, self.C, self.goal = np.asarray(T, dtype=np.int64), np.asarray(C, dtype=float), np.asarray(goal)
        self.N, self.A = self.T.shape

    @classmethod
    def random(cls, seed, n, A, p_goal=0.2):
        rng = np.random.default_rng(seed)
        return cls(rng.integers(n, size=(n, A)), rng.integers(1, 6, size=(n, A)), rng.random(n) < p_goal)

    def successors(self, s):
        return self.T[s], self.C[s]

    def is_goal(self, s):
        return self.goal[s]

    def dijkstra(self, sources, reverse=False):
        """Plain Dijkstra from ``sources`` (distance 0); goals have no out-edges (a path ends at its first goal).
        ``reverse``: along reversed edges, so from the goals it gives ``h*``."""
        adj = [[] for _ in range(self.N)]
        for u in range(self.N):
            if self.goal[u]:
                continue
            for a in range(self.A):
                v, c = int(self.T[u, a]), float(self.C[u, a])
                adj[v if reverse else u].append((u if reverse else v, c))
        dist = [np.inf] * self.N
        todo = [(0.0, s) for s in sources]
        while todo:
            d, u = heapq.heappop(todo)
            if d >= dist[u]:
                continue
            dist[u] = d
            for v, c in adj[u]:
                if d + c < dist[v]:
                    heapq.heappush(todo, (d + c, v))
        return np.array(dist)

    def optimum(self):
        d = self.dijkstra([0])
        return d, float(np.min(d[self.goal], initial=np.inf))

    def hstar(self):
        return self.dijkstra(np.flatnonzero(self.goal), reverse=True)

    def qstar_table(self):
        return self.C + self.hstar()[self.T]


START = np.int64(0)
graphs = st.builds(Graph.random, st.integers(0, 2**32 - 1), st.integers(2, 14), st.integers(1, 4))


def table(values):
    return lambda s: values[s]


def scaled(exact, factors):
    """``exact * factors`` (factors in [0, 1]): admissible; where ``exact`` is inf any value is, so use 100 * factor."""
    return np.where(np.isfinite(exact), exact * factors, 100.0 * factors)


def check_path(g, res):
    assert res.path[0] == START and g.goal[res.path[-1]]
    assert np.array_equal(g.T[res.path[:-1], res.actions], res.path[1:])
    assert np.sum(g.C[res.path[:-1], res.actions]) == res.cost


def search(kind, g, heuristic, **kw):
    fn = solvers.qstar if kind == "q" else solvers.astar
    return fn(START, g.successors, g.is_goal, table(heuristic), **kw)


@given(g=graphs, seed=st.integers(0, 2**32 - 1), kind=st.sampled_from("qh"))
def test_admissible_heuristic_gives_dijkstra_cost(g, seed, kind):
    factors = np.random.default_rng(seed).random((g.N, g.A) if kind == "q" else g.N)
    res = search(kind, g, scaled(g.qstar_table() if kind == "q" else g.hstar(), factors))
    _, best = g.optimum()
    if np.isinf(best):
        assert res.status == "unreachable" and res.path is None and res.actions is None and res.cost == np.inf
    else:
        assert res.status == "solved" and res.cost == best
        check_path(g, res)


@given(g=graphs, kind=st.sampled_from("qh"))
def test_exact_heuristic_pops_only_optimal_path_entries(g, kind):
    d, best = g.optimum()
    hs = g.hstar()
    res = search(kind, g, g.qstar_table() if kind == "q" else hs, record=True)
    if np.isinf(best):
        return
    assert res.cost == best
    for s, a, priority in res.pops:
        assert priority == best
        on_path = d[s] + g.C[s, a] + hs[g.T[s, a]] if kind == "q" else d[s] + hs[s]
        assert on_path == best  # lies on an optimal path (ties between optimal paths allowed)


@given(g=graphs, kind=st.sampled_from("qh"))
def test_zero_heuristic_is_uniform_cost_search(g, kind):
    d, best = g.optimum()
    res = search(kind, g, np.zeros((g.N, g.A) if kind == "q" else g.N), record=True)
    assert res.cost == best
    popped = [(int(s), a) for s, a, _ in res.pops]
    priorities = [p for _, _, p in res.pops]
    assert priorities == sorted(priorities)  # in order of g, as uniform-cost search
    assert all(p == d[s] for (s, _), p in zip(popped, priorities))  # each node popped at its true distance
    inner = [s for s in range(g.N) if not g.goal[s] and d[s] < best]
    want = {(s, a) for s in inner for a in range(g.A)} if kind == "q" else {(s, -1) for s in inner}
    assert len(popped) == len(set(popped)) and set(popped) == want


@given(g=graphs, seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 5),
       weight=st.sampled_from([1.0, 0.7, 0.3, 0.0]), epsilon=st.sampled_from([0.0, 0.3, 1.0]))
def test_counting_and_valid_paths_with_batches_weights_and_random_pops(g, seed, batch, weight, epsilon):
    factors = np.random.default_rng(seed).random((g.N, g.A))
    _, best = g.optimum()
    kw = dict(batch=batch, weight=weight, epsilon=epsilon, seed=seed)
    q = search("q", g, scaled(g.qstar_table(), factors), **kw)
    a = search("h", g, scaled(g.hstar(), factors[:, 0]), **kw)
    assert q.generated == q.expanded <= batch * q.iterations  # Q*: one child per popped pair, <= B per iteration
    assert a.generated == g.A * a.expanded and a.expanded <= batch * a.iterations  # A*: B x |A| per iteration
    for res in (q, a):
        assert res.evaluations <= 1 + res.generated
        if np.isinf(best):
            assert res.status == "unreachable"
        else:
            assert res.status == "solved" and res.cost >= best
            check_path(g, res)


@settings(max_examples=30)
@given(g=graphs, seed=st.integers(0, 2**32 - 1))
def test_random_pops_reproducible_and_off_by_default(g, seed):
    q = np.random.default_rng(seed).random((g.N, g.A))
    runs = [search("q", g, q, epsilon=0.5, seed=seed, record=True) for _ in range(2)]
    runs.append(search("q", g, q, epsilon=0.5, seed=np.random.default_rng(seed), record=True))
    base = [search("q", g, q, record=True), search("q", g, q, epsilon=0.0, seed=seed + 1, record=True)]
    for group in (runs, base):
        pops = [[(int(s), a, p) for s, a, p in r.pops] for r in group]
        assert all(p == pops[0] for p in pops) and len({r.cost for r in group}) == 1


def test_random_pops_leave_best_first_order():
    g = Graph.random(3, 60, 3, p_goal=0.02)
    g.goal[0] = False
    zero = np.zeros((g.N, g.A))
    greedy = search("q", g, zero, record=True)
    assert [p for *_, p in greedy.pops] == sorted(p for *_, p in greedy.pops)
    rand = [search("q", g, zero, epsilon=1.0, seed=s, record=True) for s in (0, 1)]
    orders = [[p for *_, p in r.pops] for r in rand]
    assert orders[0] != sorted(orders[0]) and orders[0] != orders[1]


# ------------------------------------------------------------------------------ why the rules matter (hand-built)
def test_stopping_at_first_generated_goal_is_suboptimal():
    # 0 -a0-> goal 2 (cost 10); 0 -a1-> 1 (cost 1) -> goal 2 (cost 1). Optimum 2.
    g = Graph([[2, 1], [2, 2], [2, 2]], [[10, 1], [1, 1], [1, 1]], [False, False, True])
    assert g.optimum()[1] == 2.0
    q = np.array([[0.0, 2.0], [1.0, 1.0], [0.0, 0.0]])  # q(0, a0) = 0 <= 10: admissible, popped first
    assert np.all(q <= g.qstar_table())
    for kind, heur in (("q", q), ("h", np.zeros(3))):
        fn = solvers.qstar if kind == "q" else solvers.astar
        kw = dict(per_pair=kind == "q", weight=1.0, batch=1, max_expansions=None, time_limit=None, record=False)
        bad = _search(START, g.successors, g.is_goal, table(heur), stop_at_first_goal=True, **kw)
        assert bad.cost == 10.0
        assert fn(START, g.successors, g.is_goal, table(heur)).cost == 2.0


def test_no_reopening_with_inconsistent_q_is_suboptimal():
    # 0 -a0-> 1 (cost 3); 0 -a1-> 2 (cost 1); 2 -> 1 (cost 1); 1 -> goal 3 (cost 1). Optimum 0-2-1-3 = 3.
    g = Graph([[1, 2], [3, 3], [1, 1], [3, 3]], [[3, 1], [1, 1], [1, 1], [1, 1]], [False, False, False, True])
    assert g.optimum()[1] == 3.0
    q = g.qstar_table().copy()
    q[0, 0] = 0.0  # admissible but inconsistent: node 1 is first reached the expensive way (g = 3), then at g = 2
    kw = dict(per_pair=True, weight=1.0, batch=1, max_expansions=None, time_limit=None, record=False)
    bad = _search(START, g.successors, g.is_goal, table(q), reopen=False, **kw)
    assert bad.cost == 4.0
    res = solvers.qstar(START, g.successors, g.is_goal, table(q))
    assert res.cost == 3.0 and list(res.path) == [0, 2, 1, 3]


# ------------------------------------------------------------------------------------------------ other domains
def grid(n):
    moves = np.array([[0, 1], [1, 0], [0, -1], [-1, 0]])

    def successors(s):
        return np.clip(s[:, None, :] + moves, 0, n - 1), np.ones((len(s), 4))

    def is_goal(s):
        return np.all(s == n - 1, axis=1)

    def h(s):
        return (2 * (n - 1) - s.sum(axis=1)).astype(float)

    def q(s):
        nxt, c = successors(s)
        return c + (2 * (n - 1) - nxt.sum(axis=2))

    return successors, is_goal, h, q


@pytest.mark.parametrize("batch", [1, 3])
def test_grid_with_vector_states(batch):
    successors, is_goal, h, q = grid(5)
    start = np.zeros(2, dtype=np.int64)
    qs = solvers.qstar(start, successors, is_goal, q, batch=batch)
    a = solvers.astar(start, successors, is_goal, h, batch=batch)
    for res in (qs, a):
        assert res.cost == 8.0 and res.path.shape == (9, 2) and np.array_equal(res.path[-1], [4, 4])
        assert np.all(np.abs(np.diff(res.path, axis=0)).sum(axis=1) == 1)
    assert qs.generated < a.generated


def test_start_is_goal():
    g = Graph([[0]], [[1]], [True])
    res = solvers.qstar(START, g.successors, g.is_goal, table(np.zeros((1, 1))))
    assert res.cost == 0.0 and list(res.path) == [0] and len(res.actions) == 0 and res.generated == 0


def test_budget_stops_an_infinite_search():
    def successors(s):
        return np.stack([s + 1, s + 2], axis=1), np.ones((len(s), 2))

    never = lambda s: np.zeros(len(s), dtype=bool)  # noqa: E731
    with pytest.warns(RuntimeWarning, match="budget"):
        res = solvers.qstar(START, successors, never, lambda s: np.zeros((len(s), 2)), max_expansions=50)
    assert res.status == "budget" and res.path is None and res.cost == np.inf and res.expanded == 50
    with pytest.warns(RuntimeWarning, match="budget"):
        res = solvers.astar(START, successors, never, lambda s: np.zeros(len(s)), time_limit=0.05)
    assert res.status == "budget"


# ------------------------------------------------------------------------------------------------------ bad input
def test_bad_input():
    g = Graph.random(1, 6, 2, p_goal=0.5)
    q, h = table(np.zeros((6, 2))), table(np.zeros(6))
    never = lambda s: np.zeros(len(s), dtype=bool)  # noqa: E731  (so the search reaches successors)
    with pytest.raises(TypeError, match="start"):
        solvers.qstar(0, g.successors, g.is_goal, q)
    with pytest.raises(TypeError, match="start"):
        solvers.astar(np.array(0.0), g.successors, g.is_goal, h)
    with pytest.raises(TypeError, match="batch"):
        solvers.qstar(START, g.successors, g.is_goal, q, batch=2.5)
    with pytest.raises(ValueError, match="batch"):
        solvers.qstar(START, g.successors, g.is_goal, q, batch=0)
    with pytest.raises(ValueError, match="weight"):
        solvers.astar(START, g.successors, g.is_goal, h, weight=1.5)
    with pytest.raises(TypeError, match="weight"):
        solvers.astar(START, g.successors, g.is_goal, h, weight="0.9")
    with pytest.raises(TypeError, match="successors"):
        solvers.astar(START, 3, g.is_goal, h)
    with pytest.raises(ValueError, match=r"costs must be finite and >= 0.*state 0, action 1"):
        solvers.astar(START, lambda s: (g.T[s], np.where(np.arange(2) == 1, -1.0, 1.0) * g.C[s]),
                      never, h)
    with pytest.raises(TypeError, match="dtype"):
        solvers.astar(START, lambda s: (g.T[s].astype(np.int32), g.C[s]), never, h)
    with pytest.raises(ValueError, match="next_states must have shape"):
        solvers.astar(START, lambda s: (g.T[s][:, :, None], g.C[s]), never, h)
    with pytest.raises(ValueError, match="costs must have shape"):
        solvers.astar(START, lambda s: (g.T[s], g.C[s][:, :1]), never, h)
    with pytest.raises(TypeError, match="is_goal"):
        solvers.astar(START, g.successors, lambda s: np.zeros(len(s)), h)
    with pytest.raises(ValueError, match="q must return shape"):
        solvers.qstar(START, g.successors, never, lambda s: np.zeros(len(s)))
    with pytest.raises(ValueError, match="h must return shape"):
        solvers.astar(START, g.successors, never, lambda s: np.zeros((len(s), 2)))
    with pytest.raises(ValueError, match="NaN"):
        solvers.astar(START, g.successors, never, lambda s: np.full(len(s), np.nan))
    with pytest.raises(TypeError, match="real numbers"):
        solvers.qstar(START, g.successors, never, lambda s: np.zeros((len(s), 2), dtype=complex))
    with pytest.raises(ValueError, match="max_expansions"):
        solvers.qstar(START, g.successors, never, q, max_expansions=0)
    with pytest.raises(ValueError, match="epsilon"):
        solvers.qstar(START, g.successors, never, q, epsilon=1.5)
    with pytest.raises(ValueError, match="seed"):
        solvers.qstar(START, g.successors, never, q, epsilon=0.5, seed=-1)
    with pytest.raises(TypeError, match="seed"):
        solvers.astar(START, g.successors, never, h, seed=2.5)


@pytest.mark.parametrize("make", [lambda: tabular.lights_out(3), lambda: tabular.pancake(6),
                                  lambda: tabular.sliding_puzzle(3),
                                  lambda: tabular.meta_actions(tabular.lights_out(3), 2, include_shorter=True)],
                         ids=["lights-out-3", "pancake-6", "8-puzzle", "lights-out-3-pairs"])
def test_optimal_on_the_puzzles_with_admissible_heuristics(make):
    """On the puzzle domains (tabular.search_domains) with their exact tables: from scrambled starts, Q* with
    q = q* times per-entry factors in [0, 1] and A* with h = h* times factors return the optimal cost h*(start)."""
    domain = make()
    rng = np.random.default_rng(0)
    starts = domain.scramble(3, 12, seed=1)
    for start in starts:
        def q(states):
            return domain.q_exact(states) * rng.uniform(0, 1, (len(states), domain.n_actions))

        def h(states):
            return domain.h_exact(states) * rng.uniform(0, 1, len(states))

        best = float(domain.h_exact(start[None])[0])
        for search, heur in [(solvers.qstar, q), (solvers.astar, h)]:
            res = search(start, domain.successors, domain.is_goal, heur)
            assert res.status == "solved" and res.cost == pytest.approx(best, abs=1e-9)
            assert len(res.actions) == len(res.path) - 1 and domain.is_goal(res.path[-1:])[0]


@pytest.mark.parametrize("make", [lambda: tabular.lights_out(3), lambda: tabular.sliding_puzzle(3),
                                  lambda: tabular.meta_actions(tabular.pancake(5), 2, include_shorter=True)])
def test_exact_heuristic_with_deeper_first_ties_expands_one_optimal_path(make):
    """Ties in priority pop the larger g first, so with the exact h (or q) every pop continues the same optimal path:
    A* and Q* expand exactly as many entries as the path has steps (Lights Out's presses commute, so push order alone
    would wander through the tied orderings)."""
    dom = make()
    for s in dom.scramble(6, 12, seed=2):
        for res in (solvers.astar(s, dom.successors, dom.is_goal, dom.h_exact),
                    solvers.qstar(s, dom.successors, dom.is_goal, dom.q_exact)):
            assert res.cost == dom.h_exact(s[None])[0] and res.expanded == len(res.actions)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 6), meta=st.booleans())
def test_qstar_with_apply_is_the_same_search(seed, batch, meta):
    """``apply`` builds only the popped children: the same pops, counts and path as reading them off successors."""
    dom = tabular.lights_out(3)
    dom = tabular.meta_actions(dom, 2) if meta else dom
    start = dom.scramble(1, 6, seed=seed)[0]
    noise = np.random.default_rng(seed).random((dom.n_states, dom.n_actions))
    q = lambda s: dom.q_exact(s) * (0.5 + noise[dom.rank(s)])  # noqa: E731 - inconsistent, so reopening happens
    a = solvers.qstar(start, dom.successors, dom.is_goal, q, batch=batch, record=True)
    b = solvers.qstar(start, dom.successors, dom.is_goal, q, batch=batch, record=True, apply=dom.apply)
    assert (a.cost, a.generated, a.expanded, a.evaluations, a.iterations) == (
        b.cost, b.generated, b.expanded, b.evaluations, b.iterations)
    np.testing.assert_array_equal(a.path, b.path)
    assert [(x[1], x[2]) for x in a.pops] == [(x[1], x[2]) for x in b.pops]


@pytest.mark.parametrize("bad, kind, words", [
    (lambda s, a: s, TypeError, "tuple"),
    (lambda s, a: (s.astype(np.int64), np.ones(len(s))), TypeError, "dtype"),
    (lambda s, a: (s[:, :-1], np.ones(len(s))), ValueError, "shape"),
    (lambda s, a: (s, -np.ones(len(s))), ValueError, ">= 0"),
    (lambda s, a: (s, np.full(len(s), np.nan)), ValueError, "finite"),
    ("apply", TypeError, "callable"),
])
def test_qstar_refuses_a_bad_apply_by_name(bad, kind, words):
    dom = tabular.lights_out(3)
    with pytest.raises(kind, match=words) as info:
        solvers.qstar(dom.scramble(1, 3, seed=0)[0], dom.successors, dom.is_goal, dom.q_exact, apply=bad)
    assert "apply" in str(info.value)
