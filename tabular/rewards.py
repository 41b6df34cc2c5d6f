"""Reward distributions of the models: what a simulator draws when a policy takes ``a`` in ``s`` (at step ``h``).

A model's ``R[(h,) s, a]`` is always the *mean* reward: exact regret and the solvers use it. ``reward_noise`` says
how a simulator draws the reward it reveals around that mean:

- ``None`` (the default): the reward is ``R[s, a]`` itself (deterministic).
- ``"bernoulli"`` / :class:`BernoulliRewards`: ``r ~ Bernoulli(R[s, a])``, 1 with probability ``R[s, a]`` and 0
  otherwise. Needs ``R`` in [0, 1] and a ``reward_range`` holding 0 and 1.
- ``("gaussian", sigma)`` / :class:`GaussianRewards`: ``r = clip(m[s, a] + sigma Z, lo, hi)`` with ``Z ~ N(0, 1)``
  and ``(lo, hi)`` the model's ``reward_range``. Clipping moves the mean of a Gaussian centred at ``R``, so the
  centre ``m[s, a]`` is solved for (:func:`gaussian_location`) such that the clipped draw's mean is exactly
  ``R[s, a]``: ``R`` stays the mean, and regret measured with it stays exact. Where ``R`` is far from both ends
  (a few ``sigma``) ``m = R`` to rounding; at an end (``R = lo`` or ``hi``) the reward is that end, always.

Simulators draw rewards from their own stream, derived from the same seed as the transitions (see
:mod:`.simulate`), so a deterministic reward leaves every run bit-identical and a fixed policy visits the same
states whatever the reward distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr

from ._checks import check_real, plain


@dataclass(frozen=True)
class BernoulliRewards:
    """``r ~ Bernoulli(R[s, a])``: 1 with probability ``R[s, a]``, else 0 (mean ``R``, variance ``R (1 - R)``)."""


@dataclass(frozen=True)
class GaussianRewards:
    """``r = clip(m + sigma Z, lo, hi)``, ``Z ~ N(0, 1)``, ``(lo, hi)`` the model's ``reward_range``, with ``m``
    solved so that the mean is exactly ``R[s, a]`` (:func:`gaussian_location`); ``sigma > 0`` is the standard
    deviation before clipping (the clipped draw's is smaller)."""

    sigma: float

    def __post_init__(self):
        object.__setattr__(self, "sigma", check_real(self.sigma, "reward_noise sigma", low=0.0, low_open=True))


RewardNoise = BernoulliRewards | GaussianRewards | None


def check_reward_noise(value: Any, R: np.ndarray, reward_range: tuple[float, float]) -> RewardNoise:
    """``reward_noise`` as ``None``, :class:`BernoulliRewards` or :class:`GaussianRewards`, checked against the
    model's mean rewards ``R`` and its (already validated) ``reward_range``."""
    if value is None:
        return None
    noise = value
    if isinstance(value, str):
        if value != "bernoulli":
            raise ValueError(f"reward_noise must be None, 'bernoulli' or ('gaussian', sigma), got {value!r}")
        noise = BernoulliRewards()
    elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        if value[0] != "gaussian":
            raise ValueError(f"reward_noise must be None, 'bernoulli' or ('gaussian', sigma), got {plain(value)}")
        noise = GaussianRewards(value[1])
    elif not isinstance(value, (BernoulliRewards, GaussianRewards)):
        raise TypeError(f"reward_noise must be None, 'bernoulli', ('gaussian', sigma), BernoulliRewards() or "
                        f"GaussianRewards(sigma), got {type(value).__name__} {plain(value)}")
    lo, hi = reward_range
    if isinstance(noise, BernoulliRewards):
        out = (R < 0) | (R > 1)
        if out.any():
            idx = [int(i) for i in np.argwhere(out)[0]]
            raise ValueError(f"reward_noise 'bernoulli' draws 1 with probability R, so R must lie in [0, 1]: "
                             f"R{idx} = {float(R[tuple(idx)])!r}")
        if lo > 0 or hi < 1:
            raise ValueError(f"reward_noise 'bernoulli' draws rewards 0 and 1, which must lie in reward_range, got "
                             f"[{lo}, {hi}]")
    elif not lo < hi:
        raise ValueError(f"reward_noise ('gaussian', sigma) is clipped to reward_range, which must have low < high, "
                         f"got [{lo}, {hi}]")
    return noise


def clipped_gaussian_mean(m: np.ndarray, sigma: float, lo: float, hi: float) -> np.ndarray:
    """``E[clip(m + sigma Z, lo, hi)] = lo + E[(X - lo)^+] - E[(X - hi)^+]`` with ``X = m + sigma Z`` and
    ``E[(X - c)^+] = sigma (phi(d) - d Phi(-d))``, ``d = (c - m) / sigma`` (the standard normal pdf and cdf)."""

    def excess(c):
        d = (c - m) / sigma
        return sigma * (np.exp(-0.5 * d * d) / np.sqrt(2.0 * np.pi) - d * ndtr(-d))

    with np.errstate(invalid="ignore", over="ignore"):
        mean = lo + excess(lo) - excess(hi)
    return np.where(m == -np.inf, lo, np.where(m == np.inf, hi, mean))


def gaussian_location(R: np.ndarray, sigma: float, lo: float, hi: float) -> np.ndarray:
    """The centre ``m`` with ``E[clip(m + sigma Z, lo, hi)] = R`` for every entry of ``R`` in ``[lo, hi]``
    (``-inf`` where ``R = lo``, ``+inf`` where ``R = hi``): the mean is strictly increasing in ``m`` (its derivative
    is ``P(lo < X < hi) > 0``), so bisection on ``[lo - 40 sigma, hi + 40 sigma]`` (beyond which the mean equals an
    end in float64) finds it to the last bit."""
    R = np.asarray(R, dtype=np.float64)
    a = np.full(R.shape, lo - 40.0 * sigma)
    b = np.full(R.shape, hi + 40.0 * sigma)
    for _ in range(200):
        mid = 0.5 * (a + b)
        below = clipped_gaussian_mean(mid, sigma, lo, hi) < R
        a, b = np.where(below, mid, a), np.where(below, b, mid)
    m = 0.5 * (a + b)
    return np.where(R <= lo, -np.inf, np.where(R >= hi, np.inf, m))


#: The kernels' code for each distribution.
KINDS = {type(None): 0, BernoulliRewards: 1, GaussianRewards: 2}


def draw_spec(noise: RewardNoise, R3: np.ndarray, reward_range: tuple[float, float], seed: int,
              shift: float = 0.0, width: float = 1.0) -> tuple[int, np.ndarray, float, float, float, int]:
    """What the Numba kernels need to draw rewards, as the tuple ``(kind, table[h', s, a], low, high, sigma,
    seed)`` read by :func:`~boundlab.tabular.simulate.draw_reward`: kind 0 (deterministic) draws nothing (the
    kernels read their mean rewards, ``table`` is unused), 1 draws ``high`` w.p. ``table`` and ``low`` otherwise,
    2 draws ``clip(table + sigma Z, low, high)``. ``R3[h', s, a]`` are the model's mean rewards; draws come out
    mapped by ``r -> (r - shift) / width`` (a learner's rescaling into [0, 1]; the identity by default).
    ``seed`` seeds the reward stream."""
    R3 = np.ascontiguousarray(R3, dtype=np.float64)
    if noise is None:
        return 0, R3, 0.0, 0.0, 0.0, 0
    if isinstance(noise, BernoulliRewards):
        return 1, R3, (0.0 - shift) / width, (1.0 - shift) / width, 0.0, seed
    lo, hi = reward_range
    m = gaussian_location(R3, noise.sigma, lo, hi)
    return (2, np.ascontiguousarray((m - shift) / width), (lo - shift) / width, (hi - shift) / width,
            noise.sigma / width, seed)


def draw_support(noise: RewardNoise, reward_range: tuple[float, float]) -> tuple[float, float] | None:
    """The smallest interval holding every draw (``None`` for deterministic rewards, which are ``R`` itself)."""
    if noise is None:
        return None
    return (0.0, 1.0) if isinstance(noise, BernoulliRewards) else reward_range
