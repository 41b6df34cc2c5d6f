"""The value-optimistic latent-MDP learner: its Numba kernel against a plain numpy reference step for step, the
policy record against the actions played, optimism of the alpha tables, truncation, reproducibility, the harness's
exact regret, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import boundlab.bounds.lmdp as blmdp
from boundlab import bounds
from boundlab.tabular.learners.lmdp_model import C1_MODEL, C2_MODEL, lmdp_model_optimistic
from boundlab.tabular import EpisodicMDP
from boundlab.tabular.learners.lmdp_value import (C1, C2, BeliefGreedyPolicy, LMDPRun, burn_in_visits,
                                                  lmdp_value_optimistic, optimistic_q, optimistic_tables, policy_values)
from boundlab.tabular.lmdp import (LatentMDP, cdfs, chain_instance, context_values, horizon_padded,
                                   lower_bound_instance, plan, random_lmdp, seed_of)

_MASK = (1 << 64) - 1


def splitmix(state: int) -> tuple[int, float]:
    """SplitMix64 in Python integers (the kernels' generator, solvers/_rng.py)."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return state, (z >> 11) * 2.0 ** -53


def draw(cdf: np.ndarray, state: int) -> tuple[int, int]:
    state, u = splitmix(state)
    return state, min(int(np.searchsorted(cdf, u, side="right")), cdf.size - 1)


def reference_tables(n, P, r, H, iota, c1, c2, Gamma):
    """Per-context optimistic alpha tables by plain backward induction (numpy over states and actions)."""
    M, L, S, A = n.shape
    Q = np.ones((M, H, S, A))
    for m in range(M):
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):
            l = h if L > 1 else 0
            pv = P[m, l] @ V
            var = (P[m, l] * (V[None, None, :] - pv[..., None]) ** 2).sum(axis=-1)
            nn = np.maximum(n[m, l], 1.0)
            bonus = np.maximum(c1 * np.sqrt(Gamma * var * iota / nn), c2 * Gamma * iota / nn)
            Q[m, h] = np.where(n[m, l] > 0, np.minimum(r[m, l] + pv + bonus, 1.0), 1.0)
            V = Q[m, h].max(axis=1)
    return Q


def reference_model_tables(n, P, r, H, iota, c1, c2):
    """Per-context tables of the model-optimistic solver: for each (s, a) the best kernel in the Bernstein box,
    found by pouring the free mass into successors in decreasing order of V (plain loops over (s, a))."""
    M, L, S, A = n.shape
    Q = np.ones((M, H, S, A))
    for m in range(M):
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):
            l = h if L > 1 else 0
            order = np.argsort(-V, kind="quicksort")
            for s in range(S):
                for a in range(A):
                    if n[m, l, s, a] == 0:
                        continue
                    p = P[m, l, s, a]
                    width = c1 * np.sqrt(p * iota / n[m, l, s, a]) + c2 * iota / n[m, l, s, a]
                    lo, hi = np.maximum(p - width, 0.0), np.minimum(p + width, 1.0)
                    q, free = lo.copy(), 1.0 - lo.sum()
                    for y in order:
                        add = min(hi[y] - lo[y], max(free, 0.0))
                        q[y] += add
                        free -= add
                    Q[m, h, s, a] = min(r[m, l, s, a] + q @ V, 1.0)
            V = Q[m, h].max(axis=1)
    return Q


def reference_learner(model, K, seed, *, delta=0.1, bonus_scale=1.0, Gamma=None, pooled=None,
                      model_optimistic=False, planned=None):
    """The value-optimistic learner as a plain Python loop over episodes and steps (numpy for the tables): returns
    ``({contexts, starts, returns, epoch, actions[k, h], states[k, h]}, Q tables per epoch)``. ``planned``: a run
    of the optimistic planner, whose epoch policies choose the actions (the belief is the same)."""
    M, H, S, A = model.M, model.H, model.S, model.A
    L = 1 if (model.stationary if pooled is None else pooled) else H
    G = float(S if Gamma is None else Gamma)
    Pc, init_c, w_c = cdfs(model)
    state = seed_of(seed)
    iota = 2 * math.log(2 * M * S * A * H * K / delta)
    N, Nsas, N_init = np.zeros((M, L, S, A)), np.zeros((M, L, S, A, S)), np.zeros((M, S))
    n_f, P_f, r_f, init_f = np.zeros((M, L, S, A)), np.zeros((M, L, S, A, S)), np.zeros((M, L, S, A)), np.zeros((M, S))
    Q = np.ones((M, H, S, A))
    tables, out = [Q], {k: [] for k in ("contexts", "starts", "returns", "epoch", "actions", "states")}
    for _ in range(K):
        out["epoch"].append(len(tables) - 1)
        state, m = draw(w_c, state)
        state, s = draw(init_c[m], state)
        out["contexts"].append(m)
        out["starts"].append(s)
        b = next(x for x in (init_f[:, s], init_f.sum(axis=1), np.ones(M)) if x.sum() > 0)
        b = b / b.sum()
        traj, total = [], 0.0
        for h in range(H):
            l = h if L > 1 else 0
            v, visits = b @ Q[:, h, s], n_f[:, l, s].sum(axis=0)
            a = min((a for a in range(A) if v[a] == v.max()), key=lambda a: visits[a])  # fewest visits win ties
            if planned is not None:
                a = int(planned.policy(len(tables) - 1).act(h, np.array([s]), b[None])[0])
            r = model.R[m, h, s, a]
            state, s2 = draw(Pc[m, h, s, a], state)
            known = n_f[:, l, s, a] > 0
            mask = (~known | (r_f[:, l, s, a] == r)).astype(float)
            p = np.where(known, P_f[:, l, s, a, s2], 1.0)
            b = next(x for x in (b * mask * p, b * mask, mask) if x.sum() > 0)
            b = b / b.sum()
            traj.append((s, a, s2))
            total += r
            s = s2
        out["returns"].append(total)
        out["actions"].append([a for _, a, _ in traj])
        out["states"].append([traj[0][0]] + [s2 for _, _, s2 in traj])
        triggered = False
        for h, (s, a, s2) in enumerate(traj):
            l = h if L > 1 else 0
            N[m, l, s, a] += 1
            Nsas[m, l, s, a, s2] += 1
            n = int(N[m, l, s, a])
            if n & (n - 1) == 0:
                n_f[m, l, s, a], P_f[m, l, s, a], r_f[m, l, s, a] = n, Nsas[m, l, s, a] / n, model.R[m, h, s, a]
                triggered = True
        N_init[m, traj[0][0]] += 1
        n = int(N_init[m].sum())
        triggered = triggered or n & (n - 1) == 0
        if triggered:
            init_f = N_init.copy()
        if triggered:
            if model_optimistic:
                Q = reference_model_tables(n_f, P_f, r_f, H, iota, C1_MODEL * bonus_scale, C2_MODEL * bonus_scale)
            else:
                Q = reference_tables(n_f, P_f, r_f, H, iota, C1 * bonus_scale, C2 * bonus_scale, G)
            tables.append(Q)
    return ({k: np.array(v) for k, v in out.items()}, np.array(tables))


def probing_lmdp():
    """tests/test_lmdp.py's probing latent MDP: action 1 at the start reveals the context (reward 0), the last step
    pays 1/2 for the context's own action."""
    H, S, A = 2, 3, 2
    models = []
    for m in range(2):
        P = np.zeros((H, S, A, S))
        P[0, 0, 0, 0] = 1.0
        P[0, 0, 1, 1 + m] = 1.0
        P[0, 1:, :, 0] = 1.0
        P[1, :, :, 0] = 1.0
        R = np.zeros((H, S, A))
        R[1, :, m] = 0.5
        models.append(EpisodicMDP(P, R, H, initial=np.eye(S)[0]))
    return LatentMDP(tuple(models), np.array([0.5, 0.5]))


def small_lmdp(seed, stationary=True):
    rng = np.random.default_rng(seed)
    M, S, A, H = (int(x) for x in rng.integers([1, 1, 1, 1], [4, 4, 3, 4]))
    return random_lmdp(M, S, A, H, seed, stationary=stationary, shared_rewards=bool(rng.random() < 0.5),
                       support=int(rng.integers(1, S + 1)))


LEARNERS = {"lmdp-value-optimistic": (lmdp_value_optimistic, False),
            "lmdp-model-optimistic": (lmdp_model_optimistic, True)}


@pytest.mark.parametrize("name", LEARNERS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), stationary=st.booleans(), scale=st.sampled_from([1.0, 0.01]))
def test_kernel_matches_reference(name, seed, stationary, scale):
    model = small_lmdp(seed, stationary)
    K = 60
    learner, model_optimistic = LEARNERS[name]
    run = learner(model, K, seed, bonus_scale=scale, planner="posterior-greedy")
    ref, tables = reference_learner(model, K, seed, bonus_scale=scale, model_optimistic=model_optimistic)
    for key in ("contexts", "starts", "epoch"):
        np.testing.assert_array_equal(getattr(run, key), ref[key], err_msg=key)
    np.testing.assert_allclose(run.returns, ref["returns"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(run.Q, tables[:run.epochs], rtol=0, atol=1e-12)  # a last trigger plays no episode
    # the recorded policy (what the regret evaluates) chooses the actions the learner played
    for k in range(K):
        pol, m, states = run.policy(int(run.epoch[k])), run.contexts[k], ref["states"][k]
        s = states[:1]
        F = pol.start(s)
        for h in range(model.H):
            a = pol.act(h, s, F)
            assert a[0] == ref["actions"][k, h]
            F = pol.update(h, s, a, model.R[m, h, s, a], states[h + 1:h + 2], F)
            s = states[h + 1:h + 2]


@pytest.mark.parametrize("name", LEARNERS)
@pytest.mark.parametrize("stationary", [True, False])
@pytest.mark.parametrize("planner", ["posterior-greedy", "optimistic"])
def test_incremental_tables_equal_tables_from_scratch(name, stationary, planner):
    """Both loops bring only the triggering context's table up to date (from its last changed step down, and only
    the refreshed pairs where the continuation did not change): every epoch's tables equal, bit for bit, the full
    backward induction on that epoch's statistics."""
    model = random_lmdp(2, 3, 2, 3, seed=5, stationary=stationary)
    learner, model_optimistic = LEARNERS[name]
    for scale in (1.0, 0.01):
        run = learner(model, 200 if planner == "optimistic" else 800, 2, bonus_scale=scale, planner=planner)
        iota, c1, c2, Gamma, _ = run.solver
        for e in range(run.epochs):
            full = optimistic_tables(run.counts[e], run.P_hat[e], run.r_hat[e], model.H, iota, c1, c2, Gamma,
                                     model_optimistic)
            np.testing.assert_array_equal(run.Q[e], full, err_msg=f"epoch {e}")


@pytest.mark.parametrize("q, gap, Gamma", [(0.3, 0.2, 5), (0.5, 0.05, 2), (0.01, 0.3, 3)])
def test_burn_in_visits_is_where_the_bonus_reaches_the_gap(q, gap, Gamma):
    """burn_in_visits(gap, V, Gamma, iota) is the count at which optimistic_q's bonus (two successors with values 1
    and 0, so V = q(1 - q)) equals the gap, and above it the bonus is smaller."""
    iota = 30.0
    n = burn_in_visits(gap, q * (1 - q), Gamma, iota)

    def bonus(count):
        n_f, P_f, r_f = np.full((1, 1, 2, 1), count), np.zeros((1, 1, 2, 1, 2)), np.zeros((1, 1, 2, 1))
        P_f[0, 0, 0, 0] = q, 1 - q
        return optimistic_q(n_f, P_f, r_f, 0, 0, 0, 0, np.array([1.0, 0.0]), iota, C1, C2, float(Gamma), False) - q

    assert bonus(n) == pytest.approx(gap, abs=1e-12)
    assert bonus(1.01 * n) < gap < bonus(0.99 * n)
    with pytest.raises(ValueError, match="gap"):
        burn_in_visits(0.0, 0.1, 2, 30.0)
    with pytest.raises(TypeError, match="variance"):
        burn_in_visits(0.1, "0.1", 2, 30.0)


def test_reproducible_and_seed_dependent():
    model = random_lmdp(2, 3, 2, 3, seed=4, shared_rewards=True)
    a, b = lmdp_value_optimistic(model, 300, 7), lmdp_value_optimistic(model, 300, 7)
    for f in ("contexts", "starts", "returns", "epoch", "Q", "P_hat"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    c = lmdp_value_optimistic(model, 300, 8)
    assert not np.array_equal(a.contexts, c.contexts)
    g = np.random.default_rng(3)
    assert isinstance(lmdp_value_optimistic(model, 5, g), LMDPRun)


def played_root_values(model, run):
    """Optimistic value of each epoch's played policy, with the true weights and initial distributions:
    ``sum_{m, s} w_m nu_m(s) alpha_m(root s)`` (the planner's optimistic alpha vectors)."""
    s0 = np.flatnonzero(model.initial.sum(axis=0) > 0)
    c0 = (model.weights[:, None] * model.initial[:, s0]).T          # [n, M]
    out = []
    for e in range(run.epochs):
        pol = run.policy(e)
        out.append(float((c0 * pol.alphas(0, s0, pol.start(s0))).sum()))
    return np.array(out)


@pytest.mark.parametrize("name", LEARNERS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_optimism_and_truncation(name, seed):
    """Key lemma: every epoch's per-context optimistic table dominates the context's optimal values, and the
    optimistic value of the policy actually played (the optimistic planner's root alpha vectors, true weights)
    dominates the latent MDP's V* up to the estimation error of the prior over (context, start state), which no
    bonus covers (the planner maximises under its estimated prior); alpha values stay in [0, 1]."""
    model = small_lmdp(seed)
    run = LEARNERS[name][0](model, 400, seed, planner="optimistic")
    assert run.Q.min() >= 0.0 and run.Q.max() <= 1.0
    Vm = context_values(model)
    assert (run.Q.max(axis=-1) >= Vm[None, :, :-1] - 1e-12).all()
    roots = played_root_values(model, run)
    # the planner weighs contexts by its estimated prior c_hat(m, s) = init_counts / total; the true c(m, s) =
    # w_m nu_m(s) differs by at most ||c - c_hat||_1 per alpha in [0, 1], once on each side of the argmax
    c = model.weights[:, None] * model.initial
    tot = run.init_counts.sum(axis=(1, 2), keepdims=True)
    c_hat = np.where(tot > 0, run.init_counts / np.maximum(tot, 1.0), c[None])
    slack = 2.0 * np.abs(c_hat - c[None]).sum(axis=(1, 2))
    assert (roots >= plan(model).value - slack - 1e-12).all() and (roots <= 1.0 + 1e-12).all()


def optimistic_expectimax(pol, h, s, F):
    """The optimistic planner's recursion without merging (the obvious reference of OptimisticPlanPolicy):
    ``(action, alpha[M])`` at node ``(h, s, F)``."""
    M, A, S = pol.Q.shape[0], pol.Q.shape[-1], pol.Q.shape[2]
    l = h if pol.L > 1 else 0
    q = np.ones((A, M))
    for a in range(A):
        for m in range(M):
            if pol.n[m, l, s, a] == 0:
                continue
            v = np.zeros(S)
            if h < pol.Q.shape[1] - 1:
                for y in range(S):
                    Fn = pol.update(h, np.array([s]), np.array([a]), np.array([pol.r[m, l, s, a]]), np.array([y]),
                                    F[None])[0]
                    v[y] = optimistic_expectimax(pol, h + 1, y, Fn)[1][m]
            q[a, m] = optimistic_q(pol.n, pol.P, pol.r, m, l, s, a, v, pol.iota, pol.c1, pol.c2, pol.Gamma,
                                   pol.model_optimistic)
    v = F @ q.T
    visits = pol.n[:, l, s].sum(axis=0)
    a = min((a for a in range(A) if v[a] == v.max()), key=lambda a: visits[a])
    return a, q[a]


@pytest.mark.parametrize("name", LEARNERS)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_planner_matches_expectimax_and_play(name, seed):
    """The optimistic planner (merged nodes, lazy, vectorised) against the unmerged recursion at every epoch's
    roots, and its policy against the actions the learner played (replayed from the record)."""
    model = small_lmdp(seed)
    run = LEARNERS[name][0](model, 40, seed, bonus_scale=0.01, planner="optimistic")
    s0 = np.flatnonzero(model.initial.sum(axis=0) > 0)
    for e in range(run.epochs):
        pol = run.policy(e)
        F = pol.start(s0)
        acts, alphas = pol.act(0, s0, F), pol.alphas(0, s0, F)
        for i, s in enumerate(s0):
            a, alpha = optimistic_expectimax(pol, 0, int(s), F[i])
            assert acts[i] == a
            np.testing.assert_allclose(alphas[i], alpha, rtol=0, atol=1e-12)
    ref, _ = reference_learner(model, 40, seed, bonus_scale=0.01, model_optimistic=LEARNERS[name][1],
                               planned=run)
    np.testing.assert_array_equal(ref["contexts"], run.contexts)
    np.testing.assert_allclose(ref["returns"], run.returns, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", LEARNERS)
def test_optimistic_planner_probes(name):
    """Review A2 regression: on the probing latent MDP (V* = 1/2, Var* = 0; every history-independent and every
    posterior-greedy policy gets 1/4) the posterior-greedy planner's regret is linear while the optimistic planner
    stops paying regret (bonus_scale 0.01: the value solver's default constants are still in their burn-in at this
    K)."""
    model = probing_lmdp()
    K = 2000
    reg = {p: blmdp.lmdp_regret(model, LEARNERS[name][0](model, K, 0, bonus_scale=0.01, planner=p))
           for p in ("optimistic", "posterior-greedy")}
    assert reg["posterior-greedy"][K // 2:].sum() > 0.1 * (K // 2)      # linear: >= 0.1 per episode
    assert reg["optimistic"][K // 2:].sum() <= 2.0                      # stopped paying


@pytest.mark.parametrize("name", LEARNERS)
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_harness_regret_is_exact_and_nonnegative(name, seed):
    model = small_lmdp(seed)
    bounds.register(name, LEARNERS[name][0])
    df = bounds.measure_regret(name, model, 50, seeds=[seed % 1000], progress=False)
    run = LEARNERS[name][0](model, 50, seed % 1000)
    expected = plan(model).value - policy_values(model, run)[run.epoch]
    np.testing.assert_allclose(df["regret"].to_numpy(), expected, atol=1e-12)
    assert (df["regret"] >= -1e-12).all()
    np.testing.assert_allclose(df["return"].to_numpy(), run.returns)


def test_policy_value_matches_monte_carlo():
    """The exact value of a recorded epoch's policy against the learner's own returns in that epoch (z-test)."""
    model = random_lmdp(2, 3, 2, 3, seed=11, shared_rewards=True)
    run = lmdp_value_optimistic(model, 20000, 2, bonus_scale=0.01)
    e = int(np.bincount(run.epoch).argmax())
    x = run.returns[run.epoch == e]
    v = policy_values(model, run)[e]
    assert abs(x.mean() - v) < 4.5 * x.std() / math.sqrt(x.size) + 1e-12


@pytest.mark.parametrize("name", LEARNERS)
def test_learns_the_lower_bound_instance(name):
    """With small bonuses the learner ends on the optimal arm in every (context, state): zero regret at the end."""
    model = lower_bound_instance(2, 2, 2, 0.3, 0.3, seed=0)
    run = LEARNERS[name][0](model, 3000, 0, bonus_scale=0.01)
    assert plan(model).value - policy_values(model, run)[run.epoch[-1]] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", LEARNERS)
def test_every_action_is_tried_at_default_constants(name):
    """Regression (review A1): while the clipped optimistic values tie at 1, ties go to the least-visited action,
    so at the default constants every action of every reachable start state gets played (first-index ties played
    action 0 only)."""
    model = lower_bound_instance(2, 2, 2, 0.2, 0.3, seed=0)
    run = LEARNERS[name][0](model, 200, 0)
    n = run.counts[-1][:, 0]                        # [M, S, A] at the decision step
    starts = model.initial > 0                      # [M, S]
    assert (n[starts] > 0).all()


@pytest.mark.parametrize("name", LEARNERS)
@pytest.mark.parametrize("M", [1, 2])
def test_planners_agree_where_the_start_state_reveals_the_context(name, M):
    """On chain_instance the posterior is one-hot from the first state, so the optimistic planner's choice at each
    node is the per-context table's: both planners play the same episodes and epochs (what lets the horizon
    sweep of bounds/lmdp_check.py use the fast one)."""
    model = chain_instance(M, 2, 6, 0.2, 0.3, seed=1)
    runs = [LEARNERS[name][0](model, 150, 4, bonus_scale=0.1, planner=pl) for pl in ("optimistic", "posterior-greedy")]
    assert runs[0].planner == "optimistic"
    for field in ("returns", "epoch", "contexts", "starts"):
        np.testing.assert_array_equal(getattr(runs[0], field), getattr(runs[1], field))
    np.testing.assert_array_equal(policy_values(model, runs[0]), policy_values(model, runs[1]))


def test_uniform_value_of_the_chain():
    """The horizon rows' burn-in reference: the uniform policy's exact value, (p + eps / A)(H - 1) / H on a chain."""
    from boundlab.bounds.lmdp_check import _uniform_value
    for M, A, H in [(1, 2, 5), (2, 3, 12)]:
        model = chain_instance(M, A, H, 0.2, 0.3, seed=0)
        assert _uniform_value(model) == pytest.approx((0.3 + 0.2 / A) * (H - 1) / H, abs=1e-12)


def test_padded_model_runs_layered():
    model = horizon_padded(lower_bound_instance(1, 2, 2, 0.3, 0.3, seed=0), 5)
    run = lmdp_value_optimistic(model, 50, 0)
    assert run.counts.shape[2] == 5  # one layer per step: the model changes with the step
    with pytest.raises(ValueError, match="stationary=True"):
        lmdp_value_optimistic(model, 5, 0, stationary=True)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(K=2.5), TypeError, "K"),
    (dict(K=0), ValueError, "K"),
    (dict(delta=0.0), ValueError, "delta"),
    (dict(delta="0.1"), TypeError, "delta"),
    (dict(bonus_scale=-1.0), ValueError, "bonus_scale"),
    (dict(Gamma=2.5), TypeError, "Gamma"),
    (dict(Gamma=9), ValueError, "Gamma"),
    (dict(stationary=1), TypeError, "stationary"),
])
def test_learner_bad_input(kwargs, err, match):
    model = random_lmdp(2, 3, 2, 2, seed=0)
    args = dict(K=5)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        lmdp_value_optimistic(model, args.pop("K"), 0, **args)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(K=2.5), TypeError, "K"),
    (dict(delta=1.0), ValueError, "delta"),
    (dict(bonus_scale="1"), TypeError, "bonus_scale"),
    (dict(stationary="yes"), TypeError, "stationary"),
    (dict(Gamma=2), TypeError, "Gamma"),
])
def test_model_optimistic_bad_input(kwargs, err, match):
    model = random_lmdp(2, 3, 2, 2, seed=0)
    args = dict(K=5)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        lmdp_model_optimistic(model, args.pop("K"), 0, **args)


def test_bad_model_and_run():
    from boundlab import tabular
    mdp = tabular.EpisodicMDP(np.full((2, 2, 2), 0.5), np.zeros((2, 2)), 2)
    for learner in (lmdp_value_optimistic, lmdp_model_optimistic):
        with pytest.raises(TypeError, match="LatentMDP"):
            learner(mdp, 5, 0)
    model = random_lmdp(2, 3, 2, 2, seed=0)
    other = random_lmdp(2, 4, 2, 2, seed=0)
    run = lmdp_value_optimistic(model, 5, 0)
    with pytest.raises(ValueError, match="do not fit"):
        blmdp.lmdp_regret(other, run)
    with pytest.raises(ValueError, match="LMDPRun"):
        blmdp.lmdp_regret(model, bounds.measure_regret.__globals__["LearnerRun"](
            np.zeros((5, 2, 3), np.int16), np.zeros(5, np.int64), np.zeros(5)))
    with pytest.raises(ValueError, match="epoch"):
        BeliefGreedyPolicy(run, run.epochs)


def test_prior_counts_are_snapshotted_together():
    """Review A5: each epoch's start counts are every context's counts at one time (the episodes before it), so the
    prior w_hat is not a mix of per-context snapshots of different ages."""
    model = random_lmdp(3, 3, 2, 2, seed=5)
    run = lmdp_value_optimistic(model, 500, 1, planner="posterior-greedy")
    for e in range(1, run.epochs):
        k = int(np.flatnonzero(run.epoch == e)[0])     # the first episode of epoch e: counts of episodes before it
        np.testing.assert_array_equal(run.init_counts[e].sum(axis=1), np.bincount(run.contexts[:k], minlength=3))


def test_regret_optimum_is_checked():
    model = random_lmdp(2, 3, 2, 2, seed=0)
    run = lmdp_value_optimistic(model, 5, 0)
    for bad, err in ((float("nan"), ValueError), (5.0, ValueError), (-0.5, ValueError), ("x", TypeError)):
        with pytest.raises(err, match="optimum"):
            blmdp.lmdp_regret(model, run, optimum=bad)
    with pytest.raises(ValueError, match="planner"):
        lmdp_value_optimistic(model, 5, 0, planner="greedy")
    with pytest.raises(TypeError, match="planner"):
        lmdp_model_optimistic(model, 5, 0, planner=1)


def test_bounds_rates_and_bad_input():
    up = blmdp.lmdp_upper_bound(var_star=0.25, M=2, S=3, A=2, K=100, Gamma=2)
    low = blmdp.lmdp_lower_bound(var_star=0.25, M=2, S=3, A=2, K=100)
    assert up.rate == pytest.approx(math.sqrt(0.25 * 2 * 2 * 3 * 2 * 100))
    assert low.rate == pytest.approx(math.sqrt(0.25 * 2 * 3 * 2 * 100)) and up.value is None
    with pytest.raises(ValueError, match="Gamma"):
        blmdp.lmdp_upper_bound(var_star=0.2, M=2, S=3, A=2, K=10, Gamma=4)
    with pytest.raises(ValueError, match="var_star"):
        blmdp.lmdp_lower_bound(var_star=-0.1, M=2, S=3, A=2, K=10)
    with pytest.raises(TypeError, match="K"):
        blmdp.lmdp_lower_bound(var_star=0.1, M=2, S=3, A=2, K=10.0)
    with pytest.raises(TypeError, match="LatentMDP"):
        blmdp.lmdp_optimum("model")


def test_check_rows_format_and_optimism():
    """bounds/lmdp_check.py: the rows' format (grouping_check_rows's keys) and the optimism / [0, 1] rows HELD at
    the quick size; the burn-in rule gives n/a on a linear curve."""
    from boundlab.bounds import lmdp_check
    rows = lmdp_check._optimism_rows(True)
    assert {tuple(sorted(r)) for r in rows} == {("algorithm", "check", "detail", "instance", "verdict")}
    verdicts = {(r["algorithm"], r["check"][:8]): r["verdict"] for r in rows}
    assert verdicts[("lmdp-model-optimistic", "optimism")] == "HELD"
    assert all(v in ("HELD", "n/a") for v in verdicts.values())  # n/a: value solver clipped at 1 (vacuous)
    Ks = np.array([100, 200, 400, 800])
    start, _ = lmdp_check._burn_in(Ks, np.vstack([Ks * 0.3, Ks * 0.25]))
    assert start is None
    start, _ = lmdp_check._burn_in(Ks, np.vstack([np.sqrt(Ks), 1.1 * np.sqrt(Ks)]))
    assert start == 0


def test_var_star_row_judges_burn_in_on_its_own_family(monkeypatch):
    """Review 14b, item 1: the Var* row's burn-in is judged on the Var* family against the uniform policy's exact
    regret K (V* - V_unif): a learner paying what the uniform policy pays is n/a (burn-in), not FAILED; one well
    below it, with regret sqrt(Var*)-shaped, gets a real verdict (HELD)."""
    from boundlab.bounds import lmdp_check
    from boundlab.tabular.lmdp import plan
    K = 2000

    def uniform_level(name, model, K, seeds, grid):  # what the uniform policy pays, whatever Var*
        return np.full((len(seeds), 1), K * (plan(model).value - lmdp_check._uniform_value(model)))

    def sqrt_var(name, model, K, seeds, grid):  # well below it, proportional to sqrt(Var*), a little seed noise
        rng = np.random.default_rng(round(1e6 * plan(model).var_star))
        return np.sqrt(plan(model).var_star) * (5.0 + 0.5 * rng.standard_normal(len(seeds)))[:, None]

    monkeypatch.setattr(lmdp_check, "_cumulative", uniform_level)
    rows = lmdp_check._var_star_rows(True)
    assert [r["verdict"] for r in rows] == ["n/a", "n/a"]
    assert all(r["detail"].startswith("n/a: burn-in") and "uniform policy's" in r["detail"] for r in rows)
    assert all(f"K = {K}" in r["instance"] and "eps=0.2" in r["instance"] for r in rows)
    monkeypatch.setattr(lmdp_check, "_cumulative", sqrt_var)
    rows = lmdp_check._var_star_rows(True)
    assert [r["verdict"] for r in rows] == ["HELD", "HELD"]
    assert all(r["detail"].startswith("exponent 0.") for r in rows)


def test_slope_row_says_pre_asymptotic_on_a_staircase(monkeypatch):
    """Review 14b, item 2: a local slope that climbs back above the burn-in threshold keeps the K-slope row in its
    burn-in (DESIGN's rule: n/a); past the burn-in, local slopes whose CIs are apart (a staircase from doubling
    epochs) make the detail say "pre-asymptotic"; a clean sqrt(K) curve does neither."""
    from boundlab.bounds import lmdp_check
    noise = 1.0 + 0.02 * np.random.default_rng(0).standard_normal((4, 5))

    def staircase(name, model, K, seeds, grid):  # local slopes ~1, ~0.01, ~1, ~0.1: climbs back past the burn-in
        return noise * np.array([100.0, 200.0, 201.0, 402.0, 430.0])[None, :]

    def disagree(name, model, K, seeds, grid):  # local slopes ~1, ~0.01, ~0.8, ~0.1: all below 0.9, CIs apart
        return noise * np.array([100.0, 200.0, 201.0, 350.0, 375.0])[None, :]

    def sqrt_k(name, model, K, seeds, grid):
        return noise * np.sqrt(np.asarray(grid, dtype=float))[None, :]

    monkeypatch.setattr(lmdp_check, "_cumulative", staircase)
    rows = lmdp_check._slope_rows(True)
    assert all(r["verdict"] == "n/a" and r["detail"].startswith("n/a: burn-in") for r in rows)
    monkeypatch.setattr(lmdp_check, "_cumulative", disagree)
    rows = lmdp_check._slope_rows(True)
    assert all(r["verdict"] != "n/a" and r["detail"].startswith("pre-asymptotic") for r in rows)
    monkeypatch.setattr(lmdp_check, "_cumulative", sqrt_k)
    rows = lmdp_check._slope_rows(True)
    assert all(r["verdict"] == "HELD" and r["detail"].startswith("slope 0.") for r in rows)
