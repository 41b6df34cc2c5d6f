"""Action-wise similar MDPs and RL over a grouped action space (Li, Ju & Shroff, "Achieving Sample and Computational
Efficient Reinforcement Learning by Action Space Reduction via Grouping", ICLR 2024, arXiv 2306.12981).

What the paper states (read in its abstract and reviews; the body could not be read): the actions are partitioned into
groups of similar transitions and rewards, a *linear decomposition model* captures how kernels and rewards differ
inside a group, and Algorithm 1 estimates the group-level ("lifted") MDP from N samples per (state, group) of a
generative model, plans on it with T iterations of value/policy iteration and acts at the group level, a lower-level
policy picking the action inside the group.

Reconstructed here (the paper's exact forms were out of reach; each choice is labelled where it is made):

* the decomposition (:class:`ActionGroupedMDP`): for an action ``a`` of group ``k``,
  ``P(.|s, a) = Pbar_k(.|s) + delta sum_i phi_i(a) (Q_{k,i}(.|s) - Pbar_k(.|s))`` and
  ``r(s, a) = rbar_k(s) + delta sum_i phi_i(a) (q_{k,i}(s) - rbar_k(s))`` with coefficients ``phi(a) >= 0``,
  ``sum_i phi_i(a) <= 1`` and ``delta`` in [0, 1]: a convex combination, so every kernel is valid without clipping,
  and two actions of one group differ in total variation by at most ``delta``;
* the lower-level policy: uniform over the chosen group (the reviews say it comes from domain knowledge; uniform is
  the neutral choice, and it makes executing a group-level policy in the original MDP *exactly* the lifted chain);
* the samples: at ``(s, j)`` the generative model is queried at an action drawn by the lower-level policy, returning
  that action's mean reward and a next state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from boundlab.solvers import policy_iteration
from boundlab.solvers.validation import check_distribution_rows, check_gamma, check_rewards

from ._checks import Seed, check_int, check_real, plain
from ._rng import next_uniform
from .instances import as_generator
from .models import FiniteMDP

__all__ = [
    "ActionGroupedMDP", "GroupedPlan", "action_grouped_mdp", "action_grouped_mdps", "bin_counts", "check_grouping",
    "check_size", "check_sizes", "coordinate_weights", "group_policy", "grouped_rl", "grouping_of", "grouping_sizes",
    "lift", "nested_groupings", "plan_lifted", "refines", "sample_lifted",
]


def check_grouping(grouping, A: int | None, name: str = "grouping") -> np.ndarray:
    """A partition of ``A`` actions (None: any number) as integer labels ``grouping[a]`` (any non-negative integers;
    returned relabelled ``0..G-1`` in order of label value). Floats, bools, other shapes are refused by name."""
    g = np.asarray(grouping)
    if g.dtype.kind not in "iu" or g.dtype == np.bool_:
        raise TypeError(f"{name} must be an integer array of group labels, one per action, got dtype {g.dtype}")
    if g.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of group labels, one per action, got shape {g.shape}")
    A = g.size if A is None else A
    if g.shape != (A,):
        raise ValueError(f"{name} must have shape (A,) = ({A},), one label per action, got {g.shape}")
    if A and g.min() < 0:
        raise ValueError(f"{name}[{int(np.argmin(g))}] = {int(g.min())} is negative: labels must be >= 0")
    return np.unique(g, return_inverse=True)[1].astype(np.int64).reshape(A)


def _check_distributions(x: np.ndarray, name: str) -> None:
    bad = (x.min(-1) < 0) | (np.abs(x.sum(-1) - 1.0) > 1e-8)
    if bad.any():
        idx = [int(i) for i in np.argwhere(bad)[0]]
        raise ValueError(f"{name}{idx} must be a probability vector (non-negative, summing to 1), got sum "
                         f"{float(x[tuple(idx)].sum())}, min {float(x[tuple(idx)].min())}")


def _check_unit(x: np.ndarray, name: str) -> None:
    out = (x < 0) | (x > 1)
    if out.any():
        idx = [int(i) for i in np.argwhere(out)[0]]
        raise ValueError(f"{name}{idx} = {float(x[tuple(idx)])} lies outside [0, 1]")


@dataclass(frozen=True)
class ActionGroupedMDP:
    """An action-wise similar MDP in the linear decomposition of the module docstring [reconstructed form].

    Shapes: ``P_bar[s, k, s']`` and ``R_bar[s, k]`` (group centres), ``P_dir[s, k, i, s']`` and ``R_dir[s, k, i]``
    (the ``d`` directions of each group), ``phi[a, i]`` (each action's coefficients: ``>= 0``, row sums ``<= 1``),
    ``groups[a]`` (the true partition, labels ``0..K-1``), ``delta`` in [0, 1] (intra-group difference scale),
    ``gamma`` in [0, 1), ``initial`` (default state 0). Rewards lie in [0, 1]. The original MDP is :attr:`mdp`
    (a validated :class:`FiniteMDP`; :meth:`to_finite`)."""

    P_bar: np.ndarray
    R_bar: np.ndarray
    P_dir: np.ndarray
    R_dir: np.ndarray
    phi: np.ndarray
    groups: np.ndarray
    delta: float
    gamma: float
    initial: np.ndarray | None = None
    name: str = field(default="action-grouped", compare=False)
    mdp: FiniteMDP = field(init=False, repr=False, compare=False)
    #: per true group: its number of actions ``[k]``, the mean, minimum and range ``[k, i]`` of its coefficients
    #: (the K-level summaries :func:`grouping_of` and :func:`boundlab.bounds.grouping.select_grouping_fast` use)
    group_sizes: np.ndarray = field(init=False, repr=False, compare=False)
    phi_mean: np.ndarray = field(init=False, repr=False, compare=False)
    phi_min: np.ndarray = field(init=False, repr=False, compare=False)
    phi_range: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        P_bar = check_rewards(self.P_bar, "P_bar", ndim=3)
        R_bar = check_rewards(self.R_bar, "R_bar", ndim=2)
        P_dir = check_rewards(self.P_dir, "P_dir", ndim=4)
        R_dir = check_rewards(self.R_dir, "R_dir", ndim=3)
        phi = check_rewards(self.phi, "phi", ndim=2)
        S, K = R_bar.shape
        A, d = phi.shape
        for arr, nm, shape in ((P_bar, "P_bar", (S, K, S)), (P_dir, "P_dir", (S, K, d, S)),
                               (R_dir, "R_dir", (S, K, d))):
            if arr.shape != shape:
                raise ValueError(f"{nm} must have shape {shape} (S = {S}, K = {K} from R_bar, d = {d} from phi), "
                                 f"got {arr.shape}")
        _check_distributions(P_bar, "P_bar")
        _check_distributions(P_dir, "P_dir")
        _check_unit(R_bar, "R_bar")
        _check_unit(R_dir, "R_dir")
        if (phi < 0).any() or (phi.sum(1) > 1 + 1e-12).any():
            a = int(np.argwhere((phi < 0).any(1) | (phi.sum(1) > 1 + 1e-12))[0, 0])
            raise ValueError(f"phi[{a}] = {phi[a].tolist()} must be non-negative with sum <= 1")
        groups = check_grouping(self.groups, A, "groups")
        if np.unique(np.asarray(self.groups)).size != K or np.asarray(self.groups).max() != K - 1:
            raise ValueError(f"groups must use every label 0..K-1 (K = {K} groups from R_bar), got labels "
                             f"{np.unique(np.asarray(self.groups)).tolist()}")
        delta = check_real(self.delta, "delta", low=0.0, high=1.0)
        mdp = FiniteMDP(*_compose(P_bar, R_bar, P_dir, R_dir, phi, groups, delta), check_gamma(self.gamma),
                        self.initial, name=self.name)
        for nm, arr in (("P_bar", P_bar), ("R_bar", R_bar), ("P_dir", P_dir), ("R_dir", R_dir), ("phi", phi),
                        ("groups", groups)):
            arr = np.array(arr, copy=True)
            arr.setflags(write=False)
            object.__setattr__(self, nm, arr)
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "gamma", mdp.gamma)
        object.__setattr__(self, "initial", mdp.initial)
        object.__setattr__(self, "mdp", mdp)
        sizes = np.bincount(groups, minlength=K)
        lo, hi, total = np.full((K, d), np.inf), np.full((K, d), -np.inf), np.zeros((K, d))
        np.minimum.at(lo, groups, phi)
        np.maximum.at(hi, groups, phi)
        np.add.at(total, groups, phi)
        for nm, arr in (("group_sizes", sizes), ("phi_mean", total / sizes[:, None]), ("phi_min", lo),
                        ("phi_range", hi - lo)):
            arr.setflags(write=False)
            object.__setattr__(self, nm, arr)

    S = property(lambda self: self.R_bar.shape[0])
    K = property(lambda self: self.R_bar.shape[1], doc="number of true groups")
    A = property(lambda self: self.phi.shape[0])
    d = property(lambda self: self.phi.shape[1], doc="number of decomposition directions per group")
    P = property(lambda self: self.mdp.P, doc="``P[s, a, s']`` of the original MDP")
    R = property(lambda self: self.mdp.R, doc="``R[s, a]`` of the original MDP")
    reward_range = property(lambda self: self.mdp.reward_range)

    def to_finite(self) -> FiniteMDP:
        """The original MDP over all ``A`` actions."""
        return self.mdp


def _compose(P_bar, R_bar, P_dir, R_dir, phi, groups, delta) -> tuple[np.ndarray, np.ndarray]:
    """``(P[s, a, s'], R[s, a])`` of the decomposition: centre plus ``delta`` times the coefficient-weighted pulls
    towards the group's directions (a convex combination, clipped only against float rounding)."""
    Pc, Rc = P_bar[:, groups], R_bar[:, groups]
    P = Pc + delta * np.einsum("ai,sait->sat", phi, P_dir[:, groups] - Pc[:, :, None])
    R = Rc + delta * np.einsum("ai,sai->sa", phi, R_dir[:, groups] - Rc[:, :, None])
    P = np.maximum(P, 0.0)
    return P / P.sum(-1, keepdims=True), np.clip(R, 0.0, 1.0)


def _balanced(A: int, K: int) -> np.ndarray:
    return (np.arange(A) * K) // A


def action_grouped_mdp(S: int, A: int, groups: int | ArrayLike, delta: float, seed: Seed = None, *, d: int = 1,
                       gamma: float = 0.9, concentration: float = 0.5) -> ActionGroupedMDP:
    """A random action-wise similar MDP: ``S`` states, ``A`` actions in ``groups`` (an int ``K``: contiguous
    groups of near-equal size; or labels ``groups[a]``), intra-group scale ``delta`` in [0, 1].

    Group centres and directions are Dirichlet(``concentration``) rows, rewards uniform on [0, 1], coefficients
    ``phi(a)`` the first ``d`` entries of a flat Dirichlet over ``d + 1`` (uniform on ``{phi >= 0, sum <= 1}``).
    [Reconstructed generator: the paper's instances are not known.] Starts at state 0."""
    S = check_int(S, "S")
    A = check_int(A, "A")
    d = check_int(d, "d")
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, (bool, np.bool_)):
        K = check_int(groups, "groups")
        if K > A:
            raise ValueError(f"groups = {K} must be at most A = {A} (every group needs an action)")
        labels = _balanced(A, K)
    else:
        labels = check_grouping(groups, A, "groups")
        K = int(labels.max()) + 1
    delta = check_real(delta, "delta", low=0.0, high=1.0)
    conc = check_real(concentration, "concentration", low=0.0, low_open=True)
    rng = as_generator(seed)
    P_bar = rng.dirichlet(np.full(S, conc), size=(S, K))
    P_dir = rng.dirichlet(np.full(S, conc), size=(S, K, d))
    R_bar, R_dir = rng.random((S, K)), rng.random((S, K, d))
    phi = rng.dirichlet(np.ones(d + 1), size=A)[:, :d]
    return ActionGroupedMDP(P_bar, R_bar, P_dir, R_dir, phi, labels, delta, gamma, name=f"grouped-S{S}-A{A}-K{K}")


def action_grouped_mdps(max_S: int = 6, max_A: int = 12, max_d: int = 2, max_gamma: float = 0.95) -> object:
    """Hypothesis strategy drawing :func:`action_grouped_mdp` instances (sizes, groups, delta, d, gamma, seed);
    hypothesis is imported on call (a test dependency)."""
    from hypothesis import strategies as st

    @st.composite
    def draw_model(draw):
        S, A = draw(st.integers(1, max_S)), draw(st.integers(1, max_A))
        return action_grouped_mdp(S, A, draw(st.integers(1, A)), draw(st.floats(0.0, 1.0)),
                                  draw(st.integers(0, 2**32 - 1)), d=draw(st.integers(1, max_d)),
                                  gamma=draw(st.floats(0.0, max_gamma)))

    return draw_model()


def _chain(K: int) -> list[int]:
    """Divisors of ``K`` each dividing the next: ``1``, then the prime factors of ``K`` multiplied in one by one
    (smallest first), ending at ``K`` (12: 1, 2, 4, 12), so the coarsenings are nested for any ``K``."""
    out, rest, p = [1], K, 2
    while rest > 1:
        while rest % p == 0:
            out.append(out[-1] * p)
            rest //= p
        p += 1
    return out


def grouping_sizes(model: ActionGroupedMDP) -> list[int]:
    """The nominal sizes of :func:`nested_groupings`' default family, nested for every ``K``: a chain of divisors
    of ``K`` (coarsenings, each dividing the next), ``K 2^j`` below ``A`` (refinements) and ``A`` (singletons)."""
    K, A = model.K, model.A
    sizes = _chain(K)
    m = 2 * K
    while m < A:
        sizes.append(m)
        m *= 2
    return sizes if sizes[-1] == A else sizes + [A]


def coordinate_weights(model: ActionGroupedMDP) -> np.ndarray:
    """``c[k, i]``: how much coordinate ``i`` of ``phi`` can move an action of group ``k`` away from its group's
    mean: ``delta * range_k(phi_i) * max_s (|R_dir - R_bar| + gamma w / 2 ||P_dir - P_bar||_1)`` with
    ``w = (hi - lo) / (1 - gamma)``, the approximation term's weighting (:mod:`boundlab.bounds.grouping`). K-level."""
    lo, hi = model.reward_range
    w = (hi - lo) / (1.0 - model.gamma)
    dP = np.abs(model.P_dir - model.P_bar[:, :, None]).sum(-1)  # [s, k, i]
    dR = np.abs(model.R_dir - model.R_bar[:, :, None])
    return model.delta * model.phi_range * (dR + model.gamma * w / 2 * dP).max(0)


def bin_counts(model: ActionGroupedMDP, r: int) -> np.ndarray:
    """``counts[k, i]``: into how many equal-width bins each true group's coefficient ``phi_i`` is cut so that the
    group splits into ``r = prod_i counts[k, i]`` cells. Greedy on :func:`coordinate_weights`: each prime factor of
    ``r`` (largest first) multiplies the count of the coordinate whose cell width times weight is largest, so the
    split follows what controls the approximation term in every coordinate, and ``2r`` refines ``r``. K-level:
    ``O(K d log r)``. [Own construction.]"""
    c = coordinate_weights(model)
    counts = np.ones(c.shape, dtype=np.int64)
    factors, rest, p = [], r, 2
    while rest > 1:
        while rest % p == 0:
            factors.append(p)
            rest //= p
        p += 1
    rows = np.arange(c.shape[0])
    for f in sorted(factors, reverse=True):
        i = np.argmax(c / counts, axis=1)
        counts[rows, i] *= f
    return counts


def check_size(model: ActionGroupedMDP, m, name: str = "m") -> int:
    """``m`` as a nominal size :func:`grouping_of` knows: a divisor of ``K``, a multiple of ``K`` below ``A``, or
    ``A``; else ``ValueError`` (``TypeError`` for a non-integer) naming ``name``."""
    K, A = model.K, model.A
    m = check_int(m, name)
    if not (m == A or (m <= K and K % m == 0) or (m % K == 0 and m < A)):
        raise ValueError(f"{name} must divide K = {K}, be a multiple of K below A = {A}, or equal A, got {m}")
    return m


def grouping_of(model: ActionGroupedMDP, m: int) -> np.ndarray:
    """The partition of nominal size ``m``: ``m`` dividing ``K``: blocks of ``K / m`` consecutive true groups merged;
    ``m = A``: singletons; ``m = K r``: each true group cut into at most ``r`` cells, a product of equal-width bins
    of its coefficients over their range in the group (:func:`bin_counts` per coordinate; empty cells dropped, so it
    may have fewer than ``m`` groups). [Own construction: the paper's candidate family is not known.]"""
    K, A = model.K, model.A
    m = check_size(model, m)
    if m == A:
        return np.arange(A, dtype=np.int64)
    if m <= K:
        return model.groups * m // K
    r = m // K
    counts = bin_counts(model, r)[model.groups]  # [a, i]
    rng = model.phi_range[model.groups]
    t = np.divide(model.phi - model.phi_min[model.groups], rng, out=np.zeros_like(rng), where=rng > 0)
    bins = np.minimum((t * counts).astype(np.int64), counts - 1)
    strides = np.cumprod(counts, axis=1) // counts
    return check_grouping(model.groups * r + (bins * strides).sum(1), A)


def refines(fine, coarse) -> bool:
    """Whether every group of ``fine`` lies inside one group of ``coarse`` (label arrays over the same actions)."""
    fine, coarse = check_grouping(fine, None, "fine"), check_grouping(coarse, None, "coarse")
    if fine.size != coarse.size:
        raise ValueError(f"fine and coarse must label the same actions, got {fine.size} and {coarse.size} labels")
    return np.unique(np.stack([fine, coarse]), axis=1).shape[1] == int(fine.max(initial=-1)) + 1


def nested_groupings(model: ActionGroupedMDP, sizes: ArrayLike | None = None) -> dict[int, np.ndarray]:
    """Partitions keyed by their number of groups: :func:`grouping_of` at each nominal size in ``sizes`` (default
    :func:`grouping_sizes`, nested for every ``K``); two sizes giving the same partition count once. Raises
    ``ValueError`` naming the sizes if the family is not nested (each refining the one before), e.g. ``sizes``
    ``[2, 3]`` with ``K = 6``."""
    sizes = grouping_sizes(model) if sizes is None else check_sizes(sizes)
    out = {}
    for m in sizes:
        labels = grouping_of(model, m)
        out[int(labels.max()) + 1] = labels
    out = dict(sorted(out.items()))
    family = list(out.items())
    for (G0, coarse), (G1, fine) in zip(family, family[1:]):
        if not refines(fine, coarse):
            raise ValueError(f"sizes {sizes} do not give nested partitions: the one with {G1} groups does not refine "
                             f"the one with {G0}")
    return out


def check_sizes(sizes) -> list[int]:
    """A non-empty list of nominal sizes (integers >= 1), named ``sizes`` in errors."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a list of nominal group counts, got {plain(sizes)}")
    out = [check_int(m, f"sizes[{i}]") for i, m in enumerate(sizes)]
    if not out:
        raise ValueError("sizes must hold at least one nominal group count, got an empty list")
    return out


def _check_model_arrays(P, R) -> tuple[np.ndarray, np.ndarray]:
    """``(P[s, a, s'], R[s, a])`` as float64: real and finite, shapes agreeing, every ``P`` row a distribution."""
    R = check_rewards(R, "R", ndim=2)
    P = check_rewards(P, "P", ndim=3)
    S, A = R.shape
    if S < 1 or A < 1:
        raise ValueError(f"R must have at least one state and one action, got shape {R.shape}")
    if P.shape != (S, A, S):
        raise ValueError(f"P must have shape (S, A, S) = {(S, A, S)} from R's shape {R.shape}, got {P.shape}")
    check_distribution_rows(P.reshape(S * A, S), A, "P")
    return P, R


def lift(P: np.ndarray, R: np.ndarray, grouping: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The exact lifted MDP of a grouping under the uniform lower-level policy: ``(P_g[s, j, s'], R_g[s, j])``,
    each the mean over the group's actions (segment sums over the actions sorted by group: ``O(S^2 A)``). ``P`` and
    ``R`` are checked (real, finite, shapes ``(S, A, S)`` and ``(S, A)``, stochastic rows)."""
    P, R = _check_model_arrays(P, R)
    g = check_grouping(grouping, R.shape[1])
    order = np.argsort(g, kind="stable")
    sizes = np.bincount(g)
    starts = np.cumsum(sizes) - sizes
    return (np.add.reduceat(P[:, order], starts, axis=1) / sizes[:, None],
            np.add.reduceat(R[:, order], starts, axis=1) / sizes)


@njit(cache=True, nogil=True)
def _draw(cdf, R, order, starts, sizes, n, bernoulli, seed):  # pragma: no cover - compiled
    S, G = cdf.shape[0], starts.size
    counts = np.zeros((S, G, S))
    rsum = np.zeros((S, G))
    state = np.uint64(seed)
    for s in range(S):
        for j in range(G):
            for _ in range(n):
                state, u = next_uniform(state)
                a = order[starts[j] + min(int(u * sizes[j]), sizes[j] - 1)]
                state, v = next_uniform(state)
                t = min(np.searchsorted(cdf[s, a], v, side="right"), S - 1)
                counts[s, j, t] += 1.0
                if bernoulli:
                    state, w = next_uniform(state)
                    rsum[s, j] += 1.0 if w < R[s, a] else 0.0
                else:
                    rsum[s, j] += R[s, a]
    return counts / n, rsum / n


def sample_lifted(P: np.ndarray, R: np.ndarray, grouping, samples: int, seed: Seed = None, *,
                  rewards: str = "bernoulli") -> tuple[np.ndarray, np.ndarray]:
    """Algorithm 1, step 1: the empirical lifted MDP ``(P_hat[s, j, s'], R_hat[s, j])`` from ``samples`` queries of
    a generative model per (state, group), each at an action drawn uniformly from the group, returning a next state
    and a reward: ``rewards="bernoulli"`` draws it from Bernoulli(``R[s, a]``) (``R`` in [0, 1]), ``"mean"`` returns
    ``R[s, a]`` itself [the paper's reward model is not known]. Numba kernel, SplitMix64 stream from ``seed``: same
    seed, same estimate. ``P`` and ``R`` are checked as in :func:`lift`."""
    P, R = _check_model_arrays(P, R)
    g = check_grouping(grouping, R.shape[1])
    n = check_int(samples, "samples")
    if not isinstance(rewards, str) or rewards not in ("bernoulli", "mean"):
        raise ValueError(f"rewards must be 'bernoulli' or 'mean', got {plain(rewards)}")
    out = (R < 0) | (R > 1)
    if rewards == "bernoulli" and out.any():
        s, a = (int(i) for i in np.argwhere(out)[0])
        raise ValueError(f"R[{s}, {a}] = {float(R[s, a])} lies outside [0, 1]: rewards='bernoulli' draws "
                         f"Bernoulli(R[s, a])")
    order = np.argsort(g, kind="stable")
    sizes = np.bincount(g)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seed_int = int(as_generator(seed).integers(2**63))
    return _draw(np.cumsum(P, axis=-1), R, order, starts, sizes, n, rewards == "bernoulli", seed_int)


def plan_lifted(P_g: np.ndarray, R_g: np.ndarray, gamma: float, iterations: int | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Algorithm 1, step 2: ``(policy[s], Q[s, j])`` after ``iterations`` = T value-iteration backups from
    ``V = 0`` (greedy in the T-th ``Q``; vectorised over states and groups), or exactly (Howard's policy iteration,
    :func:`boundlab.solvers.policy_iteration`) when ``iterations`` is None."""
    R_g = check_rewards(R_g, "R_g", ndim=2)
    P_g = check_rewards(P_g, "P_g", ndim=3)
    if P_g.shape != R_g.shape + (R_g.shape[0],):
        raise ValueError(f"P_g must have shape (S, G, S) = {R_g.shape + (R_g.shape[0],)} from R_g, got {P_g.shape}")
    _check_distributions(P_g, "P_g")
    if iterations is None:
        res = policy_iteration(P_g, R_g, gamma)
        return np.asarray(res.policy, dtype=np.int64), np.asarray(res.Q)
    Q = _backups(np.ascontiguousarray(P_g), np.ascontiguousarray(R_g), check_gamma(gamma),
                 check_int(iterations, "iterations"))
    return Q.argmax(1).astype(np.int64), Q


@njit(cache=True, nogil=True)
def _backups(P, R, gamma, T):  # pragma: no cover - compiled
    """``Q`` after ``T`` value-iteration backups from ``V = 0`` (``T >= 1``)."""
    S, G = R.shape
    V = np.zeros(S)
    Q = np.empty((S, G))
    for _ in range(T):
        for s in range(S):
            for j in range(G):
                q = 0.0
                for t in range(S):
                    q += P[s, j, t] * V[t]
                Q[s, j] = R[s, j] + gamma * q
        for s in range(S):
            V[s] = Q[s].max()
    return Q


def group_policy(policy_g: np.ndarray, grouping) -> np.ndarray:
    """Algorithm 1, step 3: the original-MDP policy ``pi[s, a]`` of a group-level policy ``policy_g[s]`` with the
    uniform lower-level policy inside each group."""
    g = check_grouping(grouping, None)
    pol = np.asarray(policy_g)
    if pol.dtype.kind not in "iu" or pol.dtype == np.bool_ or pol.ndim != 1:
        raise TypeError(f"policy_g must be a 1-d integer array of group indices, got dtype {pol.dtype}, shape "
                        f"{pol.shape}")
    if pol.size and (pol.min() < 0 or pol.max() > g.max()):
        s = int(np.argmax((pol < 0) | (pol > g.max())))
        raise ValueError(f"policy_g[{s}] = {int(pol[s])} is not a group index in 0..{int(g.max())}")
    chosen = g[None, :] == pol[:, None]
    return chosen / chosen.sum(1, keepdims=True)


class GroupedPlan(NamedTuple):
    """What Algorithm 1 returns: the group-level ``policy_g[s]``, the original-MDP ``pi[s, a]`` and the lifted
    model it planned on (``P_hat``, ``R_hat``: estimated, or exact when ``samples`` was infinite)."""

    policy_g: np.ndarray
    pi: np.ndarray
    P_hat: np.ndarray
    R_hat: np.ndarray


def grouped_rl(model: ActionGroupedMDP | FiniteMDP, grouping: ArrayLike, samples: int | float,
               iterations: int | None = None, seed: Seed = None, *, rewards: str = "bernoulli") -> GroupedPlan:
    """Algorithm 1 of Li, Ju & Shroff (as the reviews describe it): estimate the lifted MDP of ``grouping`` from
    ``samples`` = N generative-model queries per (state, group) (``numpy.inf``: the exact lifted model), plan with
    ``iterations`` = T value-iteration backups (None: exactly), act through the uniform lower-level policy;
    ``rewards``: what the generative model returns (:func:`sample_lifted`)."""
    if not isinstance(model, (ActionGroupedMDP, FiniteMDP)):
        raise TypeError(f"model must be an ActionGroupedMDP or FiniteMDP, got {type(model).__name__}")
    P, R = model.P, model.R
    g = check_grouping(grouping, R.shape[1])
    if isinstance(samples, (float, np.floating)) and samples == np.inf:
        P_hat, R_hat = lift(P, R, g)
    elif isinstance(samples, (float, np.floating)):
        raise TypeError(f"samples must be an integer >= 1 or numpy.inf, got {plain(samples)}")
    else:
        P_hat, R_hat = sample_lifted(P, R, g, samples, seed, rewards=rewards)
    policy_g, _ = plan_lifted(P_hat, R_hat, model.gamma, iterations)
    return GroupedPlan(policy_g, group_policy(policy_g, g), P_hat, R_hat)
