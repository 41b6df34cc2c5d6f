"""A thin ``gymnasium.Env`` adapter so boundlab's models plug into other libraries (gymnasium is optional:
``pip install boundlab[gym]``)."""

from __future__ import annotations

import gymnasium as gym

from ._checks import check_int
from .instances import as_generator
from .models import EpisodicMDP, FiniteMDP


class MDPEnv(gym.Env):
    """Discrete observation (the state) and action spaces; reward is the mean reward ``R``. Episodes of an
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
        self._rng = as_generator(None)
        self._s, self._h = 0, 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        if seed is not None:
            self._rng = as_generator(seed)
        self._s, self._h = int(self._rng.choice(self.model.S, p=self.model.initial)), 0
        return self._s, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if not self.action_space.contains(int(action)):
            raise ValueError(f"action must lie in [0, {self.model.A}), got {action}")
        hp, hr = min(self._h, self._P.shape[0] - 1), min(self._h, self._R.shape[0] - 1)
        reward = float(self._R[hr, self._s, action])
        self._s = int(self._rng.choice(self.model.S, p=self._P[hp, self._s, action]))
        self._h += 1
        end = self.horizon is not None and self._h >= self.horizon
        episodic = isinstance(self.model, EpisodicMDP)
        return self._s, reward, end and episodic, end and not episodic, {}
