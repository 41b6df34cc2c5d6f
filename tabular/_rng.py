"""SplitMix64 (Steele, Lea & Flood 2014) for Numba kernels: a counter-based 64-bit generator, one add and two
multiply-xorshifts per draw, passing BigCrush. The state is a plain ``uint64`` threaded through the kernel, so
streams are reproducible and independent of Numba's global generator."""

import numpy as np
from numba import njit

from boundlab.solvers._rng import next_uniform  # the one SplitMix64 step, shared with the solvers' kernels

__all__ = ["next_gamma", "next_normal", "next_uniform"]


@njit(inline="always")
def next_normal(state):
    """Standard normal by Box-Muller (one of the pair): returns ``(state, z)``."""
    state, u1 = next_uniform(state)
    state, u2 = next_uniform(state)
    return state, np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True, nogil=True)
def next_gamma(state, shape):
    """Gamma(shape, 1) by Marsaglia & Tsang (2000); shapes below 1 use ``G(shape + 1) U^(1/shape)``."""
    boost = 1.0
    if shape < 1.0:
        state, u = next_uniform(state)
        boost = (1.0 - u) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        state, z = next_normal(state)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        state, u = next_uniform(state)
        if np.log(1.0 - u) < 0.5 * z * z + d - d * v + d * np.log(v):
            return state, d * v * boost
