"""Log-log slope of cumulative regret against K, with a bootstrap confidence interval over seeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from boundlab.solvers.validation import check_real_array
from boundlab.tabular._checks import check_int, check_real
from boundlab.tabular.instances import as_generator


@dataclass(frozen=True)
class Slope:
    """A fitted log-log slope, its bootstrap confidence interval ``[low, high]`` and the burn-in K it was fitted
    from (NaN slope and CI where the mean cumulative regret is still 0 at the burn-in)."""

    slope: float
    low: float
    high: float
    burn_in: int


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of a normal-approximation ``level`` confidence interval (NaN half-width for one value)."""
    from scipy import stats

    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2:
        return float(x.mean()), float("nan")
    return float(x.mean()), float(stats.norm.ppf(0.5 + level / 2) * x.std(ddof=1) / np.sqrt(len(x)))


RUN_COLUMNS = ("algorithm", "instance", "model", "episodes", "params")  # what tells a sweep's curves apart


def cumulative_regret(df: pd.DataFrame) -> np.ndarray:
    """``(n_seeds, K)`` cumulative regret from a ``measure_regret`` frame, or a ``sweep`` frame of one algorithm on
    one instance (filter first, e.g. ``df[(df.algorithm == a) & (df.instance == i)]``, or apply it per group:
    ``df.groupby(["algorithm", "instance"]).apply(cumulative_regret)``)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a DataFrame with columns seed, episode, regret, got {type(df).__name__}")
    missing = {"seed", "episode", "regret"} - set(df.columns)
    if missing:
        raise ValueError(f"df lacks the columns {sorted(missing)} (a measure_regret or sweep frame has them)")
    if df.empty:
        raise ValueError("df holds no rows")
    mixed = {c: sorted(map(str, df[c].unique()))[:5] for c in RUN_COLUMNS if c in df and df[c].nunique() > 1}
    if mixed:
        raise ValueError(f"df mixes several runs per seed ({', '.join(f'{c}: {v}' for c, v in mixed.items())}): "
                         "filter to one first, or group by those columns and apply cumulative_regret per group")
    if df.duplicated(["seed", "episode"]).any():
        raise ValueError("df holds a (seed, episode) twice: filter it to one run per seed")
    table = df.pivot(index="seed", columns="episode", values="regret").sort_index(axis=1)
    if table.isna().any(axis=None):
        raise ValueError("the seeds in df ran different episodes: each seed needs the same episodes 1..K")
    return np.cumsum(table.to_numpy(), axis=1)


def _fit(logK: np.ndarray, curve: np.ndarray) -> float:
    return float(np.polyfit(logK, np.log(np.maximum(curve, 1e-12)), 1)[0])


def bootstrap_slope(K: np.ndarray, rows: np.ndarray, *, n_boot: int = 500, level: float = 0.95,
                    seed: int | np.random.Generator = 0) -> tuple[float, float, float]:
    """Least-squares slope of ``log(mean of rows)`` vs ``log K`` for ``rows[i, j]`` = run ``i``'s value at
    ``K[j]``, with a percentile bootstrap ``level`` CI resampling the runs. Returns ``(slope, low, high)``."""
    rows = np.atleast_2d(rows)
    logK, n = np.log(np.asarray(K, dtype=np.float64)), rows.shape[0]
    rng = as_generator(seed)
    boots = [_fit(logK, rows[rng.integers(0, n, n)].mean(axis=0)) for _ in range(n_boot)]
    alpha = (1 - level) / 2
    return _fit(logK, rows.mean(axis=0)), float(np.quantile(boots, alpha)), float(np.quantile(boots, 1 - alpha))


def grid_burn_in(K: np.ndarray, rows: np.ndarray, threshold: float) -> tuple[int | None, str]:
    """DESIGN.md's burn-in rule (the one :meth:`LocalSlopes.burn_in` applies) on runs at a grid of K (``rows[i,
    j]``: run ``i``'s cumulative regret at ``K[j]``, each K its own run or a prefix of one): the index of the first
    ``K[j]`` from which every local slope to the next grid point (:func:`bootstrap_slope`, CI over runs) has its
    upper end below ``threshold`` (None: the burn-in lasts beyond the grid; a slope that dips below and climbs back
    is not a burn-in), and the local slopes as text for the report."""
    local = [bootstrap_slope(K[j:j + 2], rows[:, j:j + 2]) for j in range(len(K) - 1)]
    above = [j for j, (_, _, hi) in enumerate(local) if not hi < threshold]
    start = 0 if not above else above[-1] + 1
    start = start if start < len(local) else None
    return start, ", ".join(f"{K[j]}-{K[j + 1]}: {s:.2f} [{lo:.2f}, {hi:.2f}]" for j, (s, lo, hi) in enumerate(local))


def loglog_slope(cumulative: np.ndarray, burn_in: int, *, n_points: int = 20, n_boot: int = 500,
                 level: float = 0.95, seed: int | np.random.Generator = 0) -> Slope:
    """Least-squares slope of ``log(mean cumulative regret)`` vs ``log K`` over ``K >= burn_in`` (``n_points``
    log-spaced K) of ``cumulative[seed, k]`` (as from :func:`cumulative_regret`), with a percentile bootstrap CI
    resampling seeds. If the mean cumulative regret is still 0 at the burn-in, a power law cannot be fitted and the
    slope and CI are NaN."""
    cumulative = check_real_array(cumulative, "cumulative").astype(np.float64)
    if cumulative.ndim != 2 or cumulative.shape[0] < 1 or cumulative.shape[1] < 2:
        raise ValueError("cumulative must be (n_seeds, K) with K >= 2 (one seed's curve c: c[None]), got shape "
                         f"{cumulative.shape}")
    bad = np.argwhere(~np.isfinite(cumulative))
    if len(bad):
        raise ValueError(f"cumulative{bad[0].tolist()} = {cumulative[tuple(bad[0])]} is not finite")
    K = cumulative.shape[1]
    check_int(burn_in, "burn_in")
    if not 1 <= burn_in < K:
        raise ValueError(f"burn_in must lie in [1, K) = [1, {K}), got {burn_in}")
    check_int(n_points, "n_points", minimum=2)
    check_int(n_boot, "n_boot")
    check_real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    as_generator(seed)  # refuse a bad seed before the fit
    idx = np.unique(np.geomspace(burn_in, K, n_points).astype(int)) - 1
    if cumulative[:, idx[0]].mean() <= 0:
        return Slope(float("nan"), float("nan"), float("nan"), burn_in)
    slope, low, high = bootstrap_slope(idx + 1, cumulative[:, idx], n_boot=n_boot, level=level, seed=seed)
    return Slope(slope, low, high, burn_in)


@dataclass(frozen=True)
class LocalSlopes:
    """Local log-log slopes of cumulative regret over the windows ``[K[j], 2 K[j]]``: ``slope[j]`` with its
    bootstrap CI ``[low[j], high[j]]`` over seeds (NaN where the mean regret at ``K[j]`` is still 0)."""

    K: np.ndarray
    slope: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def burn_in(self, threshold: float) -> int | None:
        """The first window start ``K`` from which every window's whole CI lies below ``threshold`` (the learner has
        left the regime of slope >= threshold there and does not return to it within the run), or ``None`` if the
        last window's CI does not ("beyond K_max"). A slope that dips below and climbs back is not a burn-in."""
        above = np.flatnonzero(~(self.high < threshold))
        start = 0 if len(above) == 0 else above[-1] + 1
        return int(self.K[start]) if start < len(self.K) else None


def local_slopes(cumulative: np.ndarray, *, K_min: int = 10, n_points: int = 16, n_boot: int = 200,
                 level: float = 0.95, seed: int | np.random.Generator = 0) -> LocalSlopes:
    """Local slopes ``log2(C(2K) / C(K))`` of the mean cumulative regret ``C`` of ``cumulative[seed, k]``, for
    ``n_points`` window starts ``K`` log-spaced in ``[K_min, K_max / 2]``, each with :func:`bootstrap_slope`'s
    percentile CI over seeds. A learner in its burn-in has local slope ~1 (linear regret); the K at which it falls
    below a threshold is :meth:`LocalSlopes.burn_in`."""
    cumulative = check_real_array(cumulative, "cumulative").astype(np.float64)
    if cumulative.ndim != 2 or cumulative.shape[1] < 2 * K_min:
        raise ValueError(f"cumulative must be (n_seeds, K) with K >= 2 K_min = {2 * K_min}, got shape "
                         f"{cumulative.shape}")
    check_int(K_min, "K_min")
    check_int(n_points, "n_points")
    starts = np.unique(np.geomspace(K_min, cumulative.shape[1] // 2, n_points).astype(int))
    rng = as_generator(seed)
    fits = np.full((len(starts), 3), np.nan)
    for j, k in enumerate(starts):
        if cumulative[:, k - 1].mean() > 0:
            fits[j] = bootstrap_slope(np.array([k, 2 * k]), cumulative[:, [k - 1, 2 * k - 1]], n_boot=n_boot,
                                      level=level, seed=rng)
    return LocalSlopes(starts, *fits.T)
