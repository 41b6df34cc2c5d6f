"""Where runs execute: threads by default (the learners' Numba kernels release the GIL), or any
``concurrent.futures.Executor`` (a process pool, ``dask.distributed``'s ``client.get_executor()``).

:func:`run_all` keeps a bounded number of tasks in flight, packs several runs into one task where the executor has a
per-task cost (processes, a cluster: each task then takes about ``TASK_SECONDS``, sized from the runs measured so
far), resubmits the runs of a process pool whose worker died on a fresh pool (at most ``MAX_RESTARTS`` times), and
leaves no process of its own behind.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import statistics
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from tqdm.auto import tqdm

TASK_SECONDS = 0.5  # target length of one task on an executor with a per-task cost
MAX_RESTARTS = 3  # fresh process pools after a worker died, per run_all call
PROGRESS_DELAY = 1.0  # seconds before a progress bar appears (short calls print nothing)


def _watch_parent(main_pid: int) -> None:
    """Pool-worker initializer: exit when the main process (or the fork server between them) is gone, so that a
    killed main leaves no worker behind."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def safe_context() -> multiprocessing.context.BaseContext:
    """The start method for pools made here: a fork server (spawn where there is none), never a fork of this
    process, whose OpenMP, BLAS or JAX threads a forked child would inherit in whatever state they were (GNU OpenMP
    aborts such a child: "fork() called from a process already using GNU OpenMP")."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _warn_if_forking(pool: Executor) -> None:
    """Warn where a user's process pool forks this process (Python 3.11's Linux default)."""
    context = getattr(pool, "_mp_context", None)
    if isinstance(pool, ProcessPoolExecutor) and context is not None and context.get_start_method() == "fork":
        warnings.warn("this ProcessPoolExecutor starts its workers by fork(), which is unsafe once a learner has run "
                      "here (its OpenMP/JAX threads: GNU OpenMP aborts the forked workers); pass "
                      'mp_context=multiprocessing.get_context("forkserver") to ProcessPoolExecutor, or use '
                      'executor="processes". A pool that breaks is replaced by a forkserver pool.',
                      RuntimeWarning, stacklevel=4)


def process_pool(workers: int | None = None, mp_context: multiprocessing.context.BaseContext | None = None
                 ) -> ProcessPoolExecutor:
    """A process pool whose workers start from :func:`safe_context` (unless ``mp_context`` says otherwise) and exit
    when the main process dies."""
    main_path = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_path is not None and not os.path.exists(main_path):
        raise ValueError(f"executor='processes': worker processes re-import the main script, and {main_path!r} is "
                         "not a file (a script piped to python -); use threads, the default, or run a saved script")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                               mp_context=mp_context or safe_context(),
                               initializer=_watch_parent, initargs=(os.getpid(),))


def capacity(executor: Executor) -> int:
    """How many tasks ``executor`` runs at once (its worker count; a dask client's total threads)."""
    client = getattr(executor, "_client", None)
    if client is not None and hasattr(client, "nthreads"):
        return max(1, sum(client.nthreads().values()))
    return max(1, getattr(executor, "_max_workers", None) or os.cpu_count() or 1)


def _batch(fn: Callable, items: list) -> tuple[list, float]:
    t0 = time.perf_counter()
    return [fn(x) for x in items], time.perf_counter() - t0


def _close(pool: Executor, abort: bool) -> None:
    """Shut down a pool this module made; on ``abort`` cancel what waits and end its worker processes now."""
    pool.shutdown(wait=not abort, cancel_futures=True)
    if abort and isinstance(pool, ProcessPoolExecutor):
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            p.terminate()
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            p.join(5)


def run_all(fn: Callable, items: Sequence, executor: Executor | str | None = None, *, progress: bool = True,
            desc: str | None = None, postfix: dict | None = None) -> Iterator[tuple[int, object]]:
    """Yield ``(i, fn(items[i]))`` for every item, in the order they finish.

    ``executor``: ``None`` or ``"threads"`` for a local thread pool, ``"processes"`` for a local process pool
    (both made here and closed when done), or any ``concurrent.futures.Executor`` (left open). ``fn`` and the items
    must pickle for processes and clusters. A process pool that breaks (a worker killed) is replaced by a fresh one
    of the same size, made here with :func:`safe_context` (whatever start method the broken pool had), and the
    unfinished items are resubmitted. A user's pool that forks this process gets a ``RuntimeWarning`` naming the
    fix.
    """
    n = len(items)
    if executor is None and n == 1:
        yield 0, fn(items[0])
        return
    if executor is None or executor == "threads":
        pool, own = ThreadPoolExecutor(max_workers=max(1, min(n, os.cpu_count() or 1))), True
    elif executor == "processes":
        pool, own = process_pool(max(1, min(n, os.cpu_count() or 1))), True
    elif isinstance(executor, Executor):
        pool, own = executor, False
    else:
        raise TypeError(f"executor must be a concurrent.futures.Executor, 'threads' or 'processes', got {executor!r}")
    if not own:
        _warn_if_forking(pool)
    workers = capacity(pool)
    batching = not isinstance(pool, ThreadPoolExecutor)
    pending, in_flight = deque(range(n)), {}
    rates, restarts = [], 0  # seconds per item of each finished task
    bar = tqdm(total=n, desc=desc, disable=not progress or n < 2, delay=PROGRESS_DELAY)
    if postfix:
        bar.set_postfix(postfix, refresh=False)
    aborted = True
    try:
        while pending or in_flight:
            broken = None
            while pending and len(in_flight) < 2 * workers and broken is None:
                size = 1
                if batching and rates:  # the median resists a worker's first task, which loads the kernels
                    size = max(1, min(round(TASK_SECONDS / max(statistics.median(rates), 1e-9)),
                                      math.ceil(len(pending) / workers)))
                chunk = [pending.popleft() for _ in range(min(size, len(pending)))]
                try:
                    in_flight[pool.submit(_batch, fn, [items[i] for i in chunk])] = chunk
                except BrokenProcessPool as err:  # it broke since the last wait
                    broken = err
                    pending.extendleft(reversed(chunk))
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED) if broken is None else ((), ())
            for future in finished:
                chunk = in_flight.pop(future)
                try:
                    results, seconds = future.result()
                except BrokenProcessPool as err:
                    broken = err
                    pending.extendleft(reversed(chunk))
                    continue
                rates.append(seconds / len(chunk))
                for i, result in zip(chunk, results):
                    yield i, result
                bar.update(len(chunk))
            if broken is not None:  # every future of a broken pool fails: take all their items back
                for chunk in in_flight.values():
                    pending.extendleft(reversed(chunk))
                in_flight.clear()
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise RuntimeError(f"the process pool broke {restarts} times (a worker died each time); "
                                       f"{len(pending)} runs unfinished. If no worker ever started: a worker "
                                       "re-imports the main script, which a script piped to python - lacks") from broken
                if own:
                    _close(pool, abort=True)
                pool, own = process_pool(workers), True  # never a fork: a forked pool may break for that reason
        aborted = False
    finally:
        bar.close()
        if own:
            _close(pool, abort=aborted)
