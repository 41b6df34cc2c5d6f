"""The ``boundlab`` command: ``envs``, ``solve``, ``simulate`` and ``demo``."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

from boundlab import solvers
from boundlab import tabular

from .slopes import mean_ci


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _model(name: str, gamma: float | None = None, horizon: int | None = None):
    """A built-in model, with ``gamma`` overridden or turned episodic with ``horizon``."""
    model = tabular.make(name)
    if isinstance(model, tabular.EpisodicMDP):
        if gamma is not None:
            raise ValueError(f"{name} is episodic (H = {model.H}); --gamma does not apply")
        if horizon is not None and horizon != model.H:
            raise ValueError(f"{name} is built for H = {model.H}; --horizon must match")
        return model
    if horizon is not None:
        return tabular.EpisodicMDP(model.P, model.R, horizon, model.initial, model.reward_range, name=model.name)
    if gamma is not None:
        return tabular.FiniteMDP(model.P, model.R, gamma, model.initial, model.reward_range, name=model.name)
    return model


METHODS = {
    "auto": solvers.solve,
    "vi": solvers.value_iteration,
    "pi": solvers.policy_iteration,
    "mpi": solvers.modified_policy_iteration,
    "lp": solvers.linear_programming,
}


def solve_model(model, method: str = "auto"):
    """Solve a model: backward induction if episodic, else the chosen discounted method."""
    if isinstance(model, tabular.EpisodicMDP):
        return solvers.backward_induction(model.P, model.R, model.H)
    return METHODS[method](model.P, model.R, model.gamma)


def effective_horizon(model) -> int:
    """Episode length for simulating a model: ``H``, or where ``gamma^T <= 1e-3`` for a discounted one."""
    if isinstance(model, tabular.EpisodicMDP):
        return model.H
    return max(1, math.ceil(math.log(1e-3) / math.log(model.gamma))) if model.gamma > 0 else 1


def run_policy(model, policy: str, episodes: int, seed: int):
    """Simulate the ``optimal`` or ``uniform`` policy; returns per-episode (discounted) returns."""
    if policy == "optimal":
        pi = solve_model(model).policy
    else:
        shape = (model.S, model.A)
        pi = np.full(shape, 1.0 / model.A)
    traj = tabular.simulate(model, pi, episodes, seed, horizon=effective_horizon(model))
    return traj.returns(getattr(model, "gamma", 1.0))


def cmd_envs(args) -> None:
    for name, (_, description) in tabular.ENVS.items():
        print(f"{name:14s} {description}")


def cmd_solve(args) -> None:
    model = _model(args.env, args.gamma, args.horizon)
    t0 = time.perf_counter()
    res = solve_model(model, args.method)
    elapsed = time.perf_counter() - t0
    V0 = res.V[0] if res.V.ndim == 2 else res.V
    print(f"{args.env}: S={model.S} A={model.A} " + (f"H={model.H}" if res.V.ndim == 2 else f"gamma={model.gamma}"))
    print(f"V*(initial) = {float(model.initial @ V0):.6f}")
    print(f"iterations  = {res.iterations}   error bound = {res.error_bound:.2e}   time = {elapsed:.3f} s")


def cmd_simulate(args) -> None:
    if args.episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {args.episodes}")
    model = _model(args.env, args.gamma, args.horizon)
    returns = run_policy(model, args.policy, args.episodes, args.seed)
    mean, half = mean_ci(returns)
    print(f"{args.env} {args.policy}: mean return {mean:.4f} +/- {half:.4f} (95% CI, {args.episodes} episodes, "
          f"T={effective_horizon(model)}, seed={args.seed})")


def cmd_demo(args) -> None:
    """Solve and simulate a few built-in models; check Monte-Carlo returns against exact values; plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = ["riverswim", "chain", "six-arms", "gridworld", "minimax-hard"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    rows = []
    for i, name in enumerate(names):
        model = tabular.make(name)
        t0 = time.perf_counter()
        res = solve_model(model)
        t_solve = time.perf_counter() - t0
        V0 = res.V[0] if res.V.ndim == 2 else res.V
        exact = float(model.initial @ V0)
        T = effective_horizon(model)
        gamma = getattr(model, "gamma", 1.0)
        truncation = gamma**T / (1 - gamma) if gamma < 1 else 0.0  # rewards in [0, 1]
        for j, policy in enumerate(["optimal", "uniform"]):
            mean, half = mean_ci(run_policy(model, policy, args.episodes, seed=i))
            axes[0].errorbar(i + 0.15 * (2 * j - 1), mean, yerr=half, fmt="o", color=f"C{j}",
                             label=policy if i == 0 else None)
            rows.append((name, policy, mean, half))
        axes[0].plot([i - 0.3, i + 0.3], [exact, exact], "k-", label="exact V*(s0)" if i == 0 else None)
        print(f"{name:13s} S={model.S:4d} A={model.A}  V*(s0)={exact:8.4f}  solve {t_solve * 1e3:7.1f} ms  "
              f"MC optimal {rows[-2][2]:8.4f} +/- {rows[-2][3]:.4f} (truncation <= {truncation:.1e})  "
              f"uniform {rows[-1][2]:8.4f}")
    axes[0].set_xticks(range(len(names)), names, rotation=20)
    axes[0].set_ylabel("return from s0 (95% CI)")
    axes[0].set_title("Exact V* vs Monte-Carlo returns")
    axes[0].legend()
    grid = tabular.make("gridworld")
    n = int(round(np.sqrt(grid.S)))
    im = axes[1].imshow(solve_model(grid).V.reshape(n, n), cmap="viridis")
    fig.colorbar(im, ax=axes[1])
    axes[1].set_title(f"gridworld V* (gamma={grid.gamma})")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"demo.{ext}")
    print(f"wrote {out / 'demo.png'} and {out / 'demo.svg'}")


def cmd_check(args) -> None:
    from .check import run_check

    table = run_check(args.algorithms or None, quick=args.quick, out=args.out, episodes=args.episodes,
                      seeds=args.seeds)
    cols = ["algorithm", "instance", "regret (95% CI)", "slope (95% CI)", "verdict bound", "verdict slope"]
    print(table[cols].to_string(index=False))
    print(f"wrote {Path(args.out) / 'report.md'}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="boundlab", description="RL-theory algorithms checked against their bounds.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("envs", help="list built-in models").set_defaults(func=cmd_envs)
    for name, func, help_ in [("solve", cmd_solve, "solve a built-in model"),
                              ("simulate", cmd_simulate, "simulate a policy in a built-in model")]:
        p = sub.add_parser(name, help=help_)
        p.add_argument("env", choices=sorted(tabular.ENVS), metavar="ENV")
        horizon = p.add_mutually_exclusive_group()
        horizon.add_argument("--gamma", type=float)
        horizon.add_argument("--horizon", type=int)
        p.set_defaults(func=func)
        if name == "solve":
            p.add_argument("--method", choices=sorted(METHODS), default="auto")
        else:
            p.add_argument("--policy", choices=["optimal", "uniform"], default="optimal")
            p.add_argument("--episodes", type=int, default=1000)
            p.add_argument("--seed", type=int, default=0)
    check = sub.add_parser("check", help="run the bound checks and write results/report.md")
    check.add_argument("algorithms", nargs="*", metavar="ALGORITHM")
    check.add_argument("--quick", action="store_true", help="small K and few seeds (a few minutes on 2 cores)")
    check.add_argument("--out", default="results")
    check.add_argument("--episodes", type=int, help="episodes K on the fixed instances (overrides the preset)")
    check.add_argument("--seeds", type=int, help="seeds on the fixed instances (overrides the preset)")
    check.set_defaults(func=cmd_check)
    demo = sub.add_parser("demo", help="solve and simulate built-in models, write a figure")
    demo.add_argument("--out", default="results")
    demo.add_argument("--episodes", type=int, default=2000)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ValueError, TypeError) as err:
        print(f"boundlab: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
