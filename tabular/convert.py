"""Conversion from pymdptoolbox's layout."""

from __future__ import annotations

import numpy as np

from .models import FiniteMDP


def from_mdptoolbox(P, R, gamma: float, initial=None) -> FiniteMDP:
    """A :class:`FiniteMDP` from pymdptoolbox arrays: ``P[a, s, s']`` (array or list of ``A`` matrices, dense or
    sparse) and ``R`` as ``R[s]``, ``R[s, a]`` or ``R[a, s, s']`` (expected over ``s'``), as in ``mdptoolbox.mdp``."""
    mats = [np.asarray(m.toarray() if hasattr(m, "toarray") else m, dtype=np.float64) for m in P]
    P_sas = np.stack(mats, axis=1)  # (S, A, S)
    S, A = P_sas.shape[0], P_sas.shape[1]
    if hasattr(R, "toarray") or (isinstance(R, (list, tuple)) and len(R) == A):
        R = np.stack([np.asarray(r.toarray() if hasattr(r, "toarray") else r, dtype=np.float64) for r in R])
    R = np.asarray(R, dtype=np.float64)
    if R.shape == (S,):
        R_sa = np.repeat(R[:, None], A, axis=1)
    elif R.shape == (S, A):
        R_sa = R
    elif R.shape == (A, S, S):
        R_sa = np.einsum("ast,sat->sa", R, P_sas)
    else:
        raise ValueError(f"R must have shape (S,), (S, A) or (A, S, S) with S={S}, A={A}; got {R.shape}")
    lo, hi = float(min(R_sa.min(), 0.0)), float(max(R_sa.max(), 1.0))
    return FiniteMDP(P_sas, R_sa, gamma, initial, reward_range=(lo, hi), name="mdptoolbox")
