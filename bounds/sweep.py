"""Sweeps: algorithms x instances x seeds on any ``concurrent.futures.Executor``, each finished run written to the
store at once (a killed sweep resumes where it stopped). One function for every kind of algorithm
(``registry.kind``, :mod:`boundlab.bounds.kinds`): regret learners run one run per task; a curve kind (e.g. the
policy-gradient gap methods) runs the seeds still to do for one (algorithm, instance) together in one call of the
registered function (vmapped where it can), each seed then stored under its own key in the kind's table."""

from __future__ import annotations

import itertools
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .executors import run_all
from .fingerprint import fingerprint
from .kinds import REGRET, get_kind
from .registry import Portable, learner_params, resolve
from .regret import Run, check_episodes, check_model, check_seeds, execute, optimal_values
from .store import KEY, Store, params_key

log = logging.getLogger(__name__)


def _algorithms(algorithms) -> dict[str, Callable]:
    """label -> learner function, from one name/function or a sequence of them."""
    if isinstance(algorithms, str) or callable(algorithms):
        algorithms = [algorithms]
    if isinstance(algorithms, Mapping) or not isinstance(algorithms, (list, tuple)):
        raise TypeError("algorithms must be a name, a learner function, or a list of them, got "
                        f"{type(algorithms).__name__}")
    if not algorithms:
        raise ValueError("algorithms must name at least one learner, got none")
    out = {}
    for a in algorithms:
        label, fn = resolve(a)
        if label in out:
            raise ValueError(f"algorithms holds {label!r} twice (learner functions are keyed by their name)")
        out[label] = fn
    return out


def _instances(instances, kind: str = REGRET) -> dict:
    if not isinstance(instances, Mapping):
        raise TypeError("instances must be a dict name -> model (the name labels its runs), e.g. "
                        f"{{'riverswim': model}}, got {type(instances).__name__}")
    if not instances:
        raise ValueError("instances must hold at least one model, got none")
    for name, model in instances.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"instances: names must be non-empty str, got {name!r}")
        if kind == REGRET:
            check_model(model, f"instances[{name!r}]")
        else:
            get_kind(kind).check(model, f"instances[{name!r}]")
    return dict(instances)


_PLAIN = (str, bool, int, float, type(None))


def _without_defaults(fn: Callable, params: Mapping | None) -> dict:
    """``params`` less the entries that equal the algorithm's own default (plain values of the same type only:
    ``schedule="paper"`` where ``"paper"`` is the default, ``bonus_scale=1.0`` where it is ``1.0``), so a run asked
    for with an explicit default shares the key of the run asked for without it; and less ``progress`` (a progress
    bar does not change a run)."""
    defaults = {p.name: p.default for p in learner_params(fn)}
    params = {k: v for k, v in (params or {}).items() if k != "progress"}

    def default(k, v) -> bool:
        v = v.item() if isinstance(v, np.generic) else v  # keyed as its Python value (store.params_key)
        return k in defaults and type(v) is type(defaults[k]) and isinstance(v, _PLAIN) and v == defaults[k]

    return {k: v for k, v in (params or {}).items() if not default(k, v)}


@dataclass(frozen=True)
class _CurveCall:
    """One call of a curve kind's registered function (the function travels itself, not its name)."""

    fn: Portable
    instance: object
    n: int
    seeds: list
    params: dict


def _run_curve(call: _CurveCall) -> tuple[pd.DataFrame, float]:
    """The call's frame and the seconds per seed it took (shared out equally over its seeds)."""
    t0 = time.perf_counter()
    frame = call.fn(call.instance, call.n, call.seeds, **call.params)
    return frame, (time.perf_counter() - t0) / len(call.seeds)


def sweep(algorithms: str | Callable | Sequence[str | Callable], instances: Mapping, seeds: int | Iterable[int],
          episodes: int, *, params: Mapping | None = None,
          executor: Executor | str | None = None, store: str | Path = "results/runs.sqlite",
          progress: bool = True) -> pd.DataFrame:
    """Run every ``(algorithm, instance, seed)`` for ``episodes`` episodes and return the stored rows for them.

    Args:
        algorithms: a name from ``bounds.algorithms()``, a learner function, or a list of them (a function is
            labelled by its registered name, else its ``__name__``); all of one kind: regret learners, or one curve
            kind, e.g. the policy-gradient gap methods (``bounds.algorithms("gap")``: then ``episodes`` is the
            iterations ``T``, ``instances`` are ``FiniteMDP`` / ``CauchyBandit`` problems and ``params[a]`` must
            give ``gamma_0``; the kind's ``required`` parameters in general).
        instances: dict name -> model. seeds: distinct non-negative ints.
        params: algorithm label -> keyword arguments for that learner (part of each run's key, by content: numpy
            arrays such as LSVI-UCB's ``phi`` by a hash of dtype, shape and bytes, see :func:`store.params_key`;
            an entry equal to the algorithm's default, of the same plain type, is left out of the key, so asking for
            a default explicitly reuses the run asked for without it).
        executor: local threads by default; ``"processes"``; or any ``concurrent.futures.Executor``, e.g.
            ``dask.distributed.Client(...).get_executor()`` (runs are then packed several to a task).
        store: SQLite path. Each run is keyed by ``(algorithm, instance, model, seed, episodes, params)``, where
            ``model`` is a content hash of the model (:func:`fingerprint`): a run found there is reused, so a killed
            sweep resumes, and a changed model under an old name is run again. The learner's code is not part of
            the key: after changing a learner under the same name, start a new store.

    Curve kinds: the seeds not yet stored for one (algorithm, instance) run together in one call of the registered
    function in this process where the kind is ``batched`` (``measure_gap`` for gap methods: ``jax.vmap`` over
    seeds), else one call per seed on ``executor`` (the grouping kind); each seed is then stored under its own key in
    the kind's table (``Store.curve_frame(kind)`` reads them; ``gap_runs`` for the gap), with a call's seconds shared
    out equally over its seeds.

    Returns the runs' rows (``KEY`` columns, ``episode, regret, return``; a curve kind: its index and value columns,
    e.g. ``iteration, trajectories, gap`` as ``measure_gap`` gives them) and a column ``reused``: True for the rows
    of runs found in the store rather than run now (their count is also logged, printed to stderr with ``progress``
    and shown beside the progress bar).
    """
    learners = _algorithms(algorithms)
    kinds = {a: getattr(fn, "kind", REGRET) for a, fn in learners.items()}
    if len(set(kinds.values())) > 1:
        by = "; ".join(f"{k}: {[a for a in learners if kinds[a] == k]}" for k in dict.fromkeys(kinds.values()))
        raise ValueError(f"algorithms mixes kinds ({by}): their rows differ (e.g. episode, regret vs iteration, "
                         "gap); sweep each kind separately")
    kind = next(iter(kinds.values()))
    curve = None if kind == REGRET else get_kind(kind)
    instances = _instances(instances, kind)
    seeds, episodes = check_seeds(seeds), check_episodes(episodes)
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict algorithm -> dict of keyword arguments, got {params!r}")
    params = dict(params or {})
    unknown = set(params) - set(learners)
    if unknown:
        raise ValueError(f"params has keys {sorted(unknown)} that are not among the algorithms {sorted(learners)}")
    for a, p in params.items():
        if not isinstance(p, Mapping):
            raise TypeError(f"params[{a!r}] must be a dict of keyword arguments for {a}, got {p!r}")
    hashes = {name: fingerprint(model) for name, model in instances.items()}
    pkeys = {}
    for a in learners:
        try:
            pkeys[a] = params_key(_without_defaults(learners[a], params.get(a)))
        except (TypeError, ValueError) as err:  # e.g. a set, or a circular dict
            raise TypeError(f"params[{a!r}]: {err}") from None

    if curve is not None:
        for a in learners:
            for name in curve.required:
                if name not in (params.get(a) or {}):
                    raise ValueError(f"params[{a!r}] must give {name} (no default: {curve.name} methods need it), "
                                     f"e.g. params={{{a!r}: {{{name!r}: ...}}}}")

    def key(a: str, i: str, s: int) -> tuple:
        fields = {"algorithm": a, "instance": i, "model": hashes[i], "seed": s, "episodes": episodes,
                  "params": pkeys[a]}
        return tuple(fields[k] for k in KEY)

    grid = list(itertools.product(learners, instances, seeds))
    with Store(store) as db:  # one connection for all the sweep's commits
        stored = db.done() if curve is None else db.curve_done(curve)
        keys = [key(a, i, s) for a, i, s in grid]
        todo = [(a, i, s) for (a, i, s), k in zip(grid, keys) if k not in stored]
        reused = [k for k in keys if k in stored]
        if reused:
            message = f"sweep: {len(reused)} of {len(keys)} runs reused from {db.path} (same algorithm, instance, " \
                      "model content, seed, episodes, params)"
            log.info(message)
            if progress:
                tqdm.write(message, file=sys.stderr)
        if curve is not None:
            groups = {}  # (algorithm, instance) -> its seeds still to do: one (vmapped) call each, or one per seed
            for a, i, s in todo:
                groups.setdefault((a, i), []).append(s)
            tasks = [(a, i, seeds_) for (a, i), group in groups.items()
                     for seeds_ in ([group] if curve.batched else [[s] for s in group])]
            calls = [_CurveCall(Portable(learners[a]), instances[i], episodes, seeds_, dict(params.get(a) or {}))
                     for a, i, seeds_ in tasks]
            results = tqdm(((n, _run_curve(call)) for n, call in enumerate(calls)), total=len(calls), desc="sweep",
                           disable=not progress or not calls, postfix={"reused": len(reused)}) if curve.batched \
                else run_all(_run_curve, calls, executor, progress=progress, desc="sweep",
                             postfix={"reused": len(reused)})
            for n, (frame, seconds) in results:
                a, i, _ = tasks[n]
                for s, one in frame.groupby("seed", sort=False):
                    db.add_curve(curve, key(a, i, int(s)), one, seconds)
            df = db.curve_frame(curve, keys)
            df["reused"] = pd.MultiIndex.from_frame(df[list(KEY)]).isin(reused) if reused else False
            return df
        V_star = {}  # model hash -> optimal_values, once per model that has runs to do
        for _, i, _ in todo:
            if hashes[i] not in V_star:
                V_star[hashes[i]] = optimal_values(instances[i])
        runs = [Run(Portable(learners[a]), instances[i], episodes, s, dict(params.get(a) or {}), V_star[hashes[i]])
                for a, i, s in todo]
        for n, (frame, seconds) in run_all(execute, runs, executor, progress=progress, desc="sweep",
                                           postfix={"reused": len(reused)}):
            db.add(key(*todo[n]), frame, seconds)
        df = db.frame(keys)
    df["reused"] = pd.MultiIndex.from_frame(df[list(KEY)]).isin(reused) if reused else False
    return df
