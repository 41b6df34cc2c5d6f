"""Numba kernels of the best-first search loop in :mod:`solvers.search`: a node table (states as rows of a 2-D
array, found through an open-addressing hash table) and a binary heap of OPEN entries ordered by (priority, push
order). The driver in ``search.py`` calls them once per iteration, between its batched domain and heuristic calls,
so no Python runs per node or per child. ``tests/reference_search.py`` is the ``heapq``/dict loop they reproduce."""

from __future__ import annotations

import numpy as np
from numba import njit

_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_BASIS = np.uint64(0xCBF29CE484222325)


# ------------------------------------------------------------------------------------------------------ node table
@njit(cache=True, nogil=True)
def _hash(row) -> np.uint64:
    h = _FNV_BASIS
    for v in row:
        h = (h ^ np.uint64(np.int64(v) & 0xFFFFFFFFFFFF)) * _FNV_PRIME
        h ^= h >> np.uint64(29)
    return h


@njit(cache=True, nogil=True)
def _same(a, b) -> bool:
    for k in range(a.shape[0]):
        if a[k] != b[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _find(keys, slots, row) -> tuple[int, int]:
    """(node id or -1, the slot where it is or would go)."""
    mask = slots.shape[0] - 1
    s = np.int64(_hash(row) & np.uint64(mask))
    while True:
        i = slots[s]
        if i < 0 or _same(keys[i], row):
            return i, s
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def rehash(keys, n_nodes: int, n_slots: int) -> np.ndarray:
    """A fresh hash table of ``n_slots`` (a power of two) slots over the first ``n_nodes`` rows of ``keys``."""
    slots = np.full(n_slots, -1, dtype=np.int64)
    for i in range(n_nodes):
        _, s = _find(keys, slots, keys[i])
        slots[s] = i
    return slots


@njit(cache=True, nogil=True)
def insert_children(keys, g, parent, via, mark, slots, n_nodes, kids, kid_cost, kid_parent, kid_act, goals,
                    reopen, stamp, ub, goal_id, chain):
    """Record a batch of generated children, in order: a child already known with ``g <= g_new`` (or known at all
    when ``reopen`` is False) is dropped; a new one is added, a known one reopened (g, parent and action replaced). A
    goal child that beats the incumbent ``ub`` becomes it, and its chain of node ids from the start is written to
    ``chain`` at that moment. Returns ``(n_nodes, fresh node ids in first-seen order, ub, goal_id, chain length)``;
    chain length 0 when the incumbent did not change. Capacity (rows of ``keys``, slots) is the caller's job."""
    m = kids.shape[0]
    fresh = np.empty(m, dtype=np.int64)
    n_fresh = 0
    chain_len = 0
    for j in range(m):
        p = kid_parent[j]
        gn = g[p] + kid_cost[j]
        i, s = _find(keys, slots, kids[j])
        if i >= 0 and (g[i] <= gn or not reopen):
            continue
        if i < 0:
            i = n_nodes
            n_nodes += 1
            keys[i] = kids[j]
            slots[s] = i
        g[i] = gn
        parent[i] = p
        via[i] = kid_act[j]
        if goals[j]:
            if gn < ub:
                ub = gn
                goal_id = i
                chain_len = 0
                k = i
                while k >= 0:
                    chain[chain_len] = k
                    chain_len += 1
                    k = parent[k]
        elif mark[i] != stamp:
            mark[i] = stamp
            fresh[n_fresh] = i
            n_fresh += 1
    return n_nodes, fresh[:n_fresh], ub, goal_id, chain_len


# ------------------------------------------------------------------------------------------------------------ heap
@njit(cache=True, nogil=True)
def _before(prio, tick, a, b) -> bool:
    return prio[a] < prio[b] or (prio[a] == prio[b] and tick[a] < tick[b])


@njit(cache=True, nogil=True)
def _swap(prio, tick, node, act, gent, a, b) -> None:
    prio[a], prio[b] = prio[b], prio[a]
    tick[a], tick[b] = tick[b], tick[a]
    node[a], node[b] = node[b], node[a]
    act[a], act[b] = act[b], act[a]
    gent[a], gent[b] = gent[b], gent[a]


@njit(cache=True, nogil=True)
def _sift_up(prio, tick, node, act, gent, k) -> None:
    while k > 0:
        up = (k - 1) >> 1
        if not _before(prio, tick, k, up):
            return
        _swap(prio, tick, node, act, gent, k, up)
        k = up


@njit(cache=True, nogil=True)
def _sift_down(prio, tick, node, act, gent, k, size) -> None:
    while True:
        c = 2 * k + 1
        if c >= size:
            return
        if c + 1 < size and _before(prio, tick, c + 1, c):
            c += 1
        if not _before(prio, tick, c, k):
            return
        _swap(prio, tick, node, act, gent, k, c)
        k = c


@njit(cache=True, nogil=True)
def _remove(prio, tick, node, act, gent, k, size) -> int:
    """Move entry ``k`` to slot ``size - 1`` (outside the heap) and restore the heap; returns the new size."""
    size -= 1
    if k != size:
        _swap(prio, tick, node, act, gent, k, size)
        _sift_down(prio, tick, node, act, gent, k, size)
        _sift_up(prio, tick, node, act, gent, k)
    return size


@njit(cache=True, nogil=True)
def push(prio, tick, node, act, gent, size, next_tick, g, weight, ids, scores, per_pair):
    """Push OPEN entries for nodes ``ids`` with heuristic ``scores`` (``[m, A]`` for Q*: one entry per action;
    ``[m, 1]`` for A*: action -1), priority ``weight * g + score``, in row-major order. Returns (size, next_tick)."""
    for r in range(ids.shape[0]):
        i = ids[r]
        base = weight * g[i]
        for a in range(scores.shape[1]):
            prio[size] = base + scores[r, a]
            tick[size] = next_tick
            node[size] = i
            act[size] = a if per_pair else -1
            gent[size] = g[i]
            next_tick += 1
            _sift_up(prio, tick, node, act, gent, size)
            size += 1
    return size, next_tick


@njit(cache=True, nogil=True)
def drop_stale(prio, tick, node, act, gent, size, g) -> int:
    """Pop stale entries (their node was reopened with a smaller g) off the top; returns the new size."""
    while size > 0 and gent[0] > g[node[0]]:
        size = _remove(prio, tick, node, act, gent, 0, size)
    return size


@njit(cache=True, nogil=True)
def pop_batch(prio, tick, node, act, gent, size, g, batch, epsilon, uniforms):
    """Pop up to ``batch`` live entries: each pop takes the best entry, or with probability ``epsilon`` a uniformly
    random one (two numbers from ``uniforms`` per pop when ``epsilon > 0``); stale entries are discarded.
    Returns (size, popped node ids, actions, priorities, uniforms used); it stops early when ``uniforms`` runs out
    (the caller draws more and calls again)."""
    out_n = np.empty(batch, dtype=np.int64)
    out_a = np.empty(batch, dtype=np.int64)
    out_p = np.empty(batch, dtype=np.float64)
    count = 0
    used = 0
    while size > 0 and count < batch:
        k = 0
        if epsilon > 0:
            if used + 2 > uniforms.shape[0]:
                break
            if uniforms[used] < epsilon:
                k = min(int(uniforms[used + 1] * size), size - 1)
            used += 2
        size = _remove(prio, tick, node, act, gent, k, size)
        if gent[size] > g[node[size]]:
            continue
        out_n[count] = node[size]
        out_a[count] = act[size]
        out_p[count] = prio[size]
        count += 1
    return size, out_n[:count], out_a[:count], out_p[:count], used
