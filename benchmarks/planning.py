"""Planning speed, side by side in one process: boundlab's ``solve`` vs pymdptoolbox (``pip install .[peers]``).

Each case reports the time to an eps-optimal policy (verified afterwards by exact policy evaluation) and to a
certified eps-accurate V*; pymdptoolbox's ValueIteration stops on a span rule and its V is checked against V* too.
pymdptoolbox is timed from arrays to answer (constructor + ``run()``: its constructor validates ``P`` and, for
ValueIteration, runs a Bellman sweep to bound the iterations, as boundlab's ``solve`` validates in its first pass);
its ``run()`` alone is reported beside it. The "planner paths" section times the cases of issue 8 (Garnet policy
evaluation and iteration, dense chains at gamma = 0.9999) for every planner.
Run: ``python benchmarks/planning.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc

import numpy as np
import scipy.sparse as sp

from boundlab import solvers
from boundlab import tabular
from _common import header, table, timed

EPS = 1e-2  # target policy gap and V accuracy (value units; values here are up to 1 / (1 - gamma) = 100)
PI_MAX_ITER = 20


def policy_gap(P2, R, gamma, V_star, policy) -> float:
    return float(np.max(V_star - solvers.policy_evaluation(P2, R, gamma, policy).V))


def peers(P_dense, R, gamma, V_star, P2, rows):
    try:
        import mdptoolbox.mdp as mdp
    except ImportError:
        print("pymdptoolbox missing: pip install -e '.[peers]'", file=sys.stderr)
        return []
    P_ass = np.ascontiguousarray(P_dense.transpose(1, 0, 2))
    times = []
    # pymdptoolbox's PolicyIteration does not detect convergence on models with tied actions (it ran to its
    # max_iter=1000 on a 30x30 gridworld): it is capped at PI_MAX_ITER and reported as such.
    for name, cls, kw in [("pymdptoolbox ValueIteration", mdp.ValueIteration, {"epsilon": EPS, "max_iter": 100000}),
                          ("pymdptoolbox PolicyIteration", mdp.PolicyIteration, {"max_iter": PI_MAX_ITER})]:
        def construct_and_run(cls=cls, kw=kw):
            solver = cls(P_ass, R, gamma, **kw)
            solver.setSilent()
            t_run, _ = timed(solver.run)
            return solver, t_run

        t, (solver, t_run) = timed(construct_and_run, repeat=3 if cls is mdp.ValueIteration else 1)
        V = np.asarray(solver.V)
        pol = np.asarray(solver.policy, dtype=np.int64)
        iters = int(getattr(solver, "iter", 0))
        stopped = cls is mdp.ValueIteration or iters < PI_MAX_ITER
        gap = policy_gap(P2, R, gamma, V_star, pol)
        if stopped and gap <= EPS:
            times.append(t)
        rows.append({"method": name + ("" if stopped else f" (hit max_iter={PI_MAX_ITER})"), "seconds": t,
                     "run() only": t_run, "iterations": iters, "policy gap": gap,
                     "max abs V - V*": float(np.abs(V - V_star).max())})
    return times


def case(title: str, P_dense: np.ndarray, R: np.ndarray, gamma: float, with_peers: bool = True) -> None:
    header(title)
    S, A = R.shape
    P2 = sp.csr_matrix(P_dense.reshape(S * A, S)) if np.count_nonzero(P_dense) < 0.05 * P_dense.size else P_dense
    V_star = solvers.policy_iteration(P2 if sp.issparse(P2) else P_dense, R, gamma).V
    rows = []
    t_ours, res = timed(solvers.solve, P_dense, R, gamma, tol=EPS, repeat=3)
    rows.append({"method": "boundlab solve (dense input)", "seconds": t_ours, "run() only": t_ours,
                 "iterations": res.iterations,
                 "policy gap": policy_gap(P2, R, gamma, V_star, res.policy),
                 "max abs V - V*": float(np.abs(res.V - V_star).max())})
    if with_peers:
        peer_times = peers(P_dense, R, gamma, V_star, P2, rows)
        if peer_times:
            print(f"speed-up vs pymdptoolbox's fastest method that stopped with an eps-optimal policy: "
                  f"{min(peer_times) / t_ours:.1f}x\n")
    table(rows)


def bandwidth_case(S: int, A: int, gamma: float, with_peers: bool) -> None:
    header(f"Dense random MDP, S={S}, A={A}, gamma={gamma}: memory-bound sweep")
    rng = np.random.default_rng(0)
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    R = rng.random((S, A))
    P2 = P.reshape(S * A, S)
    V = rng.random(S)
    t_stream, _ = timed(np.add.reduce, P2, axis=None, repeat=5)
    t_sweep, _ = timed(solvers.result.backup, P2, R, gamma, V, repeat=5)
    gb = P2.nbytes / 1e9
    print(f"P is {gb:.2f} GB; streaming it once: {t_stream * 1e3:.1f} ms ({gb / t_stream:.1f} GB/s); "
          "one Bellman sweep: "
          f"{t_sweep * 1e3:.1f} ms = {t_sweep / t_stream:.2f}x the stream time\n")
    case(f"Dense random MDP, S={S}, A={A}, gamma={gamma}: full solve", P, R, gamma, with_peers)


def sparse_case(S: int, A: int, b: int, gamma: float) -> None:
    header(f"Sparse Garnet, S={S}, A={A}, {b} successors, gamma={gamma}")
    P2 = tabular.garnet_transitions(S, A, b, seed=0)
    R = np.random.default_rng(0).random((S, A))
    tracemalloc.start()
    t, res = timed(solvers.solve, P2, R, gamma, tol=EPS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"solve: {t:.2f} s, {res.iterations} iterations, certified policy gap {res.policy_gap:.1e}, error bound "
          f"{res.error_bound:.1e}; P in CSR: {(P2.data.nbytes + P2.indices.nbytes + P2.indptr.nbytes) / 1e6:.0f} MB; "
          f"peak memory allocated during solve (tracemalloc): {peak / 1e6:.0f} MB\n")


def paths_case(quick: bool) -> None:
    """Every planner on the structures of issue 8 (times from arrays; one run each, the machine is shared)."""
    import warnings

    header("Planner paths (issue 8 cases), tol = 1e-6")
    rows = []
    S = 2_000 if quick else 10_000
    P2 = tabular.garnet_transitions(S, 4, 10, seed=0)
    R = np.random.default_rng(0).random((S, 4))
    t, res = timed(solvers.policy_evaluation, P2, R, 0.99, np.zeros(S, dtype=np.int64))
    rows.append({"case": f"sparse Garnet S={S}, A=4, 10 successors, gamma=0.99", "planner": "policy_evaluation",
                 "seconds": t, "iterations": res.iterations, "error bound": res.error_bound})
    t, res = timed(solvers.policy_iteration, P2, R, 0.99)
    rows.append({"case": "", "planner": "policy_iteration", "seconds": t, "iterations": res.iterations,
                 "error bound": res.error_bound})
    for n, slip in ((200, 0.0), (1000, 0.0), (1000, 0.2)):
        m = tabular.chain(n_states=n, slip=slip, gamma=0.9999)
        for f in (solvers.value_iteration, solvers.modified_policy_iteration, solvers.policy_iteration,
                  solvers.linear_programming, solvers.solve):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                t, res = timed(f, m.P, m.R, 0.9999)
            rows.append({"case": f"dense chain S={n}, slip {slip}, gamma=0.9999" if f is solvers.value_iteration
                         else "", "planner": f.__name__, "seconds": t, "iterations": res.iterations,
                         "error bound": res.error_bound})
    table(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes, no peers (smoke run)")
    args = parser.parse_args()
    n, S_dense, S_sparse = (20, 200, 10_000) if args.quick else (70, 2000, 100_000)
    grid = tabular.gridworld(n, slip=0.1, gamma=0.99)
    case(f"Slow-mixing gridworld {n}x{n}, A=4, slip 0.1, gamma=0.99, dense (S, A, S) input", grid.P, grid.R, 0.99,
         not args.quick)
    del grid
    bandwidth_case(S_dense, 20, 0.99, not args.quick)
    sparse_case(S_sparse, 4, 10, 0.99)
    paths_case(args.quick)
    if not args.quick:
        sparse_case(1_000_000, 4, 10, 0.99)


if __name__ == "__main__":
    main()
