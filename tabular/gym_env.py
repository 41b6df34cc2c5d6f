"""A thin ``gymnasium.Env`` adapter so boundlab's models plug into other libraries (gymnasium is optional:
``pip install boundlab[gym]``)."""

from __future__ import annotations

import gymnasium as gym

from ._checks import check_int
from .instances import as_generator
from .models import EpisodicMDP, FiniteMDP
from .rewards import BernoulliRewards, GaussianRewards, gaussian_location


class MDPEnv(gym.Env):
    """Discrete observation (the state) and action spaces; reward is the mean reward ``R``, or a draw of the model's
    ``reward_noise`` (:mod:`.rewards`) from a generator spawned from the transitions' (so the transitions are those
    of the deterministic model under the same seed). Episodes of an
    :class:`EpisodicMDP` end (``terminated``) after ``H`` steps; a :class:`FiniteMDP` is truncated at ``horizon``
    if given, else runs forever."""

    metadata = {"render_modes": []}

    def __init__(self, model: FiniteMDP | EpisodicMDP, horizon: int | None = None):
        if not isinstance(model, (FiniteMDP, EpisodicMDP)):
            raise TypeError(f"model must be a FiniteMDP or EpisodicMDP, got {type(model).__name__}")
        self.model = model
        self.horizon = model.H if isinstance(model, EpisodicMDP) else (
            None if horizon is None else check_int(horizon, "horizon"))
        self.observation_space = gym.spaces.Discrete(model.S)
        self.action_space = gym.spaces.Discrete(model.A)
        self._P, self._R = (model.P if model.P.ndim == 4 else model.P[None]), (model.R if model.R.ndim == 3
                                                                               else model.R[None])
        noise = model.reward_noise  # the centres of a clipped Gaussian, solved once
        self._loc = gaussian_location(self._R, noise.sigma, *model.reward_range) if isinstance(
            noise, GaussianRewards) else None
        self._set_rng(as_generator(None))
        self._s, self._h = 0, 0

    def _set_rng(self, rng) -> None:
        """The transitions' generator and, spawned from it (its state untouched), the rewards'."""
        self._rng, self._reward_rng = rng, rng.spawn(1)[0]

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        if seed is not None:
            self._set_rng(as_generator(seed))
        self._s, self._h = int(self._rng.choice(self.model.S, p=self.model.initial)), 0
        return self._s, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if not self.action_space.contains(int(action)):
            raise ValueError(f"action must lie in [0, {self.model.A}), got {action}")
        hp, hr = min(self._h, self._P.shape[0] - 1), min(self._h, self._R.shape[0] - 1)
        reward = float(self._R[hr, self._s, action])
        if isinstance(self.model.reward_noise, BernoulliRewards):
            reward = float(self._reward_rng.random() < reward)
        elif self.model.reward_noise is not None:
            lo, hi = self.model.reward_range
            z = self._reward_rng.standard_normal()
            reward = float(min(max(self._loc[hr, self._s, action] + self.model.reward_noise.sigma * z, lo), hi))
        self._s = int(self._rng.choice(self.model.S, p=self._P[hp, self._s, action]))
        self._h += 1
        end = self.horizon is not None and self._h >= self.horizon
        episodic = isinstance(self.model, EpisodicMDP)
        return self._s, reward, end and episodic, end and not episodic, {}
