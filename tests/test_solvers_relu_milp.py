"""The MILP with an embedded ReLU network (solvers.relu_milp) against brute-force enumeration of binary inputs."""

from __future__ import annotations

import itertools
import warnings

import jax
import numpy as np
import pyscipopt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundlab import solvers
from boundlab.solvers import networks, relu_milp


def forward(weights, biases, X):
    """The network on rows ``X [n, J]``, written out plainly: ``h <- max(0, W h + b)``, last layer linear."""
    h = np.asarray(X, np.float64)
    for k, (W, b) in enumerate(zip(weights, biases)):
        h = h @ W.T + b
        if k < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return h[:, 0]


def all_binary(J: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=J)), dtype=np.int64).reshape(-1, J)


def random_network(rng, J: int, hidden) -> tuple[list, list]:
    sizes = [J, *hidden, 1]
    weights = [rng.normal(size=(m, n)) * np.sqrt(2.0 / n) for n, m in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=m) * 0.5 for m in sizes[1:]]
    return weights, biases


@st.composite
def instances(draw):
    """A network with 1-3 hidden layers of width <= 8 on J <= 10 inputs, and some of: a budget row, random integer
    rows, an equality on a random subset, a linear term c."""
    J = draw(st.integers(1, 10))
    hidden = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights, biases = random_network(rng, J, hidden)
    rows, rhs = [], []
    if draw(st.booleans()):  # budget sum x <= B
        rows.append(np.ones(J))
        rhs.append(draw(st.integers(0, J)))
    for _ in range(draw(st.integers(0, 2))):  # integer rows, right side around the middle of their range
        row = rng.integers(-3, 4, J).astype(float)
        rows.append(row)
        rhs.append(float(np.floor(np.minimum(row, 0).sum() + rng.random() * np.abs(row).sum())))
    kw = dict(A_ub=np.array(rows), b_ub=np.array(rhs, float)) if rows else {}
    if draw(st.booleans()):  # sum over a random subset == k
        subset = (rng.random(J) < 0.6).astype(float)
        kw.update(A_eq=subset[None], b_eq=[float(draw(st.integers(0, int(subset.sum()))))])
    if draw(st.booleans()):
        kw["c"] = rng.normal(size=J)
    return weights, biases, kw


def feasible(X, A_ub=None, b_ub=None, A_eq=None, b_eq=None, **_):
    ok = np.ones(len(X), bool)
    if A_ub is not None:
        ok &= np.all(X @ np.asarray(A_ub).T <= np.asarray(b_ub) + 1e-9, axis=1)
    if A_eq is not None:
        ok &= np.all(np.abs(X @ np.asarray(A_eq).T - np.asarray(b_eq)) <= 1e-9, axis=1)
    return ok


def objective(weights, biases, X, c=None, **_):
    return forward(weights, biases, X) + (0.0 if c is None else X @ np.asarray(c))


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@settings(max_examples=80, deadline=None)
@given(instances())
def test_milp_optimum_equals_brute_force_over_feasible_binary_vectors(instance):
    weights, biases, kw = instance
    X = all_binary(weights[0].shape[1])
    ok = feasible(X, **kw)
    if not ok.any():
        with pytest.raises(ValueError, match="A_ub|A_eq"):
            solvers.maximize_relu_network(weights, biases, **kw)
        return
    best = objective(weights, biases, X[ok], **kw).max()
    result = solvers.maximize_relu_network(weights, biases, **kw)
    assert result.status == "optimal" and result.gap == 0.0
    assert result.x.dtype == np.int64 and set(np.unique(result.x)) <= {0, 1}
    assert feasible(result.x[None], **kw)[0]
    assert close(result.value, best), (result.value, best)
    assert close(objective(weights, biases, result.x[None], **kw)[0], result.value)
    assert result.bound >= result.value - 1e-6 * max(1.0, abs(result.value))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), J=st.integers(1, 8), hidden=st.lists(st.integers(1, 8), min_size=1, max_size=3))
def test_interval_bounds_contain_every_preactivation_and_are_exact_on_the_first_layer(seed, J, hidden):
    weights, biases = random_network(np.random.default_rng(seed), J, hidden)
    bounds = relu_milp.interval_bounds(weights, biases, np.zeros(J), np.ones(J))
    h = all_binary(J).astype(float)
    for k, ((W, b), (L, U)) in enumerate(zip(zip(weights, biases), bounds)):
        a = h @ W.T + b
        assert np.all(a >= L - 1e-12) and np.all(a <= U + 1e-12)
        if k == 0:  # the box's vertices are the binary vectors: both ends are attained
            np.testing.assert_allclose(a.min(axis=0), L, atol=1e-12)
            np.testing.assert_allclose(a.max(axis=0), U, atol=1e-12)
        h = np.maximum(a, 0.0)


def test_add_relu_network_over_fixed_inputs_and_auxiliary_variables():
    """A Q-network on (action, state): the state enters as numbers, the action x_j = u_j1 + u_j2 is a sum of two
    auxiliary binaries of which at most one is on, with at most 3 auxiliaries on in all (a matching-like domain)."""
    rng = np.random.default_rng(7)
    J, state = 5, np.array([3.0, 0.0, 1.0, 2.0, 0.0])
    weights, biases = random_network(rng, 2 * J, [6, 4])
    model = pyscipopt.Model()
    model.hideOutput()
    u = [[model.addVar(f"u{j}{i}", vtype="B") for i in range(2)] for j in range(J)]
    x = [model.addVar(f"x{j}", lb=0.0, ub=1.0) for j in range(J)]
    for j in range(J):
        model.addCons(x[j] == u[j][0] + u[j][1])
    model.addCons(pyscipopt.quicksum(v for pair in u for v in pair) <= 3)
    out = relu_milp.add_relu_network(model, [*x, *state], weights, biases, name="q")
    model.setObjective(out, "maximize")
    model.optimize()
    assert model.getStatus() == "optimal"
    X = all_binary(J)
    X = X[X.sum(axis=1) <= 3]
    values = forward(weights, biases, np.hstack([X, np.tile(state, (len(X), 1))]))
    assert close(model.getObjVal(), values.max())
    x_best = np.array([round(model.getVal(v)) for v in x])
    assert close(forward(weights, biases, np.concatenate([x_best, state])[None])[0], model.getObjVal())


def test_infeasible_constraints_are_refused_by_name():
    weights, biases = random_network(np.random.default_rng(0), 4, [3])
    with pytest.raises(ValueError, match=r"row 1 of A_ub"):  # a row no binary x meets on its own
        solvers.maximize_relu_network(weights, biases, A_ub=[[1, 1, 0, 0], [-1, -1, -1, -1]], b_ub=[1, -5])
    with pytest.raises(ValueError, match=r"row 0 of A_eq"):
        solvers.maximize_relu_network(weights, biases, A_eq=[[1, 1, 0, 0]], b_eq=[3])
    with pytest.raises(ValueError, match=r"A_ub x <= b_ub and A_eq x = b_eq admit no binary x"):  # only jointly
        solvers.maximize_relu_network(weights, biases, A_ub=[[1, 1, 1, 1]], b_ub=[1], A_eq=[[1, 1, 1, 0]], b_eq=[2])
    with pytest.raises(ValueError, match=r"A_eq x = b_eq admit no binary x"):  # parity: x0 + x1 = 1 and = 2 - ...
        solvers.maximize_relu_network(weights, biases, A_eq=[[1, 1, 0, 0], [1, 1, 2, 0]], b_eq=[1, 2])


def test_time_limit_returns_the_incumbent_with_a_warning_or_refuses_without_one():
    """A random network of 2 x 64 units on 40 inputs is far beyond 0.5 s for SCIP (a 2 x 32 one on 20 inputs takes
    seconds): the limit is reached however loaded the machine. On an idle machine SCIP has an incumbent by then, on a
    loaded one perhaps not; either branch is checked in full (both are also forced below)."""
    rng = np.random.default_rng(1)
    J = 40
    weights, biases = random_network(rng, J, [64, 64])
    kw = dict(A_ub=np.ones((1, J)), b_ub=[10.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = solvers.maximize_relu_network(weights, biases, time_limit=0.5, **kw)
        except RuntimeError as err:
            assert "time limit" in str(err) and "time_limit" in str(err)
            return
    assert result.status == "time_limit"
    assert any(issubclass(w.category, RuntimeWarning) and "time limit" in str(w.message) for w in caught)
    assert feasible(result.x[None], **kw)[0]
    assert close(objective(weights, biases, result.x[None])[0], result.value)
    assert result.bound >= result.value and result.gap >= 0.0


class _StoppedModel:
    """What ``_result`` reads of a pyscipopt model, for a solve stopped by its time limit (deterministic)."""

    def __init__(self, n_sols: int):
        self.n_sols = n_sols

    def getStatus(self):
        return "timelimit"

    def getNSols(self):
        return self.n_sols

    def getBestSol(self):
        return "sol"

    def getSolVal(self, sol, v):
        return {"a": 1.0 - 1e-9, "b": 1e-9}[v]

    def getSolObjVal(self, sol):
        return 2.0

    def getGap(self):
        return 0.5

    def getDualbound(self):
        return 3.0


def test_time_limit_paths_on_a_forced_status():
    with pytest.warns(RuntimeWarning, match=r"time limit .*incumbent 2 with relative gap 0.5 \(bound 3\)"):
        result = relu_milp._result(_StoppedModel(1), ["a", "b"], "A_ub x <= b_ub", 0.1)
    assert result == relu_milp.ReluMilpResult(x=result.x, value=2.0, status="time_limit", gap=0.5, bound=3.0)
    np.testing.assert_array_equal(result.x, [1, 0])
    with pytest.raises(RuntimeError, match=r"time limit \(time_limit=0.1\) before finding any feasible x"):
        relu_milp._result(_StoppedModel(0), ["a", "b"], "A_ub x <= b_ub", 0.1)


def test_gap_stops_within_the_relative_gap_of_the_optimum():
    rng = np.random.default_rng(3)
    weights, biases = random_network(rng, 10, [8, 8])
    biases[-1] += 10.0  # keep the optimum away from 0, where a relative gap means little
    X = all_binary(10)
    X = X[X.sum(axis=1) <= 4]
    best = forward(weights, biases, X).max()
    result = solvers.maximize_relu_network(weights, biases, A_ub=np.ones((1, 10)), b_ub=[4], gap=0.05)
    assert result.status in ("optimal", "gap_limit") and result.gap <= 0.05
    assert result.value >= best / 1.05 - 1e-9 and result.bound >= best - 1e-6


def test_same_input_same_result():
    weights, biases = random_network(np.random.default_rng(4), 10, [8, 8])
    kw = dict(A_ub=np.ones((1, 10)), b_ub=[3], c=np.linspace(-1, 1, 10))
    a, b = (solvers.maximize_relu_network(weights, biases, **kw) for _ in range(2))
    np.testing.assert_array_equal(a.x, b.x)
    assert (a.value, a.status, a.gap, a.bound) == (b.value, b.status, b.gap, b.bound)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), sizes=st.lists(st.integers(1, 8), min_size=2, max_size=4).map(lambda s: s + [1]))
def test_relu_layers_from_params_match_networks_mlp(seed, sizes):
    params = networks.mlp_init(jax.random.PRNGKey(seed), sizes)
    params = [(W, b + 0.1 * jax.random.normal(jax.random.PRNGKey(seed + i), b.shape))
              for i, (W, b) in enumerate(params)]
    weights, biases = solvers.relu_layers_from_params(params)
    assert all(W.dtype == np.float64 and W.shape == (p[0].shape[1], p[0].shape[0]) for W, p in zip(weights, params))
    X = np.random.default_rng(seed).random((16, sizes[0]))
    np.testing.assert_allclose(forward(weights, biases, X), np.asarray(networks.mlp(params, X))[:, 0],
                               rtol=1e-5, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(instances(), st.integers(0, 2**32 - 1))
def test_a_feasible_start_leaves_the_optimum_unchanged(instance, seed):
    """Any feasible x0 as SCIP's starting solution: the same optimum as brute force, never below f(x0)."""
    weights, biases, kw = instance
    X = all_binary(weights[0].shape[1])
    ok = feasible(X, **kw)
    if not ok.any():
        return
    x0 = X[ok][np.random.default_rng(seed).integers(ok.sum())]
    best = objective(weights, biases, X[ok], **kw).max()
    result = solvers.maximize_relu_network(weights, biases, x0=x0, **kw)
    assert result.status == "optimal" and close(result.value, best)
    assert result.value >= objective(weights, biases, x0[None], **kw)[0] - 1e-6 * max(1.0, abs(best))


@pytest.mark.parametrize("x0, words", [([1, 1, 1], "row 0 of A_ub"), ([1, 0], "length 3"), ([0.5, 0, 0], "binary"),
                                       ("x", "x0"), ([np.nan, 0, 0], "x0")])
def test_an_infeasible_or_malformed_start_is_refused_by_name(x0, words):
    rng = np.random.default_rng(0)
    weights, biases = random_network(rng, 3, [4])
    with pytest.raises((ValueError, TypeError), match=words) as info:
        solvers.maximize_relu_network(weights, biases, A_ub=np.ones((1, 3)), b_ub=np.array([2.0]), x0=x0)
    assert "x0" in str(info.value)


def test_a_time_limit_with_a_start_always_returns_at_least_the_start():
    """Review of issue 18: x0 was only a partial solution, so a short limit raised with no incumbent. Now the start
    (or better) comes back whatever the limit, with a warning; the forced fallback path is checked exactly."""
    rng = np.random.default_rng(1)
    weights, biases = random_network(rng, 40, [64, 64])
    x0 = np.zeros(40, dtype=np.int64)
    f0 = forward(weights, biases, x0[None])[0]
    for limit in (1e-3, 0.05):
        with pytest.warns(RuntimeWarning):
            res = solvers.maximize_relu_network(weights, biases, A_ub=np.ones((1, 40)), b_ub=np.array([10.0]),
                                                x0=x0, time_limit=limit)
        assert res.status == "time_limit" and res.value >= f0 - 1e-6 * max(1.0, abs(f0))
        assert close(forward(weights, biases, res.x[None])[0], res.value) and res.x.sum() <= 10


def test_the_start_fallback_on_a_forced_status():
    from boundlab.solvers.relu_milp import _result

    class NoSolution:  # SCIP stopped on its time limit before finding anything
        bound = 4.0

        def getStatus(self):
            return "timelimit"

        def getNSols(self):
            return 0

        def getDualbound(self):
            return self.bound

        def isInfinity(self, value):
            return value >= 1e20

    with pytest.warns(RuntimeWarning, match="start x0"):
        res = _result(NoSolution(), [], "(none)", 0.1, (np.array([1, 0]), 2.0))
    assert res.x.tolist() == [1, 0] and res.value == 2.0 and res.bound == 4.0 and res.gap == 1.0
    unbounded = NoSolution()  # no dual bound yet (SCIP's infinity): an infinite bound and gap, not 1e20 and 5e19
    unbounded.bound = 1e20
    with pytest.warns(RuntimeWarning, match="start x0"):
        res = _result(unbounded, [], "(none)", 0.1, (np.array([1, 0]), 2.0))
    assert res.bound == np.inf and res.gap == np.inf
    with pytest.raises(RuntimeError, match="time_limit"):
        _result(NoSolution(), [], "(none)", 0.1)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), J=st.integers(2, 8), k=st.integers(0, 4))
def test_max_active_bounds_keep_the_optimum_and_contain_every_preactivation(seed, J, k):
    """add_relu_network(max_active=k) with sum(x) <= k in the model: the optimum equals brute force over the binary
    x with at most k ones (plus a fixed input), and the tightened first-layer bounds contain every such x's
    pre-activation while never being looser than interval arithmetic."""
    rng = np.random.default_rng(seed)
    sizes = [J + 1, 5, 4, 1]
    W = [rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=o) for o in sizes[1:]]
    fixed = float(rng.uniform(0, 3))
    model = pyscipopt.Model()
    model.hideOutput()
    x = [model.addVar(f"x{j}", vtype="B") for j in range(J)]
    model.addCons(pyscipopt.quicksum(x) <= k)
    out = relu_milp.add_relu_network(model, x + [fixed], W, b, max_active=k)
    model.setObjective(out, "maximize")
    model.optimize()
    xs = [np.array(v + (fixed,)) for v in itertools.product([0, 1], repeat=J) if sum(v) <= k]

    def f(v):
        h = v
        for i, (w, c) in enumerate(zip(W, b)):
            h = w @ h + c
            if i < len(W) - 1:
                h = np.maximum(h, 0.0)
        return h[0]

    # SCIP meets each ReLU row to its feasibility tolerance 1e-6, relative to the row's size (seen: 2.4e-6 at 12.9)
    assert model.getObjVal() == pytest.approx(max(f(v) for v in xs), rel=1e-6, abs=1e-6)
    box = relu_milp.interval_bounds(W, b, np.r_[np.zeros(J), fixed], np.r_[np.ones(J), fixed])
    tight = relu_milp._cardinality_bounds(W, b, np.r_[np.ones(J, bool), False], np.r_[np.zeros(J), fixed],
                                          np.r_[np.ones(J), fixed], box, k)
    pre = np.array([W[0] @ v + b[0] for v in xs])
    assert (pre >= tight[0][0] - 1e-9).all() and (pre <= tight[0][1] + 1e-9).all()
    for (L, U), (L0, U0) in zip(tight, box):
        assert (L >= L0 - 1e-9).all() and (U <= U0 + 1e-9).all()


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), J=st.integers(1, 7), n_p=st.integers(1, 4), k=st.integers(0, 4),
       hidden=st.lists(st.integers(1, 6), min_size=1, max_size=3), tighten=st.booleans())
def test_parametric_network_one_model_many_parameters_equals_brute_force(seed, J, n_p, k, hidden, tighten):
    """add_parametric_relu_network: one model (sum(x) <= k) re-solved for several parameter vectors p (some far
    from each other, so neurons switch between stable and unstable) finds, each time, the brute-force optimum over
    the binary x, and the returned x attains it."""
    rng = np.random.default_rng(seed)
    W, b = random_network(rng, J + n_p, hidden)
    model = pyscipopt.Model()
    model.hideOutput()
    x = [model.addVar(f"x{j}", vtype="B") for j in range(J)]
    model.addCons(pyscipopt.quicksum(x) <= k)
    net = relu_milp.add_parametric_relu_network(model, x, n_p, W, b, max_active=k if tighten else None)
    model.setObjective(net.output, "maximize")
    X = all_binary(J)
    X = X[X.sum(axis=1) <= k]
    for scale in (3.0, 0.0, 10.0, 1.0):
        p = rng.uniform(-scale, scale, n_p)
        net.set_parameters(p)
        model.optimize()
        best = forward(W, b, np.c_[X, np.repeat(p[None], len(X), 0)]).max()
        got = np.array([round(model.getVal(v)) for v in x])
        assert model.getObjVal() == pytest.approx(best, rel=1e-6, abs=1e-6)
        assert forward(W, b, np.r_[got, p][None])[0] == pytest.approx(best, rel=1e-6, abs=1e-6)


def test_parametric_network_bad_input_named():
    model = pyscipopt.Model()
    x = [model.addVar(f"x{j}", vtype="B") for j in range(2)]
    W, b = random_network(np.random.default_rng(0), 3, [4])
    with pytest.raises(ValueError, match="x_vars and n_params"):
        relu_milp.add_parametric_relu_network(model, x, 2, W, b)
    with pytest.raises(TypeError, match="n_params"):
        relu_milp.add_parametric_relu_network(model, x, 1.0, W, b)
    with pytest.raises(TypeError, match="model"):
        relu_milp.add_parametric_relu_network("m", x, 1, W, b)
    net = relu_milp.add_parametric_relu_network(model, x, 1, W, b)
    with pytest.raises(ValueError, match="p must have shape"):
        net.set_parameters([1.0, 2.0])


def test_parametric_network_refuses_a_fixed_number_among_its_variables():
    """A number in ``x_vars`` would become a constraint-side constant that ``set_parameters`` overwrites (the model
    then turns infeasible): refused by name, the fixed input belongs in ``p``."""
    model = pyscipopt.Model()
    x = model.addVar(vtype="B")
    with pytest.raises(TypeError, match=r"x_vars\[1\]"):
        solvers.add_parametric_relu_network(model, [x, 5.0], 1, [np.ones((1, 3)), np.ones((1, 1))],
                                            [np.zeros(1), np.zeros(1)])
