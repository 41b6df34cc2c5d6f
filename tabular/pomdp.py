"""Finite POMDPs: the validated model ``POMDP``, the exact Bayes belief update (Numba) and a Numba simulator.

Conventions: ``P[s, a, s']`` (or any layout of :mod:`.models`), emissions ``O[a, s', o]`` = the probability of
observing ``o`` after action ``a`` has led to ``s'`` (an ``O[s', o]`` is broadcast to every action), mean rewards
``R[s, a]``. A step from belief ``b`` under ``a`` that yields ``o`` moves to the belief of Bayes' rule,
``b'(s') ∝ O[a, s', o] sum_s P[s, a, s'] b(s)``. There is no observation before the first action: an episode starts
in ``s_0 ~ initial`` and step ``t`` gives ``(r_t = R[s_t, a_t], s_{t+1}, o_{t+1})``.

``P`` is kept as given: dense input dense, ``P[s, a, s']``; sparse input (a ``scipy.sparse`` ``(S*A, S)`` matrix with
row ``s*A + a``, or a per-action list holding a sparse matrix) sparse, as a read-only canonical CSR ``(S*A, S)``, so
RockSample(7, 8) (S = 12545; 16 GB dense) is a model. The belief updates, the simulators and the solvers take both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import njit, types
from numba.extending import overload
from numpy.typing import ArrayLike

from boundlab.solvers.validation import (
    as_row_operator,
    check_distribution_rows,
    check_gamma,
    check_horizon,
    check_real_array,
    check_rewards,
    is_action_list,
    row_sum_atol,
)

from ._checks import Seed, check_int
from ._rng import next_uniform
from .instances import as_generator
from .models import _Sizes, _check_initial, _check_sizes, _dense_P, _frozen, _low_precision, _renormalised


def _check_emissions(O, S: int, A: int) -> np.ndarray:
    """``O[a, s', o]`` or ``O[s', o]`` (broadcast over actions) validated and returned dense ``(A, S, n_obs)``;
    a row not summing to 1 is named by its action and next state."""
    O = check_real_array(O, "O")
    if O.ndim not in (2, 3) or O.shape[-2] != S or (O.ndim == 3 and O.shape[0] != A) or O.shape[-1] < 1:
        raise ValueError(f"O must have shape (A, S, n_obs) = ({A}, {S}, n_obs) or (S, n_obs) = ({S}, n_obs) with "
                         f"n_obs >= 1, got {O.shape}")
    low = _low_precision(O)
    O3 = np.asarray(O, dtype=np.float64)
    O3 = np.broadcast_to(O3, (A, *O3.shape)) if O3.ndim == 2 else O3
    # Rows in the order s' * A + a, so the shared check's message reads "state s', action a".
    rows = np.ascontiguousarray(O3.transpose(1, 0, 2)).reshape(S * A, O3.shape[-1])
    check_distribution_rows(rows, A, "O", "next ", dtype=O.dtype)
    return _renormalised(O3, low)


def _check_transitions(P, S: int, A: int) -> np.ndarray | sp.csr_matrix:
    """``P`` validated (rows named by array, state and action): sparse input (a ``scipy.sparse`` ``(S*A, S)`` matrix,
    or a per-action list holding a sparse matrix) as a read-only canonical CSR ``(S*A, S)`` float64 matrix (a copy:
    sorted indices, no explicit zeros, rows renormalised for low-precision input); any other layout dense
    ``(S, A, S)`` as in :mod:`.models`."""
    if not (sp.issparse(P) or (is_action_list(P) and any(sp.issparse(m) for m in P))):
        return _frozen(_dense_P(P, S, A))
    low = _low_precision(P)
    P2 = sp.csr_matrix(as_row_operator(P, S, A, "P"), dtype=np.float64, copy=True)
    P2.eliminate_zeros()
    P2.sort_indices()
    if low:
        P2.data /= np.repeat(np.asarray(P2.sum(axis=1)).ravel(), np.diff(P2.indptr))
    for x in (P2.data, P2.indices, P2.indptr):
        x.setflags(write=False)
    return P2


def _self_loops(P, states: np.ndarray, A: int) -> np.ndarray:
    """``P[s, a, s]`` for each ``s`` in ``states`` and every action, ``(len(states), A)``, dense or CSR ``P``."""
    if not sp.issparse(P):
        return P[states, :, states]
    rows = (states[:, None] * A + np.arange(A)).ravel()
    return np.asarray(P[rows, np.repeat(states, A)]).reshape(len(states), A)


def _check_terminal(terminal, P, R: np.ndarray) -> tuple[int, ...]:
    """The sorted tuple of terminal states; each must be absorbing under every action with zero reward (checked,
    never imposed: a model that does not say so is refused, naming the state and action)."""
    if terminal is None:
        return ()
    t = check_real_array(terminal, "terminal")
    if t.ndim != 1 or t.dtype.kind not in "iu":
        raise TypeError(f"terminal must be a 1-d sequence of integer states, got dtype {t.dtype}, shape {t.shape}")
    S, A = R.shape
    out = np.unique(t).astype(np.int64)
    bad = out[(out < 0) | (out >= S)]
    if bad.size:
        raise ValueError(f"terminal state {bad[0]} is not a state in [0, {S})")
    loops = _self_loops(P, out, A)
    off = np.abs(loops - 1.0) > row_sum_atol(np.float64, S)
    if off.any():
        i, a = np.argwhere(off)[0]
        raise ValueError(f"terminal state {out[i]} is not absorbing: P[{out[i]}, {a}, {out[i]}] = {loops[i, a]}, not 1")
    nonzero = R[out] != 0.0
    if nonzero.any():
        i, a = np.argwhere(nonzero)[0]
        raise ValueError(f"terminal state {out[i]} must have zero reward: R[{out[i]}, {a}] = {R[out[i], a]}")
    return tuple(int(s) for s in out)


@dataclass(frozen=True)
class POMDP(_Sizes):
    """A finite POMDP (module docstring for the conventions): ``P[s, a, s']`` (dense, stored dense) or a sparse
    ``(S*A, S)`` matrix / per-action list of sparse matrices (stored as a read-only CSR ``(S*A, S)``, row ``s*A + a``;
    see :attr:`sparse`), ``O[a, s', o]`` (or ``O[s', o]``), ``R[s, a]`` (any finite reals), exactly one of ``gamma``
    in [0, 1) (discounted) or ``H`` >= 1 (finite horizon), ``initial`` belief (default uniform over states),
    ``terminal`` states (absorbing with zero reward under every action; validated, not imposed). Arrays are stored
    read-only float64, ``O`` always as ``(A, S, n_obs)``."""

    P: np.ndarray | sp.csr_matrix
    O: np.ndarray
    R: np.ndarray
    gamma: float | None = None
    H: int | None = None
    initial: np.ndarray | None = None
    terminal: tuple[int, ...] | None = None
    name: str = field(default="pomdp", compare=False)

    def __post_init__(self):
        if (self.gamma is None) == (self.H is None):
            raise ValueError(f"give exactly one of gamma (discounted) or H (finite horizon), got gamma = "
                             f"{self.gamma!r}, H = {self.H!r}")
        R = check_rewards(self.R, "R", ndim=2)
        S, A = _check_sizes(self.P, R)
        P = _check_transitions(self.P, S, A)
        O = _check_emissions(self.O, S, A)
        initial = np.full(S, 1.0 / S) if self.initial is None else self.initial
        object.__setattr__(self, "gamma", None if self.gamma is None else check_gamma(self.gamma))
        object.__setattr__(self, "H", None if self.H is None else check_horizon(self.H))
        object.__setattr__(self, "terminal", _check_terminal(self.terminal, P, R))
        object.__setattr__(self, "P", P)
        object.__setattr__(self, "O", _frozen(O))
        object.__setattr__(self, "R", _frozen(R))
        object.__setattr__(self, "initial", _frozen(_check_initial(initial, S)))

    @property
    def n_obs(self) -> int:
        return self.O.shape[2]

    @property
    def sparse(self) -> bool:
        """Whether ``P`` is stored as a CSR ``(S*A, S)`` matrix (row ``s*A + a``) rather than dense ``(S, A, S)``."""
        return sp.issparse(self.P)

    def to_arrays(self) -> tuple[np.ndarray | sp.csr_matrix, np.ndarray, np.ndarray]:
        """``(P, O[a, s', o], R[s, a])`` as stored, read-only float64: ``P`` dense ``P[s, a, s']``, or for a
        :attr:`sparse` model the CSR ``(S*A, S)`` matrix with row ``s*A + a`` (the solvers, :func:`belief_update`
        and :func:`simulate_pomdp` take either)."""
        return self.P, self.O, self.R


# ---------------------------------------------------------------------------------------------------------- beliefs

def _predict_into(P, b, a, out):
    """``out[t] = sum_s b(s) P(t | s, a)`` for Numba code; ``P`` a dense ``P[s, a, t]`` or a CSR triple
    ``(indptr, indices, data)`` of the ``(S*A, S)`` matrix (row ``s*A + a``). Compiled per form (overload below)."""
    raise NotImplementedError("_predict_into runs only inside Numba code")


@overload(_predict_into)
def _predict_into_impl(P, b, a, out):
    if isinstance(P, types.Array):
        def dense(P, b, a, out):
            out[:] = 0.0
            for s in range(b.shape[0]):
                w = b[s]
                if w != 0.0:
                    for t in range(out.shape[0]):
                        out[t] += w * P[s, a, t]
        return dense
    if isinstance(P, types.BaseTuple):
        def csr(P, b, a, out):
            indptr, indices, data = P
            S = b.shape[0]
            A = (indptr.shape[0] - 1) // S
            out[:] = 0.0
            for s in range(S):
                w = b[s]
                if w != 0.0:
                    r = s * A + a
                    for k in range(indptr[r], indptr[r + 1]):
                        out[indices[k]] += w * data[k]
        return csr
    return None


@njit(cache=True, nogil=True)
def _update_into(P, O, b, a, o, out):
    """Write the unnormalised ``O[a, s', o] sum_s P[s, a, s'] b(s)`` into ``out``, normalise it, and return the
    observation's probability ``Pr(o | b, a)``; where that is 0, ``out`` holds zeros and nothing is divided."""
    _predict_into(P, b, a, out)
    p = 0.0
    for t in range(out.shape[0]):
        out[t] *= O[a, t, o]
        p += out[t]
    if p > 0.0:
        for t in range(out.shape[0]):
            out[t] /= p
    return p


@njit(cache=True, nogil=True)
def belief_update_nb(P, O, b, a, o):
    """:func:`belief_update` for Numba code (no argument checks): ``P`` dense ``P[s, a, s']`` or, for a sparse
    model, the triple ``(P.indptr, P.indices, P.data)`` of its CSR ``(S*A, S)`` matrix. Returns
    ``(b', Pr(o | b, a))`` and raises ``ValueError`` where the observation has probability 0 under ``b`` and ``a``."""
    out = np.empty(b.shape[0])
    p = _update_into(P, O, b, a, o, out)
    if p <= 0.0:
        raise ValueError("belief update: the observation has probability 0 under the belief and action")
    return out, p


@njit(cache=True, nogil=True)
def _update_batch(P, O, B, actions, observations):
    n, S = B.shape
    out = np.empty((n, S))
    probs = np.empty(n)
    for i in range(n):
        probs[i] = _update_into(P, O, B[i], actions[i], observations[i], out[i])
    return out, probs


def _kernel_P(P, O: np.ndarray):
    """``(P for the kernels, S, A)``: a dense ``P[s, a, s']`` as a contiguous float64 array, a sparse ``(S*A, S)``
    one (``A`` read off ``O[a, s', o]``) as its CSR triple ``(indptr, indices, data)``, with no copy when it is
    already CSR float64 (a :class:`POMDP`'s)."""
    if sp.issparse(P):
        P = sp.csr_matrix(check_real_array(P, "P"), dtype=np.float64)
        S, A = P.shape[1], O.shape[0]
        if P.shape != (S * A, S):
            raise ValueError(f"sparse P must have shape (S*A, S) = ({S * A}, {S}) with row s*A + a (A = {A} from "
                             f"O[a, s', o]), got {P.shape}")
        return (P.indptr, P.indices, P.data), S, A
    P = np.ascontiguousarray(check_real_array(P, "P"), dtype=np.float64)
    if P.ndim != 3 or P.shape[0] != P.shape[2]:
        raise ValueError(f"P must have shape (S, A, S) or be a scipy.sparse (S*A, S) matrix, got {P.shape}")
    return P, P.shape[0], P.shape[1]


def _check_belief_args(P, O, B, name: str) -> tuple:
    """``(P for the kernels, O, B, S, A)`` validated (shapes; ``B`` rows probability vectors)."""
    O = np.ascontiguousarray(check_real_array(O, "O"), dtype=np.float64)
    if O.ndim != 3:
        raise ValueError(f"O must have shape (A, S, n_obs), got {O.shape}")
    P, S, A = _kernel_P(P, O)
    if O.shape[:2] != (A, S):
        raise ValueError(f"O must have shape (A, S, n_obs) = ({A}, {S}, n_obs), got {O.shape}")
    B = check_rewards(B, name, ndim=np.ndim(B) if np.ndim(B) in (1, 2) else 1)
    if B.shape[-1] != S:
        raise ValueError(f"{name} must hold beliefs over S = {S} states, got shape {B.shape}")
    rows = B.reshape(-1, S)
    bad = (rows.min(axis=1) < 0) | (np.abs(rows.sum(axis=1) - 1.0) > row_sum_atol(np.float64, S))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = "" if B.ndim == 1 else f"[{i}]"
        raise ValueError(f"{name}{where} must be a probability vector (non-negative, summing to 1), got sum "
                         f"{float(rows[i].sum())!r}, min {float(rows[i].min())!r}")
    return P, O, np.ascontiguousarray(B), S, A


def _check_indices(x, n: int, name: str, bound: int) -> np.ndarray:
    x = check_real_array(x, name)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {x.dtype}")
    if x.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {x.shape}")
    if n and (x.min() < 0 or x.max() >= bound):
        i = int(np.flatnonzero((x < 0) | (x >= bound))[0])
        raise ValueError(f"{name}[{i}] = {x[i]} is not in [0, {bound})")
    return x.astype(np.int64)


def belief_update(P: ArrayLike | sp.spmatrix, O: ArrayLike, b: ArrayLike, a: int, o: int) -> np.ndarray:
    """Bayes' rule: the belief after action ``a`` and observation ``o`` from belief ``b``,
    ``b'(s') = O[a, s', o] sum_s P[s, a, s'] b(s) / Pr(o | b, a)`` (Kaelbling, Littman & Cassandra 1998, eq. for
    the state estimator SE). ``P`` dense ``P[s, a, s']`` or a ``scipy.sparse`` ``(S*A, S)`` matrix (row ``s*A + a``;
    never densified), ``O[a, s', o]``, as stored by :class:`POMDP` (their rows are not re-checked here); ``b`` must
    be a probability vector. ``ValueError`` if ``o`` has probability 0 under ``b`` and ``a`` (never a NaN belief).
    Numba code calls :func:`belief_update_nb`."""
    P, O, b, S, A = _check_belief_args(P, O, b, "b")
    if b.ndim != 1:
        raise ValueError(f"b must be one belief b[s], got shape {b.shape} (belief_update_batch takes B[n, s])")
    a = check_int(a, "a", minimum=0)
    o = check_int(o, "o", minimum=0)
    if a >= A:
        raise ValueError(f"a = {a} is not an action in [0, {A})")
    if o >= O.shape[2]:
        raise ValueError(f"o = {o} is not an observation in [0, {O.shape[2]})")
    out = np.empty_like(b)
    if _update_into(P, O, b, a, o, out) <= 0.0:
        raise ValueError(f"observation o = {o} has probability 0 after action a = {a} from belief b: no Bayes update")
    return out


def belief_update_batch(P: ArrayLike | sp.spmatrix, O: ArrayLike, B: ArrayLike, actions: ArrayLike,
                        observations: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """:func:`belief_update` for each row: ``B[i]`` under ``actions[i]`` and ``observations[i]`` (``P`` dense or
    sparse, as there). Returns ``(B'[n, S], Pr(o_i | B[i], a_i)[n])``; ``ValueError`` naming the first row whose
    observation has probability 0."""
    P, O, B, S, A = _check_belief_args(P, O, B, "B")
    if B.ndim != 2:
        raise ValueError(f"B must have shape (n, S), got {B.shape}")
    n = B.shape[0]
    actions = _check_indices(actions, n, "actions", A)
    observations = _check_indices(observations, n, "observations", O.shape[2])
    out, probs = _update_batch(P, O, B, actions, observations)
    if n and probs.min() <= 0.0:
        i = int(np.flatnonzero(probs <= 0.0)[0])
        raise ValueError(f"row {i}: observation {observations[i]} has probability 0 after action {actions[i]} from "
                         f"B[{i}]: no Bayes update")
    return out, probs


# -------------------------------------------------------------------------------------------------------- simulator

@dataclass(frozen=True)
class POMDPTrajectories:
    """``states[n, t]`` (``t = 0..T``), ``actions[n, t]``, ``observations[n, t]`` (``o_{t+1}``, seen after action
    ``t``), ``rewards[n, t]`` (``R[s_t, a_t]``), ``t = 0..T-1``, for ``n`` episodes."""

    states: np.ndarray
    observations: np.ndarray
    rewards: np.ndarray
    actions: np.ndarray

    def discounted_returns(self, gamma: float) -> np.ndarray:
        """``sum_t gamma^t r_t`` per episode."""
        gamma = check_gamma(gamma)
        return self.rewards @ gamma ** np.arange(self.rewards.shape[1])


@njit(inline="always")
def _draw(cdf, u):
    """The first index whose cumulative probability exceeds ``u`` (``cdf`` ends at exactly 1)."""
    return min(np.searchsorted(cdf, u, side="right"), cdf.shape[0] - 1)


@njit(cache=True, nogil=True)
def _row_cdfs(indptr, data):
    """Each CSR row's cumulative sums, summed left to right and divided by the row's total, the last exactly 1:
    at every stored entry the same floats as :func:`_cdf` of the dense row (zeros add nothing)."""
    cdf = np.empty(data.shape[0])
    for r in range(indptr.shape[0] - 1):
        lo, hi = indptr[r], indptr[r + 1]
        c = 0.0
        for k in range(lo, hi):
            c += data[k]
            cdf[k] = c
        for k in range(lo, hi):
            cdf[k] /= c
        if hi > lo:
            cdf[hi - 1] = 1.0
    return cdf


def _transition_cdfs(model: POMDP) -> tuple[sp.csr_matrix, np.ndarray]:
    """``(P2, cdf)``: ``P`` as CSR, each row ``s*A + a`` with its support (``indices[indptr[r]:indptr[r+1]]``,
    increasing), and the cumulative probabilities there (:func:`_row_cdfs`), dense or sparse model alike. Drawing the
    first support point whose ``cdf`` exceeds a uniform gives the same state as an inverse-CDF draw on the dense
    row, so dense and sparse models share trajectories under one seed."""
    P2 = model.P if model.sparse else sp.csr_matrix(model.P.reshape(model.S * model.A, model.S))
    return P2, _row_cdfs(P2.indptr, P2.data)


@njit(cache=True, nogil=True)
def _simulate_kernel(P, cdf_P, cdf_O, O, R, initial, cdf_init, plan, alphas, alpha_actions, T, n_episodes, seed):
    """Episodes of ``T`` steps. Open loop (``alphas`` has no rows): action ``plan[t]``. Closed loop: the action of
    the best row of ``alphas`` at the Bayes belief, which starts at the initial distribution and is updated after
    every observation. ``P`` is the CSR triple of the ``(S*A, S)`` matrix; ``cdf_P`` its rows' cumulative sums."""
    indptr, indices, _ = P
    A = R.shape[1]
    S = R.shape[0]
    closed = alphas.shape[0] > 0
    states = np.empty((n_episodes, T + 1), dtype=np.int64)
    actions = np.empty((n_episodes, T), dtype=np.int64)
    observations = np.empty((n_episodes, T), dtype=np.int64)
    rewards = np.empty((n_episodes, T))
    b = np.empty(S)
    nxt = np.empty(S)
    rng = np.uint64(seed)
    for i in range(n_episodes):
        rng, u = next_uniform(rng)
        s = _draw(cdf_init, u)
        states[i, 0] = s
        if closed:
            b[:] = initial
        for t in range(T):
            a = alpha_actions[np.argmax(alphas @ b)] if closed else plan[t]
            actions[i, t] = a
            rewards[i, t] = R[s, a]
            rng, u = next_uniform(rng)
            lo, hi = indptr[s * A + a], indptr[s * A + a + 1]
            s = indices[lo + _draw(cdf_P[lo:hi], u)]
            rng, u = next_uniform(rng)
            o = _draw(cdf_O[a, s], u)
            observations[i, t] = o
            states[i, t + 1] = s
            if closed:
                if _update_into(P, O, b, a, o, nxt) <= 0.0:
                    raise ValueError("simulate_alpha_policy: the belief update underflowed (the drawn observation "
                                     "has probability 0 under the tracked belief in float64)")
                b[:] = nxt
    return states, actions, observations, rewards


def _cdf(p: np.ndarray) -> np.ndarray:
    """Cumulative sums along the last axis, with the last entry exactly 1."""
    c = np.cumsum(p, axis=-1)
    c /= c[..., -1:]
    c[..., -1] = 1.0
    return c


def simulate_pomdp(model: POMDP, actions: ArrayLike, n_episodes: int, seed: Seed = None) -> POMDPTrajectories:
    """``n_episodes`` episodes of ``model`` under the open-loop action sequence ``actions[t]`` (integers), in one
    Numba loop driven by a SplitMix64 stream seeded from ``seed`` (same seed, same trajectories; a dense and a
    sparse model with the same ``P`` give the same trajectories). Next states are drawn from each row's support
    (:func:`_transition_cdfs`). A terminal state is absorbing with zero reward, so an episode that reaches one stays
    there (its observations are still drawn from ``O[a, s', .]``)."""
    if not isinstance(model, POMDP):
        raise TypeError(f"model must be a tabular.POMDP, got {type(model).__name__}")
    actions = check_real_array(actions, "actions")
    if actions.ndim != 1:
        raise ValueError(f"actions must be a 1-d sequence a[t], got shape {actions.shape}")
    actions = _check_indices(actions, actions.shape[0], "actions", model.A)
    n = check_int(n_episodes, "n_episodes")
    return _simulate(model, actions, np.zeros((0, model.S)), np.zeros(0, dtype=np.int64), actions.shape[0], n, seed)


def _simulate(model: POMDP, plan, alphas, alpha_actions, T: int, n: int, seed: Seed) -> POMDPTrajectories:
    seed_int = int(as_generator(seed).integers(2**63))
    P2, cdf_P = _transition_cdfs(model)
    states, actions, obs, rewards = _simulate_kernel((P2.indptr, P2.indices, P2.data), cdf_P, _cdf(model.O),
                                                     model.O, model.R, model.initial, _cdf(model.initial), plan, alphas,
                                                     alpha_actions, T, n, seed_int)
    return POMDPTrajectories(states, obs, rewards, actions)


def simulate_alpha_policy(model: POMDP, alphas: ArrayLike, actions: ArrayLike, T: int, n_episodes: int,
                          seed: Seed = None) -> POMDPTrajectories:
    """``n_episodes`` closed-loop episodes of ``T`` steps: the belief starts at ``model.initial`` and is updated by
    Bayes' rule after every observation (:func:`belief_update`), and the action at belief ``b`` is
    ``actions[argmax_i b . alphas[i]]``: the policy of an alpha-vector value function (``solvers.hsvi``,
    ``pbvi``, ``pomdp_value_iteration``; ties to the first vector). One Numba loop, the same SplitMix64 stream as
    :func:`simulate_pomdp`. The Monte-Carlo value of such a policy: ``discounted_returns(gamma).mean()``."""
    if not isinstance(model, POMDP):
        raise TypeError(f"model must be a tabular.POMDP, got {type(model).__name__}")
    alphas = check_rewards(alphas, "alphas", ndim=2)
    if alphas.shape[1] != model.S or alphas.shape[0] < 1:
        raise ValueError(f"alphas must have shape (n, S) = (n >= 1, {model.S}), got {alphas.shape}")
    actions = _check_indices(actions, alphas.shape[0], "actions", model.A)
    T = check_int(T, "T", minimum=1)
    n = check_int(n_episodes, "n_episodes")
    return _simulate(model, np.zeros(T, dtype=np.int64), np.ascontiguousarray(alphas), actions, T, n, seed)
