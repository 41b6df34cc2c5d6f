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
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from boundlab.tabular._checks import check_int
from boundlab.tabular.learners import Param

from .kinds import get_kind

__all__ = ["COMPARISON_METHODS", "CoRMABInstance", "check_instance", "comparison_method", "measure_comparison"]

#: The compared methods (``compare``'s names with ``_`` for spaces): the kind's value columns, in this order.
COMPARISON_METHODS = get_kind("cormab").arrays

_SOURCE = "Xu et al. 2025 / the authors' code (driver.py, algos/dqn_estimator.py)"
_PARAMS = [
    Param("K", 100, "random feasible actions tried by the sampling baseline", _SOURCE),
    Param("train_episodes", 100, "SEQUOIA's DQN episodes (of H = 20 steps)", _SOURCE),
    Param("pretrain_epochs", 300, "epochs of the one-step (myopic) pretraining", _SOURCE),
    Param("strategic_states", None, "stage A's strategic states (None: 50 H)", _SOURCE),
    Param("solver", "auto", "SEQUOIA's argmax: 'auto' (enumerate up to 50,000 feasible actions, else the MILP), "
          "'milp' or 'enumerate'", "boundlab"),
]


@dataclass(frozen=True)
class CoRMABInstance:
    """A coRMAB domain by name and size, drawn anew for each seed (``make_domain(domain, J, B, N=N, seed=seed)``):
    ``domain`` one of ``bandits.cormab_policies.DOMAINS``, ``J`` arms, ``B`` budget / workers, ``N`` interventions
    (the sigmoid domain only)."""

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
                       train_episodes: int = 100, pretrain_epochs: int = 300, strategic_states: int | None = None,
                       solver: str = "auto", progress: bool = False, **sequoia_options) -> pd.DataFrame:
    """Per seed: the instance of that seed, SEQUOIA trained and every method evaluated on ``episodes`` evaluation
    episodes (``bandits.cormab_policies.compare``). Returns ``seed, episode`` (1..``episodes``) and one column per
    :data:`COMPARISON_METHODS` entry: that method's mean per-step expected reward in that episode. Other keywords go
    to ``train_sequoia`` (``SequoiaConfig`` fields). The Whittle policies ``compare`` adds on a budget-only domain are
    not among the columns."""
    from boundlab.bandits.cormab_policies import compare

    from .regret import check_seeds  # here: regret imports the registry, which imports this module
    check_instance(instance)
    episodes = check_int(episodes, "episodes")
    frames = []
    for seed in check_seeds(seeds):
        res = compare(instance.make(seed), seed=seed, eval_episodes=episodes, K=K, episodes=train_episodes,
                      pretrain_epochs=pretrain_epochs, strategic_states=strategic_states, solver=solver,
                      progress=progress, **sequoia_options)
        columns = {"seed": np.full(episodes, seed), "episode": np.arange(1, episodes + 1)}
        columns |= {m: res[m.replace("_", " ")][2] for m in COMPARISON_METHODS}
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)


def comparison_method() -> Callable:
    """The registry entry ``sequoia-comparison``: :func:`measure_comparison` with ``kind = "cormab"``."""

    def run(instance, episodes: int, seeds=(0,), **params):
        return measure_comparison(instance, episodes, seeds, **params)

    run.__name__ = run.__qualname__ = "sequoia_comparison"
    run.__doc__ = "``measure_comparison(instance, episodes, seeds, **params)``."
    run.kind = "cormab"
    run.params = list(_PARAMS)
    P = inspect.Parameter
    run.__signature__ = inspect.Signature(
        [P("instance", P.POSITIONAL_OR_KEYWORD), P("episodes", P.POSITIONAL_OR_KEYWORD),
         P("seeds", P.POSITIONAL_OR_KEYWORD, default=(0,))]
        + [P(p.name, P.KEYWORD_ONLY, default=p.default) for p in run.params])
    return run
