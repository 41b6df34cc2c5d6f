"""A combination lock: an episodic MDP where only strategic exploration finds the reward (after the lock
constructions of Du et al. 2019, "Provably efficient RL with rich observations via latent state decoding", ICML, and
Misra et al. 2020, "Kinematic state abstraction and provably efficient rich-observation RL", ICML; here with the
latent states observed)."""

from __future__ import annotations

import numpy as np

from ._checks import Seed, check_int, check_real
from .instances import as_generator
from .models import EpisodicMDP


def combination_lock(H: int = 10, A: int = 2, distractor: float = 0.5, seed: Seed = 0) -> EpisodicMDP:
    """Two states, time-inhomogeneous, ``H`` steps: state 0 is "on the path", state 1 "dead" (absorbing). At step
    ``h`` in state 0 one action ``code[h]`` (drawn uniformly from ``seed``) keeps the agent on the path, every other
    action drops it into the dead state. The last correct action at step ``H - 1`` pays 1 (``V* = 1``); each step
    spent in the dead state pays ``distractor / H`` (a lure: it makes the dead state look better than the unexplored
    path to a learner without optimism). A uniformly random policy opens the lock with probability ``A^-H``.
    ``distractor`` in ``[0, 1)``; the model's ``name`` is ``"combination-lock"``; the code is
    ``P[:, 0, :, 0].argmax(1)``."""
    H, A = check_int(H, "H"), check_int(A, "A")
    distractor = check_real(distractor, "distractor", low=0.0, high=1.0, high_open=True)
    code = as_generator(seed).integers(A, size=H)
    P = np.zeros((H, 2, A, 2))
    P[:, 0, :, 1] = 1.0
    P[np.arange(H), 0, code, 0], P[np.arange(H), 0, code, 1] = 1.0, 0.0
    P[:, 1, :, 1] = 1.0
    R = np.zeros((H, 2, A))
    R[:, 1, :] = distractor / H
    R[H - 1, 0, code[H - 1]] = 1.0
    return EpisodicMDP(P, R, H, initial=np.array([1.0, 0.0]), name="combination-lock")
