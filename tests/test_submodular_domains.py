"""make_domain (tabular/submodular_envs.py): every random part of a domain comes from ``seed`` (same seed, same
domain; another seed, another domain where the domain is random; the fixed domains ignore it), the experiment-design
kernel is the GP posterior (batch formula against one-observation-at-a-time conditioning)."""

import numpy as np
import pytest

from boundlab.tabular.submodular import GPInformation, ItemCollection, WeightedCoverage, gp_kernel
from boundlab.tabular.submodular_envs import DOMAINS, RANDOM_DOMAINS, information_kernel, make_domain


def _arrays(env):
    """Everything that defines a domain: its set function's arrays, start, walls, H."""
    F = env.F
    if isinstance(F, WeightedCoverage):
        f = (F.footprint, F.weights)
    elif isinstance(F, ItemCollection):
        f = (F.items, F.quota)
    else:
        assert isinstance(F, GPInformation)
        f = (F.kernel, np.array(F.noise))
    walls = np.zeros(0) if env.walls is None else env.walls
    return (*f, np.array([env.start, env.H, env.rows, env.cols]), walls)


def _same(a, b):
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(_arrays(a), _arrays(b)))


@pytest.mark.parametrize("size", ["small", "paper"])
@pytest.mark.parametrize("name", DOMAINS)
def test_every_random_choice_comes_from_the_seed(name, size):
    a, b, c = (make_domain(name, size, seed=s) for s in (3, 3, 4))
    assert _same(a, b)                                                   # same seed, same domain
    assert _same(a, make_domain(name, size, seed=np.random.default_rng(3)))  # a Generator draws the same
    assert _same(a, c) == (name not in RANDOM_DOMAINS)                   # another seed differs where random
    if name == "gp-coverage" and size == "paper":                        # the shipped map is fixed
        assert _same(make_domain(name, size, seed=3, weights="density"), make_domain(name, size, seed=4,
                                                                                      weights="density"))


def test_fixed_domains_still_validate_the_seed():
    for name in ("coverage", "two-rooms"):
        with pytest.raises(TypeError, match="seed"):
            make_domain(name, "small", seed=1.5)
        with pytest.raises(ValueError, match="seed"):
            make_domain(name, "small", seed=-1)


def test_information_kernel_is_the_gp_posterior():
    rows, cols, noise = 3, 4, 1e-2
    post = information_kernel(rows, cols, 7, observations=3, noise=noise)
    X = np.random.default_rng(7).uniform(0.0, 10.0, size=(3, 2))            # the points it drew
    r, c = np.divmod(np.arange(rows * cols), cols)
    cells = 1.0 + np.stack([r, c], 1) * 3.0 / 4
    K = gp_kernel(np.concatenate([cells, X]), 1.0)
    for j in range(12, 15):                                                  # one observation at a time
        k = K[:, j].copy()
        K = K - np.outer(k, k) / (k[j] + noise)
    np.testing.assert_allclose(post, K[:12, :12], atol=1e-12)
    np.testing.assert_allclose(information_kernel(rows, cols, 7, observations=0), gp_kernel(cells, 1.0), atol=0)
    assert np.all(np.diag(post) <= 1.0) and np.linalg.eigvalsh(post).min() > -1e-10
    # the paper-size kernel conditions on the seed's points: some cell's variance is reduced
    big = make_domain("gp-information", "paper", seed=1).F.kernel
    assert big.shape == (900, 900) and np.diag(big).min() < 0.5


@pytest.mark.parametrize("call, exc, match", [
    (lambda: information_kernel(3, 3, 0, observations=-1), ValueError, "observations"),
    (lambda: information_kernel(3, 3, 0, observations=2.5), TypeError, "observations"),
    (lambda: information_kernel(3, 3, 0, noise=0.0), ValueError, "noise"),
    (lambda: information_kernel(3, 3, "0"), TypeError, "seed"),
    (lambda: information_kernel(0, 3, 0), ValueError, "rows"),
])
def test_information_kernel_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
