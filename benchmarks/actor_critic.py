"""Actor-critic speed (Tan, Fan & Wei 2025; ``tabular/learners/actor_critic.py``) against LSVI-UCB, side by side in
one process, on a random linear MDP with d = 10, A = 5, H = 10 (S = 20).

1. Episodes per second of each learner and the ratio of their times. The actor-critic recomputes its critic only
   at rare switches but updates and samples its exponential-weights actor on every (h, s) every episode; LSVI-UCB
   recomputes its critic every episode. "one critic" runs the actor-critic with a switch ratio so large that the
   critic is computed once: its time per episode is the actor's step *plus* the episode and the regression update
   (an upper bound on the actor's own cost, not the actor alone).
2. Per step, the two Numba kernels alone (each timed in a compiled loop, no Python call per step): one actor step
   (softmax, one draw per (h, s), the logits update) and one critic backup (``optimistic_backup``).

The issue's target "the actor's exponential weights must not cost more than 2x the critic" has two readings, both
measured: (a) against LSVI-UCB's critic, which is recomputed every episode: actor step / one backup; (b) against
the critic the rare-switching learner itself pays per episode: actor step / (backup x switches / K + the
regression update of one episode, ``observe``).
Run: ``python benchmarks/actor_critic.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from numba import njit

from boundlab import tabular
from boundlab.tabular.learners import ac_optimistic, lsvi_ucb
from boundlab.tabular.learners.actor_critic import sample_policy, softmax
from boundlab.tabular.learners.lsvi_ucb import lsvi_beta, observe, optimistic_backup, ridge_init
from _common import header, table, timed

S, A, d, H = 20, 5, 10, 10


@njit(cache=False)
def actor_steps(n, logits, probs, f, eta, out):
    rng = np.uint64(1)
    for _ in range(n):
        softmax(logits, probs)
        rng = sample_policy(probs, rng, out)
        logits += eta * f
    return rng


@njit(cache=False)
def critic_backups(n, Lambda_inv, N, Nsas, r_sum, phi, beta, H, f, V, target):
    for _ in range(n):
        optimistic_backup(Lambda_inv, N, Nsas, r_sum, phi, beta, H, f, V, target)


@njit(cache=False)
def observations(n, Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain):
    for _ in range(n):
        observe(Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain)


def per_step(model, n: int, repeat: int) -> dict[str, float]:
    """Seconds per actor step, per critic backup and per episode's regression update, on a critic fitted to 200
    episodes of data (the cost of each does not depend on the data's values)."""
    phi = model.phi
    Lambda_inv, N, Nsas, r_sum = ridge_init(H, S, A, d, 1.0)
    rng = np.random.default_rng(0)
    states, actions = rng.integers(S, size=H + 1), rng.integers(A, size=H)
    rewards, gain = rng.random(H), np.zeros(H)
    observations(200, Lambda_inv, N, Nsas, r_sum, phi, states, actions, rewards, gain)
    f, V, target = np.zeros((H, S, A)), np.zeros((H + 1, S)), np.empty(d)
    beta = lsvi_beta(0.05, d, H, 4000, 0.1)
    logits, probs, out = np.zeros((H, S, A)), np.empty((H, S, A)), np.empty((H, S), dtype=np.int16)
    actor_steps(1, logits, probs, f, 0.01, out)  # compile outside the timings
    critic_backups(1, Lambda_inv, N, Nsas, r_sum, phi, beta, H, f, V, target)
    seconds = {}
    for name, fn, args, m in (
            ("actor step", actor_steps, (logits, probs, f, 0.01, out), n),
            ("critic backup", critic_backups, (Lambda_inv, N, Nsas, r_sum, phi, beta, H, f, V, target), n // 10),
            ("regression update (one episode)", observations,
             (Lambda_inv.copy(), N.copy(), Nsas.copy(), r_sum.copy(), phi, states, actions, rewards, gain), n)):
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(m, *args)
            best = min(best, (time.perf_counter() - t0) / m)
        seconds[name] = best
    return seconds


def main(quick: bool) -> None:
    K, repeat = (500, 3) if quick else (4000, 5)
    model = tabular.random_linear_mdp(S, A, d, H, seed=0)
    for fn in (ac_optimistic, lsvi_ucb):  # compile outside the timings
        fn(model, 5, 0)
    t_ac, run = timed(ac_optimistic, model, K, 1, bonus_scale=0.05, repeat=repeat)
    t_one, _ = timed(ac_optimistic, model, K, 1, bonus_scale=0.05, switch_ratio=1e300, repeat=repeat)
    t_lsvi, _ = timed(lsvi_ucb, model, K, 1, bonus_scale=0.05, repeat=repeat)
    header(f"Actor-critic vs LSVI-UCB, S={S}, A={A}, d={d}, H={H}, K={K} (best of {repeat})")
    table([{"learner": f"ac-optimistic ({len(run.switches)} critic switches)", "seconds": t_ac,
            "episodes/s": K / t_ac, "time / LSVI-UCB": t_ac / t_lsvi},
           {"learner": "ac-optimistic, one critic (actor + episode + regression update)", "seconds": t_one,
            "episodes/s": K / t_one, "time / LSVI-UCB": t_one / t_lsvi},
           {"learner": "lsvi-ucb (critic every episode)", "seconds": t_lsvi, "episodes/s": K / t_lsvi,
            "time / LSVI-UCB": 1.0}])
    sec = per_step(model, 2000 if quick else 20000, repeat)
    amortised = sec["critic backup"] * len(run.switches) / K + sec["regression update (one episode)"]
    header("Per step, the Numba kernels alone (compiled loops, best of {repeat})".format(repeat=repeat))
    table([{"kernel": k, "microseconds": v * 1e6} for k, v in sec.items()]
          + [{"kernel": f"critic per episode, amortised ({len(run.switches)} backups / {K} episodes + the update)",
              "microseconds": amortised * 1e6}])
    table([{"reading of the 2x target": "(a) actor step / one critic backup (LSVI-UCB's per-episode critic)",
            "ratio": sec["actor step"] / sec["critic backup"]},
           {"reading of the 2x target": "(b) actor step / the rare-switching learner's own critic per episode",
            "ratio": sec["actor step"] / amortised}])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
