"""Executors: a killed pool worker's runs are rerun on a fresh pool, no process outlives a sweep (nor a killed main
process), runs are packed several to a task where tasks cost, the content key of models."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from boundlab import bounds, tabular
from boundlab.bounds import executors
from boundlab.bounds.fingerprint import content_hash, fingerprint
from boundlab.tabular import learners

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def model():
    return tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids, seconds: float = 20.0) -> list[int]:
    """The pids still alive after up to ``seconds`` (a liveness poll, not a timing check)."""
    deadline = time.time() + seconds
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def killing_learner(tmp_path: Path, kill_seed: int, always: bool = False):
    """A learner (defined locally, so it travels by value) that records its worker's pid and kills that worker the
    first time it runs ``kill_seed`` (every time if ``always``); otherwise it is UCB-H."""
    pids, marker = tmp_path / "pids", tmp_path / "killed"
    pids.mkdir(exist_ok=True)

    def killer(model, K, seed, **params):
        (pids / str(os.getpid())).touch()
        if seed == kill_seed and (always or not marker.exists()):
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return learners.ucb_h(model, K, seed, **params)

    return killer, pids, marker


def test_a_killed_worker_is_replaced_and_the_sweep_completes(model, tmp_path):
    killer, pids, marker = killing_learner(tmp_path, kill_seed=2)
    reference = bounds.sweep("ucb-h", {"m": model}, range(6), 30, store=tmp_path / "ref.sqlite", progress=False)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        df = bounds.sweep([killer], {"m": model}, range(6), 30, executor=pool, store=tmp_path / "s.sqlite",
                          progress=False)
    assert marker.exists(), "a worker must have been killed"
    assert len(df) == 6 * 30 and set(df["seed"]) == set(range(6))
    assert list(df["regret"]) == list(reference["regret"])
    workers = [int(p.name) for p in pids.iterdir()]
    assert wait_gone(workers) == []


def test_own_process_pool_is_replaced_and_closed(model, tmp_path):
    killer, pids, marker = killing_learner(tmp_path, kill_seed=1)
    df = bounds.measure_regret(killer, model, 30, seeds=[0, 1, 2], executor="processes", progress=False)
    assert marker.exists()
    pd.testing.assert_frame_equal(df, bounds.measure_regret("ucb-h", model, 30, seeds=[0, 1, 2]))
    assert wait_gone([int(p.name) for p in pids.iterdir()]) == []


def test_a_run_that_always_kills_its_worker_gives_up(model, tmp_path, monkeypatch):
    monkeypatch.setattr(executors, "MAX_RESTARTS", 1)
    killer, pids, _ = killing_learner(tmp_path, kill_seed=0, always=True)
    with pytest.raises(RuntimeError, match="the process pool broke 2 times"):
        bounds.measure_regret(killer, model, 30, seeds=[0, 1], executor="processes", progress=False)
    assert wait_gone([int(p.name) for p in pids.iterdir()]) == []


FORKING_USER_POOL = '''
import multiprocessing, warnings
from concurrent.futures import ProcessPoolExecutor
import numpy as np
from boundlab import bounds, tabular
from boundlab.bounds import executors

made = []
real = executors.process_pool
executors.process_pool = lambda *a, **k: made.append(real(*a, **k)) or made[-1]

if __name__ == "__main__":
    rng = np.random.default_rng(0)  # S*A*S above the serial-scan size: validation runs the parallel (OpenMP) kernel
    m = tabular.EpisodicMDP(rng.dirichlet(np.ones(400), size=(400, 2)), rng.random((400, 2)), H=5)
    reference = bounds.measure_regret("ucb-h", m, 50, seeds=[0, 1, 2, 3], progress=False)  # OpenMP used here
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool, \\
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = bounds.measure_regret("ucb-h", m, 50, seeds=[0, 1, 2, 3], executor=pool, progress=False)
    assert df.equals(reference)
    print("contexts", *[p._mp_context.get_start_method() for p in made])
    print("warnings", *[str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)], sep="\\n")
'''


def test_a_forking_user_pool_after_a_learner_ran_is_replaced_and_warned(tmp_path):
    """Python 3.11's Linux default pool forks; once a parallel kernel ran in the main process (GNU OpenMP threads),
    every forked worker that runs one aborts (here: validating a model above the serial-scan size). The runs
    complete on a forkserver replacement, and the user is told how to avoid it."""
    script = tmp_path / "forking.py"
    script.write_text(FORKING_USER_POOL)
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), NUMBA_THREADING_LAYER="omp")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "fork() called from a process already using GNU OpenMP" in proc.stderr  # the failure this is about
    contexts = proc.stdout.split("contexts")[1].split("\n")[0].split()
    assert contexts and set(contexts) == {executors.safe_context().get_start_method()} != {"fork"}
    assert 'mp_context=multiprocessing.get_context("forkserver")' in proc.stdout.split("warnings")[1]


MAIN = '''
import os, sys, time
from pathlib import Path
from boundlab import bounds, tabular

def sleeper(model, K, seed):
    (Path(sys.argv[1]) / f"{os.getpid()} {os.getppid()}").touch()
    time.sleep(120)

if __name__ == "__main__":
    m = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=5)
    bounds.measure_regret(sleeper, m, 5, seeds=[0, 1], executor="processes", progress=False)
'''


def test_killing_the_main_process_leaves_no_worker(tmp_path):
    script, pids = tmp_path / "main.py", tmp_path / "pids"
    script.write_text(MAIN)
    pids.mkdir()
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    proc = subprocess.Popen([sys.executable, str(script), str(pids)], env=env)
    deadline = time.time() + 120
    while len(list(pids.iterdir())) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    started = [tuple(map(int, p.name.split())) for p in pids.iterdir()]
    assert len(started) == 2, "both workers must be running"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    workers, servers = {w for w, _ in started}, {s for _, s in started}
    assert wait_gone(workers | servers) == []


class CountingExecutor(Executor):
    """A thread pool that is not a ThreadPoolExecutor (so run_all treats it as an executor with a per-task cost)
    and counts the tasks submitted to it."""

    def __init__(self, workers: int):
        self._pool, self._max_workers, self.submitted = ThreadPoolExecutor(workers), workers, 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._pool.shutdown(wait, cancel_futures=cancel_futures)


def slow_square(x: int) -> int:
    time.sleep(0.005)
    return x * x


def test_runs_are_packed_several_to_a_task_on_costly_executors():
    with CountingExecutor(2) as ex:
        out = list(executors.run_all(slow_square, list(range(200)), ex, progress=False))
    assert sorted(i for i, _ in out) == list(range(200))
    assert all(r == i * i for i, r in out)
    assert ex.submitted < 50  # one task per run would be 200
    with ThreadPoolExecutor(2) as pool:  # a thread pool has no per-task cost: one run per task
        assert sorted(executors.run_all(slow_square, list(range(20)), pool, progress=False)) == \
            [(i, i * i) for i in range(20)]


def test_run_all_refuses_an_unknown_executor():
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        list(executors.run_all(slow_square, [1, 2], "dask"))


def test_fingerprint_follows_the_content_not_the_name():
    P, R = tabular.riverswim().to_arrays()
    a = tabular.EpisodicMDP(P, R, H=20, name="riverswim")
    assert fingerprint(a) == fingerprint(tabular.EpisodicMDP(P.copy(), R.copy(), H=20, name="other"))
    changed = [tabular.EpisodicMDP(P, R, H=10), tabular.EpisodicMDP(P, R * 0.5, H=20),
               tabular.EpisodicMDP(P, R, H=20, initial=np.eye(len(R))[1]),
               tabular.EpisodicMDP(P, R, H=20, reward_range=(0.0, 2.0)),
               tabular.EpisodicMDP(np.broadcast_to(P, (20,) + P.shape), R, H=20)]  # same law, other layout
    prints = {fingerprint(m) for m in [a] + changed}
    assert len(prints) == 1 + len(changed)
    lin = tabular.LinearMDP(np.eye(4).reshape(2, 2, 4), np.full((4, 2), 0.5), np.array([0.1, 0.2, 0.3, 0.4]), H=3)
    lin2 = tabular.LinearMDP(np.eye(4).reshape(2, 2, 4), np.full((4, 2), 0.5), np.array([0.1, 0.2, 0.3, 0.5]), H=3)
    assert fingerprint(lin) != fingerprint(lin2) and len(fingerprint(lin)) == 64


@pytest.mark.parametrize("value", [None, "riverswim", (np.eye(2), np.ones(2)), 3, tabular.EpisodicMDP])
def test_fingerprint_refuses_what_is_not_a_model(value):
    with pytest.raises(TypeError, match="model must be a model"):
        fingerprint(value)


def test_content_hash_leaves_a_sparse_parameter_untouched_and_refuses_object_arrays():
    """Hashing canonicalises a copy: the caller's CSR matrix keeps its (unsorted, duplicated) indices; an object array
    (whose bytes are pointers) is refused."""
    import scipy.sparse as sp

    M = sp.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([2, 0, 0]), np.array([0, 3, 3])), shape=(2, 3))
    indices, data = M.indices.copy(), M.data.copy()
    key = content_hash(M)
    assert np.array_equal(M.indices, indices) and np.array_equal(M.data, data) and M.nnz == 3
    assert key == content_hash(sp.csr_matrix(M.toarray()))  # duplicates summed, indices sorted: same content
    with pytest.raises(TypeError, match="dtype object"):
        content_hash(np.array([1, None], dtype=object))


def test_fingerprints_survive_a_new_optional_model_field():
    """A field left at None is not hashed: the fingerprint of a deterministic-reward RiverSwim (H = 20) is the one
    computed at commit bac30a1, before models gained ``reward_noise``, so stores keep their runs; Bernoulli rewards
    make another model."""
    model = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=20)
    assert fingerprint(model) == "691bbfbe9a2047e5993178b985f8738431174c807b77dbf70833bcd939065205"
    noisy = tabular.EpisodicMDP(*tabular.riverswim().to_arrays(), H=20, reward_noise="bernoulli")
    assert fingerprint(noisy) != fingerprint(model)
