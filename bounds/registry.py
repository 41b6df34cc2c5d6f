"""Names of the learners that ``measure_regret`` and ``sweep`` run, and how a learner travels to a worker."""

from __future__ import annotations

import inspect
import pickle
from typing import Callable

from boundlab import bandits
from boundlab.tabular import learners
from boundlab.tabular.learners import Param

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
    "ucb1": bandits.ucb1,
    "kl-ucb": bandits.kl_ucb,
    "thompson": bandits.thompson,
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


def learner_params(algorithm: str | Callable) -> list[Param]:
    """The keyword parameters of a learner (registered name or function), each a
    :class:`~boundlab.tabular.learners.Param` with ``name, default, meaning, source`` (the paper and the equation or
    algorithm line it comes from); ``pandas.DataFrame(learner_params("mvp"))`` tabulates them.

    One vocabulary: every optimism-based learner (``ucbvi-ch``, ``ucbvi-bf``, ``mvp``, ``ucb-h``, ``ucb-b``,
    ``lsvi-ucb``) takes ``bonus_scale`` (its bonus is ``bonus_scale`` times the paper's, the absolute constants a paper
    leaves free set to the defaults listed here; 1 is where the theorem holds) and ``delta`` (the confidence level,
    the paper's ``p`` for UCB-H/B and LSVI-UCB). Extras keep their papers' names (``alpha0``, ``epsilon``, ``phi``,
    ``lam``). A learner registered without such a list gets its keyword-only parameters with empty meaning and
    source (``default`` is ``inspect.Parameter.empty`` where it has none)."""
    _, fn = resolve(algorithm)
    params = getattr(fn, "params", None)
    if params is not None:
        return list(params)
    return [Param(p.name, p.default, "", "") for p in inspect.signature(fn).parameters.values()
            if p.kind is p.KEYWORD_ONLY]


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
