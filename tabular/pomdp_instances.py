"""Classic POMDPs, each with its source and its exact conventions (state, action and observation order; when the
observation is drawn; the discount). Each factory takes exactly one of ``gamma`` or ``H``; given neither, the
source's discount is used."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from boundlab.solvers.validation import check_real_array

from ._checks import Seed, check_int
from .instances import as_generator
from .pomdp import POMDP


def _horizon_or_discount(gamma: float | None, H: int | None, default_gamma: float) -> dict:
    return {"gamma": default_gamma} if gamma is None and H is None else {"gamma": gamma, "H": H}


def tiger(gamma: float | None = None, H: int | None = None) -> POMDP:
    """Tiger (Kaelbling, Littman & Cassandra 1998, "Planning and acting in partially observable stochastic domains",
    AIJ 101; Cassandra, Kaelbling & Littman 1994), as in POMDPModels.jl ``TigerPOMDP`` and SARSOP's ``Tiger.pomdp``.

    States: 0 tiger-left, 1 tiger-right. Actions: 0 listen, 1 open-left, 2 open-right. Observations: 0 hear-left,
    1 hear-right. Listening costs -1, leaves the tiger where it is and hears it on its side with probability 0.85.
    Opening the tiger's door gives -100, the other door +10; either opening resets the tiger uniformly and its
    observation is uniform (uninformative). Rewards depend on ``(s, a)``; initial belief uniform; discount 0.95 by
    default (the R ``pomdp`` package's ``Tiger`` uses 0.75: pass ``gamma``). V*(1/2, 1/2) = 19.3714 at 0.95."""
    P = np.zeros((2, 3, 2))
    P[:, 0, :] = np.eye(2)
    P[:, 1:, :] = 0.5
    O = np.zeros((3, 2, 2))
    O[0] = [[0.85, 0.15], [0.15, 0.85]]
    O[1:] = 0.5
    R = np.array([[-1.0, -100.0, 10.0],
                  [-1.0, 10.0, -100.0]])
    return POMDP(P, O, R, initial=np.full(2, 0.5), name="tiger", **_horizon_or_discount(gamma, H, 0.95))


def crying_baby(gamma: float | None = None, H: int | None = None) -> POMDP:
    """Crying baby, as POMDPModels.jl's ``BabyPOMDP`` (defaults ``r_hungry = -10``, ``r_feed = -5``,
    ``p_become_hungry = 0.1``, ``p_cry_when_hungry = 0.8``, ``p_cry_when_not_hungry = 0.1``, discount 0.9; after
    Kochenderfer, "Decision Making Under Uncertainty", 2015, ch. 6).

    States: 0 not hungry, 1 hungry. Actions: 0 feed, 1 ignore. Observations: 0 quiet, 1 crying. Feeding makes the
    baby not hungry; ignored, a hungry baby stays hungry and a sated one becomes hungry with probability 0.1. The cry
    is drawn from the state after the transition (0.8 if hungry, 0.1 if not), whatever the action. The reward is on
    the state before the transition: -10 if hungry, plus -5 for feeding. Starts not hungry (a point belief).
    V*(not hungry) = -16.3055 at 0.9 (NativeSARSOP.jl's test: -16.3, atol 0.01)."""
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = 1.0
    P[0, 1] = [0.9, 0.1]
    P[1, 1] = [0.0, 1.0]
    O = np.array([[0.9, 0.1],  # O[s', o]: the same for both actions
                  [0.2, 0.8]])
    R = np.array([[-5.0, 0.0],
                  [-15.0, -10.0]])
    return POMDP(P, O, R, initial=np.array([1.0, 0.0]), name="crying-baby", **_horizon_or_discount(gamma, H, 0.9))


# ------------------------------------------------------------------------------------------------------ RockSample

#: Published layouts, ``(n, k) -> (rock cells, start cell)``, cells as ``(x, y)`` with 0-based coordinates (x grows
#: east, y grows north). (5, 7): ZMDP ``gen_RockSample_5_7`` = DESPOT ``Init_5_7``; (7, 8): DESPOT ``Init_7_8``, which
#: DESPOT says equals ``RockSample_7_8.pomdpx``; (4, 4): DESPOT ``Init_4_4`` only (ZMDP ships no 4_4 generator, so the
#: HSVI paper's own (4, 4) layout is not verified). Source: the project's reading notes
#: (``shared/refs/pomdp_lmdp_revealing.md``, part 3), taken from those repositories.
ROCKSAMPLE_LAYOUTS: dict[tuple[int, int], tuple[tuple[tuple[int, int], ...], tuple[int, int]]] = {
    (4, 4): (((3, 1), (2, 1), (1, 3), (1, 0)), (0, 2)),
    (5, 7): (((1, 0), (2, 1), (1, 2), (2, 2), (4, 2), (0, 3), (3, 4)), (0, 2)),
    (7, 8): (((2, 0), (0, 1), (3, 1), (6, 3), (2, 4), (3, 4), (5, 5), (1, 6)), (0, 3)),
}

#: Half-efficiency distance of the check sensor, d0 = 20 (ZMDP ``gen_RockSample`` and DESPOT ``base_rock_sample.cpp``,
#: per the reading notes): a check at Euclidean distance d reads the rock correctly with probability
#: (1 + 2^(-d / d0)) / 2.
ROCKSAMPLE_HALF_EFFICIENCY_DISTANCE = 20.0

_ILLEGAL_REWARD = -100.0


@dataclass(frozen=True)
class RockSampleArrays:
    """RockSample as arrays: ``P`` a sparse ``(S*A, S)`` CSR matrix (row ``s*A + a``; transitions are deterministic,
    so one 1 a row), ``O[a, s', o]``, ``R[s, a]``, the ``initial`` belief, the ``terminal`` state, the layout
    (``rocks[i] = (x, y)``, ``start``) and the grid size ``n``. Solvers and :class:`POMDP` (:func:`rocksample`) take
    the sparse ``P`` as it is."""

    P: sp.csr_matrix
    O: np.ndarray
    R: np.ndarray
    initial: np.ndarray
    terminal: int
    rocks: tuple[tuple[int, int], ...]
    start: tuple[int, int]
    n: int


def _rocksample_layout(n: int, k: int, rock_positions, seed: Seed, layout: str | None):
    if rock_positions is not None:
        if layout is not None:
            raise ValueError(f"give rock_positions or layout, not both (got layout = {layout!r})")
        rocks = check_real_array(rock_positions, "rock_positions")
        if rocks.dtype.kind not in "iu":
            raise TypeError(f"rock_positions must hold integer cells (x, y), got dtype {rocks.dtype}")
        if rocks.shape != (k, 2):
            raise ValueError(f"rock_positions must have shape (k, 2) = ({k}, 2), got {rocks.shape}")
        return rocks.astype(np.int64), (0, n // 2)
    if layout is None:
        layout = "standard" if (n, k) in ROCKSAMPLE_LAYOUTS else "random"
    if layout == "standard":
        if (n, k) not in ROCKSAMPLE_LAYOUTS:
            raise ValueError(f"layout 'standard' exists only for (n, k) in {sorted(ROCKSAMPLE_LAYOUTS)}, got "
                             f"({n}, {k}): pass rock_positions or layout='random'")
        rocks, start = ROCKSAMPLE_LAYOUTS[n, k]
        return np.array(rocks, dtype=np.int64), start
    if layout == "random":
        if k > n * n:
            raise ValueError(f"k = {k} rocks do not fit in distinct cells of a {n} x {n} grid")
        cells = as_generator(seed).choice(n * n, size=k, replace=False)
        return np.stack([cells % n, cells // n], axis=1).astype(np.int64), (0, n // 2)
    raise ValueError(f"layout must be None, 'standard' or 'random', got {layout!r}")


def rocksample_arrays(n: int, k: int, *, rock_positions: ArrayLike | None = None, seed: Seed = None,
                      layout: str | None = None, illegal: str = "stay") -> RockSampleArrays:
    """RockSample(n, k) (Smith & Simmons 2004, "Heuristic search value iteration for POMDPs", UAI) as arrays,
    built vectorised over the ``n*n*2^k`` (cell, rocks) states (:func:`rocksample` for the conventions)."""
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=0)
    if illegal not in ("stay", "terminate"):
        raise ValueError(f"illegal must be 'stay' (DESPOT) or 'terminate' (ZMDP), got {illegal!r}")
    rocks, start = _rocksample_layout(n, k, rock_positions, seed, layout)
    if k and (rocks.min() < 0 or rocks.max() >= n):
        i = int(np.flatnonzero(((rocks < 0) | (rocks >= n)).any(axis=1))[0])
        raise ValueError(f"rock_positions[{i}] = {tuple(rocks[i])} is not a cell of the {n} x {n} grid")
    cell_of_rock = rocks[:, 1] * n + rocks[:, 0]
    if len(np.unique(cell_of_rock)) != k:
        raise ValueError(f"rock_positions must be distinct cells, got {[tuple(r) for r in rocks.tolist()]}")
    N, K, A = n * n, 2**k, 5 + k
    S, T = N * K + 1, N * K  # T: the terminal exit state, last
    cell, bits = np.divmod(np.arange(N * K), K)  # state s = cell * 2^k + bits, cell = y * n + x, bit i: rock i good
    x, y = cell % n, cell // n
    rock_here = np.full(N, -1)
    rock_here[cell_of_rock] = np.arange(k)

    nxt = np.empty((S, A), dtype=np.int64)
    R = np.zeros((S, A))
    for a, (dx, dy) in enumerate([(0, 1), (0, -1), (1, 0), (-1, 0)]):  # north, south, east, west
        x2, y2 = x + dx, y + dy
        inside = (0 <= x2) & (x2 < n) & (0 <= y2) & (y2 < n)
        nxt[:T, a] = np.where(inside, (y2 * n + x2) * K + bits, T)
        R[:T, a] = np.where(inside, 0.0, _ILLEGAL_REWARD)
    exit_ = x == n - 1  # east off the grid: +10 and the episode ends
    R[:T, 2] = np.where(exit_, 10.0, 0.0)
    illegal_moves = R[:T, :4] == _ILLEGAL_REWARD
    i = rock_here[cell]
    has = i >= 0
    good = has & ((bits >> np.maximum(i, 0)) & 1).astype(bool)
    nxt[:T, 4] = np.where(good, cell * K + (bits & ~(1 << np.maximum(i, 0))), cell * K + bits)
    R[:T, 4] = np.where(has, np.where(good, 10.0, -10.0), _ILLEGAL_REWARD)
    nxt[:T, 5:] = np.arange(T)[:, None]  # checks leave the state as it is
    stay = np.arange(T)
    if illegal == "stay":
        nxt[:T, :4] = np.where(illegal_moves, stay[:, None], nxt[:T, :4])
    else:
        nxt[:T, 4] = np.where(has, nxt[:T, 4], T)
    nxt[T] = T
    P = sp.csr_matrix((np.ones(S * A), nxt.ravel(), np.arange(S * A + 1)), shape=(S * A, S))

    O = np.zeros((A, S, 3))  # observations: 0 none, 1 good, 2 bad
    O[:5, :, 0] = 1.0
    O[5:, T, 0] = 1.0
    if k:
        dist = np.hypot(x[:, None] - rocks[None, :, 0], y[:, None] - rocks[None, :, 1])  # (T, k)
        eta = 0.5 * (1.0 + 2.0 ** (-dist / ROCKSAMPLE_HALF_EFFICIENCY_DISTANCE))
        is_good = ((bits[:, None] >> np.arange(k)) & 1).astype(bool)
        O[5:, :T, 1] = np.where(is_good, eta, 1.0 - eta).T
        O[5:, :T, 2] = 1.0 - O[5:, :T, 1]
    initial = np.zeros(S)
    initial[(start[1] * n + start[0]) * K: (start[1] * n + start[0] + 1) * K] = 1.0 / K
    return RockSampleArrays(P, O, R, initial, T, tuple(map(tuple, rocks.tolist())), tuple(start), n)


def rocksample(n: int, k: int, *, gamma: float = 0.95, rock_positions: ArrayLike | None = None, seed: Seed = None,
               layout: str | None = None, illegal: str = "stay") -> POMDP:
    """RockSample(n, k) (Smith & Simmons 2004, UAI) with the ZMDP / DESPOT semantics (reading notes, part 3).

    Grid ``n x n`` of cells ``(x, y)`` (x grows east, y north), ``k`` rocks each good or bad. States
    ``s = (y*n + x) * 2^k + bits`` (bit ``i`` set: rock ``i`` good) and a last, terminal exit state: ``n*n*2^k + 1``
    states. Actions: 0 north (y+1), 1 south, 2 east, 3 west, 4 sample, ``5 + i`` check rock ``i``. Observations:
    0 none (after moves, sample, and in the exit state), 1 good, 2 bad. Transitions are deterministic; a check reads
    rock ``i`` correctly with probability ``(1 + 2^(-d/20)) / 2``, ``d`` the Euclidean distance to the rock
    (half-efficiency distance 20: ZMDP, DESPOT). Rewards: moving east off the grid +10 and the episode ends in the
    exit state (absorbing, reward 0); sampling a good rock +10 (it becomes bad); sampling a bad rock -10; sampling
    a cell without a rock or moving off the north, south or west edge -100 (illegal), after which the rover stays
    put (``illegal='stay'``, DESPOT) or the episode ends (``illegal='terminate'``, ZMDP; V* is the same since a free
    check dominates any illegal action). Checks are free.

    Layout: ``rock_positions`` (``(k, 2)`` integer cells, start ``(0, n // 2)``), else the published layout
    (:data:`ROCKSAMPLE_LAYOUTS`: (4, 4), (5, 7), (7, 8)) or ``layout='random'``: ``k`` distinct cells drawn from
    ``seed``. Initial belief: the rover at the start cell, rocks i.i.d. good with probability 1/2.

    ``P`` is stored sparse (:attr:`POMDP.sparse`; one nonzero a row, CSR ``(S*A, S)`` with row ``s*A + a``): dense,
    RS(5, 7) would take 0.98 GB and RS(7, 8) (S = 12545) 16 GB; sparse, 0.6 MB and 2.5 MB.
    """
    arr = rocksample_arrays(n, k, rock_positions=rock_positions, seed=seed, layout=layout, illegal=illegal)
    return POMDP(arr.P, arr.O, arr.R, gamma=gamma, initial=arr.initial, terminal=[arr.terminal],
                 name=f"rocksample-{arr.n}-{len(arr.rocks)}")


# ------------------------------------------------------------------------------------------------------------- Tag

#: Tag's map (Pineau, Gordon & Thrun 2003, fig. of the Tag domain; the same map as DESPOT's ``tag`` and
#: TagPOMDPProblem.jl): a 10 x 2 corridor (rows y = 0, 1) with a 3 x 3 block on top at columns x = 5..7 (rows
#: y = 2..4), 29 cells. Cell ``c`` is ``(TAG_CELLS[c][0], TAG_CELLS[c][1])`` = (x, y), x growing east, y north:
#: cells 0-9 the bottom row, 10-19 the row above, 20-28 the block row by row.
TAG_CELLS: tuple[tuple[int, int], ...] = (
    tuple((x, y) for y in (0, 1) for x in range(10)) + tuple((x, y) for y in (2, 3, 4) for x in (5, 6, 7)))

_TAG_MOVES = ((0, 1), (0, -1), (1, 0), (-1, 0))  # north, south, east, west


def _tag_neighbours() -> np.ndarray:
    """``nb[c, d]``: the cell reached from cell ``c`` by move ``d`` (north, south, east, west), ``c`` itself where
    the move would leave the map."""
    index = {cell: c for c, cell in enumerate(TAG_CELLS)}
    return np.array([[index.get((x + dx, y + dy), c) for dx, dy in _TAG_MOVES] for c, (x, y) in enumerate(TAG_CELLS)])


def tag(gamma: float | None = None, H: int | None = None) -> POMDP:
    """Tag (Pineau, Gordon & Thrun 2003, "Point-based value iteration: an anytime algorithm for POMDPs", IJCAI;
    870 states, 5 actions, 30 observations as there), ``P`` stored sparse (at most 5 next states a row).

    Map: :data:`TAG_CELLS` (29 cells). States ``s = 30 * r + t``: robot cell ``r`` in 0..28, opponent cell ``t`` in
    0..28 or ``t = 29`` tagged (the paper's Opponent in {s_0..s_28, s_tagged}). Actions: 0 north, 1 south, 2 east,
    3 west, 4 tag. The robot moves deterministically and stays where a move would leave the map; tag leaves it in
    place. Rewards (on the state before the step): -1 a move (blocked or not), +10 for tag in the opponent's cell
    (the next state is ``(r, tagged)``), -10 for tag elsewhere; discount 0.95 (the paper's). The tagged states are
    terminal: absorbing under every action with reward 0. Observations: after each step, ``o = r'`` (the robot's
    own cell) when the robot and opponent are in different cells, ``o = 29`` ("opponent here") when they share a
    cell. Initial belief: uniform over the 29 * 29 untagged states (robot and opponent in independent uniform cells,
    as in the paper).

    Opponent (unless tagged): moves from its cell ``t`` given the robot's cell ``r`` before the step, 0.8 away and
    0.2 stay (the paper's numbers), the "away" mass split by axis as in DESPOT's ``BaseTag::OppTransitionDistribution``
    (``examples/cpp_models/tag``), which TagPOMDPProblem.jl's ``transition_option=:orig`` describes as the original
    rule: along x, 0.4 to the side away from the robot, or 0.2 to each side if they share the column; along y
    likewise; a move that would leave the map leaves it where it is (adding to the 0.2 stay).
    Reconstructed, with what it rests on: the per-axis split and the wall rule (DESPOT's code; the paper states only
    0.8 away / 0.2 stay); the cell numbering and the orientation (north = towards the block; the paper's figure
    fixes only the map's shape); the observation in the tagged state (29, as DESPOT and TagPOMDPProblem.jl emit on
    the tagging step; it carries no information since the episode has ended).

    Published values are simulated returns of computed policies, not certified V*: TagPOMDPProblem.jl's
    ``scripts/check_vs_original.jl`` quotes SARSOP on the original model at -6.13 +/- 0.12 (the SARSOP and HSVI2
    papers report about -6 too)."""
    nb = _tag_neighbours()
    n, A, TAGGED = len(TAG_CELLS), 5, len(TAG_CELLS)
    S = n * (n + 1)
    r, t = np.divmod(np.arange(n * n), n)  # every untagged (robot, opponent) pair, robot-major
    s = r * (n + 1) + t
    xy = np.array(TAG_CELLS)
    dx, dy = np.sign(xy[t, 0] - xy[r, 0]), np.sign(xy[t, 1] - xy[r, 1])
    # The opponent's five outcomes: north, south, east, west (0.4 away from the robot, 0.2 each way if level), stay
    p_move = np.stack([0.2 * (dy == 0) + 0.4 * (dy > 0), 0.2 * (dy == 0) + 0.4 * (dy < 0),
                       0.2 * (dx == 0) + 0.4 * (dx > 0), 0.2 * (dx == 0) + 0.4 * (dx < 0), np.full(t.size, 0.2)],
                      axis=1)
    t_next = np.concatenate([nb[t], t[:, None]], axis=1)  # (n*n, 5)
    r_next = np.concatenate([nb[r], r[:, None]], axis=1)  # (n*n, A): tag leaves the robot in place
    rows = (s[:, None, None] * A + np.arange(A)[None, :, None]).repeat(5, axis=2)  # (n*n, A, 5)
    cols = r_next[:, :, None] * (n + 1) + t_next[:, None, :]
    vals = np.broadcast_to(p_move[:, None, :], rows.shape).copy()
    caught = r == t
    cols[caught, 4] = (r[caught] * (n + 1) + TAGGED)[:, None]  # tag in the opponent's cell: tagged, all mass
    vals[caught, 4] = [1.0, 0.0, 0.0, 0.0, 0.0]
    done = np.arange(n) * (n + 1) + TAGGED  # the tagged states: absorbing
    rows = np.concatenate([rows.ravel(), (done[:, None] * A + np.arange(A)).ravel()])
    cols = np.concatenate([cols.ravel(), np.repeat(done, A)])
    vals = np.concatenate([vals.ravel(), np.ones(done.size * A)])
    P = sp.coo_matrix((vals, (rows, cols)), shape=(S * A, S)).tocsr()  # duplicates (blocked moves) summed

    R = np.zeros((S, A))
    R[s, :4] = -1.0
    R[s, 4] = np.where(caught, 10.0, -10.0)
    O = np.zeros((S, n + 1))  # O[s', o], the same for every action
    O[s, np.where(caught, TAGGED, r)] = 1.0
    O[done, TAGGED] = 1.0
    initial = np.zeros(S)
    initial[s] = 1.0 / s.size
    return POMDP(P, O, R, initial=initial, terminal=done, name="tag", **_horizon_or_discount(gamma, H, 0.95))
