"""SEQUOIA's comparison on coupled restless bandits (Xu, Wilder, Khalil & Tambe, ICLR 2025, arXiv 2503.01919) in the
one harness: the curve kind ``"cormab"``, each method's mean per-step expected reward per evaluation episode, stored by
``bounds.sweep`` in the table ``cormab_runs``, so a long comparison (notebook 02's full run) resumes where it stopped.

The paper draws a new instance per seed, so an instance here is a :class:`CoRMABInstance`, a domain by name and size;
a run of seed ``s`` builds ``make_domain(name, J, B, N=N, seed=s)``, trains SEQUOIA and evaluates every method
(``bandits.cormab_policies.compare``, the paper's protocol) on ``episodes`` evaluation episodes. Registered name
(``kind = "cormab"``, ``fn(instance, episodes, seeds, **params) -> DataFrame``): ``sequoia-comparison``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from typing import Callable

import numpy as np
import pandas as pd

from boundlab.tabular._checks import check_int
from boundlab.tabular.learners import Param

from .kinds import get_kind

__all__ = ["COMPARISON_METHODS", "CoRMABInstance", "check_instance", "comparison_method", "measure_comparison"]

#: The compared methods (``compare``'s names with ``_`` for spaces): the kind's value columns, in this order.
COMPARISON_METHODS = get_kind("cormab").arrays

_SOURCE = "Xu et al. 2025 / the authors' code (driver.py, algos/dqn_estimator.py); bandits.sequoia.SequoiaConfig"


def _params() -> list[Param]:
    """``K`` and every ``SequoiaConfig`` field with its default (``episodes`` as ``train_episodes``), so that a
    sweep asked for a default explicitly shares the run's key."""
    from boundlab.bandits.sequoia import SequoiaConfig
    out = [Param("K", 100, "random feasible actions tried by the sampling baseline", _SOURCE)]
    for f in fields(SequoiaConfig):
        name = "train_episodes" if f.name == "episodes" else f.name
        out.append(Param(name, f.default, f"SequoiaConfig.{f.name}", _SOURCE))
    return out


@dataclass(frozen=True)
class CoRMABInstance:
    """A coRMAB domain by name and size, drawn anew for each seed (``make_domain(domain, J, B, N=N, seed=seed)``):
    ``domain`` one of ``bandits.cormab_policies.DOMAINS``, ``J`` arms, ``B`` budget / workers, ``N`` interventions
    (the sigmoid domain only). A run is keyed by these fields, not by the generator's code: after changing a
    generator, start a new store (as for a learner, ``bounds.sweep``)."""

    domain: str
    J: int
    B: int
    N: int = 10

    def __post_init__(self):
        from boundlab.bandits.cormab_policies import DOMAINS
        if self.domain not in DOMAINS:
            raise ValueError(f"domain must be one of {sorted(DOMAINS)}, got {self.domain!r}")
        for name in ("J", "B", "N"):
            object.__setattr__(self, name, check_int(getattr(self, name), name))
        if self.N != 10 and self.domain != "sigmoid":  # one key per experiment: N is the sigmoid domain's only
            raise ValueError(f"N (interventions) belongs to the sigmoid domain; leave it at 10 for {self.domain!r}, "
                             f"got N = {self.N}")
        self.make(0)  # the generator's own checks (B <= J, B < N, routing's sizes) before a sweep starts

    def make(self, seed: int):
        """The instance of ``seed``."""
        from boundlab.bandits.cormab_policies import make_domain
        return make_domain(self.domain, self.J, self.B, N=self.N, seed=seed)


def check_instance(instance: object, name: str = "instance") -> CoRMABInstance:
    """``instance`` if it is a :class:`CoRMABInstance`, else a ``TypeError`` naming ``name``."""
    if not isinstance(instance, CoRMABInstance):
        raise TypeError(f"{name} must be a bounds.cormab.CoRMABInstance (a domain by name and size, drawn per seed), "
                        f"got {type(instance).__name__}")
    return instance


def measure_comparison(instance: CoRMABInstance, episodes: int, seeds=(0,), *, K: int = 100,
                       train_episodes: int = 100, progress: bool = False, **sequoia_options) -> pd.DataFrame:
    """Per seed: the instance of that seed, SEQUOIA trained and every method evaluated on ``episodes`` evaluation
    episodes (``bandits.cormab_policies.compare``). Returns ``seed, episode`` (1..``episodes``) and one column per
    :data:`COMPARISON_METHODS` entry: that method's mean per-step expected reward in that episode. Other keywords go
    to ``train_sequoia`` (``SequoiaConfig`` fields). The Whittle policies ``compare`` adds on a budget-only domain are
    not among the columns."""
    from boundlab.bandits.cormab_policies import compare

    from .regret import check_seeds  # here: regret imports the registry, which imports this module
    check_instance(instance)
    episodes, K = check_int(episodes, "episodes"), check_int(K, "K")  # before hours of training
    frames = []
    for seed in check_seeds(seeds):
        res = compare(instance.make(seed), seed=seed, eval_episodes=episodes, K=K, episodes=train_episodes,
                      progress=progress, **sequoia_options)
        columns = {"seed": np.full(episodes, seed), "episode": np.arange(1, episodes + 1)}
        columns |= {m: res[m.replace("_", " ")][2] for m in COMPARISON_METHODS}
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)


def comparison_method() -> Callable:
    """The registry entry ``sequoia-comparison``: :func:`measure_comparison` with ``kind = "cormab"``."""

    def run(instance, eval_episodes: int, seeds=(0,), **params):
        if "episodes" in params:
            raise TypeError("params: SEQUOIA's DQN episodes are 'train_episodes' (the sweep's episodes are the "
                            "evaluation episodes)")
        return measure_comparison(instance, eval_episodes, seeds, **params)

    run.__name__ = run.__qualname__ = "sequoia_comparison"
    run.__doc__ = "``measure_comparison(instance, eval_episodes, seeds, **params)``."
    run.kind = "cormab"
    run.params = _params()
    P = inspect.Parameter
    run.__signature__ = inspect.Signature(
        [P("instance", P.POSITIONAL_OR_KEYWORD), P("eval_episodes", P.POSITIONAL_OR_KEYWORD),
         P("seeds", P.POSITIONAL_OR_KEYWORD, default=(0,))]
        + [P(p.name, P.KEYWORD_ONLY, default=p.default) for p in run.params])
    return run
