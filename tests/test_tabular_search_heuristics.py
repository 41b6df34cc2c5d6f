"""Learned search heuristics (tabular.search_heuristics): the Bellman targets against the exact tables and a
per-state reference, the Boltzmann action draw, and the trained networks (reproducible, better than at start, and
usable by A*/Q*). Small sizes: the full-size training runs are in notebooks/09_qstar.ipynb."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import solvers, tabular
from boundlab.tabular.search_heuristics import _boltzmann, _evaluate

DOMAINS = {
    "lights_out(3)": lambda: tabular.lights_out(3),
    "pancake(5)": lambda: tabular.pancake(5),
    "8-puzzle": lambda: tabular.sliding_puzzle(3),
    "lights_out(3) pairs": lambda: tabular.meta_actions(tabular.lights_out(3), 2),
    "pancake(4) up to triples": lambda: tabular.meta_actions(tabular.pancake(4), 3, include_shorter=True),
    "digraph": lambda: tabular.random_digraph(30, 3, seed=4),
}
_BUILT = {}


def domain(name):
    if name not in _BUILT:
        _BUILT[name] = DOMAINS[name]()
    return _BUILT[name]


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(DOMAINS)), seed=st.integers(0, 2**32 - 1), depth=st.integers(0, 6))
def test_targets_from_the_exact_tables_are_the_exact_tables(name, seed, depth):
    """Bellman's equation: q* and h* are fixed points of the targets (goal states and goal successors included)."""
    dom = domain(name)
    states = dom.scramble(16, np.arange(16) % (depth + 1), seed=seed)
    actions = np.random.default_rng(seed).integers(dom.n_actions, size=16)
    q = tabular.q_learning_targets(dom.q_exact, dom, states, actions)
    np.testing.assert_allclose(q, dom.q_exact(states)[np.arange(16), actions] * ~dom.is_goal(states))
    np.testing.assert_allclose(tabular.value_targets(dom.h_exact, dom, states), dom.h_exact(states))


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(DOMAINS)), seed=st.integers(0, 2**32 - 1))
def test_targets_match_a_per_state_reference_for_any_target_network(name, seed):
    """An arbitrary (negative values included) table as the frozen network; one state at a time, by the definition."""
    dom = domain(name)
    rng = np.random.default_rng(seed)
    qtab = rng.normal(3.0, 3.0, size=(dom.n_states, dom.n_actions))
    htab = rng.normal(3.0, 3.0, size=dom.n_states)
    states = dom.scramble(8, rng.integers(0, 5, size=8), seed=rng)
    actions = rng.integers(dom.n_actions, size=8)
    q = tabular.q_learning_targets(lambda s: qtab[dom.rank(s)], dom, states, actions)
    h = tabular.value_targets(lambda s: htab[dom.rank(s)], dom, states)
    for i, s in enumerate(states):
        nxt, cost = dom.successors(s[None])
        if dom.is_goal(s[None])[0]:
            assert q[i] == 0 and h[i] == 0
            continue
        s2 = nxt[0, actions[i]]
        ahead = 0.0 if dom.is_goal(s2[None])[0] else max(0.0, min(qtab[dom.rank(s2[None])[0]]))
        assert q[i] == pytest.approx(cost[0, actions[i]] + ahead)
        kids = [nxt[0, a][None] for a in range(dom.n_actions)]
        best = min(cost[0, a] + (0.0 if dom.is_goal(kid)[0] else max(0.0, htab[dom.rank(kid)[0]]))
                   for a, kid in enumerate(kids))
        assert h[i] == pytest.approx(best)


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(sorted(DOMAINS)), seed=st.integers(0, 2**32 - 1))
def test_apply_is_the_chosen_row_of_successors(name, seed):
    dom = domain(name)
    rng = np.random.default_rng(seed)
    states = dom.scramble(10, rng.integers(0, 6, size=10), seed=rng)
    actions = rng.integers(dom.n_actions, size=10)
    nxt, cost = dom.apply(states, actions)
    full, full_cost = dom.successors(states)
    np.testing.assert_array_equal(nxt, full[np.arange(10), actions])
    np.testing.assert_array_equal(cost, full_cost[np.arange(10), actions])


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_state_entries_lie_below_n_values(name):
    dom = domain(name)
    states = dom.unrank(np.arange(dom.n_states))
    assert states.min() >= 0 and states.max() == dom.n_values - 1


def test_boltzmann_draws_follow_the_softmax_of_minus_q():
    q = np.array([[0.0, 0.2, 1.0, 3.0]])
    rng = np.random.default_rng(0)
    n = 40_000
    draws = _boltzmann(np.repeat(q, n, axis=0), 1 / 3, rng)
    p = np.exp(-q[0] * 3)
    p /= p.sum()
    freq = np.bincount(draws, minlength=4) / n
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12)
    np.testing.assert_array_equal(_boltzmann(np.array([[2.0, 1.0, 5.0], [0.0, 4.0, 1.0]]), 0.0, rng), [1, 0])
    uniform = np.bincount(_boltzmann(np.repeat(q, n, axis=0), np.inf, rng), minlength=4) / n
    assert np.all(np.abs(uniform - 0.25) <= 5 * np.sqrt(0.25 * 0.75 / n))


SMALL = dict(hidden=(64, 64), steps=300, batch_size=200, max_depth=12, target_every=50)


@pytest.fixture(scope="module")
def trained():
    dom = tabular.lights_out(3)
    return dom, tabular.train_qnetwork(dom, seed=3, **SMALL), tabular.train_value_network(dom, seed=3, **SMALL)


def test_training_is_reproducible_and_changes_with_the_seed(trained):
    dom, q, _ = trained
    again = tabular.train_qnetwork(dom, seed=3, **{**SMALL, "steps": 40})
    twice = tabular.train_qnetwork(dom, seed=3, **{**SMALL, "steps": 40})
    other = tabular.train_qnetwork(dom, seed=4, **{**SMALL, "steps": 40})
    np.testing.assert_array_equal(again.losses, twice.losses)
    for (W1, b1), (W2, b2) in zip(again.params, twice.params):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(again.losses, other.losses)


def test_trained_networks_approach_the_exact_tables(trained):
    """Mean error over all 512 boards, against the untrained network (steps=1): at least halved."""
    dom, q, h = trained
    boards = dom.unrank(np.arange(dom.n_states))
    q0 = tabular.train_qnetwork(dom, seed=3, **{**SMALL, "steps": 1})
    h0 = tabular.train_value_network(dom, seed=3, **{**SMALL, "steps": 1})
    err = {name: np.abs(f(boards) - exact(boards)).mean()
           for name, f, exact in (("q", q, dom.q_exact), ("q0", q0, dom.q_exact), ("h", h, dom.h_exact),
                                  ("h0", h0, dom.h_exact))}
    assert err["q"] <= err["q0"] / 2 and err["h"] <= err["h0"] / 2, err
    assert q.depths[0] == 1 and q.depths[-1] == SMALL["max_depth"] and len(q.target_updates) == 6


def test_trained_networks_guide_astar_and_qstar_to_the_goal(trained):
    dom, q, h = trained
    for s in dom.scramble(10, 12, seed=5):
        opt = dom.h_exact(s[None])[0]
        for res in (solvers.qstar(s, dom.successors, dom.is_goal, q, batch=4),
                    solvers.astar(s, dom.successors, dom.is_goal, h, batch=4)):
            assert res.status == "solved" and dom.is_goal(res.path[-1:])[0]
            assert res.cost >= opt and res.cost == len(res.actions)
            np.testing.assert_array_equal(dom.apply(res.path[:-1], res.actions)[0], res.path[1:])


def test_network_output_does_not_depend_on_the_batch_it_comes_in(trained):
    """Padding to a power of two and chunking leave each row's value as it is alone."""
    dom, q, h = trained
    boards = dom.unrank(np.arange(37))
    alone = np.concatenate([q(b[None]) for b in boards])
    np.testing.assert_allclose(q(boards), alone, rtol=1e-6, atol=1e-6)
    assert q(boards).shape == (37, 9) and h(boards).shape == (37,) and q(boards).min() >= 0
    assert _evaluate(q.params, boards[:0], dom.n_values).shape == (0, 9)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "0.3", None])
def test_a_bad_temperature_is_refused_by_name(bad):
    with pytest.raises((TypeError, ValueError), match="temperature"):
        tabular.train_qnetwork(tabular.lights_out(3), temperature=bad, steps=1)


@pytest.mark.parametrize("bad, kind", [(np.array([0.0, 1.0]), TypeError), ([0, 1], TypeError),
                                       (np.array([0]), ValueError), (np.array([0, 9]), ValueError),
                                       (np.array([-1, 0]), ValueError), (np.array([True, False]), TypeError)])
def test_apply_refuses_bad_actions_by_name(bad, kind):
    dom = tabular.lights_out(3)
    with pytest.raises(kind, match="actions"):
        dom.apply(dom.scramble(2, 3, seed=0), bad)
