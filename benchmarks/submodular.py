"""SubPO's inner loop, trajectories per second with the marginal gains of every prefix, side by side in one process:
boundlab's jitted ``vmap`` over a batch (``tabular.learners.subpo.rollout`` and ``F.gains``, JAX on the CPU) vs the
plain numpy loop a researcher would write (a Python loop over trajectories and steps: sample from the softmax row,
step by the successor table, update the set function's state incrementally: covered cells for coverage, counts for
items, a rank-one Cholesky row for the GP information gain).

Domains at the paper's sizes (the authors' configs; Prajapat et al., ICLR 2024): coverage 30 x 30, H = 79; items
7 x 15, H = 39; GP information 30 x 30, H = 39. Policy: SubPO-M's tabular softmax ``theta[h * S + s, a]`` drawn at
random (the same for both). The numpy gains are checked against the JAX ones on the same trajectories before timing.
Run: ``python benchmarks/submodular.py`` (``--quick``: fewer numpy trajectories).
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from scipy.linalg import solve_triangular

from boundlab.tabular.learners.subpo import make_agent, rollout
from boundlab.tabular.submodular import ItemCollection, WeightedCoverage
from boundlab.tabular.submodular_envs import make_domain

try:
    from _common import header, table, timed
except ImportError:  # imported from the tests, outside benchmarks/
    pass


# ---------------------------------------------------------------- the plain numpy version --------------------------
def numpy_gains(F, states: np.ndarray) -> np.ndarray:
    """Marginal gains ``[F({s_0}), Delta(s_1 | s_0), ...]`` of one trajectory, incrementally."""
    T = len(states)
    out = np.zeros(T)
    if isinstance(F, WeightedCoverage):
        covered = np.zeros(F.footprint.shape[1], bool)
        for t, s in enumerate(states):
            new = F.footprint[s] & ~covered
            out[t] = F.weights[new].sum()
            covered |= new
    elif isinstance(F, ItemCollection):
        seen, counts = set(), np.zeros(F.items.shape[1])
        for t, s in enumerate(states):
            if s in seen:
                continue
            seen.add(s)
            before = np.minimum(counts, F.quota).sum()
            counts += F.items[s]
            out[t] = np.minimum(counts, F.quota).sum() - before
    else:
        K = F.kernel / F.noise
        L, idx = np.zeros((T, T)), []
        for t, s in enumerate(states):
            if s in idx:
                continue
            n = len(idx)
            ell = solve_triangular(L[:n, :n], K[idx, s], lower=True) if n else np.zeros(0)
            d = np.sqrt(1.0 + K[s, s] - ell @ ell)
            L[n, :n], L[n, n] = ell, d
            idx.append(s)
            out[t] = np.log(d)
    return out


def numpy_batch(env, theta: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` trajectories under the tabular softmax ``theta``, each with its gains; returns the objectives."""
    rng = np.random.default_rng(seed)
    nxt, S, H = np.asarray(env.params.nxt), env.S, env.H
    probs = np.exp(theta - theta.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    values = np.zeros(n)
    for i in range(n):
        s, states = env.start, [env.start]
        for h in range(H):
            a = rng.choice(5, p=probs[h * S + s])
            s = nxt[s, a]
            states.append(s)
        values[i] = numpy_gains(env.F, np.array(states)).sum()
    return values


# ---------------------------------------------------------------- the JAX version -----------------------------------
def jax_batch(env, agent, B: int):
    @jax.jit
    def run(theta, key):
        ro = jax.vmap(rollout, in_axes=(0, None, None, None))(jax.random.split(key, B), env, agent, theta)
        return ro.states, env.F.gains(ro.states)

    return run


def main(quick: bool = False) -> list[dict]:
    B, n_numpy = 500, 20 if quick else 100
    rows = []
    cpu = jax.devices("cpu")[0]
    for name in ("coverage", "items", "gp-information"):
        env = make_domain(name, "paper", seed=0)
        agent = make_agent(env, "M", "tabular")
        theta = np.random.default_rng(0).normal(size=(env.H * env.S, 5)).astype(np.float32)
        with jax.default_device(cpu):
            run = jax_batch(env, agent, B)
            states, gains = jax.block_until_ready(run(jnp.asarray(theta), jax.random.PRNGKey(0)))
            for row_s, row_g in zip(np.asarray(states[:5]), np.asarray(gains[:5])):   # same trajectory, same gains
                np.testing.assert_allclose(numpy_gains(env.F, row_s), row_g, rtol=1e-4, atol=1e-3)
            th = jnp.asarray(theta)
            t_jax, _ = timed(lambda: jax.block_until_ready(run(th, jax.random.PRNGKey(1))), repeat=5)  # noqa: B023
        t_np, _ = timed(numpy_batch, env, theta, n_numpy, 0, repeat=2)
        jax_rate, np_rate = B / t_jax, n_numpy / t_np
        rows.append({"domain": f"{name} {env.rows}x{env.cols} H={env.H}", "numpy traj/s": np_rate,
                     "jax vmap traj/s": jax_rate, "ratio": jax_rate / np_rate})
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    header("SubPO rollouts with marginal gains: JAX vmap vs a plain numpy loop")
    table(main(args.quick))
