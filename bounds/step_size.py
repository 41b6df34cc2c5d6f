"""Learning curves and the step-size robustness sweep of Fatkhullin, Barakat, Kireeva & He, "Stochastic Policy
Gradient Methods: Improved Sample Complexity for Fisher-non-degenerate Policies" (ICML 2023, arXiv 2302.01734),
Section 6: (1) return against sampled trajectories with ``gamma_0`` tuned per method; (2) samples needed to reach a
return threshold against the step-size constant ``gamma_0`` on a log grid (the normalised methods, N-PG-IGT and
N-HARPG, are claimed to tolerate a much wider range of ``gamma_0`` than vanilla PG and HARPG).

The methods are those of :mod:`boundlab.tabular.policy_gradient` (``METHODS``), run for all seeds at once
(``over_seeds``: ``jax.vmap``; seed ``s`` runs on ``jax.random.PRNGKey(s)``, so a sweep is reproducible).

How the return is measured (``value``):

- ``value=None`` (the default, as the paper's logs do): the running average of the sampled trajectories' returns,
  at iteration ``t >= window - 1`` the mean discounted truncated return of the gradient trajectories of the last
  ``window`` iterations ``t - window + 1 .. t`` (each drawn at ``theta_t``; N-PG-IGT samples at its extrapolated
  point ``theta~_t``), like the paper's average return over a batch of trajectories. It is credited with the
  trajectories drawn by the end of iteration ``t`` (``PGRun.trajectories[t]``: HARPG's Hessian trajectory counts,
  its return is not averaged), so the first count is that of iteration ``window - 1``.
- ``value=f``: an evaluation, ``f(thetas[n, *theta_shape]) -> J[n]`` (numpy; exact or by quadrature, e.g.
  ``bandit_value`` for the Cauchy bandit), at the iterates ``theta_0 .. theta_T``; ``theta_t`` is credited with the
  trajectories drawn before it (0 for ``theta_0``).

Samples are counted in trajectories of ``problem.H`` steps (the paper's plots count environment steps, "system
probes"; on CartPole an episode that fails early uses fewer steps than ``H``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from boundlab.tabular._checks import check_int, check_real, plain

from .regret import check_seeds

__all__ = ["learning_curves", "plot_learning_curves", "plot_step_size", "step_size_summary", "step_size_sweep"]


def learning_curves(method: str, problem: Any, gamma_0: float, iterations: int, seeds: int | Iterable[int] = (0,),
                    *, theta0: Any = None, window: int = 20,
                    value: Callable[[np.ndarray], np.ndarray] | None = None, schedule: str = "paper",
                    estimator: str | None = None) -> pd.DataFrame:
    """Run ``method`` (a name in ``policy_gradient.METHODS``) with step-size constant ``gamma_0`` for ``iterations``
    iterations on ``problem`` (a ``policy_gradient.PGProblem``) on each seed. ``theta0`` defaults to
    ``policy.init(PRNGKey(0))`` for a network policy (the same start on every seed) and to zeros otherwise.
    ``schedule``: ``"paper"`` (default) or ``"code"`` (the authors' experiment code's schedules,
    ``tabular.policy_gradient.methods``); ``estimator``: ``"gpomdp"`` or ``"code"`` replaces the problem's gradient
    estimator, ``None`` (default) keeps it (``"gpomdp"`` unless the problem was built otherwise).

    Returns a DataFrame ``seed, iteration, trajectories, return``: the return measured as the module docstring
    says, ``iteration`` the iterations done by then (running average: ``window .. iterations``; ``value``:
    ``0 .. iterations``, 0 being ``theta_0``), ``trajectories`` the trajectories it is credited with.
    """
    (method,), problem, seeds, T, theta0, window, value = _check(
        [method], problem, seeds, iterations, theta0, window, value, names=("method", "seeds"))
    problem, schedule = _options(problem, schedule, estimator)
    gamma_0 = check_real(gamma_0, "gamma_0", low=0.0, low_open=True)
    counts, curve = _curves(method, problem, gamma_0, T, seeds, theta0, window, value, schedule)
    n, m = curve.shape
    first = window if value is None else 0
    return pd.DataFrame({"seed": np.repeat(seeds, m), "iteration": np.tile(np.arange(m) + first, n),
                         "trajectories": np.tile(counts, n), "return": curve.reshape(-1)})


def step_size_sweep(methods: Sequence[str], problem: Any, gamma_0s: Sequence[float], iterations: int,
                    seeds: int | Iterable[int], threshold: float, *, theta0: Any = None, window: int = 20,
                    value: Callable[[np.ndarray], np.ndarray] | None = None, schedule: str = "paper",
                    estimator: str | None = None) -> pd.DataFrame:
    """The paper's step-size robustness experiment: every method in ``methods`` with every step-size constant in
    ``gamma_0s`` for ``iterations`` iterations on each seed; the samples each run needs until its return (module
    docstring: running average of ``window`` sampled returns, or ``value`` at the iterates) first reaches
    ``threshold``. ``problem``, ``theta0``, ``schedule``, ``estimator`` as in :func:`learning_curves` (the paper's
    robustness plot came from the authors' code, ``schedule="code"``).

    Returns a DataFrame ``method, gamma_0, seed, samples, censored, budget``: ``samples`` the trajectories drawn
    when the threshold is first reached (NaN when never), ``censored`` True when it is never reached within the
    ``budget`` (the trajectories the whole run draws). Same seeds, same frame.
    """
    methods, problem, seeds, T, theta0, window, value = _check(
        methods, problem, seeds, iterations, theta0, window, value, names=("methods", "seeds"))
    problem, schedule = _options(problem, schedule, estimator)
    gamma_0s = _check_gamma_0s(gamma_0s)
    threshold = check_real(threshold, "threshold")
    rows = []
    for method in methods:
        for g in gamma_0s:
            counts, curve = _curves(method, problem, g, T, seeds, theta0, window, value, schedule)
            hit = curve >= threshold
            reached = hit.any(axis=1)
            samples = np.where(reached, counts[np.argmax(hit, axis=1)], np.nan)
            rows.append(pd.DataFrame({"method": method, "gamma_0": g, "seed": seeds, "samples": samples,
                                      "censored": ~reached, "budget": int(counts[-1])}))
    return pd.concat(rows, ignore_index=True)


def step_size_summary(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per ``(method, gamma_0)`` of a :func:`step_size_sweep` frame: ``median`` samples with censored runs counted
    as never reaching (infinite; the median is NaN when half the seeds or more never reach), ``capped_mean`` the mean
    with censored runs counted at the budget (a lower bound on what they would need; one number that ranks every
    ``gamma_0``, e.g. to tune it), ``reached`` the fraction of seeds that reach the threshold, ``seeds`` and
    ``budget``."""
    if not isinstance(sweep, pd.DataFrame) or not {"method", "gamma_0", "samples", "censored", "budget"} <= set(sweep):
        raise TypeError("sweep must be a DataFrame from step_size_sweep (columns method, gamma_0, seed, samples, "
                        f"censored, budget), got {type(sweep).__name__}")

    def one(g: pd.DataFrame) -> pd.Series:
        med = float(np.median(np.where(g.censored, np.inf, g.samples)))
        capped = float(np.mean(np.where(g.censored, g.budget, g.samples)))
        return pd.Series({"median": med if np.isfinite(med) else np.nan, "capped_mean": capped,
                          "reached": float(np.mean(~g.censored)),
                          "seeds": len(g), "budget": int(g.budget.max())})

    out = sweep.groupby(["method", "gamma_0"], sort=False)[["samples", "censored", "budget"]].apply(one)
    return out.reset_index().astype({"seeds": np.int64, "budget": np.int64})


def plot_step_size(sweep: pd.DataFrame, *, ax=None, title: str = ""):
    """Median samples to the threshold against ``gamma_0`` (log-log), one line per method (from a
    :func:`step_size_sweep` frame); a ``gamma_0`` whose median run never reaches the threshold is drawn as an
    ``x`` at the budget (the cap, as in the paper's plot). Returns the axes."""
    import matplotlib.pyplot as plt

    summary = step_size_summary(sweep)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for i, (method, s) in enumerate(summary.groupby("method", sort=False)):
        ax.plot(s.gamma_0, s["median"], "o-", color=f"C{i}", label=method)
        capped = s["median"].isna()
        ax.plot(s.gamma_0[capped], s.budget[capped], "x", color=f"C{i}", ms=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel=r"step-size constant $\gamma_0$", ylabel="trajectories to threshold (median)",
           title=title or "x: median run never reaches it (drawn at the budget)")
    ax.legend(fontsize=8)
    return ax


def plot_learning_curves(curves: dict[str, pd.DataFrame], *, ax=None, title: str = "", level: float = 0.95):
    """Mean return against trajectories with a normal ``level`` confidence band over seeds, one line per
    ``label -> learning_curves(...)`` frame. Returns the axes."""
    import matplotlib.pyplot as plt
    from scipy import stats

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    z = stats.norm.ppf(0.5 + level / 2)
    for i, (label, df) in enumerate(curves.items()):
        g = df.groupby("trajectories")["return"]
        mean, n = g.mean(), g.count()
        half = z * g.std(ddof=1).fillna(0.0) / np.sqrt(n)
        ax.plot(mean.index, mean, color=f"C{i}", label=label)
        ax.fill_between(mean.index, mean - half, mean + half, color=f"C{i}", alpha=0.2)
    ax.set(xlabel="trajectories", ylabel="return", title=title)
    ax.legend(fontsize=8)
    return ax


def _curves(method: str, problem, gamma_0: float, T: int, seeds: list[int], theta0, window: int,
            value, schedule: str) -> tuple[np.ndarray, np.ndarray]:
    """``(counts[m], curve[n_seeds, m])``: the returns as measured (module docstring) and the trajectories each is
    credited with."""
    import jax

    from boundlab.tabular import policy_gradient as pg

    keys = jax.numpy.stack([jax.random.PRNGKey(s) for s in seeds])
    run = pg.over_seeds(getattr(pg, method.replace("-", "_")), keys, problem, theta0, T=T, gamma_0=gamma_0,
                        schedule=schedule)
    counts = np.asarray(run.trajectories[0], dtype=np.int64)
    if value is None:
        c = np.cumsum(np.asarray(run.returns, dtype=np.float64), axis=1)
        c[:, window:] -= c[:, :-window].copy()
        return counts[window - 1:], c[:, window - 1:] / window
    thetas = np.asarray(run.thetas, dtype=np.float64)
    J = np.asarray(value(thetas.reshape(-1, *thetas.shape[2:])), dtype=np.float64)
    if J.shape != (thetas.shape[0] * thetas.shape[1],) or not np.all(np.isfinite(J)):
        raise ValueError(f"value must map thetas[n, ...] to n finite numbers, got shape {J.shape} for n = "
                         f"{thetas.shape[0] * thetas.shape[1]}")
    return np.concatenate([[0], counts]), J.reshape(thetas.shape[:2])


def _check(methods, problem, seeds, iterations, theta0, window, value, *, names):
    import jax.numpy as jnp

    from boundlab.tabular import policy_gradient as pg

    if isinstance(methods, (str, bytes)) or not isinstance(methods, Sequence):
        raise TypeError(f"{names[0]} must be a list of method names, got {type(methods).__name__}")
    if not methods:
        raise ValueError(f"{names[0]} must name at least one method, got none")
    for i, m in enumerate(methods):
        if not isinstance(m, str) or m not in pg.METHODS:
            where = names[0] if names[0] == "method" else f"{names[0]}[{i}]"
            raise ValueError(f"{where} must be one of {', '.join(pg.METHODS)}, got {plain(m)}")
    if len(set(methods)) < len(methods):
        raise ValueError(f"{names[0]} must be distinct, got {list(methods)}")
    if not isinstance(problem, pg.PGProblem):
        raise TypeError(f"problem must be a policy_gradient.PGProblem (cartpole_problem, bandit_problem, ...), got "
                        f"{type(problem).__name__}")
    seeds = check_seeds(seeds)
    T = check_int(iterations, "iterations")
    window = check_int(window, "window")
    if window > T:
        raise ValueError(f"window must be at most iterations = {T} (the returns it averages), got {window}")
    if value is not None and not callable(value):
        raise TypeError(f"value must be a function thetas[n, ...] -> J[n] or None, got {type(value).__name__}")
    if theta0 is None:
        init = getattr(problem.policy, "init", None)
        if init is not None:
            import jax

            theta0 = init(jax.random.PRNGKey(0))
        elif problem.theta_shape is None:
            raise ValueError("theta0 must be given: the problem does not say the shape of theta")
        else:
            theta0 = jnp.zeros(problem.theta_shape)
    return list(methods), problem, seeds, T, theta0, window, value


def _options(problem, schedule, estimator) -> tuple[Any, str]:
    """``(problem with estimator replaced where given, schedule)``, both checked by name."""
    import dataclasses

    from boundlab.tabular import policy_gradient as pg

    from .gap import check_choice

    schedule = check_choice(schedule, "schedule", pg.SCHEDULES)
    if estimator is not None:
        problem = dataclasses.replace(problem, estimator=check_choice(estimator, "estimator", pg.ESTIMATORS))
    return problem, schedule


def _check_gamma_0s(gamma_0s) -> list[float]:
    if isinstance(gamma_0s, (str, bytes)) or not isinstance(gamma_0s, (Sequence, np.ndarray)):
        raise TypeError(f"gamma_0s must be a list of positive numbers, got {type(gamma_0s).__name__}")
    if isinstance(gamma_0s, np.ndarray) and gamma_0s.ndim != 1:
        raise ValueError(f"gamma_0s must be 1-d, got shape {gamma_0s.shape}")
    out = [check_real(g, f"gamma_0s[{i}]", low=0.0, low_open=True) for i, g in enumerate(gamma_0s)]
    if not out:
        raise ValueError("gamma_0s must hold at least one step-size constant, got none")
    if len(set(out)) < len(out):
        raise ValueError(f"gamma_0s must be distinct, got {out}")
    return out
