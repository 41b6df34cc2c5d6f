"""Baselines for the coRMAB domains (Xu, Wilder, Khalil & Tambe, ICLR 2025, Section 5; the authors' code
``algos/baselines.py``, ``algos/baseline_iterative_dqn.py``), the paper's evaluation protocol, and exact values by
dynamic programming over the joint state on tiny instances.

A policy is a callable ``policy(state) -> action`` (``state``: ``(J,)`` int, ``action``: ``(n_actions,)`` int8,
feasible for its domain). The baselines:

* :func:`null_policy` (nothing pulled), :func:`random_policy` (the domain's random feasible action);
* :func:`sampling_policy`: ``K = 100`` random feasible actions, the best by the exact one-step reward ``E[r | s, a]``
  (the code) or by a given score such as a Q-network;
* :func:`myopic_policy`: ``max E[r | s, a]`` over the feasible set. ``E[r | s, a]`` is linear in ``a`` except in the
  sigmoid domain, so a MILP with a linear objective (:func:`cormab.maximize`); the sigmoid domain (and any domain
  whose feasible set is small) by enumeration with the domain's own link (the code plans on a 10-breakpoint PWL
  from data files missing from its repository, reconstructed as ``link="pwl-code"``, and acts on the exact logistic:
  ``plan=``);
* :func:`iterative_myopic_policy` / :func:`iterative_dqn_policy`: greedy, one element at a time, the one with the
  best gain in ``E[r]`` (or in ``Q``) among those keeping the action feasible (capacity: gain per unit cost, the
  code's ratio), stopping when nothing feasible improves. The code's versions differ per domain: its capacity greedy
  visits workers in order (and does not reset its best arm between picks), its schedule "iterative DQN" ranks by
  ``E[r]`` rather than ``Q``, and on routing both return the null action; ours is the one rule on every domain;
* :func:`whittle_policy`: the Whittle-index policy, only where a budget alone couples the arms
  (``cormab.BudgetDomain``): the discounted index, or (``horizon=H``) the finite-horizon index of the ``H``-step
  total, a time-dependent :class:`FiniteHorizonIndexPolicy` (not in the paper, which has no Whittle baseline).

:func:`evaluate` is the paper's protocol: ``V = 50`` episodes of ``H = 20`` steps from the same initial states for
every method (each arm in state 1 with probability 0.2, else 0), the metric the expected reward ``E[r | s_t, a_t]``
of every step; each method's transitions come from the same seed. :func:`joint_dp` gives the exact finite-horizon
optimum (and any stationary policy's exact value) from that initial distribution, for ``4^J`` joint states.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from boundlab.tabular._checks import Seed, check_int, check_real
from boundlab.tabular.instances import as_generator

from . import cormab
from .sequoia import feasible_actions

__all__ = ["FiniteHorizonIndexPolicy", "evaluate", "iterative_dqn_policy", "iterative_myopic_policy", "joint_dp",
           "myopic_policy", "null_policy", "random_policy", "sampling_policy", "whittle_policy"]

Policy = Callable[[np.ndarray], np.ndarray]

#: Largest feasible set scored by enumeration (beyond it the MILP); ``sequoia.feasible_actions`` decides by the
#: feasible set's (estimated) size, not by the number of candidate subsets.
MAX_ENUMERATE = 50_000


def null_policy(domain) -> Policy:
    cormab._check_domain(domain)
    return lambda state: domain.null_action()


def random_policy(domain, seed: Seed = None) -> Policy:
    cormab._check_domain(domain)
    rng = as_generator(seed)
    return lambda state: domain.random_action(rng)


def _one_step(domain, state, actions) -> np.ndarray:
    return domain.expected_rewards(np.repeat(np.asarray(state)[None], len(actions), 0), np.asarray(actions))


def sampling_policy(domain, K: int = 100, *, score: Callable | None = None, seed: Seed = None) -> Policy:
    """``K`` random feasible actions, the one with the largest ``score(state, actions)`` (default: the exact
    ``E[r | s, a]``, the code's)."""
    cormab._check_domain(domain)
    K = check_int(K, "K")
    rng = as_generator(seed)
    score = score or (lambda s, acts: _one_step(domain, s, acts))

    def policy(state):
        acts = np.array([domain.random_action(rng) for _ in range(K)])
        return acts[int(np.argmax(score(state, acts)))]
    return policy


def myopic_policy(domain, *, plan: cormab._Domain | None = None) -> Policy:
    """``argmax_a E[r | s, a]`` over ``domain``'s feasible actions (module docstring). ``plan``: another model of the
    same type, number of arms and of actions whose ``E[r]`` is maximised instead (still over ``domain``'s feasible
    actions), e.g. the code's sigmoid myopic on ``link="pwl-code"``."""
    cormab._check_domain(domain)
    model = domain
    if plan is not None:
        if not isinstance(plan, cormab._Domain):
            raise TypeError(f"plan must be a coRMAB domain, got {type(plan).__name__}")
        if type(plan) is not type(domain) or (plan.J, plan.n_actions) != (domain.J, domain.n_actions):
            raise ValueError(f"plan must be a {type(domain).__name__} with J = {domain.J} arms and "
                             f"{domain.n_actions} actions, got a {type(plan).__name__} with J = {plan.J}, "
                             f"{plan.n_actions} actions")
        model = plan
    feasible = feasible_actions(domain, MAX_ENUMERATE)
    if feasible is not None:
        return lambda state: feasible[int(np.argmax(_one_step(model, state, feasible)))]
    if isinstance(domain, cormab.SigmoidDomain):
        raise ValueError(f"myopic_policy: the sigmoid domain with N = {domain.n_actions} interventions has too many "
                         f"feasible actions (at most B = {domain.budget} of them) to enumerate (> {MAX_ENUMERATE})")
    eye = np.eye(domain.n_actions, dtype=np.int8)

    def policy(state):
        pair = np.concatenate([_one_step(model, state, eye), _one_step(model, state, domain.null_action()[None])])
        gain = pair[:-1] - pair[-1]  # E[r] is linear in a: its coefficients
        return cormab.maximize(domain, c=gain).x.astype(np.int8)
    return policy


def _greedy(domain, score: Callable) -> Policy:
    """Add one element at a time, the best gain of ``score(state, actions)`` (per unit cost on capacity) among those
    that keep the action feasible, until none improves."""
    cost = domain.costs.astype(np.float64) if isinstance(domain, cormab.CapacityDomain) else None

    def policy(state):
        a = domain.null_action()
        current = float(score(state, a[None])[0])
        while True:
            cand = np.flatnonzero(a == 0)
            cand = np.array([j for j in cand if domain._feasible(np.where(np.arange(a.size) == j, 1, a))], int)
            if cand.size == 0:
                return a
            acts = np.repeat(a[None], cand.size, 0)
            acts[np.arange(cand.size), cand] = 1
            gain = score(state, acts) - current
            ratio = gain / cost[cand] if cost is not None else gain
            k = int(np.argmax(ratio))
            if gain[k] <= 0:
                return a
            a, current = acts[k], current + float(gain[k])
    return policy


def iterative_myopic_policy(domain) -> Policy:
    cormab._check_domain(domain)
    return _greedy(domain, lambda s, acts: _one_step(domain, s, acts))


def iterative_dqn_policy(domain, agent) -> Policy:
    """The greedy of :func:`iterative_myopic_policy` scoring by the trained Q-network (``agent.q_values``)."""
    cormab._check_domain(domain)
    return _greedy(domain, lambda s, acts: agent.q_values(np.repeat(np.asarray(s)[None], len(acts), 0), acts))


def _arm_chains(domain, gamma: float):
    """The budget domain's arms as a ``RestlessBandit``: each arm's birth-death chain, rewards ``E[r]`` of the next
    state scaled into [0, 1] (by the largest reward: the same decisions)."""
    from .restless import RestlessBandit
    J, S = domain.J, cormab.N_STATES
    P = np.zeros((J, S, 2, S))
    R = np.zeros((J, S, 2))
    scale = float(np.abs(domain.arms.rewards).max()) or 1.0
    for a, p in ((0, domain.arms.p_passive), (1, domain.arms.p_active)):
        for s in range(S):
            up, down = min(s + 1, S - 1), max(s - 1, 0)
            P[:, s, a, up] += p
            P[:, s, a, down] += 1.0 - p
            R[:, s, a] = (p * domain.arms.rewards[:, up] + (1 - p) * domain.arms.rewards[:, down]) / scale
    return RestlessBandit(P, R, gamma)


class FiniteHorizonIndexPolicy:
    """A time-dependent index policy: with ``h`` steps to go, pull the (at most ``budget``) arms with the largest
    positive ``index[j, h - 1, s_j]`` (``bandits.restless.budget_actions``). :meth:`act` takes the steps to go;
    :func:`evaluate` and :func:`joint_dp` call it so. Called on a state alone it counts the steps itself, from
    ``horizon`` steps to go, starting over after ``horizon`` calls (one episode)."""

    def __init__(self, index: np.ndarray, budget: int, horizon: int):
        self.index, self.budget, self.horizon, self.t = index, int(budget), int(horizon), 0

    def act(self, state, steps_to_go: int) -> np.ndarray:
        from .restless import budget_actions
        if not 1 <= steps_to_go <= self.horizon:
            raise ValueError(f"steps_to_go must be in [1, {self.horizon}] (the policy's horizon), got {steps_to_go}")
        return budget_actions(self.index[:, steps_to_go - 1], np.asarray(state, np.int64), self.budget).astype(np.int8)

    def __call__(self, state) -> np.ndarray:
        a = self.act(state, self.horizon - self.t)
        self.t = (self.t + 1) % self.horizon
        return a


def whittle_policy(domain, gamma: float = 0.99, *, horizon: int | None = None) -> Policy:
    """The Whittle-index policy on each arm's chain: pull the (at most ``B``) arms with the largest positive index in
    their current state. Only for ``cormab.BudgetDomain``. ``horizon=None``: the discounted index
    (``bandits.whittle_indices``, discount ``gamma``), one table for every step; ``horizon=H``: the finite-horizon
    index of the undiscounted ``H``-step total (``bandits.whittle.finite_horizon_whittle_indices``), which is the
    objective of :func:`evaluate` (a :class:`FiniteHorizonIndexPolicy`: the index with the episode's steps to go;
    ``gamma`` unused). The paper has no Whittle baseline (it compares against null, random, sampling, myopic,
    iterative myopic, iterative DQN); :func:`compare` runs both forms on a budget-only domain."""
    from .restless import budget_actions
    from .whittle import finite_horizon_whittle_indices, whittle_indices
    if not isinstance(domain, cormab.BudgetDomain):
        raise TypeError(f"whittle_policy needs a budget-only domain (cormab.BudgetDomain); the {type(domain).__name__}"
                        " couples its arms beyond a budget")
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    if horizon is not None:
        horizon = check_int(horizon, "horizon")
        index = finite_horizon_whittle_indices(_arm_chains(domain, gamma), horizon).indices
        return FiniteHorizonIndexPolicy(index, domain.budget, horizon)
    index = whittle_indices(_arm_chains(domain, gamma)).indices
    return lambda state: budget_actions(index, np.asarray(state, np.int64), domain.budget).astype(np.int8)


def _timed(policy, horizon: int):
    """``policy`` as a function of (state, steps to go): a :class:`FiniteHorizonIndexPolicy` (or anything with
    ``act`` and ``horizon``) reads the steps to go, checked to fit the episode; any other policy ignores them."""
    if hasattr(policy, "act"):
        if policy.horizon < horizon:
            raise ValueError(f"a time-dependent policy of horizon {policy.horizon} cannot act in episodes of "
                             f"{horizon} steps")
        return policy.act
    return lambda state, steps_to_go: policy(state)


def evaluate(domain, policies: dict, *, episodes: int = 50, horizon: int = 20, p_start: float = 0.2,
             seed: Seed = None) -> dict:
    """The paper's protocol (module docstring) for each named policy: ``{name: (mean, sem, per_episode)}`` with the
    mean per-step expected reward, its standard error over episodes and the per-episode means. Every action is
    checked feasible (the simulator refuses others). The standard error is ``std(per_episode, ddof=1) /
    sqrt(episodes)`` (episodes the independent units; the code's SEM is over its 1000 per-step values, which are
    correlated within an episode and so give a smaller figure); ``nan`` for one episode."""
    cormab._check_domain(domain)
    episodes, horizon = check_int(episodes, "episodes"), check_int(horizon, "horizon")
    rng = as_generator(seed)
    starts = (rng.random((episodes, domain.J)) < p_start).astype(np.int64)
    env_seed = int(rng.integers(2 ** 63))
    out = {}
    for name, policy in policies.items():
        act = _timed(policy, horizon)
        env = domain.simulator(seed=env_seed, horizon=horizon)
        per_episode = np.zeros(episodes)
        for e in range(episodes):
            s = env.reset(starts[e])
            total = 0.0
            for t in range(horizon):
                s, _, expected, _ = env.step(act(s, horizon - t))
                total += expected
            per_episode[e] = total / horizon
        out[name] = (float(per_episode.mean()), float(per_episode.std(ddof=1) / math.sqrt(episodes))
                     if episodes > 1 else math.nan, per_episode)
    return out


def joint_states(J: int) -> np.ndarray:
    """All ``4^J`` joint states, row ``k`` the base-4 digits of ``k`` (arm 0 most significant)."""
    return np.array(np.unravel_index(np.arange(cormab.N_STATES ** J), (cormab.N_STATES,) * J)).T.astype(np.int64)


def joint_dp(domain, horizon: int = 20, policy: Callable | None = None, *, p_start: float = 0.2,
             feasible: np.ndarray | None = None) -> float:
    """The exact expected per-step reward ``(1/H) E[sum_t E[r | s_t, a_t]]`` from the protocol's initial
    distribution: of the optimal (non-stationary) policy by backward induction over the ``4^J`` joint states and the
    feasible actions, or, given ``policy``, of that stationary policy (its action computed once per state) or of a
    time-dependent one (with ``act(state, steps_to_go)``, e.g. :class:`FiniteHorizonIndexPolicy`: once per state and
    step). Each arm moves up or down, so a joint state has ``2^J`` successors. ``J <= 8``."""
    cormab._check_domain(domain)
    J = domain.J
    if J > 8:
        raise ValueError(f"domain has J = {J} arms; joint_dp enumerates 4^J joint states, so J must be <= 8")
    horizon = check_int(horizon, "horizon")
    S = joint_states(J)
    F = feasible_actions(domain) if feasible is None else feasible
    U = np.array(np.unravel_index(np.arange(2 ** J), (2,) * J)).T
    nxt = np.clip(S[:, None, :] + 2 * U[None, :, :] - 1, 0, cormab.N_STATES - 1)  # (S, 2^J, J)
    idx = np.ravel_multi_index(tuple(np.moveaxis(nxt, -1, 0)), (cormab.N_STATES,) * J)  # (S, 2^J)
    p = np.stack([domain._up_batch(f[None])[0] for f in F])  # (F, J); the state does not change p
    prob = np.prod(np.where(U[None] == 1, p[:, None, :], 1.0 - p[:, None, :]), axis=2)  # (F, 2^J)
    R = np.stack([domain.expected_rewards(S, np.repeat(f[None], len(S), 0)) for f in F], axis=1)  # (S, F)
    if policy is not None:
        row = {f.tobytes(): k for k, f in enumerate(F)}
        act = _timed(policy, horizon)
        if hasattr(policy, "act"):  # time-dependent: its action per state and steps to go
            choice = np.array([[row[np.asarray(act(s, h), np.int8).tobytes()] for s in S]
                               for h in range(1, horizon + 1)])
        else:
            choice = np.broadcast_to(np.array([row[np.asarray(policy(s), np.int8).tobytes()] for s in S]),
                                     (horizon, len(S)))
    V = np.zeros(len(S))
    for h in range(1, horizon + 1):
        Q = R + V[idx] @ prob.T  # (S, F)
        V = Q.max(axis=1) if policy is None else Q[np.arange(len(S)), choice[h - 1]]
    start = np.where(S <= 1, np.where(S == 1, p_start, 1.0 - p_start), 0.0).prod(axis=1)
    return float(start @ V / horizon)


#: The paper's domains by name (``budget``: the budget-only reference with the Whittle-index policy).
DOMAINS = {"sigmoid": "sigmoid_domain", "capacity": "capacity_domain", "scheduling": "schedule_domain",
           "routing": "routing_domain", "budget": "budget_domain"}


def make_domain(name: str, J: int, B: int, *, N: int = 10, seed: Seed = None, **options):
    """A domain instance by name (:data:`DOMAINS`): ``J`` arms, budget / workers ``B`` (sigmoid: ``N``
    interventions); ``options`` go to the domain's generator (e.g. ``formulation``)."""
    if name not in DOMAINS:
        raise ValueError(f"domain must be one of {sorted(DOMAINS)}, got {name!r}")
    make = getattr(cormab, DOMAINS[name])
    return make(J, N, B, seed=seed, **options) if name == "sigmoid" else make(J, B, seed=seed, **options)


def compare(domain, *, seed: Seed = None, eval_episodes: int = 50, horizon: int = 20, K: int = 100,
            **sequoia_options) -> dict:
    """The paper's comparison on one instance: train SEQUOIA (``bandits.sequoia.train_sequoia`` with
    ``sequoia_options``), then evaluate null, random, sampling, iterative myopic, myopic, iterative DQN, SEQUOIA (and
    Whittle on a budget-only domain) by :func:`evaluate` from the same initial states. Returns :func:`evaluate`'s
    ``{method: (mean, sem, per_episode)}`` plus ``"train_seconds"``."""
    import time

    from .sequoia import train_sequoia
    rng = as_generator(seed)
    t0 = time.perf_counter()
    agent = train_sequoia(domain, seed=rng, horizon=horizon, **sequoia_options)
    seconds = time.perf_counter() - t0
    random_seed, sampling_seed = (int(x) for x in rng.integers(2 ** 63, size=2))
    policies = {"null": null_policy(domain), "random": random_policy(domain, random_seed),
                "sampling": sampling_policy(domain, K, seed=sampling_seed), "iterative myopic":
                iterative_myopic_policy(domain), "myopic": myopic_policy(domain),
                "iterative dqn": iterative_dqn_policy(domain, agent), "sequoia": agent}
    if isinstance(domain, cormab.BudgetDomain):
        policies["whittle"] = whittle_policy(domain)
        policies["whittle (finite horizon)"] = whittle_policy(domain, horizon=horizon)
    res = evaluate(domain, policies, episodes=eval_episodes, horizon=horizon, seed=rng)
    return res | {"train_seconds": seconds}
