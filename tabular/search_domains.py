"""Deterministic shortest-path domains with batch successor functions, for A* and Q* search (Agostinelli et al.,
"A* Search Without Expansions: Learning Heuristic Functions with Deep Q-Networks", arXiv 2102.04518).

Interface (what ``solvers.astar`` / ``solvers.qstar`` consume): a batch of ``n`` states is an integer array whose first
axis is the batch; ``successors(states) -> (next_states, costs)`` with shapes ``[n, A, *state_shape]`` and ``[n, A]``
(float64, every cost > 0); ``is_goal(states) -> bool[n]``. Every domain has one goal state. Domains: Lights Out,
pancake sorting, the sliding-tile puzzle, random positive-weight digraphs, and :func:`meta_actions` (every sequence of
``length`` primitive moves as one action with the summed cost: the paper's device for growing ``|A|`` while the state
space stays the same). Where the state space has at most ``TABLE_LIMIT`` states, :meth:`SearchDomain.exact_cost_to_go`
gives the optimal cost-to-go ``h*`` of every state (Dijkstra on the reversed graph from the goal; breadth-first for
unit costs), and ``h_exact`` / ``q_exact`` read it: ``q*(s, a) = c(s, a) + h*(T(s, a))``, the quantity the paper's
Q-network learns and whose upper bound ``q <= c + h*`` is its admissibility condition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ._checks import Seed, check_flag, check_int, check_real, plain
from .instances import as_generator

__all__ = [
    "TABLE_LIMIT", "SearchDomain", "digraph", "lights_out", "meta_actions", "pancake", "random_digraph",
    "sliding_puzzle",
]

#: Largest state space for which :meth:`SearchDomain.exact_cost_to_go` builds a table.
TABLE_LIMIT = 1_000_000
_CHUNK = 1 << 14  # states per chunk when the table's edges are built
_MAX_META_ACTIONS = 1 << 16

Kernel = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class SearchDomain:
    """A deterministic shortest-path problem given by batch functions (Agostinelli et al., arXiv 2102.04518).

    ``successors`` and ``is_goal`` check their input (an integer ``numpy`` array ``[n, *state_shape]`` of valid states;
    a ``TypeError``/``ValueError`` names the first bad row) and return ``[n, A, *state_shape]`` next states (dtype
    ``dtype``) with ``[n, A]`` float64 costs, and ``bool[n]``. ``rank`` maps states to ``[0, n_states)`` (a perfect
    hash, ``None`` where there is none), ``unrank`` inverts it. ``base`` and ``sequences`` are set on meta-action
    domains: ``sequences[a]`` lists the primitive actions of meta-action ``a`` (``-1`` pads shorter ones). Every entry
    of a state lies in ``[0, n_values)`` (what a one-hot encoder for a network heuristic needs)."""

    name: str
    successors: Kernel
    is_goal: Callable[[np.ndarray], np.ndarray]
    goal: np.ndarray
    n_actions: int
    state_shape: tuple[int, ...]
    dtype: np.dtype
    n_states: int
    unit_cost: bool
    valid: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    rank: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    unrank: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    base: SearchDomain | None = field(default=None, repr=False)
    sequences: np.ndarray | None = field(default=None, repr=False)
    period: int = field(default=1, repr=False)
    n_values: int = field(default=2, repr=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def has_table(self) -> bool:
        """Whether :meth:`exact_cost_to_go` can build the exact table (``n_states <= TABLE_LIMIT`` and a ranking)."""
        return self.rank is not None and self.n_states <= TABLE_LIMIT

    def check_states(self, states: Any, name: str = "states") -> np.ndarray:
        """``states`` as an array of dtype ``dtype`` after checking it is an integer array ``[n, *state_shape]`` of
        valid states (else ``TypeError``/``ValueError`` naming ``name`` and the first bad row)."""
        return _check_states(self, states, name)

    def scramble(self, n: int, k: int | np.ndarray, seed: Seed = None) -> np.ndarray:
        """``n`` start states, each reached from the goal by ``k`` uniformly random actions (``k`` an int or ``int[n]``
        of per-state depths >= 0), as in DeepCubeA/Q* training. A meta-action is drawn uniformly among the
        ``n_actions`` and applied as its primitive moves. Same ``seed``, same states. In the puzzles a scramble of
        ``k`` moves is at most ``k`` away from the goal (moves are invertible); in a digraph the start is any node
        that the walk reaches (the generated digraphs are strongly connected, so it reaches the goal)."""
        n = check_int(n, "n", minimum=0)
        depth = _check_depths(k, n)
        rng = as_generator(seed)
        states = np.broadcast_to(self.goal, (n, *self.state_shape)).copy()
        for step in range(int(depth.max(initial=0))):
            a = rng.integers(self.n_actions, size=n)
            take = step < depth
            states[take] = self._apply(states[take], a[take])[0]
        return states

    def apply(self, states: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The state reached from ``states[i]`` by action ``actions[i]`` and its cost: ``([n, *state_shape], float64
        [n])``. A meta-action is applied as its primitive moves, so only the chosen children are built (what Q-learning
        needs, where ``successors`` would build all ``A`` of them)."""
        states = self.check_states(states)
        if not isinstance(actions, np.ndarray) or actions.dtype == np.bool_ or not np.issubdtype(actions.dtype,
                                                                                                 np.integer):
            raise TypeError(f"actions must be an integer numpy array, got {type(actions).__name__} "
                            f"{getattr(actions, 'dtype', '')}")
        if actions.shape != (len(states),):
            raise ValueError(f"actions must have shape [n] = ({len(states)},), got {actions.shape}")
        bad = (actions < 0) | (actions >= self.n_actions)
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValueError(f"actions[{i}] = {int(actions[i])} is not an action in [0, {self.n_actions})")
        return self._apply(states, actions.astype(np.int64))

    def _apply(self, states: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.arange(len(states))
        if self.sequences is None:
            nxt, cost = self.successors(states)
            return nxt[rows, actions], cost[rows, actions]
        states, cost = states.copy(), np.zeros(len(states))
        for move in self.sequences[actions].T:  # the j-th primitive move of each sequence (-1: none)
            take = move >= 0
            nxt, c = self.base.successors(states[take])
            states[take] = nxt[rows[:take.sum()], move[take]]
            cost[take] += c[rows[:take.sum()], move[take]]
        return states, cost

    def exact_cost_to_go(self) -> np.ndarray:
        """``h*`` of every state as float64 ``[n_states]``, indexed by ``rank`` (``inf`` where the goal is unreachable,
        e.g. the odd-permutation half of the sliding puzzle's permutations). Built once by Dijkstra from the goal on
        the reversed graph (``scipy.sparse.csgraph``; breadth-first for unit costs), then cached. A meta-action domain
        of exact length L is solved on the base graph with the move count mod L as an extra coordinate, so the
        table counts only paths whose length is a multiple of L."""
        if not self.has_table:
            raise ValueError(f"{self.name}: the state space ({self.n_states} states) is above TABLE_LIMIT = "
                             f"{TABLE_LIMIT} or has no ranking; no exact table")
        if "h" not in self._cache:
            prim = self if self.base is None else self.base
            nxt, cost = _edges(prim)
            goal = int(self.rank(self.goal[None])[0])
            self._cache["h"] = _backward_dijkstra(nxt, cost, goal, self.period, prim.unit_cost)
        return self._cache["h"]

    def h_exact(self, states: np.ndarray) -> np.ndarray:
        """``h*(s)`` for a batch of states (float64 ``[n]``), from :meth:`exact_cost_to_go`."""
        table = self.exact_cost_to_go()
        return table[self.rank(self.check_states(states))]

    def q_exact(self, states: np.ndarray) -> np.ndarray:
        """``q*(s, a) = c(s, a) + h*(T(s, a))`` for a batch of states (float64 ``[n, A]``): the exact target of the
        paper's deep Q-network, and the largest admissible q (Q* is optimal for any ``q <= q*``)."""
        table = self.exact_cost_to_go()
        nxt, cost = self.successors(states)
        n = cost.shape[0]
        return cost + table[self.rank(nxt.reshape(n * self.n_actions, *self.state_shape))].reshape(cost.shape)


# ----------------------------------------------------------------------------------------------------------- checks

def _check_states(domain: SearchDomain, states: Any, name: str) -> np.ndarray:
    if not isinstance(states, np.ndarray):
        raise TypeError(f"{name} must be a numpy integer array, got {type(states).__name__}")
    if states.dtype == np.bool_ or not np.issubdtype(states.dtype, np.integer):
        raise TypeError(f"{name} must have an integer dtype, got {states.dtype}")
    if states.ndim != 1 + len(domain.state_shape) or states.shape[1:] != domain.state_shape:
        raise ValueError(f"{name} must have shape [n, {', '.join(map(str, domain.state_shape))}] "
                         f"({domain.name}), got {states.shape}")
    bad = ~domain.valid(states)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{i}] = {states[i].tolist()} is not a state of {domain.name}")
    return states.astype(domain.dtype, copy=False)


def _check_depths(k: Any, n: int) -> np.ndarray:
    if isinstance(k, np.ndarray):
        if k.dtype == np.bool_ or not np.issubdtype(k.dtype, np.integer):
            raise TypeError(f"k must be an int or an integer array, got dtype {k.dtype}")
        if k.shape != (n,):
            raise ValueError(f"k must be an int or have shape ({n},), got {k.shape}")
        if (k < 0).any():
            i = int(np.flatnonzero(k < 0)[0])
            raise ValueError(f"k[{i}] must be >= 0, got {int(k[i])}")
        return k.astype(np.int64)
    return np.full(n, check_int(k, "k", minimum=0), dtype=np.int64)


def _domain(name: str, step: Kernel, valid: Callable, goal: np.ndarray, n_actions: int, n_states: int,
            unit_cost: bool, **extra: Any) -> SearchDomain:
    """A :class:`SearchDomain` whose public ``successors``/``is_goal`` check their input before calling ``step``."""
    goal = np.asarray(goal)
    goal.setflags(write=False)
    shape = goal.shape
    flat = goal.reshape(1, -1)
    box: list[SearchDomain] = []

    def successors(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return step(_check_states(box[0], states, "states"))

    def is_goal(states: np.ndarray) -> np.ndarray:
        states = _check_states(box[0], states, "states")
        return np.all(states.reshape(len(states), flat.shape[1]) == flat, axis=1)

    successors.__doc__ = f"Batch successors of {name}: ``[n, {n_actions}, ...]`` states and ``[n, {n_actions}]`` costs."
    is_goal.__doc__ = f"Goal test of {name}: ``bool[n]``."
    box.append(SearchDomain(name, successors, is_goal, goal, n_actions, shape, goal.dtype, n_states, unit_cost,
                            valid, **extra))
    return box[0]


# ---------------------------------------------------------------------------------------------------- rankings

def _bits_rank(states: np.ndarray) -> np.ndarray:
    return states.astype(np.int64) @ (np.int64(1) << np.arange(states.shape[1], dtype=np.int64))


def _bits_unrank(m: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda idx: ((np.asarray(idx, np.int64)[:, None] >> np.arange(m)) & 1).astype(np.int8)


def _perm_rank(p: np.ndarray) -> np.ndarray:
    """Lexicographic rank (Lehmer code) of each row of ``p``, a permutation of ``0..m-1``."""
    m = p.shape[1]
    weights = np.array([math.factorial(m - 1 - i) for i in range(m)], dtype=np.int64)
    later = np.triu(np.ones((m, m), dtype=bool), k=1)
    smaller_later = ((p[:, None, :] < p[:, :, None]) & later).sum(axis=2)
    return smaller_later @ weights


def _perm_unrank(m: int) -> Callable[[np.ndarray], np.ndarray]:
    def unrank(idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, np.int64)
        n = len(idx)
        avail = np.broadcast_to(np.arange(m, dtype=np.int8), (n, m)).copy()
        out = np.empty((n, m), dtype=np.int8)
        for i in range(m):  # m positions, vectorised over the batch
            left = m - i
            digit = (idx // math.factorial(left - 1)) % left
            out[:, i] = avail[np.arange(n), digit]
            avail = avail[np.arange(left)[None, :] != digit[:, None]].reshape(n, left - 1)
        return out
    return unrank


def _is_perm(states: np.ndarray) -> np.ndarray:
    return np.all(np.sort(states, axis=1) == np.arange(states.shape[1]), axis=1)


# ---------------------------------------------------------------------------------------------------------- domains

def lights_out(n: int) -> SearchDomain:
    """Lights Out on an ``n x n`` board (``2 <= n <= 7``; the paper uses 7x7): a state is ``int8[n*n]`` of 0/1 lights
    in row-major order, action ``a`` presses cell ``a`` (row ``a // n``, column ``a % n``) and toggles it and its up
    to four orthogonal neighbours, cost 1; the goal is all lights off. Every press is its own inverse. Exact table for
    ``n <= 4`` (``2^(n*n)`` states, indexed by the bits read as a binary number, cell 0 the lowest bit); on 4x4 only
    4096 boards are solvable (the press matrix has rank 12 over GF(2)), the others have ``h* = inf``."""
    n = check_int(n, "n", minimum=1)
    if not 2 <= n <= 7:
        raise ValueError(f"n must be in [2, 7] for Lights Out, got {n}")
    m = n * n
    masks = np.zeros((m, m), dtype=np.int8)
    for a in range(m):
        r, c = divmod(a, n)
        for dr, dc in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)):
            if 0 <= r + dr < n and 0 <= c + dc < n:
                masks[a, (r + dr) * n + c + dc] = 1

    def step(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return states[:, None, :] ^ masks[None], np.ones((len(states), m))

    def valid(states: np.ndarray) -> np.ndarray:
        return np.all((states == 0) | (states == 1), axis=1)

    table = m <= 16
    return _domain(f"lights_out({n})", step, valid, np.zeros(m, dtype=np.int8), m, 2 ** m, True,
                   rank=_bits_rank if table else None, unrank=_bits_unrank(m) if table else None)


def pancake(n: int) -> SearchDomain:
    """Pancake sorting with ``n`` pancakes (``2 <= n <= 12``): a state is ``int8[n]``, a permutation of ``0..n-1``
    listing pancake sizes from the top (index 0) down; action ``a`` (``0 <= a <= n-2``) flips the top ``a + 2``
    pancakes (reverses ``state[:a+2]``; flipping one is no move), cost 1; the goal is sorted, ``0, 1, ..., n-1`` (the
    smallest on top). Every flip is its own inverse. Exact table for ``n <= 9`` (``n!`` states, lexicographic rank)."""
    n = check_int(n, "n", minimum=1)
    if not 2 <= n <= 12:
        raise ValueError(f"n must be in [2, 12] for pancake sorting, got {n}")
    flips = np.array([np.r_[np.arange(a + 1, -1, -1), np.arange(a + 2, n)] for a in range(n - 1)])

    def step(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return states[:, flips], np.ones((len(states), n - 1))

    table = math.factorial(n) <= TABLE_LIMIT
    return _domain(f"pancake({n})", step, _is_perm, np.arange(n, dtype=np.int8), n - 1, math.factorial(n), True,
                   rank=_perm_rank if table else None, unrank=_perm_unrank(n) if table else None, n_values=n)


#: Sliding-puzzle actions: the blank moves up, down, left, right; ``_TILE_INVERSE[a]`` undoes ``a``.
_TILE_MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))
_TILE_INVERSE = (1, 0, 3, 2)


def sliding_puzzle(size: int) -> SearchDomain:
    """The sliding-tile puzzle on a ``size x size`` board (``2 <= size <= 5``; 3 is the 8-puzzle, 4 the 15-puzzle): a
    state is ``int8[size*size]``, ``state[i]`` the tile on cell ``i`` (row-major), 0 the blank; actions 0-3 move the
    blank up, down, left, right (swapping it with that tile), cost 1; a move off the board leaves the state unchanged
    (a self-loop of cost 1, never on a shortest path, so ``h*`` is unchanged). Up/down and left/right undo each other.
    The goal is ``1, 2, ..., size*size - 1, 0`` (blank last). Exact table for ``size <= 3`` over all ``(size^2)!``
    permutations (lexicographic rank), of which half, ``9!/2 = 181440`` for the 8-puzzle, reach the goal; the rest
    have ``h* = inf``."""
    size = check_int(size, "size", minimum=1)
    if not 2 <= size <= 5:
        raise ValueError(f"size must be in [2, 5] for the sliding puzzle, got {size}")
    m = size * size
    nb = np.empty((m, 4), dtype=np.int64)
    for cell in range(m):
        r, c = divmod(cell, size)
        for a, (dr, dc) in enumerate(_TILE_MOVES):
            inside = 0 <= r + dr < size and 0 <= c + dc < size
            nb[cell, a] = (r + dr) * size + c + dc if inside else cell

    def step(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = len(states)
        blank = np.argmax(states == 0, axis=1)
        target = nb[blank]
        rows, acts = np.arange(k)[:, None], np.arange(4)[None, :]
        out = np.repeat(states[:, None, :], 4, axis=1)
        out[rows, acts, blank[:, None]] = states[rows, target]
        out[rows, acts, target] = 0
        return out, np.ones((k, 4))

    table = math.factorial(m) <= TABLE_LIMIT
    goal = np.r_[np.arange(1, m), 0].astype(np.int8)
    return _domain(f"sliding_puzzle({size})", step, _is_perm, goal, 4, math.factorial(m), True,
                   rank=_perm_rank if table else None, unrank=_perm_unrank(m) if table else None, n_values=m)


def digraph(successor: np.ndarray, cost: np.ndarray, goal: int = 0, *, name: str = "digraph") -> SearchDomain:
    """A weighted digraph as a search domain: ``successor[v, a]`` is the node reached from node ``v`` by action ``a``
    (int, ``0 <= . < N``), ``cost[v, a] > 0`` its finite cost; states are node ids, a batch is ``int64[n]`` (state
    shape ``()``). Nodes with fewer real edges are padded with self-loops ``successor[v, a] = v`` of positive cost,
    which never lie on a shortest path (``h*`` is that of the unpadded graph; ``q*(v, a) = c + h*(v) > h*(v)``)."""
    if not isinstance(successor, np.ndarray) or successor.dtype == np.bool_ \
            or not np.issubdtype(successor.dtype, np.integer):
        raise TypeError(f"successor must be a numpy integer array, got {type(successor).__name__} "
                        f"{getattr(successor, 'dtype', '')}")
    if successor.ndim != 2 or successor.shape[0] < 1 or successor.shape[1] < 1:
        raise ValueError(f"successor must have shape [N, A] with N, A >= 1, got {successor.shape}")
    N, A = successor.shape
    if (bad := (successor < 0) | (successor >= N)).any():
        v, a = np.argwhere(bad)[0]
        raise ValueError(f"successor[{v}, {a}] = {successor[v, a]} is not a node in [0, {N})")
    if not isinstance(cost, np.ndarray) or cost.dtype == np.bool_ or not (
            np.issubdtype(cost.dtype, np.integer) or np.issubdtype(cost.dtype, np.floating)):
        raise TypeError(f"cost must be a numpy real array, got {type(cost).__name__} {getattr(cost, 'dtype', '')}")
    if cost.shape != (N, A):
        raise ValueError(f"cost must have shape {(N, A)} like successor, got {cost.shape}")
    if (bad := ~(np.isfinite(cost) & (cost > 0))).any():
        v, a = np.argwhere(bad)[0]
        raise ValueError(f"cost[{v}, {a}] = {cost[v, a]} must be finite and > 0")
    goal = check_int(goal, "goal", minimum=0)
    if goal >= N:
        raise ValueError(f"goal must be a node in [0, {N}), got {goal}")
    nxt = successor.astype(np.int64)
    c = cost.astype(np.float64)
    nxt.setflags(write=False)
    c.setflags(write=False)

    def step(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return nxt[states], c[states]

    def valid(states: np.ndarray) -> np.ndarray:
        return (states >= 0) & (states < N)

    return _domain(name, step, valid, np.array(goal, dtype=np.int64), A, N, bool(np.all(c == 1.0)),
                   rank=lambda s: s.astype(np.int64), unrank=lambda i: np.asarray(i, np.int64), n_values=N)


def random_digraph(n_nodes: int, out_degree: int, *, cost_range: tuple[float, float] = (1.0, 10.0),
                   seed: Seed = None) -> SearchDomain:
    """A random strongly connected digraph with goal node 0 ([own design] for the paper's optimality checks). Every
    node has ``d`` real out-edges, ``d`` uniform in ``[1, out_degree]``: one on a random Hamiltonian cycle (so every
    node reaches the goal) and ``d - 1`` to uniformly random other nodes, with costs uniform in ``cost_range``
    (``0 < low <= high``); the other ``out_degree - d`` actions are self-loops costing ``high`` (positive, so they
    never shorten a path). The action order is shuffled per node. Same ``seed``, same graph."""
    N = check_int(n_nodes, "n_nodes", minimum=2)
    A = check_int(out_degree, "out_degree", minimum=1)
    if isinstance(cost_range, (str, bytes)) or not hasattr(cost_range, "__len__") or len(cost_range) != 2:
        raise TypeError(f"cost_range must be a pair (low, high), got {plain(cost_range)}")
    low = check_real(cost_range[0], "cost_range[0]", low=0.0, low_open=True)
    high = check_real(cost_range[1], "cost_range[1]", low=low)
    rng = as_generator(seed)
    nodes = np.arange(N)
    cycle = rng.permutation(N)
    succ = np.empty((N, A), dtype=np.int64)
    succ[cycle, 0] = np.roll(cycle, -1)
    other = rng.integers(0, N - 1, size=(N, A - 1))
    succ[:, 1:] = other + (other >= nodes[:, None])  # uniform over the other N - 1 nodes
    cost = low + (high - low) * rng.random((N, A))
    degree = rng.integers(1, A + 1, size=N)
    pad = np.arange(A)[None, :] >= degree[:, None]
    succ[pad] = np.broadcast_to(nodes[:, None], (N, A))[pad]
    cost[pad] = high
    order = rng.permuted(np.broadcast_to(np.arange(A), (N, A)), axis=1)
    return digraph(np.take_along_axis(succ, order, 1), np.take_along_axis(cost, order, 1), 0,
                   name=f"random_digraph({N}, {A})")


def meta_actions(domain: SearchDomain, length: int, *, include_shorter: bool = False) -> SearchDomain:
    """``domain`` with every sequence of ``length`` primitive moves as one action, its cost the sum of theirs (Q*'s
    meta-actions, Agostinelli et al. arXiv 2102.04518: ``|A|`` grows to ``A^length`` while the states stay the same).
    Action ``a`` applies moves ``a_1 ... a_L`` with ``a = a_1 A^(L-1) + ... + a_L`` (first move most significant);
    reaching the goal in the middle of a sequence does not count. With ``include_shorter``, the sequences of lengths
    ``1 .. length`` come in that order (``A + A^2 + ... + A^L`` actions; the paper's Rubik's cube has 12 + 144 + 1728),
    and ``h*`` equals the base domain's. At most 65536 actions."""
    if not isinstance(domain, SearchDomain):
        raise TypeError(f"domain must be a SearchDomain, got {type(domain).__name__}")
    if domain.base is not None:
        raise ValueError(f"domain {domain.name} already has meta-actions; build them from its base domain instead")
    L = check_int(length, "length", minimum=1)
    shorter = check_flag(include_shorter, "include_shorter")
    A = domain.n_actions
    lengths = range(1, L + 1) if shorter else (L,)
    total = sum(A ** ell for ell in lengths)
    if total > _MAX_META_ACTIONS:
        raise ValueError(f"meta_actions({domain.name}, {L}) would have {total} actions, above {_MAX_META_ACTIONS}")
    seqs = np.full((total, L), -1, dtype=np.int64)
    start = 0
    for ell in lengths:
        codes = np.arange(A ** ell)
        for j in range(ell):  # digit j of the code, most significant first
            seqs[start:start + A ** ell, j] = (codes // A ** (ell - 1 - j)) % A
        start += A ** ell
    shape = domain.state_shape
    prim = domain.successors

    def step(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(states)
        level, level_cost = states[:, None], np.zeros((n, 1))
        out, out_cost = [], []
        for ell in range(1, L + 1):
            k = level.shape[1]
            nxt, c = prim(level.reshape(n * k, *shape))
            level = nxt.reshape(n, k * A, *shape)
            level_cost = (level_cost[:, :, None] + c.reshape(n, k, A)).reshape(n, k * A)
            if shorter or ell == L:
                out.append(level)
                out_cost.append(level_cost)
        return np.concatenate(out, axis=1), np.concatenate(out_cost, axis=1)

    label = f"meta_actions({domain.name}, {L}{', include_shorter=True' if shorter else ''})"
    return _domain(label, step, domain.valid, domain.goal.copy(), total, domain.n_states, False,
                   rank=domain.rank, unrank=domain.unrank, base=domain, sequences=seqs,
                   period=1 if shorter else L, n_values=domain.n_values)


# ------------------------------------------------------------------------------------------------------ exact tables

def _edges(domain: SearchDomain) -> tuple[np.ndarray, np.ndarray]:
    """The whole graph as ``next[N, A]`` (rank of each successor) and ``cost[N, A]``, built in chunks of states."""
    if "edges" not in domain._cache:
        N, A = domain.n_states, domain.n_actions
        nxt = np.empty((N, A), dtype=np.int64)
        cost = np.empty((N, A))
        for lo in range(0, N, _CHUNK):
            states = domain.unrank(np.arange(lo, min(lo + _CHUNK, N)))
            succ, c = domain.successors(states)
            nxt[lo:lo + len(states)] = domain.rank(succ.reshape(-1, *domain.state_shape)).reshape(len(states), A)
            cost[lo:lo + len(states)] = c
        domain._cache["edges"] = (nxt, cost)
    return domain._cache["edges"]


def _backward_dijkstra(nxt: np.ndarray, cost: np.ndarray, goal: int, period: int, unit: bool) -> np.ndarray:
    """Cost-to-go to ``goal`` of every node of the graph ``nxt``/``cost``, counting only paths whose number of edges
    is a multiple of ``period`` (nodes ``(v, moves mod period)``); self-loops are dropped and parallel edges keep the
    cheapest, since ``scipy.sparse`` would add them."""
    N, A = nxt.shape
    phase = np.arange(period)
    src = (np.arange(N)[:, None, None] * period + phase[None, None, :]).repeat(A, axis=1).ravel()
    dst = (nxt[:, :, None] * period + ((phase + 1) % period)[None, None, :]).ravel()
    w = np.broadcast_to(cost[:, :, None], (N, A, period)).ravel()
    keep = src != dst
    src, dst, w = src[keep], dst[keep], w[keep]
    key = src * (N * period) + dst
    order = np.lexsort((w, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    order = order[first]
    size = N * period
    graph = sp.csr_matrix((w[order], (dst[order], src[order])), shape=(size, size))  # reversed edges
    dist = dijkstra(graph, directed=True, indices=goal * period, unweighted=unit)
    return np.ascontiguousarray(dist.reshape(N, period)[:, 0])
