"""Numba kernels of the best-first search loop in :mod:`solvers.search`: a node table (each state's bytes as a row of
8-byte words, found through an open-addressing hash table) and a binary heap of OPEN entries ordered by (priority,
larger g, push order). An entry's node, action and g are written once at push (entry id = push order); the heap moves
only (priority, entry id) pairs. The driver in ``search.py`` calls them once per iteration, between its batched
domain and heuristic calls, so no Python runs per node or per child. ``tests/reference_search.py`` is the
``heapq``/dict loop they reproduce."""

from __future__ import annotations

import numpy as np
from numba import njit

_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_BASIS = np.uint64(0xCBF29CE484222325)


# ------------------------------------------------------------------------------------------------------ node table
@njit(cache=True, nogil=True)
def _hash(row) -> np.uint64:
    """FNV-style mixing of the row's words, then MurmurHash3's 64-bit finaliser (fmix64), so that states differing
    only in high bits do not share low bits (the table's slot is the low bits)."""
    h = _FNV_BASIS
    for w in row:
        h = (h ^ w) * _FNV_PRIME
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
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
def insert_children(keys, g, parent, via, edge, mark, slots, n_nodes, kids, kid_cost, parents, acts, per_pair,
                    goals, reopen, stamp, ub, goal_id, chain, chain_act):
    """Record a batch of generated children, in order. Child ``j`` comes from node ``parents[j]`` by action ``acts[j]``
    (Q*: one child per popped pair) or from ``parents[j // A]`` by action ``j % A`` (A*: all ``A`` children of each
    popped node, ``A = len(kids) / len(parents)``). A child already known with ``g <= g_new`` (or known at all when
    ``reopen`` is False) is dropped; a new one is added, a known one reopened (g, parent and action replaced). A
    goal child whose g beats the incumbent ``ub`` becomes it: its chain of node ids (goal first) and their actions
    are written to ``chain``/``chain_act`` at that moment, and ``ub`` becomes the chain's own cost (the sum of its
    edges, at most the goal's g: an ancestor reopened since is cheaper now). Returns ``(n_nodes, fresh node ids in
    first-seen order, ub, goal_id, chain length)``; chain length 0 when the incumbent did not change. Capacity
    (rows, slots) is the caller's job."""
    m = kids.shape[0]
    A = 1 if per_pair else m // max(parents.shape[0], 1)
    fresh = np.empty(m, dtype=np.int64)
    n_fresh = 0
    chain_len = 0
    for j in range(m):
        if per_pair:
            p, a = parents[j], acts[j]
        else:
            p, a = parents[j // A], j % A
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
        via[i] = a
        edge[i] = kid_cost[j]
        if goals[j]:
            if gn < ub:
                goal_id = i
                chain_len = 0
                ub = 0.0
                k = i
                while k >= 0:
                    chain[chain_len] = k
                    chain_act[chain_len] = via[k]
                    if parent[k] >= 0:
                        ub += edge[k]
                    chain_len += 1
                    k = parent[k]
        elif mark[i] != stamp:
            mark[i] = stamp
            fresh[n_fresh] = i
            n_fresh += 1
    return n_nodes, fresh[:n_fresh], ub, goal_id, chain_len


# ------------------------------------------------------------------------------------------------------------ heap
# OPEN is a binary heap of (priority, block, action) entries. A block is one pushed node: its g, its push tick and its
# heuristic row ``s_q[b]`` as given. Entry (b, a) stands for the pair (node of b, action a); its order key is
# (priority, larger g, tick of b + a), exactly the order in which pushing every pair one by one (the reference) would
# pop them. Lazy mode keeps only each block's best remaining pair in the heap; when it is popped, the block's next
# pair (the smallest (score, action) after it, found by one scan of the row) takes its place. The heap minimum is the
# same, so the pops are the same, without |A| heap insertions (or a sort) per node. Eager mode (for random pops, which
# draw among all pairs) pushes every pair.
@njit(cache=True, nogil=True)
def _before(prio, hb, ha, b_g, b_tick, x, y) -> bool:
    if prio[x] != prio[y]:
        return prio[x] < prio[y]
    bx, by = hb[x], hb[y]
    if b_g[bx] != b_g[by]:
        return b_g[bx] > b_g[by]
    return b_tick[bx] + ha[x] < b_tick[by] + ha[y]


@njit(cache=True, nogil=True)
def _swap(prio, hb, ha, x, y) -> None:
    prio[x], prio[y] = prio[y], prio[x]
    hb[x], hb[y] = hb[y], hb[x]
    ha[x], ha[y] = ha[y], ha[x]


@njit(cache=True, nogil=True)
def _sift_up(prio, hb, ha, b_g, b_tick, k) -> None:
    while k > 0:
        up = (k - 1) >> 1
        if not _before(prio, hb, ha, b_g, b_tick, k, up):
            return
        _swap(prio, hb, ha, k, up)
        k = up


@njit(cache=True, nogil=True)
def _sift_down(prio, hb, ha, b_g, b_tick, k, size) -> None:
    while True:
        c = 2 * k + 1
        if c >= size:
            return
        if c + 1 < size and _before(prio, hb, ha, b_g, b_tick, c + 1, c):
            c += 1
        if not _before(prio, hb, ha, b_g, b_tick, c, k):
            return
        _swap(prio, hb, ha, k, c)
        k = c


@njit(cache=True, nogil=True)
def _remove(prio, hb, ha, b_g, b_tick, k, size) -> int:
    """Move heap slot ``k`` to slot ``size - 1`` (outside the heap) and restore the heap; returns the new size."""
    size -= 1
    if k != size:
        _swap(prio, hb, ha, k, size)
        _sift_down(prio, hb, ha, b_g, b_tick, k, size)
        _sift_up(prio, hb, ha, b_g, b_tick, k)
    return size


@njit(cache=True, nogil=True)
def _next_after(row, v, a) -> int:
    """The action with the smallest (score, action) strictly after (``v``, ``a``) in ``row``; -1 if none."""
    best = -1
    for k in range(row.shape[0]):
        x = row[k]
        if (x > v or (x == v and k > a)) and (best < 0 or x < row[best]):
            best = k
    return best


@njit(cache=True, nogil=True)
def push_blocks(prio, hb, ha, size, b_node, b_g, b_base, b_tick, s_q, n_blocks, next_tick, g, weight, nodes, scores,
                lazy):
    """One block per node of ``nodes`` with its heuristic row ``scores[r]``, priority ``weight * g + score``; pushes
    each block's best pair (lazy) or all of them (eager). Returns (size, n_blocks, next_tick)."""
    A = scores.shape[1]
    for r in range(nodes.shape[0]):
        b = n_blocks + r
        i = nodes[r]
        b_node[b] = i
        b_g[b] = g[i]
        b_base[b] = weight * g[i]
        b_tick[b] = next_tick
        next_tick += A
        s_q[b] = scores[r]
        for a in range(A):
            if lazy:
                a = _next_after(s_q[b], -np.inf, -1)
            prio[size] = b_base[b] + s_q[b, a]
            hb[size] = b
            ha[size] = a
            _sift_up(prio, hb, ha, b_g, b_tick, size)
            size += 1
            if lazy:
                break
    return size, n_blocks + nodes.shape[0], next_tick


@njit(cache=True, nogil=True)
def drop_stale(prio, hb, ha, size, b_node, b_g, b_tick, g) -> int:
    """Pop stale entries (their node was reopened with a smaller g) off the top; returns the new size."""
    while size > 0 and b_g[hb[0]] > g[b_node[hb[0]]]:
        size = _remove(prio, hb, ha, b_g, b_tick, 0, size)
    return size


@njit(cache=True, nogil=True)
def pop_batch(prio, hb, ha, size, b_node, b_g, b_base, b_tick, s_q, g, batch, per_pair, lazy, epsilon, uniforms):
    """Pop up to ``batch`` live entries: each pop takes the best entry, or (eager mode only) with probability
    ``epsilon`` a uniformly random one (two numbers from ``uniforms`` per pop); stale entries are discarded. In lazy
    mode a popped block's next pair takes its place. Returns (size, popped node ids, actions (-1 for A*),
    priorities, uniforms used); it stops early when ``uniforms`` runs out (the caller draws more and calls again)."""
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
        b, a, p = hb[k], ha[k], prio[k]
        stale = b_g[b] > g[b_node[b]]
        nxt = _next_after(s_q[b], s_q[b, a], a) if lazy and not stale else -1
        if nxt >= 0:  # lazy: the block's next pair replaces it (its priority is not smaller)
            prio[0] = b_base[b] + s_q[b, nxt]
            ha[0] = nxt
            _sift_down(prio, hb, ha, b_g, b_tick, 0, size)
        else:
            size = _remove(prio, hb, ha, b_g, b_tick, k, size)
        if stale:
            continue
        out_n[count] = b_node[b]
        out_a[count] = a if per_pair else -1
        out_p[count] = p
        count += 1
    return size, out_n[:count], out_a[:count], out_p[:count], used
