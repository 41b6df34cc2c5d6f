"""The slow, obvious reference for ``solvers.search``: the same loop with Python's ``heapq`` and a dict of state
bytes. The fast loop (Numba heap and hash table) must reproduce it exactly: same pops in the same order (ties in
priority broken by larger g, then push order), same counts, same path. Random (epsilon) pops draw their numbers
differently here, so they are compared only at epsilon = 0. Not part of the package."""

from __future__ import annotations

import heapq
import time

import numpy as np

from boundlab.solvers.search import (
    SearchResult, _call_goal, _call_score, _call_successors, _check_arguments, _stop,
)

# -------------------------------------------------------------------------------------------------------- the loop
def search_reference(start, successors, is_goal, score, *, per_pair: bool, weight, batch, epsilon=0.0, seed=0,
            max_expansions=None, time_limit=None, record=False, stop_at_first_goal: bool = False,
            reopen: bool = True) -> SearchResult:
    """The loop both searches share. ``stop_at_first_goal`` and ``reopen=False`` are the broken variants the tests
    use to show why the rules matter; they are not public."""
    start, weight, batch, epsilon, rng, max_expansions, time_limit = _check_arguments(
        start, successors, is_goal, score, per_pair, weight, batch, epsilon, seed, max_expansions, time_limit, record)
    t0 = time.perf_counter()
    shape = start.shape

    states, g, parent, via, edge = [start], [0.0], [-1], [-1], [0.0]
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
                heapq.heappush(heap, (base + float(v), -g[i], tick, i, a, g[i]))  # ties: larger g first
                tick += 1

    if _call_goal(is_goal, start[None])[0]:
        ub, goal_id = 0.0, 0
    else:
        push([0])
    while True:
        while heap and heap[0][5] > g[heap[0][3]]:  # stale: the node was reopened with a smaller g
            heapq.heappop(heap)
        lb = heap[0][0] if heap else np.inf
        status = _stop(goal_id >= 0, lb, ub, weight, not heap, expanded, max_expansions, t0, time_limit,
                       stop_at_first_goal, per_pair)
        if status:
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
            if entry[5] > g[entry[3]]:
                continue
            popped.append(entry)
            if record:
                pops.append((states[entry[3]], entry[4], entry[0]))
        iterations += 1
        expanded += len(popped)
        parents = np.array([e[3] for e in popped])
        nxt, costs = _call_successors(successors, np.stack([states[i] for i in parents]), A)
        A = nxt.shape[1]
        if per_pair:
            acts = np.array([e[4] for e in popped])
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
                edge.append(float(kid_cost[j]))
            else:
                g[i], parent[i], via[i], edge[i] = gn, p, int(kid_act[j]), float(kid_cost[j])
            if goals[j]:
                if gn < ub:
                    goal_id, best = i, _chain(i, parent, via)
                    ub = 0.0
                    for k in reversed(best[0][1:]):  # the chain's own cost, summed from the goal back
                        ub += edge[k]
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
    a goal becomes the incumbent, so a later reopening of an ancestor cannot change the returned path). Its cost is
    the sum of its edges then, which is at most the goal's ``g`` (an ancestor reopened after ``g`` was set is
    cheaper now)."""
    ids = [i]
    while parent[ids[-1]] >= 0:
        ids.append(parent[ids[-1]])
    ids.reverse()
    return ids, [via[k] for k in ids[1:]]
