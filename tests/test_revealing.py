"""Revealing POMDPs: the revealing constant (LP vs its dual and vs closed forms), the emission-action matrix (vs
enumeration), exact history planning and evaluation (vs the alpha-vector solver and a plain recursion), the hard
instances, the exact regret and the lower-bound rates; bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from boundlab import solvers
from boundlab.tabular import POMDP
from boundlab.tabular.revealing import (
    RevealingProblem,
    emission_action_matrix,
    history_count,
    history_optimal,
    history_value,
    history_values,
    paired_signs,
    pomdp_revealing_constant,
    revealing_bandit,
    revealing_constant,
    revealing_problem,
    uniformity_pac_class,
    uniformity_pac_pomdp,
    uniformity_pac_problem,
    uniformity_testing_pomdp,
)

FAST = settings(max_examples=25, deadline=None)


def stochastic_columns(rng, R, S):
    return rng.dirichlet(np.ones(R), size=S).T


def random_pomdp(rng, S, A, n_obs, H):
    P = rng.dirichlet(np.ones(S), size=(S, A))
    O = rng.dirichlet(np.ones(n_obs), size=(A, S))
    return POMDP(P, O, rng.random((S, A)), H=H, initial=rng.dirichlet(np.ones(S)))


# ------------------------------------------------------------------------------------------- the revealing constant

@FAST
@given(st.integers(1, 6), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_permutation_and_diagonal_emissions_have_alpha_one(S, extra, seed):
    """A permutation of the identity (and the identity padded with never-emitted observations) is perfectly
    revealing: alpha = 1 in both norms."""
    rng = np.random.default_rng(seed)
    E = np.vstack([np.eye(S)[rng.permutation(S)], np.zeros((extra, S))])[rng.permutation(S + extra)]
    for norm in ("l1", "2"):
        assert revealing_constant(E, norm=norm) == pytest.approx(1.0, abs=1e-9)


def dual_l1_alpha(M):
    """The LP dual of ``min {||X||_{1->1} : X M = I}``: ``max tr(L) s.t. sum_j max_i |(L M^T)_ij| <= 1`` (the dual
    norm of the largest column l1 norm is the sum of the columns' largest entries), solved separately."""
    R, S = M.shape
    nL = S * S
    # variables: L (S x S, free), c (R, >= 0); |(L M^T)[i, j]| <= c_j; sum c <= 1; maximise tr L
    LM = np.kron(np.eye(S), M)  # row i*R + j of (L M^T) as a function of vec(L) (row-major)
    pick = np.kron(np.ones((S, 1)), np.eye(R))  # c_j for row i*R + j
    A_ub = np.vstack([np.hstack([LM, -pick]), np.hstack([-LM, -pick]),
                      np.hstack([np.zeros((1, nL)), np.ones((1, R))])])
    b_ub = np.concatenate([np.zeros(2 * S * R), [1.0]])
    c = np.concatenate([-np.eye(S).ravel(), np.zeros(R)])
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * nL + [(0, None)] * R, method="highs")
    assert res.status == 0
    return 1.0 / -res.fun


@FAST
@given(st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_l1_alpha_matches_dual_lp_and_no_left_inverse_beats_it(S, extra, seed):
    rng = np.random.default_rng(seed)
    M = stochastic_columns(rng, S + extra, S)
    alpha = revealing_constant(M)
    assert alpha == pytest.approx(dual_l1_alpha(M), rel=1e-6)
    pinv = np.linalg.pinv(M)
    for _ in range(20):  # every left inverse pinv + Z (I - M pinv) has ||X||_{1->1} >= 1 / alpha
        X = pinv + rng.normal(size=(S, S + extra)) @ (np.eye(S + extra) - M @ pinv)
        assert np.allclose(X @ M, np.eye(S))
        assert np.abs(X).sum(axis=0).max() >= 1.0 / alpha * (1 - 1e-7)


@FAST
@given(st.integers(1, 4), st.integers(0, 4), st.integers(0, 2**32 - 1))
def test_square_case_is_the_inverse(S, _, seed):
    M = stochastic_columns(np.random.default_rng(seed), S, S)
    assert revealing_constant(M) == pytest.approx(1.0 / np.abs(np.linalg.inv(M)).sum(axis=0).max(), rel=1e-6)


@FAST
@given(st.integers(1, 5), st.integers(0, 4), st.integers(0, 2**32 - 1))
def test_norm_inequality(S, extra, seed):
    """sigma_S / sqrt(S) <= alpha_l1 <= sqrt(R) sigma_S for an R x S matrix (tabular/revealing.py, derived there)."""
    M = stochastic_columns(np.random.default_rng(seed), S + extra, S)
    a1, a2 = revealing_constant(M, norm="l1"), revealing_constant(M, norm="2")
    assert a2 / np.sqrt(S) <= a1 * (1 + 1e-7)
    assert a1 <= np.sqrt(S + extra) * a2 * (1 + 1e-7)
    assert a1 <= 1 + 1e-9  # one-step emissions: each column sums to 1


def test_rank_deficient_gives_zero():
    E = np.array([[0.5, 0.5, 1.0], [0.5, 0.5, 0.0]])  # three states, two observations; two equal columns
    assert revealing_constant(E) == 0.0
    assert revealing_constant(E, norm="2") == 0.0
    assert revealing_constant(np.array([[0.3, 0.3], [0.7, 0.7]])) == 0.0


def brute_emission_action(model, steps, prev):
    """P(o_0..o_{m-1} | s, a_1..a_{m-1}) by summing over every state path (plain Python)."""
    S, A, n_obs = model.S, model.A, model.n_obs
    rows = []
    for acts in itertools.product(range(A), repeat=steps - 1):
        for obs in itertools.product(range(n_obs), repeat=steps):
            row = []
            for s in range(S):
                total = 0.0
                for path in itertools.product(range(S), repeat=steps - 1):
                    states = (s, *path)
                    p = model.O[prev, s, obs[0]]
                    for t in range(steps - 1):
                        p *= model.P[states[t], acts[t], states[t + 1]] * model.O[acts[t], states[t + 1], obs[t + 1]]
                    total += p
                row.append(total)
            rows.append(row)
    return np.array(rows)


@FAST
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_emission_action_matrix_matches_enumeration(S, A, n_obs, steps, seed):
    rng = np.random.default_rng(seed)
    model = random_pomdp(rng, S, A, n_obs, 2)
    prev = int(rng.integers(A))
    M = emission_action_matrix(model, steps, prev)
    np.testing.assert_allclose(M, brute_emission_action(model, steps, prev), atol=1e-12)
    np.testing.assert_allclose(M.reshape(A ** (steps - 1), n_obs ** steps, S).sum(axis=1), 1.0, atol=1e-12)
    if steps == 1:
        np.testing.assert_allclose(M, model.O[prev].T)


@FAST
@given(st.integers(1, 4), st.integers(2, 3), st.integers(2, 3), st.integers(0, 2**32 - 1))
def test_multi_step_alpha_is_at_most_A_to_the_m_minus_1(S, A, n_obs, seed):
    """The m-step matrix is unnormalised (columns sum to A^(m-1)): alpha_l1 <= A^(m-1), attained with a perfectly
    revealing emission (the 1-step inverse averaged over the A^(m-1) blocks)."""
    rng = np.random.default_rng(seed)
    model = random_pomdp(rng, S, A, n_obs, 2)
    for steps in (1, 2):
        assert pomdp_revealing_constant(model, steps) <= A ** (steps - 1) * (1 + 1e-9)
    perfect = POMDP(model.P, np.eye(S), model.R, H=2, initial=model.initial)
    for steps in (1, 2, 3):
        assert pomdp_revealing_constant(perfect, steps) == pytest.approx(A ** (steps - 1), rel=1e-7)


# ------------------------------------------------------------------------------------------------- hard instances

@FAST
@given(st.floats(0.55, 1.0), st.integers(2, 4), st.floats(0.0, 0.5))
def test_revealing_bandit_alpha(q, n_arms, eps):
    """steps=1: alpha = 2q - 1 in both norms (block-diagonal emission of symmetric 2x2 channels); steps=2: not
    1-step revealing (alpha = 0), 2-step revealing with alpha_l1 = 2q - 1 through the probe block."""
    one, two = revealing_bandit(n_arms, eps, q, 1), revealing_bandit(n_arms, eps, q, 2)
    for norm in ("l1", "2"):
        assert pomdp_revealing_constant(one, 1, norm) == pytest.approx(2 * q - 1, abs=1e-7)
        assert pomdp_revealing_constant(two, 1, norm) == 0.0
    assert pomdp_revealing_constant(two, 2, "l1") == pytest.approx(2 * q - 1, abs=1e-7)
    assert revealing_constant(two, steps=2) == pomdp_revealing_constant(two, 2)
    assert history_optimal(one)[0] == pytest.approx(0.5 + eps)
    assert history_optimal(two)[0] == pytest.approx(0.5 + eps)


def test_uniformity_testing_instance_is_two_step_revealing():
    for signs in (None, [1, -1, -1, 1]):
        m = uniformity_testing_pomdp(4, 0.3, signs, accuracy=0.9)
        assert pomdp_revealing_constant(m, 1) == 0.0
        assert pomdp_revealing_constant(m, 2) > 0.5
        np.testing.assert_allclose(m.P[0, 0, 1:5].sum(), 1.0)
        assert history_optimal(m)[0] == pytest.approx(1.0)  # declare the right answer
    perturbed = uniformity_testing_pomdp(4, 0.3, [1, -1, -1, 1])
    np.testing.assert_allclose(perturbed.P[0, 0, 1:5], np.array([1.3, 0.7, 0.7, 1.3]) / 4)


@pytest.mark.parametrize("n", [2, 4, 6])
def test_paired_signs_are_every_pairing_once(n):
    signs = paired_signs(n)
    assert signs.shape == (2 ** (n // 2), n)
    np.testing.assert_array_equal(signs[:, 1::2], -signs[:, 0::2])
    every = {tuple(np.concatenate(r)) for r in itertools.product([(1.0, -1.0), (-1.0, 1.0)], repeat=n // 2)}
    assert set(map(tuple, signs)) == every


def pac_policy(model, arm, collect=True):
    """The history table that pulls ``arm`` and then collects (or reads): built by hand, not by the planner."""
    table = np.zeros(history_count(model.A, model.n_obs, model.H), dtype=np.int64)
    table[0] = arm
    table[1:] = 0 if collect else 1
    return table


@pytest.mark.parametrize("n,eps,q", [(2, 0.5, 1.0), (4, 0.3, 0.9), (6, 0.8, 1.0)])
def test_uniformity_pac_family(n, eps, q):
    """Laws, values (the planner's V* against hand-built policies by the plain recursion), revealing constants and
    the class's membership of the PAC family."""
    models = uniformity_pac_class(n, None, eps, q)
    signs = paired_signs(n)
    assert len(models) == 1 + n * len(signs) and len({m.name for m in models}) == len(models)
    null = models[0]
    np.testing.assert_allclose(null.P[0, :, 1:n + 1], 1.0 / n)
    assert history_optimal(null)[0] == pytest.approx(0.5)
    for arm in (0, n - 1):
        for r in (0, len(signs) - 1):
            m = models[1 + arm * len(signs) + r]
            np.testing.assert_allclose(m.P[0, arm, 1:n + 1], (1 + eps * signs[r]) / n)
            others = [c for c in range(n) if c != arm]
            np.testing.assert_allclose(m.P[0, others, 1:n + 1], 1.0 / n)
            v_star = history_optimal(m)[0]
            assert v_star == pytest.approx((1 + eps) / 2)
            assert reference_value(m, pac_policy(m, arm)) == pytest.approx(v_star)
            assert reference_value(m, pac_policy(m, others[0])) == pytest.approx(0.5)
            assert reference_value(m, pac_policy(m, arm, collect=False)) == 0.0
    true = uniformity_pac_problem(n, None, eps, None, len(signs) - 1, q).true
    assert true is models[-1] or true.name == models[-1].name
    for norm in ("l1", "2"):
        assert pomdp_revealing_constant(true, 1, norm) == 0.0
        assert pomdp_revealing_constant(null, 2, norm) > 0
    # a read shows the leaf correctly w.p. q: the read copy's emission
    np.testing.assert_allclose(true.O[0, n + 1:, 2:].diagonal(), q)
    if q == 1.0:  # A - 1 read actions each identify the leaf: averaging their blocks gives a left inverse of l1 norm
        assert pomdp_revealing_constant(true, 2) == pytest.approx(n - 1, abs=1e-7)  # 1 / (A - 1) (A = n arms)


# ------------------------------------------------------------------------------------- exact planning and evaluation

def reference_value(model, policy):
    """Plain recursion over states, actions and observations: the value of a history policy table (-1: uniform)."""
    A, n_obs, H = model.A, model.n_obs, model.H

    def go(t, belief_joint, hist):  # belief_joint[s] = P(s_t = s, history)
        if t == H:
            return 0.0
        idx = history_count(A, n_obs, t) + hist
        acts = range(A) if policy[idx] < 0 else [policy[idx]]
        total = 0.0
        for a in acts:
            w = 1.0 / len(acts)
            total += w * sum(belief_joint[s] * model.R[s, a] for s in range(model.S))
            for o in range(n_obs):
                nxt = np.array([sum(belief_joint[s] * model.P[s, a, u] for s in range(model.S)) * model.O[a, u, o]
                                for u in range(model.S)])
                total += w * go(t + 1, nxt, hist * A * n_obs + a * n_obs + o)
        return total

    return go(0, model.initial.copy(), 0)


@FAST
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_history_planning_matches_alpha_vectors_and_recursion(S, A, n_obs, H, seed):
    rng = np.random.default_rng(seed)
    model = random_pomdp(rng, S, A, n_obs, H)
    v, table = history_optimal(model)
    ref = solvers.pomdp_value_iteration(model.P, model.O, model.R, H=H).value(model.initial)
    assert v == pytest.approx(ref, abs=1e-9)
    assert history_value(model, table) == pytest.approx(v, abs=1e-12)
    assert reference_value(model, table) == pytest.approx(v, abs=1e-9)
    n = history_count(A, n_obs, H)
    policies = rng.integers(-1, A, size=(4, n))
    vals = history_values(model, np.vstack([policies, policies[:1]]))
    for p, val in zip(policies, vals):
        assert val == pytest.approx(reference_value(model, p), abs=1e-9)
        assert val <= v + 1e-9
    assert vals[-1] == vals[0]


# ------------------------------------------------------------------------------------------------------------ bad input

def test_revealing_constant_bad_input():
    E = np.eye(2)
    with pytest.raises(TypeError, match="emission"):
        revealing_constant(E.astype(complex))
    with pytest.raises(TypeError, match="emission"):
        revealing_constant([["a", "b"]])
    with pytest.raises(TypeError, match="bool"):
        revealing_constant(np.eye(2, dtype=bool))
    with pytest.raises(ValueError, match="2-d"):
        revealing_constant(np.ones(3) / 3)
    with pytest.raises(ValueError, match=r"emission\[0, 1\]"):
        revealing_constant(np.array([[1.0, -0.5], [0.0, 1.5]]))
    with pytest.raises(ValueError, match=r"emission\[0, 0\]"):
        revealing_constant(np.array([[np.nan, 0.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="column 1"):
        revealing_constant(np.array([[1.0, 0.5], [0.0, 0.4]]))
    with pytest.raises(ValueError, match="norm"):
        revealing_constant(E, norm="l3")
    with pytest.raises(TypeError, match="norm"):
        revealing_constant(E, norm=2)
    with pytest.raises(TypeError, match="steps"):
        revealing_constant(E, steps=1.5)
    with pytest.raises(ValueError, match="steps"):
        revealing_constant(E, steps=0)
    with pytest.raises(ValueError, match="steps = 2"):
        revealing_constant(E, steps=2)
    m = revealing_bandit()
    with pytest.raises(ValueError, match="prev_action"):
        emission_action_matrix(m, 1, 5)
    with pytest.raises(TypeError, match="prev_action"):
        emission_action_matrix(m, 1, 0.0)
    with pytest.raises(TypeError, match="model"):
        emission_action_matrix(E, 1, 0)


def test_instances_and_problem_bad_input():
    with pytest.raises(TypeError, match="eps"):
        revealing_bandit(eps="0.1")
    with pytest.raises(ValueError, match="eps"):
        revealing_bandit(eps=0.6)
    with pytest.raises(ValueError, match="accuracy"):
        revealing_bandit(accuracy=0.5)
    with pytest.raises(ValueError, match="n_arms"):
        revealing_bandit(n_arms=1)
    with pytest.raises(TypeError, match="n_arms"):
        revealing_bandit(n_arms=2.0)
    with pytest.raises(ValueError, match="steps"):
        revealing_bandit(steps=3)
    with pytest.raises(ValueError, match="good_arm"):
        revealing_problem(2, good_arm=2)
    with pytest.raises(ValueError, match="even"):
        uniformity_testing_pomdp(3)
    with pytest.raises(ValueError, match="pair"):
        uniformity_testing_pomdp(4, signs=[1, 1, -1, -1])
    with pytest.raises(ValueError, match="signs"):
        uniformity_testing_pomdp(4, signs=[1, -1])
    with pytest.raises(ValueError, match="even"):
        uniformity_pac_pomdp(5)
    with pytest.raises(ValueError, match="together"):
        uniformity_pac_pomdp(4, arm=1)
    with pytest.raises(ValueError, match="arm"):
        uniformity_pac_pomdp(4, arm=4, signs=paired_signs(4)[0])
    with pytest.raises(TypeError, match="signs"):
        uniformity_pac_pomdp(4, arm=0, signs=np.array([True, False, True, False]))
    with pytest.raises(ValueError, match="pair"):
        uniformity_pac_pomdp(4, arm=0, signs=[1, 1, -1, -1])
    with pytest.raises(ValueError, match="pattern"):
        uniformity_pac_problem(4, pattern=4)
    with pytest.raises(ValueError, match="models"):
        uniformity_pac_class(24)
    with pytest.raises(TypeError, match="n_arms"):
        uniformity_pac_class(4, 2.0)
    with pytest.raises(ValueError, match="even"):
        paired_signs(3)
    one, two = revealing_bandit(steps=1), revealing_bandit(steps=2)
    with pytest.raises(ValueError, match=r"models\[0\]"):
        RevealingProblem(one, (two,))  # n_obs differ
    with pytest.raises(TypeError, match="models"):
        RevealingProblem(one, [one])
    with pytest.raises(ValueError, match="episodic"):
        RevealingProblem(POMDP(one.P, one.O, one.R, gamma=0.9), (one,))
    with pytest.raises(TypeError, match="policy"):
        history_value(one, np.zeros(history_count(2, 5, 2)))
    with pytest.raises(ValueError, match="shape"):
        history_value(one, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"policy\[0\]"):
        history_value(one, np.full(history_count(2, 5, 2), 7))
