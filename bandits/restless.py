"""Restless multi-armed bandits (Whittle 1988, "Restless bandits: activity allocation in a changing world", J. Appl.
Prob. 25A): the model, a generator, index policies under a budget and a Numba simulator.

``J`` arms, each a two-action MDP on the same number ``S`` of states (an arm with fewer states pads with unreachable
ones): ``P[j, s, a, s']`` and mean rewards ``R[j, s, a]`` in [0, 1], action 0 passive, 1 active. Every arm moves at
every step, acted on or not ("restless"). The joint action is a 0/1 vector with at most ``B`` ones (the budget,
``sum_j a_j <= B``). The objective is the discounted total reward ``E[sum_t gamma^t sum_j R[j, s_jt, a_jt]]`` from
the product of the arms' initial distributions (the Whittle index and the relaxation bound of :mod:`.whittle`
speak of it); the simulator also gives the per-step rewards, so a finite-horizon mean (the coRMAB paper's metric:
Xu, Wilder, Khalil & Tambe, ICLR 2025) is read off the same runs.

Policies here are *index policies*: a priority table ``priority[j, s]``; at each step act on the (at most) ``B``
arms of largest priority in their current state among those with priority ``> 0``, ties to the lowest arm index
(:func:`budget_actions`). An arm of priority ``<= 0`` stays passive: with ``sum_j a_j <= B`` nothing forces an action
that its own index says is not worth its charge. The Whittle policy is ``whittle_indices(model).indices``; the myopic
baseline :func:`myopic_priority`; the random baseline, ``policy="random"``, acts on ``min(B, J)`` arms drawn
uniformly without replacement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from boundlab.solvers.validation import ROW_SUM_ATOL, check_gamma
from boundlab.tabular import Trajectories
from boundlab.tabular._checks import Seed, check_flag, check_int, check_real, plain
from boundlab.tabular._rng import next_uniform
from boundlab.tabular.instances import as_generator

from .models import real_array

#: States are stored in int16 arrays by the simulator.
MAX_STATES = int(np.iinfo(np.int16).max)


def _check_distributions(x: np.ndarray, name: str) -> None:
    """Every slice ``x[..., :]`` must be a probability vector (non-negative, summing to 1 within ``ROW_SUM_ATOL``)."""
    negative = x < 0
    if negative.any():
        idx = tuple(int(i) for i in np.argwhere(negative)[0])
        raise ValueError(f"{name}{list(idx)} = {float(x[idx])!r} is negative (a probability)")
    sums = x.sum(axis=-1)
    off = np.abs(sums - 1.0) > ROW_SUM_ATOL
    if off.any():
        idx = tuple(int(i) for i in np.argwhere(off)[0])
        where = f"{name}[{', '.join(str(i) for i in idx)}, :]" if idx else name
        raise ValueError(f"{where} sums to {float(sums[idx])!r}, not 1")


def _frozen(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64, copy=True)
    x.setflags(write=False)
    return x


@dataclass(frozen=True)
class RestlessBandit:
    """``J`` restless arms on ``S`` states each: ``P[j, s, a, s']`` (``a`` in {0 passive, 1 active}), mean rewards
    ``R[j, s, a]`` in [0, 1], discount ``gamma`` in [0, 1) and initial distributions ``initial[j, s]`` (one row per
    arm; a single row ``(S,)`` is shared by every arm; default: every arm starts in state 0). Validated on
    construction (errors name the argument and the arm/state/action); arrays stored read-only float64."""

    P: np.ndarray
    R: np.ndarray
    gamma: float
    initial: np.ndarray | None = None
    name: str = field(default="restless", compare=False)

    def __post_init__(self):
        P = real_array(self.P, "P", 4)
        J, S = P.shape[:2]
        if J < 1 or S < 1 or P.shape[2:] != (2, S):
            raise ValueError(f"P must have shape (J, S, 2, S) with J, S >= 1 (arm, state, action 0/1, next state), "
                             f"got {P.shape}")
        if S > MAX_STATES:
            raise ValueError(f"P has S = {S} states per arm, more than {MAX_STATES}")
        _check_distributions(P, "P")
        R = real_array(self.R, "R", 3)
        if R.shape != (J, S, 2):
            raise ValueError(f"R must have shape (J, S, 2) = ({J}, {S}, 2) to match P, got {R.shape}")
        out = (R < 0) | (R > 1)
        if out.any():
            idx = tuple(int(i) for i in np.argwhere(out)[0])
            raise ValueError(f"R{list(idx)} = {float(R[idx])!r} must lie in [0, 1]")
        if self.initial is None:
            mu = np.zeros((J, S))
            mu[:, 0] = 1.0
        else:
            mu = real_array(self.initial, "initial", np.ndim(self.initial) if np.ndim(self.initial) in (1, 2) else 2)
            if mu.shape not in ((S,), (J, S)):
                raise ValueError(f"initial must have shape (J, S) = ({J}, {S}) or (S,) = ({S},), got {mu.shape}")
            _check_distributions(mu, "initial")
            mu = np.broadcast_to(mu, (J, S))
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty str, got {plain(self.name)}")
        object.__setattr__(self, "gamma", check_gamma(self.gamma))
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "R", _frozen(R))
        object.__setattr__(self, "initial", _frozen(mu))

    @property
    def J(self) -> int:
        """Number of arms."""
        return self.P.shape[0]

    @property
    def S(self) -> int:
        """Number of states per arm."""
        return self.P.shape[1]


def random_restless_bandit(J: int, S: int, *, gamma: float = 0.95, good_active: bool = True, alpha: float = 1.0,
                           initial=None, seed: Seed = None) -> RestlessBandit:
    """A random restless bandit: Dirichlet(``alpha``) transition rows.

    ``good_active=False``: every row ``P[j, s, a, :]`` an independent Dirichlet draw, ``R[j, s, a]`` uniform on
    [0, 1]. ``good_active=True`` (default), the structure common in the RMAB literature where acting helps: states
    are ordered from bad to good, arm ``j`` earns ``r_j(s')`` on the state it moves to (``r_j`` sorted uniforms, so
    increasing in the state), ``R[j, s, a] = sum_s' P[j, s, a, s'] r_j(s')`` (the expected next-state reward, the
    coRMAB code's per-step metric), and acting raises the chance of every set of better states: two Dirichlet rows
    are drawn per ``(j, s)``, the active row takes the pointwise minimum of their CDFs and the passive row the
    maximum, so ``P[j, s, 1]`` first-order stochastically dominates ``P[j, s, 0]``.
    """
    J, S = check_int(J, "J"), check_int(S, "S")
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    good_active = check_flag(good_active, "good_active")
    rng = as_generator(seed)
    if good_active:
        cdf = np.cumsum(rng.dirichlet(np.full(S, alpha), size=(J, S, 2)), axis=-1)
        cdf = np.stack([cdf.max(axis=2), cdf.min(axis=2)], axis=2)
        cdf[..., -1] = 1.0
        P = np.diff(cdf, axis=-1, prepend=0.0)
        r = np.sort(rng.random((J, S)), axis=1)
        R = np.clip(np.einsum("jsat,jt->jsa", P, r), 0.0, 1.0)
    else:
        P = rng.dirichlet(np.full(S, alpha), size=(J, S, 2))
        R = rng.random((J, S, 2))
    return RestlessBandit(P, R, gamma, initial, name=f"restless-J{J}-S{S}")


def myopic_priority(model: RestlessBandit) -> np.ndarray:
    """The myopic baseline's priorities: the one-step reward gain of acting, ``R[j, s, 1] - R[j, s, 0]`` (it acts
    on the ``B`` arms of largest positive gain)."""
    _check_model(model)
    return model.R[:, :, 1] - model.R[:, :, 0]


def _check_model(model) -> RestlessBandit:
    if not isinstance(model, RestlessBandit):
        raise TypeError(f"model must be a bandits.RestlessBandit, got {type(model).__name__}")
    return model


def check_priority(priority, J: int, S: int, name: str = "policy") -> np.ndarray:
    """A priority table ``(J, S)`` of finite reals as a contiguous float64 array."""
    p = real_array(priority, name, 2)
    if p.shape != (J, S):
        raise ValueError(f"{name} must be a priority table of shape (J, S) = ({J}, {S}), got {p.shape}")
    return np.ascontiguousarray(p)


@njit(cache=True, nogil=True)
def _top_b(values, B, active):
    """``active[j] = 1`` for the (at most) ``B`` largest positive ``values``, ties to the lowest ``j``; else 0."""
    active[:] = 0
    for _ in range(B):
        best, best_value = -1, 0.0
        for j in range(values.shape[0]):
            if active[j] == 0 and values[j] > best_value:
                best, best_value = j, values[j]
        if best < 0:
            return
        active[best] = 1


@njit(cache=True, nogil=True)
def _budget_actions_kernel(priority, states, B):
    n, J = states.shape
    actions = np.zeros((n, J), dtype=np.int8)
    values = np.empty(J)
    for i in range(n):
        for j in range(J):
            values[j] = priority[j, states[i, j]]
        _top_b(values, B, actions[i])
    return actions


def budget_actions(priority, states, B: int) -> np.ndarray:
    """The index policy's joint action(s): for each joint state ``states[..., j]`` (a ``(J,)`` vector or ``(n, J)``
    batch of integer states), ``a[j] = 1`` for the (at most) ``B`` arms with the largest positive
    ``priority[j, states[j]]``, ties to the lowest arm index; int8, the shape of ``states``."""
    st = np.asarray(states)
    if st.dtype.kind not in "iu":
        raise TypeError(f"states must be an integer array, got dtype {st.dtype}")
    if st.ndim not in (1, 2):
        raise ValueError(f"states must be a joint state (J,) or a batch (n, J), got shape {st.shape}")
    J = st.shape[-1]
    if J < 1:
        raise ValueError("states must hold at least one arm")
    p = real_array(priority, "priority", 2)
    if p.shape[0] != J:
        raise ValueError(f"priority has {p.shape[0]} arms (rows) but states has {J}")
    if st.size and (st.min() < 0 or st.max() >= p.shape[1]):
        raise ValueError(f"states must lie in [0, {p.shape[1] - 1}] (priority has {p.shape[1]} states per arm)")
    B = check_int(B, "B", minimum=0)
    out = _budget_actions_kernel(np.ascontiguousarray(p), np.ascontiguousarray(st.reshape(-1, J), np.int64), B)
    return out.reshape(st.shape)


@njit(cache=True, nogil=True)
def _draw(cdf, u):
    """The first index whose CDF exceeds ``u`` (inverse-CDF sampling; the last index if rounding leaves none)."""
    n = cdf.shape[0]
    for k in range(n - 1):
        if u < cdf[k]:
            return k
    return n - 1


@njit(cache=True, nogil=True)
def _simulate_kernel(cdf_P, R, cdf_init, priority, random_policy, B, n, H, seed):
    """``n`` episodes of ``H`` steps. Draw order (one SplitMix64 stream): per episode, one uniform per arm for its
    initial state (arm order); per step, for the random policy ``min(B, J)`` uniforms (a partial Fisher-Yates
    shuffle of ``0..J-1``: the ``k``-th draw swaps position ``k`` with ``k + floor(u (J - k))``, the first ``min(B,
    J)`` positions are the active arms), then one uniform per arm for its next state (arm order)."""
    J = R.shape[0]
    state = np.uint64(seed)
    states = np.empty((n, H + 1, J), dtype=np.int16)
    actions = np.zeros((n, H, J), dtype=np.int8)
    rewards = np.zeros((n, H))
    values = np.empty(J)
    perm = np.empty(J, dtype=np.int64)
    m = min(B, J)
    for e in range(n):
        for j in range(J):
            state, u = next_uniform(state)
            states[e, 0, j] = _draw(cdf_init[j], u)
        for t in range(H):
            a = actions[e, t]
            s = states[e, t]
            if random_policy:
                for j in range(J):
                    perm[j] = j
                for k in range(m):
                    state, u = next_uniform(state)
                    i = k + int(u * (J - k))
                    perm[k], perm[i] = perm[i], perm[k]
                    a[perm[k]] = 1
            else:
                for j in range(J):
                    values[j] = priority[j, s[j]]
                _top_b(values, B, a)
            total = 0.0
            for j in range(J):
                total += R[j, s[j], a[j]]
                state, u = next_uniform(state)
                states[e, t + 1, j] = _draw(cdf_P[j, s[j], a[j]], u)
            rewards[e, t] = total
    return states, actions, rewards


def simulate_restless(model: RestlessBandit, policy, B: int, horizon: int, n_episodes: int = 1,
                      seed: Seed = None) -> Trajectories:
    """Run an index policy (or ``policy="random"``) under budget ``B`` for ``horizon`` steps, ``n_episodes`` times,
    in one Numba loop vectorised over the arms (draw order: :func:`_simulate_kernel`; same seed, same result).

    Returns :class:`~boundlab.tabular.Trajectories` with a last axis over the arms: ``states[n, t, j]`` (``t = 0 ..
    horizon``), ``actions[n, t, j]`` and the per-step rewards ``rewards[n, t] = sum_j R[j, s_jt, a_jt]`` (mean
    rewards); ``.returns(model.gamma)`` gives the discounted returns (truncated at ``horizon``: the tail is at most
    ``J gamma^horizon / (1 - gamma)``).

    Args:
        model: a :class:`RestlessBandit`. policy: a priority table ``(J, S)`` (index policy, :func:`budget_actions`)
            or ``"random"``. B: the budget (an integer >= 0). horizon, n_episodes: integers >= 1.
            seed: int or ``numpy.random.Generator``.
    """
    _check_model(model)
    B = check_int(B, "B", minimum=0)
    horizon, n_episodes = check_int(horizon, "horizon"), check_int(n_episodes, "n_episodes")
    if isinstance(policy, str):
        if policy != "random":
            raise ValueError(f"policy must be a priority table (J, S) or 'random', got {policy!r}")
        priority, random_policy = np.zeros((model.J, model.S)), True
    else:
        priority, random_policy = check_priority(policy, model.J, model.S), False
    rng = as_generator(seed)
    seed_int = int(rng.integers(2**63))
    cdf_P = np.cumsum(model.P, axis=-1)
    cdf_init = np.cumsum(model.initial, axis=-1)
    states, actions, rewards = _simulate_kernel(cdf_P, np.ascontiguousarray(model.R), cdf_init, priority,
                                                random_policy, B, n_episodes, horizon, seed_int)
    return Trajectories(states, actions, rewards)
