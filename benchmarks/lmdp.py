"""Latent-MDP learner speed, side by side in one process: the value-optimistic learner's Numba kernel
(``tabular.learners.lmdp_value``) vs the plain-numpy version of the same algorithm (the step-for-step reference of
``tests/test_lmdp_learners.py``: a Python loop over episodes and steps, numpy for the doubling-epoch tables), at
M = 3, S = 10, A = 3, H = 10, same K and seed (both play the same episodes), with the posterior-greedy planner
(the optimistic planner cannot enumerate this size). Target: >= 30x.
Best of three runs each. Run: ``python benchmarks/lmdp.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from boundlab.tabular.learners.lmdp_value import lmdp_value_optimistic
from boundlab.tabular.lmdp import random_lmdp
from _common import header, table, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_lmdp_learners import reference_learner  # noqa: E402  (the numpy reference lives with its test)

M, S, A, H = 3, 10, 3, 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    K = 500 if args.quick else 3000
    repeat = 3
    model = random_lmdp(M, S, A, H, seed=0, shared_rewards=True)
    lmdp_value_optimistic(model, 10, 0, planner="posterior-greedy")  # compile
    header(f"Latent-MDP value-optimistic learner, M={M}, S={S}, A={A}, H={H}, K={K}")
    t_nb, run = timed(lmdp_value_optimistic, model, K, 1, repeat=repeat, planner="posterior-greedy")
    t_np, (ref, _) = timed(reference_learner, model, K, 1, repeat=repeat)
    assert (ref["returns"] == run.returns).all(), "the two versions played different episodes"
    table([{"version": "numba kernel", "seconds": t_nb, "episodes/s": K / t_nb, "epochs": run.epochs},
           {"version": "plain numpy", "seconds": t_np, "episodes/s": K / t_np, "epochs": run.epochs},
           {"version": "speed-up", "seconds": t_np / t_nb, "episodes/s": float("nan"), "epochs": ""}])


if __name__ == "__main__":
    main()
