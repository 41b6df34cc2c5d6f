"""Names of the learners that ``measure_regret`` and ``sweep`` run, and how a learner travels to a worker."""

from __future__ import annotations

import pickle
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
    if not isinstance(name, str):
        raise TypeError(f"algorithm must be a registered name (str) or a learner function, got {type(name).__name__}")
    if name not in _REGISTRY:
        raise ValueError(f"unknown algorithm {name!r}; choose from {', '.join(algorithms())}")
    return _REGISTRY[name]


def register(name: str, fn: Callable) -> None:
    """Add a learner ``fn(model, K, seed, **params) -> LearnerRun`` under ``name`` (replacing any learner of that
    name). Works from a notebook cell or a script's ``__main__`` block: runs ship the function itself to their
    workers, never the name."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty str, got {name!r}")
    if not callable(fn):
        raise TypeError(f"fn must be callable (fn(model, K, seed, **params) -> LearnerRun), got {type(fn).__name__}")
    _REGISTRY[name] = fn


def resolve(algorithm: str | Callable) -> tuple[str, Callable]:
    """``(label, function)`` of an algorithm given by registered name or as a learner function. A function's label
    is the name it is registered under, else its ``__name__``."""
    if callable(algorithm):
        names = [n for n, f in _REGISTRY.items() if f is algorithm]
        return (names[0] if len(names) == 1 else getattr(algorithm, "__name__", type(algorithm).__name__)), algorithm
    return algorithm, learner(algorithm)


class Portable:
    """A learner function that pickles by value where it must: one defined in a notebook or in a script's
    ``__main__`` block (which a worker process cannot import) travels with cloudpickle, an importable one by
    reference. Calling it calls the function."""

    def __init__(self, fn: Callable):
        """Wrap the learner function ``fn``."""
        self.fn = fn

    def __call__(self, *args: object, **kwargs: object) -> object:
        """``fn(*args, **kwargs)``."""
        return self.fn(*args, **kwargs)

    def __reduce__(self):
        try:
            import cloudpickle  # comes with dask; only process and cluster executors pickle
        except ImportError:  # by reference only: a function from __main__ then fails in a fresh worker
            return Portable, (self.fn,)
        return _unpickle, (cloudpickle.dumps(self.fn),)


def _unpickle(payload: bytes) -> Portable:
    return Portable(pickle.loads(payload))
