import os

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# Under CI property tests draw fewer examples; none is skipped.
settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@st.composite
def mdps(draw, max_S=30, max_A=5, max_gamma=0.99, sparse_rows=False):
    """(P[s, a, s'], R[s, a], gamma): Dirichlet rows (optionally with zeros), rewards in [0, 1]."""
    S = draw(st.integers(1, max_S))
    A = draw(st.integers(1, max_A))
    gamma = draw(st.floats(0.0, max_gamma))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    alpha = draw(st.sampled_from([0.1, 1.0]))
    P = rng.dirichlet(np.full(S, alpha), size=(S, A))
    if sparse_rows:
        P *= rng.random((S, A, S)) < 0.3
        P[..., 0] += P.sum(-1) == 0
        P /= P.sum(-1, keepdims=True)
    R = rng.random((S, A))
    return P, R, gamma


@st.composite
def episodic(draw, max_S=6, max_A=3, max_H=8, inhomogeneous=None):
    S = draw(st.integers(1, max_S))
    A = draw(st.integers(1, max_A))
    H = draw(st.integers(1, max_H))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inh = draw(st.booleans()) if inhomogeneous is None else inhomogeneous
    P = rng.dirichlet(np.full(S, 0.5), size=((H,) if inh else ()) + (S, A))
    R = rng.random(((H,) if inh else ()) + (S, A))
    return P, R, H
