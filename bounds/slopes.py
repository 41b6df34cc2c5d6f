"""Log-log slope of cumulative regret against K, with a bootstrap confidence interval over seeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from boundlab.tabular.instances import as_generator


@dataclass(frozen=True)
class Slope:
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
                    seed=0) -> tuple[float, float, float]:
    """Least-squares slope of ``log(mean of rows)`` vs ``log K`` for ``rows[i, j]`` = run ``i``'s value at
    ``K[j]``, with a percentile bootstrap ``level`` CI resampling the runs. Returns ``(slope, low, high)``."""
    rows = np.atleast_2d(rows)
    logK, n = np.log(np.asarray(K, dtype=np.float64)), rows.shape[0]
    rng = as_generator(seed)
    boots = [_fit(logK, rows[rng.integers(0, n, n)].mean(axis=0)) for _ in range(n_boot)]
    alpha = (1 - level) / 2
    return _fit(logK, rows.mean(axis=0)), float(np.quantile(boots, alpha)), float(np.quantile(boots, 1 - alpha))


def loglog_slope(cumulative: np.ndarray, burn_in: int, *, n_points: int = 20, n_boot: int = 500,
                 level: float = 0.95, seed=0) -> Slope:
    """Least-squares slope of ``log(mean cumulative regret)`` vs ``log K`` over ``K >= burn_in`` (``n_points``
    log-spaced K), with a percentile bootstrap CI resampling seeds. If the mean cumulative regret is still 0 at the
    burn-in, a power law cannot be fitted and the slope and CI are NaN."""
    cumulative = np.atleast_2d(cumulative)
    K = cumulative.shape[1]
    if not 1 <= burn_in < K:
        raise ValueError(f"burn_in must lie in [1, K) = [1, {K}), got {burn_in}")
    idx = np.unique(np.geomspace(burn_in, K, n_points).astype(int)) - 1
    if cumulative[:, idx[0]].mean() <= 0:
        return Slope(float("nan"), float("nan"), float("nan"), burn_in)
    slope, low, high = bootstrap_slope(idx + 1, cumulative[:, idx], n_boot=n_boot, level=level, seed=seed)
    return Slope(slope, low, high, burn_in)
