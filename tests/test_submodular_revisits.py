"""GPInformation's revisit option (tabular/submodular.py, ``revisits=True``: every visit one more noisy observation):
the incremental Cholesky against numpy's logdet on the multiset, a closed form, monotone DR-submodular on multisets
(brute force on copies), the default set function unchanged, and greedy's one-step lookahead on it."""

import itertools

import jax
import numpy as np
import pytest

from boundlab.tabular.learners.subpo import _greedy_batch
from boundlab.tabular.submodular import GPInformation, check_submodular, gp_kernel
from boundlab.tabular.submodular_bandit import grid_smdp
from boundlab.tabular.submodular_envs import SubmodularGrid


def _kernel(n, seed, step=0.6):
    x = np.random.default_rng(seed).uniform(0, step * n, size=(n, 2))
    return gp_kernel(x, 1.0)


def _logdet_multiset(K, noise, visits):
    """The slow reference: 1/2 logdet(I + K_MM / noise) on the visits with repeats, by numpy."""
    v = np.asarray(visits, int)
    return 0.5 * np.linalg.slogdet(np.eye(v.size) + K[np.ix_(v, v)] / noise)[1] if v.size else 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prefix_values_match_numpy_logdet_on_the_multiset(seed):
    rng = np.random.default_rng(seed)
    K, noise = _kernel(6, seed), 0.05
    F = GPInformation(K, noise, revisits=True)
    states = rng.integers(0, 3 if seed == 0 else 6, size=(5, 9))      # seed 0: nearly every visit a revisit
    got = np.asarray(F.prefix_values(states), np.float64)
    ref = np.array([[_logdet_multiset(K, noise, row[: t + 1]) for t in range(9)] for row in states])
    np.testing.assert_allclose(got, ref, rtol=2e-4, atol=2e-4)
    assert all(F(row) == pytest.approx(ref[i, -1], rel=1e-12) for i, row in enumerate(states))
    plain = GPInformation(K, noise)                                        # the default: a set function
    assert all(plain(row) == pytest.approx(_logdet_multiset(K, noise, np.unique(row)), rel=1e-12) for row in states)
    assert np.all(got >= np.asarray(plain.prefix_values(states)) - 1e-4)   # revisits only add


def test_repeated_observations_of_one_state_closed_form():
    K, noise = _kernel(4, 3), 0.1
    F = GPInformation(K, noise, revisits=True)
    for m in range(1, 6):
        assert F([2] * m) == pytest.approx(0.5 * np.log1p(m * K[2, 2] / noise), rel=1e-12)
    assert GPInformation(K, noise)([2] * 5) == pytest.approx(0.5 * np.log1p(K[2, 2] / noise), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_monotone_dr_submodular_on_multisets(seed):
    """On copies ``(state, i)``, i < 3 (each visit a distinct observation of its state), ``F`` of the multiset is a
    monotone submodular set function: monotone DR-submodular on the multisets of <= 3 visits per state."""
    K, noise = _kernel(4, seed), 0.2
    F = GPInformation(K, noise, revisits=True)
    ground = list(itertools.product(range(4), range(3)))
    res = check_submodular(lambda A: F([s for s, _ in A]), ground)
    assert res.ok, (res.monotone[:2], res.diminishing[:2])
    # and not modular: a second visit of a state earns less than the first
    assert F([1, 1]) - F([1]) < F([1]) - F([])


def test_greedy_takes_the_largest_multiset_gain():
    F = GPInformation(_kernel(6, 4, step=0.3), 0.5, revisits=True)
    env = SubmodularGrid(2, 3, F, 5)
    nxt = np.asarray(env.params.nxt)
    for row in np.asarray(_greedy_batch(jax.random.PRNGKey(1), env, 3)[1]):
        for k in range(env.H):
            gains = [F(list(row[: k + 1]) + [nxt[row[k], a]]) - F(row[: k + 1]) for a in range(5)]
            assert F(row[: k + 2]) - F(row[: k + 1]) == pytest.approx(max(gains), rel=1e-4, abs=1e-4)


def test_revisits_must_be_a_bool():
    with pytest.raises(TypeError, match="revisits"):
        GPInformation(np.eye(3), 1.0, revisits=1)


def test_grid_smdp_refuses_a_function_of_visit_multisets():
    """grid_smdp tabulates F on visited sets: right for the set function, not for the revisit option (F([0, 0]) >
    F({0}), which no visited set can represent)."""
    K = _kernel(4, 0)
    plain, multi = GPInformation(K, 0.5), GPInformation(K, 0.5, revisits=True)
    assert multi([0, 0]) > plain([0]) + 0.01
    assert grid_smdp(SubmodularGrid(2, 2, plain, 3)).table[1] == pytest.approx(plain([0]), abs=1e-12)
    with pytest.raises(ValueError, match="env.F counts revisits"):
        grid_smdp(SubmodularGrid(2, 2, multi, 3))
