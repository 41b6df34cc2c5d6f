"""SEQUOIA's MILP (Xu, Wilder, Khalil & Tambe, ICLR 2025): per-step solve time of ``argmax_a Q(s, a)`` over each
coRMAB domain's feasible actions, and SEQUOIA's training wall time.

Solve time: a Q-network pretrained on one-step rewards (stage B of ``bandits.sequoia``, ``--pretrain-epochs``
epochs), on the paper's instance sizes at J = 20 and J = 50 (budget / workers J / 4; sigmoid N = 10, B = 5), one
solve per random joint state (``--states`` of them; ``--replay-states``: next states drawn as stage A draws its data
(a fresh draw, not the agent's own), the kind of state training's first target argmaxes see, mostly arms in state
0; ``--warm-up N``: N more states solved first, untimed, finding the lazy cuts; ``--seed``: the instance), median,
mean and 95th percentile. Variants, side by side on the same states and network, in one process, each
warm-started from its previous action (as when acting):

* ``per-state`` (before): one fresh SCIP model per state (``QNetworkMilp(reuse=False)``: ``cormab.maximize``, big-M
  bounds from interval arithmetic at that state, tightened by the domain's largest number of pulled arms);
* ``reused``: one SCIP model per network (``QNetworkMilp(reuse=True, tuned=False)``,
  ``solvers.add_parametric_relu_network``); each solve frees the transformed problem and rewrites only the
  state-dependent constants (the first layer's constants, every neuron's big-M bounds at that state, stable neurons'
  binaries fixed): the same formulation at each state, no rebuild;
* ``reused-tuned``: the same with ``tuned=True`` (SCIP's symmetry handling and primal heuristics off, fast
  presolving): ``QNetworkMilp``'s default except on routing;
* ``default``: what SEQUOIA uses, ``QNetworkMilp``'s defaults: ``reused-tuned``, except that on routing and
  scheduling the domain's relaxation with lazy no-good cuts (``cuts="lazy"``, ``cormab.LazyCuts``) replaces the
  walk / worker-slot matching formulation (the first three variants embed the full formulation, ``cuts="model"``);
* ``default-separating``: ``default`` with SCIP's cutting planes (separation, at ``cormab._scip``'s "fast" setting)
  and conflict analysis on, as ``tuned=True`` had them before they were switched off;
* ``assignment`` (capacity only): ``default`` on the same instance with the paper's assignment formulation
  (``CapacityDomain(formulation="assignment")``) in place of the packing patterns;
* ``enumerate``: every feasible action scored in one batched forward pass (``solver="auto"``'s choice when
  ``feasible_actions(domain, 50_000)`` finds at most that many; ``|F|`` and the one-off ``feasible set s`` to list
  them are reported; blank where the set is larger, as for every domain at J = 50 but the sigmoid one, whose
  N = 10 interventions stay enumerable).

Every variant that reached optimality is checked to give the same optimum value (to 1e-5) per state and the share
of states where per-state and reused return the same argmax is reported. ``--time-limit T`` caps each solve at T
seconds of SCIP's wall clock (a bounded run: ``--states`` solves per domain, each at most T): the row then counts
the solves that hit it, their relative gaps (median / max over those that had an incumbent) and those without any
incumbent (the start, the previous action, is returned); ``--variants default`` times only what SEQUOIA uses.

Training: an ESTIMATE of the full training wall time, ``train_sequoia`` run for ``--episodes`` DQN episodes and
``--train-pretrain-epochs`` pretraining epochs (default solver ``"auto"``), scaled to the paper's schedule (300
epochs, 100 episodes of H = 20): the first epoch and step (JAX's compilation) once, then the measured median epoch
and mean step times (``Sequoia.times``); ``--paper-sizes`` trains at :data:`PAPER_SIZES`. Early DQN steps act
randomly more often (epsilon starts at 0.9), so their policy solves are fewer than later; the 32 target solves per
step dominate either way.

``--authors-run``: the issue's reference run of the authors' code (routing, J = 20, its DQN loop skipped, 6 min 21 s
here) done by ``compare`` with the same settings, as a ratio.

    .venv/bin/python benchmarks/sequoia.py [--sizes 20 50] [--states 10] [--time-limit 10 --variants default]
                                           [--sizes 40 --domains routing --seed 20 --replay-states --warm-up 10
                                            --variants default default-separating --skip-train]
                                           [--skip-solve --paper-sizes --episodes 1 --train-pretrain-epochs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings

import numpy as np

from _common import header, table
from boundlab.bandits.cormab_policies import compare, make_domain
from boundlab.bandits.sequoia import (QNetworkMilp, SequoiaConfig, _Argmax, feasible_actions, pretraining_data,
                                      train_sequoia)

DOMAINS = ["sigmoid", "capacity", "scheduling", "routing"]


#: (J, B) per domain at the paper's sizes as the authors' run.sh / README use them (reading notes: sigmoid J = 20,
#: N = 10, B = 5; capacity and routing J = 40, B = 10; scheduling J = 100, B = 20).
PAPER_SIZES = {"sigmoid": (20, 5), "capacity": (40, 10), "scheduling": (100, 20), "routing": (40, 10)}

VARIANTS = ["per-state", "reused", "reused-tuned", "default", "default-separating", "assignment"]


class _SeparatingMilp(QNetworkMilp):
    """``QNetworkMilp``'s defaults with SCIP's fast separation and conflict analysis back on (the earlier tuning)."""

    def _build(self) -> None:
        import pyscipopt
        super()._build()
        self.model.setSeparating(pyscipopt.SCIP_PARAMSETTING.FAST)
        self.model.setParam("conflict/enable", True)


def _milp(variant: str, d, params, time_limit):
    if variant == "per-state":
        return QNetworkMilp(d, params, reuse=False, time_limit=time_limit, cuts="model")
    if variant == "default":  # QNetworkMilp's own choice: lazy cuts on routing and scheduling, tuned SCIP
        return QNetworkMilp(d, params, time_limit=time_limit)
    if variant == "default-separating":
        return _SeparatingMilp(d, params, time_limit=time_limit)
    if variant == "assignment":  # capacity's paper formulation, the same instance
        return QNetworkMilp(dataclasses.replace(d, formulation="assignment"), params, time_limit=time_limit)
    return QNetworkMilp(d, params, reuse=True, tuned=variant == "reused-tuned", time_limit=time_limit, cuts="model")


def solve_times(name: str, J: int, n_states: int, epochs: int, seed: int = 0, *, variants=VARIANTS[:3],
                time_limit: float | None = None, strategic_states: int = 1000, replay_states: bool = False,
                warm_up: int = 0) -> dict:
    """One row: each variant's median / mean / p95 solve time over ``n_states`` random states; under
    ``time_limit`` (seconds per solve, SCIP's wall clock) also how many solves hit it and their relative gaps
    (median, max). ``warm_up``: that many further states solved first, untimed, by ``QNetworkMilp``'s defaults (on
    routing and scheduling they find the no-good cuts every later model of the domain starts with)."""
    d = make_domain(name, J, 5 if name == "sigmoid" else max(J // 4, 2), seed=seed)
    t0 = time.perf_counter()
    agent = train_sequoia(d, seed=seed, episodes=0, pretrain_epochs=epochs, solver="milp",
                          strategic_states=strategic_states)
    t_pretrain = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    if replay_states:
        S2 = pretraining_data(d, SequoiaConfig(strategic_states=strategic_states), rng)[2]
        states = S2[rng.choice(len(S2), n_states + warm_up, replace=False)]
    else:
        states = rng.integers(0, 4, (n_states + warm_up, d.J))
    states, warm_states = states[warm_up:], states[:warm_up]
    if warm_up:
        warm = QNetworkMilp(d, agent.params)
        for s in warm_states:
            warm.solve(s)
    milps = {k: _milp(k, d, agent.params, time_limit) for k in variants
             if k != "assignment" or name == "capacity"}
    times = {k: [] for k in variants} | {"enumerate": []}  # a variant not run here (assignment): nan
    gaps = {k: [] for k in milps}
    t0 = time.perf_counter()
    F = feasible_actions(d, 50_000)
    t_feasible = time.perf_counter() - t0
    enum = None if F is None else _Argmax(d, agent.params, SequoiaConfig(), F)
    if enum is not None:
        enum(states[:1])  # compile the forward pass once
        enum.memo = {}
    start = None if time_limit is None else d.random_action(seed)  # a time limit returns at least the start
    last = {k: start for k in milps}
    same, compared = 0, 0
    for n, s in enumerate(states):
        acts, optimal = {}, {}
        for k in (list(milps) if n % 2 == 0 else list(milps)[::-1]):  # alternate the order against drift
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a time limit: counted below
                res = milps[k].solve_result(s, last[k])
            times[k].append(time.perf_counter() - t0)
            acts[k] = last[k] = res.x.astype(np.int8)
            optimal[k] = res.status == "optimal"
            if not optimal[k]:
                gaps[k].append(res.gap)
        if "per-state" in acts and "reused" in acts and optimal["per-state"] and optimal["reused"]:
            compared += 1
            same += bool(np.array_equal(acts["per-state"], acts["reused"]))
        if enum is not None:
            t0 = time.perf_counter()
            acts["enumerate"] = optimal["enumerate"] = enum(s)[0]
            times["enumerate"].append(time.perf_counter() - t0)
        solved = [k for k in acts if optimal[k] is True or k == "enumerate"]
        if len(solved) > 1:  # the variants that reached optimality agree on the optimum value
            q = agent.q_values(np.stack([s] * len(solved)), np.stack([acts[k] for k in solved]))
            assert np.ptp(q) < 1e-5 * max(1.0, abs(q[0])), (name, J, q)
    row = {"domain": name, "J": J, "states": f"{n_states} {'replay' if replay_states else 'uniform'}",
           "pretrain s": t_pretrain, "|F|": None if F is None else len(F),
           "feasible set s": t_feasible}
    for k, v in times.items():
        if not v:
            row[f"{k} median ms"] = row[f"{k} mean ms"] = row[f"{k} p95 ms"] = float("nan")
            continue
        row[f"{k} median ms"] = 1e3 * float(np.median(v))
        row[f"{k} mean ms"] = 1e3 * float(np.mean(v))
        row[f"{k} p95 ms"] = 1e3 * float(np.percentile(v, 95))
        if time_limit is not None and k in gaps:
            g = [x for x in gaps[k] if np.isfinite(x)]  # solves that stopped with an incumbent and a bound
            row[f"{k} hit {time_limit:g} s"] = len(gaps[k])
            row[f"{k} gap median/max (with incumbent)"] = f"{np.median(g):.3g}/{np.max(g):.3g}" if g else "-"
            row[f"{k} no incumbent"] = milps[k].fallbacks  # returned the start (the previous action)
    for k in ("reused", "reused-tuned"):
        if "per-state" in times and k in times:
            row[f"per-state / {k} (median)"] = row["per-state median ms"] / row[f"{k} median ms"]
    if "default" in times and "default-separating" in times:
        for stat in ("median", "mean"):
            row[f"separating / default ({stat})"] = row[f"default-separating {stat} ms"] / row[f"default {stat} ms"]
    if "per-state" in times and "reused" in times:
        row["same argmax"] = f"{same}/{compared}"
    return row


#: The authors' code on this machine (the issue's reference): one routing run at J = 20, B = 5 with its DQN loop
#: skipped (``-F``: data and the 300 pretraining epochs still run), one evaluation episode, K = 10: 6 min 21 s.
AUTHORS_ROUTING_S = 381.0


def authors_run() -> dict:
    """The same run here: ``compare`` on routing J = 20, B = 5, no DQN episodes, one evaluation episode, K = 10."""
    t0 = time.perf_counter()
    res = compare(make_domain("routing", 20, 5, seed=0), seed=0, eval_episodes=1, K=10, episodes=0)
    total = time.perf_counter() - t0
    return {"run": "routing J=20 B=5, DQN loop skipped, 1 evaluation episode, K=10", "ours s": total,
            "of which training s": res["train_seconds"], "authors' code s": AUTHORS_ROUTING_S,
            "authors / ours": AUTHORS_ROUTING_S / total}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[20, 50])
    p.add_argument("--states", type=int, default=10)
    p.add_argument("--warm-up", type=int, default=0, help="states solved, untimed, before the timed ones")
    p.add_argument("--seed", type=int, default=0, help="the instance and training seed (default 0)")
    p.add_argument("--pretrain-epochs", type=int, default=60)
    p.add_argument("--train-size", type=int, default=20)
    p.add_argument("--episodes", type=int, default=2)
    p.add_argument("--domains", nargs="+", default=DOMAINS)
    p.add_argument("--variants", nargs="+", default=VARIANTS[:3], choices=VARIANTS)
    p.add_argument("--time-limit", type=float, default=None, help="seconds per solve (SCIP's wall clock)")
    p.add_argument("--strategic-states", type=int, default=1000, help="stage A's strategic states (paper: 50 H)")
    p.add_argument("--replay-states", action="store_true", help="states drawn as stage A's next states, not uniform")
    p.add_argument("--skip-train", action="store_true", help="only the solve times")
    p.add_argument("--skip-solve", action="store_true", help="only the training estimate")
    p.add_argument("--paper-sizes", action="store_true", help="train at PAPER_SIZES (else --train-size)")
    p.add_argument("--train-pretrain-epochs", type=int, default=10, help="at least 2 (the first compiles)")
    p.add_argument("--solver", default="auto", choices=["auto", "milp", "enumerate"])
    p.add_argument("--authors-run", action="store_true", help="only the authors' reference run (AUTHORS_ROUTING_S)")
    args = p.parse_args(argv)
    if args.warm_up < 0:
        p.error(f"--warm-up must be >= 0, got {args.warm_up}")
    if args.authors_run:
        header("SEQUOIA against the authors' code: the issue's reference routing run")
        table([authors_run()])
        return
    if not args.skip_solve:
        header(f"SEQUOIA: per-step MILP solve time ({args.states} states, time limit {args.time_limit} s, "
               f"{args.pretrain_epochs} pretraining epochs)")
    rows = []
    for J in ([] if args.skip_solve else args.sizes):
        for name in args.domains:
            rows.append(solve_times(name, J, args.states, args.pretrain_epochs, args.seed, variants=args.variants,
                                    time_limit=args.time_limit, strategic_states=args.strategic_states,
                                    replay_states=args.replay_states, warm_up=args.warm_up))
            print(rows[-1], flush=True)  # each row as it lands (a long run still reports what it measured)
    if rows:
        table(rows)
    if args.skip_train:
        return
    cfg = SequoiaConfig()
    sizes = PAPER_SIZES if args.paper_sizes else {n: (args.train_size, 5 if n == "sigmoid" else
                                                      max(args.train_size // 4, 2)) for n in args.domains}
    full = args.episodes == cfg.episodes and args.train_pretrain_epochs == cfg.pretrain_epochs
    header(f"SEQUOIA: training wall time, MEASURED on the paper's schedule ({cfg.episodes} episodes, "
           f"{cfg.pretrain_epochs} epochs, solver {args.solver!r})" if full else
           f"SEQUOIA: training wall time, an ESTIMATE from a short run ({args.episodes} DQN episodes, "
           f"{args.train_pretrain_epochs} pretraining epochs, solver {args.solver!r}) scaled to the paper's schedule "
           f"({cfg.episodes} episodes, {cfg.pretrain_epochs} epochs)")
    rows = []
    for name in args.domains:
        J, B = sizes[name]
        d = make_domain(name, J, B, seed=args.seed)
        agent = train_sequoia(d, seed=args.seed, episodes=args.episodes, pretrain_epochs=args.train_pretrain_epochs,
                              solver=args.solver)
        t = agent.times
        steps = args.episodes * agent.config.horizon
        # the first epoch / step carries JAX's compilation: once, then the measured steady cost per epoch / step
        first_epoch = t["pretrain"] - (args.train_pretrain_epochs - 1) * t["pretrain_epoch"]
        pretrain = first_epoch + (cfg.pretrain_epochs - 1) * t["pretrain_epoch"]
        first_step = t["dqn"] - (steps - 1) * t["dqn_step"]
        dqn = first_step + (cfg.episodes * agent.config.horizon - 1) * t["dqn_step"]
        rows.append({"domain": name, "J": J, "B": B, "argmax": "enumerate" if agent._argmax.feasible is not None
                     else "milp", "data s": t["data"], f"pretrain s ({args.train_pretrain_epochs} ep)": t["pretrain"],
                     "pretrain s/epoch": t["pretrain_epoch"], f"dqn s ({steps} steps)": t["dqn"],
                     "dqn s/step": t["dqn_step"],
                     ("measured min" if full else "estimate min (paper schedule)"): (t["data"] + pretrain + dqn) / 60,
                     "argmaxes solved": agent.argmax_stats.get("solved", 0), "fallbacks": agent.fallbacks["training"]})
        print(rows[-1], flush=True)
    table(rows)


if __name__ == "__main__":
    main()
