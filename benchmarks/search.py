"""Heuristic search speed, side by side in one process: ``solvers.astar`` / ``solvers.qstar`` (batch-weighted A*,
DeepCubeA; Q* search, Agostinelli et al. arXiv 2102.04518) against a textbook plain-Python ``heapq`` A*.

What is timed: states generated per second (``generated`` = children created, every child counted, the same count as
``solvers.astar``'s), wall time of whole searches from a start state to the returned cost, summed over several start
states, best of ``--repeat`` rounds; ours and the baseline take turns within each round, with the SAME domain
callables (``successors``, ``is_goal``, which check their input on every call) and the SAME heuristic callable.

The baseline (``heapq_astar``) is textbook A*: one node popped per iteration, its children from the domain's batch
``successors`` on a batch of one state, ``h`` on that node's ``A`` children in one call (so the baseline gets a batch
of ``A`` per heuristic call: 16 on Lights Out 4x4), ``is_goal`` on the same children in one call, a dict
``state.tobytes() -> g``, reopening on a smaller ``g``, stale heap entries skipped, and a stop at the first goal
POPPED. Ours pops ``batch`` nodes per iteration, goal-tests children when generated and stops when the smallest
priority left in OPEN is ``>= weight * ub`` (``solvers/search.py``'s rule); its loop runs in Numba kernels.

Heuristics (each one callable shared by the baseline and ours):
* ``exact``: the table ``dom.h_exact`` (``dom.q_exact`` for Q*), a cheap lookup, so the timings measure the search
  loop's overhead. Lights Out 5x5 has no table (2^25 states); there the admissible bound ``ceil(lit / 5)`` (a press
  toggles at most 5 lights) takes its place (``q(s, a) = 1 + ceil(lit(T(s, a)) / 5)`` for Q*).
* ``mlp``: a random-initialised ``solvers.networks.mlp`` (one-hot input of ``n_values`` values per entry, hidden
  widths 256, 256, output 1 for A*, ``A`` for Q*), jitted, float32, inputs padded to a power-of-two batch (>= 16) so
  that each size compiles once (all sizes compiled before timing), output float64 numpy. Its values are not
  admissible; we use ``min(network, exact)`` (the bound above on 5x5), which is, so that every A* cost at
  ``weight = 1, batch = 1`` is checked optimal. The forward pass on every evaluated row is what this heuristic adds;
  a random network guides poorly, so its searches are larger than with the table (nearly uniform-cost: the whole
  4096-board component of Lights Out 4x4). It runs on Lights Out 4x4 only; on the larger cases such searches take
  minutes in the baseline, and longer still in Q* at batch 1 (one child per iteration).

Checks (asserted): the baseline's cost equals ``h*(start)`` where the table exists, and ours at ``weight = 1,
batch = 1`` returns the baseline's cost. Larger batches and ``weight = 0.6`` (DeepCubeA's lambda) may return longer
paths: the table reports ``cost / optimal`` summed over the starts. Q* is reported against A* at the same batch
(nodes generated and generated/s); it has no plain-Python peer here.

Run: ``python benchmarks/search.py [--quick] [--repeat R] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from boundlab import solvers, tabular
from boundlab.solvers.networks import mlp, mlp_init
from _common import header, table

HIDDEN = (256, 256)
BATCHES = (1, 100, 1000)
WEIGHTS = (1.0, 0.6)


# ---------------------------------------------------------------------------------------------------- the baseline

def heapq_astar(start: np.ndarray, successors, is_goal, h) -> tuple[float, int, int]:
    """Textbook A* (see the module docstring). Returns ``(cost, generated, expanded)``; ``cost`` inf if no goal."""
    key = start.tobytes()
    g, parent = {key: 0.0}, {key: None}
    heap = [(float(h(start[None])[0]), 0, 0.0, start, bool(is_goal(start[None])[0]))]
    tick, generated, expanded = 1, 0, 0
    while heap:
        _, _, gs, s, goal = heapq.heappop(heap)
        skey = s.tobytes()
        if gs > g[skey]:  # stale: the node was reopened with a smaller g
            continue
        if goal:
            return gs, generated, expanded
        expanded += 1
        kids, costs = successors(s[None])
        kids, costs = kids[0], costs[0].tolist()
        generated += len(kids)
        hv, goals = h(kids).tolist(), is_goal(kids).tolist()
        for k in range(len(kids)):
            kkey, gk = kids[k].tobytes(), gs + costs[k]
            if gk < g.get(kkey, math.inf):
                g[kkey], parent[kkey] = gk, skey
                heapq.heappush(heap, (gk + hv[k], tick, gk, kids[k], goals[k]))
                tick += 1
    return math.inf, generated, expanded


# ------------------------------------------------------------------------------------------------------ heuristics

def lit_bound(states: np.ndarray) -> np.ndarray:
    """Admissible on Lights Out (any size): a press toggles at most 5 lights."""
    return np.ceil(states.reshape(len(states), -1).sum(axis=1) / 5.0)


def exact_heuristics(dom):
    """``(h, q)``: the exact tables, or the lit-count bound on Lights Out boards without one."""
    if dom.has_table:
        dom.exact_cost_to_go()
        return dom.h_exact, dom.q_exact

    def q_bound(states):
        nxt, cost = dom.successors(states)
        return cost + lit_bound(nxt.reshape(-1, *dom.state_shape)).reshape(cost.shape)
    return lit_bound, q_bound


def mlp_heuristic(dom, n_out: int, bound, seed: int = 0):
    """``min(random MLP, bound)`` on a batch of states: float64 ``[n]`` (``n_out == 1``) or ``[n, n_out]``."""
    n_in = int(np.prod(dom.state_shape)) * dom.n_values
    params = mlp_init(jax.random.PRNGKey(seed), (n_in, *HIDDEN, n_out))

    @jax.jit
    def apply(x):
        return mlp(params, jax.nn.one_hot(x.astype(jnp.int32), dom.n_values).reshape(x.shape[0], -1))

    def f(states: np.ndarray) -> np.ndarray:
        n = len(states)
        size = max(16, 1 << (n - 1).bit_length())
        x = np.zeros((size, *dom.state_shape), dtype=states.dtype)
        x[:n] = states
        out = np.asarray(apply(x), dtype=np.float64)[:n]
        return np.minimum(out[:, 0] if n_out == 1 else out, bound(states))

    f.warm = lambda top: [f(np.repeat(dom.goal[None], 1 << k, axis=0)) for k in range(top.bit_length() + 1)]
    return f


# --------------------------------------------------------------------------------------------------------- timing

def run_ours(search, starts, dom, score, batch, weight):
    """Total seconds, generated, expanded and the costs of ``search`` over ``starts``."""
    extra = {"apply": dom.apply} if search is solvers.qstar else {}  # Q* builds only its popped children
    t0 = time.perf_counter()
    res = [search(s, dom.successors, dom.is_goal, score, batch=batch, weight=weight, **extra) for s in starts]
    return (time.perf_counter() - t0, sum(r.generated for r in res), sum(r.expanded for r in res),
            np.array([r.cost for r in res]))


def run_baseline(starts, dom, h):
    t0 = time.perf_counter()
    res = [heapq_astar(s, dom.successors, dom.is_goal, h) for s in starts]
    return (time.perf_counter() - t0, sum(r[1] for r in res), sum(r[2] for r in res), np.array([r[0] for r in res]))


def case(name, dom, starts, heuristic, repeat, batches, rows, qrows, ratios):
    """All timings of one domain x heuristic: baseline, A* for each (batch, weight), Q* for each batch."""
    h_bound, q_bound = exact_heuristics(dom)
    if heuristic == "exact":
        h, q = h_bound, q_bound
    else:
        h, q = mlp_heuristic(dom, 1, h_bound), mlp_heuristic(dom, dom.n_actions, q_bound, seed=1)
    configs = [("A*", solvers.astar, b, w) for b in batches for w in WEIGHTS] + \
              [("Q*", solvers.qstar, b, 1.0) for b in batches]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a budget stop would be a bug here
        if heuristic == "mlp":  # compile every padded size the searches will ask for
            top = max(batches) * dom.n_actions
            h.warm(top)
            q.warm(top)
        near = dom.successors(dom.successors(dom.goal[None])[0][:, 0])[0][0, 1]  # two moves from the goal
        for kind, search, b, w in configs:  # Numba kernels loaded, caches filled
            search(near, dom.successors, dom.is_goal, h if kind == "A*" else q, batch=b, weight=w)
        best = {}
        for _ in range(repeat):
            out = run_baseline(starts, dom, h)
            best["base"] = min(best.get("base", out), out, key=lambda o: o[0])
            for kind, search, b, w in configs:
                out = run_ours(search, starts, dom, h if kind == "A*" else q, b, w)
                best[kind, b, w] = min(best.get((kind, b, w), out), out, key=lambda o: o[0])
    t_base, gen_base, exp_base, opt = best["base"]
    if dom.has_table:
        h_star = dom.h_exact(starts)
        assert np.array_equal(opt, h_star), f"{name}: heapq A* costs {opt} differ from h* {h_star}"
    base_rate = gen_base / t_base
    rows.append({"case": name, "h": heuristic, "search": "heapq A*", "batch": 1, "weight": 1.0,
                 "generated": gen_base, "expanded": exp_base, "seconds": t_base, "generated/s": base_rate,
                 "ratio": 1.0, "cost / optimal": f"{opt.sum() / opt.sum():.3f}"})
    for kind, _, b, w in configs:
        t, gen, exp, cost = best[kind, b, w]
        if b == 1 and w == 1.0:
            assert np.array_equal(cost, opt), f"{name} {kind} batch 1: costs {cost} differ from optimal {opt}"
        row = {"case": name, "h": heuristic, "search": kind, "batch": b, "weight": w, "generated": gen,
               "expanded": exp, "seconds": t, "generated/s": gen / t, "ratio": gen / t / base_rate,
               "cost / optimal": f"{cost.sum() / opt.sum():.3f}"}
        if kind == "A*":
            rows.append(row)
            ratios[f"{name} {heuristic} A* batch {b} weight {w}"] = row["ratio"]
        else:
            ta, gen_a, _, cost_a = best["A*", b, 1.0]
            qrows.append({"case": name, "h": heuristic, "batch": b, "A* generated": gen_a, "Q* generated": gen,
                          "Q*/A* generated": gen / gen_a, "A* seconds": ta, "Q* seconds": t,
                          "A* generated/s": gen_a / ta, "Q* generated/s": gen / t,
                          "A* cost / opt": f"{cost_a.sum() / opt.sum():.3f}",
                          "Q* cost / opt": f"{cost.sum() / opt.sum():.3f}"})


def pick_starts(dom, n, depth, min_h, seed):
    """``n`` scrambles of ``depth`` or ``depth + 1`` random moves (both parities), those with ``h* >= min_h`` first
    when the table exists."""
    cand = dom.scramble(40 * n, depth + np.arange(40 * n) % 2, seed=seed)
    if dom.has_table and min_h:
        cand = cand[dom.h_exact(cand) >= min_h]
    assert len(cand) >= n, f"{dom.name}: only {len(cand)} scrambles with h* >= {min_h}"
    return cand[:n]


# ----------------------------------------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer starts and repeats, Lights Out 4x4 only")
    parser.add_argument("--repeat", type=int, default=None, help="rounds (best of; default 3, 2 with --quick)")
    parser.add_argument("--json", help="write the measured rows and ratios here")
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 3)
    n = 2 if args.quick else 4
    lo4, lo5, p8 = tabular.lights_out(4), tabular.lights_out(5), tabular.sliding_puzzle(3)
    cases = [("Lights Out 4x4", lo4, pick_starts(lo4, n, 30, 6, seed=0), ("exact", "mlp"))]
    if not args.quick:
        cases += [("Lights Out 5x5", lo5, pick_starts(lo5, n, 6, 0, seed=1), ("exact",)),
                  ("8-puzzle", p8, pick_starts(p8, n, 200, 20, seed=2), ("exact",))]
    rows, qrows, ratios = [], [], {}
    t0 = time.perf_counter()
    for name, dom, starts, heuristics in cases:
        for heuristic in heuristics:
            case(name, dom, starts, heuristic, repeat, BATCHES, rows, qrows, ratios)
            print(f"{name} / {heuristic}: done at {time.perf_counter() - t0:.0f} s", flush=True)
    header(f"A*: states generated per second, ours vs plain-Python heapq A* (same heuristic callable; {n} starts "
           f"per case, best of {repeat})")
    table(rows)
    header("Q* vs A* at the same batch (weight 1)")
    table(qrows)
    print("ratios:", json.dumps(ratios, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"quick": args.quick, "date": time.strftime("%Y-%m-%d"), "repeat": repeat, "a_star": rows,
                       "q_star": qrows, "ratios": ratios}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
