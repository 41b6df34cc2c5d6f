"""Simulation throughput (transitions per second), side by side in one process: Numba ``tabular.simulate``, the JAX
functional simulator batched over seeds (CPU), rlberry's ``FiniteMDP.step`` and a plain-Python loop.
S=100, A=4, Dirichlet(1) rows, uniform random policy (Numba also with a fixed deterministic policy), episodes of
100 steps. Run: ``python benchmarks/simulation.py``.
"""

from __future__ import annotations

import argparse
import os

import jax
import numpy as np

from boundlab import tabular
from boundlab.tabular import jax_env
from boundlab.tabular.simulate import sampler_for
from _common import header, table, timed

S, A, T = 100, 4, 100


def plain_python(model, n_steps: int, rng: np.random.Generator) -> int:
    cdf = np.cumsum(model.P, axis=2)
    s = 0
    for _ in range(n_steps):
        a = int(rng.integers(A))
        s = int(np.searchsorted(cdf[s, a], rng.random(), side="right"))
    return s


def rlberry_loop(env, n_steps: int, rng: np.random.Generator) -> None:
    env.reset()
    for _ in range(n_steps):
        env.step(int(rng.integers(A)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    header(f"Simulation throughput, S={S}, A={A}, episodes of {T} steps, uniform random policy")
    model = tabular.dirichlet_mdp(S=S, A=A, alpha=1.0, seed=0)
    uniform = np.full((S, A), 1.0 / A)
    rows = []

    n_numba = 200_000 // scale
    smp = sampler_for(model)
    deterministic = np.random.default_rng(0).integers(0, A, size=S)
    for policy, label in ((deterministic, "deterministic policy"), (uniform, "uniform random policy")):
        tabular.simulate(model, policy, 10, seed=0, horizon=T, sampler=smp)  # compile
        t, _ = timed(tabular.simulate, model, policy, n_numba, seed=1, horizon=T, sampler=smp, repeat=3)
        rate = n_numba * T / t
        rows.append({"simulator": f"boundlab Numba, {label} (1 core)", "transitions/s": rate, "per core": rate})
    numba_rate = rate  # the uniform random policy, as the peers below run it

    n_jax = 100_000 // scale
    params = jax_env.params_from_model(model, horizon=T)
    key = jax.random.PRNGKey(0)
    jax.block_until_ready(jax_env.batch_rollout(key, params, uniform, n_jax))  # compile
    t, _ = timed(lambda: jax.block_until_ready(jax_env.batch_rollout(key, params, uniform, n_jax)), repeat=3)
    cores = os.cpu_count() or 1
    rows.append({"simulator": f"boundlab JAX CPU, vmap over {n_jax} seeds ({cores} cores)",
                 "transitions/s": n_jax * T / t, "per core": n_jax * T / t / cores})

    n_py = 100_000 // scale
    t, _ = timed(plain_python, model, n_py, np.random.default_rng(0))
    python_rate = n_py / t
    rows.append({"simulator": "plain-Python loop (1 core)", "transitions/s": python_rate, "per core": python_rate})

    try:
        from rlberry.envs.finite_mdp import FiniteMDP as RlberryMDP

        env = RlberryMDP(np.array(model.R), np.array(model.P))
        n_rl = 50_000 // scale
        t, _ = timed(rlberry_loop, env, n_rl, np.random.default_rng(0))
        rl_rate = n_rl / t
        rows.append({"simulator": "rlberry FiniteMDP.step (1 core)", "transitions/s": rl_rate, "per core": rl_rate})
        print(f"Numba vs rlberry's step: {numba_rate / rl_rate:.0f}x; ", end="")
    except ImportError:
        print("(rlberry missing: pip install -e '.[peers]') ", end="")
    print(f"Numba vs plain Python: {numba_rate / python_rate:.0f}x\n")
    table(rows)


if __name__ == "__main__":
    main()
