"""Submodular RL theory (Prajapat et al., ICLR 2024): the exact kernels of ``tabular.submodular_bandit`` against plain
enumeration, the epsilon-bandit guarantees on hypothesis-drawn instances, the trap corridors, and the verdict logic of
``bounds.submodular_bounds`` (n/a where an assumption fails)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab.bounds.submodular_bounds import (
    check_continuous_greedy, check_curvature_proposition, check_greedy, check_stationary, continuous_greedy_bound,
    curvature_proposition_bound, facts, greedy_curvature_bound, stationary_bound, submodular_check_rows,
    trap_fractions,
)
from boundlab.tabular.submodular import WeightedCoverage, curvature
from boundlab.tabular.submodular_bandit import _project
from boundlab.tabular.submodular_bandit import (
    RIGHT, SetRewardSMDP, SubPOResult, bandit_epsilon, best_sequence, check_dr_submodular, continuous_greedy,
    coverage_bandit, coverage_grid, eps_bandit, exact_subpo, gradient, greedy_sequence, grid_smdp, optimal_value,
    projected_gradient_ascent, relaxed_gradient, relaxed_value, round_policy, sequence_value, softmax_result,
    stationarity_gap, to_policy, trap_corridor, value,
)

SMALL = settings(max_examples=15, deadline=None)


# ----------------------------------------------------------------------------------------- plain references
def plain_value(model: SetRewardSMDP, x: np.ndarray) -> float:
    """``E[F(visited)]`` by recursion over every action and landing (``x[h, s, a]``), calling ``model.F``."""
    P, H = model.P, model.H

    def rec(h, s, visited):
        if h == H:
            return model.F(visited)
        return sum(x[h, s, a] * P[s, a, t] * rec(h + 1, t, visited | {t})
                   for a in range(model.A) for t in range(model.S) if x[h, s, a] > 0 and P[s, a, t] > 0)

    return rec(0, model.start, frozenset({model.start}))


def plain_optimum(model: SetRewardSMDP) -> float:
    """Expectimax over histories: the best history-dependent policy, by plain recursion."""
    def rec(h, s, visited):
        if h == model.H:
            return model.F(visited)
        return max(sum(model.P[s, a, t] * rec(h + 1, t, visited | {t}) for t in range(model.S) if model.P[s, a, t])
                   for a in range(model.A))

    return rec(0, model.start, frozenset({model.start}))


def markov(model, x):
    x = np.asarray(x, float)
    return np.broadcast_to(x[:, None, :], (model.H, model.S, model.A)) if x.ndim == 2 else x


def plain_greedy(F, n, H):
    """Greedy for ``max F(S), |S| <= H`` over locations ``0..n-1`` (ties: lowest index; a zero gain stays)."""
    S = frozenset()
    for _ in range(H):
        gains = [F(S | {v}) - F(S) for v in range(n)]
        v = int(np.argmax(gains))
        if gains[v] > 0:
            S = S | {v}
    return F(S)


@st.composite
def random_smdps(draw, max_S=4, max_A=3, max_H=3):
    """A general SMDP: Dirichlet transitions, a random weighted coverage of the states (no null action)."""
    S, A, H = draw(st.integers(1, max_S)), draw(st.integers(1, max_A)), draw(st.integers(1, max_H))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    P = rng.dirichlet(np.full(S, draw(st.sampled_from([0.3, 1.0]))), size=(S, A))
    F = WeightedCoverage(rng.random((S, 2 * S)) < 0.5, rng.random(2 * S))
    return SetRewardSMDP(P, F, H, start=int(rng.integers(S)))


@st.composite
def bandits(draw, max_n=4, max_H=3, slip="uniform", eps=None):
    n, H = draw(st.integers(2, max_n)), draw(st.integers(1, max_H))
    e = draw(st.sampled_from([0.0, 0.05, 0.3, 0.7])) if eps is None else eps
    return coverage_bandit(n, H, e, draw(st.integers(0, 2**32 - 1)), slip=slip)


def random_policy(model, rng, markov_policy):
    shape = (model.H, model.S, model.A) if markov_policy else (model.H, model.A)
    return rng.dirichlet(np.ones(model.A), size=shape[:-1])


# ------------------------------------------------------------------------------------------ exact J, gradient
@SMALL
@given(model=random_smdps(), seed=st.integers(0, 2**32 - 1), markov_policy=st.booleans())
def test_value_matches_plain_enumeration(model, seed, markov_policy):
    x = random_policy(model, np.random.default_rng(seed), markov_policy)
    assert value(model, x) == pytest.approx(plain_value(model, markov(model, x)), rel=1e-10, abs=1e-12)


@SMALL
@given(model=random_smdps(), seed=st.integers(0, 2**32 - 1), markov_policy=st.booleans())
def test_gradient_matches_finite_differences_of_the_plain_value(model, seed, markov_policy):
    """``J`` is a polynomial in the policy entries: central differences along each coordinate (off the simplex)."""
    x = random_policy(model, np.random.default_rng(seed), markov_policy)
    g = gradient(model, x)
    t = 1e-5
    for idx in itertools.islice(np.ndindex(x.shape), 12):
        e = np.zeros_like(x)
        e[idx] = t
        fd = (plain_value(model, markov(model, x + e)) - plain_value(model, markov(model, x - e))) / (2 * t)
        assert g[idx] == pytest.approx(fd, rel=1e-6, abs=1e-8)


@SMALL
@given(model=random_smdps())
def test_optimal_value_matches_expectimax(model):
    assert optimal_value(model) == pytest.approx(plain_optimum(model), rel=1e-12, abs=1e-12)


@SMALL
@given(model=random_smdps(max_A=2))
def test_best_sequence_matches_plain_enumeration_and_bounds_it(model):
    seq, opt = best_sequence(model)
    plain = max(plain_value(model, markov(model, np.eye(model.A)[list(q)]))
                for q in itertools.product(range(model.A), repeat=model.H))
    assert opt == pytest.approx(plain, rel=1e-12, abs=1e-12)
    assert sequence_value(model, seq) == pytest.approx(opt, rel=1e-12, abs=1e-12)
    assert opt <= optimal_value(model) + 1e-12  # open loop never beats closed loop


@SMALL
@given(model=bandits(eps=0.0))
def test_deterministic_open_loop_equals_closed_loop(model):
    """On a deterministic SMDP the best action sequence is the best history-dependent policy (notes, property 6)."""
    assert best_sequence(model)[1] == pytest.approx(optimal_value(model), rel=1e-12)


def test_relaxed_coordinates_drop_the_null_action():
    model = coverage_bandit(3, 2, 0.2, 1)
    y = np.array([[0.2, 0.1, 0.3], [0.0, 0.5, 0.5]])
    x = to_policy(model, y)
    np.testing.assert_allclose(x, [[0.2, 0.1, 0.3, 0.4], [0.0, 0.5, 0.5, 0.0]])
    g = gradient(model, x)
    np.testing.assert_allclose(relaxed_gradient(model, y), g[:, :3] - g[:, 3:], atol=1e-12)
    assert relaxed_value(model, y) == pytest.approx(plain_value(model, markov(model, x)), rel=1e-12)


def plain_project(z):
    """Projection onto ``{v >= 0, sum v <= 1}`` row by row: ``max(z - theta, 0)`` with the smallest ``theta >= 0``
    that makes the row feasible (KKT), found by bisection."""
    out = []
    for row in z:
        lo, hi = 0.0, 0.0
        if np.maximum(row, 0).sum() > 1:
            hi = float(row.max())
            for _ in range(200):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if np.maximum(row - mid, 0).sum() > 1 else (lo, mid)
        out.append(np.maximum(row - hi, 0))
    return np.array(out)


@SMALL
@given(z=st.lists(st.lists(st.floats(-2, 2), min_size=3, max_size=3), min_size=1, max_size=4))
def test_projection_matches_bisection(z):
    z = np.array(z)
    np.testing.assert_allclose(_project(z), plain_project(z), atol=1e-9)


@SMALL
@given(model=bandits(), seed=st.integers(0, 2**32 - 1))
def test_stationarity_gap_matches_vertex_enumeration(model, seed):
    y = np.random.default_rng(seed).dirichlet(np.ones(model.A), size=model.H)[:, :-1]
    g = relaxed_gradient(model, y)
    vertices = itertools.product(range(model.A), repeat=model.H)  # action A - 1 (null): the zero row
    best = max(sum(g[h, a] for h, a in enumerate(v) if a < model.A - 1) for v in vertices)
    assert stationarity_gap(model, y) == pytest.approx(best - (g * y).sum(), abs=1e-12)


def test_exact_subpo_steps_along_the_finite_difference_gradient():
    """One step of exact SubPO-M moves the logits by ``lr / max F`` times ``dJ/dtheta``, checked against central
    differences of the plain ``J(softmax(theta))``."""
    model = coverage_bandit(2, 2, 0.3, 4)
    r0, r1 = exact_subpo(model, iterations=1, seed=9, tol=0.0), exact_subpo(model, iterations=2, seed=9, tol=0.0)
    fmax = float(model.table.max())
    step = (r1.theta - r0.theta) * fmax  # lr = 1

    def J(theta):
        pi = np.exp(theta - theta.max(axis=2, keepdims=True))
        return plain_value(model, pi / pi.sum(axis=2, keepdims=True))

    t = 1e-6
    for idx in np.ndindex(r0.theta.shape):
        e = np.zeros_like(r0.theta)
        e[idx] = t
        assert step[idx] == pytest.approx((J(r0.theta + e) - J(r0.theta - e)) / (2 * t), rel=1e-5, abs=1e-9)


# ----------------------------------------------------------------------------- the epsilon-bandit guarantees
@SMALL
@given(model=bandits(max_n=3, max_H=2), seed=st.integers(0, 2**32 - 1))
def test_J_is_monotone_dr_submodular_by_plain_finite_differences(model, seed):
    """At random points of the relaxed polytope: every first difference of the plain ``J`` is >= 0, every mixed
    second difference <= 0 (different steps; within a step ``J`` is linear), and the kernel's check agrees."""
    rng = np.random.default_rng(seed)
    y = rng.dirichlet(np.ones(model.A), size=model.H)[:, :-1] * 0.9
    d, t = y.size, 0.05

    def J(z):
        return plain_value(model, markov(model, to_policy(model, z.reshape(y.shape))))

    base = J(y.ravel())
    E = np.eye(d) * t
    single = [J(y.ravel() + E[i]) for i in range(d)]
    assert min(s - base for s in single) >= -1e-12
    for i, j in itertools.combinations(range(d), 2):
        if i // y.shape[1] != j // y.shape[1]:
            assert J(y.ravel() + E[i] + E[j]) - single[i] - single[j] + base <= 1e-12
    assert check_dr_submodular(model, 3, seed).ok


def test_a_state_dependent_slip_breaks_dr_submodularity():
    """Negative control: slipping to the next location on a ring correlates the landings; the check notices."""
    check = check_dr_submodular(coverage_bandit(5, 3, 0.1, 0, slip="ring"), 10, 0)
    assert not check.ok and check.max_second > 1e-3


@SMALL
@given(model=bandits())
def test_continuous_greedy_reaches_one_minus_inverse_e(model):
    steps = 400
    r = continuous_greedy(model, steps)
    opt = best_sequence(model)[1]
    bound = continuous_greedy_bound(opt, steps, model.H, float(model.table.max()))
    assert r.value >= bound - 1e-12
    assert r.sequence_value >= r.value - 1e-12  # rounding never loses value
    assert r.sequence_value == pytest.approx(sequence_value(model, r.sequence), rel=1e-12)
    assert np.all(r.y.sum(axis=1) <= 1 + 1e-12) and np.all(r.y >= 0)


@SMALL
@given(model=bandits(), seed=st.integers(0, 2**32 - 1))
def test_projected_gradient_end_points_are_half_optimal(model, seed):
    r = projected_gradient_ascent(model, iterations=500, seed=seed)
    opt = best_sequence(model)[1]
    assert r.gap == pytest.approx(stationarity_gap(model, r.y), abs=1e-12)
    assert r.value >= stationary_bound(opt, r.gap) - 1e-12
    if r.gap <= 1e-9:
        assert r.value >= opt / 2 - 1e-9


def test_projected_gradient_ascent_never_decreases_J():
    model = coverage_bandit(4, 3, 0.3, 5)
    values = [projected_gradient_ascent(model, iterations=k, tol=0.0, seed=1).value for k in (1, 5, 20, 80)]
    assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))


@SMALL
@given(model=bandits(max_n=5, eps=0.0))
def test_greedy_reaches_the_curvature_bound_and_matches_plain_greedy(model):
    F = model.F
    n = model.S - 1
    g = greedy_sequence(model)
    assert g.value == pytest.approx(plain_greedy(F, n, model.H), rel=1e-12)
    c = curvature(F, range(n))
    assert g.value >= greedy_curvature_bound(best_sequence(model)[1], c) - 1e-12


def test_round_policy_is_pipage_style():
    model = coverage_bandit(4, 3, 0.2, 3)
    x = np.random.default_rng(0).dirichlet(np.ones(model.A), size=model.H)
    seq, v = round_policy(model, x)
    assert v >= value(model, x) - 1e-12
    assert v == pytest.approx(sequence_value(model, seq), rel=1e-12)


# ---------------------------------------------------------------------------------------- trap corridors, SubPO
@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_trap_corridor_opt_is_going_right(k):
    model = trap_corridor(k)
    seq, opt = best_sequence(model)
    assert opt == pytest.approx(k) and opt == pytest.approx(optimal_value(model))
    assert sequence_value(model, np.full(k, RIGHT)) == pytest.approx(k)
    assert greedy_sequence(model).value == pytest.approx(1.5 + (k - 1) / k**2)


def test_trap_fraction_vanishes():
    fr = trap_fractions([2, 4, 8, 16, 32, 64])
    fractions = [f for *_, f in fr]
    assert all(b < a for a, b in zip(fractions, fractions[1:]))
    assert fractions[-1] < 0.03
    for k, greedy, opt, f in fr:
        assert greedy == pytest.approx(1.5 + (k - 1) / k**2) and opt == pytest.approx(k)


def test_exact_subpo_climbs_to_near_optimal_on_a_small_bandit():
    model = coverage_bandit(4, 2, 0.0, 2)
    r = exact_subpo(model, iterations=1500)
    assert r.value == pytest.approx(value(model, r.policy))
    assert r.value >= 0.98 * optimal_value(model)
    assert r.value >= curvature_proposition_bound(optimal_value(model), curvature(model.F, range(4)))


def test_grid_smdp_matches_the_grid_and_its_simulator():
    """``P`` from the successor table by plain loops; and the grid learners' own rollouts (uniform tabular policy,
    slip 0.3) have a mean ``F`` within 4 standard errors of the exact ``J``."""
    from boundlab.tabular.learners.subpo import subpo

    env = coverage_grid(2, 3, 3, 5, slip=0.3)
    model = grid_smdp(env)
    nxt = np.asarray(env.params.nxt)
    P = np.zeros((6, 5, 6))
    for s_, a in itertools.product(range(6), range(5)):
        P[s_, a, nxt[s_, a]] += 0.7
        for b in range(5):
            P[s_, a, nxt[s_, b]] += 0.3 / 5
    np.testing.assert_allclose(model.P, P, atol=1e-12)
    assert model.null_action is None and grid_smdp(coverage_grid(2, 3, 3, 5)).null_action == 0
    batch = subpo(env, 0, 1, variant="M", policy="tabular", batch=4000).objective[0]
    exact = value(model, np.full((3, 5), 0.2))
    assert abs(batch.mean() - exact) <= 4 * batch.std(ddof=1) / np.sqrt(batch.size)


def test_softmax_result_gap_is_the_frank_wolfe_gap():
    model = coverage_bandit(3, 2, 0.2, 6)
    theta = np.random.default_rng(2).normal(size=(model.H, model.S, model.A))
    r = softmax_result(model, theta)
    g = gradient(model, r.policy)
    assert r.value == pytest.approx(plain_value(model, r.policy), rel=1e-12)
    assert r.fw_gap == pytest.approx(sum(g[h, s].max() - g[h, s] @ r.policy[h, s]
                                         for h in range(model.H) for s in range(model.S)), rel=1e-12)
    # a near-deterministic softmax has a vanishing logit gradient wherever it sits (a plateau) ...
    plateau = softmax_result(model, 50.0 * np.eye(model.A)[optimal_policy_actions(model)])
    assert plateau.grad_norm < 1e-12 and plateau.fw_gap > 0.01  # best open-loop: not optimal under slips
    # ... while the Frank-Wolfe gap vanishes only at a stationary point (here the optimum, eps = 0)
    det = coverage_bandit(3, 2, 0.0, 6)
    assert softmax_result(det, 50.0 * np.eye(det.A)[optimal_policy_actions(det)]).fw_gap < 1e-12


def optimal_policy_actions(model):
    """Per (h, s) the action of an optimal deterministic Markov policy when the best sequence is one (eps = 0)."""
    seq, _ = best_sequence(model)
    return np.broadcast_to(seq[:, None], (model.H, model.S))


def test_a_genuine_stationary_point_below_the_bound():
    """Deterministic 3 x 3 grid, modular F (c = 0): exact-gradient SubPO-M stops at a first-order stationary point
    over Markov policies (Frank-Wolfe gap ~ 0) with J = 0.875 J*: the stationary-point reading of the curvature
    proposition fails even without slips."""
    model = grid_smdp(coverage_grid(3, 3, 4, 10))
    assert curvature(model.F, range(9)) < 1e-12
    v = check_curvature_proposition(model, f=facts(model, points=1))
    assert v.verdict == "FAILED" and v.measured / v.reference < 0.9


# ------------------------------------------------------------------------------------------------- verdicts
def test_verdicts_hold_on_a_canonical_bandit():
    model = coverage_bandit(4, 3, 0.1, 0)
    f = facts(model)
    assert f.submodular and f.dr.ok and 0 < f.eps < 1
    for v in (check_continuous_greedy(model, steps=300, f=f), check_stationary(model, starts=2, f=f)):
        assert v.verdict == "HELD" and v.measured >= v.bound - 1e-12, v


def test_not_submodular_gives_na():
    """F(S) = |S|^2 is supermodular: every guarantee that needs submodularity says n/a, naming it."""
    model = eps_bandit(lambda S: float(len(S)) ** 2, 3, 2, 0.0)
    f = facts(model, points=3)
    assert not f.submodular
    for v in (check_continuous_greedy(model, steps=50, f=f), check_stationary(model, starts=1, f=f),
              check_greedy(model, f=f), check_curvature_proposition(model, f=f, iterations=50)):
        assert v.verdict == "n/a" and "not monotone submodular" in v.detail and v.bound is None, v


def test_outside_the_bandit_regime_gives_na():
    trap = trap_corridor(5)
    v = check_greedy(trap)
    assert v.verdict == "n/a" and "eps = 1" in v.detail
    assert "0.3" in v.detail  # the measured ratio outside the theorem, (1.5 + 4/25)/5 = 0.332
    ring = coverage_bandit(5, 3, 0.1, 0, slip="ring")
    f = facts(ring)
    assert check_continuous_greedy(ring, steps=50, f=f).verdict == "n/a"
    assert check_greedy(coverage_bandit(4, 2, 0.2, 0)).verdict == "n/a"  # eps > 0: no cardinality constraint


def test_curvature_proposition_na_when_vacuous_or_unconverged_and_failed_when_violated():
    model = coverage_bandit(4, 2, 0.0, 1, private=False, density=0.9)  # every location covered by the others
    f = facts(model, points=3)
    assert f.c >= 1 - 1e-12                                            # the instance is vacuous: no hidden branch
    v = check_curvature_proposition(model, f=f, iterations=20)
    assert v.verdict == "n/a" and "vacuous" in v.detail and v.bound is None
    good = coverage_bandit(4, 2, 0.0, 1)
    fg = facts(good, points=3)
    short = check_curvature_proposition(good, f=fg, iterations=1)
    assert short.verdict == "n/a" and "not at a stationary point" in short.detail
    fake = SubPOResult(None, None, 0.0, 0.0, 1, 0.0)  # a "stationary" run at J = 0 must fail the bound
    assert check_curvature_proposition(good, f=fg, result=fake).verdict == "FAILED"


def test_strict_reading_of_the_curvature_proposition_fails_under_slips():
    """``c = 0`` (modular F): the proposition says SubPO reaches ``J*``. Deterministic dynamics: it does (within the
    convergence slack); with slips the Markov policy cannot see the visited set and stays below the history ``J*``."""
    det, slippy = coverage_bandit(5, 3, 0.0, 2, density=0.1), coverage_bandit(5, 3, 0.1, 2, density=0.1)
    assert curvature(det.F, range(5)) == 0.0
    assert check_curvature_proposition(det, f=facts(det, points=1)).verdict == "HELD"
    v = check_curvature_proposition(slippy, f=facts(slippy, points=1))
    assert v.verdict == "FAILED" and v.measured < v.bound - 0.005


def test_bounds_as_code():
    assert continuous_greedy_bound(10.0, 100, 3, 2.0) == pytest.approx((1 - math.exp(-1)) * 10 - 2 * 3 * 2 / 100)
    assert stationary_bound(10.0, 0.0) == 5.0
    assert greedy_curvature_bound(10.0, 1.0) == pytest.approx(10 * (1 - math.exp(-1)))
    assert greedy_curvature_bound(10.0, 0.0) == 10.0
    assert greedy_curvature_bound(10.0, 1e-9) == pytest.approx(10.0)
    assert curvature_proposition_bound(10.0, 0.25) == 7.5


def test_check_rows():
    rows = submodular_check_rows(quick=True)
    assert {tuple(sorted(r)) for r in rows} == {("algorithm", "check", "detail", "instance", "verdict")}
    assert all(r["verdict"] in ("HELD", "FAILED", "n/a") for r in rows)
    uniform = [r for r in rows if "slip=uniform), seeds" in r["instance"]]
    assert uniform and all(r["verdict"] == "HELD" for r in uniform), uniform
    ring = [r for r in rows if "slip=ring" in r["instance"]]
    assert ring and all(r["verdict"] == "n/a" for r in ring)
    trap = [r for r in rows if r["instance"].startswith("trap-corridor(k),")]
    assert len(trap) == 1 and trap[0]["verdict"] == "HELD"
    assert all("(ambiguous statement; strict reading" in r["check"] for r in rows if "(1 - c) J*" in r["check"])
    # the module docstring's findings on the c = 0 grids: exact-gradient SubPO-M stops at a stationary point below
    # J* on seed 10; the sampled SubPO-M escapes it there, and stalls on a plateau (not stationary) on seed 23
    grid = {(r["algorithm"].startswith("SubPO-M (learners"), r["instance"]): r for r in rows
            if r["instance"].startswith("coverage-grid")}
    exact10, sampled10, sampled23 = (grid[k, f"coverage-grid(3x3, H=4, density=0.1, slip=0, seed={s})"]
                                     for k, s in ((False, 10), (True, 10), (True, 23)))
    assert exact10["verdict"] == "FAILED" and "J / reference = 0.875" in exact10["detail"], exact10
    assert sampled10["verdict"] == "HELD" and "J / reference = 0.9999" in sampled10["detail"], sampled10
    assert sampled23["verdict"] == "n/a" and "not at a stationary point" in sampled23["detail"], sampled23


def test_bandit_epsilon_matches_its_definition():
    """``1 - min_s max_a min_{s'} P[s', a, s]`` by plain loops, on the ground set and on subsets."""
    for model in (coverage_bandit(4, 2, 0.2, 1), coverage_bandit(3, 2, 0.1, 0, slip="ring"), trap_corridor(3)):
        for states in (None, [0], list(model.ground)[-2:], np.array(model.ground[:1])):
            ss = model.ground if states is None else states
            plain = 1.0 - min(max(min(model.P[t, a, s] for t in range(model.S)) for a in range(model.A)) for s in ss)
            assert bandit_epsilon(model, states) == pytest.approx(plain, abs=1e-15)
    assert bandit_epsilon(trap_corridor(3)) == 1.0                          # a corridor is no epsilon-bandit


# --------------------------------------------------------------------------------------- reproducibility, input
def test_reproducible():
    a, b = coverage_bandit(4, 2, 0.2, 7), coverage_bandit(4, 2, 0.2, 7)
    np.testing.assert_array_equal(a.table, b.table)
    ca, cb = check_dr_submodular(a, 4, 3), check_dr_submodular(b, 4, 3)
    assert ca[:5] == cb[:5] and np.array_equal(ca.point, cb.point)
    np.testing.assert_array_equal(projected_gradient_ascent(a, iterations=30, seed=2).y,
                                  projected_gradient_ascent(b, iterations=30, seed=2).y)
    np.testing.assert_array_equal(exact_subpo(a, iterations=20, seed=4).theta,
                                  exact_subpo(b, iterations=20, seed=4).theta)
    assert not np.array_equal(coverage_bandit(4, 2, 0.2, 8).table, a.table)


MODEL = coverage_bandit(3, 2, 0.1, 0)
TRAP = trap_corridor(3)
GOOD_P = np.full((2, 2, 2), 0.5)


@pytest.mark.parametrize("call, err, match", [
    (lambda: SetRewardSMDP(GOOD_P[:, :, :1], len, 2), ValueError, "P must have shape"),
    (lambda: SetRewardSMDP(GOOD_P * 2, len, 2), ValueError, r"P\[0, 0, :\]"),
    (lambda: SetRewardSMDP(np.where(GOOD_P > 0, np.nan, 0), len, 2), ValueError, "P"),
    (lambda: SetRewardSMDP(GOOD_P.astype(complex), len, 2), TypeError, "P"),
    (lambda: SetRewardSMDP(GOOD_P > 0, len, 2), TypeError, "P"),
    (lambda: SetRewardSMDP("P", len, 2), TypeError, "P"),
    (lambda: SetRewardSMDP(GOOD_P, "F", 2), TypeError, "F"),
    (lambda: SetRewardSMDP(GOOD_P, len, 2.5), TypeError, "H"),
    (lambda: SetRewardSMDP(GOOD_P, len, 0), ValueError, "H"),
    (lambda: SetRewardSMDP(GOOD_P, len, 2, start=2), ValueError, "start"),
    (lambda: SetRewardSMDP(GOOD_P, len, 2, null_action=0), ValueError, "null_action"),
    (lambda: SetRewardSMDP(GOOD_P, len, 2, null_action=1.0), TypeError, "null_action"),
    (lambda: SetRewardSMDP(GOOD_P, len, 2, ground=(0, 0)), ValueError, "ground"),
    (lambda: SetRewardSMDP(GOOD_P, lambda S: "1", 2).table, TypeError, "F must return a real number"),
    (lambda: SetRewardSMDP(GOOD_P, lambda S: float("nan"), 2).table, ValueError, "F returned nan"),
    (lambda: SetRewardSMDP(np.full((17, 1, 17), 1 / 17), len, 1).table, ValueError, "S <= 16"),
    (lambda: eps_bandit(len, 3, 2, 1.5), ValueError, "eps"),
    (lambda: eps_bandit(len, 3, 2, "0.1"), TypeError, "eps"),
    (lambda: eps_bandit(len, 3, 2, 0.1, slip="wind"), ValueError, "slip"),
    (lambda: eps_bandit(len, 3, 2, 0.1, slip=np.eye(3)), ValueError, "slip"),
    (lambda: eps_bandit(len, 2.0, 2), TypeError, "n"),
    (lambda: eps_bandit(3, 3, 2), TypeError, "F"),
    (lambda: coverage_bandit(3, 2, 0.1, seed=-1), ValueError, "seed"),
    (lambda: coverage_bandit(3, 2, 0.1, seed=1.5), TypeError, "seed"),
    (lambda: coverage_bandit(3, 2, 0.1, density=2.0), ValueError, "density"),
    (lambda: coverage_bandit(3, 2, 0.1, private=1), TypeError, "private"),
    (lambda: trap_corridor(2.5), TypeError, "k"),
    (lambda: trap_corridor(0), ValueError, "k"),
    (lambda: value(MODEL, np.full((2, 3), 0.25)), ValueError, "policy must have shape"),
    (lambda: value(MODEL, np.full((2, 4), 0.3)), ValueError, r"policy\[0\] must sum to 1"),
    (lambda: value(MODEL, np.full((2, 4), 0.25) + np.array([0.5, -0.5, 0, 0])), ValueError, ">= 0"),
    (lambda: value(MODEL, np.full((2, 4), 0.25, complex)), TypeError, "policy"),
    (lambda: value(MODEL, np.full((2, 4), np.nan)), ValueError, "policy"),
    (lambda: gradient(MODEL, "pi"), TypeError, "policy"),
    (lambda: relaxed_value(MODEL, np.full((2, 3), 0.5)), ValueError, r"y\[0\] must sum to at most 1"),
    (lambda: relaxed_value(MODEL, np.full((2, 4), 0.1)), ValueError, "y must have shape"),
    (lambda: relaxed_gradient(TRAP, np.zeros((3, 2)) - 0.1), ValueError, "y"),
    (lambda: relaxed_value(SetRewardSMDP(GOOD_P, len, 2), np.zeros((2, 1))), ValueError, "null_action"),
    (lambda: sequence_value(MODEL, np.array([0.0, 1.0])), TypeError, "actions"),
    (lambda: sequence_value(MODEL, np.array([0, 4])), ValueError, r"actions\[1\]"),
    (lambda: sequence_value(MODEL, np.array([0])), TypeError, "actions"),
    (lambda: greedy_sequence(MODEL), ValueError, "deterministic"),
    (lambda: best_sequence(trap_corridor(12)), ValueError, "A\\^H"),
    (lambda: continuous_greedy(MODEL, 0), ValueError, "steps"),
    (lambda: continuous_greedy(MODEL, 10.0), TypeError, "steps"),
    (lambda: projected_gradient_ascent(MODEL, step=-1.0), ValueError, "step"),
    (lambda: projected_gradient_ascent(MODEL, start=np.full((2, 3), 0.9)), ValueError, "start"),
    (lambda: projected_gradient_ascent(MODEL, seed="0"), TypeError, "seed"),
    (lambda: check_dr_submodular(MODEL, 0), ValueError, "points"),
    (lambda: check_dr_submodular(MODEL, 2, step=0.0), ValueError, "step"),
    (lambda: exact_subpo(MODEL, lr=0.0), ValueError, "lr"),
    (lambda: exact_subpo(MODEL, iterations=1.5), TypeError, "iterations"),
    (lambda: continuous_greedy_bound(1.0, 10, 2, -1.0), ValueError, "fmax"),
    (lambda: continuous_greedy_bound("1", 10, 2, 1.0), TypeError, "opt"),
    (lambda: stationary_bound(1.0, -0.1), ValueError, "gap"),
    (lambda: greedy_curvature_bound(1.0, 1.5), ValueError, "c"),
    (lambda: curvature_proposition_bound(1.0, float("nan")), ValueError, "c"),
    (lambda: check_curvature_proposition(MODEL, converged_tol=-1.0, f=facts(MODEL, points=1)), ValueError,
     "converged_tol"),
    (lambda: check_stationary(MODEL, starts=0, f=facts(MODEL, points=1)), ValueError, "starts"),
    (lambda: submodular_check_rows(quick="no"), TypeError, "quick"),
    (lambda: softmax_result(MODEL, np.zeros((2, 4))), ValueError, "theta must have shape"),
    (lambda: softmax_result(MODEL, np.full((2, 4, 4), np.inf)), ValueError, "theta"),
    (lambda: grid_smdp(MODEL), TypeError, "env"),
    (lambda: value("model", np.full((2, 4), 0.25)), TypeError, "model must be a SetRewardSMDP"),
    (lambda: best_sequence(None), TypeError, "model must be a SetRewardSMDP"),
    (lambda: softmax_result(MODEL, np.zeros((2, 4, 4)), -1), ValueError, "iterations"),
    (lambda: facts("model"), TypeError, "model must be a SetRewardSMDP"),
    (lambda: check_greedy("model"), TypeError, "model must be a SetRewardSMDP"),
    (lambda: check_stationary(MODEL, f="facts"), TypeError, "f must be the Facts of model"),
    (lambda: check_curvature_proposition(MODEL, f=facts(MODEL, points=1), result="run"), TypeError,
     "result must be a SubPOResult"),
    (lambda: bandit_epsilon(MODEL, [99]), ValueError, r"states\[0\] must be a state in \[0, 4\)"),
    (lambda: bandit_epsilon(MODEL, [0, 0.5]), TypeError, r"states\[1\]"),
    (lambda: bandit_epsilon(MODEL, [-1]), ValueError, r"states\[0\]"),
    (lambda: bandit_epsilon(MODEL, []), ValueError, "states must not be empty"),
    (lambda: bandit_epsilon(MODEL, "01"), TypeError, "states"),
    (lambda: bandit_epsilon(MODEL, 2), TypeError, "states"),
    (lambda: bandit_epsilon("model"), TypeError, "model"),
    (lambda: coverage_grid(3, 3, 4, density=-0.1), ValueError, "density"),
    (lambda: coverage_grid(3.0, 3, 4), TypeError, "rows"),
    (lambda: coverage_grid(3, 3, 4, seed="1"), TypeError, "seed"),
])
def test_bad_input_is_refused_by_name(call, err, match):
    with pytest.raises(err, match=match):
        call()
