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


def tiger(accuracy=0.85):
    """Tiger (Kaelbling, Littman & Cassandra 1998), built independently of ``tabular.tiger`` for the solvers' tests:
    states (tiger left, tiger right), actions (listen, open left, open right), observations (hear left, hear right).
    Listen -1, correct with probability ``accuracy``; the treasure door +10, the tiger door -100; opening resets the
    tiger uniformly and its observation is uniform. Returns ``(P[s, a, s'], O[a, s', o], R[s, a])``."""
    P = np.zeros((2, 3, 2))
    P[:, 0, :] = np.eye(2)
    P[:, 1:, :] = 0.5
    O = np.full((3, 2, 2), 0.5)
    O[0] = [[accuracy, 1 - accuracy], [1 - accuracy, accuracy]]
    R = np.array([[-1.0, -100.0, 10.0], [-1.0, 10.0, -100.0]])
    return P, O, R


#: Tiger in Cassandra's ``.pomdp`` format (names, row and matrix forms, ``identity``/``uniform``, wildcards).
TIGER_POMDP = """\
# The tiger problem (Kaelbling, Littman & Cassandra 1998)
discount: 0.95
values: reward
states: tiger-left tiger-right
actions: listen open-left open-right
observations: tiger-left tiger-right
start: uniform

T: listen
identity
T: open-left
uniform
T: open-right uniform

O: listen
0.85 0.15
0.15 0.85
O: open-left uniform
O: open-right uniform

R: listen : * : * : * -1
R: open-left : tiger-left : * : * -100
R: open-left : tiger-right : * : * 10
R: open-right : tiger-left : * : * 10
R: open-right : tiger-right : * : * -100
"""


@st.composite
def discounted_pomdps(draw, max_S=3, max_A=2, max_obs=2):
    """(P, O, R, gamma): O[a, s', o] or O[s', o], rewards in [-1, 1] or on a coarse grid (ties), gamma in (0, 1)."""
    S, A, n_obs = (draw(st.integers(1, m)) for m in (max_S, max_A, max_obs))
    gamma = draw(st.sampled_from([0.3, 0.6]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    P = rng.dirichlet(np.full(S, 0.7), size=(S, A))
    O = rng.dirichlet(np.full(n_obs, 0.7), size=(A, S) if draw(st.booleans()) else (S,))
    R = rng.integers(-2, 3, size=(S, A)) / 2.0 if draw(st.booleans()) else rng.uniform(-1, 1, (S, A))
    return P, O, R, gamma
