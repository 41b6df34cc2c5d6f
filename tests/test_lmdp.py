"""Latent MDPs: validation, exact planning over history-dependent policies against brute force, Var*, exact policy
evaluation against per-context evaluation and simulation, the instance families, and bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from boundlab import tabular
from boundlab.tabular.lmdp import (TIE, LatentMDP, chain_instance, context_values, deterministic_lmdp, evaluate_policy,
                                   horizon_padded, lower_bound_instance, plan, random_lmdp, signal_instance, simulate,
                                   var_star)


def tiny(seed: int, M: int = 2, S: int = 2, A: int = 2, H: int = 2) -> LatentMDP:
    rng = np.random.default_rng(seed)
    return random_lmdp(M, S, A, H, seed, shared_rewards=bool(rng.random() < 0.5),
                       support=int(rng.integers(1, S + 1)))


def brute_force_h2(model: LatentMDP) -> float:
    """Max over every deterministic history-dependent policy of a 2-step latent MDP, by enumeration: a policy is
    an action per initial state and one per step-2 history ``(s1, a1, r1, s2)``."""
    M, S, A = model.M, model.S, model.A
    w, nu, P, R = model.weights, model.initial, model.P, model.R
    hist = sorted({(s, a, R[m, 0, s, a], s2) for m in range(M) for s in range(S) for a in range(A)
                   for s2 in range(S)})
    best = -np.inf
    for first in itertools.product(range(A), repeat=S):
        # value of each step-2 history under each action, weighted by its probability (context by context)
        gain = np.zeros((len(hist), A))
        for i, (s, a, r, s2) in enumerate(hist):
            if a != first[s]:
                continue
            for m in range(M):
                if R[m, 0, s, a] == r:
                    gain[i] += w[m] * nu[m, s] * P[m, 0, s, a, s2] * R[m, 1, s2]
        base = sum(w[m] * nu[m, s] * R[m, 0, s, first[s]] for m in range(M) for s in range(S))
        for second in itertools.product(range(A), repeat=len(hist)):
            best = max(best, base + gain[np.arange(len(hist)), second].sum())
    return best


def recursion(model: LatentMDP) -> tuple[float, float]:
    """``(V*, Var*)`` by plain expectimax over full histories (no merging): the value of a history is the max over
    actions of the sum over contexts of (probability of the history in that context) x (reward + continuation);
    Var* from the optimal policy's per-(context, start) return distribution."""
    M, S, A, H = model.M, model.S, model.A, model.H
    P, R = model.P, model.R

    def best(h, s, c):  # c[m]: probability of the history so far in context m (times w_m nu_m)
        if h == H:
            return 0.0, np.zeros(M), np.zeros(M)
        options = []
        for a in range(A):
            mean, second = R[:, h, s, a].copy(), R[:, h, s, a] ** 2
            for r in np.unique(R[:, h, s, a]):
                same = R[:, h, s, a] == r
                for s2 in range(S):
                    c2 = c * same * P[:, h, s, a, s2]
                    if c2.sum() == 0:
                        continue
                    _, al, be = best(h + 1, s2, c2)
                    p = same * P[:, h, s, a, s2]
                    mean += p * al
                    second += p * (be + 2 * R[:, h, s, a] * al)
            options.append(((c * mean).sum(), mean, second))
        # plan()'s rule: among values within TIE of the best (posterior-weighted), the smallest second moment
        top = max(o[0] for o in options) / c.sum()
        tied = [o for o in options if o[0] / c.sum() >= top - TIE]
        return min(tied, key=lambda o: (c * o[2]).sum())

    value = var = 0.0
    for s in range(S):
        c = model.weights * model.initial[:, s]
        if c.sum() > 0:
            v, al, be = best(0, s, c)
            value += v
            var += (c * (be - al ** 2)).sum()
    return value, var


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_plan_matches_enumeration_of_policies(seed):
    model = tiny(seed)
    assert plan(model).value == pytest.approx(brute_force_h2(model), abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 3), st.integers(2, 3), st.integers(1, 2), st.integers(1, 4))
def test_plan_matches_expectimax(seed, M, S, A, H):
    model = tiny(seed, M, S, A, H)
    sol = plan(model)
    value, var = recursion(model)
    assert sol.value == pytest.approx(value, abs=1e-12)
    assert sol.var_star == pytest.approx(max(var, 0.0), abs=1e-10)
    # the optimum lies between the best history-independent policy and the context-aware optimum
    upper = np.einsum("m,ms,ms->", model.weights, model.initial, context_values(model)[:, 0])
    assert sol.value <= upper + 1e-12
    assert 0.0 <= sol.value <= 1.0 + 1e-12
    for s, B, act, alpha in sol.nodes:
        assert alpha.min() >= 0.0 and alpha.max() <= 1.0 + 1e-12
        np.testing.assert_allclose(B.sum(axis=1), 1.0)


def test_information_gathering_beats_greedy_on_posterior():
    """A latent MDP where the optimal policy first probes (action 1 reveals the context, reward 0), then exploits:
    V* = 1/2 (probe, then the right arm) while every history-independent policy gets 1/4."""
    H, S, A = 2, 3, 2
    models = []
    for m in range(2):
        P = np.zeros((H, S, A, S))
        P[0, 0, 0, 0] = 1.0  # action 0 at the start: stay, learn nothing
        P[0, 0, 1, 1 + m] = 1.0  # action 1: move to a state that names the context
        P[0, 1:, :, 0] = 1.0
        P[1, :, :, 0] = 1.0
        R = np.zeros((H, S, A))
        R[1, :, m] = 0.5  # the last step pays 1/2 for the context's own action
        models.append(tabular.EpisodicMDP(P, R, H, initial=np.eye(S)[0]))
    model = LatentMDP(tuple(models), np.array([0.5, 0.5]))
    sol = plan(model)
    assert sol.value == pytest.approx(0.5)
    assert sol.action(0, 0, [0.5, 0.5]) == 1
    assert sol.action(1, 2, [0.0, 1.0]) == 1


class Fixed:
    """A history-independent policy ``pi[h, s]`` as a HistoryPolicy."""

    def __init__(self, pi):
        self.pi = pi

    def start(self, s):
        return np.zeros((s.size, 0))

    def act(self, h, s, F):
        return self.pi[h, s]

    def update(self, h, s, a, r, s2, F):
        return np.zeros((s.size, 0))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_evaluate_policy_matches_per_context_evaluation(seed):
    model = tiny(seed, 3, 3, 2, 3)
    pi = np.random.default_rng(seed).integers(model.A, size=(model.H, model.S))
    per_context = [tabular.EpisodicMDP(model.P[m], model.R[m], model.H) for m in range(model.M)]
    from boundlab import solvers
    values = [solvers.finite_horizon_evaluation(mdp.P, mdp.R, pi, mdp.H).V[0] @ model.initial[m]
              for m, mdp in enumerate(per_context)]
    assert evaluate_policy(model, Fixed(pi)) == pytest.approx(float(np.dot(model.weights, values)), abs=1e-12)
    assert evaluate_policy(model, Fixed(pi)) <= plan(model).value + 1e-12


def test_simulator_matches_exact_value():
    model = tiny(5, 2, 3, 2, 3)
    pi = np.ones((model.H, model.S), dtype=np.int64)
    out = simulate(model, pi, 40000, seed=1)
    x = out["rewards"].sum(axis=1)
    v = evaluate_policy(model, Fixed(pi))
    assert abs(x.mean() - v) < 4.5 * x.std() / math.sqrt(x.size)
    freq = np.bincount(out["contexts"], minlength=model.M) / x.size
    assert np.abs(freq - model.weights).max() < 4.5 * 0.5 / math.sqrt(x.size)
    again = simulate(model, pi, 100, seed=1)
    np.testing.assert_array_equal(again["states"], out["states"][:100])


def test_var_star_families():
    assert var_star(deterministic_lmdp(2, 3, 2, 4, seed=0)) == pytest.approx(0.0, abs=1e-12)
    for p, eps in ((0.5, 0.1), (0.1, 0.05), (0.0, 0.0)):
        model = lower_bound_instance(2, 3, 2, eps, p, seed=1)
        assert model.Gamma <= 2
        sol = plan(model)
        assert sol.value == pytest.approx(p + eps)
        assert sol.var_star == pytest.approx((p + eps) * (1 - p - eps), abs=1e-12)


@pytest.mark.parametrize("H", [2, 5, 12])
def test_padding_keeps_value_and_variance(H):
    base = lower_bound_instance(2, 2, 2, 0.2, 0.3, seed=0)
    padded = horizon_padded(base, H)
    assert padded.H == H
    a, b = plan(base), plan(padded)
    assert (b.value, b.var_star) == pytest.approx((a.value, a.var_star))


@pytest.mark.parametrize("M, A, H, eps, p", [(1, 2, 5, 0.2, 0.3), (2, 3, 9, 0.1, 0.6), (1, 2, 40, 0.2, 0.3)])
def test_chain_instance_spreads_the_decision_over_every_step(M, A, H, eps, p):
    """chain_instance: stationary, Gamma = 2, totals in [0, 1], V* and Var* in closed form (a Binomial over the
    H - 1 rewarded steps, scaled by 1/H), every step's action worth epsilon / H, and the context revealed by the
    start state (exact planning stays at S nodes per step)."""
    model = chain_instance(M, A, H, eps, p, seed=3)
    sol = plan(model)
    q = p + eps
    assert model.stationary and model.Gamma == 2 and model.S == M + 2
    assert sol.value == pytest.approx(q * (H - 1) / H, abs=1e-12)
    assert sol.var_star == pytest.approx(q * (1 - q) * (H - 1) / H ** 2, abs=1e-12)
    assert np.all(context_values(model) <= 1.0 + 1e-12)
    assert (np.count_nonzero(model.initial, axis=1) == 1).all()
    assert len(set(np.argmax(model.initial, axis=1))) == M
    # the per-step gap: the policy that errs at one (step, state) only, pi* elsewhere, loses exactly eps / H
    V = np.zeros((M, model.S))
    for h in range(H - 1, -1, -1):
        Q = model.R[:, h] + np.einsum("msat,mt->msa", model.P[:, h], V)
        V = Q.max(axis=-1)
        gaps = V[..., None] - Q
        assert np.allclose(np.sort(gaps, axis=-1)[..., 1], eps / H if h < H - 1 else 0.0, atol=1e-12)


def test_too_large_is_refused():
    with pytest.raises(ValueError, match="max_nodes"):
        plan(random_lmdp(3, 3, 2, 5, seed=0, shared_rewards=True), max_nodes=50)
    with pytest.raises(ValueError, match="max_nodes"):
        evaluate_policy(random_lmdp(3, 3, 2, 5, seed=0, shared_rewards=True),
                        Fixed(np.zeros((5, 3), np.int64)), max_nodes=5)


def _mdp(S=2, A=2, H=2, scale=0.5, **kw):
    return tabular.EpisodicMDP(np.full((S, A, S), 1.0 / S), np.full((S, A), scale / H), H, **kw)


@pytest.mark.parametrize("models, weights, err, match", [
    (_mdp(), [1.0], TypeError, "models"),
    ((), [], TypeError, "models"),
    ((_mdp(), "x"), [0.5, 0.5], TypeError, r"models\[1\]"),
    ((_mdp(), _mdp(S=3)), [0.5, 0.5], ValueError, r"models\[1\] has S"),
    ((_mdp(), _mdp(H=3)), [0.5, 0.5], ValueError, r"models\[1\] has H"),
    ((_mdp(), _mdp(scale=2.0)), [0.5, 0.5], ValueError, r"models\[1\].*total reward"),
    ((_mdp(), _mdp(reward_noise="bernoulli")), [0.5, 0.5], ValueError, r"models\[1\].*deterministic"),
    ((_mdp(), _mdp()), [0.5], ValueError, "weights must have shape"),
    ((_mdp(), _mdp()), [0.5, 0.6], ValueError, "sum to 1"),
    ((_mdp(), _mdp()), [1.0, 0.0], ValueError, r"weights\[1\]"),
    ((_mdp(), _mdp()), [0.5, np.nan], ValueError, r"weights\[1\]"),
    ((_mdp(), _mdp()), "0.5", TypeError, "weights"),
    ((_mdp(), _mdp()), np.array([0.5 + 0j, 0.5]), TypeError, "weights"),
    ((_mdp(), _mdp()), np.array([True, False]), TypeError, "weights"),
])
def test_bad_models(models, weights, err, match):
    with pytest.raises(err, match=match):
        LatentMDP(models, weights)


def test_bad_inputs_to_functions():
    model = tiny(0)
    with pytest.raises(TypeError, match="lmdp"):
        plan("model")
    with pytest.raises(TypeError, match="max_nodes"):
        plan(model, max_nodes=2.5)
    with pytest.raises(TypeError, match="policy"):
        simulate(model, np.zeros((2, 2)), 5)
    with pytest.raises(ValueError, match="shape"):
        simulate(model, np.zeros((3, 2), np.int64), 5)
    with pytest.raises(ValueError, match=r"policy\[0, 1\]"):
        simulate(model, np.array([[0, 2], [0, 0]]), 5)
    with pytest.raises(TypeError, match="K"):
        simulate(model, np.zeros((2, 2), np.int64), 2.5)
    with pytest.raises(ValueError, match="epsilon"):
        lower_bound_instance(2, 2, 2, 0.6, 0.5)
    with pytest.raises(ValueError, match="shorter"):
        horizon_padded(model, 1)
    with pytest.raises(ValueError, match="epsilon"):
        chain_instance(1, 2, 5, 0.8, 0.3)
    with pytest.raises(ValueError, match="H"):
        chain_instance(1, 2, 1, 0.1)
    with pytest.raises(TypeError, match="A"):
        chain_instance(1, 2.0, 5, 0.1)
    with pytest.raises(ValueError, match="invalid actions"):
        evaluate_policy(model, Fixed(np.full((2, 2), 7)))
    sol = plan(model)
    with pytest.raises(ValueError, match="h"):
        sol.action(-1, 0, [0.5, 0.5])
    with pytest.raises(ValueError, match="H = 2"):
        sol.action(2, 0, [0.5, 0.5])

    class WrongRows(Fixed):
        def start(self, s):
            return np.zeros((s.size + 1, 1))

    with pytest.raises(ValueError, match="policy.start"):
        evaluate_policy(model, WrongRows(np.zeros((2, 2), np.int64)))


def tie_model(swap: bool) -> LatentMDP:
    """One context, two optimal first actions with the same mean 3/4: action 0 pays 1/4 then 1/2 for sure, action
    1 pays 0 then 1/2 or 1 with probability 1/2 each (variance 1/16); ``swap`` exchanges the actions."""
    H, S, A = 2, 3, 2
    P = np.zeros((H, S, A, S))
    P[:, :, :, 0] = 1.0
    P[0, 0] = 0.0
    P[0, 0, 0, 1] = 1.0
    P[0, 0, 1, 1:] = 0.5
    R = np.zeros((H, S, A))
    R[0, 0, 0], R[1, 1], R[1, 2] = 0.25, 0.5, 1.0
    if swap:
        P, R = P[:, :, ::-1], R[:, :, ::-1]
    return LatentMDP((tabular.EpisodicMDP(P, R, H, initial=np.eye(S)[0]),), np.array([1.0]))


def test_var_star_tie_rule_is_independent_of_action_order():
    """Review A3: with two optimal actions of different variance, Var* is that of the least variable one (0 here),
    whatever the order of the actions; the module's A4 correction: a stochastic transition can give Var* = 0."""
    a, b = plan(tie_model(False)), plan(tie_model(True))
    assert a.value == pytest.approx(0.75) and b.value == pytest.approx(0.75)
    assert a.var_star == pytest.approx(0.0, abs=1e-15) and b.var_star == pytest.approx(0.0, abs=1e-15)
    assert a.action(0, 0, [1.0]) == 0 and b.action(0, 0, [1.0]) == 1


def test_model_is_frozen_and_hashable_by_the_store():
    from boundlab.bounds.fingerprint import fingerprint
    a, b = tiny(3), tiny(3)
    assert fingerprint(a) == fingerprint(b) != fingerprint(tiny(4))
    with pytest.raises(ValueError, match="read-only"):
        a.weights[0] = 0.3


@pytest.mark.parametrize("M, A, eps, p, eta", [(2, 2, 0.2, 0.3, 0.25), (3, 2, 0.1, 0.05, 0.3), (2, 3, 0.3, 0.6, 0.0)])
def test_signal_instance_is_latent_with_controlled_variance(M, A, eps, p, eta):
    """Shared start state (the first state says nothing of the context); Var* = sum_m w_m mu_m (1 - mu_m), mu_m the
    optimal policy's success probability in context m; with eta > 0 acting on the posterior after the signal beats
    every history-independent policy only through the signal."""
    model = signal_instance(M, A, eps, p, eta, seed=1)
    assert (model.initial == model.initial[0]).all() and model.initial[0, 0] == 1.0
    sol = plan(model)
    s, B, act, alpha = sol.nodes[1]                     # after the signal: alpha[n, m] = success prob in context m
    mu = np.zeros(M)
    for m in range(M):
        sig = model.P[m, 0, 0, 0, 1:M + 1]
        mu[m] = sum(sig[j] * alpha[np.flatnonzero(s == 1 + j)[0], m] for j in range(M))
    assert sol.value == pytest.approx(float(model.weights @ mu), abs=1e-12)
    assert sol.var_star == pytest.approx(float(model.weights @ (mu * (1 - mu))), abs=1e-12)
    # following the signal's most likely context: V* = p + eps (1 - eta) when the best arms differ
    best = [int(np.argmax(model.P[m, 1, 1, :, M + 1])) for m in range(M)]
    if len(set(best)) == M and eta < 1 - 1 / M - 1e-9:
        assert sol.value >= p + eps * (1 - eta) - 1e-12
