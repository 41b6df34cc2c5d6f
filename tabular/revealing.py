"""Revealing POMDPs (Chen, Wang, Xiong, Mei & Bai 2023, "Lower bounds for learning in revealing POMDPs", ICML 2023,
arXiv 2302.01333): the revealing constant, the emission-action matrix, exact history-dependent planning and policy
evaluation on small episodic POMDPs, and hard-instance families.

What each part rests on (only the paper's abstract and the skeleton of its Table 1 could be retrieved; the body,
with its definitions, theorems and constructions, could not; see /work/shared/refs/pomdp_lmdp_revealing.md):

- **alpha-revealing, l1 form** [R: the definition of this line of work, Chen, Bai & Mei 2022 "Partially observable
  RL with B-stability" and the paper's Sec. 2, recalled, not re-read]: an ``m``-step emission-action matrix ``M``
  (rows: observation sequences within each action sequence, columns: latent states) is alpha-revealing if it has a
  left inverse ``X`` (``X M = I``) with ``||X||_{1->1} <= 1 / alpha``, where ``||X||_{1->1}`` is the largest column
  l1 norm of ``X``. :func:`revealing_constant` with ``norm="l1"`` returns the largest such alpha, ``1 / min_X
  ||X||_{1->1}`` (an LP). The bounds in ``bounds.revealing`` speak of this form.
- **weakly revealing, spectral form** [V: Liu et al. 2022, as restated by the emergentmind "Revealing POMDPs" page]:
  ``sigma_S(M) >= alpha`` (``norm="2"``). The two satisfy ``sigma_S / sqrt(S) <= alpha_l1 <= sqrt(R) sigma_S`` for
  ``M`` with ``R`` rows [derived: ``||X||_{1->1} <= sqrt(S) ||X||_2``, ``||X||_2 <= sqrt(R) ||X||_{1->1}``, and the
  pseudo-inverse is the left inverse of least spectral norm, ``1 / sigma_S``].
- **the emission-action matrix** [R, standard in this line]: ``M[(a_{1:m-1}, o_{0:m-1}), s] = P(o_0, ..., o_{m-1} |
  s_h = s, a_{1:m-1})``. In this toolkit's convention (``tabular.POMDP``) an observation is emitted on arrival,
  ``O[a, s', o]``, so the observation of ``s_h`` itself depends on the action that led there: :func:`
  emission_action_matrix` takes it (``prev_action``), and :func:`pomdp_revealing_constant` takes the worst one.
- **the hard instances** [reconstructed, the toolkit's own; the paper's constructions were not retrievable]. The
  abstract says only that they "adapt techniques in distribution testing" and that multi-step revealing forces
  Omega(T^{2/3}) regret and Omega(S^{1.5}) PAC dependence [V]; the full text (arXiv abs/html, PMLR v202
  pp. 5104-5161, OpenReview, the authors' pages) was searched again and was still out of reach.
  :func:`revealing_bandit` builds the mechanism behind
  a T^{2/3} regret lower bound as partial monitoring knows it (Cesa-Bianchi & Lugosi 2006, label-efficient
  prediction): with ``steps=2`` the outcome of the rewarding action is revealed only by a costly probe (the model is
  2-step but not 1-step revealing), with ``steps=1`` the rewarding action reveals it itself. :func:
  `uniformity_testing_pomdp` builds the distribution-testing core (Paninski 2008's paired perturbations of the uniform
  distribution, which need Omega(sqrt(n) / eps^2) samples to tell from uniform) as a 2-step revealing POMDP. Neither is
  claimed to be the paper's instance, and neither proves its bound: they are where a learner's measured rate can be
  compared with it. :func:`uniformity_pac_pomdp` / :func:`uniformity_pac_class` / :func:`uniformity_pac_problem` are
  the PAC family: ``n_arms`` candidate transitions (default ``n``, so the candidates grow with ``S = 2n + 1``) into
  ``n`` leaves that only a read reveals, one candidate a Paninski paired perturbation of the uniform law; the class
  holds the null model and every (arm, sign pattern). Our reading of the S^{1.5} is (~S candidates) x (sqrt(S)
  reads to test one law over ~S latent states) [reconstruction]: the paper's parameters (alpha, O, A^m, H) enter
  here only as what the constructors expose (``revealing_constant(model, 2)``, ``A``, ``n_obs``, ``H = 2``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from boundlab.solvers.validation import check_real_array

from ._checks import check_int, check_real, plain
from .pomdp import POMDP

__all__ = ["RevealingProblem", "emission_action_matrix", "history_count", "history_optimal", "history_value",
           "paired_signs", "pomdp_revealing_constant", "revealing_bandit", "revealing_bandit_class",
           "revealing_constant", "revealing_problem", "uniformity_pac_class", "uniformity_pac_pomdp",
           "uniformity_pac_problem", "uniformity_testing_pomdp"]

NORMS = ("l1", "2")
#: A singular value at or below this (relative to the largest) counts as 0: the matrix has no left inverse.
RANK_RTOL = 1e-12


# ------------------------------------------------------------------------------------------- the revealing constant

def _check_emission(emission) -> np.ndarray:
    """``emission[o, s]``: a real 2-d array, finite, non-negative, each column a distribution over observations."""
    E = check_real_array(emission, "emission")
    if E.dtype.kind == "b":
        raise TypeError("emission must hold probabilities (int or float), got dtype bool")
    if E.ndim != 2 or min(E.shape) < 1:
        raise ValueError(f"emission must be a 2-d array emission[o, s] with at least one row and column, got shape "
                         f"{E.shape}")
    E = E.astype(np.float64)
    bad = np.argwhere(~np.isfinite(E) | (E < 0))
    if len(bad):
        o, s = bad[0]
        raise ValueError(f"emission[{o}, {s}] = {plain(E[o, s])} must be finite and non-negative")
    sums = E.sum(axis=0)
    off = np.flatnonzero(np.abs(sums - 1.0) > 1e-9 * E.shape[0])
    if len(off):
        raise ValueError(f"emission column {off[0]} (state {off[0]}) must sum to 1 over observations, got "
                         f"{plain(sums[off[0]])}")
    return E


def _check_norm(norm) -> str:
    if not isinstance(norm, str):
        raise TypeError(f"norm must be one of {NORMS} (a str), got {type(norm).__name__} {plain(norm)}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm


def _sigma_min(M: np.ndarray) -> float:
    """The ``S``-th singular value of ``M`` (``R x S``), 0 where ``R < S`` or below :data:`RANK_RTOL` relative."""
    R, S = M.shape
    if R < S:
        return 0.0
    sv = np.linalg.svd(M, compute_uv=False)
    return 0.0 if sv[-1] <= RANK_RTOL * sv[0] else float(sv[-1])


def _l1_alpha(M: np.ndarray) -> float:
    """``1 / min { max_j ||X[:, j]||_1 : X M = I }`` by one LP: ``X = U - V`` with ``U, V >= 0``, minimise ``t`` with
    ``sum_i (U + V)[i, j] <= t`` for every column ``j`` (HiGHS). 0 where ``M`` has no left inverse."""
    R, S = M.shape
    if _sigma_min(M) == 0.0:
        return 0.0
    n = S * R  # X[i, j] at i * R + j
    # X M = I: for each (i, k), sum_j X[i, j] M[j, k] = delta_ik.
    A_eq_X = np.kron(np.eye(S), M.T)  # row i*S + k, column i*R + j
    A_eq = np.hstack([A_eq_X, -A_eq_X, np.zeros((S * S, 1))])
    b_eq = np.eye(S).ravel()
    col = np.kron(np.ones((1, S)), np.eye(R))  # row j sums X[:, j]
    A_ub = np.hstack([col, col, -np.ones((R, 1))])
    c = np.zeros(2 * n + 1)
    c[-1] = 1.0
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(R), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:  # full column rank makes the LP feasible and bounded; anything else is a solver failure
        raise RuntimeError(f"revealing_constant: the LP did not solve ({res.message})")
    return float(1.0 / res.x[-1])


def _alpha(M: np.ndarray, norm: str) -> float:
    return _l1_alpha(M) if norm == "l1" else _sigma_min(M)


def revealing_constant(emission: ArrayLike | POMDP, steps: int = 1, norm: str = "l1") -> float:
    """The revealing constant alpha (module docstring for the definitions and what they rest on).

    Args:
        emission: an emission matrix ``emission[o, s]`` (each column a distribution over observations; then
            ``steps`` must be 1), or a ``tabular.POMDP``, whose ``steps``-step emission-action matrices (one per
            action leading into the step, :func:`emission_action_matrix`) are all checked
            (:func:`pomdp_revealing_constant`).
        steps: ``m``, the number of steps the revealing condition looks ahead (``m >= 1``).
        norm: ``"l1"``: ``1 / min over left inverses X of ||X||_{1->1}`` (largest column l1 norm), an LP (the form
            of Chen et al.'s line of work); ``"2"``: the smallest singular value ``sigma_S`` (weakly revealing).

    Returns alpha >= 0; 0 when the matrix has no left inverse (rank below ``S``). ``alpha = 1`` for a permutation
    emission in both norms. The ``m``-step matrix is not normalised (each column sums to ``A^(m-1)``, one block per
    action sequence), so ``alpha_l1 <= A^(m-1)`` [derived: ``1 = ||X M e_s||_1 <= ||X||_{1->1} A^(m-1)``], with
    equality for a perfectly revealing emission; whether the paper normalises it was not retrievable.
    """
    norm = _check_norm(norm)
    steps = check_int(steps, "steps")
    if isinstance(emission, POMDP):
        return pomdp_revealing_constant(emission, steps, norm)
    if steps != 1:
        raise ValueError(f"steps = {steps} needs the POMDP (or its emission_action_matrix with steps=1 here): an "
                         "emission matrix alone has no action-dependent look-ahead")
    return _alpha(_check_emission(emission), norm)


def _check_pomdp(model, name: str = "model") -> POMDP:
    if not isinstance(model, POMDP):
        raise TypeError(f"{name} must be a tabular.POMDP, got {type(model).__name__}")
    if model.sparse:
        raise ValueError(f"{name} must have a dense P (the revealing tools enumerate histories of small models)")
    return model


def emission_action_matrix(model: POMDP, steps: int, prev_action: int) -> np.ndarray:
    """The ``steps``-step emission-action matrix ``M[(a_1, ..., a_{m-1}, o_0, ..., o_{m-1}), s]`` of ``model``:
    ``P(o_0, ..., o_{m-1} | s_h = s, a_1, ..., a_{m-1})`` where ``o_0 ~ O[prev_action, s, .]`` is the observation
    emitted on arrival in ``s`` and ``o_t ~ O[a_t, s_{h+t}, .]`` those after the actions that follow. Rows: one block
    of ``n_obs^m`` per action sequence (``A^(m-1)`` blocks, in lexicographic order), observations lexicographic within
    a block; shape ``(A^(m-1) n_obs^m, S)``. Each block's columns sum to 1."""
    model = _check_pomdp(model)
    steps = check_int(steps, "steps")
    prev_action = check_int(prev_action, "prev_action", minimum=0)
    if prev_action >= model.A:
        raise ValueError(f"prev_action = {prev_action} is not an action in [0, {model.A})")
    S, A, n_obs = model.S, model.A, model.n_obs
    if A ** (steps - 1) * n_obs ** steps * S > 10_000_000:
        raise ValueError(f"steps = {steps}: the emission-action matrix would hold {A ** (steps - 1) * n_obs ** steps}"
                         f" x {S} entries (over 1e7)")
    # G[u, act, obs, s] = P(obs sequence, s_now = u | s_h = s, act sequence)
    G = np.einsum("us,so->uos", np.eye(S), model.O[prev_action])[:, None]
    T = model.P[:, :, :, None] * model.O[None]  # T[u, a, t, o] = P[u, a, t] O[a, t, o]
    for _ in range(steps - 1):
        G = np.einsum("uxys,uato->txayos", G, T, optimize=True)
        G = G.reshape(S, G.shape[1] * A, G.shape[3] * n_obs, S)
    return np.ascontiguousarray(G.sum(axis=0).reshape(-1, S))


def pomdp_revealing_constant(model: POMDP, steps: int = 1, norm: str = "l1") -> float:
    """The smallest :func:`revealing_constant` over the ``steps``-step emission-action matrices of ``model``, one per
    action that may lead into a step (a homogeneous model's condition "at every step h"; the paper asks it for
    ``h <= H - m + 1``)."""
    model = _check_pomdp(model)
    norm = _check_norm(norm)
    steps = check_int(steps, "steps")
    return min(_alpha(emission_action_matrix(model, steps, a), norm) for a in range(model.A))


# ------------------------------------------------------------------- exact planning over observation-action histories

def history_count(A: int, n_obs: int, H: int) -> int:
    """The number of decision histories ``(a_0, o_1, ..., a_{t-1}, o_t)``, ``t = 0..H-1``: the length of a
    history-dependent policy table. The history of step ``t`` with index ``i`` (``i = i' (A n_obs) + a n_obs + o``
    from its parent ``i'``) sits at ``sum_{u<t} (A n_obs)^u + i``."""
    b = A * n_obs
    return sum(b ** t for t in range(H))


def _check_horizon_model(model, name: str = "model") -> POMDP:
    model = _check_pomdp(model, name)
    if model.H is None:
        raise ValueError(f"{name} must be episodic (H set), got a discounted POMDP (gamma = {model.gamma})")
    if history_count(model.A, model.n_obs, model.H + 1) * model.S > 50_000_000:
        raise ValueError(f"{name}: {history_count(model.A, model.n_obs, model.H + 1)} histories of {model.S} states "
                         "are too many for exact history planning (A n_obs)^H S <= 5e7")
    return model


def _forward(model: POMDP) -> list[np.ndarray]:
    """``F[t][i, s] = P(s_t = s, o_{1:t} | a_{0:t-1})`` for every history ``i`` of step ``t = 0..H`` (the actions
    of the history fixed): the unnormalised beliefs."""
    T = model.P[:, :, :, None] * model.O[None]  # (s, a, s', o)
    F = [model.initial[None, :].copy()]
    for _ in range(model.H):
        nxt = np.einsum("ns,sato->naot", F[-1], T)
        F.append(nxt.reshape(-1, model.S))
    return F


def _backward(model: POMDP, F: list[np.ndarray], policy: np.ndarray | None) -> tuple[float, np.ndarray]:
    """Backward induction over histories: ``W_t[i] = F_t[i] . R[:, a] + sum_o W_{t+1}[child(i, a, o)]`` with ``a`` the
    greedy action (ties to the lowest; ``policy`` None) or ``policy``'s (``-1``: uniform over actions). Returns the
    value from the initial belief and the greedy (or given) table."""
    A, n_obs, H = model.A, model.n_obs, model.H
    table = np.zeros(history_count(A, n_obs, H), dtype=np.int64) if policy is None else policy
    W = np.zeros(F[H].shape[0])
    for t in range(H - 1, -1, -1):
        off = history_count(A, n_obs, t)
        Q = F[t] @ model.R + W.reshape(-1, A, n_obs).sum(axis=2)  # (n_t, A)
        if policy is None:
            a = np.argmax(Q, axis=1)
            table[off:off + len(a)] = a
            W = Q[np.arange(len(a)), a]
        else:
            a = policy[off:off + Q.shape[0]]
            W = np.where(a < 0, Q.mean(axis=1), Q[np.arange(len(a)), np.maximum(a, 0)])
    return float(W[0]), table


def history_optimal(model: POMDP) -> tuple[float, np.ndarray]:
    """``(V*, policy)``: the optimal value from ``model.initial`` over history-dependent policies and an optimal
    deterministic policy table (:func:`history_count` entries, ties to the lowest action), by exact backward induction
    over every observation-action history of the episodic ``model`` (``(A n_obs)^H`` of them: small models only)."""
    model = _check_horizon_model(model)
    return _backward(model, _forward(model), None)


def _check_policy_table(policy, model: POMDP, name: str = "policy") -> np.ndarray:
    p = check_real_array(policy, name)
    if p.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer actions (-1: uniform), got dtype {p.dtype}")
    n = history_count(model.A, model.n_obs, model.H)
    if p.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (history_count(A, n_obs, H)), got {p.shape}")
    bad = np.flatnonzero((p < -1) | (p >= model.A))
    if len(bad):
        raise ValueError(f"{name}[{bad[0]}] = {p[bad[0]]} is not an action in [0, {model.A}) or -1 (uniform)")
    return p.astype(np.int64)


def history_value(model: POMDP, policy: ArrayLike) -> float:
    """The exact value from ``model.initial`` of the history-dependent ``policy`` table (one action per history in
    :func:`history_count`'s order; ``-1`` = uniformly random action there), by backward induction over histories."""
    model = _check_horizon_model(model)
    return _backward(model, _forward(model), _check_policy_table(policy, model))[0]


def history_values(model: POMDP, policies: np.ndarray) -> np.ndarray:
    """:func:`history_value` of each row of ``policies[k, :]`` (each distinct row evaluated once)."""
    model = _check_horizon_model(model)
    p = check_real_array(policies, "policies")
    if p.ndim != 2:
        raise ValueError(f"policies must be a 2-d table policies[k, history], got shape {p.shape}")
    rows, inverse = np.unique(p, axis=0, return_inverse=True)
    F = _forward(model)
    vals = np.array([_backward(model, F, _check_policy_table(r, model, f"policies row {r.tolist()[:8]}"))[0]
                     for r in rows])
    return vals[inverse.ravel()]


def history_log_likelihoods(model: POMDP) -> np.ndarray:
    """``log P(o_{1:H} | a_{0:H-1})`` of every complete history (index as in :func:`history_count`, level ``H``):
    what OMLE's likelihood adds up (the actions' own probabilities cancel between models). ``-inf`` where 0."""
    model = _check_horizon_model(model)
    with np.errstate(divide="ignore"):
        return np.log(_forward(model)[-1].sum(axis=1))


# ------------------------------------------------------------------------------------------------ problem wrapper

@dataclass(frozen=True)
class RevealingProblem:
    """A learning problem on a finite model class: the episodic POMDP ``true`` that the learner interacts with and
    the candidate ``models`` it knows (the same ``A``, ``n_obs`` and ``H``; ``true`` need not be among them, but the
    confidence-set guarantee of OMLE assumes it is). Learners see ``models`` and a simulator of ``true``, never
    ``true``'s arrays."""

    true: POMDP
    models: tuple[POMDP, ...]
    name: str = field(default="revealing", compare=False)

    def __post_init__(self):
        _check_horizon_model(self.true, "true")
        if not isinstance(self.models, tuple) or not self.models:
            raise TypeError(f"models must be a non-empty tuple of tabular.POMDP, got {type(self.models).__name__}")
        for i, m in enumerate(self.models):
            _check_horizon_model(m, f"models[{i}]")
            if (m.A, m.n_obs, m.H) != (self.true.A, self.true.n_obs, self.true.H):
                raise ValueError(f"models[{i}] has (A, n_obs, H) = {(m.A, m.n_obs, m.H)}, the true model "
                                 f"{(self.true.A, self.true.n_obs, self.true.H)}")

    @property
    def H(self) -> int:
        return self.true.H

    @property
    def A(self) -> int:
        return self.true.A

    @property
    def n_obs(self) -> int:
        return self.true.n_obs


# ---------------------------------------------------------------------------------------------------- hard instances

def _check_bandit_args(n_arms, eps, accuracy, steps, good_arm) -> tuple[int, float, float, int, int]:
    n_arms = check_int(n_arms, "n_arms", minimum=2)
    eps = check_real(eps, "eps", low=0.0, high=0.5)
    accuracy = check_real(accuracy, "accuracy", low=0.5, high=1.0, low_open=True)
    steps = check_int(steps, "steps")
    if steps not in (1, 2):
        raise ValueError(f"steps must be 1 (single-step revealing) or 2 (two-step revealing only), got {steps}")
    good_arm = check_int(good_arm, "good_arm", minimum=0)
    if good_arm >= n_arms:
        raise ValueError(f"good_arm = {good_arm} is not an arm in [0, {n_arms})")
    return n_arms, eps, accuracy, steps, good_arm


def revealing_bandit(n_arms: int = 2, eps: float = 0.1, accuracy: float = 0.85, steps: int = 1,
                     good_arm: int = 0) -> POMDP:
    """A two-step episodic POMDP (``H = 2``) whose arm ``good_arm`` wins with probability ``1/2 + eps`` and every
    other arm with ``1/2`` [reconstruction; module docstring].

    States ``0`` start, ``1`` win, ``2`` lose, ``3`` win-probed, ``4`` lose-probed. Step 0: action ``j`` (an arm,
    ``A = n_arms``) leads from the start to win or lose. Step 1, in win or lose: action 1 *probes* (reward 0, moves to
    the probed copy), any other action *collects* (reward 1 in win, 0 in lose, stays). Probed states are absorbing.
    Observations, each correct with probability ``accuracy``:

    - ``steps=1``: win/lose emit a noisy win/lose signal, and so do the probed states (signals of their own): the
      collecting learner sees its outcome. 1-step revealing with ``alpha = 2 accuracy - 1`` in both norms.
    - ``steps=2``: win and lose emit the same blank observation; only the probed states emit the noisy signal. Not
      1-step revealing (``alpha = 0``), 2-step revealing (the probe block); to learn which arm is good the learner
      must give up the reward (the T^{2/3} mechanism).

    ``V* = 1/2 + eps`` (pull ``good_arm``, collect)."""
    n_arms, eps, q, steps, good = _check_bandit_args(n_arms, eps, accuracy, steps, good_arm)
    S, A = 5, n_arms
    P = np.zeros((S, A, S))
    win = np.full(A, 0.5)
    win[good] += eps
    P[0, :, 1], P[0, :, 2] = win, 1.0 - win
    for s in (1, 2):
        P[s, :, s] = 1.0
        P[s, 1, s] = 0.0
        P[s, 1, s + 2] = 1.0
    P[3, :, 3] = P[4, :, 4] = 1.0
    R = np.zeros((S, A))
    R[1, :] = 1.0
    R[1, 1] = 0.0
    noisy = np.array([[q, 1 - q], [1 - q, q]])
    if steps == 1:  # observations: start, win, lose, win-probed, lose-probed
        E = np.zeros((S, 5))
        E[0, 0] = 1.0
        E[1:3, 1:3] = noisy
        E[3:5, 3:5] = noisy
    else:  # observations: start, blank, win, lose
        E = np.zeros((S, 4))
        E[0, 0] = 1.0
        E[1:3, 1] = 1.0
        E[3:5, 2:4] = noisy
    initial = np.eye(S)[0]
    return POMDP(P, E, R, H=2, initial=initial, name=f"revealing-bandit(n={n_arms}, eps={eps:g}, q={q:g}, "
                                                      f"m={steps}, good={good})")


def revealing_bandit_class(n_arms: int = 2, eps: float = 0.1, accuracy: float = 0.85,
                           steps: int = 1) -> tuple[POMDP, ...]:
    """The model class ``{revealing_bandit(..., good_arm=j) : j < n_arms}``: which arm is good is what is learnt."""
    n_arms = check_int(n_arms, "n_arms", minimum=2)
    return tuple(revealing_bandit(n_arms, eps, accuracy, steps, j) for j in range(n_arms))


def revealing_problem(n_arms: int = 2, eps: float = 0.1, accuracy: float = 0.85, steps: int = 1,
                      good_arm: int = 0) -> RevealingProblem:
    """:class:`RevealingProblem` with ``true = revealing_bandit(..., good_arm)`` and the class
    :func:`revealing_bandit_class`."""
    models = revealing_bandit_class(n_arms, eps, accuracy, steps)
    good_arm = _check_bandit_args(n_arms, eps, accuracy, steps, good_arm)[4]
    return RevealingProblem(models[good_arm], models,
                            name=f"revealing-bandit(n={n_arms}, eps={eps:g}, q={accuracy:g}, m={steps})")


def _check_signs(signs, n: int) -> np.ndarray:
    """Paninski's paired signs: ``n`` entries of +-1 with ``signs[2j+1] = -signs[2j]``."""
    sg = check_real_array(signs, "signs")
    if sg.dtype.kind == "b":
        raise TypeError("signs must hold +1 / -1 numbers, got dtype bool")
    if sg.shape != (n,) or not np.all(np.abs(sg) == 1):
        raise ValueError(f"signs must be {n} entries of +1 or -1, got {plain(sg.tolist())}")
    if np.any(sg[1::2] != -sg[0::2]):
        raise ValueError("signs must pair up: signs[2j+1] = -signs[2j] for every j")
    return sg.astype(np.float64)


def paired_signs(n: int) -> np.ndarray:
    """Every sign vector of Paninski's paired perturbation of ``n`` (even) outcomes, ``(2^(n/2), n)``: row ``r`` has
    ``signs[2j] = +1`` where bit ``j`` of ``r`` is 0 (``-1`` where it is 1) and ``signs[2j+1] = -signs[2j]``."""
    n = check_int(n, "n", minimum=2)
    if n % 2:
        raise ValueError(f"n must be even (the perturbation pairs outcomes), got {n}")
    bits = (np.arange(2 ** (n // 2))[:, None] >> np.arange(n // 2)) & 1
    first = 1.0 - 2.0 * bits
    return np.repeat(first, 2, axis=1) * np.tile([1.0, -1.0], n // 2)


#: The largest model class :func:`uniformity_pac_class` builds (``1 + n_arms 2^(n/2)`` members).
PAC_CLASS_LIMIT = 4096


def uniformity_pac_pomdp(n: int = 4, n_arms: int | None = None, eps: float = 0.5, arm: int | None = None,
                         signs: ArrayLike | None = None, accuracy: float = 1.0) -> POMDP:
    """A member of the PAC hard family behind the Omega(S^{1.5}) latent-state dependence (Chen et al. 2023, Thm 3.2)
    as we reconstruct it [reconstruction; module docstring]: ``n_arms`` candidate transitions into ``n`` latent
    leaves, one of which may be a paired perturbation of the uniform law; the leaves are 2-step revealing only.

    ``H = 2``, ``A = n_arms`` (default ``n``, so that the number of candidates grows with ``S``: the paper's
    ``S^{1.5}`` is, as we read it, (candidates ~ S) x (Paninski's ``sqrt(S)`` cost of testing one law over ~S latent
    states), which we cannot check against its text). States ``0`` start, ``1..n`` leaves, ``n+1..2n`` read
    leaves (``S = 2n + 1``); observations ``0`` start, ``1`` blank, ``2..n+1`` the leaf read. Step 0: action ``c``
    moves the start to leaf ``i`` w.p. ``(1 + eps signs[i]) / n`` if ``c == arm``, ``1 / n`` otherwise. Step 1 at a
    leaf: action 0 *collects* (stays; reward ``(1 + signs[i]) / 2``: 1 on the leaves the perturbation favours, 0 on
    the others; ``1/2`` in the null model), any other action *reads* (reward 0; moves to the read copy, which shows
    the leaf, correctly w.p. ``accuracy``, otherwise one of the others uniformly). Leaves emit the blank, so the
    model is not 1-step revealing; the read look-ahead makes it 2-step revealing (``revealing_constant(model, 2)``).

    ``arm`` and ``signs`` both None: the null model (every arm uniform, ``V* = 1/2``). Otherwise ``V* = (1 + eps) /
    2`` (pull ``arm``, collect) and every other arm gives ``1/2``: an eps'-optimal policy (``eps' < eps / 2``) must
    find the perturbed arm, whose law differs from uniform only through leaves a read reveals. The learner never sees
    rewards, so it learns only from reads."""
    n = check_int(n, "n", minimum=2)
    if n % 2:
        raise ValueError(f"n must be even (the perturbation pairs leaves), got {n}")
    n_arms = n if n_arms is None else check_int(n_arms, "n_arms", minimum=2)
    eps = check_real(eps, "eps", low=0.0, high=1.0)
    accuracy = check_real(accuracy, "accuracy", low=1.0 / n, high=1.0, low_open=True)
    if (arm is None) != (signs is None):
        raise ValueError("arm and signs go together: both None (the null model) or both given")
    if arm is not None:
        arm = check_int(arm, "arm", minimum=0)
        if arm >= n_arms:
            raise ValueError(f"arm = {arm} is not an arm in [0, {n_arms})")
        sg = _check_signs(signs, n)
    S, leaves = 2 * n + 1, np.arange(1, n + 1)
    P = np.zeros((S, n_arms, S))
    P[0, :, 1:n + 1] = 1.0 / n
    if arm is not None:
        P[0, arm, 1:n + 1] = (1.0 + eps * sg) / n
    P[leaves, 0, leaves] = 1.0
    P[leaves[:, None], np.arange(1, n_arms)[None, :], (leaves + n)[:, None]] = 1.0
    P[leaves + n, :, leaves + n] = 1.0
    R = np.zeros((S, n_arms))
    R[leaves, 0] = 0.5 if arm is None else (1.0 + sg) / 2
    E = np.zeros((S, n + 2))
    E[0, 0] = 1.0
    E[leaves, 1] = 1.0
    E[n + 1:, 2:] = (1.0 - accuracy) / (n - 1)
    E[leaves + n, leaves + 1] = accuracy
    what = "null" if arm is None else f"arm {arm}, signs {''.join('+' if x > 0 else '-' for x in sg)}"
    return POMDP(P, E, R, H=2, initial=np.eye(S)[0], name=f"uniformity-pac(n={n}, arms={n_arms}, eps={eps:g}, "
                                                           f"q={accuracy:g}, {what})")


def uniformity_pac_class(n: int = 4, n_arms: int | None = None, eps: float = 0.5,
                         accuracy: float = 1.0) -> tuple[POMDP, ...]:
    """The finite class of :func:`uniformity_pac_pomdp`: the null model first, then ``(arm, signs)`` for each arm and
    each row of :func:`paired_signs` (arm-major): ``1 + n_arms 2^(n/2)`` members (at most :data:`PAC_CLASS_LIMIT`)."""
    n = check_int(n, "n", minimum=2)
    n_arms_ = n if n_arms is None else check_int(n_arms, "n_arms", minimum=2)
    size = 1 + n_arms_ * 2 ** (n // 2)
    if size > PAC_CLASS_LIMIT:
        raise ValueError(f"n = {n}, n_arms = {n_arms_}: the class would hold {size} models (over {PAC_CLASS_LIMIT})")
    signs = paired_signs(n)
    null = uniformity_pac_pomdp(n, n_arms_, eps, None, None, accuracy)
    return (null,) + tuple(uniformity_pac_pomdp(n, n_arms_, eps, j, sg, accuracy) for j in range(n_arms_)
                           for sg in signs)


def uniformity_pac_problem(n: int = 4, n_arms: int | None = None, eps: float = 0.5, arm: int | None = None,
                           pattern: int = 0, accuracy: float = 1.0) -> RevealingProblem:
    """:class:`RevealingProblem` on :func:`uniformity_pac_class` whose true model perturbs ``arm`` (default the last
    arm, so that OMLE's tie-breaking towards low indices does not favour it) with row ``pattern`` of
    :func:`paired_signs`."""
    models = uniformity_pac_class(n, n_arms, eps, accuracy)
    n_arms = models[0].A
    arm = n_arms - 1 if arm is None else check_int(arm, "arm", minimum=0)
    if arm >= n_arms:
        raise ValueError(f"arm = {arm} is not an arm in [0, {n_arms})")
    pattern = check_int(pattern, "pattern", minimum=0)
    if pattern >= 2 ** (n // 2):
        raise ValueError(f"pattern = {pattern} is not a row of paired_signs({n}) (in [0, {2 ** (n // 2)}))")
    return RevealingProblem(models[1 + arm * 2 ** (n // 2) + pattern], models,
                            name=f"uniformity-pac(n={n}, arms={n_arms}, eps={eps:g}, q={accuracy:g})")


def uniformity_testing_pomdp(n: int = 4, eps: float = 0.2, signs: ArrayLike | None = None,
                             accuracy: float = 1.0) -> POMDP:
    """The distribution-testing core as a 2-step revealing POMDP (``H = 2``, ``A = 3``) [reconstruction; module
    docstring].

    From the start, any action *samples* a leaf ``i < n`` (``n`` even) with probability ``(1 + eps signs[i]) / n``
    (``signs`` None: the uniform model; else ``+-1`` with ``signs[2j+1] = -signs[2j]``, Paninski's paired
    perturbation, which keeps the total 1). Leaves all emit one blank observation (not 1-step revealing). At step 1,
    action 1 *reads* the leaf (reward 0; moves to a read copy that shows the leaf, correctly w.p. ``accuracy``,
    otherwise one of the others uniformly), action 0 *declares uniform* and action 2 *declares perturbed* (reward 1
    for the declaration that is right for this model, 0 for the other). The leaf is a 2-step look-ahead away:
    2-step revealing. Telling a perturbed model from the uniform one needs Omega(sqrt(n) / eps^2) reads (Paninski
    2008), each of which forgoes the declaration's reward; this is the distribution-testing ingredient the paper's
    Omega(S^{1.5}) PAC bound adapts (how it combines copies of it is not known here). States: ``0`` start,
    ``1..n`` leaves, ``n+1..2n`` read leaves; observations: start, blank, leaf ``0..n-1``."""
    n = check_int(n, "n", minimum=2)
    if n % 2:
        raise ValueError(f"n must be even (the perturbation pairs leaves), got {n}")
    eps = check_real(eps, "eps", low=0.0, high=1.0)
    accuracy = check_real(accuracy, "accuracy", low=1.0 / n, high=1.0, low_open=True)
    sg = np.zeros(n) if signs is None else _check_signs(signs, n)
    S, A = 2 * n + 1, 3
    P = np.zeros((S, A, S))
    P[0, :, 1:n + 1] = (1.0 + eps * sg) / n
    leaves = np.arange(1, n + 1)
    for a in (0, 2):
        P[leaves, a, leaves] = 1.0
    P[leaves, 1, leaves + n] = 1.0
    P[leaves + n, :, leaves + n] = 1.0
    R = np.zeros((S, A))
    R[leaves, 0 if signs is None else 2] = 1.0
    E = np.zeros((S, n + 2))
    E[0, 0] = 1.0
    E[leaves, 1] = 1.0
    E[n + 1:, 2:] = (1.0 - accuracy) / (n - 1)
    E[leaves + n, leaves + 1] = accuracy
    name = "uniform" if signs is None else "perturbed"
    return POMDP(P, E, R, H=2, initial=np.eye(S)[0], name=f"uniformity-testing(n={n}, eps={eps:g}, {name})")
