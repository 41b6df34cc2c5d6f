"""coRMAB domains (Xu, Wilder, Khalil & Tambe, ICLR 2025): on tiny instances each domain's rule checked by brute
force (all assignments / matchings / closed walks), the MILP's feasible set (SCIP, action fixed) equal to it, and the
MILP optimum of a linear objective and of a small ReLU network equal to enumeration over the feasible actions; at
the paper's size the solver's actions are feasible; generators and simulators reproducible; bad input refused."""

import dataclasses
import itertools

import numpy as np
import pytest

from boundlab import bandits
from boundlab.bandits import cormab


# --- brute-force statements of each domain's rule ------------------------------------------------------------------

def rule_capacity(d, a):
    """Some assignment of the pulled arms to workers within every capacity (all W^|S| of them)."""
    pulled = np.flatnonzero(a)
    for assign in itertools.product(range(d.capacity.size), repeat=pulled.size):
        load = np.zeros(d.capacity.size)
        np.add.at(load, list(assign), d.costs[pulled])
        if (load <= d.capacity).all():
            return True
    return False


def rule_schedule(d, a):
    """At most B arms, each given two (worker, slot) meetings, both free then, each meeting used once."""
    pulled = np.flatnonzero(a).tolist()
    if len(pulled) > d.budget:
        return False
    W, K = d.worker_slots.shape

    def place(k, used):
        if k == len(pulled):
            return True
        j = pulled[k]
        pairs = [(i, s) for i in range(W) for s in range(K) if d.worker_slots[i, s] and d.arm_slots[j, s]
                 and (i, s) not in used]
        for p, q in itertools.combinations(pairs, 2):
            if d.distinct_workers and p[0] == q[0]:
                continue
            if place(k + 1, used | {p, q}):
                return True
        return False

    return place(0, frozenset())


def walk_cover_sets(d):
    """The node sets of all closed walks from the source with at most L edges."""
    nbrs = {j: set() for j in range(d.J)}
    for u, v in d.edges.tolist():
        nbrs[u].add(v)
        nbrs[v].add(u)
    covers = set()

    def walk(node, steps, seen):
        if node == d.source:
            covers.add(frozenset(seen))
        if steps == d.walk_length:
            return
        for n in nbrs[node]:
            walk(n, steps + 1, seen | {n})

    walk(d.source, 0, frozenset([d.source]))
    return covers


def rule_routing(d, a, covers):
    pulled = set(np.flatnonzero(a).tolist())
    return len(pulled) <= d.budget and any(pulled <= c for c in covers)


def all_actions(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int8)


def tiny_domains():
    return [cormab.sigmoid_domain(20, 6, 3, seed=0),
            cormab.sigmoid_domain(20, 6, 3, budget_equality=True, seed=0),
            cormab.capacity_domain(8, 2, seed=1),
            cormab.capacity_domain(7, 3, seed=2),
            cormab.capacity_domain(8, 2, formulation="assignment", seed=1),
            cormab.capacity_domain(7, 3, formulation="assignment", seed=2),
            cormab.schedule_domain(8, 3, seed=3),
            cormab.schedule_domain(8, 3, distinct_workers=True, seed=3),
            cormab.routing_domain(8, 3, seed=4),
            cormab.routing_domain(8, 3, formulation="euler", seed=4),
            cormab.routing_domain(8, 2, seed=5),
            cormab.routing_domain(8, 2, formulation="euler", seed=5)]


def rule(d):
    """The brute-force rule of ``d`` as a function of the action."""
    if isinstance(d, cormab.SigmoidDomain):
        return (lambda a: a.sum() == d.budget) if d.budget_equality else (lambda a: a.sum() <= d.budget)
    if isinstance(d, cormab.CapacityDomain):
        return lambda a: rule_capacity(d, a)
    if isinstance(d, cormab.ScheduleDomain):
        return lambda a: rule_schedule(d, a)
    covers = walk_cover_sets(d)
    return lambda a: rule_routing(d, a, covers)


TINY = tiny_domains()


@pytest.mark.parametrize("d", TINY, ids=lambda d: d.name)
def test_feasible_sets_agree_with_the_rule(d):
    """is_feasible, the rule by brute force and the MILP (SCIP with the action fixed) give the same set, and the
    set is neither empty nor everything (so the check can fail)."""
    ok = rule(d)
    acts = all_actions(d.n_actions)
    by_rule = np.array([ok(a) for a in acts])
    by_check = np.array([d.is_feasible(a) for a in acts])
    by_milp = np.array([cormab._milp_feasible(d.constraints, a) for a in acts])
    assert 1 < by_rule.sum() < len(acts)
    np.testing.assert_array_equal(by_check, by_rule)
    np.testing.assert_array_equal(by_milp, by_rule)


@pytest.mark.parametrize("d", [d for d in TINY if d.downward_closed], ids=lambda d: d.name)
def test_relaxation_and_no_good_cuts_keep_every_feasible_action(d):
    """``relaxation`` (budget, infeasible singles and pairs) admits every feasible action and some infeasible ones
    (else no cuts would be needed); ``minimal_infeasible`` returns an infeasible subset of the action's ones whose
    every one-smaller subset is feasible, and its no-good cut keeps every feasible action."""
    acts = all_actions(d.n_actions)
    feasible = d._feasible_many(acts)
    R = d.relaxation
    assert R.n_aux == 0
    relaxed = np.array([R.satisfied(a.astype(np.float64)) for a in acts])
    assert relaxed[feasible].all()
    for a in acts[~feasible & relaxed][:40]:
        S = d.minimal_infeasible(a)
        assert set(S.tolist()) <= set(np.flatnonzero(a).tolist())
        sub = np.zeros(d.n_actions, np.int8)
        sub[S] = 1
        assert not d.is_feasible(sub)
        for j in S:
            sub[j] = 0
            assert d.is_feasible(sub)
            sub[j] = 1
        assert (acts[feasible][:, S].sum(axis=1) <= len(S) - 1).all()


def test_no_good_cuts_refuse_what_they_cannot_cut():
    eq = cormab.sigmoid_domain(20, 6, 3, budget_equality=True, seed=0)
    assert not eq.downward_closed
    with pytest.raises(ValueError, match="not downward-closed"):
        _ = eq.relaxation
    d = cormab.routing_domain(8, 2, seed=5)
    with pytest.raises(ValueError, match="is feasible"):
        d.minimal_infeasible(d.null_action())


def test_routing_formulations_refuse_bad_choices():
    arms = cormab.random_arms(6, 2, np.random.default_rng(0))
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    with pytest.raises(ValueError, match="formulation must be"):
        cormab.RoutingDomain(arms, 2, edges, formulation="flow")
    with pytest.raises(ValueError, match="formulation must be 'time-expanded'"):
        cormab.RoutingDomain(arms, 2, edges, self_loops=True, formulation="euler")
    assert cormab.RoutingDomain(arms, 2, edges, self_loops=True).formulation == "time-expanded"
    with pytest.raises(ValueError, match="formulation must be"):
        cormab.RoutingDomain(arms, 2, edges, formulation=None)


def test_capacity_patterns_are_the_maximal_fitting_multisets():
    """``_maximal_patterns`` against brute force over every count vector: exactly those that fit and to which no
    cost can be added; bad formulation names are refused."""
    values, C = (2, 3, 5), 9
    grid = itertools.product(*(range(C // v + 1) for v in values))
    fits = [p for p in grid if np.dot(p, values) <= C]
    maximal = {p for p in fits if C - np.dot(p, values) < min(values)}
    assert set(cormab._maximal_patterns(values, C)) == maximal and len(maximal) > 2
    with pytest.raises(ValueError, match="formulation must be"):
        cormab.capacity_domain(6, 2, formulation="bins", seed=0)


def small_net(rng, n_in, scale=1.0):
    sizes = [n_in, 6, 4, 1]
    W = [rng.normal(size=(o, i)) * scale for i, o in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=o) * scale for o in sizes[1:]]
    return W, b


def forward(W, b, x):
    h = x
    for k, (w, c) in enumerate(zip(W, b)):
        h = w @ h + c
        if k < len(W) - 1:
            h = np.maximum(h, 0.0)
    return float(h[0])


@pytest.mark.parametrize("d", TINY, ids=lambda d: d.name)
def test_milp_optimum_equals_enumeration(d):
    """max c @ a and max f([a; s]) (a random ReLU network, the state as fixed inputs) over the feasible actions:
    SCIP's optimum equals enumeration, and its action is feasible."""
    rng = np.random.default_rng(7)
    feasible = [a for a in all_actions(d.n_actions) if d.is_feasible(a)]
    for _ in range(3):
        c = rng.normal(size=d.n_actions)
        res = cormab.maximize(d, c=c)
        assert d.is_feasible(res.x)
        assert res.value == pytest.approx(max(c @ a for a in feasible), abs=1e-6)
        state = rng.integers(0, 4, d.J)
        W, b = small_net(rng, d.n_actions + d.J)
        res = cormab.maximize(d, weights=W, biases=b, state=state)
        best = max(forward(W, b, np.r_[a, state]) for a in feasible)
        assert d.is_feasible(res.x)
        assert res.value == pytest.approx(best, abs=1e-6)
        assert forward(W, b, np.r_[res.x, state]) == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("d,seed", [(cormab.capacity_domain(6, 2, seed=1), 110),
                                    (cormab.schedule_domain(6, 2, seed=2), 109),
                                    (cormab.routing_domain(6, 2, seed=3), 0)], ids=["capacity", "schedule", "routing"])
def test_maximize_reports_the_exact_objective(d, seed):
    """cormab.maximize's value is the float64 objective at its action (forward pass plus the linear part), not
    SCIP's: equal to it to rounding, never above the brute-force optimum, within SCIP's tolerance of it; also for
    the linear objective alone. The schedule case includes a solve whose SCIP objective is 1.1e-6 off the forward
    pass, so reporting SCIP's objective fails here."""
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(o, i)) * 3 for i, o in zip([d.n_actions + d.J, 6, 4], [6, 4, 1])]
    b = [rng.normal(size=o) * 3 for o in [6, 4, 1]]
    feasible = [a for a in all_actions(d.n_actions) if d.is_feasible(a)]
    for _ in range(3):
        c, state = rng.normal(size=d.n_actions), rng.integers(0, 4, d.J)
        for res, f in ((cormab.maximize(d, c=c, weights=W, biases=b, state=state),
                        lambda a, c=c, s=state: forward(W, b, np.r_[a, s].astype(float)) + float(c @ a)),
                       (cormab.maximize(d, c=c), lambda a, c=c: float(c @ a))):
            best = max(f(a) for a in feasible)
            assert res.value == pytest.approx(f(res.x), rel=1e-12, abs=1e-12)
            assert res.value <= best + 1e-12 * max(1.0, abs(best))
            assert res.value >= best - 1e-6 * max(1.0, abs(best))


def test_budget_only_constraints_go_to_maximize_relu_network():
    """The sigmoid domain has no auxiliaries: its rows feed solvers.maximize_relu_network directly."""
    from boundlab import solvers
    d = TINY[0]
    C = d.constraints
    assert C.n_aux == 0
    rng = np.random.default_rng(3)
    W, b = small_net(rng, d.n_actions)
    res = solvers.maximize_relu_network(W, b, A_ub=C.A_ub.toarray(), b_ub=C.b_ub)
    feasible = [a for a in all_actions(d.n_actions) if d.is_feasible(a)]
    assert d.is_feasible(res.x)
    assert res.value == pytest.approx(max(forward(W, b, a.astype(float)) for a in feasible), abs=1e-6)


PAPER = [cormab.sigmoid_domain(seed=0), cormab.capacity_domain(seed=0), cormab.schedule_domain(seed=0),
         cormab.routing_domain(seed=0)]


@pytest.mark.parametrize("d", PAPER, ids=lambda d: d.name)
def test_paper_size_solves_and_random_actions_are_feasible(d):
    """J = 20 defaults: small networks on (action, state) (PyTorch-scale weights; SEQUOIA's 16-32 units take
    longer) and linear objectives give feasible actions; the code's random actions and the null action are
    feasible."""
    rng = np.random.default_rng(11)
    sizes = [d.n_actions + d.J, 8, 8, 1]
    W = [rng.uniform(-1, 1, size=(o, i)) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [rng.uniform(-1, 1, size=o) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:])]
    state = rng.integers(0, 4, d.J)
    res = cormab.maximize(d, weights=W, biases=b, state=state)
    assert d.is_feasible(res.x) and res.status == "optimal"
    assert res.value == pytest.approx(forward(W, b, np.r_[res.x, state]), abs=1e-6)
    res = cormab.maximize(d, c=rng.normal(size=d.n_actions))
    assert d.is_feasible(res.x)
    for s in range(20):
        assert d.is_feasible(d.random_action(seed=s))
    assert d.is_feasible(d.null_action())


def test_routing_self_loops_loosen_the_path_constraint():
    """The code's MILP (self-loops at every node) lets the B nodes farthest from the source all be pulled; the
    stated rule, a closed walk of at most 2B edges, does not."""
    d = PAPER[3]
    code = cormab.RoutingDomain(d.arms, d.budget, d.edges, source=d.source, self_loops=True)
    far = np.argsort(-d.distances[d.source], kind="stable")[:d.budget]
    a = np.zeros(d.J, dtype=np.int8)
    a[far] = 1
    assert d.distances[d.source, far].min() >= 3
    assert not d.is_feasible(a)
    assert code.is_feasible(a)
    assert not code.is_feasible(np.ones(d.J, dtype=np.int8))  # the budget still binds


def test_capacity_packing_check_against_brute_force_larger():
    d = cormab.capacity_domain(12, 4, seed=8)
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = (rng.random(d.J) < rng.random()).astype(np.int8)
        if a.sum() <= 7:
            assert d.is_feasible(a) == rule_capacity(d, a)


# --- generators -----------------------------------------------------------------------------------------------------

def test_generators_reproducible_and_as_specified():
    for make in (cormab.sigmoid_domain, cormab.capacity_domain, cormab.schedule_domain, cormab.routing_domain):
        d1, d2, d3 = make(seed=5), make(seed=5), make(seed=6)
        np.testing.assert_array_equal(d1.arms.rewards, d2.arms.rewards)
        assert not np.array_equal(d1.arms.p_active, d3.arms.p_active)
        B = d1.budget if hasattr(d1, "budget") else d1.capacity.size
        r = d1.arms.rewards
        assert ((0 <= d1.arms.p_passive) & (d1.arms.p_passive <= 0.2)).all()
        assert ((0.7 <= d1.arms.p_active) & (d1.arms.p_active <= 0.9)).all()
        np.testing.assert_array_equal(r[:B, :3], np.tile([0.2, 0.15, 0.1], (B, 1)))
        assert set(r[:B, 3]) <= {4, 5, 6} and set(r[B:, 3]) <= {1, 2, 3}
    s = cormab.sigmoid_domain(seed=1)
    assert set(np.unique(s.weights)) <= {0.0, 3.0}
    good = np.arange(10, 20)
    assert (s.weights[:10][:, s.weights[good].any(axis=0)] == 0).all()  # good actions touch good arms only
    assert set(s.x0[good]) <= {9, 10} and set(s.x0[:10]) <= {1, 2} and (s.b[:10] == 1).all()
    np.testing.assert_allclose(s.link_exact(np.zeros(20)), 0.01)
    np.testing.assert_allclose(s.link_value(np.full(20, s.pwl_inputs[3])), s.link_exact(np.full(20, s.pwl_inputs[3])))
    c = cormab.capacity_domain(seed=1)
    assert set(c.costs) <= set(range(2, 7)) and set(c.capacity) <= set(range(2, 8)) and c.capacity.size == 5
    sch = cormab.schedule_domain(seed=1)
    assert (sch.arm_slots.sum(axis=1) == 2).all() and (sch.worker_slots.sum(axis=1) == 3).all()
    for J in (20, 40, 100):
        e = cormab.transit_network(J, seed=0)
        assert len(e) == J + 2 + round(J / 3)
        adj = np.zeros((J, J))
        adj[e[:, 0], e[:, 1]] = 1
        import scipy.sparse.csgraph as csg
        assert csg.connected_components(adj, directed=False)[0] == 1


def test_pwl_code_link_is_the_pwl_with_its_first_value_zero():
    """``link="pwl-code"`` (the code's myopic model, reconstructed): 0 at input 0, the PWL elsewhere on the grid and
    between its later breakpoints."""
    s = cormab.sigmoid_domain(seed=3)
    c = dataclasses.replace(s, link="pwl-code")
    xs = s.pwl_inputs
    np.testing.assert_array_equal(c.link_value(np.zeros(20)), 0.0)
    for x in (xs[1], 0.5 * (xs[2] + xs[3]), xs[-1]):
        np.testing.assert_allclose(c.link_value(np.full(20, x)), s.link_value(np.full(20, x)), rtol=0, atol=1e-15)
    half = c.link_value(np.full(20, xs[1] / 2))  # halfway up the first segment, from 0 instead of 0.01
    np.testing.assert_allclose(half, s.link_value(np.full(20, xs[1] / 2)) - 0.005, atol=1e-15)
    with pytest.raises(ValueError, match="pwl-code"):
        dataclasses.replace(s, link="pwl_code")


def test_sigmoid_coupling_needs_all_three_actions():
    """A good arm reaches its high probability only when all three actions of its group are on."""
    s = cormab.sigmoid_domain(link="sigmoid", seed=2)
    j = int(np.flatnonzero((s.weights[10:] > 0).sum(axis=1) == 3)[0]) + 10
    acts = np.flatnonzero(s.weights[j])
    one, three = np.zeros(10, dtype=np.int8), np.zeros(10, dtype=np.int8)
    one[acts[0]] = 1
    three[acts] = 1
    assert s.up_probability(one)[j] < 0.05 < 0.5 < s.up_probability(three)[j]


# --- simulator ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("d", PAPER, ids=lambda d: d.name)
def test_simulator_reproducible(d):
    def run(seed):
        env = d.simulator(seed=seed, horizon=6)
        out = [env.reset()]
        for t in range(6):
            s, r, e, done = env.step(d.random_action(seed=t))
            out += [s, r, e]
        assert done
        return out

    a, b = run(3), run(3)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(a, run(4)))


def test_simulator_expected_reward_matches_monte_carlo():
    d = PAPER[2]
    state = np.array([0, 1, 2, 3] * 5)
    a = d.random_action(seed=0)
    env = d.simulator(seed=0, horizon=1)
    rewards = []
    for _ in range(4000):
        env.reset(states=state)
        rewards.append(env.step(a)[1])
    sem = np.std(rewards) / np.sqrt(len(rewards))
    assert abs(np.mean(rewards) - d.expected_reward(state, a)) < 4 * sem


# --- bad input ------------------------------------------------------------------------------------------------------

def test_bad_input_named():
    d = PAPER[1]
    with pytest.raises(TypeError, match="action"):
        d.is_feasible(np.zeros(20))
    with pytest.raises(ValueError, match=r"action\[3\]"):
        d.is_feasible(np.array([0, 0, 0, 2] + [0] * 16))
    with pytest.raises(ValueError, match="shape"):
        d.is_feasible(np.zeros(5, dtype=int))
    env = d.simulator(seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(d.null_action())
    env.reset()
    with pytest.raises(ValueError, match="not feasible"):
        env.step(np.ones(20, dtype=np.int8))
    with pytest.raises(ValueError, match="states"):
        env.reset(states=np.full(20, 4))
    with pytest.raises(ValueError, match="B must be < N"):
        cormab.sigmoid_domain(20, 5, 5)
    with pytest.raises(ValueError, match="too few good arms"):
        cormab.sigmoid_domain(8, 6, 2)
    with pytest.raises(TypeError, match="J"):
        cormab.capacity_domain(2.5)
    with pytest.raises(ValueError, match="B"):
        cormab.schedule_domain(3, 4)
    with pytest.raises(ValueError, match="K"):
        cormab.schedule_domain(K=2)
    with pytest.raises(ValueError, match=r"edges\[0\]"):
        cormab.routing_domain(5, 2, edges=np.array([[0, 7]]))
    with pytest.raises(ValueError, match="self-loop"):
        cormab.routing_domain(5, 2, edges=np.array([[1, 1]]))
    with pytest.raises(ValueError, match="n_edges"):
        cormab.transit_network(10, n_edges=3)
    with pytest.raises(TypeError, match="domain"):
        cormab.maximize("routing")
    with pytest.raises(ValueError, match="link"):
        cormab.sigmoid_domain(link="relu")
    assert isinstance(bandits.routing_domain(seed=0), bandits.RoutingDomain)


def test_lazy_cut_loop_out_of_time_returns_the_start(monkeypatch):
    """When the lazy loop's clock runs out while the relaxation's optimum is still infeasible, ``maximize`` returns
    the start with a warning (``fallback``), and without a start refuses. The clock is made to jump 10 s per reading,
    so the first cut exhausts a 5 s limit; the precondition (this objective needs a cut) is checked on a twin."""
    c = np.arange(20, dtype=np.float64)
    twin = cormab.routing_domain(20, 5, seed=3)
    assert cormab.maximize(twin, c=c).status == "optimal" and len(cormab._CUTS[twin]) > 0
    clock = iter(np.arange(0.0, 1e4, 10.0))
    monkeypatch.setattr(cormab.time, "perf_counter", lambda: float(next(clock)))
    d = cormab.routing_domain(20, 5, seed=3)
    x0 = d.null_action()
    with pytest.warns(RuntimeWarning, match="lazy cut loop reached its time limit"):
        res = cormab.maximize(d, c=c, x0=x0, time_limit=5.0)
    assert res.fallback and res.status == "time_limit"
    np.testing.assert_array_equal(res.x, x0)
    with pytest.raises(RuntimeError, match="raise time_limit or give x0"):
        cormab.maximize(cormab.routing_domain(20, 5, seed=3), c=c, time_limit=5.0)


@pytest.mark.parametrize("make", [lambda: cormab.routing_domain(20, 5, seed=3),
                                  lambda: cormab.capacity_domain(12, 3, seed=4),
                                  lambda: cormab.schedule_domain(12, 3, seed=5)],
                         ids=["routing", "capacity", "schedule"])
def test_lazy_cuts_reach_the_full_formulations_optimum(make):
    """Linear objectives that favour infeasible sets: the relaxation with lazy no-good cuts (``maximize(cuts="lazy")``,
    a fresh domain so it must find its cuts) gives the full formulation's optimum value, a feasible action, and
    needed cuts on at least one objective."""
    d = make()
    rng = np.random.default_rng(0)
    objectives = [np.arange(d.n_actions, dtype=np.float64)] + [rng.normal(size=d.n_actions) + 1.0 for _ in range(3)]
    for c in objectives:
        full = cormab.maximize(d, c=c, cuts="model")
        lazy = cormab.maximize(d, c=c, cuts="lazy")
        assert d.is_feasible(lazy.x.astype(np.int8)) and lazy.status == "optimal"
        assert lazy.value == pytest.approx(full.value, abs=1e-9)
    assert len(cormab._CUTS[d]) > 0
