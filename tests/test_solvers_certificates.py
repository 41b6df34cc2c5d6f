"""Certificates contain the true error, float64 rounding included: checked against exact rational arithmetic
(``fractions.Fraction`` on the stored floats) on hypothesis-drawn MDPs with large reward scales and gamma near 1."""

import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from boundlab import solvers, tabular


def exact_solve(M, b):
    """Gaussian elimination in exact rationals (the slow obvious reference)."""
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(M)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


def exact_policy_value(P, R, gamma, pi):
    """V^pi of the stored floats, exactly; ``pi`` deterministic ``pi[s]`` or stochastic ``pi[s, a]``."""
    S, A = R.shape
    g = Fraction(float(gamma))
    w = [[Fraction(float(pi[s, a])) if np.ndim(pi) == 2 else Fraction(int(a == pi[s])) for a in range(A)]
         for s in range(S)]
    M = [[Fraction(int(s == t)) - g * sum(w[s][a] * Fraction(float(P[s, a, t])) for a in range(A)) for t in range(S)]
         for s in range(S)]
    r = [sum(w[s][a] * Fraction(float(R[s, a])) for a in range(A)) for s in range(S)]
    return exact_solve(M, r)


def exact_q(P, R, gamma, V):
    S, A = R.shape
    g = Fraction(float(gamma))
    return [[Fraction(float(R[s, a])) + g * sum(Fraction(float(P[s, a, t])) * V[t] for t in range(S))
             for a in range(A)] for s in range(S)]


def exact_optimal_value(P, R, gamma, pi):
    """Policy iteration in exact arithmetic from ``pi``: returns V*."""
    S, A = R.shape
    pi = np.array(pi)
    while True:
        V = exact_policy_value(P, R, gamma, pi)
        Q = exact_q(P, R, gamma, V)
        improved = False
        for s in range(S):
            best = max(range(A), key=lambda a: Q[s][a])
            if Q[s][best] > Q[s][pi[s]]:
                pi[s], improved = best, True
        if not improved:
            return V


def max_abs_diff(x, V):
    return max(abs(Fraction(float(a)) - b) for a, b in zip(x, V))


@st.composite
def scaled_mdps(draw, max_S=5, max_A=3):
    """Dirichlet MDPs with rewards scaled up to 1e6, possibly negative, and gamma up to 0.9999."""
    S, A = draw(st.integers(1, max_S)), draw(st.integers(1, max_A))
    gamma = draw(st.one_of(st.floats(0.0, 0.99), st.sampled_from([0.999, 0.9999])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    P = rng.dirichlet(np.full(S, draw(st.sampled_from([0.1, 1.0]))), size=(S, A))
    scale = 10.0 ** draw(st.integers(0, 6))
    R = scale * (rng.random((S, A)) - draw(st.sampled_from([0.0, 0.5])))
    return P, R, gamma


@given(scaled_mdps(), st.sampled_from([1e-6, 1e-3]))
def test_planner_certificates_contain_the_exact_error(mdp, tol):
    P, R, gamma = mdp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        results = [solvers.policy_iteration(P, R, gamma), solvers.linear_programming(P, R, gamma)]
    V_star = exact_optimal_value(P, R, gamma, results[0].policy)
    for f in (solvers.value_iteration, solvers.modified_policy_iteration, solvers.solve):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = f(P, R, gamma, tol=tol)
        results.append(res)
        if not any(issubclass(w.category, RuntimeWarning) for w in caught):
            # no warning: the promise |V - V*| <= tol/2 (and a tol-optimal policy) is kept, certified
            assert res.error_bound <= tol / 2 and res.policy_gap <= tol
            assert max_abs_diff(res.V, V_star) <= Fraction(tol) / 2
    for res in results:
        assert max_abs_diff(res.V, V_star) <= Fraction(res.error_bound)
        V_pol = exact_policy_value(P, R, gamma, res.policy)
        assert max(a - b for a, b in zip(V_star, V_pol)) <= Fraction(res.policy_gap)


@given(scaled_mdps(), st.booleans(), st.integers(0, 2**32 - 1))
def test_evaluation_certificate_contains_the_exact_error(mdp, stochastic, seed):
    P, R, gamma = mdp
    S, A = R.shape
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(A), size=S) if stochastic else rng.integers(0, A, size=S)
    res = solvers.policy_evaluation(P, R, gamma, pi)
    assert res.error_bound > 0
    assert max_abs_diff(res.V, exact_policy_value(P, R, gamma, pi)) <= Fraction(res.error_bound)


@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 5), st.integers(0, 6), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_finite_horizon_certificates_contain_the_exact_error(S, A, H, log_scale, stochastic, seed):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.5), size=(H, S, A))
    R = 10.0**log_scale * rng.random((H, S, A))
    Pf = [[[[Fraction(float(x)) for x in P[h, s, a]] for a in range(A)] for s in range(S)] for h in range(H)]
    Rf = [[[Fraction(float(x)) for x in R[h, s]] for s in range(S)] for h in range(H)]

    def exact(weights):  # weights(h, s, Q_row) -> V_h(s)
        V = [Fraction(0)] * S
        out = []
        for h in range(H - 1, -1, -1):
            Q = [[Rf[h][s][a] + sum(p * v for p, v in zip(Pf[h][s][a], V)) for a in range(A)] for s in range(S)]
            V = [weights(h, s, Q[s]) for s in range(S)]
            out.append(V)
        return out[::-1]

    opt = solvers.backward_induction(P, R)
    V_star = exact(lambda h, s, q: max(q))
    V_greedy = exact(lambda h, s, q: q[opt.policy[h, s]])
    for h in range(H):
        assert max_abs_diff(opt.V[h], V_star[h]) <= Fraction(opt.error_bound)
        assert max(a - b for a, b in zip(V_star[h], V_greedy[h])) <= Fraction(opt.policy_gap)
    pi = rng.dirichlet(np.ones(A), size=(H, S)) if stochastic else rng.integers(0, A, size=(H, S))
    ev = solvers.finite_horizon_evaluation(P, R, pi)
    if stochastic:
        V_pi = exact(lambda h, s, q: sum(Fraction(float(w)) * x for w, x in zip(pi[h, s], q)))
    else:
        V_pi = exact(lambda h, s, q: q[pi[h, s]])
    for h in range(H):
        assert max_abs_diff(ev.V[h], V_pi[h]) <= Fraction(ev.error_bound)


def test_warns_when_tol_is_below_float64_resolution():
    """The issue's case: rewards scaled by 1000 at gamma = 0.9999 cannot be certified to tol/2 = 5e-7."""
    rng = np.random.default_rng(0)
    P, R = rng.dirichlet(np.ones(10), size=(10, 3)), rng.random((10, 3))
    for f in (solvers.value_iteration, solvers.modified_policy_iteration, solvers.solve):
        with pytest.warns(RuntimeWarning, match="below what float64 can certify"):
            res = f(P, 1000 * R, 0.9999, tol=1e-6)
        assert res.error_bound > 1e-6 / 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solvers.value_iteration(P, R, 0.9, tol=1e-6)  # at unit scale the promise holds, silently
    assert res.error_bound <= 1e-6 / 2


def test_warning_names_rows_that_sum_to_1_only_approximately():
    """P rounded to 9 decimals (row sums off by up to 6e-9, accepted) at gamma = 0.999: the rows' deviation, not
    float64 rounding, keeps the certificate above tol/2, and the warning says so, with its size and the fix; with the
    rows normalised in float64 the same tol is certified without a warning."""
    rng = np.random.default_rng(0)
    P, R = np.round(rng.dirichlet(np.ones(50), size=(50, 4)), 9), rng.random((50, 4))
    assert 5e-9 < np.abs(P.sum(-1) - 1).max() < 1e-8
    for f in (solvers.value_iteration, solvers.modified_policy_iteration, solvers.solve):
        with pytest.warns(RuntimeWarning) as record:
            res = f(P, R, 0.999, tol=1e-6)
        message = " ".join(str(w.message) for w in record)
        assert re.search(r"rows of P sum to 1 only within 6e-09.*P / P\.sum\(-1, keepdims=True\)", message), message
        assert "below what float64 can certify" not in message
        assert res.error_bound > 1e-6 / 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (solvers.value_iteration, solvers.modified_policy_iteration, solvers.solve):
            assert f(P / P.sum(-1, keepdims=True), R, 0.999, tol=1e-6).error_bound <= 1e-6 / 2


def test_certificate_is_never_zero():
    """A model whose float backup is exactly self-consistent (V = LV bit for bit) still gets a positive bound."""
    P, R = np.ones((1, 1, 1)), np.full((1, 1), 0.3)
    res = solvers.policy_iteration(P, R, 0.7)
    assert res.residual == 0.0 or res.residual < 1e-15
    assert res.error_bound > 0 and res.policy_gap > 0
    assert solvers.backward_induction(np.full((2, 2, 2), 0.5), np.full((2, 2), 0.1), 3).error_bound > 0


def test_end_of_run_warning_quotes_a_tol_that_the_run_certifies():
    """A slow-mixing gridworld at gamma = 0.9999: a run that certifies more than tol/2 warns with the tol it can
    certify (twice its own bound, rounded up), and asking for that tol certifies it without a warning."""
    P, R = tabular.gridworld(60, gamma=0.9999, sparse=True)
    for f in (solvers.value_iteration, solvers.modified_policy_iteration, solvers.solve):
        with pytest.warns(RuntimeWarning, match=r"ask for tol >= ") as record:
            res = f(P, R, 0.9999, tol=1e-6)
        assert res.error_bound > 1e-6 / 2
        advised = float(re.search(r"ask for tol >= ([0-9.e+-]+)", str(record[-1].message)).group(1))
        assert advised >= 2 * res.error_bound
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert f(P, R, 0.9999, tol=advised).error_bound <= advised / 2
