"""Submodular RL (Prajapat, Mutny, Zeilinger & Krause, ICLR 2024, arXiv 2307.13372) in the one harness: the curve kind
``"submodular"``, ``F(tau)`` per training epoch (the paper's plots: the objective over epochs, SubPO-M vs SubPO-NM vs
the modular baseline), measured by :func:`measure_subpo` and stored by ``bounds.sweep`` in the table ``subpo_runs``.

Registered names (``kind = "submodular"``, ``fn(env, epochs, seeds, **params) -> DataFrame``): ``subpo-m``,
``subpo-nm``, ``modular-pg``, ``greedy-gain`` and ``subpo-m-npg``, the natural-PG SubPO-M (tabular; our
reconstruction, :mod:`boundlab.tabular.learners.subpo`) (:data:`SUBMODULAR_ALGORITHMS`). JAX
is imported on first use, so importing this module (and the registry) stays light.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import pandas as pd

from boundlab.tabular.learners import Param


__all__ = ["SUBMODULAR_ALGORITHMS", "check_env", "measure_subpo", "submodular_method"]

SUBMODULAR_ALGORITHMS = ("subpo-m", "subpo-nm", "modular-pg", "greedy-gain", "subpo-m-npg")
_FUNCTIONS = {"subpo-m": "subpo_m", "subpo-nm": "subpo_nm", "modular-pg": "modular_pg", "greedy-gain": "greedy_gain",
              "subpo-m-npg": "subpo_m_npg"}


_SOURCE = "the authors' code, github manish-pra/non-additive-RL (params/*/subrl_*.yaml, main.py, utils/network.py)"
_BATCH = Param("batch", 500, "trajectories per epoch", _SOURCE)
_LEARNING = [
    _BATCH,
    Param("lr", 1e-2, "Adam learning rate (the code: 1e-2 coverage, 5e-3 items, 2e-2 two rooms, 1e-3 GP)", _SOURCE),
    Param("estimator", "paper", "'paper': log pi(a_k) weighted by the future marginal gains; 'code': by the value "
          "F(tau_{0:k+1}) accumulated so far (biased)", "Prajapat et al. 2024, policy-gradient theorem; main.py"),
    Param("baseline", None, "'loo' (leave-one-out batch mean, unbiased) or 'none'; None: loo for 'paper', none for "
          "'code'", "Prajapat et al. 2024 (a baseline b(tau_{0:k}))"),
    Param("hidden", (64, 32), "hidden layer widths of the MLP policy", _SOURCE),
    Param("progress", False, "show a progress bar over epochs", "boundlab"),
]
_POLICY = Param("policy", "mlp", "'mlp' (the network on (s, h)) or 'tabular' (softmax theta[h, s, a])", _SOURCE)
_NPG = [_BATCH, Param("lr", 0.05, "natural-gradient step size (plain steps theta += lr F^+ g; our default)",
                      "Kakade 2001; Agarwal et al. 2021 (tabular softmax NPG); reconstruction, labelled"),
        *[p for p in _LEARNING if p.name in ("estimator", "baseline", "progress")]]
_PARAMS = {"subpo-m": [*_LEARNING, _POLICY], "subpo-nm": _LEARNING,
           "modular-pg": [*(p for p in _LEARNING if p.name != "estimator"), _POLICY],   # one estimator: F({s})
           "greedy-gain": [_BATCH, Param("progress", False, "show a progress bar", "boundlab")], "subpo-m-npg": _NPG}


def check_env(env: object, name: str = "env") -> Any:
    """``env`` if it is a :class:`~boundlab.tabular.submodular_envs.SubmodularGrid`, else a ``TypeError``."""
    from boundlab.tabular.submodular_envs import SubmodularGrid

    if not isinstance(env, SubmodularGrid):
        raise TypeError(f"{name} must be a tabular.submodular_envs.SubmodularGrid (make_domain), got "
                        f"{type(env).__name__}")
    return env


def _seeds(seeds) -> list[int]:
    seeds = [seeds] if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)) else seeds
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be an int or a sequence of ints, got {type(seeds).__name__}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    for i, s in enumerate(seeds):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"seeds[{i}] must be an integer, got {type(s).__name__} {s!r}")
    if len(set(seeds)) < len(seeds):
        raise ValueError("seeds must not repeat")
    return [int(s) for s in seeds]


def measure_subpo(algorithm: str, env: Any, epochs: int, seeds=(0,), **params) -> pd.DataFrame:
    """Train ``algorithm`` (one of :data:`SUBMODULAR_ALGORITHMS`) on ``env`` for ``epochs`` epochs from each seed
    (seeds run together, ``vmap``) and return ``seed, epoch, trajectories, objective``: ``epoch`` 0..``epochs``,
    ``trajectories`` drawn before that epoch's evaluation (``epoch * batch``), ``objective`` the mean ``F(tau)`` of
    that epoch's batch under ``theta_epoch`` (epoch 0: the initial policy). ``params`` go to the learner
    (:mod:`boundlab.tabular.learners.subpo`)."""
    if not isinstance(algorithm, str) or algorithm not in _FUNCTIONS:
        raise ValueError(f"algorithm must be one of {', '.join(_FUNCTIONS)} (kind 'submodular'), got "
                         f"{algorithm!r}; regret learners are measured by bounds.measure_regret, gap methods by "
                         "bounds.measure_gap")
    check_env(env)
    seeds = _seeds(seeds)
    from boundlab.tabular.learners import subpo

    runs = getattr(subpo, _FUNCTIONS[algorithm])(env, epochs, seeds, **params)
    n = runs[0].objective.shape[0]
    return pd.DataFrame({
        "seed": np.repeat(seeds, n),
        "epoch": np.tile(np.arange(n), len(seeds)),
        "trajectories": np.concatenate([r.trajectories for r in runs]),
        "objective": np.concatenate([r.objective.mean(axis=1) for r in runs]),
    })


def submodular_method(name: str) -> Callable:
    """The registry entry of ``name``: ``measure_subpo(name, env, epochs, seeds, **params)`` with
    ``kind = "submodular"`` and the learner's parameter list."""
    if name not in _FUNCTIONS:
        raise ValueError(f"name must be one of {', '.join(_FUNCTIONS)}, got {name!r}")

    def run(env, epochs: int, seeds=(0,), **params):
        return measure_subpo(name, env, epochs, seeds, **params)

    run.__name__ = run.__qualname__ = name.replace("-", "_")
    run.__doc__ = f"``measure_subpo({name!r}, env, epochs, seeds, **params)``."
    run.kind = "submodular"
    run.params = list(_PARAMS[name])
    P = inspect.Parameter
    run.__signature__ = inspect.Signature(  # what inspect (and bounds.learner_params) shows: the real keywords
        [P("env", P.POSITIONAL_OR_KEYWORD), P("epochs", P.POSITIONAL_OR_KEYWORD),
         P("seeds", P.POSITIONAL_OR_KEYWORD, default=(0,))]
        + [P(p.name, P.KEYWORD_ONLY, default=p.default) for p in run.params])
    return run
