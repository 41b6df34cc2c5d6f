"""Stochastic K-armed bandits as episodic MDPs with one state and one step.

A K-armed bandit *is* a :class:`~boundlab.tabular.EpisodicMDP` with ``S = 1``, ``H = 1`` and ``A = K`` arms:
``R[0, a]`` is the mean reward ``mu_a`` of arm ``a``, ``reward_noise`` the distribution a pull draws (Bernoulli, or a
Gaussian clipped to ``reward_range`` whose mean is exactly ``mu_a``; :mod:`boundlab.tabular.rewards`). So the regret
harness (``bounds.measure_regret``, ``bounds.sweep``) measures the exact pseudo-regret of round ``k``,
``mu* - mu_{a_k}``, with no second harness: one round is one episode, and "policy evaluation" of the arm pulled is
its mean.
"""

from __future__ import annotations

import numpy as np

from boundlab.solvers.validation import check_real_array
from boundlab.tabular import EpisodicMDP
from boundlab.tabular._checks import check_real, check_reward_range, plain

#: Arms are stored in the learners' int16 policy arrays (``LearnerRun.policies``).
MAX_ARMS = int(np.iinfo(np.int16).max)


def real_array(x: object, name: str, ndim: int) -> np.ndarray:
    """``x`` as a float64 array of ``ndim`` dimensions with finite entries; booleans, complex numbers and strings are
    refused (``TypeError``), not coerced."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got str {x!r}")
    arr = check_real_array(x, name)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold real numbers, got booleans {plain(arr.tolist())}")
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name}{list(idx)} = {float(arr[idx])} is not finite")
    return arr


def check_means(means: object, low: float = 0.0, high: float = 1.0, what: str = "", name: str = "means"
                ) -> np.ndarray:
    """``means`` as a float64 vector of one or more finite reals in ``[low, high]`` (``what`` says why, for the
    message; ``name`` is the argument as the caller calls it), checked by :func:`real_array`."""
    arr = real_array(means, name, 1)
    if not 1 <= arr.size <= MAX_ARMS:
        raise ValueError(f"{name} must hold between 1 and {MAX_ARMS} arms, got {arr.size}")
    bad = (arr < low) | (arr > high)
    if bad.any():
        a = int(np.argmax(bad))
        raise ValueError(f"{name}[{a}] = {float(arr[a])!r} must lie in [{low:g}, {high:g}]{what}")
    return arr


def bernoulli_bandit(means: object, *, name: str | None = None) -> EpisodicMDP:
    """A K-armed Bernoulli bandit: a pull of arm ``a`` gives 1 with probability ``means[a]``, else 0.
    ``means`` in [0, 1] (one per arm, K >= 1)."""
    mu = check_means(means, what=" (a Bernoulli arm's mean is its success probability)")
    return _bandit(mu, "bernoulli", (0.0, 1.0), f"bernoulli-bandit-K{mu.size}" if name is None else name)


def gaussian_bandit(means: object, sigma: float, *, reward_range: tuple[float, float] = (0.0, 1.0),
                    name: str | None = None) -> EpisodicMDP:
    """A K-armed bandit with Gaussian rewards of standard deviation ``sigma > 0`` clipped to ``reward_range``
    (default [0, 1], where UCB1, KL-UCB and Thompson sampling's theorems speak), centred so that the clipped draw's
    mean is exactly ``means[a]`` (:func:`~boundlab.tabular.rewards.gaussian_location`); ``means`` must lie in
    ``reward_range``."""
    lo, hi = check_reward_range(reward_range, strict=True)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    mu = check_means(means, lo, hi, what=" (reward_range: the rewards are clipped to it)")
    return _bandit(mu, ("gaussian", sigma), (lo, hi), f"gaussian-bandit-K{mu.size}" if name is None else name)


def _bandit(mu: np.ndarray, noise: object, reward_range: tuple[float, float], name: str) -> EpisodicMDP:
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {plain(name)}")
    return EpisodicMDP(np.ones((1, mu.size, 1)), mu[None, :], 1, reward_range=reward_range, reward_noise=noise,
                       name=name)


def is_bandit(model: object) -> bool:
    """Whether ``model`` is a bandit: an ``EpisodicMDP`` with one state and one step."""
    return isinstance(model, EpisodicMDP) and model.S == 1 and model.H == 1


def bandit_means(model: object, name: str = "model") -> np.ndarray:
    """The arm means ``R[0, :]`` of a bandit model (a ``TypeError``/``ValueError`` naming ``name`` for anything
    else: a bandit is an ``EpisodicMDP`` with ``S = 1`` and ``H = 1``)."""
    if not isinstance(model, EpisodicMDP):
        raise TypeError(f"{name} must be a bandit (an EpisodicMDP with S = 1, H = 1: bandits.bernoulli_bandit or "
                        f"bandits.gaussian_bandit), got {type(model).__name__}")
    if not is_bandit(model):
        raise ValueError(f"{name} must be a bandit (S = 1 state, H = 1 step; one round is one episode), got S = "
                         f"{model.S}, H = {model.H}")
    R = model.R if model.R.ndim == 2 else model.R[0]
    return np.array(R[0], dtype=np.float64)
