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
h*(T(s, a))``, the condition as v3 and the PRL 2024 version state it; v2's abstract says the heuristic may neither
overestimate the cost-to-go nor underestimate the transition cost) the returned cost is optimal; ``weight < 1``
(DeepCubeA's lambda on ``g``) and ``batch > 1`` trade optimality for speed, as does the optional epsilon-random pop
(``epsilon > 0``: each of the ``batch`` pops takes, with probability ``epsilon``, a uniformly random entry of OPEN
instead of the best -- a stale entry so drawn is discarded and the pop repeats, coin included; our reading of the
paper's option, drawn from ``seed``). The returned ``cost`` is the returned path's own cost, summed when it became
the incumbent.

Counting, the same for both: ``expanded`` = OPEN entries popped and acted on (nodes for A*, pairs for Q*),
``generated`` = children created, ``evaluations`` = rows passed to the heuristic.

The loop runs in Numba kernels (``_search_kernels``: a hash table of state rows, an array binary heap ordered by
(priority, larger g, push order)) called once per iteration between the batched domain and heuristic calls; no
Python runs per node or per child. Ties in priority pop the larger g first (the deeper entry: with an informed
heuristic, nearer a goal; our choice, the paper does not say), then in push order. ``qstar(..., apply=f)`` with
``f(states, actions) -> (next_states, costs)`` builds only the popped children instead of reading them off
``successors``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import _search_kernels as kernels
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
          max_expansions: int | None = None, time_limit: float | None = None, record: bool = False,
          apply: Callable | None = None) -> SearchResult:
    """Q* search (arXiv 2102.04518): priority ``weight * g(s) + q(s, a)`` on (node, action) pairs; see the module
    docstring for the rules. ``apply(states, actions) -> (next_states [n, ...], costs [n])``, where given (e.g.
    ``SearchDomain.apply``), builds only the popped children; else they are read off ``successors``, which builds
    all ``A`` children of each popped node (the same search, more work per iteration)."""
    if apply is not None:
        _check_callable(apply, "apply")
    return _search(start, successors, is_goal, q, per_pair=True, weight=weight, batch=batch,
                   epsilon=epsilon, seed=seed, max_expansions=max_expansions, time_limit=time_limit, record=record,
                   apply=apply)


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
    if start.size == 0:
        raise ValueError(f"start must have at least one entry, got shape {start.shape}")
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


def _call_apply(apply, states: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = apply(states, actions)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"apply must return a tuple (next_states, costs), got {type(out).__name__}")
    nxt, costs = np.asarray(out[0]), check_real_array(out[1], "apply's costs").astype(np.float64)
    if nxt.dtype != states.dtype:
        raise TypeError(f"apply's next_states must have the states' dtype {states.dtype}, got {nxt.dtype}")
    if nxt.shape != states.shape or costs.shape != (len(states),):
        raise ValueError(f"apply must return next_states of shape {states.shape} and costs of shape "
                         f"({len(states)},), got {nxt.shape} and {costs.shape}")
    if not np.all(np.isfinite(costs)) or np.any(costs < 0):
        bad = int(np.argmax(~(np.isfinite(costs) & (costs >= 0))))
        raise ValueError(f"apply's costs must be finite and >= 0, got {costs[bad]} at [state {bad}, action "
                         f"{int(actions[bad])}]")
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
    raw = score(states)
    if getattr(raw, "dtype", None) == np.bool_:
        raise TypeError(f"{name} must return real numbers, got a bool array")
    out = check_real_array(raw, f"{name}'s output").astype(np.float64)
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


def _check_arguments(start, successors, is_goal, score, per_pair, weight, batch, epsilon, seed, max_expansions,
                     time_limit, record) -> tuple:
    """The search's arguments checked: ``(start, weight, batch, epsilon, rng, max_expansions, time_limit)``."""
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
    if max_expansions is not None:
        max_expansions = check_int(max_expansions, "max_expansions", minimum=1)
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit")
        if not time_limit > 0:
            raise ValueError(f"time_limit must be > 0, got {time_limit}")
    if not isinstance(record, (bool, np.bool_)):
        raise TypeError(f"record must be a bool, got {type(record).__name__}")
    return start, weight, batch, epsilon, np.random.default_rng(seed), max_expansions, time_limit


def _stop(found: bool, lb: float, ub: float, weight: float, empty: bool, expanded: int, max_expansions, t0: float,
          time_limit, first_goal: bool, per_pair: bool) -> str:
    """The stop rule, before each iteration: ``"solved"`` once a goal is known and the smallest priority left in OPEN
    (``lb``) reaches ``weight * ub`` (or at once, for the broken ``first_goal`` variant), ``"unreachable"`` when OPEN
    is empty, ``"budget"`` (with a warning) when ``max_expansions`` or ``time_limit`` is spent; else ``""``."""
    if found and (first_goal or lb >= weight * ub):
        return "solved"
    if empty:
        return "unreachable"
    if (max_expansions is not None and expanded >= max_expansions) or (
            time_limit is not None and time.perf_counter() - t0 > time_limit):
        warnings.warn(f"{'Q*' if per_pair else 'A*'} stopped on its budget after {expanded} expansions "
                      f"({'incumbent cost ' + str(ub) if found else 'no goal found'}; lower bound {lb})",
                      RuntimeWarning, stacklevel=4)
        return "budget"
    return ""


# -------------------------------------------------------------------------------------------------------- the loop
class _Store:
    """The growable arrays the kernels work on: node rows (each state's bytes as 8-byte words) with g/parent/action,
    the hash table, the heap and its entries."""

    def __init__(self, start: np.ndarray, capacity: int):
        self.shape, self.dtype = start.shape, start.dtype
        self.nbytes = start.nbytes
        self.words = max(1, -(-self.nbytes // 8))
        cap = max(64, capacity)
        self.keys = np.zeros((cap, self.words), dtype=np.uint64)
        self.keys[:1] = self.rows(start[None])
        self.g = np.zeros(cap)
        self.parent = np.full(cap, -1, dtype=np.int64)
        self.via = np.full(cap, -1, dtype=np.int64)
        self.edge = np.zeros(cap)
        self.mark = np.full(cap, -1, dtype=np.int64)
        self.chain, self.chain_act = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        self.n = 1
        self.slots = kernels.rehash(self.keys, 1, 1 << (2 * cap - 1).bit_length())
        self.prio, self.hb, self.ha = np.empty(cap), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        self.b_node, self.b_tick = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        self.b_g, self.b_base = np.empty(cap), np.empty(cap)
        self.s_q = np.empty((cap, 1))
        self.size = self.blocks = self.tick = 0

    def rows(self, states: np.ndarray) -> np.ndarray:
        """``states [n, *shape]`` as key rows ``uint64 [n, words]`` (their bytes, zero-padded)."""
        raw = np.ascontiguousarray(states).reshape(len(states), -1).view(np.uint8)
        if raw.shape[1] != self.words * 8:
            raw = np.concatenate([raw, np.zeros((len(raw), self.words * 8 - raw.shape[1]), np.uint8)], axis=1)
        return raw.view(np.uint64)

    def states(self, ids: np.ndarray) -> np.ndarray:
        """The states of node ids, as ``[n, *shape]`` of the start's dtype."""
        raw = self.keys[ids].view(np.uint8)[:, :self.nbytes]
        return np.ascontiguousarray(raw).view(self.dtype).reshape((len(ids),) + self.shape)

    def reserve_nodes(self, extra: int) -> None:
        need = self.n + extra
        cap = self.keys.shape[0]
        if need > cap:
            cap = max(4 * cap, need)
            self.keys = _grown(self.keys, cap)
            self.g, self.parent, self.via = _grown(self.g, cap), _grown(self.parent, cap), _grown(self.via, cap)
            self.edge, self.mark = _grown(self.edge, cap), _grown(self.mark, cap, -1)
            self.chain, self.chain_act = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        if 2 * need > self.slots.shape[0]:
            self.slots = kernels.rehash(self.keys, self.n, 1 << (4 * need - 1).bit_length())

    def reserve_blocks(self, blocks: int, A: int, entries: int) -> None:
        """Room for ``blocks`` more blocks of ``A`` scores and ``entries`` more heap entries (blocks grow 2x: each
        holds a row of ``A`` scores)."""
        if self.s_q.shape[1] != A:  # the first push fixes A (before it, no block exists)
            self.s_q = np.empty((len(self.b_node), A))
        need = self.blocks + blocks
        if need > len(self.b_node):
            cap = max(2 * len(self.b_node), need)
            self.b_node, self.b_tick = _grown(self.b_node, cap), _grown(self.b_tick, cap)
            self.b_g, self.b_base, self.s_q = _grown(self.b_g, cap), _grown(self.b_base, cap), _grown(self.s_q, cap)
        need = self.size + entries
        if need > len(self.prio):
            cap = max(4 * len(self.prio), need)
            self.prio, self.hb, self.ha = _grown(self.prio, cap), _grown(self.hb, cap), _grown(self.ha, cap)

    @property
    def heap(self) -> tuple:
        return self.prio, self.hb, self.ha, self.size


def _grown(a: np.ndarray, cap: int, fill=None) -> np.ndarray:
    """``a`` in a larger array of ``cap`` rows; the new rows are ``fill`` where given, else left unset (the kernels
    write a row before they read it)."""
    out = np.empty((cap,) + a.shape[1:], dtype=a.dtype)
    out[:a.shape[0]] = a
    if fill is not None:
        out[a.shape[0]:] = fill
    return out


def _search(start, successors, is_goal, score, *, per_pair: bool, weight, batch, epsilon=0.0, seed=0,
            max_expansions=None, time_limit=None, record=False, stop_at_first_goal: bool = False,
            reopen: bool = True, apply: Callable | None = None) -> SearchResult:
    """The loop both searches share. ``stop_at_first_goal`` and ``reopen=False`` are the broken variants the tests
    use to show why the rules matter; they are not public."""
    start, weight, batch, epsilon, rng, max_expansions, time_limit = _check_arguments(
        start, successors, is_goal, score, per_pair, weight, batch, epsilon, seed, max_expansions, time_limit, record)
    t0 = time.perf_counter()
    st = _Store(start, 4 * batch)
    pops: list | None = [] if record else None
    A: int | None = None
    ub, goal_id = np.inf, -1
    best, best_actions = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    generated = expanded = evaluations = iterations = 0
    no_acts = np.zeros(0, dtype=np.int64)

    lazy = epsilon == 0  # random pops draw among all pairs, so they need every entry in the heap

    def push(ids: np.ndarray) -> None:
        nonlocal evaluations, A
        vals = _call_score(score, st.states(ids), per_pair, A)
        evaluations += len(ids)
        if per_pair:
            A = vals.shape[1]
        vals = vals.reshape(len(ids), -1)
        st.reserve_blocks(len(ids), vals.shape[1], len(ids) if lazy else vals.size)
        st.size, st.blocks, st.tick = kernels.push_blocks(
            *st.heap, st.b_node, st.b_g, st.b_base, st.b_tick, st.s_q, st.blocks, st.tick, st.g, weight, ids, vals,
            lazy)

    def pop_some(count: int, uniforms: np.ndarray) -> list:
        st.size, *out, used = kernels.pop_batch(*st.heap, st.b_node, st.b_g, st.b_base, st.b_tick, st.s_q, st.g,
                                                count, per_pair, lazy, epsilon, uniforms)
        return out

    def pop() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if epsilon == 0:
            return tuple(pop_some(batch, _NO_UNIFORMS))
        parts, count = [], 0
        while count < batch and st.size:  # each pop may need two uniforms; draw more when they run out
            parts.append(pop_some(batch - count, rng.random(4 * batch)))
            count += len(parts[-1][0])
        return tuple(np.concatenate(x) for x in zip(*parts))

    if _call_goal(is_goal, start[None])[0]:
        ub, goal_id = 0.0, 0
    else:
        push(np.zeros(1, dtype=np.int64))
    while True:
        st.size = kernels.drop_stale(*st.heap, st.b_node, st.b_g, st.b_tick, st.g)
        lb = st.prio[0] if st.size else np.inf
        status = _stop(goal_id >= 0, lb, ub, weight, st.size == 0, expanded, max_expansions, t0, time_limit,
                       stop_at_first_goal, per_pair)
        if status:
            break
        parents, acts, prios = pop()
        if record:
            pops.extend(zip(st.states(parents), acts.tolist(), prios.tolist()))
        iterations += 1
        expanded += len(parents)
        if apply is not None:  # Q* with an apply: only the popped children are built
            kids, kid_cost = _call_apply(apply, st.states(parents), acts)
        else:
            nxt, costs = _call_successors(successors, st.states(parents), A)
            A = nxt.shape[1]
            if per_pair:
                rows = np.arange(len(parents))
                kids, kid_cost = nxt[rows, acts], costs[rows, acts]
            else:
                kids, kid_cost, acts = nxt.reshape((-1,) + st.shape), costs.reshape(-1), no_acts
        generated += len(kids)
        goals = _call_goal(is_goal, kids)
        st.reserve_nodes(len(kids))
        st.n, fresh, ub, goal_id, chain_len = kernels.insert_children(
            st.keys, st.g, st.parent, st.via, st.edge, st.mark, st.slots, st.n, st.rows(kids), kid_cost, parents,
            acts, per_pair, goals, reopen, iterations, ub, goal_id, st.chain, st.chain_act)
        if chain_len:  # the incumbent's path as it was when found (later reopenings in the batch cannot change it)
            best = st.chain[:chain_len][::-1].copy()
            best_actions = st.chain_act[:chain_len - 1][::-1].copy()
        if len(fresh):
            push(fresh)

    lb = float(st.prio[0]) if st.size else np.inf
    if goal_id < 0:
        return SearchResult(None, None, np.inf, status, lb, generated, expanded, evaluations, iterations, pops)
    return SearchResult(st.states(best), best_actions, float(ub), status, lb, generated, expanded, evaluations,
                        iterations, pops)


_NO_UNIFORMS = np.zeros(0)
