"""The second Cauchy-bandit rate instance (bounds.gap.cauchy_bandit_k3): its assumptions (rank-3 contexts, so a
non-degenerate Fisher matrix; bounded score and reward) and its exact J and J* against quadrature and a local
optimiser (slow, obvious references)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize

from boundlab.bounds.gap import cauchy_bandit_k3


def _J_quadrature(bandit, theta: np.ndarray) -> float:
    """``mean_x int exp(-(a - w_star @ x)^2) Cauchy(a; x @ theta, scale) da``, one quadrature per context."""
    s = bandit.scale

    def f(a, loc, centre):
        return np.exp(-(a - centre) ** 2) * s / (np.pi * (s**2 + (a - loc) ** 2))

    return float(np.mean([integrate.quad(f, -np.inf, np.inf, args=(x @ theta[:, 0], x @ bandit.w_star),
                                         epsabs=1e-12, epsrel=1e-10, limit=200)[0] for x in bandit.contexts]))


def test_instance_meets_the_assumptions_and_differs_from_the_first():
    b = cauchy_bandit_k3()
    assert b.contexts.shape == (6, 3) and np.linalg.matrix_rank(b.contexts) == 3
    fisher = b.contexts.T @ b.contexts / len(b.contexts) / (2 * b.scale**2)  # E[score score^T], Cauchy: 1/(2 s^2)
    assert np.linalg.eigvalsh(fisher).min() > 0.05
    assert b.name == "cauchy-bandit-k3" and b.scale == 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_J_equals_quadrature(seed):
    b = cauchy_bandit_k3()
    theta = np.random.default_rng(seed).normal(size=(3, 1))
    assert float(b.J(theta)) == pytest.approx(_J_quadrature(b, theta), rel=1e-8, abs=1e-10)


def test_J_star_is_the_class_best():
    b = cauchy_bandit_k3()
    assert float(b.J(b.theta_star)) == pytest.approx(_J_quadrature(b, b.theta_star), rel=1e-8)
    assert float(b.J(b.theta_star)) == pytest.approx(b.J_star, rel=1e-12)
    rng = np.random.default_rng(3)
    assert np.all(b.J(b.theta_star[None] + rng.normal(scale=0.3, size=(200, 3, 1))) < b.J_star)
    res = optimize.minimize(lambda w: -float(b.J(w[:, None])), np.zeros(3), method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20_000})
    assert -res.fun <= b.J_star + 1e-12
    np.testing.assert_allclose(res.x, b.w_star, atol=1e-4)
