"""The ``boundlab`` command: ``envs``, ``solve``, ``simulate``, ``check``, ``sequoia`` and ``demo``."""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import boundlab
from boundlab import solvers, tabular

from .slopes import mean_ci


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def model_from_file(path: str | Path, gamma: float | None = None, horizon: int | None = None):
    """A user's model from an ``.npz`` file with arrays ``P`` (``P[s, a, s']`` or ``P[h, s, a, s']``) and ``R``
    (``R[s, a]`` or ``R[h, s, a]``), and optionally ``gamma`` or ``H``, ``initial`` and ``reward_range`` (default:
    the rewards' own range, widened to contain [0, 1]); ``gamma``/``horizon`` given
    here take precedence over the file's."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"model file {str(path)!r}: only .npz files (arrays P, R and gamma or H) are read")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError) as err:
        raise ValueError(f"model file {str(path)!r} could not be read as .npz: {err}") from None
    missing = [key for key in ("P", "R") if key not in arrays]
    if missing:
        raise ValueError(f"model file {str(path)!r} has no array {' or '.join(missing)} (it has {sorted(arrays)})")
    if gamma is None and horizon is None:
        gamma = arrays["gamma"].item() if "gamma" in arrays else None
        horizon = arrays["H"].item() if "H" in arrays else None
    if (gamma is None) == (horizon is None):
        raise ValueError(f"model file {str(path)!r}: give exactly one of gamma (discounted) or H (episodic), in the "
                         "file or as --gamma/--horizon")
    kwargs = {"initial": arrays["initial"]} if "initial" in arrays else {}
    R = arrays["R"]
    if "reward_range" in arrays:
        kwargs["reward_range"] = tuple(arrays["reward_range"])
    elif np.issubdtype(R.dtype, np.floating) or np.issubdtype(R.dtype, np.integer):  # planners take any scale
        finite = R[np.isfinite(R)]
        if finite.size:
            kwargs["reward_range"] = (min(0.0, float(finite.min())), max(1.0, float(finite.max())))
    if horizon is not None:
        return tabular.EpisodicMDP(arrays["P"], R, horizon, name=path.stem, **kwargs)
    return tabular.FiniteMDP(arrays["P"], R, gamma, name=path.stem, **kwargs)


def _model(name: str, gamma: float | None = None, horizon: int | None = None):
    """A built-in model (by name) or a user's ``.npz`` file (by path), with ``gamma`` overridden or turned
    episodic with ``horizon``."""
    if name not in tabular.ENVS:
        if Path(name).is_file():
            return model_from_file(name, gamma, horizon)
        raise ValueError(f"ENV must be a built-in model ({', '.join(sorted(tabular.ENVS))}) or an existing .npz "
                         f"file, got {name!r}")
    model = tabular.make(name)
    if isinstance(model, tabular.EpisodicMDP):
        if gamma is not None:
            raise ValueError(f"{name} is episodic (H = {model.H}); --gamma does not apply")
        if horizon is not None and horizon != model.H:
            raise ValueError(f"{name} is built for H = {model.H}; --horizon must match")
        return model
    if horizon is not None:
        return tabular.EpisodicMDP(model.P, model.R, horizon, model.initial, model.reward_range, model.reward_noise,
                                   name=model.name)
    if gamma is not None:
        return tabular.FiniteMDP(model.P, model.R, gamma, model.initial, model.reward_range, model.reward_noise,
                                 name=model.name)
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


#: Built-in POMDPs ``boundlab solve`` takes (``tabular.ENVS`` holds the MDPs).
POMDPS = {"tiger": tabular.tiger, "crying-baby": tabular.crying_baby, "tag": tabular.tag,
          **{f"rocksample-{n}-{k}": (lambda n=n, k=k: tabular.rocksample(n, k)) for n, k in tabular.ROCKSAMPLE_LAYOUTS}}


def solve_pomdp(name: str, gamma: float | None, horizon: int | None, gap: float = 0.01,
                time_limit: float = 60.0) -> None:
    """The value of a built-in POMDP or a ``.pomdp`` file at its initial belief. With ``--horizon``: exact
    finite-horizon value iteration (:func:`solvers.pomdp_value_iteration`, discounted with the model's gamma or
    ``--gamma``). Without: the certified interval of :func:`solvers.hsvi` on the discounted model."""
    if name in POMDPS:
        model = POMDPS[name]()
    elif Path(name).is_file():
        spec = tabular.read_pomdp(name)
        if horizon is None and spec.discount >= 1.0 and gamma is None:
            raise ValueError(f"{name} has discount {spec.discount}: give --horizon H (exact finite-horizon value "
                             "iteration) or --gamma below 1 (certified discounted interval)")
        model = spec.to_model(H=horizon if spec.discount >= 1.0 and gamma is None else None, name=Path(name).stem)
    else:
        raise ValueError(f"no such .pomdp file: {name!r}")
    discount = gamma if gamma is not None else (model.gamma if model.gamma is not None else 1.0)
    head = f"{name}: S={model.S} A={model.A} observations={model.n_obs}"
    t0 = time.perf_counter()
    if horizon is None:
        with warnings.catch_warnings():  # the budget's warning is printed below as part of the result
            warnings.simplefilter("ignore", RuntimeWarning)
            res = solvers.hsvi(*model.to_arrays(), discount, model.initial, gap=gap, time_limit=time_limit)
        state = (f"converged to gap <= {gap:g}" if res.converged
                 else f"time limit {time_limit:g} s reached before gap {gap:g}")
        print(f"{head} gamma={discount}")
        lo, hi = math.floor(res.lower * 1e6) / 1e6, math.ceil(res.upper * 1e6) / 1e6  # printed outward
        print(f"V*(initial belief) in [{lo:.6f}, {hi:.6f}]   (certified, HSVI; gap {res.gap:.2e}, "
              f"{state}; {res.trials} trials, {len(res.alphas)} alpha-vectors, first action "
              f"{res.policy(model.initial)})   time = {res.seconds:.3f} s")
        return
    res = solvers.pomdp_value_iteration(*model.to_arrays(), H=horizon, gamma=discount)
    elapsed = time.perf_counter() - t0
    print(f"{head} H={horizon} gamma={discount}")
    print(f"V*(initial belief) = {res.value(model.initial):.6f}   (exact; {len(res.alphas)} alpha-vectors, "
          f"first action {res.policy(model.initial)})   time = {elapsed:.3f} s")


def cmd_solve(args) -> None:
    if args.env in POMDPS or args.env.endswith(".pomdp"):
        if args.method != "auto":
            raise ValueError(f"--method is for MDPs; {args.env} is a POMDP (HSVI, or exact VI with --horizon)")
        return solve_pomdp(args.env, args.gamma, args.horizon, args.gap, args.time_limit)
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
    """Solve and simulate a few built-in models; check Monte-Carlo returns against exact values; plot each model on
    its own axes (their values differ by orders of magnitude)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm

    if args.episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {args.episodes}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = ["riverswim", "chain", "six-arms", "gridworld", "minimax-hard"]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
    for i, (name, ax) in enumerate(zip(tqdm(names, desc="demo", disable=not args.progress), axes.flat)):
        model = tabular.make(name)
        t0 = time.perf_counter()
        res = solve_model(model)
        t_solve = time.perf_counter() - t0
        V0 = res.V[0] if res.V.ndim == 2 else res.V
        exact = float(model.initial @ V0)
        T = effective_horizon(model)
        gamma = getattr(model, "gamma", 1.0)
        truncation = gamma**T / (1 - gamma) if gamma < 1 else 0.0  # rewards in [0, 1]
        means = {}
        for j, policy in enumerate(["optimal", "uniform"]):
            mean, half = means[policy] = mean_ci(run_policy(model, policy, args.episodes, seed=i))
            ax.errorbar(j, mean, yerr=half, fmt="o", color=f"C{j}", capsize=4)
        ax.axhline(exact, color="k", lw=1, label="exact V*(s0)")
        ax.set_xticks([0, 1], ["optimal", "uniform"])
        ax.set_xlim(-0.6, 1.6)
        ax.set_title(f"{name} (S={model.S}, " + (f"H={model.H})" if res.V.ndim == 2 else f"gamma={gamma})"),
                     fontsize=10)
        ax.legend(fontsize=8, loc="best")
        tqdm.write(f"{name:13s} S={model.S:4d} A={model.A}  V*(s0)={exact:8.4f}  solve {t_solve * 1e3:7.1f} ms  "
                   f"MC optimal {means['optimal'][0]:8.4f} +/- {means['optimal'][1]:.4f} "
                   f"(truncation <= {truncation:.1e})  uniform {means['uniform'][0]:8.4f}")
    axes[0, 0].set_ylabel("return from s0 (95% CI)")
    axes[1, 0].set_ylabel("return from s0 (95% CI)")
    grid = tabular.make("gridworld")
    n = int(round(np.sqrt(grid.S)))
    im = axes[1, 2].imshow(solve_model(grid).V.reshape(n, n), cmap="viridis")
    fig.colorbar(im, ax=axes[1, 2])
    axes[1, 2].set_title(f"gridworld V* (gamma={grid.gamma})", fontsize=10)
    fig.suptitle(f"Exact V* vs Monte-Carlo returns ({args.episodes} episodes per point)")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"demo.{ext}")
    plt.close(fig)
    print(f"wrote {out / 'demo.png'} and {out / 'demo.svg'}")


def cmd_check(args) -> None:
    from .check import run_check

    table = run_check(args.algorithms or None, quick=args.quick, out=args.out, episodes=args.episodes,
                      seeds=args.seeds, practical=args.practical, bonus_scale=args.bonus_scale)
    cols = ["algorithm", "configuration", "instance", "regret (95% CI)", "slope (95% CI)", "verdict bound",
            "verdict slope"]
    main = table[table["check"].isna()] if "check" in table else table
    print(main[cols].to_string(index=False))
    if len(main) < len(table):  # the extra checks' rows (grouping, actor-critic): their own columns
        print(table[table["check"].notna()][["algorithm", "instance", "check", "verdict"]].to_string(index=False))
    print(f"wrote {Path(args.out) / 'report.md'}")


def cmd_sequoia(args) -> None:
    """Train SEQUOIA on one coRMAB instance and print the paper's table row (mean per-step expected reward and its
    standard error over evaluation episodes, per method)."""
    from boundlab.bandits.cormab_policies import compare, make_domain

    domain = make_domain(args.domain, args.arms, args.budget, N=args.interventions, seed=args.seed)
    options = {"episodes": args.episodes, "solver": args.solver, "code_target": args.code_target,
               "code_redraw": args.code_redraw, "done_mask": args.done_mask, "gap": args.gap,
               "time_limit": args.time_limit}
    for name in ("pretrain_epochs", "lr_decay"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    row = compare(domain, seed=args.seed, eval_episodes=args.eval_episodes, K=args.samples, **options)
    seconds = row.pop("train_seconds")
    print(f"{args.domain} J={args.arms} B={args.budget} seed={args.seed} (SEQUOIA trained in {seconds:.1f} s)")
    for name, (mean, sem, _) in row.items():
        print(f"  {name:<17} {mean:8.3f} +- {sem:.3f}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="boundlab", description="RL-theory algorithms checked against their bounds.")
    parser.add_argument("--version", action="version", version=f"boundlab {boundlab.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    sub.add_parser("envs", help="list built-in models").set_defaults(func=cmd_envs)
    for name, func, help_ in [("solve", cmd_solve, "solve a built-in model or your own .npz file"),
                              ("simulate", cmd_simulate, "simulate a policy in a built-in model or an .npz file")]:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("env", metavar="ENV", help="a built-in model (see `boundlab envs`) or a path to an .npz file "
                       "with arrays P[s, a, s'] (or P[h, s, a, s']), R[s, a], and gamma or H (optional: initial)"
                       + (f"; for solve also a POMDP: {', '.join(POMDPS)} or a .pomdp file (a certified "
                          "interval by HSVI, or the exact value with --horizon)" if name == "solve" else ""))
        horizon = p.add_mutually_exclusive_group()
        horizon.add_argument("--gamma", type=float, help="discount factor in [0, 1) (overrides the model's)")
        horizon.add_argument("--horizon", type=int, help="solve as an episodic model with this horizon H")
        p.set_defaults(func=func)
        if name == "solve":
            p.add_argument("--method", choices=sorted(METHODS), default="auto",
                           help="discounted planner: auto (solvers.solve picks), vi, pi, mpi or lp (default auto)")
            p.add_argument("--gap", type=float, default=0.01,
                           help="POMDPs: the certified interval's target width (default 0.01)")
            p.add_argument("--time-limit", type=float, default=60.0, metavar="SECONDS",
                           help="POMDPs: HSVI's time budget; past it the interval reached is printed (default 60)")
        else:
            p.add_argument("--policy", choices=["optimal", "uniform"], default="optimal",
                           help="the policy to simulate (default optimal)")
            p.add_argument("--episodes", type=int, default=1000, help="number of episodes (default 1000)")
            p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    check = sub.add_parser("check", help="run the bound checks and write results/report.md",
                           description="Run each learner against the bounds its paper states; write a report.")
    check.add_argument("algorithms", nargs="*", metavar="ALGORITHM",
                       help="learners to check (default: all registered, see bounds.algorithms())")
    check.add_argument("--quick", action="store_true", help="small K and few seeds (a few minutes on 2 cores)")
    check.add_argument("--out", default="results", help="folder for report.md, plots and the store (default results)")
    check.add_argument("--episodes", type=int, help="episodes K on the fixed instances (overrides the preset)")
    check.add_argument("--seeds", type=int, help="seeds on the fixed instances (overrides the preset)")
    check.add_argument("--bonus-scale", type=float, metavar="S",
                       help="run every optimism learner once more with its bonus times S (outside the theorems; "
                            "default: each learner's practical scale, bounds.check.PRACTICAL)")
    check.add_argument("--no-practical", dest="practical", action="store_false",
                       help="only the papers' constants: no outside-the-theorem configuration")
    check.set_defaults(func=cmd_check)
    seq = sub.add_parser("sequoia", help="train SEQUOIA on a coRMAB domain and compare it with the baselines",
                         description="Xu, Wilder, Khalil & Tambe (ICLR 2025): train SEQUOIA on one instance, evaluate "
                                     "it and the baselines on the same episodes, print mean +- standard error.")
    seq.add_argument("domain", choices=["sigmoid", "capacity", "scheduling", "routing", "budget"], metavar="DOMAIN",
                     help="sigmoid, capacity, scheduling, routing or budget (budget-only, with Whittle)")
    seq.add_argument("--arms", type=int, default=20, help="arms J (default 20)")
    seq.add_argument("--budget", type=int, default=5, help="budget / workers B (default 5)")
    seq.add_argument("--interventions", type=int, default=10, help="sigmoid: interventions N (default 10)")
    seq.add_argument("--seed", type=int, default=0, help="seed of the instance, training and evaluation (default 0)")
    seq.add_argument("--episodes", type=int, default=100, help="DQN training episodes (default 100, the paper's)")
    seq.add_argument("--pretrain-epochs", type=int, help="one-step pretraining epochs (default 300, the code's)")
    seq.add_argument("--eval-episodes", type=int, default=50, help="evaluation episodes (default 50, the paper's)")
    seq.add_argument("--samples", type=int, default=100, help="sampling baseline's K (default 100)")
    seq.add_argument("--solver", choices=["auto", "milp", "enumerate"], default="auto",
                     help="argmax of Q: MILP, enumeration of the feasible set, or auto (enumerate when small)")
    seq.add_argument("--code-target", action="store_true",
                     help="the authors' code's target: soft update at tau = 1e-6, no hard copy (default: hard copy "
                          "every 300 steps)")
    seq.add_argument("--code-redraw", action="store_true",
                     help="sigmoid: train on the authors' code's training instance (link parameters drawn anew), "
                          "act on the evaluated one")
    seq.add_argument("--done-mask", action="store_true",
                     help="no bootstrap at the last step (default: bootstrap, as the code; the horizon truncates)")
    seq.add_argument("--lr-decay", type=float, help="learning rate factor per epoch/episode (default 0.9, the code's)")
    seq.add_argument("--gap", type=float, default=0.0, help="MILP relative gap at which SCIP stops (default 0)")
    seq.add_argument("--time-limit", type=float,
                     help="seconds per MILP solve; past it the incumbent, or the start, is used (default: none)")
    seq.set_defaults(func=cmd_sequoia)
    demo = sub.add_parser("demo", help="solve and simulate built-in models, write a figure",
                          description="Solve built-in models exactly, simulate their optimal and uniform policies, "
                                      "and plot exact values against Monte-Carlo returns.")
    demo.add_argument("--out", default="results", help="folder for demo.png and demo.svg (default results)")
    demo.add_argument("--episodes", type=int, default=2000, help="episodes per Monte-Carlo estimate (default 2000)")
    demo.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
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
