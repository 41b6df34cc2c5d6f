"""SplitMix64 (Steele, Lea & Flood 2014) for Numba kernels: a counter-based 64-bit generator, one add and two
multiply-xorshifts per draw, passing BigCrush. The state is a plain ``uint64`` threaded through the kernel, so
streams are reproducible and independent of Numba's global generator. It lives in ``solvers`` (the lowest layer) so
that the solvers' kernels (POMCP) and ``tabular``'s simulators and learners share one generator."""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True, nogil=True)
def next_uniform(state):
    """Advance ``state`` and return ``(state, u)`` with ``u`` uniform on [0, 1) (53 random bits)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return state, (z >> _S11) * _TO_UNIT
