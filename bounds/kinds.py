"""Kinds of registered algorithm: what a run of each measures and where the store keeps it.

The built-in kind ``"regret"`` (learners ``fn(model, K, seed, **params) -> LearnerRun``, per-episode exact regret,
the store's ``runs`` table) is the harness's own. Every other kind is a :class:`Kind`: its registered functions
``fn(instance, n, seeds, **params) -> DataFrame`` return one curve per seed (columns ``seed``, ``index``, then
``arrays``), which ``bounds.sweep`` stores seed by seed in the kind's own table, keyed like a regret run. The
policy-gradient gap (Fatkhullin et al. 2023), the grouping trade-off (Li, Ju & Shroff 2024), SubPO's objective
(Prajapat et al. 2024) and SEQUOIA's comparison (Xu et al. 2025) are declared at the bottom of this module, in one
place; a new paper whose runs are curves adds a ``Kind`` with :func:`register_kind` instead of a second harness.

This module imports nothing heavy, so the store and the registry can both use it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Kind", "REGRET", "get_kind", "kind_names", "register_kind"]

REGRET = "regret"


@dataclass(frozen=True)
class Kind:
    """A kind of algorithm whose runs are curves.

    Attributes:
        name: the kind's name (``bounds.algorithms(name)`` lists its algorithms).
        table: the store's table for its runs (created on first write; an older store reads as holding none).
        index: the curve's index column (``"iteration"``, ``"epoch"``, ``"budget"``).
        start: the first index value; the last is the sweep's ``episodes`` ``n`` (``None``: one point, at ``n``).
        arrays: the value columns, stored as compressed float64 arrays.
        integer_arrays: those of ``arrays`` read back as int64 (counts).
        check_instance: ``"module:function"`` (imported on first use) or a callable ``(instance, name) ->
            instance`` raising a ``TypeError`` naming ``name`` for an instance the kind cannot run.
        required: parameter names a sweep must be given (no default; e.g. the step-size constant a paper tunes).
        measures: what a run measures, for messages (``"bounds.measure_gap: the optimality gap J* - J(theta_t)"``).
        batched: True: ``sweep`` passes the seeds still to do for one (algorithm, instance) to one call in this
            process (the function vmaps over them); False: one call per seed, spread over the sweep's
            ``executor`` like regret runs (threads, processes, a dask cluster).
    """

    name: str
    table: str
    index: str
    start: int | None
    arrays: tuple[str, ...]
    check_instance: str | Callable
    integer_arrays: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    measures: str = ""
    batched: bool = True

    def __post_init__(self):
        for field in ("name", "table", "index"):
            value = getattr(self, field)
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", value):
                raise ValueError(f"Kind.{field} must be an identifier-like str, got {value!r}")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.table) or self.table == "runs":
            raise ValueError(f"Kind.table must be an SQL identifier other than 'runs', got {self.table!r}")
        if self.start is not None and (not isinstance(self.start, int) or isinstance(self.start, bool)):
            raise TypeError(f"Kind.start must be an int or None, got {self.start!r}")
        names = (self.index, *self.arrays)
        if not self.arrays or len(set(names)) < len(names) or not all(
                isinstance(a, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", a) for a in self.arrays):
            raise ValueError(f"Kind.arrays must be distinct column names other than the index, got {self.arrays!r}")
        if not set(self.integer_arrays) <= set(self.arrays):
            raise ValueError(f"Kind.integer_arrays {self.integer_arrays!r} must be among arrays {self.arrays!r}")

    def first(self, n: int) -> int:
        """The first index value of a run of length ``n`` (``n`` itself for a one-point kind)."""
        return n if self.start is None else self.start

    def check(self, instance: object, name: str) -> object:
        """``instance`` if this kind can run it, else the kind's ``TypeError``."""
        fn = self.check_instance
        if isinstance(fn, str):
            module, _, attr = fn.partition(":")
            fn = getattr(importlib.import_module(module), attr)
        return fn(instance, name)


_KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Declare (or replace) a kind of curve-valued algorithm; returns it."""
    if not isinstance(kind, Kind):
        raise TypeError(f"kind must be a bounds.kinds.Kind, got {type(kind).__name__}")
    if kind.name == REGRET:
        raise ValueError("kind 'regret' is the harness's own (per-episode regret in the runs table)")
    clash = [k.name for k in _KINDS.values() if k.table == kind.table and k.name != kind.name]
    if clash:
        raise ValueError(f"Kind.table {kind.table!r} already belongs to kind {clash[0]!r}")
    _KINDS[kind.name] = kind
    return kind


def kind_names() -> tuple[str, ...]:
    """``"regret"`` and the registered curve kinds."""
    return (REGRET, *_KINDS)


def get_kind(name: str) -> Kind:
    """The :class:`Kind` registered as ``name`` (``ValueError`` for ``"regret"`` or an unknown name)."""
    if name not in _KINDS:
        raise ValueError(f"no curve kind {name!r}; the kinds are {', '.join(kind_names())}")
    return _KINDS[name]


register_kind(Kind("gap", table="gap_runs", index="iteration", start=0, arrays=("trajectories", "gap"),
                   integer_arrays=("trajectories",), check_instance="boundlab.bounds.gap:check_problem",
                   required=("gamma_0",),
                   measures="bounds.measure_gap (a policy-gradient method: optimality gap J* - J(theta_t))"))
register_kind(Kind("grouping", table="grouping_runs", index="budget", start=None, arrays=("groups", "samples", "loss"),
                   integer_arrays=("groups", "samples"), check_instance="boundlab.bounds.grouping:check_instance",
                   required=("m",), batched=False,
                   measures="bounds.grouping_loss (Algorithm 1 of Li, Ju & Shroff, ICLR 2024: the exact loss "
                            "V* - V^pi_hat at a total sample budget)"))
register_kind(Kind("submodular", table="subpo_runs", index="epoch", start=0, arrays=("trajectories", "objective"),
                   integer_arrays=("trajectories",), check_instance="boundlab.bounds.submodular:check_env",
                   measures="bounds.measure_subpo (Submodular RL, Prajapat et al. ICLR 2024: F(tau) per epoch, the "
                            "mean over the epoch's trajectories)"))
register_kind(Kind("cormab", table="cormab_runs", index="episode", start=1,
                   arrays=("null", "random", "sampling", "iterative_myopic", "myopic", "iterative_dqn", "sequoia"),
                   check_instance="boundlab.bounds.cormab:check_instance", batched=False,
                   measures="bounds.measure_comparison (SEQUOIA and the coRMAB baselines, Xu et al. ICLR 2025: each "
                            "method's mean per-step expected reward per evaluation episode)"))
