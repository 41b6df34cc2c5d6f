"""Models accept every layout of P the solvers accept (dense, sparse (S*A, S) with rows s*A + a, a per-action list)
and float32 input, and refuse wrong types (complex, strings, H = 2.5) with a message naming the argument."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import bounds, solvers, tabular
from conftest import mdps


@given(mdps(max_S=6, max_A=3, sparse_rows=True), st.sampled_from(["csr", "csc", "coo"]), st.integers(1, 5))
def test_sparse_and_per_action_layouts_give_the_dense_model(mdp, fmt, H):
    P, R, gamma = mdp
    S, A = R.shape
    dense = tabular.FiniteMDP(P, R, gamma)
    rows = sp.csr_matrix(P.reshape(S * A, S)).asformat(fmt)  # row s*A + a
    per_action = [sp.csr_matrix(P[:, a, :]).asformat(fmt) for a in range(A)]  # P[a][s, s'], pymdptoolbox
    for layout in (rows, per_action, [P[:, a, :] for a in range(A)]):
        assert np.array_equal(tabular.FiniteMDP(layout, R, gamma).P, dense.P)
        assert np.array_equal(tabular.EpisodicMDP(layout, R, H).P, dense.P)
        assert tabular.EpisodicMDP(layout, R, H).P.dtype == np.float64


def test_sparse_rows_validated_by_state_and_action():
    P = np.full((3, 2, 3), 1 / 3)
    P[2, 1] = [0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="P row at state 2, action 1 sums to"):
        tabular.FiniteMDP(sp.csr_matrix(P.reshape(6, 3)), np.zeros((3, 2)), 0.9)
    with pytest.raises(ValueError, match=r"sparse P must have shape \(S\*A, S\)"):
        tabular.EpisodicMDP(sp.csr_matrix(np.eye(3)), np.zeros((3, 2)), 2)


def test_float32_transitions_accepted():
    """A float32 Dirichlet model normalised in float32: its rows miss 1 by float32 rounding, which is accepted
    (the tolerance scales with the dtype) and the stored model is float64."""
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(40), size=(40, 3)).astype(np.float32)
    P /= P.sum(-1, keepdims=True)
    assert np.abs(P.astype(np.float64).sum(-1) - 1).max() > 1e-8  # would fail a float64 tolerance
    m = tabular.EpisodicMDP(P, np.zeros((40, 3), dtype=np.float32), 3,
                            initial=np.full(40, 1 / 40, dtype=np.float32))
    assert m.P.dtype == m.R.dtype == m.initial.dtype == np.float64
    # renormalised in float64: within float32 resolution of the input, rows summing to 1 in float64
    assert np.abs(m.P - P).max() <= 40 * np.finfo(np.float32).eps
    assert np.abs(m.P.sum(-1) - 1).max() <= 1e-14 and abs(m.initial.sum() - 1) <= 1e-14


def _max_row_l1(dP):
    return np.abs(dP).sum(-1).max()


@pytest.mark.parametrize("layered", [False, True])
def test_float32_model_round_trips_through_the_solvers_and_measure_regret(layered):
    """A model built from float32 arrays is renormalised in float64, so its own arrays pass the solvers' float64
    checks; its values differ from the float64 model's by at most what the float32 rounding of P can move them
    (simulation lemma: |V - V'| <= gamma / (1 - gamma) ||P - P'||_1 max|V|, finite horizon: sum over steps)."""
    rng = np.random.default_rng(3)
    S, A, H, gamma = 30, 3, 6, 0.9
    shape = (H, S, A) if layered else (S, A)
    P64 = rng.dirichlet(np.ones(S), size=shape)
    R = rng.random(shape)
    P32 = P64.astype(np.float32)
    P32 /= P32.sum(-1, keepdims=True)
    init32 = rng.dirichlet(np.ones(S)).astype(np.float32)
    m32, m64 = tabular.EpisodicMDP(P32, R, H, init32), tabular.EpisodicMDP(P64, R, H, init32.astype(np.float64))
    dP = _max_row_l1(m32.P - m64.P)
    assert 0 < dP <= S * np.finfo(np.float32).eps  # float32 resolution
    V32, V64 = (solvers.backward_induction(m.P, m.R, H).V for m in (m32, m64))
    assert np.abs(V32 - V64).max() <= H * H * dP + 1e-12
    regret32, regret64 = (bounds.measure_regret("greedy", m, 8, [0, 1], progress=False) for m in (m32, m64))
    assert np.array_equal(regret32["return"], regret64["return"])  # same draws: P moved by float32 rounding only
    np.testing.assert_allclose(regret32["regret"], regret64["regret"], rtol=0, atol=2 * H * H * dP + 1e-12)
    if not layered:
        f32, f64 = tabular.FiniteMDP(P32, R, gamma, init32), tabular.FiniteMDP(P64, R, gamma)
        W32, W64 = (solvers.value_iteration(m.P, m.R, gamma, tol=1e-10).V for m in (f32, f64))
        assert np.abs(W32 - W64).max() <= gamma / (1 - gamma) * dP * np.abs(W64).max() + 1e-10


@pytest.mark.parametrize("make, exc, match", [
    (lambda P, R: tabular.FiniteMDP(P.astype(complex), R, 0.9), TypeError, "P must hold real numbers"),
    (lambda P, R: tabular.EpisodicMDP(P.astype(complex), R, 3), TypeError, "P must hold real numbers"),
    (lambda P, R: tabular.FiniteMDP(P, R + 0j, 0.9), TypeError, "R must hold real numbers"),
    (lambda P, R: tabular.EpisodicMDP(P, R.astype(str), 3), TypeError, "R must hold real numbers"),
    (lambda P, R: tabular.EpisodicMDP(P, R, 3, initial=np.array([1, 0j])), TypeError, "initial"),
    (lambda P, R: tabular.EpisodicMDP(P, R, 2.5), TypeError, "H must be an integer"),
    (lambda P, R: tabular.EpisodicMDP(P, R, 3.0), TypeError, "H must be an integer"),
    (lambda P, R: tabular.EpisodicMDP(P, R, True), TypeError, "H must be an integer"),
    (lambda P, R: tabular.EpisodicMDP(P, R, "3"), TypeError, "H must be an integer"),
    (lambda P, R: tabular.FiniteMDP(P, R, 0.9, reward_range=("0", 1)), TypeError, "reward_range"),
    (lambda P, R: tabular.FiniteMDP(P, R, 0.9, reward_range=1.0), TypeError, "reward_range"),
    (lambda P, R: tabular.FiniteMDP(P, R, 0.9, reward_range=(1.0, 0.0)), ValueError, "reward_range"),
    (lambda P, R: tabular.FiniteMDP(P, R, 0.9, initial=[0.5, 0.6]), ValueError, "initial"),
    (lambda P, R: tabular.FiniteMDP(P, R[..., None], 0.9), ValueError, "R must"),
])
def test_bad_types_named(make, exc, match):
    P = np.full((2, 2, 2), 0.5)
    R = np.array([[0.0, 1.0], [0.5, 0.25]])
    with pytest.raises(exc, match=match):
        make(P, R)


def test_stacked_per_action_matrices_are_a_different_model():
    """The documented trap: vstacking pymdptoolbox's per-action matrices gives rows a*S + s, a valid (S*A, S) matrix
    of a different MDP; the per-action list gives the intended one."""
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(3), size=(3, 2))
    per_action = [sp.csr_matrix(P[:, a]) for a in range(2)]
    R = rng.random((3, 2))
    assert np.array_equal(tabular.FiniteMDP(per_action, R, 0.9).P, P)
    assert not np.array_equal(tabular.FiniteMDP(sp.vstack(per_action), R, 0.9).P, P)


@pytest.mark.parametrize("P, R, match", [
    (np.full((3, 2, 3), 1 / 3), np.zeros((3, 3)), r"R has shape \(3, 3\) \(S = 3 states, A = 3 actions\) but P has "
                                                  r"shape \(3, 2, 3\) \(S = 3, A = 2\)"),
    (sp.csr_matrix(np.full((6, 3), 1 / 3)), np.zeros((3, 1)), r"R has shape \(3, 1\) .* P has shape \(6, 3\) "
                                                                r"\(S = 3, A = 2\)"),
    (np.full((3, 2, 3), 1 / 3), np.zeros((4, 2)), r"R has shape \(4, 2\) .* P has shape \(3, 2, 3\)"),
])
def test_R_not_matching_P_is_reported_as_R_against_P(P, R, match):
    """An R with the wrong number of actions (or states) is named as such, with both shapes, not as a wrong P."""
    with pytest.raises(ValueError, match=match):
        tabular.FiniteMDP(P, R, 0.9)
    with pytest.raises(ValueError, match=match):
        tabular.EpisodicMDP(P, R, 2)


@pytest.mark.parametrize("make, exc, match", [
    (lambda: tabular.FiniteMDP(np.full((2, 1, 2), 0.5), np.zeros((2, 1)), 0.9, initial=np.array([0.5, 0.6])),
     ValueError, r"got sum 1.1, min 0.5$"),
    (lambda: tabular.FiniteMDP(np.full((2, 1, 2), 0.5), np.zeros((2, 1)), 0.9, reward_range=(np.float64(0), "1")),
     TypeError, r"reward_range\[1\] must be a real number, got str '1'$"),
    (lambda: tabular.FiniteMDP(np.full((2, 1, 2), 0.5), np.zeros((2, 1)), 0.9,
                               reward_range=(np.float64(0), np.float64(1), np.float64(2))),
     TypeError, r"reward_range must be a pair \(low, high\), got \(0.0, 1.0, 2.0\)$"),
    (lambda: tabular.garnet(seed=np.float64(1.5)), TypeError, r"got float64 1.5$"),
    (lambda: tabular.minimax_hard_instance(optimal=(np.int64(50), np.int64(0), np.int64(0))), ValueError,
     r"optimal \(h\*, l\*, a\*\) = \(50, 0, 0\) out of range"),
])
def test_numbers_in_messages_written_plainly(make, exc, match):
    """Messages show numpy scalars as the numbers they hold (no np.float64(...) reprs); strings keep quotes."""
    with pytest.raises(exc, match=match) as info:
        make()
    assert "np." not in str(info.value)


def test_sparse_P_too_large_to_densify_refused_before_allocating():
    """A sparse P whose dense (S, A, S) form exceeds 2 GiB (S = 20000, A = 1: 3.0 GiB) is refused with a ValueError
    naming P and the size and pointing to the solvers, which take it as it is, instead of a bare MemoryError."""
    S = 20_000
    P, R = sp.identity(S, format="csr"), np.zeros((S, 1))
    for make in (lambda P: tabular.FiniteMDP(P, R, 0.9), lambda P: tabular.EpisodicMDP(P, R, 3)):
        with pytest.raises(ValueError, match=r"^P is sparse, and a model stores it dense: S\*A\*S\*8 = 3\.0 GiB for "
                                             r"S = 20000, A = 1, above the 2 GiB limit.*solvers"):
            make(P)
        with pytest.raises(ValueError, match=r"3\.0 GiB"):
            make([P])  # a per-action list of sparse matrices too
    assert solvers.value_iteration(P, R, 0.9).V.shape == (S,)  # what the message points to works on it
    small = tabular.FiniteMDP(sp.identity(300, format="csr"), np.zeros((300, 1)), 0.9)  # below the limit: dense
    assert np.array_equal(small.P[:, 0], np.eye(300))


def test_float32_linear_features_refused_with_the_dtype_named():
    """<phi, mu> built from float32 arrays misses float64's row-sum tolerance: the error says which arrays and why."""
    m = tabular.random_linear_mdp(S=4, A=2, d=4, H=3, seed=0)
    with pytest.raises(ValueError, match=r"phi and mu came in float32.*build phi and mu in float64"):
        tabular.LinearMDP(m.phi.astype(np.float32), m.mu.astype(np.float32), m.theta, 3)
    assert tabular.LinearMDP(m.phi, m.mu, m.theta, 3).d == 4
