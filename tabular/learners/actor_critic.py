"""Optimistic actor-critic with rare-switching policy resets (Tan, Fan & Wei 2025, "Actor-Critics Can Achieve
Optimal Sample Efficiency", ICML, PMLR 267:58545-58590; arXiv:2505.03710), instantiated for linear MDPs (a tabular
model is the linear MDP of one-hot features ``phi[s, a] = e_{s A + a}``, the default for an ``EpisodicMDP``).

What the paper states (abstract, ar5iv opening; the algorithm box, its constants and theorem numbers were out of
reach, and stayed so when searched again in December 2026 - arXiv HTML, the PMLR PDF, OpenReview, the authors'
pages, code search: no public code; see ``shared/refs/policy_optimisation.md`` part 1): three ingredients -
optimism, an off-policy critic that estimates **Q\\*** (not ``Q^pi``), and rare-switching policy resets - give
``O(d H^5 log|A| / eps^2 + d H^4 log|F| / eps^2)`` trajectories and ``sqrt(T)`` regret (online, ``d`` the Bellman eluder
dimension); a hybrid variant starts the critic from offline data; a non-optimistic hybrid variant needs ``N_off >=
c*_off d H^4 / eps^2`` offline trajectories (``c*_off`` the single-policy concentrability). The main algorithm is
called NORA (third-party summary; not checked against the text). Every step below marked [R] is a reconstruction,
with what it rests on:

1. Critic [R: the paper's critic is a GOLF-type optimistic member of a confidence set over a general class, which is
   intractable; its linear-MDP instance here is LSVI-UCB's, Jin et al. 2020, Algorithm 1]: for ``h = H..1``,
   ``f_h(s, a) = min(w_h^T phi(s, a) + beta ||phi(s, a)||_{Lambda_h^-1}, H)`` with ``w_h`` the ridge regression
   on **all** data (online and offline) to the optimality target ``r + max_a' f_{h+1}(s', a')`` - off-policy, so the
   critic does not depend on which actor collected the data. ``beta = bonus_scale d H sqrt(log(2 d T / delta))``,
   ``T = (K + N_off) H``
   (Jin et al. 2020, Theorem 3.1; ``bonus_scale`` stands for its unspecified constant); shared code with
   :func:`~boundlab.tabular.learners.lsvi_ucb` (``optimistic_backup``, ``observe``).
2. Rare switching [R: the rule of rare-switching LSVI-UCB, Wang, Zhou & Gu 2021, "Provably efficient RL with
   linear function approximation under adaptivity constraints", NeurIPS, Algorithm 1 (after Abbasi-Yadkori, Pal &
   Szepesvari 2011's rarely switching OFUL)]: the critic is recomputed only at the first episode and when some
   ``det Lambda_h`` has grown by more than ``switch_ratio`` (2: doubling) since the last switch; that gives at most
   :func:`switch_bound` ``= H d log(1 + n L^2 / (d lambda)) / log(switch_ratio) + 1`` switches (``O(d H log K)``).
   The determinant is tracked exactly by the matrix determinant lemma; a ratio equal to ``switch_ratio`` up to
   ``1e-9`` in log (one-hot counts make exact ties common) is no switch, so rounding never decides.
3. Actor [R: exponential weights / NPG, the paper's mirror-ascent actor]: ``pi_h^{t+1}(.|s) ~ pi_h^t(.|s)
   exp(eta f_h(s, .))`` after each episode, on every state (kept as logits, softmax for the probabilities).
4. Policy reset [R: "rare-switching policy resets" in the abstract; uniform is the reset under which the mirror
   ascent regret bound ``log|A| / eta + eta n H^2 / 2`` of each epoch of ``n`` episodes holds]: at each critic
   switch the actor restarts from the uniform policy.
5. Step size [R: tuning that per-epoch bound summed over at most ``M`` epochs of ``K`` episodes in all, payoffs
   in ``[0, H]``]: ``eta = sqrt(2 M log|A| / (H^2 K))``; this is where ``log|A|`` enters. ``M`` =
   :func:`switch_bound` with ``n = K`` also with offline data: their growth is reset at the first switch, and the
   online growth ``log det(Lambda_off + X) - log det Lambda_off <= log det(lambda I + X) - d log lambda`` (the
   offline ``Lambda_off >= lambda I`` only shrinks it), so ``n = K`` bounds the online switches.
6. Hybrid [R: the abstract's "initializing the critic with offline data"]: before the first online episode
   ``N_off`` trajectories of the behaviour policy (``behaviour``, default uniform) are drawn from the same
   simulator and added to the critic's data; the critic computed at the first online episode (``k = 0`` always
   switches) already fits them. The switch test then counts only the determinant growth since that first switch,
   i.e. online data (offline trajectories count towards neither ``K`` nor a later switch), and ``beta``'s union
   bound covers all ``K + N_off`` regression trajectories (``T = (K + N_off) H`` in its log).
7. Non-optimistic hybrid [R: "omitting optimism"]: the same with ``beta = 0`` (least-squares critic, no bonus, no
   pessimism).
8. Acting [boundlab]: the actor is stochastic; each episode draws one action per ``(h, s)`` from ``pi_h(.|s)``
   (independently, before the episode) and plays that deterministic policy, which is what ``LearnerRun.policies``
   records. Each ``(h, s)`` is visited at most once per episode, so the trajectory has exactly the law of the
   stochastic actor's and the drawn policy's exact value is an unbiased estimate of the actor's value (measured
   regret = the actor's expected regret plus mean-zero noise). ``ActorCriticRun.actor`` (``record_q=True``) keeps
   the probabilities, for the actor's exact value (:func:`actor_regret`).

Random streams: per offline trajectory one uniform per ``(h, s)`` (behaviour draw) then the episode's
(:func:`~boundlab.tabular.learners._episode.play_episode`); per online episode one uniform per ``(h, s)`` (actor
draw), then the episode's. ``tests/reference_learners.py::actor_critic`` reproduces them step for step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from boundlab import solvers
from boundlab.solvers.finite_horizon import _check_markov_policy

from .._checks import RewardRange, Seed, check_int
from .._rng import next_uniform
from ..models import EpisodicMDP, LinearMDP
from ._common import (BONUS_SCALE, DELTA, LearnerRun, check_bonus_scale, check_delta, check_episodes, check_flag,
                      check_real, interaction, knobs)
from ._episode import allocate, play_episode
from .lsvi_ucb import check_features, lsvi_beta, observe, optimistic_backup, ridge_init

#: A determinant ratio within this of ``switch_ratio`` (in log) is no switch (item 2 of the module docstring).
SWITCH_MARGIN = 1e-9


@dataclass(frozen=True)
class ActorCriticRun(LearnerRun):
    """A :class:`LearnerRun` with the actor-critic's own record: ``switches`` (the episodes at which the critic was
    recomputed and the actor reset; ``switches[0] == 0``) and, with ``record_q=True``, ``actor[k, h, s, a]`` (the
    actor's probabilities in episode ``k``; ``q_values`` then holds the critic ``f``)."""

    switches: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    actor: np.ndarray | None = None


# --- kernels -------------------------------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def sample_policy(probs, rng, out):
    """One action per ``(h, s)`` drawn from ``probs[h, s]`` by inverse CDF (one uniform each, ``h`` then ``s``),
    written to ``out[h, s]``; returns the stream."""
    H, S, A = probs.shape
    for h in range(H):
        for s in range(S):
            rng, u = next_uniform(rng)
            a, c = A - 1, 0.0
            for b in range(A):
                c += probs[h, s, b]
                if u < c:
                    a = b
                    break
            out[h, s] = a
    return rng


@njit(cache=True, nogil=True)
def softmax(logits, probs):
    """``probs[h, s] = softmax(logits[h, s])`` (shifted by the row maximum)."""
    H, S, A = logits.shape
    for h in range(H):
        for s in range(S):
            m = logits[h, s, 0]
            for a in range(1, A):
                m = max(m, logits[h, s, a])
            z = 0.0
            for a in range(A):
                probs[h, s, a] = np.exp(logits[h, s, a] - m)
                z += probs[h, s, a]
            for a in range(A):
                probs[h, s, a] /= z


@njit(cache=True, nogil=True)
def actor_critic_kernel(indptr, successors, threshold, alias_successors, R3, noise, init_cdf, phi, S, A, H, K, lam,
                        beta, eta, log_ratio, behaviour, N_off, seed, record):
    rng = np.uint64(seed)
    rng_r = np.uint64(noise[5])
    d = phi.shape[2]
    Lambda_inv, N, Nsas, r_sum = ridge_init(H, S, A, d, lam)
    gain = np.zeros(H)  # log det Lambda_h grown since the last switch
    f = np.zeros((H, S, A))
    V = np.zeros((H + 1, S))
    target = np.empty(d)
    logits = np.zeros((H, S, A))
    probs = np.empty((H, S, A))
    policies, starts, returns, q_record, states, actions, rewards = allocate(K, H, S, A, record)
    actor = np.empty((K if record else 0, H, S, A))
    switched = np.zeros(K, dtype=np.bool_)
    offline = np.empty((H, S), dtype=np.int16)
    for _ in range(N_off):  # hybrid: the behaviour policy's trajectories, into the critic's data
        rng = sample_policy(behaviour, rng, offline)
        rng, rng_r, _r = play_episode(offline, indptr, successors, threshold, alias_successors, R3, noise, init_cdf,
                                      S, A, 0.0, rng, rng_r, states, actions, rewards)
        observe(Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain)
    for k in range(K):
        if k == 0 or gain.max() > log_ratio:  # rare switching: new critic, actor reset to uniform
            optimistic_backup(Lambda_inv, N, Nsas, r_sum, phi, beta, H, f, V, target)
            gain[:] = 0.0
            logits[:] = 0.0
            switched[k] = True
        softmax(logits, probs)
        if record:
            q_record[k] = f
            actor[k] = probs
        rng = sample_policy(probs, rng, policies[k])
        rng, rng_r, returns[k] = play_episode(policies[k], indptr, successors, threshold, alias_successors, R3,
                                              noise, init_cdf, S, A, 0.0, rng, rng_r, states, actions, rewards)
        starts[k] = states[0]
        observe(Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain)
        logits += eta * f  # mirror ascent (exponential weights) on the critic
    return policies, starts, returns, q_record, actor, np.flatnonzero(switched)


# --- what the learners share ---------------------------------------------------------------------------------------

def one_hot_features(S: int, A: int) -> np.ndarray:
    """``phi[s, a] = e_{s A + a}`` (``d = S A``): a tabular MDP as a linear MDP (``mu_h(s') = P_h(s' | s, a)`` per
    coordinate, ``theta_h = R_h`` flattened)."""
    S, A = check_int(S, "S"), check_int(A, "A")
    return np.eye(S * A).reshape(S, A, S * A)


def switch_bound(d: int, H: int, n: int, lam: float = 1.0, switch_ratio: float = 2.0, L: float = 1.0) -> float:
    """At most this many critic switches over ``n`` trajectories (online plus offline): each of the ``H`` matrices
    ``Lambda_h`` (``d x d``, features of norm ``<= L``) has ``log det Lambda_h - d log lambda <= d log(1 + n L^2 /
    (d lambda))`` (Abbasi-Yadkori et al. 2011, Lemma 10), and each switch but the first needs one of them to grow
    by ``log(switch_ratio)`` (Wang, Zhou & Gu 2021, Lemma on the switching cost)."""
    d, H, n = check_int(d, "d"), check_int(H, "H"), check_int(n, "n", minimum=0)
    lam = check_real(lam, "lam", low=0.0, low_open=True)
    switch_ratio = check_real(switch_ratio, "switch_ratio", low=1.0, low_open=True)
    L = check_real(L, "L", low=0.0, low_open=True)
    return H * d * math.log1p(n * L * L / (d * lam)) / math.log(switch_ratio) + 1.0


def default_eta(A: int, H: int, K: int, switches: float) -> float:
    """``sqrt(2 M log|A| / (H^2 K))``: the exponential-weights step that balances ``M log|A| / eta`` (one restart
    per epoch) against ``eta K H^2 / 2`` (payoffs in ``[0, H]``). Reconstructed [R, module docstring item 5]: the
    paper's step size was out of reach; this rests on the Hedge / mirror-ascent regret bound ``log|A| / eta +
    eta n H^2 / 2`` per epoch of ``n`` episodes from a uniform start, summed over ``M`` epochs (its only link to
    the paper is that ``log|A|`` enters the stated rate through the actor)."""
    return math.sqrt(2.0 * switches * math.log(A) / (H * H * K))


def behaviour_probs(behaviour: ArrayLike | None, S: int, A: int, H: int, name: str = "behaviour") -> np.ndarray:
    """The behaviour policy as ``(H, S, A)`` probabilities: ``None`` is uniform; integer arrays are deterministic
    (``pi[h, s]``, or ``pi[s]`` at every step), float arrays stochastic (``pi[h, s, a]``, or ``pi[s, a]`` at every
    step; rows on the simplex); checked, errors naming ``name`` (boolean arrays are refused, not read as actions)."""
    if behaviour is None:
        return np.full((H, S, A), 1.0 / A)
    arr = np.asarray(behaviour)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: must hold integer actions or float probabilities, got dtype {arr.dtype}")
    if arr.ndim == 1 and arr.dtype.kind not in "iu":
        raise TypeError(f"{name}: a deterministic pi[s] must hold integer actions, got dtype {arr.dtype}")
    if arr.ndim == (1 if arr.dtype.kind in "iu" else 2):
        arr = np.broadcast_to(arr, (H,) + arr.shape)
    try:
        pi3, _ = _check_markov_policy(arr, H, S, A)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name}: {err}") from None
    return np.ascontiguousarray(pi3 / pi3.sum(axis=2, keepdims=True))


def _episodic(model: EpisodicMDP | LinearMDP) -> EpisodicMDP:
    if isinstance(model, LinearMDP):
        return model.to_episodic()
    if not isinstance(model, EpisodicMDP):
        raise TypeError(f"model must be an EpisodicMDP or LinearMDP, got {type(model).__name__}")
    return model


def _features(model: EpisodicMDP | LinearMDP, phi: ArrayLike | None) -> tuple[EpisodicMDP, ArrayLike]:
    if phi is None:
        phi = model.phi if isinstance(model, LinearMDP) else None
    model = _episodic(model)
    return model, one_hot_features(model.S, model.A) if phi is None else phi


def _run(name: str, model, K, seed, *, phi, delta, bonus_scale, lam, eta, switch_ratio, N_off, behaviour,
         record_q, reward_range) -> ActorCriticRun:
    model, phi = _features(model, phi)
    K, delta = check_episodes(K), check_delta(delta)
    c = check_bonus_scale(bonus_scale)
    lam = check_real(lam, "lam", low=0.0, low_open=True)
    switch_ratio = check_real(switch_ratio, "switch_ratio", low=1.0, low_open=True)
    N_off = check_int(N_off, "N_off", minimum=0)
    record_q = check_flag(record_q, "record_q")
    env = interaction(model, seed, learner=name, reward_range=reward_range)
    phi = check_features(phi, env.S, env.A)
    d, H = phi.shape[2], env.H
    if eta is None:
        L = float(np.sqrt((phi**2).sum(axis=2)).max())
        eta = default_eta(env.A, H, K, switch_bound(d, H, K, lam, switch_ratio, max(L, 1e-12)))  # item 5
    else:
        eta = check_real(eta, "eta", low=0.0)
    pi_b = behaviour_probs(behaviour, env.S, env.A, H)
    beta = lsvi_beta(c, d, H, K + N_off, delta) if c > 0 else 0.0  # all regression data (item 6)
    policies, starts, returns, q, actor, switches = actor_critic_kernel(
        *env.tables, env.R3, env.noise, env.init_cdf, phi, env.S, env.A, H, K, lam, beta, float(eta),
        math.log(switch_ratio) + SWITCH_MARGIN, pi_b, N_off, env.seed, record_q)
    base = env.run(policies, starts, returns, 0.0, q if record_q else None)
    return ActorCriticRun(**{f.name: getattr(base, f.name) for f in fields(LearnerRun)}, switches=switches,
                          actor=actor if record_q else None)


# --- the three learners --------------------------------------------------------------------------------------------

_SRC = "Tan, Fan & Wei 2025 (arXiv:2505.03710)"
_DESCRIBED = dict(
    phi=("the known feature map phi[s, a, d]; default: the LinearMDP's, or one-hot features (d = S A) for an "
         "EpisodicMDP", f"{_SRC}: linear MDP instance of the critic class; Jin et al. 2020, Assumption A"),
    delta=("confidence level: beta = bonus_scale d H sqrt(log(2 d T / delta)), T = (K + N_off) H",
           "Jin et al. 2020, Theorem 3.1 (reconstructed linear instance of the paper's confidence set)"),
    bonus_scale=("multiplies the critic's bonus beta ||phi||_{Lambda^-1} (1: LSVI-UCB's beta with c = 1)",
                 "Jin et al. 2020, Algorithm 1; the paper's optimism (reconstructed)"),
    lam=("ridge regularisation lambda of Lambda_h = sum phi phi^T + lambda I", "Jin et al. 2020, Algorithm 1"),
    eta=("actor step size of pi <- pi exp(eta f); None: sqrt(2 M log|A| / (H^2 K)), M = switch_bound(...)",
         f"{_SRC}: mirror-ascent actor; constant reconstructed from the exponential-weights bound per epoch"),
    switch_ratio=("the critic switches (and the actor resets) when some det Lambda_h has grown by this factor",
                  "Wang, Zhou & Gu 2021 (rare-switching LSVI-UCB), doubling; the paper's rule was not reachable"),
    N_off=("offline trajectories of the behaviour policy added to the critic's data before the first episode",
           f"{_SRC}: hybrid RL; boundlab default 100"),
    behaviour=("the behaviour policy of the offline data: None (uniform), pi[h, s] / pi[s] or pi[h, s, a] / "
               "pi[s, a]", f"{_SRC}: hybrid RL (c*_off is measured against it)"),
)


@knobs(**{k: v for k, v in _DESCRIBED.items() if k not in ("N_off", "behaviour")})
def ac_optimistic(model: EpisodicMDP | LinearMDP, K: int, seed: Seed = None, *, phi: ArrayLike | None = None,
                  delta: float = DELTA, bonus_scale: float = BONUS_SCALE, lam: float = 1.0, eta: float | None = None,
                  switch_ratio: float = 2.0, record_q: bool = False,
                  reward_range: RewardRange | None = None) -> ActorCriticRun:
    """The online optimistic actor-critic (Tan, Fan & Wei 2025, main algorithm; linear-MDP instance, module
    docstring items 1-5, 8): ``O(d H^5 log|A| / eps^2 + d H^4 log|F| / eps^2)`` trajectories, ``sqrt(K)`` regret
    (rate only: ``bounds.actor_critic_bounds``)."""
    return _run("ac-optimistic", model, K, seed, phi=phi, delta=delta, bonus_scale=bonus_scale, lam=lam, eta=eta,
                switch_ratio=switch_ratio, N_off=0, behaviour=None, record_q=record_q, reward_range=reward_range)


@knobs(**_DESCRIBED)
def ac_hybrid(model: EpisodicMDP | LinearMDP, K: int, seed: Seed = None, *, N_off: int = 100,
              behaviour: ArrayLike | None = None, phi: ArrayLike | None = None, delta: float = DELTA,
              bonus_scale: float = BONUS_SCALE, lam: float = 1.0, eta: float | None = None, switch_ratio: float = 2.0,
              record_q: bool = False, reward_range: RewardRange | None = None) -> ActorCriticRun:
    """The hybrid optimistic actor-critic: :func:`ac_optimistic` whose critic starts from ``N_off`` trajectories of
    ``behaviour`` (module docstring item 6)."""
    return _run("ac-hybrid", model, K, seed, phi=phi, delta=delta, bonus_scale=bonus_scale, lam=lam, eta=eta,
                switch_ratio=switch_ratio, N_off=N_off, behaviour=behaviour, record_q=record_q,
                reward_range=reward_range)


@knobs(**{k: v for k, v in _DESCRIBED.items() if k not in ("delta", "bonus_scale")})
def ac_hybrid_pessimistic(model: EpisodicMDP | LinearMDP, K: int, seed: Seed = None, *, N_off: int = 100,
                          behaviour: ArrayLike | None = None, phi: ArrayLike | None = None, lam: float = 1.0,
                          eta: float | None = None, switch_ratio: float = 2.0, record_q: bool = False,
                          reward_range: RewardRange | None = None) -> ActorCriticRun:
    """The non-optimistic hybrid actor-critic (module docstring item 7): no bonus (``beta = 0``; not a negative
    bonus, despite the registry name); provably efficient once ``N_off >= c*_off d H^4 / eps^2``
    (``bounds.actor_critic_bounds.offline_size``; ``c*_off`` by :func:`concentrability`). With ``N_off = 0`` it is
    the purely online non-optimistic actor-critic, which a combination lock defeats."""
    return _run("ac-hybrid-pessimistic", model, K, seed, phi=phi, delta=DELTA, bonus_scale=0.0, lam=lam, eta=eta,
                switch_ratio=switch_ratio, N_off=N_off, behaviour=behaviour, record_q=record_q,
                reward_range=reward_range)


# --- exact quantities on a known model (for checks, not for the learner) -------------------------------------------

def occupancy(model: EpisodicMDP | LinearMDP, pi: ArrayLike) -> np.ndarray:
    """``d^pi_h(s, a)``: the probability that a policy ``pi`` (``pi[h, s]``, ``pi[h, s, a]``, or the stationary
    forms of :func:`behaviour_probs`) is at ``(s, a)`` at step ``h``, from the model's initial distribution
    (exact forward recursion)."""
    model = _episodic(model)
    S, A, H = model.S, model.A, model.H
    pi3 = behaviour_probs(pi, S, A, H, name="pi")
    P = model.P if model.P.ndim == 4 else np.broadcast_to(model.P, (H,) + model.P.shape)
    out = np.empty((H, S, A))
    state = np.asarray(model.initial, dtype=float)
    for h in range(H):
        out[h] = state[:, None] * pi3[h]
        state = np.einsum("sa,sat->t", out[h], P[h])
    return out


#: Actions whose ``Q*_h(s, a)`` lies within this (relative to ``max(1, H)``) of ``V*_h(s)`` count as optimal ties.
TIE_TOL = 1e-9


def concentrability(model: EpisodicMDP | LinearMDP, behaviour: ArrayLike | None = None) -> float:
    """``c*_off = max_{h, s, a} d^{pi*}_h(s, a) / mu_h(s, a)``: the single-policy concentrability of the behaviour
    policy's occupancy ``mu`` (default uniform behaviour) with respect to an optimal policy ``pi*``, exact; ``inf``
    where ``pi*`` reaches a pair ``mu`` never does (Tan, Fan & Wei 2025; the definition of Rashidinejad et al. 2021
    per step). ``pi*`` is deterministic and greedy in ``Q*`` (backward induction); where several actions are optimal
    (``Q*_h(s, a) >= V*_h(s) - TIE_TOL max(1, H)``) it takes the one the behaviour plays most often at that
    ``(h, s)`` (then the lowest index), so a tie is broken towards the behaviour's support, not by action order."""
    model = _episodic(model)
    pi_b = behaviour_probs(behaviour, model.S, model.A, model.H)
    Q = solvers.backward_induction(model.P, model.R, model.H).Q
    optimal = Q >= Q.max(axis=2, keepdims=True) - TIE_TOL * max(1.0, model.H)
    pi_star = np.where(optimal, pi_b, -1.0).argmax(axis=2)
    d_star = occupancy(model, pi_star.astype(np.int64))
    mu = occupancy(model, pi_b)
    reached = d_star > 0
    if np.any(reached & (mu <= 0)):
        return math.inf
    return float((d_star[reached] / mu[reached]).max())


def _check_same_model(model: EpisodicMDP, shape: tuple, what: str) -> None:
    if tuple(shape) != (model.H, model.S, model.A):
        raise ValueError(f"model: {what} has (H, S, A) = {tuple(shape)}, the model {(model.H, model.S, model.A)}: "
                         "not the run's model")


def actor_regret(model: EpisodicMDP | LinearMDP, run: ActorCriticRun) -> np.ndarray:
    """Per-episode exact regret ``V*_1(s) - V^{pi_k}_1(s)`` of the stochastic actors ``pi_k`` (needs
    ``record_q=True``), averaged over the initial distribution (the recorded ``policies`` are draws of these actors;
    their regret, ``bounds.regret_of_run``, is an unbiased estimate of this)."""
    if run.actor is None:
        raise ValueError("run.actor is None: run the learner with record_q=True")
    model = _episodic(model)
    _check_same_model(model, run.actor.shape[1:], "run.actor")
    V_star = solvers.backward_induction(model.P, model.R, model.H).V[0] @ model.initial
    P = model.P if model.P.ndim == 4 else np.broadcast_to(model.P, (model.H,) + model.P.shape)
    R = model.R if model.R.ndim == 3 else np.broadcast_to(model.R, (model.H,) + model.R.shape)
    V = np.zeros((run.actor.shape[0], model.S))
    for h in range(model.H - 1, -1, -1):  # all K actors at once
        Q = R[h][None] + np.einsum("sat,kt->ksa", P[h], V)
        V = np.einsum("ksa,ksa->ks", run.actor[:, h], Q)
    return V_star - V @ model.initial


def greedy_gap(model: EpisodicMDP | LinearMDP, run: ActorCriticRun, episode: int = -1) -> float:
    """Exact gap ``V*_1 - V^{pi_f}_1`` (averaged over the initial distribution) of the policy greedy in the critic
    ``f`` of ``episode`` (needs ``record_q=True``; ties to the lowest action): a judge of what the critic has
    learned that the actor's reset at each switch does not make noisy."""
    if run.q_values is None:
        raise ValueError("run.q_values is None: run the learner with record_q=True")
    model = _episodic(model)
    _check_same_model(model, run.q_values.shape[1:], "run.q_values")
    K = run.q_values.shape[0]
    episode = check_int(episode, "episode", minimum=-K)
    if episode >= K:
        raise ValueError(f"episode must lie in [-{K}, {K}) (the run has K = {K} episodes), got {episode}")
    greedy = np.asarray(run.q_values[episode].argmax(axis=2), dtype=np.int64)
    V_star = solvers.backward_induction(model.P, model.R, model.H).V[0] @ model.initial
    return float(V_star - solvers.finite_horizon_evaluation(model.P, model.R, greedy, model.H).V[0] @ model.initial)

