"""Names of the algorithms that ``measure_regret``, ``measure_gap`` and ``sweep`` run, their kind, and how a learner
travels to a worker.

The kinds (:mod:`boundlab.bounds.kinds`) share one registry (:func:`algorithms` lists them all): regret learners
(``fn(model, K, seed, **params) -> LearnerRun``, measured by ``measure_regret``) and curve kinds such as the
policy-gradient methods of Fatkhullin et al. (ICML 2023) whose optimality gap ``measure_gap`` measures
(:data:`GAP_ALGORITHMS`; :func:`kind` tells them apart). A curve algorithm is registered as ``fn(instance, n, seeds,
**params) -> DataFrame`` with an attribute ``kind``. A gap method is
registered as a light function ``fn(problem, iterations, seeds, *, gamma_0, theta0=None, schedule="paper",
estimator="gpomdp") -> DataFrame`` that calls
``measure_gap``, so importing the registry does not import JAX."""

from __future__ import annotations

import inspect
import pickle
from typing import Callable

from boundlab import bandits
from boundlab.tabular import learners
from boundlab.tabular.learners import Param

from .cormab import comparison_method
from .kinds import REGRET, get_kind, kind_names
from .submodular import SUBMODULAR_ALGORITHMS, submodular_method

#: The policy-gradient methods ``measure_gap`` runs, by name (the paper's order; the last is its normalised-momentum
#: ablation).
GAP_ALGORITHMS = ("vanilla-pg", "n-pg-igt", "harpg", "n-harpg", "n-pg-momentum")


def _gap_method(name: str) -> Callable:
    """The registry entry of the policy-gradient method ``name``: ``measure_gap(name, ...)`` with ``kind = "gap"``
    and its parameter list."""
    def run(problem, iterations: int, seeds=(0,), *, gamma_0: float, theta0=None, schedule: str = "paper",
            estimator: str = "gpomdp"):
        from .gap import measure_gap

        return measure_gap(name, problem, iterations, seeds, gamma_0=gamma_0, theta0=theta0, schedule=schedule,
                           estimator=estimator)

    run.__name__ = run.__qualname__ = name.replace("-", "_")
    run.__doc__ = (f"``measure_gap({name!r}, problem, iterations, seeds, gamma_0=..., theta0=..., schedule=..., "
                   "estimator=...)``.")
    run.kind = "gap"
    source = ("Fatkhullin, Barakat, Kireeva & He (ICML 2023), Theorem 1 (N-PG-IGT: gamma_t ~ 1/t) / Theorem 2 "
              "((N)-HARPG: gamma_t ~ t^-1/2, 1/t); the constant is left free there and tuned in their experiments; "
              "vanilla-pg runs gamma_0 (t+1)^(-2/3) (the paper's 1/(t+1) form with the exponent of the authors' "
              "code) and n-pg-momentum gamma_0 (t+1)^(-1), eta_t = (t+1)^(-2/3) (the code's ablation in that form)")
    run.params = [
        Param("gamma_0", inspect.Parameter.empty, "step-size constant of the schedule gamma_t = gamma_0 f(t) "
              "(tabular.policy_gradient.schedule); no default: the paper tunes it per problem", source),
        Param("theta0", None, "the start theta_0 (default zeros: the uniform softmax policy, or the Cauchy policy "
              "centred at 0)", "Algorithms 1-2 (theta_0 is an input)"),
        Param("schedule", "paper", "the schedules' form: 'paper' (base 1/(t+1), Theorems 1-2) or 'code' (base "
              "2/(t+2), IGT extrapolating with eta_{t-1}: the authors' experiment code)",
              "tabular.policy_gradient.methods (both tabulated); the code: the authors' garage fork"),
        Param("estimator", "gpomdp", "the gradient estimator: 'gpomdp' (truncated GPOMDP, unbiased for grad J_H) or "
              "'code' (reward-to-go without the gamma^k weight, the authors' code)",
              "tabular.policy_gradient.estimators"),
    ]
    return run

def _grouped_rl(model, budget: int, seeds=(0,), *, m: int, iterations: int | None = None):
    """``bounds.grouping.grouped_rl_runs(model, budget, seeds, m=..., iterations=...)``: Algorithm 1 of Li, Ju &
    Shroff (ICLR 2024) at a total sample budget, its exact loss per seed (``seed, budget, groups, samples, loss``)."""
    from .grouping import grouped_rl_runs  # imported on use: bounds.grouping imports the regret harness

    return grouped_rl_runs(model, budget, seeds, m=m, iterations=iterations)


_grouped_rl.__name__ = _grouped_rl.__qualname__ = "grouped_rl"
_grouped_rl.kind = "grouping"
_grouped_rl.params = [
    Param("m", inspect.Parameter.empty, "nominal grouping size (tabular.grouping.grouping_of: the product-bin "
          "partition with m bins per feature)", "the grouping family of boundlab.tabular.grouping [reconstruction]"),
    Param("iterations", None, "T backups of the lifted model (None: exact planning)", "Algorithm 1, planning step"),
]

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
    "ac-optimistic": learners.ac_optimistic,
    "ac-hybrid": learners.ac_hybrid,
    "ac-hybrid-pessimistic": learners.ac_hybrid_pessimistic,
    "adv-luo21": learners.adv_luo21,
    "adv-logbarrier": learners.adv_logbarrier,
    "adv-magnitude": learners.adv_magnitude,
    "adv-linear-mdp": learners.adv_linear_mdp,
    "lmdp-value-optimistic": learners.lmdp_value_optimistic,
    "lmdp-model-optimistic": learners.lmdp_model_optimistic,
    "omle": learners.omle,
    "omle-etc": learners.omle_etc,
    **{name: _gap_method(name) for name in GAP_ALGORITHMS},
    "grouped-rl": _grouped_rl,
    **{name: submodular_method(name) for name in SUBMODULAR_ALGORITHMS},
    "sequoia-comparison": comparison_method(),
}


def algorithms(kind: str | None = None) -> list[str]:
    """The registered names: all of them, or those of one ``kind`` (``"regret"``: learners for ``measure_regret``;
    ``"gap"``: policy-gradient methods for ``measure_gap``; any other name in ``bounds.kinds.kind_names()``)."""
    if kind is not None and kind not in kind_names():
        raise ValueError(f"kind must be one of {', '.join(kind_names())} or None, got {kind!r}")
    return sorted(n for n, f in _REGISTRY.items() if kind is None or getattr(f, "kind", REGRET) == kind)


def kind(algorithm: str | Callable) -> str:
    """The kind of a registered name or function: ``"regret"`` (a learner, measured by ``measure_regret``) or a
    curve kind such as ``"gap"`` (a policy-gradient method, measured by ``measure_gap``); a function registered
    nowhere is a learner unless it carries ``kind = "<name>"``."""
    return getattr(resolve(algorithm)[1], "kind", REGRET)


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


def _measures(kind: str) -> str:
    return "bounds.measure_regret (a regret learner)" if kind == REGRET else get_kind(kind).measures


def resolve_kind(algorithm: str | Callable, wanted: str, caller: str) -> tuple[str, Callable]:
    """:func:`resolve`, refusing an algorithm of the other kind with a ``ValueError`` that names the function which
    measures it."""
    label, fn = resolve(algorithm)
    have = getattr(fn, "kind", REGRET)
    if have != wanted:
        raise ValueError(f"algorithm {label!r} is of kind {have!r}, which {caller} does not run: use "
                         f"{_measures(have)}")
    return label, fn


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
