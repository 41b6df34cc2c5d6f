"""Names of the learners that ``measure_regret`` and ``sweep`` run."""

from __future__ import annotations

from typing import Callable

from boundlab.tabular import learners

_REGISTRY: dict[str, Callable] = {
    "ucbvi-ch": learners.ucbvi_ch,
    "ucbvi-bf": learners.ucbvi_bf,
    "ucb-h": learners.ucb_h,
    "ucb-b": learners.ucb_b,
    "greedy": learners.greedy,
    "eps-greedy": learners.eps_greedy,
    "lsvi-ucb": learners.lsvi_ucb,
    "mvp": learners.mvp,
    "psrl": learners.psrl,
}


def algorithms() -> list[str]:
    """The registered learner names."""
    return sorted(_REGISTRY)


def learner(name: str) -> Callable:
    """The learner function registered under ``name``."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown algorithm {name!r}; choose from {', '.join(algorithms())}")
    return _REGISTRY[name]


def register(name: str, fn: Callable) -> None:
    """Add a learner ``fn(model, K, seed, **params) -> LearnerRun`` under ``name``."""
    _REGISTRY[name] = fn
