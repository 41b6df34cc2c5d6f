"""Actor-critic speed (Tan, Fan & Wei 2025; ``tabular/learners/actor_critic.py``) against LSVI-UCB, side by side in
one process, on a random linear MDP with d = 10, A = 5, H = 10 (S = 20): episodes per second of each, and the ratio
of their times. The actor-critic recomputes its critic only at rare switches but updates and samples its
exponential-weights actor on every (h, s) every episode; LSVI-UCB recomputes its critic every episode. Target: the
actor-critic costs at most 2x LSVI-UCB per episode. "actor only" runs the actor-critic with a switch ratio so large
that the critic is computed once (the per-episode cost of the actor, the episode and the regression updates).
Run: ``python benchmarks/actor_critic.py [--quick]``.
"""

from __future__ import annotations

import argparse

from boundlab import tabular
from boundlab.tabular.learners import ac_optimistic, lsvi_ucb
from _common import header, table, timed

S, A, d, H = 20, 5, 10, 10


def main(quick: bool) -> None:
    K, repeat = (500, 3) if quick else (4000, 5)
    model = tabular.random_linear_mdp(S, A, d, H, seed=0)
    for fn in (ac_optimistic, lsvi_ucb):  # compile outside the timings
        fn(model, 5, 0)
    t_ac, run = timed(ac_optimistic, model, K, 1, bonus_scale=0.05, repeat=repeat)
    t_actor, _ = timed(ac_optimistic, model, K, 1, bonus_scale=0.05, switch_ratio=1e300, repeat=repeat)
    t_lsvi, _ = timed(lsvi_ucb, model, K, 1, bonus_scale=0.05, repeat=repeat)
    header(f"Actor-critic vs LSVI-UCB, S={S}, A={A}, d={d}, H={H}, K={K} (best of {repeat})")
    table([{"learner": f"ac-optimistic ({len(run.switches)} critic switches)", "seconds": t_ac,
            "episodes/s": K / t_ac, "time / LSVI-UCB": t_ac / t_lsvi},
           {"learner": "ac-optimistic, actor only (one critic)", "seconds": t_actor, "episodes/s": K / t_actor,
            "time / LSVI-UCB": t_actor / t_lsvi},
           {"learner": "lsvi-ucb (critic every episode)", "seconds": t_lsvi, "episodes/s": K / t_lsvi,
            "time / LSVI-UCB": 1.0}])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
