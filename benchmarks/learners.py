"""Learner speed, side by side in one process: boundlab's UCBVI-CH (Numba) vs rlberry-scool's ``UCBVIAgent``
(S=10, A=3, H=20; both plan by backward induction every episode, rlberry with its simplified-Bernstein bonus), and
boundlab's UCB-H vs a plain-Python loop of the same algorithm. The kernels release the GIL (``nogil=True``): two
seeds on two threads should take about the time of one. Run: ``python benchmarks/learners.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from boundlab import tabular
from boundlab.tabular.learners import ucb_h, ucbvi_ch
from _common import header, table, timed

S, A, H = 10, 3, 20


def python_ucb_h(P: np.ndarray, R: np.ndarray, K: int, seed: int = 0, c: float = 2.0, p: float = 0.1) -> float:
    """Jin et al. 2018 Algorithm 1 as a plain-Python loop (numpy scalars), for the speed comparison only."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(P, axis=2)
    iota = math.log(S * A * K * H / p)
    Q = np.full((H, S, A), float(H))
    V = np.zeros((H + 1, S))
    V[:H] = H
    N = np.zeros((H, S, A))
    total = 0.0
    for _ in range(K):
        s = 0
        for h in range(H):
            a = int(np.argmax(Q[h, s]))
            r = R[s, a]
            s2 = int(np.searchsorted(cdf[s, a], rng.random(), side="right"))
            N[h, s, a] += 1
            t = N[h, s, a]
            alpha = (H + 1) / (H + t)
            Q[h, s, a] = (1 - alpha) * Q[h, s, a] + alpha * (r + V[h + 1, s2] + c * math.sqrt(H**3 * iota / t))
            V[h, s] = min(H, Q[h, s].max())
            total += r
            s = s2
    return total


def thread_scaling(learner, model, K: int, repeat: int) -> dict:
    """Seconds for one run on one thread vs two runs (seeds 1, 2) on two threads; 1.0 = perfect scaling, 2.0 = the
    GIL serialises them."""
    def two_threads():
        with ThreadPoolExecutor(2) as pool:
            return [f.result() for f in [pool.submit(learner, model, K, s) for s in (1, 2)]]

    one, _ = timed(learner, model, K, 1, repeat=repeat)
    two, _ = timed(two_threads, repeat=repeat)
    return {"learner": f"{learner.__name__} x2 seeds on 2 threads / 1 seed, K={K}", "seconds": two,
            "episodes/s": 2 * K / two, "ratio": two / one}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    header(f"Learners, S={S}, A={A}, H={H}")
    P, R = tabular.dirichlet_mdp(S=S, A=A, seed=0).to_arrays()
    model = tabular.EpisodicMDP(P, R, H)
    rows = []
    K = 10_000 if args.quick else 100_000
    ucbvi_ch(model, 10, seed=0)  # compile
    t, _ = timed(ucbvi_ch, model, K, 1, repeat=1 if args.quick else 3)
    ours = K / t
    rows.append({"learner": f"boundlab UCBVI-CH, K={K}", "seconds": t, "episodes/s": ours})
    try:
        from rlberry.envs.finite_mdp import FiniteMDP as RlberryMDP
        from rlberry_scool.agents import UCBVIAgent

        K_rl = 100 if args.quick else 500
        agent = UCBVIAgent(RlberryMDP(np.array(R), np.array(P)), horizon=H, gamma=1.0)
        t, _ = timed(agent.fit, budget=K_rl)
        rows.append({"learner": f"rlberry-scool UCBVIAgent, K={K_rl}", "seconds": t, "episodes/s": K_rl / t})
        print(f"UCBVI: boundlab / rlberry-scool = {ours / (K_rl / t):.0f}x episodes per second\n")
    except ImportError:
        print("(rlberry-scool missing: pip install -e '.[peers]')\n")
    ucb_h(model, 10, seed=0)
    t, _ = timed(ucb_h, model, K, 1, repeat=1 if args.quick else 3)
    fast = K / t
    rows.append({"learner": f"boundlab UCB-H, K={K}", "seconds": t, "episodes/s": fast})
    K_py = 200 if args.quick else 2000
    t, _ = timed(python_ucb_h, P, R, K_py)
    rows.append({"learner": f"plain-Python UCB-H, K={K_py}", "seconds": t, "episodes/s": K_py / t})
    print(f"UCB-H: boundlab / plain Python = {fast / (K_py / t):.0f}x\n")
    table(rows)
    header(f"Threads (nogil kernels), {os.cpu_count()} cores: time of 2 seeds on 2 threads / 1 seed on 1 thread")
    table([thread_scaling(fn, model, K // 2, 1 if args.quick else 3) for fn in (ucbvi_ch, ucb_h)])


if __name__ == "__main__":
    main()
