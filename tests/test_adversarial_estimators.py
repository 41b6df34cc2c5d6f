"""Inverse-covariance estimators of the adversarial linear learners (tabular/learners/linear_estimators.py): MGR
against its closed-form expectation and a plain numpy reference, the relative-guarantee estimator's lemma by Monte
Carlo, the exact covariance against sampled rollouts."""

import numpy as np
import pytest
from scipy.stats import binom

from boundlab.tabular.learners import linear_estimators as le
from zstats import z_max


def small_model(seed=0, H=2, S=2, A=3):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(H, S, A))
    initial = rng.dirichlet(np.ones(S))
    pi = rng.dirichlet(np.ones(A), size=(H, S))
    return P, initial, pi


def general_features(S, A, d, seed=1):
    """Dense features (not one-hot), each of norm <= 1, so that the covariance is not diagonal."""
    phi = np.random.default_rng(seed).normal(size=(S, A, d))
    return phi / np.linalg.norm(phi, axis=-1, keepdims=True) * 0.9


def mgr_reference(X, gamma, c):
    """MGR written out with full matrix products (Neu & Olkhovskaya 2020, Algorithm 2, averaged over copies)."""
    M, N, d = X.shape
    total = np.zeros((d, d))
    for m in range(M):
        Z = np.eye(d)
        for i in range(N):
            Z = Z @ (np.eye(d) - c * (gamma * np.eye(d) + np.outer(X[m, i], X[m, i])))
            total += Z
    return c * np.eye(d) + c * total / M


def test_mgr_kernel_matches_reference():
    X = np.random.default_rng(3).normal(size=(3, 17, 4))
    X /= np.linalg.norm(X, axis=-1, keepdims=True)
    np.testing.assert_allclose(le.mgr(X, 0.1), mgr_reference(X, 0.1, le.MGR_STEP), rtol=1e-12, atol=1e-12)


def test_mgr_expectation_closed_form_monte_carlo():
    """Mean of many independent MGR estimates (one copy each) vs (gamma I + Sigma)^-1 (I - (I - c(gamma I +
    Sigma))^(N+1)), with Sigma the exact covariance of the rollout features."""
    P, initial, pi = small_model()
    phi = general_features(2, 3, 3)
    Sigma = le.exact_covariance(P, initial, pi, phi)[1]
    gamma, N, reps = 0.2, 12, 4000
    X = le.sample_features(P, initial, pi, phi, reps * N, seed=5)[:, 1].reshape(reps, 1, N, 3)
    samples = np.array([le.mgr(x, gamma) for x in X])
    z, threshold = z_max(samples, le.mgr_expectation(Sigma, gamma, N), alpha=1e-3)
    assert z < threshold
    # the closed form really is a truncation: with more steps it moves towards the inverse
    exact = np.linalg.inv(gamma * np.eye(3) + Sigma)
    assert np.linalg.norm(le.mgr_expectation(Sigma, gamma, 400) - exact) < 1e-8
    assert np.linalg.norm(le.mgr_expectation(Sigma, gamma, N) - exact) > 1e-2


def test_mgr_steps_bounds_bias():
    P, initial, pi = small_model(seed=2)
    phi = general_features(2, 3, 3, seed=4)
    Sigma = le.exact_covariance(P, initial, pi, phi)[0]
    gamma, eps = 0.05, 1e-3
    N = le.mgr_steps(gamma, eps)
    bias = le.mgr_expectation(Sigma, gamma, N) - np.linalg.inv(gamma * np.eye(3) + Sigma)
    assert np.linalg.norm(bias, 2) <= eps


def test_exact_covariance_matches_rollouts():
    P, initial, pi = small_model(seed=7, H=3)
    phi = general_features(2, 3, 3, seed=8)
    X = le.sample_features(P, initial, pi, phi, 20000, seed=9)
    samples = np.einsum("nhi,nhj->nhij", X, X)
    z, threshold = z_max(samples, le.exact_covariance(P, initial, pi, phi), alpha=1e-3)
    assert z < threshold


def test_relative_estimator_is_the_regularised_inverse():
    X = np.random.default_rng(0).uniform(-0.5, 0.5, size=(50, 3))
    expected = np.linalg.inv(0.3 * np.eye(3) + X.T @ X / 50)
    np.testing.assert_allclose(le.relative_covariance(X, 0.3), expected, rtol=1e-10)


@pytest.mark.parametrize("gamma", [0.2, 0.1])
def test_covariance_lemma_failure_frequency(gamma):
    """Dai et al. 2023's covariance lemma: with W = 4 d ln(d/delta)/gamma^2 samples the relative band
    [1 - 2 sqrt(gamma), 1 + 2 sqrt(gamma)] fails with probability <= delta. One-sided binomial test at level 1e-3
    that the failure frequency is not above delta; a control with far fewer samples fails often (the event is
    checkable)."""
    P, initial, pi = small_model(seed=11, H=1, S=3, A=2)
    phi = general_features(3, 2, 4, seed=12)
    Sigma = le.exact_covariance(P, initial, pi, phi)[0]
    delta, trials = 0.1, 150
    W = le.relative_samples(4, gamma, delta)
    X = le.sample_features(P, initial, pi, phi, W * trials, seed=13)[:, 0].reshape(trials, W, 4)
    failures = sum(le.relative_failure(le.relative_covariance(x, gamma), Sigma, gamma) for x in X)
    assert binom.sf(failures - 1, trials, delta) > 1e-3
    few = le.sample_features(P, initial, pi, phi, 3 * trials, seed=14)[:, 0].reshape(trials, 3, 4)
    control = sum(le.relative_failure(le.relative_covariance(x, gamma), Sigma, gamma) for x in few)
    assert control > trials * delta


def test_sampling_reproducible():
    P, initial, pi = small_model()
    phi = general_features(2, 3, 3)
    a = le.sample_features(P, initial, pi, phi, 64, seed=3)
    assert np.array_equal(a, le.sample_features(P, initial, pi, phi, 64, seed=3))
    assert not np.array_equal(a, le.sample_features(P, initial, pi, phi, 64, seed=4))


@pytest.mark.parametrize("call, error, match", [
    (lambda X: le.mgr(X, 0.0), ValueError, "gamma"),
    (lambda X: le.mgr(X, "0.1"), TypeError, "gamma"),
    (lambda X: le.mgr(X[0], 0.1), ValueError, "3-d"),
    (lambda X: le.mgr(2 * X, 0.1), ValueError, r"\|\|x\|\| <= 1"),
    (lambda X: le.mgr(np.where(X > 0.4, np.nan, X), 0.1), ValueError, "not finite"),
    (lambda X: le.mgr(X + 0j, 0.1), TypeError, "X"),
    (lambda X: le.relative_covariance(X, 0.1), ValueError, "2-d"),
    (lambda X: le.relative_samples(2.5, 0.1, 0.1), TypeError, "d"),
    (lambda X: le.relative_samples(3, 0.1, 1.0), ValueError, "delta"),
    (lambda X: le.mgr_steps(0.1, -1.0), ValueError, "eps"),
    (lambda X: le.mgr_steps(1e-300, 0.1), ValueError, "gamma implies the MGR step count"),
    (lambda X: le.relative_samples(3, 1e-200, 0.1), ValueError, "gamma"),
    (lambda X: le.mgr_expectation(np.eye(2), 0.1, -1), ValueError, "steps must be >= 0"),
    (lambda X: le.mgr_expectation(np.eye(2), 0.1, 2.0), TypeError, "steps"),
    (lambda X: le.mgr_expectation(np.ones((2, 3)), 0.1, 2), ValueError, "square"),
    (lambda X: le.mgr_expectation(-np.eye(2), 0.1, 2), ValueError, "positive semi-definite"),
    (lambda X: le.relative_ratio(np.array([[1.0, 0.5], [0.0, 1.0]]), np.eye(2), 0.1), ValueError,
     "estimate must be symmetric"),
    (lambda X: le.relative_ratio(np.eye(2), np.eye(3), 0.1), ValueError, "same shape"),
    (lambda X: le.relative_failure(np.eye(2), np.full((2, 2), np.nan), 0.1), ValueError, "Sigma.*not finite"),
    (lambda X: le.sample_features(*small_model()[:2], np.full((2, 2, 3), 0.5), general_features(2, 3, 3), 4),
     ValueError, r"pi\[0, 0, 0\] is not a probability vector"),
    (lambda X: le.sample_features(*small_model()[:2], np.full((2, 2, 3), np.nan), general_features(2, 3, 3), 4),
     ValueError, "pi"),
    (lambda X: le.sample_features(*small_model(), general_features(2, 3, 3), 0), ValueError, "n must be >= 1"),
    (lambda X: le.exact_covariance(*small_model()[:2], np.full((2, 3, 2), 0.5), general_features(2, 3, 3)),
     ValueError, "pi"),
    (lambda X: le.exact_covariance(*small_model(), 2 * general_features(2, 3, 3)), ValueError, "norm"),
    (lambda X: le.exact_covariance(np.ones((2, 2)), *small_model()[1:], general_features(2, 3, 3)), ValueError, "P"),
])
def test_bad_input(call, error, match):
    X = np.full((2, 3, 2), 0.5)
    with pytest.raises(error, match=match):
        call(X)
