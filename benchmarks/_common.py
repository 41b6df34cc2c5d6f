"""Shared helpers for the benchmarks: timing and the markdown table they print."""

from __future__ import annotations

import os
import platform
import time
from datetime import date


def timed(fn, *args, repeat: int = 1, **kwargs):
    """Run ``fn`` ``repeat`` times; return ``(best seconds, last result)``."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, out


def header(title: str) -> None:
    print(f"## {title}\n\n{date.today()} - {os.cpu_count()} cores - {platform.processor() or platform.machine()}\n")


def table(rows: list[dict]) -> None:
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(f"{r[c]:.3g}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")
    print()
