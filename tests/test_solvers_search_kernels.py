"""The Numba search loop (solvers.search) against its slow reference (tests/reference_search.py): the same pops in the
same order, the same counts and the same path, on random digraphs with arbitrary (inconsistent, inadmissible)
heuristics, every weight and batch, and on vector states of several dtypes."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import tabular
from boundlab.solvers.search import _search
from reference_search import search_reference
from test_solvers_search import START, Graph, table


def assert_same(fast, slow):
    assert (fast.status, fast.cost, fast.lower_bound) == (slow.status, slow.cost, slow.lower_bound)
    assert (fast.generated, fast.expanded, fast.evaluations, fast.iterations) == (
        slow.generated, slow.expanded, slow.evaluations, slow.iterations)
    if slow.path is None:
        assert fast.path is None and fast.actions is None
    else:
        np.testing.assert_array_equal(fast.path, slow.path)
        np.testing.assert_array_equal(fast.actions, slow.actions)
    assert len(fast.pops) == len(slow.pops)
    for (s1, a1, p1), (s2, a2, p2) in zip(fast.pops, slow.pops):
        np.testing.assert_array_equal(s1, s2)
        assert (a1, p1) == (a2, p2)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 30), A=st.integers(1, 4), per_pair=st.booleans(),
       weight=st.sampled_from([1.0, 0.7, 0.0]), batch=st.integers(1, 5), reopen=st.booleans(),
       first_goal=st.booleans(), budget=st.sampled_from([None, 3]))
def test_fast_loop_reproduces_the_reference_on_digraphs(seed, n, A, per_pair, weight, batch, reopen, first_goal,
                                                        budget):
    g = Graph.random(seed, n, A)
    rng = np.random.default_rng(seed + 1)
    heur = rng.integers(0, 12, size=(n, A) if per_pair else n).astype(float)  # inconsistent and inadmissible
    kw = dict(per_pair=per_pair, weight=weight, batch=batch, record=True, reopen=reopen,
              stop_at_first_goal=first_goal, max_expansions=budget)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the budget warning, checked in test_solvers_search
        fast = _search(START, g.successors, g.is_goal, table(heur), **kw)
        slow = search_reference(START, g.successors, g.is_goal, table(heur), **kw)
    assert_same(fast, slow)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(0, 12), per_pair=st.booleans(), batch=st.integers(1, 8),
       as_bool=st.booleans())
def test_fast_loop_reproduces_the_reference_on_lights_out(seed, depth, per_pair, batch, as_bool):
    """Vector states (int8 boards, or the same boards as bool) and a noisy exact heuristic."""
    dom = tabular.lights_out(3)
    start = dom.scramble(1, depth, seed=seed)[0]
    rng = np.random.default_rng(seed)
    noise = rng.random((dom.n_states, dom.n_actions) if per_pair else dom.n_states)
    exact = dom.q_exact if per_pair else dom.h_exact

    def score(s):
        s = s.astype(np.int8)
        return exact(s) * (0.5 + noise[dom.rank(s)])

    def successors(s):
        nxt, c = dom.successors(s.astype(np.int8))
        return nxt.astype(s.dtype), c

    def is_goal(s):
        return dom.is_goal(s.astype(np.int8))

    if as_bool:
        start = start.astype(bool)
    kw = dict(per_pair=per_pair, weight=1.0, batch=batch, record=True)
    fast = _search(start, successors, is_goal, score, **kw)
    slow = search_reference(start, successors, is_goal, score, **kw)
    assert_same(fast, slow)
    assert fast.path.dtype == start.dtype


def path_is_consistent(g, res):
    """The actions lead along the path and ``cost`` is the path's own cost."""
    if res.path is None:
        return True
    steps = zip(res.path[:-1], res.actions, res.path[1:])
    return all(g.T[s, a] == t for s, a, t in steps) and res.cost == sum(
        g.C[s, a] for s, a in zip(res.path[:-1], res.actions))


def test_reopening_inside_a_batch_keeps_the_incumbent_path_and_its_cost():
    """Regression (review of issue 16): a node on the incumbent's chain reopened later in the same batch changed the
    returned actions; the goal's stale g overstated the cost. Both loops now return the path as found, with its cost."""
    T = [[6, 5], [5, 9], [12, 8], [7, 6], [0, 2], [11, 10], [6, 7], [10, 9], [6, 10], [2, 10], [12, 2], [0, 8],
         [10, 8]]
    C = [[1, 4], [3, 1], [5, 1], [1, 1], [1, 1], [5, 5], [2, 1], [1, 1], [4, 3], [5, 5], [4, 3], [4, 2], [3, 2]]
    goal = np.zeros(13, bool)
    goal[12] = True
    g = Graph(T, C, goal)
    h = np.array([10, 13, 10, 8, 6, 1, 2, 13, 12, 8, 8, 12, 10], float)
    kw = dict(per_pair=False, weight=0.5, batch=3, record=True)
    fast, slow = _search(START, g.successors, g.is_goal, table(h), **kw), search_reference(
        START, g.successors, g.is_goal, table(h), **kw)
    assert_same(fast, slow)
    assert path_is_consistent(g, fast)


def test_paths_and_costs_are_consistent_on_many_batched_searches():
    """Over many random digraphs, batches and arbitrary heuristics (where reopening inside a batch happens), every
    returned path is walkable by its actions and its cost is its own."""
    for seed in range(1500):
        rng = np.random.default_rng(seed)
        g = Graph.random(seed, int(rng.integers(5, 20)), int(rng.integers(1, 4)))
        per_pair = bool(seed % 2)
        heur = rng.integers(0, 15, size=(g.N, g.A) if per_pair else g.N).astype(float)
        res = _search(START, g.successors, g.is_goal, table(heur), per_pair=per_pair, weight=float(rng.choice(
            [1.0, 0.5])), batch=int(rng.integers(1, 6)))
        assert path_is_consistent(g, res), seed


def test_hash_spreads_states_that_differ_only_in_high_bits():
    """The slot is the hash's low bits: keys i << 45 must still fill most slots (a weak finaliser piled them up)."""
    from boundlab.solvers import _search_kernels as kernels

    keys = (np.arange(4096, dtype=np.uint64) << np.uint64(45)).reshape(-1, 1)
    slots = np.array([kernels._hash(k) & np.uint64(8191) for k in keys])
    assert len(np.unique(slots)) > 0.7 * 4096
