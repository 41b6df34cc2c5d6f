"""Cumulative regret vs K with across-seed confidence bands, bounds overlaid."""

from __future__ import annotations

from pathlib import Path

import numpy as np

BOUND_RANGE = 10.0  # a bound that stays above this many times the curves' top is written as a note, not drawn
MAX_POINTS = 800  # points drawn per curve: beyond this a curve is thinned (geometric grid on log axes)


def plot_points(n: int, loglog: bool) -> np.ndarray:
    """Indices of the ``n`` points of a curve that are drawn: all of them up to ``MAX_POINTS``, else a grid that is
    uniform on the plot's x-axis (geometric on a log axis), always including the first and last."""
    if n <= MAX_POINTS:
        return np.arange(n)
    grid = np.geomspace(1, n, MAX_POINTS) if loglog else np.linspace(1, n, MAX_POINTS)
    return np.unique(np.rint(grid).astype(np.int64)) - 1


def plot_regret(curves: dict[str, np.ndarray], *, bounds: dict[str, np.ndarray] | None = None,
                K: np.ndarray | None = None, loglog: bool = False, title: str = "", path: str | Path | None = None,
                level: float = 0.95):
    """Plot mean cumulative regret with a normal-approximation ``level`` band across seeds for each
    ``name -> (n_seeds, K)`` array, and each ``name -> (K,)`` bound curve dashed (a bound that stays above
    ``BOUND_RANGE`` times the curves' top is written as a note with its range instead: drawn, it would flatten
    the curves on the axis it sets). Saves ``path`` as PNG and SVG
    when given; returns the figure."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    z = stats.norm.ppf(0.5 + level / 2)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    top = 0.0  # the largest upper band end: a bound far above it would flatten the curves and becomes a note
    notes = []
    positive = False  # a log axis needs at least one positive value to scale on
    for i, (name, cum) in enumerate(curves.items()):
        cum = np.atleast_2d(cum)
        k = np.arange(1, cum.shape[1] + 1) if K is None else np.asarray(K)
        idx = plot_points(cum.shape[1], loglog)
        cum, k = cum[:, idx], k[idx]
        mean = cum.mean(axis=0)
        half = z * cum.std(axis=0, ddof=1) / np.sqrt(cum.shape[0]) if cum.shape[0] > 1 else 0 * mean
        low, high = mean - half, mean + half
        if loglog:  # a log axis cannot show zero regret: leave those points out instead of clipping them
            mean, low, high = (np.where(x > 0, x, np.nan) for x in (mean, low, high))
            if np.all(np.isnan(mean)):
                name += " (zero regret)"
            positive |= not np.all(np.isnan(mean))
        color = _color(i, len(curves))
        ax.plot(k, mean, color=color, label=name)
        ax.fill_between(k, low, high, color=color, alpha=0.2)
        top = max(top, float(np.nanmax(high, initial=0.0)))
    for j, (name, curve) in enumerate((bounds or {}).items()):
        k = np.arange(1, len(curve) + 1) if K is None else np.asarray(K)
        if top > 0 and np.nanmin(curve) > BOUND_RANGE * top:
            notes.append(f"{name}: {np.nanmin(curve):.3g} to {np.nanmax(curve):.3g}, above the plot (not drawn)")
            continue
        idx = plot_points(len(curve), loglog)
        color = "k" if len(curves) >= 10 else f"C{len(curves) + j}"
        ax.plot(k[idx], np.asarray(curve)[idx], "--", color=color, label=name)
        positive |= bool(np.any(np.asarray(curve) > 0))
    if loglog and not positive:
        title += " (all zero: linear axes)"
    elif loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set(xlabel="episodes K", ylabel="cumulative regret", title=title)
    if notes:
        ax.text(0.01, 0.99, "\n".join(notes), transform=ax.transAxes, va="top", fontsize=7,
                bbox=dict(facecolor="white", alpha=0.8, edgecolor="0.7"))
    ax.legend(fontsize=7, loc="lower right", ncol=2 if len(curves) > 8 else 1)
    fig.tight_layout()
    _save(fig, path)
    return fig


def plot_local_slopes(local: dict, *, title: str = "", path: str | Path | None = None,
                      thresholds: tuple[float, ...] = (0.9, 0.6)):
    """Local log-log slope over ``[K, 2K]`` vs ``K`` with its bootstrap CI band, one line per ``name ->``
    :class:`bounds.slopes.LocalSlopes`; dotted lines at 1 (linear regret), 0.5 (sqrt(K)) and the burn-in
    ``thresholds``. Saves ``path`` as PNG and SVG when given; returns the figure."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (name, ls) in enumerate(local.items()):
        color = _color(i, len(local))
        ax.plot(ls.K, ls.slope, "o-", ms=3, color=color, label=name)
        ax.fill_between(ls.K, ls.low, ls.high, color=color, alpha=0.15)
    for y, color in [(1.0, "k"), (0.5, "k")] + [(t, "r") for t in thresholds]:
        ax.axhline(y, ls=":", color=color, lw=0.8)
    ax.set_xscale("log")
    ax.set(xlabel="window start K (slope of log regret over [K, 2K])", ylabel="local slope", title=title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    _save(fig, path)
    return fig


def _color(i: int, n: int):
    """Matplotlib's default cycle for up to 10 lines, tab20 beyond (distinct colours for up to 20)."""
    import matplotlib

    return f"C{i}" if n <= 10 else matplotlib.colormaps["tab20"](i % 20)


def _save(fig, path) -> None:
    if path is not None:
        import matplotlib.pyplot as plt

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for ext in ("png", "svg"):
            fig.savefig(path.with_suffix(f".{ext}"))
        plt.close(fig)
