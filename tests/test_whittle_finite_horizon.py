"""The finite-horizon Whittle index (bandits.whittle.finite_horizon_whittle_indices) against a slow reference that
enumerates every deterministic Markov policy of a tiny arm, its indexability check, and the time-dependent Whittle
policy on the coRMAB budget domain (exact values by the joint-state DP)."""

import itertools
import warnings

import numpy as np
import pytest

from boundlab.bandits import cormab
from boundlab.bandits import cormab_policies as cp
from boundlab.bandits.restless import RestlessBandit, random_restless_bandit
from boundlab.bandits.whittle import finite_horizon_whittle_indices


def lines(P, R, h):
    """Every deterministic Markov policy of one arm over ``h`` steps as ``(first action (S,), reward r_h (S,),
    expected active pulls n_h (S,))``: its value from each state at charge ``lam`` is ``r - lam n``."""
    S = R.shape[0]
    out = []
    for table in itertools.product([0, 1], repeat=S * h):
        pi = np.array(table).reshape(h, S)  # pi[k - 1, s]: the action with k steps to go
        r, n = np.zeros(S), np.zeros(S)
        for k in range(1, h + 1):
            a = pi[k - 1]
            r = R[np.arange(S), a] + P[np.arange(S), a] @ r
            n = a + P[np.arange(S), a] @ n
        out.append((pi[h - 1], r, n))
    return out


def reference(P, R, h):
    """Per state: ``(index, indexable)`` from ``F(lam) = max_{pi: pi_h(s) = 1} (r - lam n) - max_{pi: pi_h(s) = 0}
    (r - lam n)``, exact on the sorted breakpoints (every pairwise crossing of the lines), the index the supremum of
    ``{F > 0}`` (F is linear between breakpoints), indexable when ``F > 0`` never follows ``F <= 0``."""
    S = R.shape[0]
    pols = lines(P, R, h)
    out = []
    for s in range(S):
        first = np.array([p[0][s] for p in pols])
        r = np.array([p[1][s] for p in pols])
        n = np.array([p[2][s] for p in pols])
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = (r[:, None] - r[None, :]) / (n[:, None] - n[None, :])
        cand = np.unique(np.concatenate([cross[np.isfinite(cross)], [-h, h]]))
        cand = cand[(cand >= -h) & (cand <= h)]
        vals = r[None, :] - cand[:, None] * n[None, :]
        F = vals[:, first == 1].max(axis=1) - vals[:, first == 0].max(axis=1)
        pos = F > 1e-12
        last = int(np.flatnonzero(pos).max()) if pos.any() else -1
        if last == -1:
            index = -h
        elif last == len(cand) - 1:
            index = h
        else:
            index = cand[last] + F[last] / (F[last] - F[last + 1]) * (cand[last + 1] - cand[last])
        indexable = not np.any(pos[1:] & ~pos[:-1])
        out.append((index, indexable))
    return out


@pytest.mark.parametrize("S,H,seed", [(2, 4, 0), (3, 3, 1), (3, 3, 2), (2, 4, 3)])
def test_indices_equal_the_policy_enumeration(S, H, seed):
    """Every (arm, steps to go, state): the bisection's index equals the reference's (to 1e-7), and the arm is
    flagged indexable exactly where the reference finds the passive set monotone."""
    model = random_restless_bandit(3, S, gamma=0.9, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = finite_horizon_whittle_indices(model, H)
    assert res.indices.shape == (3, H, S) and np.all(res.upper - res.lower <= res.tol)
    for j in range(3):
        for h in range(1, H + 1):
            ref = reference(model.P[j], model.R[j], h)
            assert res.indexable[j, h - 1] == all(ok for _, ok in ref)
            if res.indexable[j, h - 1]:
                np.testing.assert_allclose(res.indices[j, h - 1], [i for i, _ in ref], atol=1e-7)


def test_one_step_to_go_is_the_myopic_gain():
    model = random_restless_bandit(5, 4, gamma=0.9, seed=4)
    res = finite_horizon_whittle_indices(model, 6)
    np.testing.assert_allclose(res.indices[:, 0], model.R[:, :, 1] - model.R[:, :, 0], atol=1e-8)
    assert res.indexable.all()


def non_indexable_arm():
    """An arm (sticky random dynamics, found by searching 400 seeded arms with the fast check) whose passive set in
    state 1 is not monotone in the charge at h = 3; at h = 2 every arm is indexable (``dF/dlam = -1 - (P1 - P0) .
    1[active at h = 1]`` lies in [-2, 0])."""
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3) * 0.2, size=(400, 3, 2))[54]
    R = rng.random((400, 3, 2))[54]
    return RestlessBandit(P[None], R[None], 0.9)


def test_a_non_indexable_arm_is_flagged():
    """The reference finds the passive set non-monotone at h = 3 (state 1) and monotone at h = 1, 2; the fast
    check flags exactly that, with a warning, and the indices where indexable agree."""
    model = non_indexable_arm()
    P, R = model.P[0], model.R[0]
    refs = [reference(P, R, h) for h in (1, 2, 3)]
    assert [all(ok for _, ok in ref) for ref in refs] == [True, True, False]
    with pytest.warns(RuntimeWarning, match="not indexable"):
        res = finite_horizon_whittle_indices(model, 3)
    assert res.indexable.tolist() == [[True, True, False]]
    for h in (1, 2):
        np.testing.assert_allclose(res.indices[0, h - 1], [i for i, _ in refs[h - 1]], atol=1e-7)


def budget():
    return cormab.budget_domain(6, 2, seed=5)


def test_policy_value_by_the_joint_dp():
    """The time-dependent policy through joint_dp: at most the exact optimum, and at least the discounted-index
    policy on this instance (measured 5.661 vs 5.593, optimum 5.674); its Monte Carlo mean under evaluate lies within
    4 standard errors of its exact value; an index constant over the steps to go gives the stationary policy's exact
    value (the time-dependent path of joint_dp and evaluate against the stationary one)."""
    d = budget()
    fw, dw = cp.whittle_policy(d, horizon=20), cp.whittle_policy(d)
    opt, v_fw, v_dw = cp.joint_dp(d, 20), cp.joint_dp(d, 20, fw), cp.joint_dp(d, 20, dw)
    assert v_dw < v_fw <= opt + 1e-12
    mean, se, _ = cp.evaluate(d, {"fw": fw}, episodes=200, seed=0)["fw"]
    assert abs(mean - v_fw) < 4 * se
    from boundlab.bandits.whittle import whittle_indices
    stationary = whittle_indices(cp._arm_chains(d, 0.99)).indices
    flat = cp.FiniteHorizonIndexPolicy(np.repeat(stationary[:, None], 20, axis=1), d.budget, 20)
    assert cp.joint_dp(d, 20, flat) == pytest.approx(v_dw, rel=1e-12)
    a = cp.evaluate(d, {"x": flat}, episodes=3, seed=1)["x"][0]
    b = cp.evaluate(d, {"x": dw}, episodes=3, seed=1)["x"][0]
    assert a == b


def test_bad_input():
    model = random_restless_bandit(2, 3, gamma=0.9, seed=0)
    for kwargs, err, match in (({"horizon": 0}, ValueError, "horizon"), ({"horizon": 2.5}, TypeError, "horizon"),
                               ({"horizon": 3, "discount": 1.5}, ValueError, "discount"),
                               ({"horizon": 3, "tol": 0.0}, ValueError, "tol")):
        with pytest.raises(err, match=match):
            finite_horizon_whittle_indices(model, **kwargs)
    d = budget()
    fw = cp.whittle_policy(d, horizon=5)
    with pytest.raises(ValueError, match="steps_to_go"):
        fw.act(np.zeros(6, np.int64), 6)
    with pytest.raises(ValueError, match="horizon 5"):
        cp.evaluate(d, {"fw": fw}, episodes=1, horizon=6)
    with pytest.raises(TypeError, match="horizon"):
        cp.whittle_policy(d, horizon=2.5)
