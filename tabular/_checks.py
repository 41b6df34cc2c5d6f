"""Argument checks shared by the models, the simulator and the learners: a wrong type is a ``TypeError``, a value
out of range a ``ValueError``, each naming the argument; nothing is coerced (2.5 is no integer, "0.9" no number,
True no count), numpy scalars are accepted."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundlab.solvers import validation

#: What every random function takes: an int seed, a numpy ``Generator``, or ``None`` (fresh entropy).
Seed = int | np.integer | np.random.Generator | None
#: A ``(low, high)`` pair of reals.
RewardRange = tuple[float, float]


def plain(value: Any) -> str:
    """``repr(value)`` with numpy scalars (also inside a tuple or list) written as the Python numbers they hold:
    ``0.5``, not ``np.float64(0.5)``; strings keep their quotes, so ``'0.9'`` reads as a string."""
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, (tuple, list)):
        inner = ", ".join(plain(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


def check_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """``value`` as a Python int ``>= minimum``; floats (even 2.0), bools and strings are refused, numpy integers
    accepted (the type check is the solvers' :func:`~boundlab.solvers.validation.check_int`)."""
    return validation.check_int(value, name, minimum)


def check_real(value: Any, name: str, *, low: float = -np.inf, high: float = np.inf, low_open: bool = False,
               high_open: bool = False) -> float:
    """``value`` as a finite float in the interval from ``low`` to ``high`` (open ends where said); bools, strings
    and complex numbers are refused, numpy scalars accepted (the type check is the solvers' ``check_real``)."""
    x = validation.check_real(value, name)
    inside = (low < x if low_open else low <= x) and (x < high if high_open else x <= high)
    if not np.isfinite(x) or not inside:
        left = "(" if low_open or low == -np.inf else "["
        right = ")" if high_open or high == np.inf else "]"
        raise ValueError(f"{name} must be a finite number in {left}{low:g}, {high:g}{right}, got {plain(value)}")
    return x


def check_flag(value: Any, name: str) -> bool:
    """``value`` as a bool; only ``True``/``False`` (and numpy bools) are accepted, not 0/1 or strings."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {plain(value)}")
    return bool(value)


def check_reward_range(reward_range: Any, name: str = "reward_range", *, strict: bool = False) -> tuple[float, float]:
    """``(low, high)``: two finite real numbers with ``low <= high`` (``low < high`` if ``strict``)."""
    if isinstance(reward_range, (str, bytes)) or not hasattr(reward_range, "__len__") or len(reward_range) != 2:
        raise TypeError(f"{name} must be a pair (low, high), got {plain(reward_range)}")
    lo, hi = (check_real(v, f"{name}[{i}]") for i, v in enumerate(reward_range))
    if not (lo < hi if strict else lo <= hi):
        raise ValueError(f"{name} must have low {'<' if strict else '<='} high, got ({lo}, {hi})")
    return lo, hi
