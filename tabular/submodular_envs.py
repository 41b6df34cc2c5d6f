"""Grid worlds of Submodular RL (Prajapat, Mutny, Zeilinger & Krause, ICLR 2024, arXiv 2307.13372, Section 6) with a
set-function reward of :mod:`boundlab.tabular.submodular`, as pure JAX ``reset`` / ``step`` (jit/vmap-able).

A ``rows x cols`` grid, state ``r * cols + c``; 5 actions as in the authors' code (``utils/environment.py``):
0 stay, 1 right (``c + 1``), 2 ``r + 1``, 3 left (``c - 1``), 4 ``r - 1``; a move off the grid or into a wall stays.
``slip`` (the code's ``stochasticity``): with probability ``slip`` the action is replaced by a uniform one (the code
replaces a fixed fraction of the batch's actions each step; per-step i.i.d. here). A fixed start (the code's 34), ``H``
moves, so a trajectory visits ``H + 1`` states ``s_0..s_H`` (the code's ``horizon: 40`` is 40 states, ``H = 39``).
The return is ``F({s_0, ..., s_H})``; the state keeps the visited history (padded with -1) so a history-dependent
policy can read it.

Domains (:func:`make_domain`, paper sizes from the authors' ``params/*/subrl_M.yaml``; ``size="small"`` for tests):
``"coverage"`` (30 x 30, H = 79, constant weights, the 2x2 footprint), ``"gp-coverage"`` (informative path planning:
30 x 30, H = 39, weights a seeded GP sample of our own; ``weights="density"`` the 30 x 30 synthetic density map
shipped as data, :func:`~boundlab.tabular.submodular.density_map`; the paper's exact map is not shipped),
``"items"`` (7 x 15, H = 39, six item types, counts 18, 14, 13, 16, 18, 14, quotas 3, 2, 3, 4, 6, 3),
``"gp-information"`` (30 x 30, H = 39, ``1/2 logdet(I + K/sigma^2)``, sigma^2 = 1e-3, ``K`` the posterior covariance
of a Matern-5/2 GP, lengthscale 1, after 5 seeded observations, :func:`information_kernel`; the authors'
``generate_multi_distribution``),
``"two-rooms"`` (7 x 14, H = 39, constant-weight coverage, two rooms joined by a 2-wide corridor, rows 2-3 of cols 4-9).
GP cells lie ``3 / max(rows, cols)`` apart (0.1 on the paper's 30 x 30, as the code's ``step_size``), so a small grid
spans the same extent. Random domains (every draw from ``seed``; :data:`RANDOM_DOMAINS`): ``"gp-coverage"`` with
``weights="gp"``, ``"items"``, ``"gp-information"``; ``"coverage"`` and ``"two-rooms"`` (constant weights, as the
authors' configs) and ``"gp-coverage"`` with the shipped density map are fixed (``seed`` is validated, not used).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import check_int, check_real
from .instances import as_generator
from .submodular import (
    GPInformation,
    ItemCollection,
    UserSetFunction,
    WeightedCoverage,
    gp_kernel,
    gp_sample,
    grid_footprint,
    density_map,
    random_items,
)

__all__ = ["DOMAINS", "RANDOM_DOMAINS", "GridParams", "GridState", "SubmodularGrid", "grid_moves", "information_kernel",
           "make_domain", "two_rooms_walls"]

#: (row, column) offset of each action: stay, right, r + 1, left, r - 1 (the authors' action numbering)
MOVES = np.array([(0, 0), (0, 1), (1, 0), (0, -1), (-1, 0)])
A = len(MOVES)
SetFunction = WeightedCoverage | ItemCollection | GPInformation | UserSetFunction


def grid_moves(rows: int, cols: int, walls: np.ndarray | None = None) -> np.ndarray:
    """``nxt[s, a]``: the deterministic successor of state ``s`` under action ``a`` (blocked moves stay)."""
    wall = np.zeros((rows, cols), bool) if walls is None else walls
    r, c = np.divmod(np.arange(rows * cols), cols)
    rr, cc = r[:, None] + MOVES[:, 0], c[:, None] + MOVES[:, 1]
    ok = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
    ok[ok] &= ~wall[rr[ok], cc[ok]]
    return np.where(ok, rr * cols + cc, np.arange(rows * cols)[:, None]).astype(np.int32)


def two_rooms_walls(rows: int = 7, cols: int = 14) -> np.ndarray:
    """The authors' two rooms (``room_grid_world_graph``, 7 x 14): columns 4-9 are wall except rows 2-3, the corridor.
    Smaller grids keep the proportions: the middle third of the columns walled except the middle two rows."""
    w = np.zeros((rows, cols), bool)
    lo, hi = (4, 10) if (rows, cols) == (7, 14) else (cols // 3, cols - cols // 3)
    mid = (2, 4) if (rows, cols) == (7, 14) else (max(rows // 2 - 1, 0), rows // 2 + 1)
    w[:, lo:hi] = True
    w[mid[0]:mid[1], lo:hi] = False
    return w


class GridState(NamedTuple):
    s: jax.Array        # current state
    h: jax.Array        # steps taken
    history: jax.Array  # [H + 1] states visited so far, -1 after the current step


@functools.partial(jax.tree_util.register_dataclass, data_fields=["nxt", "start", "slip"], meta_fields=["H"])
@dataclass(frozen=True)
class GridParams:
    """``nxt[S, A]`` successor table, ``start``, ``slip`` probability; ``H`` static."""

    nxt: jax.Array
    start: jax.Array
    slip: jax.Array
    H: int


@dataclass(frozen=True, eq=False)
class SubmodularGrid:
    """A grid world with a set-function reward ``F`` on its states (module docstring). Validated on construction;
    ``params`` holds the JAX arrays, ``reset``/``step`` are pure."""

    rows: int
    cols: int
    F: Any
    H: int
    start: int = 0
    slip: float = 0.0
    walls: np.ndarray | None = None
    name: str = field(default="grid", compare=False)                     # display only: not in the fingerprint
    params: GridParams = field(init=False, repr=False, compare=False)    # derived from the fields above

    def __post_init__(self):
        rows, cols = check_int(self.rows, "rows"), check_int(self.cols, "cols")
        H = check_int(self.H, "H")
        start = check_int(self.start, "start", minimum=0)
        if start >= rows * cols:
            raise ValueError(f"start must be a state in [0, {rows * cols}), got {start}")
        slip = check_real(self.slip, "slip", low=0.0, high=1.0)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {type(self.name).__name__}")
        if not isinstance(self.F, (WeightedCoverage, ItemCollection, GPInformation, UserSetFunction)):
            raise TypeError(f"F must be a set function of boundlab.tabular.submodular, got {type(self.F).__name__}")
        if self.F.n != rows * cols:
            raise ValueError(f"F is defined on {self.F.n} states, the grid has {rows * cols}")
        walls = None
        if self.walls is not None:
            walls = np.asarray(self.walls)
            if walls.dtype != bool:
                raise TypeError(f"walls must be a bool array, got dtype {walls.dtype}")
            if walls.shape != (rows, cols):
                raise ValueError(f"walls must have shape ({rows}, {cols}), got {walls.shape}")
            if walls.reshape(-1)[start]:
                raise ValueError(f"start {start} is a wall cell")
        nxt = grid_moves(rows, cols, walls)
        for name, v in (("rows", rows), ("cols", cols), ("H", H), ("start", start), ("slip", slip),
                        ("walls", walls)):
            object.__setattr__(self, name, v)
        object.__setattr__(self, "params", GridParams(jnp.asarray(nxt), jnp.int32(start), jnp.float32(slip), H))

    @property
    def S(self) -> int:
        return self.rows * self.cols

    @property
    def A(self) -> int:
        return A

    def reset(self, key: jax.Array, params: GridParams) -> GridState:
        """The fixed start; ``key`` unused (kept for the gymnax-style signature)."""
        history = jnp.full(params.H + 1, -1, jnp.int32).at[0].set(params.start)
        return GridState(params.start, jnp.int32(0), history)

    def step(self, key: jax.Array, state: GridState, action: jax.Array,
             params: GridParams) -> tuple[GridState, jax.Array]:
        """One move: ``(next_state, done)``; with probability ``slip`` a uniform action replaces ``action``."""
        k_slip, k_act = jax.random.split(key)
        a = jnp.where(jax.random.uniform(k_slip) < params.slip, jax.random.randint(k_act, (), 0, A), action)
        s = params.nxt[state.s, a]
        h = state.h + 1
        return GridState(s, h, state.history.at[h].set(s)), h >= params.H


DOMAINS = ("coverage", "gp-coverage", "items", "gp-information", "two-rooms")
#: the domains with random parts (``"gp-coverage"`` only with ``weights="gp"``)
RANDOM_DOMAINS = ("gp-coverage", "items", "gp-information")
_PAPER = {"coverage": (30, 30, 79), "gp-coverage": (30, 30, 39), "items": (7, 15, 39), "gp-information": (30, 30, 39),
          "two-rooms": (7, 14, 39)}
_SMALL = {"coverage": (6, 6, 10), "gp-coverage": (6, 6, 10), "items": (5, 6, 10), "gp-information": (6, 6, 8),
          "two-rooms": (5, 9, 12)}


def information_kernel(rows: int, cols: int, seed: int | np.random.Generator, *, observations: int = 5,
                       lengthscale: float = 1.0, noise: float = 1e-3) -> np.ndarray:
    """The experiment-design kernel on a ``rows x cols`` grid: the posterior covariance ``K - K_X (K_XX + noise
    I)^-1 K_X^T`` of a Matern-5/2 GP (unit variance) after ``observations`` noisy observations at points drawn
    uniformly from ``[0, 10]^2``, the grid's cells at ``1 + (r, c) * 3 / max(rows, cols)`` (the authors'
    ``generate_multi_distribution`` and ``grid``: 5 points in ``[0, 10]^2``, cells ``step_size = 0.1`` apart from
    ``start = 1``; their gpytorch ``ScaleKernel`` output scale is not reproduced)."""
    rows, cols = check_int(rows, "rows"), check_int(cols, "cols")
    m = check_int(observations, "observations", minimum=0)
    noise = check_real(noise, "noise", low=0.0, low_open=True)
    r, c = np.divmod(np.arange(rows * cols), cols)
    cells = 1.0 + np.stack([r, c], 1) * 3.0 / max(rows, cols)
    X = as_generator(seed).uniform(0.0, 10.0, size=(m, 2))
    K = gp_kernel(np.concatenate([cells, X]), lengthscale)
    n = rows * cols
    Kx = K[:n, n:]
    post = K[:n, :n] - Kx @ np.linalg.solve(K[n:, n:] + noise * np.eye(m), Kx.T)
    return (post + post.T) / 2


def make_domain(name: str, size: str = "paper", *, seed: int | np.random.Generator = 0, slip: float = 0.0,
                H: int | None = None, weights: str | None = None) -> SubmodularGrid:
    """One of :data:`DOMAINS` at the paper's size (the authors' configs; start 34) or ``"small"`` (start 0 or the
    left room). ``seed`` draws every random part (GP weights, item positions, the GP observations of
    ``"gp-information"``: :data:`RANDOM_DOMAINS`); ``weights``, only for ``"gp-coverage"`` (the other domains refuse
    it): ``"gp"`` (the default: a seeded GP sample, ours: the authors' exact map is not shipped) or ``"density"``
    (the shipped 30 x 30 synthetic density map, ``size="paper"`` only)."""
    if not isinstance(name, str) or name not in DOMAINS:
        raise ValueError(f"name must be one of {', '.join(DOMAINS)}, got {name!r}")
    if size not in ("paper", "small"):
        raise ValueError(f"size must be 'paper' or 'small', got {size!r}")
    if weights is not None and not isinstance(weights, str):
        raise TypeError(f"weights must be 'gp', 'density' or None, got {type(weights).__name__} {weights!r}")
    if weights is not None and name != "gp-coverage":
        raise ValueError(f"weights applies to 'gp-coverage' only ({name!r} has fixed weights), got {weights!r}")
    rng = as_generator(seed)              # validated for every domain, used by the random ones
    rows, cols, H0 = (_PAPER if size == "paper" else _SMALL)[name]
    H = H0 if H is None else check_int(H, "H")
    start = 34 if size == "paper" else 0
    walls = two_rooms_walls(rows, cols) if name == "two-rooms" else None
    if name == "two-rooms" and size == "small":
        start = cols + 1
    S = rows * cols
    if name in ("coverage", "two-rooms"):
        F = WeightedCoverage(grid_footprint(rows, cols, walls=walls), np.ones(S))
    elif name == "gp-coverage":
        weights = "gp" if weights is None else weights
        if weights not in ("gp", "density"):
            raise ValueError(f"weights must be 'gp' or 'density', got {weights!r}")
        if weights == "density" and (rows, cols) != (30, 30):
            raise ValueError("weights='density' is the shipped 30 x 30 map: use size='paper'")
        w = density_map() if weights == "density" else gp_sample(rows, cols, rng, step=3.0 / max(rows, cols))
        F = WeightedCoverage(grid_footprint(rows, cols), w)
    elif name == "items":
        counts, quota = ([18, 14, 13, 16, 18, 14], [3, 2, 3, 4, 6, 3]) if size == "paper" else ([4, 3, 3], [2, 1, 2])
        F = random_items(S, counts, quota, rng)
    else:
        F = GPInformation(information_kernel(rows, cols, rng), noise=1e-3)
    return SubmodularGrid(rows, cols, F, H, start, slip, walls, name)
