"""Adversarial linear-Q learner speed, side by side in one process: Dai et al. 2023's Algorithm 2 (``adv-magnitude``:
negative-entropy FTRL on magnitude-reduced estimates with dilated bonuses; ``tabular.learners.adv_logbarrier``'s Numba
kernel) vs the plain-numpy version of the same algorithm (the step-for-step reference of
``tests/test_adversarial_learners.py``: a Python loop over episodes, rollouts and steps, numpy for the estimates),
same K and seed (both play the same episodes: asserted), in the simulator mode (``W`` rollouts per episode for the
covariance and for ``E[min(Z, 0)]``, one dilated-bonus rollout per ``(h, s, a)``). The oracle mode is left out: the
reference computes its exact quantities by enumerating trajectories, not by the kernel's forward pass, so the
ratio would not compare one computation. ``W`` is the learner's default ``ceil(1 / gamma) = K`` unless ``--W`` is
given (the header states the W used). The reference is plain numpy except the simulator itself: every rollout goes
through the model's Numba ``play`` (so both versions draw the same stream), which favours the reference.
Target: >= 20x. Run: ``python benchmarks/adversarial.py [--quick] [--W N]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from boundlab.tabular import adversarial as adv
from boundlab.tabular.learners.adv_magnitude import adv_magnitude
from _common import header, table, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_adversarial_learners import reference_run  # noqa: E402  (the numpy reference lives with its test)

H, S, A = 3, 3, 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--W", type=int, default=None, help="rollouts per episode (default: the learner's, K)")
    args = parser.parse_args()
    K = 30 if args.quick else 200
    repeat = 1 if args.quick else 3
    W = K if args.W is None else args.W  # the learner's default W = ceil(1 / gamma) with gamma = 1 / K
    model = adv.AdversarialMDP(adv.random_transitions(H, S, A, seed=0), adv.drifting_bernoulli_losses(K, H, S, A,
                                                                                                      seed=1))
    phi = adv.mixed_features(S, A, seed=2)  # signed estimates: the magnitude reduction does work
    header(f"Algorithm 2 (adv-magnitude), H={H}, S={S}, A={A}, d={S * A}, K={K}, W={W}"
           f"{' (the default, ceil(1 / gamma) = K)' if args.W is None else ''}")
    adv_magnitude(model, 5, 0, phi=phi, W=W)  # compile
    t_nb, run = timed(adv_magnitude, model, K, 1, phi=phi, W=W, repeat=repeat)
    t_np, (probabilities, returns) = timed(reference_run, model, K, 1, barrier=False, reduce=True, phi=phi,
                                           oracle=False, W=W, repeat=repeat)
    assert np.array_equal(run.returns, returns), "the two versions played different episodes"
    assert np.allclose(run.probabilities, probabilities, rtol=1e-7, atol=1e-10)
    table([{"version": "numba kernel", "seconds": t_nb, "episodes/s": K / t_nb},
           {"version": "plain numpy", "seconds": t_np, "episodes/s": K / t_np},
           {"version": "speed-up", "seconds": t_np / t_nb, "episodes/s": float("nan")}])


if __name__ == "__main__":
    main()
