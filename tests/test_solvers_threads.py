"""Solvers called from many threads at once: parallel kernels under a thread-unsafe Numba layer, kernels that release
the GIL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

# Every solver entry point that reaches a parallel kernel, on 8 threads at once, before any parallel launch happened
# in the process (the layer is still unknown then); values checked against a numpy reference and serial runs.
CONCURRENT = textwrap.dedent("""
    from concurrent.futures import ThreadPoolExecutor
    import numba
    import numpy as np
    from boundlab import solvers

    rng = np.random.default_rng(0)
    S, A, H = 30, 3, 10
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.random((S, A))
    chain = np.zeros((200, 2, 200))  # dense but sparse enough to be converted to CSR in parallel
    chain[np.arange(200), 0, np.maximum(np.arange(200) - 1, 0)] = 1.0
    chain[np.arange(200), 1, np.minimum(np.arange(200) + 1, 199)] = 1.0
    R_chain = np.zeros((200, 2))
    R_chain[199, 1] = 1.0
    policies = rng.integers(0, A, size=(5, H, S))
    starts = np.zeros(5, dtype=np.int64)

    def work(i):
        return (solvers.backward_induction(P, R, H).V, solvers.evaluate_policies(P, R, policies, starts),
                solvers.value_iteration(chain, R_chain, 0.9).V)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(48)))

    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        V[h] = (R + P @ V[h + 1]).max(axis=1)
    serial = work(0)
    assert np.allclose(serial[0], V[:H], rtol=1e-12, atol=1e-12)
    for got in results:
        assert all(np.array_equal(g, s) for g, s in zip(got, serial))
    print("layer", numba.threading_layer())
""")


def test_concurrent_calls_survive_the_workqueue_layer():
    """Numba's workqueue layer (its fallback without OpenMP/TBB) aborts the process when two threads enter parallel
    code at once; the solvers serialise their parallel kernels there, so concurrent calls finish with the right
    values. (The compiled cache of another layer is reused: the kernels' code does not depend on the layer.)"""
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue")
    run = subprocess.run([sys.executable, "-c", CONCURRENT], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "layer workqueue" in run.stdout


def test_serial_kernels_release_the_gil():
    """Every Numba kernel in solvers is cached, and every serial one is compiled with nogil=True: the regret harness
    evaluates each episode's policy (backward_kernel, _evaluate_policies_kernel) on threads, one per seed."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    from boundlab import solvers

    kernels = {}
    for info in pkgutil.iter_modules(solvers.__path__):
        module = importlib.import_module(f"boundlab.solvers.{info.name}")
        kernels.update({f"{info.name}.{k}": v for k, v in vars(module).items() if isinstance(v, CPUDispatcher)})
    serial = {name for name, kernel in kernels.items() if not kernel.targetoptions.get("parallel")}
    assert {"finite_horizon.backward_kernel", "finite_horizon._evaluate_policies_kernel"} <= serial
    for name, kernel in kernels.items():
        assert kernel._cache.__class__.__name__ != "NullCache", name
        if name in serial:
            assert kernel.targetoptions.get("nogil") is True, name


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")  # the child only tests the lock and _exits
def test_a_child_forked_while_the_lock_is_held_gets_a_fresh_lock():
    """A child forked while another thread holds the parallel-kernel lock would wait on it for ever; it gets a new,
    free lock (os.register_at_fork)."""
    from boundlab.solvers import validation

    with validation._PARALLEL_LOCK:  # as a thread running a parallel kernel would hold it
        pid = os.fork()
        if pid == 0:  # the child: exit 0 only if the lock it sees is free
            os._exit(0 if validation._PARALLEL_LOCK.acquire(blocking=False) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
