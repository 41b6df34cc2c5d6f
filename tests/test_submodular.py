"""Set-function rewards of Submodular RL (tabular/submodular.py): each against its plain definition, each checked
submodular by brute force, the incremental Cholesky against a direct logdet, telescoping, bad input."""

import jax.numpy as jnp
import numpy as np
import pytest

from boundlab.tabular import submodular as sub
from boundlab.tabular.submodular import (
    GPInformation,
    ItemCollection,
    UserSetFunction,
    WeightedCoverage,
    check_submodular,
    curvature,
    gp_kernel,
    gp_sample,
    grid_footprint,
    marginal_gains,
    random_items,
)
from boundlab.tabular.submodular_envs import make_domain


def _grid_coords(rows, cols, step=1.0):
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([r, c], 1) * step


def _functions(seed):
    rng = np.random.default_rng(seed)
    return [
        WeightedCoverage(grid_footprint(3, 4), gp_sample(3, 4, seed)),
        WeightedCoverage(rng.random((12, 7)) < 0.3, rng.random(7)),
        random_items(12, [3, 4], [2, 1], seed),
        GPInformation(gp_kernel(_grid_coords(3, 4, 0.5), 1.0, kind="rbf"), noise=0.1),
        GPInformation(gp_kernel(_grid_coords(3, 4, 0.3), 1.0), noise=1e-2),
    ]


def test_coverage_is_its_definition():
    fp = grid_footprint(3, 3)
    # the paper's footprint: cell, right, down, down-right (clipped at the border)
    assert set(np.flatnonzero(fp[0])) == {0, 1, 3, 4}
    assert set(np.flatnonzero(fp[8])) == {8}
    w = np.arange(9.0)
    F = WeightedCoverage(fp, w)
    assert F([0]) == 0 + 1 + 3 + 4
    assert F([0, 4]) == sum({0, 1, 3, 4, 5, 7, 8})
    assert F([]) == 0.0
    walls = np.zeros((3, 3), bool)
    walls[0, 1] = True
    fpw = grid_footprint(3, 3, walls=walls)
    assert not fpw[:, 1].any() and not fpw[1].any()


def test_items_are_their_definition():
    items = np.array([[1, 0], [1, 0], [0, 1], [2, 0]])
    F = ItemCollection(items, np.array([2, 1]))
    assert F([0]) == 1 and F([0, 1]) == 2 and F([0, 1, 3]) == 2 and F([2, 3]) == 3
    paper = random_items(105, [18, 14, 13, 16, 18, 14], [3, 2, 3, 4, 6, 3], seed=3)
    assert paper.items.sum() == 93 and paper.items.sum(axis=1).max() == 1
    assert paper(range(105)) == 21


def test_gp_information_is_its_definition():
    K = gp_kernel(_grid_coords(2, 3), 1.5)
    F = GPInformation(K, noise=0.5)
    A = [0, 4, 5]
    direct = 0.5 * np.log(np.linalg.det(np.eye(3) + K[np.ix_(A, A)] / 0.5))
    assert F(A) == pytest.approx(direct, rel=1e-12)
    assert F([0, 0, 4, 5, 4]) == F(A)        # a set function: a revisit adds nothing


@pytest.mark.parametrize("seed", [0, 1])
def test_each_function_is_submodular(seed):
    for F in _functions(seed):
        res = check_submodular(F, range(F.n))
        assert res.ok, (type(F).__name__, res)
        V = frozenset(range(F.n))                           # the unclipped definition, which submodularity bounds
        raw = 1.0 - min((F(V) - F(V - {v})) / F([v]) for v in V if F([v]) > 0)
        assert -1e-9 <= raw <= 1.0 + 1e-9, (type(F).__name__, raw)
        assert curvature(F, range(F.n)) == pytest.approx(min(max(raw, 0.0), 1.0), abs=1e-12)


def test_check_submodular_finds_violations():
    sq = check_submodular(lambda A: float(len(A)) ** 2, range(4))   # supermodular
    assert not sq.ok and sq.diminishing and not sq.monotone
    A, v, B, amount = sq.diminishing[0]
    assert set(A) < set(B) and v not in B and amount < 0
    f = lambda A: len(A) - 2.0 * (3 in A)                            # noqa: E731  not monotone
    res = check_submodular(f, range(4))
    assert not res.ok and res.monotone and all(v == 3 for _, v, _, _ in res.monotone)
    shifted = check_submodular(lambda A: len(A) + 1.0, range(3))
    assert not shifted.ok and shifted.empty_value == 1.0 and not shifted.monotone and not shifted.diminishing


def test_curvature_values():
    assert curvature(lambda A: float(len(A)), range(5)) == pytest.approx(0.0)    # modular
    assert curvature(lambda A: float(bool(A)), range(5)) == pytest.approx(1.0)   # one element suffices
    sqrt = lambda A: np.sqrt(len(A))                                           # noqa: E731
    assert curvature(sqrt, range(4)) == pytest.approx(1 - (2 - np.sqrt(3)))


def test_curvature_refuses_what_reveals_a_non_submodular_function():
    decreasing = lambda A: len(A) - 3.0 * (3 in A and len(A) == 4)                # noqa: E731  F(V) = 1 < F(V - v) = 3
    with pytest.raises(ValueError, match=r"not monotone submodular: raw curvature 3 .*v = 0 .* = -2 < 0: F decreases"):
        curvature(decreasing, range(4))
    with pytest.raises(ValueError, match=r"raw curvature -6 .* = 7 > 1: the last gain exceeds"):
        curvature(lambda A: float(len(A)) ** 2, range(4))                          # supermodular: gains grow
    assert curvature(lambda A: float(len(A)) * (1 + 1e-12 * (len(A) == 3)), range(3)) == 0.0  # rounding: clipped
    with pytest.raises(ValueError, match="atol"):
        curvature(lambda A: float(len(A)), range(3), atol=-1.0)


@pytest.mark.parametrize("bad, exc", [(2.5, TypeError), (0, ValueError), (-1, ValueError), ("3", TypeError)])
def test_check_submodular_refuses_bad_max_violations(bad, exc):
    with pytest.raises(exc, match="max_violations"):
        check_submodular(lambda A: float(len(A)), range(3), max_violations=bad)


def test_check_submodular_caps_each_list_at_max_violations():
    sq = lambda A: float(len(A)) ** 2                                              # noqa: E731  supermodular
    assert len(check_submodular(sq, range(5)).diminishing) == 10
    assert len(check_submodular(sq, range(5), max_violations=3).diminishing) == 3
    assert len(check_submodular(sq, range(5), max_violations=1000).diminishing) == 5 * 4 // 2 * 2 ** 3


def test_gp_incremental_cholesky_matches_direct_logdet():
    rng = np.random.default_rng(7)
    F = GPInformation(gp_kernel(_grid_coords(5, 5, 0.2), 1.0), noise=1e-2)
    S = rng.integers(0, 25, size=(6, 12))
    S[0, 5:] = S[0, :7]                                                 # revisits
    pv = np.asarray(F.prefix_values(jnp.asarray(S)))
    ref = np.array([[0.5 * np.linalg.slogdet(np.eye(len(u)) + F.kernel[np.ix_(u, u)] / F.noise)[1]
                     for u in (np.unique(row[: t + 1]) for t in range(12))] for row in S])
    np.testing.assert_allclose(pv, ref, rtol=2e-5, atol=2e-5)          # float32 JAX vs float64 slogdet


@pytest.mark.parametrize("seed, T", [(0, 1), (1, 6), (2, 9)])
def test_prefix_values_and_telescoping(seed, T):
    rng = np.random.default_rng(seed)
    S = rng.integers(0, 12, size=(3, T))
    for F in _functions(seed % 3) + [UserSetFunction(lambda A: float(np.sqrt(sum(A) + len(A))), 12)]:
        ref = np.array([[F(row[: t + 1]) for t in range(T)] for row in S])
        np.testing.assert_allclose(np.asarray(F.prefix_values(jnp.asarray(S))), ref, rtol=1e-5, atol=1e-4)
        gains = np.asarray(F.gains(jnp.asarray(S)))
        np.testing.assert_allclose(gains.sum(-1), ref[:, -1], rtol=1e-5, atol=1e-4)
        g = marginal_gains(F, S[0])
        assert g.sum() == pytest.approx(F(S[0]), rel=1e-12, abs=1e-12)
        assert np.all(g >= -1e-12)                                       # monotone: no negative gain


def test_density_map_is_its_generator_output():
    """The shipped map is exactly what its header says: gaussian_bumps(**DENSITY_CALL), rounded to 6 decimals."""
    header = sub._DENSITY.read_text().splitlines()[0]
    assert "gaussian_bumps(" + ", ".join(f"{k}={v}" for k, v in sub.DENSITY_CALL.items()) + ")" in header
    np.testing.assert_array_equal(sub.density_map(), np.round(sub.gaussian_bumps(**sub.DENSITY_CALL), 6))
    assert np.array_equal(sub.gaussian_bumps(8, 7, 1), sub.gaussian_bumps(8, 7, 1))
    assert not np.array_equal(sub.gaussian_bumps(8, 7, 1), sub.gaussian_bumps(8, 7, 2))
    env = make_domain("gp-coverage", "paper", weights="density")
    np.testing.assert_array_equal(env.F.weights, sub.density_map())


def test_gp_sample_reproducible_and_nonnegative():
    a, b, c = gp_sample(6, 5, 3), gp_sample(6, 5, 3), gp_sample(6, 5, 4)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and np.all(a >= 0)
    assert np.array_equal(random_items(30, [4, 4], [1, 2], 5).items, random_items(30, [4, 4], [1, 2], 5).items)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: WeightedCoverage(np.ones((3, 2)), np.ones(2)), TypeError, "footprint"),
    (lambda: WeightedCoverage(np.ones((3, 2), bool), -np.ones(2)), ValueError, "weights must be >= 0"),
    (lambda: WeightedCoverage(np.ones((3, 2), bool), np.ones(3)), ValueError, "weights has 3"),
    (lambda: WeightedCoverage(np.ones((3, 2), bool), np.array([1.0, np.nan])), ValueError, "finite"),
    (lambda: WeightedCoverage(np.ones((3, 2), bool), np.array([1.0, 1j])), TypeError, "weights"),
    (lambda: ItemCollection(np.ones((3, 2)), np.ones(2, int)), TypeError, "items"),
    (lambda: ItemCollection(np.ones((3, 2), int), np.array([1, 0])), ValueError, "quota must be >= 1"),
    (lambda: ItemCollection(-np.ones((3, 2), int), np.array([1, 1])), ValueError, "items must be >= 0"),
    (lambda: GPInformation(np.array([[1.0, 2.0], [0.0, 1.0]])), ValueError, "symmetric"),
    (lambda: GPInformation(np.array([[1.0, 2.0], [2.0, 1.0]])), ValueError, "positive semidefinite"),
    (lambda: GPInformation(np.eye(2), noise=0.0), ValueError, "noise"),
    (lambda: GPInformation(np.eye(2), noise="1"), TypeError, "noise"),
    (lambda: WeightedCoverage(np.eye(3, dtype=bool), np.ones(3))([0, 3]), ValueError, "state 3"),
    (lambda: WeightedCoverage(np.eye(3, dtype=bool), np.ones(3))([0.5]), TypeError, "integer states"),
    (lambda: UserSetFunction(lambda A: "x", 3)([0]), TypeError, "real number"),
    (lambda: UserSetFunction(3, 3), TypeError, "fn must be callable"),
    (lambda: grid_footprint(2, 2.5), TypeError, "cols"),
    (lambda: grid_footprint(2, 2, "big"), ValueError, "kind"),
    (lambda: sub.gaussian_bumps(30, 2.5, 0), TypeError, "cols"),
    (lambda: sub.gaussian_bumps(3, 3, 0, bumps=0), ValueError, "bumps"),
    (lambda: sub.gaussian_bumps(3, 3, 0, floor=-1.0), ValueError, "floor"),
    (lambda: sub.gaussian_bumps(3, 3, 0, floor="0"), TypeError, "floor"),
    (lambda: check_submodular(len, range(20)), ValueError, "limited to 16"),
    (lambda: check_submodular(len, [1, 1]), ValueError, "repeat"),
    (lambda: check_submodular(lambda A: np.nan, range(2)), ValueError, r"F returned nan for \[\]"),
    (lambda: curvature(lambda A: 0.0, range(3)), ValueError, "F\\(\\{v\\}\\) > 0"),
    (lambda: random_items(5, [3, 3], [1, 1], 0), ValueError, "counts sum"),
    (lambda: gp_kernel(np.zeros((3, 2)), -1.0), ValueError, "lengthscale"),
    (lambda: marginal_gains(len, np.array([0.5, 1.0])), TypeError, "integer"),
    (lambda: random_items(6, [2], [1], 0).prefix_values(np.array([[0, 6]])), ValueError, "index \\(0, 1\\)"),
    (lambda: WeightedCoverage(np.eye(3, dtype=bool), np.ones(3)).gains(np.array([[0, -1]])), ValueError, "outside"),
    (lambda: GPInformation(np.eye(3)).prefix_values(np.array([0.0, 1.0])), TypeError, "integer array"),
    (lambda: check_submodular(3, range(2)), TypeError, "F must be callable"),
    (lambda: curvature(3, range(2)), TypeError, "F must be callable"),
    (lambda: marginal_gains(3, np.array([0, 1])), TypeError, "F must be callable"),
    (lambda: sub.trajectory_value("F", [0]), TypeError, "F must be callable"),
    (lambda: curvature(lambda A: "1", range(2)), TypeError, "F must return a real number, got str"),  # no coercion
    (lambda: curvature(lambda A: float(len(A)) if len(A) < 2 else np.inf, range(2)), ValueError, "F returned inf"),
    (lambda: marginal_gains(lambda A: True, np.array([0, 1])), TypeError, "F must return a real number, got bool"),
    (lambda: sub.trajectory_value(lambda A: np.nan, [0]), ValueError, "F returned nan"),
    (lambda: curvature(len, []), ValueError, "some v in ground"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_user_set_function_prefix_values_under_vmap():
    """The learners vmap over seeds and trajectories: a user F's host callback must take the batch axes."""
    import jax

    F = UserSetFunction(lambda A: float(np.sqrt(len(A))), 6)
    S = np.array([[[0, 1, 1], [2, 2, 3]], [[5, 4, 0], [1, 1, 1]]])
    ref = np.array([[[F(row[: t + 1]) for t in range(3)] for row in batch] for batch in S])
    np.testing.assert_allclose(np.asarray(jax.vmap(F.prefix_values)(jnp.asarray(S))), ref, rtol=1e-6)
