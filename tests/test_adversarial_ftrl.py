"""tabular.learners.ftrl: the log-barrier step (KKT closed form, a generic convex solver, any-sign losses up to
+-1e8), negative entropy, the refined FTRL lemma of Dai et al. 2023 (and Hedge failing its classical bound), the
magnitude-reduced estimator."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import softmax

from boundlab.tabular.learners.ftrl import (log_barrier, log_barrier_kernel, log_barrier_penalty, magnitude_reduced,
                                            negative_entropy)

finite = st.floats(-1e8, 1e8, allow_nan=False, allow_infinity=False)
losses = st.lists(finite, min_size=1, max_size=8).map(np.array)
rates = st.floats(1e-4, 1e2)


def plain_log_barrier(L, eta):
    """Reference: bisection on mu = lambda + min L for sum_a 1 / (eta (L_a - min L + mu)) = 1 over
    [1 / eta, A / eta] (shifted, so that huge |L| loses no digits)."""
    shifted = L - L.min()
    lo, hi = 1.0 / eta, len(L) / eta
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if (1.0 / (eta * (shifted + mid))).sum() > 1.0:
            lo = mid
        else:
            hi = mid
    x = 1.0 / (eta * (shifted + 0.5 * (lo + hi)))
    return x / x.sum()


@given(losses, rates)
def test_log_barrier_is_the_kkt_point(L, eta):
    x = np.empty_like(L)
    lam = log_barrier_kernel(L, eta, x)
    assert (x > 0).all() and abs(x.sum() - 1) < 1e-12
    # stationarity: 1 / x_a - eta L_a is the same for every a (= eta lambda), up to rounding of the terms' size
    # (from L - min L; the returned lambda = mu - min L carries min L's rounding and precedes the final
    # renormalisation, hence its looser tolerance)
    spread = 1.0 / x - eta * (L - L.min())
    assert np.ptp(spread) <= 1e-12 * (1.0 / x).max()
    assert abs(lam + L.min() - spread.mean() / eta) <= 1e-12 * (1.0 / x).max() / eta + 1e-10 * (abs(lam) + abs(L.min()))
    assert np.allclose(x, plain_log_barrier(L, eta), rtol=1e-12, atol=0)


@pytest.mark.parametrize("L", [[1e8, -1e8, 3.0], [-1e8, -1e8 + 1, 5e7], [1e8, 1e8], [-1e8] * 5 + [1e8],
                               [0.0, 1e-300, -1e-300]])
@pytest.mark.parametrize("eta", [1e-6, 0.01, 1.0, 1e3])
def test_log_barrier_at_huge_cumulative_losses(L, eta):
    L = np.array(L)
    x = log_barrier(L, eta)
    assert (x > 0).all() and np.isfinite(x).all() and abs(x.sum() - 1) < 1e-12
    assert np.allclose(x, plain_log_barrier(L, eta), rtol=1e-12, atol=0)
    assert x[np.argmin(L)] == x.max()


@given(st.lists(st.floats(-20, 20), min_size=2, max_size=5).map(np.array), st.floats(0.05, 5.0))
def test_log_barrier_matches_a_generic_convex_solver(L, eta):
    A = len(L)

    def objective(z):  # the simplex through a softmax parametrisation: eta <x, L> - sum ln x
        x = softmax(z)
        return eta * x @ L - np.log(x).sum()

    best = min((minimize(objective, z0, method="BFGS", options={"gtol": 1e-10}) for z0 in
                (np.zeros(A), -eta * L)), key=lambda r: r.fun)
    x = log_barrier(L, eta)
    assert objective(np.log(x)) <= best.fun + 1e-9
    assert np.allclose(x, softmax(best.x), atol=1e-4)


@given(losses, rates)
def test_negative_entropy_is_a_stable_softmax(L, eta):
    x = negative_entropy(L, eta)
    assert np.isfinite(x).all() and abs(x.sum() - 1) < 1e-12 and x.max() > 0
    assert np.allclose(x, softmax(-eta * L), atol=1e-12)


def ftrl_run(L, eta, step):
    cum, xs = np.zeros(L.shape[1]), []
    for loss in L:
        xs.append(step(cum, eta))
        cum += loss
    return np.array(xs), cum


@st.composite
def loss_sequences(draw):
    """Loss sequences of any sign: bounded noise plus single very negative entries (down to -1e5)."""
    A, T = draw(st.integers(2, 6)), draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    L = rng.uniform(-1, 3, (T, A)) * 10 ** draw(st.floats(0, 2))
    for _ in range(draw(st.integers(0, 3))):
        L[rng.integers(T), rng.integers(A)] = -10 ** draw(st.floats(0, 5))
    return L


@given(loss_sequences(), st.floats(1e-3, 1.0), st.floats(1e-3, 0.9), st.integers(0, 2**32 - 1))
def test_refined_ftrl_lemma_holds_for_any_sign_losses(L, eta, eps, seed):
    """Dai et al. 2023 (slides' lemma): sum_t <x_t - y, l_t> <= (Psi(y) - Psi(x_1)) / eta + eta sum_t sum_a x l^2."""
    A = L.shape[1]
    xs, cum = ftrl_run(L, eta, log_barrier)
    stability = eta * (xs * L**2).sum()
    for y in ((1 - eps) * np.eye(A)[np.argmin(cum)] + eps / A, np.random.default_rng(seed).dirichlet(np.ones(A))):
        assume(y.min() > 0)
        regret = ((xs - y) * L).sum()
        penalty = (log_barrier_penalty(y) - log_barrier_penalty(np.full(A, 1 / A))) / eta
        assert regret <= penalty + stability + 1e-9 * (abs(penalty) + stability + 1)


def test_hedge_fails_its_classical_bound_where_the_log_barrier_holds():
    """Action 1 loses 1 for 20 rounds, then gains 1000 once (loss -1000 < -1/eta): Hedge's weight on it is
    e^-20 when the gain comes, so it misses it; its bound ln A / eta + eta sum x l^2 is about 2, its regret ~980."""
    eta, L = 1.0, np.zeros((21, 2))
    L[:20, 1], L[20, 1] = 1.0, -1000.0
    best = np.eye(2)[1]
    xs, _ = ftrl_run(L, eta, negative_entropy)
    hedge_regret = ((xs - best) * L).sum()
    hedge_bound = np.log(2) / eta + eta * (xs * L**2).sum()
    assert hedge_regret > 900 and hedge_bound < 3 and hedge_regret > 100 * hedge_bound
    xs, _ = ftrl_run(L, eta, log_barrier)
    y = 0.999 * best + 0.0005
    regret = ((xs - y) * L).sum()
    bound = (log_barrier_penalty(y) - log_barrier_penalty([0.5, 0.5])) / eta + eta * (xs * L**2).sum()
    assert regret <= bound


@st.composite
def discrete(draw):
    n = draw(st.integers(1, 8))
    z = np.array(draw(st.lists(st.floats(-1e4, 1e4), min_size=n, max_size=n)))
    p = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).dirichlet(np.ones(n))
    return z, p


@given(discrete())
def test_magnitude_reduced_estimator(zp):
    z, p = zp
    zhat = magnitude_reduced(z, p)
    mean_negative = p @ np.minimum(z, 0)
    scale = 1e-12 * (1 + np.abs(z).max())
    assert abs(p @ zhat - p @ z) <= scale * 10  # unbiased
    assert (zhat >= mean_negative - scale).all()  # never below E[min(Z, 0)]
    assert p @ zhat**2 <= p @ z**2 * (1 + 1e-12) + scale**2  # second moment no larger
    assert np.array_equal(zhat, magnitude_reduced(z, mean_negative=mean_negative))


@pytest.mark.parametrize("call, error, match", [
    (lambda: log_barrier([1.0, np.nan], 1.0), ValueError, r"L\[1\] is not finite"),
    (lambda: log_barrier([], 1.0), ValueError, "non-empty"),
    (lambda: log_barrier([[1.0]], 1.0), ValueError, "vector"),
    (lambda: log_barrier([1.0, 2.0], 0.0), ValueError, "eta"),
    (lambda: log_barrier([0.0, 1.0], 1e-320), ValueError, "eta must be at least"),  # subnormal: 1/eta overflows
    (lambda: negative_entropy([1.0, 2.0], "0.5"), TypeError, "eta"),
    (lambda: negative_entropy([1j, 2.0], 0.5), TypeError, "L must hold real numbers"),
    (lambda: magnitude_reduced([1.0, -1.0]), ValueError, "exactly one"),
    (lambda: magnitude_reduced([1.0, -1.0], [0.5, 0.6]), ValueError, "probability vector"),
    (lambda: magnitude_reduced([1.0, -1.0], mean_negative=0.5), ValueError, "mean_negative"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
