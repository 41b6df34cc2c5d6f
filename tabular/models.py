"""Validated finite models: discounted ``FiniteMDP``, finite-horizon ``EpisodicMDP`` and ``LinearMDP``.

Each is a frozen dataclass that validates on construction (raising ``ValueError`` that names the argument, the
step/state/action and the violated condition, or ``TypeError`` for complex, string or object entries), stores
read-only dense float64 arrays, and converts to dense arrays.

A homogeneous ``P`` may come in any layout the solvers accept (:mod:`boundlab.solvers.validation`): dense
``P[s, a, s']``; a ``scipy.sparse`` ``(S * A, S)`` matrix whose row ``s * A + a`` is ``P(. | s, a)``; or a list of
``A`` per-action ``(S, S)`` matrices ``P[a][s, s']`` (pymdptoolbox's layout). It is validated there (row sums within
a tolerance scaled to the input's dtype) and stored once as dense ``P[s, a, s']`` (sparse input whose dense form
would exceed ``MAX_DENSE_BYTES``, 2 GiB, is refused: hand such a matrix to the solvers directly).

Lower-precision input (float32, float16) is accepted within that dtype's tolerance and then renormalised in float64
(each row of ``P`` and ``initial`` divided by its float64 sum), so the stored arrays pass the solvers' float64 checks
(tolerance 1e-8) and can be handed to them as they are. Float64 input is stored unchanged.

``R`` is the mean reward. ``reward_noise`` (default ``None``: the reward is ``R`` itself) says what a simulator
draws around it: ``"bernoulli"`` or ``("gaussian", sigma)`` clipped to ``reward_range`` with its centre solved so
that the mean is exactly ``R`` (see :mod:`.rewards`); it is stored as :class:`~.rewards.BernoulliRewards` or
:class:`~.rewards.GaussianRewards` and is part of the model's content (equality, fingerprint).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from boundlab.solvers.validation import (
    as_row_operator,
    as_step_operators,
    check_gamma,
    check_horizon,
    check_rewards,
    is_action_list,
    row_sum_atol,
)

from ._checks import check_int, check_reward_range
from .rewards import RewardNoise, check_reward_noise


def _low_precision(x) -> bool:
    """Whether ``x`` (array-like, a sparse matrix or a per-action list of them) holds floats narrower than float64."""
    dtypes = [m.dtype for m in x] if is_action_list(x) else [x.dtype if sp.issparse(x) else np.asarray(x).dtype]
    return any(d.kind == "f" and d.itemsize < 8 for d in dtypes)


def _renormalised(x: np.ndarray, low_precision: bool) -> np.ndarray:
    """``x`` (float64) with its last axis divided by its float64 sum where the input was of lower precision."""
    return x / x.sum(-1, keepdims=True) if low_precision else x


def _check_sizes(P, R: np.ndarray) -> tuple[int, int]:
    """``(S, A)`` read off ``R[(h,) s, a]``: refuse an empty ``R``, and one whose states or actions differ from those
    of a dense ``P[(h,) s, a, s']`` or a sparse ``(S*A, S)`` ``P``, naming both shapes (a malformed ``P`` itself is
    left to the solvers' validation)."""
    S, A = R.shape[-2:]
    if S < 1 or A < 1:
        raise ValueError(f"R must have at least one state and one action, got shape {R.shape}")
    if sp.issparse(P):
        n_rows, n_states = P.shape  # a square one is more likely one per-action matrix: the solvers' hint says so
        fits = n_states > 0 and n_rows % n_states == 0 and n_rows != n_states
        P_sa = (n_states, n_rows // n_states) if fits else None
    elif isinstance(P, np.ndarray) and P.ndim in (3, 4) and P.shape[-1] == P.shape[-3]:
        P_sa = P.shape[-3:-1]
    else:
        P_sa = None
    if P_sa is not None and tuple(P_sa) != (S, A):
        raise ValueError(f"R has shape {R.shape} (S = {S} states, A = {A} actions) but P has shape {P.shape} "
                         f"(S = {P_sa[0]}, A = {P_sa[1]}): R must be given for P's states and actions")
    return S, A


#: The largest dense ``P`` a model builds from sparse input (bytes); beyond it the model refuses, pointing to the
#: solvers, which take the sparse matrix directly.
MAX_DENSE_BYTES = 2 * 2**30


def _check_dense_size(P, S: int, A: int) -> None:
    """Refuse to densify a sparse ``P`` (or a per-action list holding sparse matrices) past ``MAX_DENSE_BYTES``."""
    if not (sp.issparse(P) or (is_action_list(P) and any(sp.issparse(m) for m in P))):
        return
    size = S * A * S * np.dtype(np.float64).itemsize
    if size > MAX_DENSE_BYTES:
        raise ValueError(
            f"P is sparse, and a model stores it dense: S*A*S*8 = {size / 2**30:.1f} GiB for S = {S}, A = {A}, above "
            f"the {MAX_DENSE_BYTES / 2**30:g} GiB limit (tabular.models.MAX_DENSE_BYTES). The solvers "
            f"(boundlab.solvers.value_iteration, policy_iteration, policy_evaluation, solve, backward_induction, ...) "
            f"take the sparse (S*A, S) matrix or the per-action list P[a][s, s'] directly")


def _dense_P(P, S: int, A: int, H: int | None = None) -> np.ndarray:
    """Validate ``P`` (any accepted layout; ``H`` given: finite horizon, ``P[h, s, a, s']`` allowed) and return it
    dense float64, ``(S, A, S)`` or ``(H, S, A, S)``, rows renormalised where the input was of lower precision.
    Sparse input whose dense form would exceed ``MAX_DENSE_BYTES`` is refused before anything is allocated."""
    _check_dense_size(P, S, A)
    low = _low_precision(P)
    if H is None:
        P2 = as_row_operator(P, S, A, "P")
    else:
        P2 = as_step_operators(P, S, A, H)[0]
        if not sp.issparse(P2) and P2.ndim == 4 and P2.shape[0] > 1:
            return _renormalised(P2, low)
    return _renormalised((P2.toarray() if sp.issparse(P2) else np.asarray(P2)).reshape(S, A, S), low)


def _frozen(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64, copy=True)
    x.setflags(write=False)
    return x


def _check_initial(initial, S: int) -> np.ndarray:
    if initial is None:
        mu = np.zeros(S)
        mu[0] = 1.0
        return mu
    low = _low_precision(initial)
    dtype = np.asarray(initial).dtype
    mu = check_rewards(initial, "initial", ndim=1)
    if mu.shape != (S,):
        raise ValueError(f"initial must have shape (S,) = ({S},), got {mu.shape}")
    if mu.min() < 0 or abs(mu.sum() - 1.0) > row_sum_atol(dtype, S):
        raise ValueError(f"initial must be a probability vector over states (non-negative, summing to 1), got sum "
                         f"{float(mu.sum())}, min {float(mu.min())}")
    return _renormalised(mu, low)


def _check_reward_range(R: np.ndarray, reward_range: tuple[float, float]) -> tuple[float, float]:
    lo, hi = check_reward_range(reward_range)
    out = (R < lo) | (R > hi)
    if out.any():
        idx = tuple(int(i) for i in np.argwhere(out)[0])
        raise ValueError(f"R{list(idx)} = {R[idx]} lies outside reward_range [{lo}, {hi}]")
    return lo, hi


class _Sizes:
    """``S`` and ``A`` read off the reward table ``R[s, a]`` / ``R[h, s, a]`` (one definition for every model)."""

    @property
    def S(self) -> int:
        return self.R.shape[-2]

    @property
    def A(self) -> int:
        return self.R.shape[-1]


@dataclass(frozen=True)
class FiniteMDP(_Sizes):
    """A discounted MDP: ``P[s, a, s']`` (or a layout of the module docstring), mean rewards ``R[s, a]`` in
    ``reward_range``, ``gamma`` in [0, 1) and an initial distribution (default: state 0); ``reward_noise``: what
    a simulator draws around ``R`` (module docstring; default ``None``, ``R`` itself)."""

    P: np.ndarray
    R: np.ndarray
    gamma: float
    initial: np.ndarray | None = None
    reward_range: tuple[float, float] = (0.0, 1.0)
    reward_noise: RewardNoise | str | tuple = None
    name: str = field(default="mdp", compare=False)

    def __post_init__(self):
        R = check_rewards(self.R, "R", ndim=2)
        S, A = _check_sizes(self.P, R)
        P = _dense_P(self.P, S, A)
        object.__setattr__(self, "reward_range", _check_reward_range(R, self.reward_range))
        object.__setattr__(self, "reward_noise", check_reward_noise(self.reward_noise, R, self.reward_range))
        object.__setattr__(self, "gamma", check_gamma(self.gamma))
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "R", _frozen(R))
        object.__setattr__(self, "initial", _frozen(_check_initial(self.initial, S)))

    def to_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(P[s, a, s'], R[s, a])`` as read-only float64 arrays."""
        return self.P, self.R


@dataclass(frozen=True)
class EpisodicMDP(_Sizes):
    """A finite-horizon MDP with horizon ``H`` (an integer >= 1): homogeneous ``P[s, a, s']`` (or a layout of the
    module docstring) or inhomogeneous ``P[h, s, a, s']``,
    mean rewards ``R[s, a]`` or ``R[h, s, a]`` in ``reward_range``, initial distribution (default: state 0);
    ``reward_noise``: what a simulator draws around ``R`` (module docstring; default ``None``, ``R`` itself)."""

    P: np.ndarray
    R: np.ndarray
    H: int
    initial: np.ndarray | None = None
    reward_range: tuple[float, float] = (0.0, 1.0)
    reward_noise: RewardNoise | str | tuple = None
    name: str = field(default="episodic-mdp", compare=False)

    def __post_init__(self):
        H = check_horizon(self.H)
        R = check_rewards(self.R, "R", ndim=np.ndim(self.R) if np.ndim(self.R) in (2, 3) else 2)
        if R.ndim == 3 and R.shape[0] != H:
            raise ValueError(f"R[h, s, a] must have H = {H} steps, got {R.shape[0]}")
        S, A = _check_sizes(self.P, R)
        P = _dense_P(self.P, S, A, H)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "reward_range", _check_reward_range(R, self.reward_range))
        object.__setattr__(self, "reward_noise", check_reward_noise(self.reward_noise, R, self.reward_range))
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "R", _frozen(R))
        object.__setattr__(self, "initial", _frozen(_check_initial(self.initial, S)))

    @property
    def homogeneous(self) -> bool:
        return self.P.ndim == 3 and self.R.ndim == 2

    def to_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(P[h, s, a, s'], R[h, s, a])``, broadcast over steps where the model is homogeneous (read-only views)."""
        H, S, A = self.H, self.S, self.A
        P = self.P if self.P.ndim == 4 else np.broadcast_to(self.P, (H, S, A, S))
        R = self.R if self.R.ndim == 3 else np.broadcast_to(self.R, (H, S, A))
        return P, R


@dataclass(frozen=True)
class LinearMDP:
    """A linear MDP (Jin, Yang, Wang, Jordan 2020, "Provably efficient RL with linear function approximation",
    Assumption A): ``P_h(s'|s, a) = <phi(s, a), mu_h(s')>`` and ``r_h(s, a) = <phi(s, a), theta_h>``.

    Shapes: ``phi[s, a, d]``; ``mu[h, d, s']`` or ``mu[d, s']`` (homogeneous); ``theta[h, d]`` or ``theta[d]``.
    Validation checks that every ``P_h(.|s, a)`` is a probability vector (entries above ``-1e-12`` are rounded to 0)
    and every reward lies in ``reward_range``; ``reward_noise`` as for :class:`EpisodicMDP` (it travels with
    :meth:`to_episodic`).
    """

    phi: np.ndarray
    mu: np.ndarray
    theta: np.ndarray
    H: int
    initial: np.ndarray | None = None
    reward_range: tuple[float, float] = (0.0, 1.0)
    reward_noise: RewardNoise | str | tuple = None
    name: str = field(default="linear-mdp", compare=False)

    def __post_init__(self):
        H = check_horizon(self.H)
        phi = check_rewards(self.phi, "phi", ndim=3)
        S, A, d = phi.shape
        mu = check_rewards(self.mu, "mu", ndim=3 if np.ndim(self.mu) == 3 else 2)
        mu = mu if mu.ndim == 3 else mu[None]
        theta = check_rewards(self.theta, "theta", ndim=2 if np.ndim(self.theta) == 2 else 1)
        theta = theta if theta.ndim == 2 else theta[None]
        if mu.shape[1:] != (d, S) or mu.shape[0] not in (1, H):
            raise ValueError(f"mu must have shape (H, d, S) or (d, S) with d = {d}, S = {S}, got {np.shape(self.mu)}")
        if theta.shape[1] != d or theta.shape[0] not in (1, H):
            raise ValueError(f"theta must have shape (H, d) or (d,) with d = {d}, got {np.shape(self.theta)}")
        P = np.einsum("sad,hdt->hsat", phi, mu)
        P[(P < 0) & (P >= -1e-12)] = 0.0
        low_precision = [n for n, x in (("phi", self.phi), ("mu", self.mu))
                         if np.issubdtype(np.asarray(x).dtype, np.floating) and np.asarray(x).dtype.itemsize < 8]
        try:
            as_step_operators(P[0] if P.shape[0] == 1 else P, S, A, H, "P = <phi, mu>")
        except ValueError as err:
            if not low_precision:
                raise
            raise ValueError(f"{err}; {' and '.join(low_precision)} came in {np.asarray(self.phi).dtype}/"
                             f"{np.asarray(self.mu).dtype}, whose rounding leaves <phi, mu> rows off by more than "
                             "float64's 1e-8 tolerance: build phi and mu in float64") from None
        R = np.einsum("sad,hd->hsa", phi, theta)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "reward_range", _check_reward_range(R, self.reward_range))
        object.__setattr__(self, "reward_noise", check_reward_noise(self.reward_noise, R, self.reward_range))
        object.__setattr__(self, "phi", _frozen(phi))
        object.__setattr__(self, "mu", _frozen(mu))
        object.__setattr__(self, "theta", _frozen(theta))
        object.__setattr__(self, "initial", _frozen(_check_initial(self.initial, S)))

    @property
    def d(self) -> int:
        return self.phi.shape[2]

    def to_episodic(self) -> EpisodicMDP:
        """The same model as a tabular :class:`EpisodicMDP` (dense ``P[h, s, a, s']`` where ``mu`` depends on h)."""
        P = np.einsum("sad,hdt->hsat", self.phi, self.mu)
        P[P < 0] = 0.0
        R = np.einsum("sad,hd->hsa", self.phi, self.theta)
        P = P[0] if P.shape[0] == 1 else np.broadcast_to(P, (self.H,) + P.shape[1:])
        R = R[0] if R.shape[0] == 1 else R
        if P.ndim == 4 and R.ndim == 2:
            R = np.broadcast_to(R, (self.H,) + R.shape)
        return EpisodicMDP(P, R, self.H, self.initial, self.reward_range, self.reward_noise, name=self.name)

    def to_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Dense ``(P[h, s, a, s'], R[h, s, a])``."""
        return self.to_episodic().to_arrays()


def episode_horizon(model: FiniteMDP | EpisodicMDP, horizon: int | None) -> int:
    """The number of steps an episode of ``model`` runs for a simulator: ``horizon`` (an integer >= 1), by default an
    :class:`EpisodicMDP`'s ``H`` (required for a :class:`FiniteMDP`). Beyond ``H`` only where neither ``P`` nor
    ``R`` depends on the step: a step-dependent model has no layer past ``H``."""
    if not isinstance(model, (FiniteMDP, EpisodicMDP)):
        raise TypeError(f"model must be a FiniteMDP or EpisodicMDP, got {type(model).__name__}")
    if horizon is None:
        if isinstance(model, FiniteMDP):
            raise ValueError("horizon is required to simulate a discounted FiniteMDP")
        return model.H
    T = check_int(horizon, "horizon")
    if isinstance(model, EpisodicMDP) and T > model.H and not model.homogeneous:
        layered = "P[h, s, a, s']" if model.P.ndim == 4 else "R[h, s, a]"
        raise ValueError(f"horizon must be at most the model's H = {model.H} where {layered} depends on the step "
                         f"(no layer beyond H), got {T}")
    return T
