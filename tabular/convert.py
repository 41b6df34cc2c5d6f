"""Conversion from other toolkits' layouts: pymdptoolbox's arrays and gymnasium's toy-text transition tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from boundlab.solvers.validation import check_real_array

from ._checks import plain
from .models import EpisodicMDP, FiniteMDP

if TYPE_CHECKING:  # gymnasium is optional
    import gymnasium as gym


def _covering_range(R: np.ndarray) -> tuple[float, float]:
    """The model's ``reward_range``: [0, 1] widened to cover ``R`` (learners refuse rewards outside [0, 1] unless
    asked to rescale from this range)."""
    return float(min(R.min(initial=0.0), 0.0)), float(max(R.max(initial=1.0), 1.0))


def from_mdptoolbox(P: Sequence[ArrayLike | sp.spmatrix] | ArrayLike, R: Sequence[ArrayLike | sp.spmatrix] | ArrayLike,
                    gamma: float, initial: ArrayLike | None = None) -> FiniteMDP:
    """A :class:`FiniteMDP` from pymdptoolbox's layout (``mdptoolbox.mdp``).

    ``P``: a list (or tuple, or object array) of ``A`` per-action ``(S, S)`` matrices ``P[a][s, s']``, dense or
    ``scipy.sparse``, or a dense ``(A, S, S)`` array. ``R``, read as pymdptoolbox reads it: a 1-d array ``R[s]``
    (the same for every action), a 2-d array ``R[s, a]``, a 3-d array ``R[a, s, s']``, or a list of ``A``
    per-action ``(S, S)`` matrices ``R[a][s, s']``, dense or sparse; rewards that depend on ``s'`` become their
    expectation ``sum_s' P(s'|s, a) R[a][s, s']``.
    The model's ``reward_range`` is [0, 1] widened to cover ``R``.
    """
    if sp.issparse(P):
        raise TypeError("P must be a list of A per-action (S, S) matrices P[a][s, s'] (or a dense (A, S, S) array), "
                        "not one sparse matrix: its row order cannot be told")
    mats = [P[a] for a in range(len(P))] if isinstance(P, (list, tuple)) or np.ndim(P) in (1, 3) else None
    if mats is None or not mats:
        raise ValueError(f"P must hold A >= 1 per-action (S, S) matrices, got shape {np.shape(P)}")
    mats = [check_real_array(m, f"P[{a}]") for a, m in enumerate(mats)]
    A, S = len(mats), mats[0].shape[0]
    for a, m in enumerate(mats):
        if m.shape != (S, S):
            raise ValueError(f"P[{a}] must have shape (S, S) = ({S}, {S}), got {m.shape}")
    per_action = isinstance(R, (list, tuple)) or (isinstance(R, np.ndarray) and R.dtype == object) \
        or np.ndim(R) == 3
    if per_action:
        if len(R) != A:
            raise ValueError(f"R given per action must hold A = {A} items, got {len(R)}")
        cols = []
        for a, (Ra, Pa) in enumerate(zip(R, mats)):
            Ra = check_real_array(Ra, f"R[{a}]")
            if Ra.shape != (S, S):
                raise ValueError(f"R[{a}] must have shape (S, S) = ({S}, {S}), got {Ra.shape}")
            prod = sp.csr_matrix(Pa).multiply(Ra.toarray() if sp.issparse(Ra) else Ra)
            cols.append(np.asarray(prod.sum(axis=1)).ravel())
        R_sa = np.stack(cols, axis=1)
    else:
        R = check_real_array(R, "R")
        if R.shape == (S,):
            R_sa = np.repeat(R[:, None], A, axis=1)
        elif R.shape == (S, A):
            R_sa = R
        else:
            raise ValueError(f"R must have shape (S,), (S, A) or (A, S, S) with S={S}, A={A}; got {R.shape}")
    R_sa = np.asarray(R_sa, dtype=np.float64)
    if not np.all(np.isfinite(R_sa)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(R_sa))[0])
        raise ValueError(f"R is not finite at (state, action) {bad}")
    return FiniteMDP(mats, R_sa, gamma, initial, reward_range=_covering_range(R_sa), name="mdptoolbox")


def from_gymnasium(env: gym.Env, *, gamma: float | None = None, H: int | None = None,
                   initial: ArrayLike | None = None) -> FiniteMDP | EpisodicMDP:
    """A model of a gymnasium environment with a tabular transition table ``env.unwrapped.P`` (the toy-text
    environments: FrozenLake, Taxi, CliffWalking, ...): ``P[s][a]`` is a list of ``(prob, next_state, reward,
    terminated)``.

    - Give exactly one of ``gamma`` (a discounted :class:`FiniteMDP`) or ``H`` (an :class:`EpisodicMDP`).
    - Entries with the same ``(s, a, next_state, terminated)`` are merged (their probabilities added); ``R[s, a]`` is
      the expected reward ``sum prob * reward``.
    - Terminal transitions: if any entry has ``terminated``, one absorbing state is appended (index ``S``, after
      the environment's ``0..S-1``, which keep their indices); a terminating entry leads there, and it loops to
      itself with reward 0 under every action, so values are those of the episode that ends.
    - ``initial``: the initial distribution (over the environment's ``S`` states); by default the environment's
      ``initial_state_distrib`` (toy-text environments keep one).
    - The model's ``reward_range`` is [0, 1] widened to cover the rewards (Taxi's and CliffWalking's are negative).
    """
    if (gamma is None) == (H is None):
        raise ValueError("give exactly one of gamma (a discounted FiniteMDP) or H (an EpisodicMDP)")
    base = getattr(env, "unwrapped", env)
    table = getattr(base, "P", None)
    if not isinstance(table, Mapping):
        raise TypeError(
            f"env ({type(base).__name__}) has no tabular transition table env.unwrapped.P (a dict s -> a -> list of "
            f"(prob, next_state, reward, terminated)), as gymnasium's toy-text environments have")
    S = len(table)
    if S < 1 or set(table) != set(range(S)):
        raise ValueError(f"env.unwrapped.P must have the states 0..{S - 1} as keys")
    A = len(table[0])
    rows, cols, probs, rewards, done = [], [], [], [], []
    for s in range(S):
        actions = table[s]
        if not isinstance(actions, Mapping) or set(actions) != set(range(A)):
            raise ValueError(f"env.unwrapped.P[{s}] must map the actions 0..{A - 1} to transition lists")
        for a in range(A):
            for entry in actions[a]:
                if len(entry) != 4:
                    raise ValueError(f"env.unwrapped.P[{s}][{a}] holds {plain(entry)}, not (prob, next_state, reward, "
                                     f"terminated)")
                p, s2, r, d = entry
                if isinstance(s2, (bool, np.bool_)) or not isinstance(s2, (int, np.integer)) or not 0 <= s2 < S:
                    raise ValueError(f"env.unwrapped.P[{s}][{a}]: next_state {plain(s2)} is not a state in [0, {S})")
                rows.append(s * A + a)
                cols.append(int(s2))
                probs.append(p)
                rewards.append(r)
                done.append(bool(d))
    probs = np.asarray(check_real_array(probs, "transition probabilities in env.unwrapped.P"), dtype=np.float64)
    rewards = np.asarray(check_real_array(rewards, "rewards in env.unwrapped.P"), dtype=np.float64)
    rows, cols, done = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(done)
    if not np.all(np.isfinite(rewards)):
        bad = rows[~np.isfinite(rewards)][0]
        raise ValueError(f"env.unwrapped.P[{bad // A}][{bad % A}] has a non-finite reward")
    n = S + bool(done.any())  # the absorbing state, index S, where some transition terminates
    cols = np.where(done, S, cols)
    if n > S:
        rows = np.concatenate([rows, S * A + np.arange(A)])
        cols = np.concatenate([cols, np.full(A, S)])
        probs = np.concatenate([probs, np.ones(A)])
    P = sp.csr_matrix((probs, (rows, cols)), shape=(n * A, n))  # duplicates summed
    R = np.bincount(rows[:len(rewards)], weights=probs[:len(rewards)] * rewards, minlength=n * A).reshape(n, A)
    if initial is None:
        initial = getattr(base, "initial_state_distrib", None)
        if initial is None:
            raise ValueError("initial is required: env.unwrapped has no initial_state_distrib")
    mu = np.asarray(initial)
    if mu.shape == (S,) and n > S:
        mu = np.append(mu, 0.0)
    name = getattr(getattr(env, "spec", None), "id", None) or type(base).__name__
    if H is not None:
        return EpisodicMDP(P, R, H, mu, reward_range=_covering_range(R), name=name)
    return FiniteMDP(P, R, gamma, mu, reward_range=_covering_range(R), name=name)
