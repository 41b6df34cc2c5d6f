"""Best-first search on a domain given as batch functions: batch-weighted A* (DeepCubeA; Agostinelli et al. 2019,
Nature Machine Intelligence) and Q* search (Agostinelli et al., "A* Search Without Expansions: Learning Heuristic
Functions with Deep Q-Networks", arXiv 2102.04518 v2).

A domain is three callables on a batch of ``n`` states (an array whose first axis is the batch; graph nodes are a
batch of integers, i.e. 0-d states): ``successors(states) -> (next_states, costs)`` of shapes ``[n, A, ...]`` and
``[n, A]`` (costs finite and ``>= 0``), ``is_goal(states) -> bool[n]``, and the heuristic, ``h(states) -> [n]`` for
A* or ``q(states) -> [n, A]`` for Q*. States are integer (or bool) arrays, hashed by their bytes.

* A*: OPEN holds nodes with priority ``weight * g + h``. Each iteration pops the ``batch`` best nodes, generates all
  their ``A`` children, and evaluates ``h`` on the new children in one call.
* Q*: OPEN holds (node, action) pairs with priority ``weight * g(s) + q(s, a)``. Each iteration pops the ``batch``
  best pairs and generates only the popped actions' children (with their true costs ``c(s, a)``), and evaluates ``q``
  on the new children in one call, pushing all their pairs. Only popped pairs ever become nodes, so Q* generates at
  most ``batch`` nodes per iteration where A* generates ``batch * A``.

Both share one loop and one stop rule: children are goal-tested when generated and the cheapest goal found is the
incumbent ``ub``; the search stops when a goal is known and the smallest priority left in OPEN (a lower bound) is
``>= weight * ub`` -- not at the first goal. (Labelled: the paper's text on the rule was out of reach; the authors'
deepxube code compares ``ub`` with the largest priority popped so far instead. With ``weight = 1``, ``batch = 1``
and a consistent heuristic, popped priorities never decrease, so the largest popped is at most the smallest left in
OPEN and our rule stops no later; both are lower bounds on the optimum there.)
A node reached again with a smaller ``g`` is reopened (its entries are pushed again; older entries are skipped when
popped). Goal nodes are not expanded (costs are ``>= 0``).
With ``weight = 1``, ``batch = 1`` and an admissible heuristic (``h <= h*``; for Q* ``q(s, a) <= c(s, a) +
h*(T(s, a))``, the v2/v3 admissibility condition) the returned cost is optimal; ``weight < 1`` (DeepCubeA's lambda on
``g``) and ``batch > 1`` trade optimality for speed, as does the optional epsilon-random pop (``epsilon > 0``:
each of the ``batch`` pops takes, with probability ``epsilon``, a uniformly random live entry of OPEN instead of the
best; our reading of the paper's option, drawn from ``seed``).

Counting, the same for both: ``expanded`` = OPEN entries popped and acted on (nodes for A*, pairs for Q*),
``generated`` = children created, ``evaluations`` = rows passed to the heuristic.

First version: the loop over popped entries and children is Python (heapq, a dict of state bytes); the domain and
heuristic calls are batched. A Numba / array-heap version of the hot loop is left for later.
"""

from __future__ import annotations

import heapq
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .validation import check_int, check_real, check_real_array

__all__ = ["SearchResult", "astar", "qstar"]


@dataclass(frozen=True)
class SearchResult:
    """What :func:`astar` / :func:`qstar` found.

    ``status``: ``"solved"`` (the stop rule held; ``path`` ends in a goal), ``"unreachable"`` (OPEN ran empty with no
    goal: ``path``/``actions`` None, ``cost`` inf) or ``"budget"`` (``max_expansions`` or ``time_limit`` ran out
    first: the incumbent if one was found, else None / inf; a ``RuntimeWarning`` says so). ``path[k]`` is the k-th
    state (``path[0]`` the start), ``actions[k]`` the action taken in it. ``lower_bound`` is the smallest priority left
    in OPEN at the end (inf when empty). ``pops`` (with ``record=True``) lists ``(state, action, priority)`` for each
    popped entry in order (action -1 for an A* node).
    """

    path: np.ndarray | None
    actions: np.ndarray | None
    cost: float
    status: str
    lower_bound: float
    generated: int
    expanded: int
    evaluations: int
    iterations: int
    pops: list | None = field(default=None, repr=False)


def astar(start: np.ndarray, successors: Callable, is_goal: Callable, h: Callable, *, weight: float = 1.0,
          batch: int = 1, epsilon: float = 0.0, seed: int | np.random.Generator = 0,
          max_expansions: int | None = None, time_limit: float | None = None, record: bool = False) -> SearchResult:
    """Batch-weighted A* (DeepCubeA): priority ``weight * g + h(s)``; see the module docstring for the rules."""
    return _search(start, successors, is_goal, h, per_pair=False, weight=weight, batch=batch,
                   epsilon=epsilon, seed=seed, max_expansions=max_expansions, time_limit=time_limit, record=record)


def qstar(start: np.ndarray, successors: Callable, is_goal: Callable, q: Callable, *, weight: float = 1.0,
          batch: int = 1, epsilon: float = 0.0, seed: int | np.random.Generator = 0,
          max_expansions: int | None = None, time_limit: float | None = None, record: bool = False) -> SearchResult:
    """Q* search (arXiv 2102.04518): priority ``weight * g(s) + q(s, a)`` on (node, action) pairs; see the module
    docstring for the rules."""
    return _search(start, successors, is_goal, q, per_pair=True, weight=weight, batch=batch,
                   epsilon=epsilon, seed=seed, max_expansions=max_expansions, time_limit=time_limit, record=record)


# ----------------------------------------------------------------------------------------------------------- checks
def _check_start(start) -> np.ndarray:
    if isinstance(start, np.generic):
        start = np.asarray(start)
    if not isinstance(start, np.ndarray):
        raise TypeError(f"start must be a numpy array (a state; a graph node as np.int64(k)), got "
                        f"{type(start).__name__}")
    if start.dtype.kind not in "biu":
        raise TypeError(f"start must be an integer or bool array (states are hashed by their bytes), got dtype "
                        f"{start.dtype}")
    return start.copy(order="C")  # (ascontiguousarray would turn a 0-d state into 1-d)


def _check_callable(f, name: str) -> None:
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")


def _first_bad(mask: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _call_successors(successors, states: np.ndarray, A: int | None):
    out = successors(states)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"successors must return a tuple (next_states, costs), got {type(out).__name__}")
    nxt, costs = np.asarray(out[0]), check_real_array(out[1], "successors' costs")
    n, shape = states.shape[0], states.shape[1:]
    if nxt.dtype != states.dtype:
        raise TypeError(f"successors' next_states must have the states' dtype {states.dtype}, got {nxt.dtype}")
    if nxt.ndim != 2 + len(shape) or nxt.shape[0] != n or nxt.shape[2:] != shape or nxt.shape[1] < 1:
        raise ValueError(f"successors' next_states must have shape [n, A, *state_shape] = [{n}, A, "
                         f"{', '.join(map(str, shape))}] with A >= 1, got {nxt.shape}")
    if A is not None and nxt.shape[1] != A:
        raise ValueError(f"successors returned {nxt.shape[1]} actions, earlier calls {A}")
    A = nxt.shape[1]
    if costs.shape != (n, A):
        raise ValueError(f"successors' costs must have shape [n, A] = {(n, A)}, got {costs.shape}")
    costs = costs.astype(np.float64)
    if not np.all(np.isfinite(costs)) or np.any(costs < 0):
        bad = _first_bad(~(np.isfinite(costs) & (costs >= 0)))
        raise ValueError(f"successors' costs must be finite and >= 0, got {costs[bad]} at [state {bad[0]}, "
                         f"action {bad[1]}]")
    return np.ascontiguousarray(nxt), costs


def _call_goal(is_goal, states: np.ndarray) -> np.ndarray:
    out = np.asarray(is_goal(states))
    if out.dtype != np.bool_:
        raise TypeError(f"is_goal must return a bool array, got dtype {out.dtype}")
    if out.shape != (states.shape[0],):
        raise ValueError(f"is_goal must return shape [n] = ({states.shape[0]},), got {out.shape}")
    return out


def _call_score(score, states: np.ndarray, per_pair: bool, A: int | None) -> np.ndarray:
    name = "q" if per_pair else "h"
    out = check_real_array(score(states), f"{name}'s output").astype(np.float64)
    n = states.shape[0]
    want = (n, A) if per_pair and A is not None else (n,)
    if per_pair and (out.ndim != 2 or out.shape[0] != n or out.shape[1] < 1 or A is not None and out.shape != want):
        raise ValueError(f"q must return shape [n, A] = [{n}, {A if A is not None else 'A'}], got {out.shape}")
    if not per_pair and out.shape != want:
        raise ValueError(f"h must return shape [n] = ({n},), got {out.shape}")
    if np.any(np.isnan(out) | (out == -np.inf)):
        bad = _first_bad(np.isnan(out) | (out == -np.inf))
        raise ValueError(f"{name} returned {out[bad]} at {list(bad)} (NaN and -inf are not allowed)")
    return out


def _check_weight(weight) -> float:
    w = check_real(weight, "weight")
    if not 0.0 <= w <= 1.0:
        raise ValueError(f"weight must lie in [0, 1] (DeepCubeA's lambda on g), got {w}")
    return w


# -------------------------------------------------------------------------------------------------------- the loop
def _search(start, successors, is_goal, score, *, per_pair: bool, weight, batch, epsilon=0.0, seed=0,
            max_expansions=None, time_limit=None, record=False, stop_at_first_goal: bool = False,
            reopen: bool = True) -> SearchResult:
    """The loop both searches share. ``stop_at_first_goal`` and ``reopen=False`` are the broken variants the tests
    use to show why the rules matter; they are not public."""
    start = _check_start(start)
    for f, name in ((successors, "successors"), (is_goal, "is_goal"), (score, "q" if per_pair else "h")):
        _check_callable(f, name)
    weight = _check_weight(weight)
    batch = check_int(batch, "batch", minimum=1)
    epsilon = check_real(epsilon, "epsilon")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    if not isinstance(seed, np.random.Generator):
        check_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    if max_expansions is not None:
        max_expansions = check_int(max_expansions, "max_expansions", minimum=1)
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit")
        if not time_limit > 0:
            raise ValueError(f"time_limit must be > 0, got {time_limit}")
    if not isinstance(record, (bool, np.bool_)):
        raise TypeError(f"record must be a bool, got {type(record).__name__}")
    t0 = time.perf_counter()
    shape = start.shape

    states, g, parent, via = [start], [0.0], [-1], [-1]
    index = {start.tobytes(): 0}
    heap: list = []
    pops: list | None = [] if record else None
    A: int | None = None
    ub, goal_id, best = np.inf, -1, ([0], [])
    generated = expanded = evaluations = iterations = 0
    tick = 0

    def push(ids: list[int]) -> None:
        nonlocal evaluations, tick, A
        vals = _call_score(score, np.stack([states[i] for i in ids]), per_pair, A)
        evaluations += len(ids)
        if per_pair:
            A = vals.shape[1]
        for i, row in zip(ids, vals):
            base = weight * g[i]
            for a, v in (enumerate(row) if per_pair else ((-1, row),)):
                heapq.heappush(heap, (base + float(v), tick, i, a, g[i]))
                tick += 1

    if _call_goal(is_goal, start[None])[0]:
        ub, goal_id = 0.0, 0
    else:
        push([0])
    status = "solved"
    while True:
        while heap and heap[0][4] > g[heap[0][2]]:  # stale: the node was reopened with a smaller g
            heapq.heappop(heap)
        lb = heap[0][0] if heap else np.inf
        if goal_id >= 0 and (stop_at_first_goal or lb >= weight * ub):
            break
        if not heap:
            status = "unreachable"
            break
        if (max_expansions is not None and expanded >= max_expansions) or (
                time_limit is not None and time.perf_counter() - t0 > time_limit):
            status = "budget"
            warnings.warn(f"{'Q*' if per_pair else 'A*'} stopped on its budget after {expanded} expansions "
                          f"({'incumbent cost ' + str(ub) if goal_id >= 0 else 'no goal found'}; lower bound {lb})",
                          RuntimeWarning, stacklevel=3)
            break
        popped = []
        while heap and len(popped) < batch:
            if epsilon > 0 and rng.random() < epsilon:  # a random entry: O(len(OPEN)) re-heapify, first version
                k = int(rng.integers(len(heap)))
                entry, heap[k] = heap[k], heap[-1]
                heap.pop()
                heapq.heapify(heap)
            else:
                entry = heapq.heappop(heap)
            if entry[4] > g[entry[2]]:
                continue
            popped.append(entry)
            if record:
                pops.append((states[entry[2]], entry[3], entry[0]))
        iterations += 1
        expanded += len(popped)
        parents = np.array([e[2] for e in popped])
        nxt, costs = _call_successors(successors, np.stack([states[i] for i in parents]), A)
        A = nxt.shape[1]
        if per_pair:
            acts = np.array([e[3] for e in popped])
            rows = np.arange(len(popped))
            kids, kid_cost, kid_parent, kid_act = nxt[rows, acts], costs[rows, acts], parents, acts
        else:
            kids, kid_cost = nxt.reshape((-1,) + shape), costs.reshape(-1)
            kid_parent, kid_act = np.repeat(parents, A), np.tile(np.arange(A), len(popped))
        generated += len(kids)
        goals = _call_goal(is_goal, kids)
        fresh: dict[int, None] = {}
        for j in range(len(kids)):
            p = int(kid_parent[j])
            gn = g[p] + float(kid_cost[j])
            key = kids[j].tobytes()
            i = index.get(key)
            if i is not None and (g[i] <= gn or not reopen):
                continue
            if i is None:
                i = index[key] = len(states)
                states.append(kids[j])
                g.append(gn)
                parent.append(p)
                via.append(int(kid_act[j]))
            else:
                g[i], parent[i], via[i] = gn, p, int(kid_act[j])
            if goals[j]:
                if gn < ub:
                    ub, goal_id, best = gn, i, _chain(i, parent, via)
            else:
                fresh[i] = None
        if fresh:
            push(list(fresh))

    lb = heap[0][0] if heap else np.inf
    if goal_id < 0:
        return SearchResult(None, None, np.inf, status, lb, generated, expanded, evaluations, iterations, pops)
    path = np.stack([states[i] for i in best[0]])
    actions = np.array(best[1], dtype=np.int64)
    return SearchResult(path, actions, float(ub), status, lb, generated, expanded, evaluations, iterations, pops)


def _chain(i: int, parent: list[int], via: list[int]) -> tuple[list[int], list[int]]:
    """The node ids from the start to ``i`` and the actions between them, as the parent pointers say now (taken when
    a goal becomes the incumbent, so a later reopening of an ancestor cannot change the returned path's cost)."""
    ids = [i]
    while parent[ids[-1]] >= 0:
        ids.append(parent[ids[-1]])
    ids.reverse()
    return ids, [via[k] for k in ids[1:]]
