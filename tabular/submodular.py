"""Submodular set-function rewards for Submodular RL (Prajapat, Mutny, Zeilinger & Krause, "Submodular Reinforcement
Learning", ICLR 2024, arXiv 2307.13372): the return of a trajectory ``tau = (s_0, ..., s_H)`` is ``F(set(tau))`` for
a monotone submodular ``F`` on the states, with marginal gains ``Delta(s | tau_{0:j}) = F(tau_{0:j} + s) -
F(tau_{0:j})`` that telescope: ``F(tau) = F({s_0}) + sum_j Delta(s_{j+1} | tau_{0:j})``.

Each set function is a small frozen dataclass on the ground set ``{0, ..., n-1}`` with two faces that tests hold
equal: ``F(A)`` on any iterable of states (a plain numpy reference) and ``prefix_values(states)``, ``F`` of every
prefix of a batch of trajectories ``states[..., T]`` at once (JAX, jit/vmap-able; imported lazily, so
``check_submodular`` and ``curvature`` need no JAX):

- :class:`WeightedCoverage`: ``F(A) = sum_c w_c [c covered by some footprint(s), s in A]`` (the paper's coverage and
  informative-path-planning domains; weights constant, a seeded GP sample (:func:`gp_sample`), or the 30 x 30
  density map shipped as data (:func:`density_map`: our own mixture of Gaussian bumps, standing in for the paper's
  gorilla-nest density; the paper's exact maps are not shipped);
- :class:`ItemCollection`: ``F(A) = sum_k min(count_k(A), quota_k)`` (the paper's item collection, group coverage with
  quotas);
- :class:`GPInformation`: ``F(A) = 1/2 logdet(I + K_AA / sigma^2)`` (Bayesian experiment design; the information gain
  of noisy observations at ``A``; a revisit earns nothing, or with ``revisits=True`` each visit is one more noisy
  observation, as the authors' code counts them), by rank-one Cholesky updates along each trajectory;
- :class:`UserSetFunction`: any ``F(frozenset) -> float`` (prefix values through a host callback).

``check_submodular`` verifies ``F(empty) = 0``, monotonicity and diminishing returns by brute force on a small ground
set; ``curvature`` gives the total curvature ``c = 1 - min_v Delta(v | V - v) / F({v})`` (Conforti & Cornuejols 1984).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._checks import check_flag, check_int, check_real, plain
from .instances import as_generator

__all__ = ["GPInformation", "ItemCollection", "SubmodularCheck", "UserSetFunction", "WeightedCoverage",
           "check_submodular", "curvature", "gp_kernel", "gp_sample", "grid_footprint", "marginal_gains",
           "density_map", "gaussian_bumps", "random_items", "trajectory_value"]

_DENSITY = Path(__file__).with_name("submodular_density.csv")
#: how ``submodular_density.csv`` was made (its header says the same; a test regenerates it)
DENSITY_CALL = dict(rows=30, cols=30, seed=2024, bumps=6)


# ----------------------------------------------------------------------------------------------------- validation
def _array(x: Any, name: str, kinds: str, ndim: int) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind not in kinds:
        want = {"b": "booleans", "iu": "integers", "biuf": "real numbers", "iuf": "real numbers"}.get(kinds, kinds)
        raise TypeError(f"{name} must hold {want}, got dtype {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{name} must be finite, got {plain(a[bad])} at index {bad}")
    return a


def _states(A: Iterable[Any], n: int, name: str = "A") -> np.ndarray:
    """The elements of ``A`` as an int array, each an integer in ``[0, n)``."""
    if isinstance(A, (str, bytes)):
        raise TypeError(f"{name} must be an iterable of states, got {type(A).__name__}")
    a = np.asarray(list(A) if not isinstance(A, np.ndarray) else A)
    if a.size == 0:
        return np.zeros(0, np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer states, got dtype {a.dtype}")
    a = a.reshape(-1)
    bad = np.flatnonzero((a < 0) | (a >= n))
    if bad.size:
        raise ValueError(f"{name} holds state {plain(a[bad[0]])} at position {bad[0]}, outside [0, {n})")
    return a.astype(np.int64)


def _first_visits(states):
    """``first[..., t]``: ``states[..., t]`` differs from every earlier entry (JAX)."""
    import jax.numpy as jnp

    T = states.shape[-1]
    same = states[..., :, None] == states[..., None, :]
    earlier = jnp.tril(jnp.ones((T, T), bool), k=-1)
    return ~jnp.any(same & earlier, axis=-1)


@functools.cache
def _kernels() -> dict:
    """The jitted prefix-value kernels (built on first use, so importing this module does not import JAX)."""
    import jax
    import jax.numpy as jnp

    def coverage(cells, weights, states):
        # cells[s, k]: the cells state s covers, padded with the zero-weight cell m; one pass over T with the
        # covered set as the carry: O(T k) per trajectory (a dense running OR is O(T m), and slow on XLA's CPU)
        def one(traj):
            def body(covered, s):
                c = cells[s]
                return covered.at[c].set(True), jnp.sum(jnp.where(covered[c], 0.0, weights[c]))

            return jnp.cumsum(jax.lax.scan(body, jnp.zeros(weights.shape[0], bool), traj)[1])

        flat = states.reshape(-1, states.shape[-1])
        return jax.vmap(one)(flat).reshape(states.shape)

    def items(table, quota, states):
        new = _first_visits(states)[..., None] * table[states]
        return jnp.minimum(jnp.cumsum(new, axis=-2), quota).sum(-1)

    def gp(K, states, revisits):
        batch, T = states.shape[:-1], states.shape[-1]
        flat = states.reshape(-1, T)

        def one(traj, new):
            def body(L, t):
                s = traj[t]
                k = jnp.where(new & (jnp.arange(T) < t), K[traj, s], 0.0)   # rows already in the factor
                ell = jax.scipy.linalg.solve_triangular(L, k, lower=True)  # zero on unused (identity) slots
                d = jnp.sqrt(jnp.maximum(1.0 + K[s, s] - ell @ ell, 1e-30))
                row = jnp.where(new[t], ell.at[t].set(d), jnp.zeros(T).at[t].set(1.0))
                return L.at[t].set(row), jnp.where(new[t], jnp.log(d), 0.0)

            return jnp.cumsum(jax.lax.scan(body, jnp.eye(T), jnp.arange(T))[1])

        new = jnp.ones(flat.shape, bool) if revisits else _first_visits(flat)   # revisits: every visit observes
        return jax.vmap(one)(flat, new).reshape(*batch, T)

    return {"coverage": jax.jit(coverage), "items": jax.jit(items),
            "gp": jax.jit(gp, static_argnames="revisits")}


def _state_array(states: Any, n: int):
    """``states`` as a JAX integer array; concrete values (not traced under ``jit``) must lie in ``[0, n)``, since
    JAX would clamp an index out of range silently."""
    import jax
    import jax.numpy as jnp

    if isinstance(states, jax.core.Tracer):
        return states
    a = np.asarray(states)
    if a.dtype.kind not in "iu" or a.ndim < 1:
        raise TypeError(f"states must be an integer array [..., T], got dtype {a.dtype}, shape {a.shape}")
    bad = np.argwhere((a < 0) | (a >= n))
    if bad.size:
        raise ValueError(f"states holds {a[tuple(bad[0])]} at index {tuple(int(i) for i in bad[0])}, outside [0, {n})")
    return jnp.asarray(a)


class _SetFunction:
    """Shared face: ``F(A)`` validates ``A`` and calls ``_value`` on its distinct states."""

    n: int

    def __call__(self, A: Iterable[Any]) -> float:
        return float(self._value(np.unique(_states(A, self.n))))

    def gains(self, states: ArrayLike):
        """Marginal gains ``[F({s_0}), Delta(s_1 | s_0), ...]`` of each trajectory in ``states[..., T]`` (JAX)."""
        import jax.numpy as jnp

        v = self.prefix_values(states)
        return jnp.diff(v, axis=-1, prepend=jnp.zeros_like(v[..., :1]))


# ------------------------------------------------------------------------------------------------------- coverage
@dataclass(frozen=True, eq=False)
class WeightedCoverage(_SetFunction):
    """``F(A) = sum_c weights[c] * [exists s in A: footprint[s, c]]``: weighted coverage, monotone submodular for
    ``weights >= 0``. ``footprint[s, c]`` (bool, ``[n, m]``): state ``s`` covers cell ``c``."""

    footprint: np.ndarray
    weights: np.ndarray
    n: int = field(init=False)

    def __post_init__(self):
        fp = _array(self.footprint, "footprint", "b", 2)
        w = _array(self.weights, "weights", "biuf", 1).astype(np.float64)
        if w.shape[0] != fp.shape[1]:
            raise ValueError(f"weights has {w.shape[0]} entries, footprint covers {fp.shape[1]} cells")
        if np.any(w < 0):
            c = int(np.argmin(w))
            raise ValueError(f"weights must be >= 0 (else F is not monotone), got {w[c]} at cell {c}")
        object.__setattr__(self, "footprint", fp)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "n", fp.shape[0])
        k = max(int(fp.sum(axis=1).max(initial=0)), 1)
        order = np.argsort(~fp, axis=1, kind="stable")[:, :k]                          # covered cells first
        object.__setattr__(self, "_cells", np.where(np.take_along_axis(fp, order, 1), order, w.shape[0]))

    def _value(self, A: np.ndarray) -> float:
        return float(self.weights[self.footprint[A].any(axis=0)].sum()) if A.size else 0.0

    def prefix_values(self, states: ArrayLike):
        """``F`` of every prefix of ``states[..., T]`` (JAX): one pass with the covered cells as the carry."""
        import jax.numpy as jnp

        return _kernels()["coverage"](jnp.asarray(self._cells, jnp.int32),
                                      jnp.asarray(np.append(self.weights, 0.0), jnp.float32),
                                      _state_array(states, self.n))


def grid_footprint(rows: int, cols: int, kind: str = "paper", walls: ArrayLike | None = None) -> np.ndarray:
    """``footprint[s, c]`` on a ``rows x cols`` grid (state ``r * cols + c``). ``"paper"``: the cell and its right, down
    and down-right neighbours (the authors' code, ``diag_reward_graph``: an asymmetric 2x2 block); ``"cell"``: the cell
    only; ``"cross"``: the cell and its four neighbours. Wall cells (``walls[r, c]`` True) cover and are covered by
    nothing."""
    rows, cols = check_int(rows, "rows"), check_int(cols, "cols")
    offsets = {"paper": [(0, 0), (0, 1), (1, 0), (1, 1)], "cell": [(0, 0)],
               "cross": [(0, 0), (0, 1), (1, 0), (0, -1), (-1, 0)]}
    if not isinstance(kind, str) or kind not in offsets:
        raise ValueError(f"kind must be one of {', '.join(offsets)}, got {kind!r}")
    wall = np.zeros((rows, cols), bool) if walls is None else _array(walls, "walls", "b", 2)
    if wall.shape != (rows, cols):
        raise ValueError(f"walls must have shape ({rows}, {cols}), got {wall.shape}")
    r, c = np.divmod(np.arange(rows * cols), cols)
    fp = np.zeros((rows * cols, rows * cols), bool)
    for dr, dc in offsets[kind]:
        rr, cc = r + dr, c + dc
        ok = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        ok[ok] &= ~wall[rr[ok], cc[ok]]
        fp[np.flatnonzero(ok), rr[ok] * cols + cc[ok]] = True
    fp[wall.reshape(-1)] = False
    return fp


def gp_kernel(coords: ArrayLike, lengthscale: float = 1.0, kind: str = "matern52", variance: float = 1.0) -> np.ndarray:
    """The kernel matrix ``K[i, j] = k(x_i, x_j)`` of ``coords[n, d]``: ``"matern52"`` (the authors' gpytorch
    ``MaternKernel(nu=2.5)``) or ``"rbf"``."""
    x = _array(coords, "coords", "iuf", 2).astype(np.float64)
    ell = check_real(lengthscale, "lengthscale", low=0.0, low_open=True)
    var = check_real(variance, "variance", low=0.0, low_open=True)
    d = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0.0)) / ell
    if kind == "matern52":
        return var * (1.0 + np.sqrt(5.0) * d + 5.0 / 3.0 * d**2) * np.exp(-np.sqrt(5.0) * d)
    if kind == "rbf":
        return var * np.exp(-0.5 * d**2)
    raise ValueError(f"kind must be 'matern52' or 'rbf', got {kind!r}")


def gp_sample(rows: int, cols: int, seed: int | np.random.Generator, *, step: float = 0.1, lengthscale: float = 1.0,
              offset: float = 3.0) -> np.ndarray:
    """Coverage weights ``w[r * cols + c]`` from one GP sample on the grid (Matern-5/2, cells ``step`` apart), plus
    ``offset`` (the authors' 3), shifted up further if still negative (the code's shift for a low sample adds the
    minimum, a sign slip; weights must be ``>= 0``)."""
    rows, cols = check_int(rows, "rows"), check_int(cols, "cols")
    step = check_real(step, "step", low=0.0, low_open=True)
    rng = as_generator(seed)
    r, c = np.divmod(np.arange(rows * cols), cols)
    K = gp_kernel(np.stack([r, c], 1) * step, lengthscale)
    L = np.linalg.cholesky(K + 1e-6 * np.eye(len(K)))
    w = L @ rng.standard_normal(len(K)) + check_real(offset, "offset")
    return w - min(w.min(), 0.0)


def gaussian_bumps(rows: int, cols: int, seed: int | np.random.Generator, *, bumps: int = 6,
                   floor: float = 0.05) -> np.ndarray:
    """A synthetic density map ``w[r * cols + c]`` on a ``rows x cols`` grid: ``floor`` plus a sum of ``bumps``
    isotropic Gaussian bumps with uniform centres in the grid, widths uniform in ``[1/12, 1/5]`` of the larger side
    and heights uniform in ``[0.5, 1]``, scaled to maximum 1 (a stand-in for a species density such as the paper's
    gorilla nests; our construction, not the paper's data)."""
    rows, cols = check_int(rows, "rows"), check_int(cols, "cols")
    bumps = check_int(bumps, "bumps")
    floor = check_real(floor, "floor", low=0.0)
    rng = as_generator(seed)
    centre = rng.uniform([0, 0], [rows - 1, cols - 1], size=(bumps, 2))
    width = rng.uniform(1 / 12, 1 / 5, size=bumps) * max(rows, cols)
    height = rng.uniform(0.5, 1.0, size=bumps)
    r, c = np.divmod(np.arange(rows * cols), cols)
    d2 = (r[:, None] - centre[:, 0]) ** 2 + (c[:, None] - centre[:, 1]) ** 2
    w = (height * np.exp(-0.5 * d2 / width**2)).sum(1)
    return floor + w / w.max()


def density_map() -> np.ndarray:
    """The 30 x 30 density map shipped as data (``submodular_density.csv``, flattened row-major):
    ``gaussian_bumps(**DENSITY_CALL)`` rounded to 6 decimals, so a user can swap in a map of their own by editing one
    file. Our own synthetic map: the paper's GP and gorilla maps are not shipped."""
    return np.loadtxt(_DENSITY, delimiter=",").reshape(-1)


# ----------------------------------------------------------------------------------------------------------- items
@dataclass(frozen=True, eq=False)
class ItemCollection(_SetFunction):
    """``F(A) = sum_k min(sum_{s in A} items[s, k], quota[k])``: item collection with quotas (group coverage).
    ``items[s, k]`` >= 0 integers (how many items of type ``k`` state ``s`` holds), ``quota[k]`` >= 1."""

    items: np.ndarray
    quota: np.ndarray
    n: int = field(init=False)

    def __post_init__(self):
        items = _array(self.items, "items", "iu", 2)
        quota = _array(self.quota, "quota", "iu", 1)
        if quota.shape[0] != items.shape[1]:
            raise ValueError(f"quota has {quota.shape[0]} entries, items has {items.shape[1]} types")
        if np.any(items < 0):
            s, k = np.argwhere(items < 0)[0]
            raise ValueError(f"items must be >= 0, got {items[s, k]} at state {s}, type {k}")
        if np.any(quota < 1):
            k = int(np.argmin(quota))
            raise ValueError(f"quota must be >= 1, got {quota[k]} at type {k}")
        object.__setattr__(self, "items", items.astype(np.int64))
        object.__setattr__(self, "quota", quota.astype(np.int64))
        object.__setattr__(self, "n", items.shape[0])

    def _value(self, A: np.ndarray) -> float:
        return float(np.minimum(self.items[A].sum(axis=0), self.quota).sum())

    def prefix_values(self, states: ArrayLike):
        """``F`` of every prefix (JAX): counts over first visits, capped at the quotas."""
        import jax.numpy as jnp

        return _kernels()["items"](jnp.asarray(self.items, jnp.float32), jnp.asarray(self.quota, jnp.float32),
                                   _state_array(states, self.n))


def random_items(n: int, counts: ArrayLike, quota: ArrayLike, seed: int | np.random.Generator) -> ItemCollection:
    """Item type ``k`` on ``counts[k]`` distinct states drawn uniformly without replacement, each state at most one
    item (the authors' ``generate_Gi_Di``; paper sizes: 7 x 15 grid, counts 18, 14, 13, 16, 18, 14, quotas 3, 2, 3,
    4, 6, 3)."""
    n = check_int(n, "n")
    counts = _array(counts, "counts", "iu", 1)
    if counts.sum() > n:
        raise ValueError(f"counts sum to {counts.sum()} items, more than the {n} states")
    perm = as_generator(seed).permutation(n)[: counts.sum()]
    items = np.zeros((n, len(counts)), np.int64)
    items[perm, np.repeat(np.arange(len(counts)), counts)] = 1
    return ItemCollection(items, np.asarray(quota))


# -------------------------------------------------------------------------------------------------- GP information
@dataclass(frozen=True, eq=False)
class GPInformation(_SetFunction):
    """``F(A) = 1/2 logdet(I + K_AA / noise)``: the mutual information between a GP ``f ~ GP(0, K)`` and noisy
    observations ``f(A) + N(0, noise)`` (Srinivas et al. 2010), monotone submodular. ``kernel[n, n]`` symmetric
    positive semidefinite, ``noise = sigma^2 > 0``. By default a revisited state adds nothing (a set function).

    ``revisits=True`` (the revisit bonus, labelled: not the paper's set function): every visit is one more noisy
    observation, so ``F`` is a function of the MULTISET of visits, ``1/2 logdet(I + K_MM / noise)`` with ``K_MM`` the
    kernel on the visits with repeats (a state visited ``m`` times alone: ``1/2 log(1 + m k_ss / noise)``). It is
    the information gain of conditionally independent observations, so as a set function of the observations (each
    visit a distinct copy of its state) it is monotone submodular (Krause & Guestrin 2005); on multisets that is
    monotone DR-submodularity on the integer lattice (tests check it by brute force on copies). This is how the
    authors' code counts revisits (its ``1/2 logdet(K_visited + 1e-6 I) + 9.966 |visits|`` keeps every visit; its
    jitter 1e-6 and per-visit offset 9.966, which add a constant ~3 per visit, are not reproduced)."""

    kernel: np.ndarray
    noise: float = 1.0
    revisits: bool = False
    n: int = field(init=False)

    def __post_init__(self):
        K = _array(self.kernel, "kernel", "iuf", 2).astype(np.float64)
        if K.shape[0] != K.shape[1]:
            raise ValueError(f"kernel must be square, got shape {K.shape}")
        if not np.allclose(K, K.T, atol=1e-10):
            i, j = np.unravel_index(np.argmax(np.abs(K - K.T)), K.shape)
            raise ValueError(f"kernel must be symmetric, K[{i}, {j}] = {K[i, j]} but K[{j}, {i}] = {K[j, i]}")
        lo = np.linalg.eigvalsh(K).min() if K.size else 0.0
        if lo < -1e-8 * max(1.0, np.abs(K).max()):
            raise ValueError(f"kernel must be positive semidefinite, smallest eigenvalue {lo:.3g}")
        object.__setattr__(self, "kernel", K)
        object.__setattr__(self, "noise", check_real(self.noise, "noise", low=0.0, low_open=True))
        object.__setattr__(self, "revisits", check_flag(self.revisits, "revisits"))
        object.__setattr__(self, "n", K.shape[0])

    def __call__(self, A: Iterable[Any]) -> float:
        """``F(A)``; with ``revisits`` on the multiset of ``A`` (repeats counted), else on its distinct states."""
        a = _states(A, self.n)
        return float(self._value(a if self.revisits else np.unique(a)))

    def _value(self, A: np.ndarray) -> float:
        M = np.eye(A.size) + self.kernel[np.ix_(A, A)] / self.noise
        return 0.5 * float(np.linalg.slogdet(M)[1])

    def prefix_values(self, states: ArrayLike):
        """``F`` of every prefix (JAX): ``M = I + K/noise`` grows by one row per first visit, its Cholesky factor by
        one row ``l = L^{-1} k`` and diagonal ``d = sqrt(M_ss - |l|^2)``, so each gain is ``log d``: O(T^2) per step
        (with ``revisits``, on every visit; else on first visits only)."""
        import jax.numpy as jnp

        return _kernels()["gp"](jnp.asarray(self.kernel / self.noise, jnp.float32), _state_array(states, self.n),
                                self.revisits)


# ------------------------------------------------------------------------------------------------------------ user
@dataclass(frozen=True, eq=False)
class UserSetFunction(_SetFunction):
    """Any ``fn(frozenset) -> float`` on ``{0, ..., n-1}`` (check it with :func:`check_submodular`). Prefix values go
    through ``jax.pure_callback`` (one host call per batch; not fast, but jit-able)."""

    fn: Callable[[frozenset], float]
    n: int

    def __post_init__(self):
        if not callable(self.fn):
            raise TypeError(f"fn must be callable, got {type(self.fn).__name__}")
        object.__setattr__(self, "n", check_int(self.n, "n"))

    def __call__(self, A: Iterable[Any]) -> float:
        A = frozenset(int(s) for s in _states(A, self.n))
        v = self.fn(A)
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"fn must return a real number, got {type(v).__name__} for {sorted(A)}")
        if not np.isfinite(v):
            raise ValueError(f"fn returned {v} for {sorted(A)}")
        return float(v)

    def _host_prefix(self, states: np.ndarray) -> np.ndarray:
        flat = np.asarray(states).reshape(-1, states.shape[-1])
        out = np.array([[self(row[: t + 1]) for t in range(flat.shape[1])] for row in flat], np.float32)
        return out.reshape(states.shape)

    def prefix_values(self, states: ArrayLike):
        import jax
        import jax.numpy as jnp

        states = _state_array(states, self.n)
        # one host call per batch, also under vmap (the learners vmap over seeds and trajectories): the host side
        # takes any leading batch axes
        return jax.pure_callback(self._host_prefix, jax.ShapeDtypeStruct(states.shape, jnp.float32), states,
                                 vmap_method="expand_dims")


# ---------------------------------------------------------------------------------------------- gains and checks
def _callable(F: Any) -> Callable[[frozenset], float]:
    if not callable(F):
        raise TypeError(f"F must be callable (frozenset -> float), got {type(F).__name__}")
    return F


def _real(v: Any, A: frozenset) -> float:
    """``F(A)``'s value ``v`` as a float: a real number (not a bool or a string), finite."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"F must return a real number, got {type(v).__name__} {plain(v)} for {sorted(A, key=repr)}")
    if not np.isfinite(v):
        raise ValueError(f"F returned {plain(v)} for {sorted(A, key=repr)}: values must be finite")
    return float(v)


def marginal_gains(F: Callable[[frozenset], float], states: ArrayLike) -> np.ndarray:
    """Plain reference: ``[F({s_0}), F({s_0, s_1}) - F({s_0}), ...]`` of one trajectory ``states[T]`` by one call of
    ``F`` per prefix (float64); they sum to ``F(set(states))`` (telescoping)."""
    F = _callable(F)
    s = np.asarray(states)
    if s.ndim != 1 or s.dtype.kind not in "iu":
        raise TypeError(f"states must be a 1-d integer array, got dtype {s.dtype}, shape {s.shape}")
    values = np.array([_real(F(A), A) for A in (frozenset(int(x) for x in s[: t + 1]) for t in range(len(s)))])
    return np.diff(values, prepend=0.0)


def trajectory_value(F: Callable[[frozenset], float], states: ArrayLike) -> float:
    """``F(set(states))`` of one trajectory."""
    A = frozenset(int(x) for x in np.asarray(states).reshape(-1))
    return _real(_callable(F)(A), A)


class SubmodularCheck(NamedTuple):
    """Result of :func:`check_submodular`: ``ok`` when all three hold; each violation list holds tuples
    ``(A, v, B, amount)`` with sets as sorted tuples (``monotone``: ``F(A + v) < F(A)``, ``B`` is ``A``;
    ``diminishing``: ``Delta(v | A) < Delta(v | B)`` for ``A`` a subset of ``B``, ``v`` not in ``B``)."""

    ok: bool
    empty_value: float
    monotone: list
    diminishing: list


def _all_values(F: Callable[[frozenset], float], ground: list) -> np.ndarray:
    """``F`` of every subset, indexed by bitmask over ``ground``."""
    F = _callable(F)
    values = np.empty(2 ** len(ground))
    for mask in range(values.size):
        A = frozenset(g for i, g in enumerate(ground) if mask >> i & 1)
        values[mask] = _real(F(A), A)
    return values


def _ground(ground: Iterable[Any], limit: int) -> list:
    if isinstance(ground, (str, bytes)) or not isinstance(ground, Iterable):
        raise TypeError(f"ground must be an iterable of elements, got {type(ground).__name__}")
    g = list(ground)
    if len(set(g)) != len(g):
        raise ValueError("ground must not repeat elements")
    if len(g) > limit:
        raise ValueError(f"ground has {len(g)} elements; brute force is limited to {limit}")
    return g


def check_submodular(F: Callable[[frozenset], float], ground: Iterable[Any], *, atol: float = 1e-9,
                     max_violations: int = 10, limit: int = 16) -> SubmodularCheck:
    """Brute-force check over all subsets of ``ground`` (at most ``limit`` elements) that ``F`` (called on
    frozensets) has ``F(empty) = 0``, is monotone and has diminishing returns. Diminishing returns is checked in the
    equivalent local form ``F(A + u) + F(A + v) >= F(A + u + v) + F(A)`` (Fujishige 2005), violations reported as
    ``(A, v, A + u, amount)``, at most ``max_violations`` (>= 1) of each kind; ``atol`` absorbs rounding."""
    g = _ground(ground, check_int(limit, "limit"))
    atol = check_real(atol, "atol", low=0.0)
    max_violations = check_int(max_violations, "max_violations")
    values = _all_values(F, g)
    m = len(g)
    masks = np.arange(values.size)
    as_set = lambda mask: tuple(sorted((g[i] for i in range(m) if mask >> i & 1), key=repr))  # noqa: E731
    mono, dr = [], []
    for i in range(m):
        A = masks[(masks >> i & 1) == 0]
        gain_i = values[A | 1 << i] - values[A]
        for a in A[gain_i < -atol][:max_violations - len(mono)]:
            mono.append((as_set(a), g[i], as_set(a), float(values[a | 1 << i] - values[a])))
        for j in range(i + 1, m):
            B = A[(A >> j & 1) == 0]
            slack = values[B | 1 << i] + values[B | 1 << j] - values[B | 1 << i | 1 << j] - values[B]
            for b in B[slack < -atol][:max_violations - len(dr)]:
                dr.append((as_set(b), g[i], as_set(b | 1 << j), float(slack[B == b][0])))
    empty = float(values[0])
    return SubmodularCheck(abs(empty) <= atol and not mono and not dr, empty, mono, dr)


def curvature(F: Callable[[frozenset], float], ground: Iterable[Any], *, atol: float = 1e-9,
              limit: int = 64) -> float:
    """Total curvature ``c = 1 - min_v (F(V) - F(V - v)) / F({v})`` over ``v`` with ``F({v}) > 0`` (Conforti &
    Cornuejols 1984): 0 for modular ``F``, 1 when some element adds nothing at the end. ``2 m + 1`` calls of ``F``.
    For monotone submodular ``F`` it lies in ``[0, 1]``; a value outside by more than ``atol`` (rounding, clipped)
    shows that ``F`` is not (a last gain above ``F({v})``, or a negative one) and raises ValueError. A value inside
    proves nothing: :func:`check_submodular` is the test."""
    F = _callable(F)
    g = _ground(ground, check_int(limit, "limit"))
    atol = check_real(atol, "atol", low=0.0)
    value = lambda A: _real(F(A), A)                                            # noqa: E731
    V = frozenset(g)
    full = value(V)
    ratios = {v: (full - value(V - {v})) / s for v in g if (s := value(frozenset([v]))) > 0}
    if not ratios:
        raise ValueError("curvature needs some v in ground with F({v}) > 0")
    v = min(ratios, key=ratios.get)
    raw = 1.0 - ratios[v]
    if not -atol <= raw <= 1.0 + atol:
        raise ValueError(f"F is not monotone submodular: raw curvature {raw:.6g} outside [0, 1]; at v = {v!r} "
                         f"(F(V) - F(V - v)) / F({{v}}) = {ratios[v]:.6g} "
                         + ("< 0: F decreases" if raw > 1 else "> 1: the last gain exceeds the first"))
    return float(np.clip(raw, 0.0, 1.0))

