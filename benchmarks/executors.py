"""Executors, side by side in one process: the wall time and per-call overhead of ``bounds.measure_regret`` and
``bounds.sweep`` on each executor they accept: local threads (the default), ``executor="processes"`` (a fresh process
pool per call, the default before issue 8), a warm user-passed ``concurrent.futures.ProcessPoolExecutor(2)`` (fork
server) and a dask ``LocalCluster(n_workers=2)`` client's executor (started once; its start time is reported apart).

Workloads: (a) ``measure_regret``, 4 seeds x K=5000 on RiverSwim (H=20) for UCB-H, UCBVI-CH and PSRL; (b) overhead
only: K=10, one 4-seed call vs four 1-seed calls, beside the same four runs called in a plain loop (the work);
(c) a sweep of 4 learners x 3 instances x 8 seeds at K=1000 into a fresh temporary store, threads vs dask. Every
executor is warmed first (pools started, kernels loaded in the workers), then the executors take turns within each
round, so load drift on a shared machine hits them alike. Best of ``3 * --repeat`` rounds (``--repeat`` for the
fresh pools, which cost seconds a call); ratios against threads. Prints the load average at start and end.
Run: ``python benchmarks/executors.py [--quick] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from boundlab import bounds, tabular
from boundlab.bounds.regret import Run, execute
from boundlab.bounds.registry import Portable, resolve
from _common import header, table

H = 20
SEEDS = [0, 1, 2, 3]
LEARNERS = ["ucb-h", "ucbvi-ch", "psrl"]
SWEEP_LEARNERS = ["ucb-h", "ucbvi-ch", "psrl", "mvp"]
FRESH = "processes (fresh pool per call)"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def best_of(fns: dict, repeat: int, slow: tuple = ()) -> dict:
    """Best seconds of each callable, the callables taking turns within a round: ``3 * repeat`` rounds, of which the
    callables whose key starts with a name in ``slow`` (fresh process pools, seconds a call) take ``repeat``."""
    best = dict.fromkeys(fns, float("inf"))
    for r in range(3 * repeat):
        for name, fn in fns.items():
            if r >= repeat and (name if isinstance(name, str) else name[0]) in slow:
                continue
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def regret_calls(model, executors: dict, algorithm: str, K: int) -> dict:
    """name -> (one 4-seed call, four 1-seed calls) for each executor."""
    out = {}
    for name, ex in executors.items():
        out[(name, "4 seeds")] = lambda ex=ex: bounds.measure_regret(algorithm, model, K, SEEDS, executor=ex,
                                                                    progress=False)
        out[(name, "4 x 1 seed")] = lambda ex=ex: [bounds.measure_regret(algorithm, model, K, [s], executor=ex,
                                                                         progress=False) for s in SEEDS]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="K=1000 in (a), 4 seeds in (c), 2 repeats")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds for fresh pools; 3x that for the rest (default 3)")
    args = parser.parse_args()
    repeat = 2 if args.quick else args.repeat
    K_a, n_sweep_seeds = (1000, 4) if args.quick else (5000, 8)
    load_start, t_start = load(), time.perf_counter()
    header(f"Executors (load average 1/5/15 min at start: {load_start})")
    model = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=H)
    for a in SWEEP_LEARNERS:  # load the kernels in this process
        bounds.measure_regret(a, model, 10, [0], progress=False)

    # Python 3.11's default on Linux forks this process, which the learners' kernels have put in OpenMP's state:
    # every forked worker aborts ("fork() called from a process already using GNU OpenMP"). Start from a fork server.
    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver"))
    for a in SWEEP_LEARNERS:
        bounds.measure_regret(a, model, 10, SEEDS, executor=pool, progress=False)
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dask's notice that port 8787 is taken by another session's dashboard
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    dask_start = time.perf_counter() - t0
    dask = client.get_executor()
    for a in SWEEP_LEARNERS:
        bounds.measure_regret(a, model, 10, SEEDS, executor=dask, progress=False)
    executors = {"threads": None, FRESH: "processes", "warm ProcessPoolExecutor(2)": pool,
                 "dask LocalCluster(2)": dask}
    try:
        # (a) wall time, 4 seeds x K
        rows = []
        for algorithm in LEARNERS:
            best = best_of({name: (lambda ex=ex, algorithm=algorithm: bounds.measure_regret(
                algorithm, model, K_a, SEEDS, executor=ex, progress=False))
                            for name, ex in executors.items()}, repeat, slow=(FRESH,))
            for name, t in best.items():
                rows.append({"learner": algorithm, "executor": name, "seconds": t,
                             "vs threads": t / best["threads"]})
        print(f"### (a) measure_regret, 4 seeds x K={K_a}, RiverSwim H={H}: best of {3 * repeat} ({repeat} for fresh "
              "pools)\n")
        table(rows)

        # (b) overhead, K=10
        _, fn = resolve("ucb-h")
        floor_runs = [Run(Portable(fn), model, 10, s) for s in SEEDS]
        calls = regret_calls(model, executors, "ucb-h", 10)
        calls[("no executor", "4 runs, plain loop")] = lambda: [execute(r) for r in floor_runs]
        best = best_of(calls, repeat, slow=(FRESH,))
        base = {shape: best[("threads", shape)] for shape in ("4 seeds", "4 x 1 seed")}
        rows = [{"executor": name, "calls": shape, "seconds": t,
                 "ms per call": 1e3 * t / (4 if shape == "4 x 1 seed" else 1),
                 "vs threads": t / base[shape] if shape in base else "-"} for (name, shape), t in best.items()]
        print(f"### (b) overhead: measure_regret('ucb-h', K=10), best of {3 * repeat} ({repeat} for fresh pools); "
              "the work is the plain loop's\n")
        table(rows)

        # (c) sweep into a fresh store each time
        instances = {"riverswim": model,
                     "chain5": tabular.EpisodicMDP(*tabular.chain(5).to_arrays(), H=H),
                     "dirichlet10x3": tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=10, A=3, seed=0).to_arrays(),
                                                          H=H)}
        seeds = list(range(n_sweep_seeds))
        n_runs = len(SWEEP_LEARNERS) * len(instances) * len(seeds)
        with tempfile.TemporaryDirectory() as tmp:
            count = iter(range(10**6))

            def run_sweep(ex):
                df = bounds.sweep(SWEEP_LEARNERS, instances, seeds, 1000, executor=ex,
                                  store=Path(tmp) / f"runs{next(count)}.sqlite", progress=False)
                assert len(df) == n_runs * 1000 and not df["reused"].any()

            best = best_of({"threads": lambda: run_sweep(None), "dask LocalCluster(2)": lambda: run_sweep(dask)},
                           repeat)
        rows = [{"executor": name, "seconds": t, "runs/s": n_runs / t, "vs threads": t / best["threads"]}
                for name, t in best.items()]
        rows.append({"executor": "dask cluster + client start (once)", "seconds": dask_start, "runs/s": "-",
                     "vs threads": dask_start / best["threads"]})
        print(f"### (c) sweep, {len(SWEEP_LEARNERS)} learners x {len(instances)} instances x {len(seeds)} seeds "
              f"= {n_runs} runs at K=1000, fresh store each time: best of {3 * repeat}\n")
        table(rows)
    finally:
        client.close()
        cluster.close()
        pool.shutdown()
    print(f"load average at end: {load()}; total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
