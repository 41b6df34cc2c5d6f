"""tabular.policy_gradient (Fatkhullin, Barakat, Kireeva & He, ICML 2023): the estimators against exact derivatives of
``J_H`` (z-tests at a stated level, fixed seeds), the truncation bias bound, HARPG's gradient-difference identity,
IGT's transport on quadratics, the schedules and normalised steps, reproducibility, and that each method improves J."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from zstats import z_max
from boundlab import solvers, tabular
from boundlab.tabular import policy_gradient as pg

MODEL = tabular.dirichlet_mdp(S=3, A=2, gamma=0.8, seed=1)
THETA = jnp.asarray(np.random.default_rng(0).normal(size=(3, 2)), jnp.float32)
ALPHA = 1e-3  # family-wise level of each z-test (Bonferroni over the coordinates)
N = 20_000    # trajectories per Monte-Carlo mean


def _z_max(samples: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Largest |z| over the coordinates with non-zero spread, and the Bonferroni threshold at level ALPHA."""
    return z_max(samples, truth, ALPHA)


def _J_H_reference(theta, model, H):
    """Slow, obvious reference: the state distribution pushed forward step by step, J_H = sum_h gamma^h d_h r_pi."""
    pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
    P_pi, r_pi = np.einsum("sa,sat->st", pi, model.P), (pi * model.R).sum(axis=1)
    d, total = model.initial.astype(np.float64), 0.0
    for h in range(H):
        total += model.gamma**h * d @ r_pi
        d = d @ P_pi
    return total


def test_exact_objectives_match_slow_references():
    theta = np.asarray(THETA, np.float64)
    for H in (1, 5, 30):
        assert float(pg.J_H(THETA, MODEL, H)) == pytest.approx(_J_H_reference(theta, MODEL, H), rel=1e-5)
    pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
    V = solvers.policy_evaluation(MODEL.P, MODEL.R, MODEL.gamma, pi).V
    assert float(pg.J(THETA, MODEL)) == pytest.approx(float(MODEL.initial @ V), rel=1e-5)


def test_truncation_horizon_is_the_theorems():
    assert pg.truncation_horizon(100, 0.9) == int(np.ceil(np.log(101) / 0.1)) == 47
    assert pg.truncation_horizon(1, 0.0) == 1


@functools.partial(jax.jit, static_argnames="n")
def _gradient_samples(key, problem, theta, n):
    return jax.vmap(lambda k: problem.gradient(k, theta)[0])(jax.random.split(key, n))


@functools.partial(jax.jit, static_argnames=("n", "full"))
def _hvp_samples(key, problem, theta, v, n, full=True):
    def one(k):
        tau = pg.rollout(k, problem, theta)
        if full:
            return pg.hvp(theta, v, tau, problem)
        return jax.jvp(lambda th: pg.gradient(th, tau, problem), (theta,), (v,))[1]  # hess Phi v alone
    return jax.vmap(one)(jax.random.split(key, n))


def test_gradient_estimator_is_unbiased_for_grad_J_H():
    """The Monte-Carlo mean of g(tau, theta) over N trajectories matches jax.grad of the exact J_H (z-test)."""
    H = 5
    problem = pg.tabular_problem(MODEL, H=H)
    samples = np.asarray(_gradient_samples(jax.random.key(0), problem, THETA, N))
    z, threshold = _z_max(samples, jax.grad(pg.J_H)(THETA, MODEL, H))
    assert z < threshold, (z, threshold)
    # the test has power: the infinite-horizon gradient differs from grad J_H by more than the noise at H = 5
    z_wrong, _ = _z_max(samples, jax.grad(pg.J)(THETA, MODEL))
    assert z_wrong > threshold, z_wrong


def test_truncation_bias_is_at_most_C_gamma_to_the_H():
    """|grad J - grad J_H| <= C(H) gamma^H, C(H) = (w/2) sqrt(1 - 1/A) sqrt((H + 1)/(1 - gamma)^2 + gamma/(1 - gamma)^3)
    with w = max R - min R. C(H) is our derivation (tabular softmax), not the paper's constant (its full text was not
    readable to us); it grows like sqrt(H), as in Yuan, Gower & Lazaric (2022), so it is no constant C.
    Derivation: grad J - grad J_H = sum_{h>=H} gamma^h E[(r_h - c) Y_h], Y_h = sum_{k<=h} grad log pi(a_k|s_k)
    (a constant c shifts neither gradient; c = mid-range, |r_h - c| <= w/2); the scores are
    martingale differences, so E|Y_h| <= sqrt(E|Y_h|^2) = sqrt(sum_k E|e_a - pi(.|s_k)|^2) <= sqrt((h + 1)(1 - 1/A))
    (E_a |e_a - pi|^2 = 1 - |pi|^2 <= 1 - 1/A); and sum_{h>=H} gamma^h sqrt(h + 1) <= gamma^H sqrt(1/(1 - gamma))
    sqrt((H + 1)/(1 - gamma) + gamma/(1 - gamma)^2) (Cauchy-Schwarz)."""
    g, w, A = MODEL.gamma, MODEL.R.max() - MODEL.R.min(), MODEL.R.shape[1]
    grad_J = np.asarray(jax.grad(pg.J)(THETA, MODEL), np.float64)
    ratios = []
    for H in (1, 5, 10, 20, 40):
        gap = np.linalg.norm(grad_J - np.asarray(jax.grad(pg.J_H)(THETA, MODEL, H)))
        C = w / 2 * np.sqrt(1 - 1 / A) * np.sqrt((H + 1) / (1 - g) ** 2 + g / (1 - g) ** 3)
        assert gap <= C * g**H, (H, gap, C * g**H)
        ratios.append(gap / (C * g**H))
    print("gap / (C gamma^H):", np.round(ratios, 4))
    assert max(ratios) > 0.05  # the bound is checked where it is within a factor 20 of the truth


def test_hvp_estimator_is_unbiased_for_the_hessian_of_J_H():
    """E[B(tau, theta) v] = hess J_H(theta) v (z-test against jax.hessian); without the score term it is biased."""
    H = 8
    problem = pg.tabular_problem(MODEL, H=H)
    v = jnp.asarray(np.random.default_rng(1).normal(size=(3, 2)), jnp.float32)
    hess = np.asarray(jax.hessian(pg.J_H)(THETA, MODEL, H)).reshape(6, 6)
    truth = hess @ np.asarray(v).ravel()
    z, threshold = _z_max(np.asarray(_hvp_samples(jax.random.key(3), problem, THETA, v, N)), truth)
    assert z < threshold, (z, threshold)
    z_wrong, _ = _z_max(np.asarray(_hvp_samples(jax.random.key(3), problem, THETA, v, N, full=False)), truth)
    assert z_wrong > threshold, z_wrong


def test_harpg_gradient_difference_identity_by_quadrature():
    """E_q[hess J(theta_{t-1} + q Delta) Delta] = grad J(theta_t) - grad J(theta_{t-1}), q ~ U[0, 1], on exact J
    (Gauss-Legendre, 16 nodes)."""
    rng = np.random.default_rng(2)
    prev = THETA
    delta = jnp.asarray(rng.normal(size=(3, 2)), jnp.float32)
    grad = jax.grad(pg.J)
    nodes, weights = np.polynomial.legendre.leggauss(16)
    q, w = (nodes + 1) / 2, weights / 2
    hv = [jax.jvp(lambda th: grad(th, MODEL), (prev + float(qi) * delta,), (delta,))[1] for qi in q]
    lhs = sum(float(wi) * np.asarray(h, np.float64) for wi, h in zip(w, hv))
    rhs = np.asarray(grad(prev + delta, MODEL) - grad(prev, MODEL), np.float64)
    np.testing.assert_allclose(lhs, rhs, atol=1e-4 * np.abs(rhs).max())
    assert np.abs(rhs).max() > 0.01  # a real difference, not 0 = 0


@functools.partial(jax.tree_util.register_dataclass, data_fields=["A", "center"], meta_fields=[])
@dataclass(frozen=True)
class Quadratic:
    """J(theta) = -1/2 (theta - c)^T A (theta - c) with exact (noise-free) gradient and Hessian-vector product."""

    A: jax.Array
    center: jax.Array

    def grad(self, theta):
        return -self.A @ (theta - self.center)

    def gradient(self, key, theta):
        return self.grad(theta), jnp.float32(0.0)

    def hvp(self, key, theta, v):
        return -self.A @ v


def _quadratic():
    M = np.random.default_rng(4).normal(size=(4, 4))
    return Quadratic(jnp.asarray(M @ M.T + np.eye(4), jnp.float32), jnp.arange(4, dtype=jnp.float32))


@pytest.mark.parametrize("method", [pg.n_pg_igt, pg.harpg, pg.n_harpg])
def test_momentum_transports_the_gradient_exactly_on_quadratics(method):
    """On a quadratic the IGT extrapolation and HARPG's Hessian correction transport the momentum exactly:
    with exact oracles d_t = grad J(theta_t) at every t; plain momentum (the ablation) lags behind."""
    problem = _quadratic()
    run = method(jax.random.key(0), problem, jnp.zeros(4), T=30, gamma_0=0.5)
    exact = jax.vmap(problem.grad)(run.thetas[:-1])
    np.testing.assert_allclose(run.directions, exact, atol=1e-4 * float(jnp.abs(exact).max()))
    lag = pg.n_pg_momentum(jax.random.key(0), problem, jnp.zeros(4), T=30, gamma_0=0.5)
    assert float(jnp.abs(lag.directions - jax.vmap(problem.grad)(lag.thetas[:-1])).max()) > 0.1


def test_schedules_are_the_paper_forms_and_the_code_forms():
    """Default: the paper's forms (Theorem 1: eta_t = (t+1)^(-4/5), gamma_t ~ 1/t; Theorem 2: eta_t = 1/(t+1),
    gamma_t ~ t^(-1/2) (HARPG) or 1/t (N-HARPG)); "code": the authors' experiment code's base 2/(t+2)."""
    g0 = 0.7
    for t in (0, 1, 5, 99):
        for source, b in (("paper", 1 / (t + 1)), ("code", 2 / (t + 2))):
            assert pg.schedule("n-pg-igt", t, g0, source) == pytest.approx((g0 * b, b ** 0.8))     # Theorem 1
            assert pg.schedule("n-harpg", t, g0, source) == pytest.approx((g0 * b, b))            # Theorem 2
            assert pg.schedule("harpg", t, g0, source) == pytest.approx((g0 * b ** 0.5, b))       # Theorem 2
            assert pg.schedule("n-pg-momentum", t, g0, source) == pytest.approx((g0 * b, b ** (2 / 3)))
            assert pg.schedule("vanilla-pg", t, g0, source)[0] == pytest.approx(g0 * b ** (2 / 3))
        assert pg.schedule("n-pg-igt", t, g0) == pg.schedule("n-pg-igt", t, g0, "paper")          # the default
    assert pg.schedule("n-harpg", 1, 1.0) == pytest.approx((0.5, 0.5))  # 1/(t+1), not 2/(t+2) = 2/3
    for source in pg.SCHEDULES:  # eta_0 = 1: d_0 = g_0
        assert all(pg.schedule(m, 0, 1.0, source)[1] in (None, 1.0) for m in pg.METHODS)
    with pytest.raises(ValueError, match="schedule must be one of paper, code"):
        pg.n_harpg(jax.random.key(0), _quadratic(), jnp.zeros(4), T=2, gamma_0=0.1, schedule="theory")
    with pytest.raises(ValueError, match="schedule must be one of"):
        pg.schedule("harpg", 1, 0.1, "Paper")


def test_code_schedule_runs_its_igt_extrapolation():
    """schedule="code" steps with 2/(t+2) and N-PG-IGT extrapolates with eta_{t-1} (the authors' code), so its
    transport is no longer exact on a quadratic; the paper's eta_t keeps it exact (checked above)."""
    problem = _quadratic()
    run = pg.n_pg_igt(jax.random.key(0), problem, jnp.zeros(4), T=30, gamma_0=0.5, schedule="code")
    steps = np.linalg.norm(np.asarray(run.thetas[1:] - run.thetas[:-1]), axis=1)
    np.testing.assert_allclose(steps, [0.5 * 2 / (t + 2) for t in range(30)], rtol=1e-5)
    lag = np.abs(np.asarray(run.directions - jax.vmap(problem.grad)(run.thetas[:-1]))).max()
    assert lag > 1e-2, lag


PROBLEM = pg.tabular_problem(MODEL, H=10)
RUNS = {f.__name__: f for f in (pg.vanilla_pg, pg.n_pg_igt, pg.harpg, pg.n_harpg, pg.n_pg_momentum)}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_steps_follow_the_schedule_and_first_momentum_is_first_gradient(name):
    T, g0 = 10, 0.3
    run = RUNS[name](jax.random.key(5), PROBLEM, THETA, T=T, gamma_0=g0)
    steps = np.asarray(run.thetas[1:] - run.thetas[:-1]).reshape(T, -1)
    d = np.asarray(run.directions).reshape(T, -1)
    method = name.replace("_", "-")
    gamma_t = np.array([pg.schedule(method, t, g0)[0] for t in range(T)])
    if method in ("n-pg-igt", "n-harpg", "n-pg-momentum"):
        np.testing.assert_allclose(np.linalg.norm(steps, axis=1), gamma_t, rtol=1e-5)
    else:
        np.testing.assert_allclose(steps, gamma_t[:, None] * d, rtol=1e-5, atol=1e-7)
    k0 = jax.random.split(jax.random.key(5), T)[0]
    if method in ("harpg", "n-harpg"):
        k0 = jax.random.split(k0, 3)[2]
    np.testing.assert_allclose(d[0], np.asarray(PROBLEM.gradient(k0, THETA)[0]).ravel(), rtol=1e-6, atol=1e-7)
    assert int(run.trajectories[-1]) == T * (2 if "harpg" in method else 1)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_zero_direction_does_not_move(name):
    """All rewards 0: every estimate is exactly 0, so d_t = 0; the normalised step must not divide by it."""
    model = tabular.FiniteMDP(MODEL.P, np.zeros((3, 2)), 0.8)
    run = RUNS[name](jax.random.key(0), pg.tabular_problem(model, H=10), THETA, T=10, gamma_0=1.0)
    assert np.all(np.isfinite(run.thetas)) and np.all(run.thetas == THETA)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_same_key_same_run(name):
    a = RUNS[name](jax.random.key(7), PROBLEM, THETA, T=10, gamma_0=0.3)
    b = RUNS[name](jax.random.key(7), PROBLEM, THETA, T=10, gamma_0=0.3)
    c = RUNS[name](jax.random.key(8), PROBLEM, THETA, T=10, gamma_0=0.3)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.thetas, c.thetas)


# gamma_0 per method, chosen on other seeds (key 2) among {0.1, 0.3, 1, 3}, as the paper tunes it
TUNED = {"vanilla_pg": 0.3, "n_pg_igt": 1.0, "harpg": 0.1, "n_harpg": 0.3, "n_pg_momentum": 1.0}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_method_improves_J(name):
    """32 seeds, T = 300, H from T: the mean J(theta_T) exceeds J(theta_0) by more than 3 standard errors."""
    T, theta0 = 300, jnp.zeros((3, 2))
    problem = pg.tabular_problem(MODEL, T=T)
    runs = pg.over_seeds(RUNS[name], jax.random.split(jax.random.key(0), 32), problem, theta0, T=T,
                         gamma_0=TUNED[name])
    gain = np.asarray(jax.vmap(lambda th: pg.J(th, MODEL))(runs.thetas[:, -1])) - float(pg.J(theta0, MODEL))
    assert gain.mean() > 3 * gain.std(ddof=1) / np.sqrt(32), (gain.mean(), gain.std(ddof=1))


def test_cauchy_bandit_value_and_gradient():
    """The contextual bandit's reward mean matches bandit_value (Voigt profile) and the estimator's mean matches
    the finite-difference gradient of that exact J (z-tests)."""
    rng = np.random.default_rng(6)
    params = pg.bandit_params(rng.normal(size=(5, 2)), [1.0, -0.5])
    policy = pg.LinearCauchy(0.5)
    problem = pg.bandit_problem(params, policy)
    theta = jnp.asarray([[0.3], [0.2]], jnp.float32)
    keys = jax.random.split(jax.random.key(9), N)
    g, ret = jax.jit(jax.vmap(lambda k: problem.gradient(k, theta)))(keys)
    value = pg.bandit_value(theta, params, 0.5)
    z, threshold = _z_max(np.asarray(ret)[:, None], np.array([value]))
    assert z < threshold, (z, value, float(ret.mean()))
    eps, th = 1e-5, np.asarray(theta, np.float64)
    fd = np.array([(pg.bandit_value(th + eps * e, params, 0.5) - pg.bandit_value(th - eps * e, params, 0.5)) / (2 * eps)
                   for e in np.eye(2)[:, :, None]])
    z, threshold = _z_max(np.asarray(g), fd)
    assert z < threshold, (z, fd, np.asarray(g).mean(axis=0))


def test_code_estimator_is_biased_for_grad_J_H_and_the_default_is_not():
    """The authors' code's weighting (reward-to-go discounted from step k, the gamma^k dropped) differs from grad J_H
    in expectation on the same trajectories (z-test rejects), while the paper's GPOMDP default does not; both agree
    with gamma = 0 weights at k = 0, so the bias comes from the later steps only."""
    H = 5  # as in the unbiasedness test above, so the default's samples (same key, same n) reuse its compilation
    paper = pg.tabular_problem(MODEL, H=H)
    code = pg.tabular_problem(MODEL, H=H, estimator="code")
    truth = jax.grad(pg.J_H)(THETA, MODEL, H)
    key = jax.random.key(0)  # the same trajectories for both estimators
    z_paper, threshold = _z_max(np.asarray(_gradient_samples(key, paper, THETA, N)), truth)
    z_code, _ = _z_max(np.asarray(_gradient_samples(key, code, THETA, N)), truth)
    assert z_paper < threshold < z_code, (z_paper, threshold, z_code)
    r = jnp.asarray([1.0, 2.0, 3.0])  # the two weightings by hand: sum_{h>=k} g^h r_h and sum_{h>=k} g^(h-k) r_h
    np.testing.assert_allclose(pg.reward_to_go(r, 0.5), [1 + 1 + 0.75, 1 + 0.75, 0.75])
    np.testing.assert_allclose(pg.reward_to_go(r, 0.5, "code"), [1 + 1 + 0.75, 2 + 1.5, 3])
    assert dataclasses.replace(paper, estimator="code").estimator == "code"
    with pytest.raises(ValueError, match="estimator must be one of gpomdp, code"):
        pg.tabular_problem(MODEL, H=H, estimator="garage")


@pytest.mark.parametrize("name", ["n_pg_igt"])  # N-HARPG on a pytree: tests/test_policy_gradient_envs.py (MLP)
def test_pytree_theta_runs_like_the_flat_array(name):
    """theta as a nested pytree (here {"w": theta[0], "rest": [theta[1:]]}) gives the same run as the flat array, up
    to the structure; normalised steps have length exactly gamma_t in the flattened norm."""
    T, g0 = 8, 0.3
    flat = RUNS[name](jax.random.key(5), PROBLEM, THETA, T=T, gamma_0=g0)

    @functools.partial(jax.tree_util.register_dataclass, data_fields=["inner"], meta_fields=[])
    @dataclass(frozen=True)
    class Tree:  # PROBLEM seen through a tree-valued theta
        inner: object

        def _theta(self, tree):
            return jnp.concatenate([tree["w"][None], tree["rest"][0]])

        def _tree(self, theta):
            return {"w": theta[0], "rest": [theta[1:]]}

        def gradient(self, key, tree):
            g, ret = self.inner.gradient(key, self._theta(tree))
            return self._tree(g), ret

        def hvp(self, key, tree, v):
            return self._tree(self.inner.hvp(key, self._theta(tree), self._theta(v)))

    tree0 = {"w": THETA[0], "rest": [THETA[1:]]}
    run = RUNS[name](jax.random.key(5), Tree(PROBLEM), tree0, T=T, gamma_0=g0)
    assert jax.tree_util.tree_structure(run.thetas) == jax.tree_util.tree_structure(tree0)
    stacked = np.concatenate([np.asarray(run.thetas["w"])[:, None], np.asarray(run.thetas["rest"][0])], axis=1)
    np.testing.assert_allclose(stacked, flat.thetas, rtol=1e-5, atol=1e-6)
    steps = np.linalg.norm(np.diff(stacked.reshape(T + 1, -1), axis=0), axis=1)
    if name.startswith("n_"):
        np.testing.assert_allclose(steps, [pg.schedule(name.replace("_", "-"), t, g0)[0] for t in range(T)],
                                   rtol=1e-5)


_CALLS: list = []


@functools.partial(jax.tree_util.register_dataclass, data_fields=["center"], meta_fields=[])
@dataclass(frozen=True)
class _Recorder:
    """A stub problem that records each oracle call's ``(kind, key data, theta, v)`` in order (the methods see it as
    any problem: ``gradient`` and ``hvp``)."""

    center: jax.Array

    def gradient(self, key, theta):
        jax.debug.callback(lambda k, th: _CALLS.append(("g", np.asarray(k), np.asarray(th), None)),
                           jax.random.key_data(key), theta, ordered=True)
        return self.center - theta + jax.random.normal(key, theta.shape), jnp.float32(0.0)  # noisy: theta keeps moving

    def hvp(self, key, theta, v):
        jax.debug.callback(lambda k, th, vv: _CALLS.append(("h", np.asarray(k), np.asarray(th), np.asarray(vv))),
                           jax.random.key_data(key), theta, v, ordered=True)
        return -v


@pytest.mark.parametrize("name", ["harpg", "n-harpg"])
def test_harpg_evaluates_the_hessian_at_a_uniform_point_of_the_segment(name):
    """Algorithm 2: at iteration t the Hessian-vector product is taken at ``theta^_t = q_t theta_t + (1 - q_t)
    theta_{t-1}`` with ``q_t = uniform(k_q)`` (the first of the iteration key's three parts), along
    ``theta_t - theta_{t-1}``, on a trajectory of its own key (drawn at ``theta^_t``: the problem's ``hvp`` rolls
    out at the point it is given); the gradient trajectory is drawn at ``theta_t`` with a third key. Over 300
    iterations the ``q_t`` recovered where the segment is long enough (at least 100 of them) pass a Kolmogorov-Smirnov
    test for U[0, 1]."""
    from scipy.stats import kstest

    T, key = 300, jax.random.key(3)
    _CALLS.clear()
    run = getattr(pg, name.replace("-", "_"))(key, _Recorder(jnp.arange(4, dtype=jnp.float32)), jnp.zeros(4), T=T,
                                              gamma_0=0.5)
    jax.effects_barrier()
    assert [c[0] for c in _CALLS] == ["h", "g"] * T
    thetas, qs = np.asarray(run.thetas), []
    for t, k in enumerate(jax.random.split(key, T)):
        k_q, k_hat, k_g = jax.random.split(k, 3)
        (_, kh, th_hat, v), (_, kg, th_g, _) = _CALLS[2 * t], _CALLS[2 * t + 1]
        prev = thetas[max(t - 1, 0)]
        q = float(jax.random.uniform(k_q, dtype=jnp.float32))
        np.testing.assert_array_equal(v, thetas[t] - prev)
        np.testing.assert_allclose(th_hat, prev + q * (thetas[t] - prev), rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(th_g, thetas[t])
        np.testing.assert_array_equal(kh, jax.random.key_data(k_hat))
        np.testing.assert_array_equal(kg, jax.random.key_data(k_g))
        i = np.argmax(np.abs(v))
        if abs(v[i]) > 1e-3:  # q recovered from the recorded point (theta_{-1} = theta_0 at t = 0: no segment)
            qs.append((th_hat[i] - prev[i]) / v[i])
    assert len(qs) >= 100 and kstest(qs, "uniform").pvalue > 1e-3
    # the real problem's hvp draws its trajectory at the point it is given
    problem = pg.tabular_problem(MODEL, H=5)
    th, v, k = THETA + 0.3, jnp.ones((3, 2)), jax.random.key(9)
    np.testing.assert_array_equal(problem.hvp(k, th, v), pg.hvp(th, v, pg.rollout(k, problem, th), problem))
