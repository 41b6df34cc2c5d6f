"""SEQUOIA's MILP (Xu, Wilder, Khalil & Tambe, ICLR 2025): per-step solve time of ``argmax_a Q(s, a)`` over each
coRMAB domain's feasible actions, and SEQUOIA's training wall time.

Solve time: a Q-network pretrained on one-step rewards (stage B of ``bandits.sequoia``, ``--pretrain-epochs``
epochs), on the paper's instance sizes at J = 20 and J = 50 (budget / workers J / 4; sigmoid N = 10, B = 5), one
solve per random joint state (``--states`` of them), median and 95th percentile. Variants, side by side on the same
states and network, in one process, each warm-started from its previous action (as when acting):

* ``per-state`` (before): one fresh SCIP model per state (``QNetworkMilp(reuse=False)``: ``cormab.maximize``, big-M
  bounds from interval arithmetic at that state, tightened by the domain's largest number of pulled arms);
* ``reused``: one SCIP model per network (``QNetworkMilp(reuse=True, tuned=False)``,
  ``solvers.add_parametric_relu_network``); each solve frees the transformed problem and rewrites only the
  state-dependent constants (the first layer's constants, every neuron's big-M bounds at that state, stable neurons'
  binaries fixed): the same formulation at each state, no rebuild;
* ``reused-tuned``: the same with ``tuned=True`` (SCIP's symmetry handling and primal heuristics off, fast
  presolving): ``QNetworkMilp``'s default except on routing;
* ``enumerate``: every feasible action scored in one batched forward pass (``solver="auto"``'s choice when
  ``feasible_actions(domain, 50_000)`` finds at most that many; ``|F|`` and the one-off ``feasible set s`` to list
  them are reported; blank where the set is larger, as for every domain at J = 50 but the sigmoid one, whose
  N = 10 interventions stay enumerable).

Every variant's optimum value is checked equal (to 1e-5) per state and the share of states where per-state and
reused return the same argmax is reported. Training: ``train_sequoia`` at the stated size with ``--episodes`` DQN
episodes (the paper: 100), wall time per stage.

    .venv/bin/python benchmarks/sequoia.py [--sizes 20 50] [--states 10] [--train-size 20 --episodes 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import header, table
from boundlab.bandits.cormab_policies import make_domain
from boundlab.bandits.sequoia import QNetworkMilp, SequoiaConfig, _Argmax, feasible_actions, train_sequoia

DOMAINS = ["sigmoid", "capacity", "scheduling", "routing"]


def solve_times(name: str, J: int, n_states: int, epochs: int, seed: int = 0) -> dict:
    d = make_domain(name, J, 5 if name == "sigmoid" else max(J // 4, 2), seed=seed)
    agent = train_sequoia(d, seed=seed, episodes=0, pretrain_epochs=epochs, solver="milp")
    states = np.random.default_rng(seed).integers(0, 4, (n_states, d.J))
    milps = {"per-state": QNetworkMilp(d, agent.params, reuse=False),
             "reused": QNetworkMilp(d, agent.params, reuse=True, tuned=False),
             "reused-tuned": QNetworkMilp(d, agent.params, reuse=True, tuned=True)}
    times = {k: [] for k in milps} | {"enumerate": []}
    t0 = time.perf_counter()
    F = feasible_actions(d, 50_000)
    t_feasible = time.perf_counter() - t0
    enum = None if F is None else _Argmax(d, agent.params, SequoiaConfig(), F)
    if enum is not None:
        enum(states[:1])  # compile the forward pass once
        enum.memo = {}
    last = {k: None for k in milps}
    same = 0
    for n, s in enumerate(states):
        acts = {}
        for k in (list(milps) if n % 2 == 0 else list(milps)[::-1]):  # alternate the order against drift
            t0 = time.perf_counter()
            acts[k] = last[k] = milps[k].solve(s, last[k])
            times[k].append(time.perf_counter() - t0)
        same += bool(np.array_equal(acts["per-state"], acts["reused"]))
        if enum is not None:
            t0 = time.perf_counter()
            acts["enumerate"] = enum(s)[0]
            times["enumerate"].append(time.perf_counter() - t0)
        q = agent.q_values(np.stack([s] * len(acts)), np.stack(list(acts.values())))
        assert np.ptp(q) < 1e-5 * max(1.0, abs(q[0])), (name, J, q)
    row = {"domain": name, "J": J, "|F|": None if F is None else len(F), "feasible set s": t_feasible}
    for k, v in times.items():
        if not v:
            row[f"{k} median ms"] = row[f"{k} p95 ms"] = float("nan")
            continue
        row[f"{k} median ms"] = 1e3 * float(np.median(v))
        row[f"{k} p95 ms"] = 1e3 * float(np.percentile(v, 95))
    row["per-state / reused (median)"] = row["per-state median ms"] / row["reused median ms"]
    row["per-state / reused-tuned"] = row["per-state median ms"] / row["reused-tuned median ms"]
    row["same argmax"] = f"{same}/{n_states}"
    return row


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[20, 50])
    p.add_argument("--states", type=int, default=10)
    p.add_argument("--pretrain-epochs", type=int, default=60)
    p.add_argument("--train-size", type=int, default=20)
    p.add_argument("--episodes", type=int, default=2)
    p.add_argument("--domains", nargs="+", default=DOMAINS)
    p.add_argument("--skip-train", action="store_true", help="only the solve times")
    args = p.parse_args(argv)
    header("SEQUOIA: per-step MILP solve time")
    table([solve_times(name, J, args.states, args.pretrain_epochs) for J in args.sizes for name in args.domains])
    if args.skip_train:
        return
    header(f"SEQUOIA: training wall time, J = {args.train_size}, {args.episodes} DQN episodes (paper: 100)")
    rows = []
    for name in args.domains:
        d = make_domain(name, args.train_size, 5 if name == "sigmoid" else max(args.train_size // 4, 2), seed=0)
        agent = train_sequoia(d, seed=0, episodes=args.episodes, solver="milp")
        t = agent.times
        steps = args.episodes * agent.config.horizon
        rows.append({"domain": name, "J": args.train_size, "data s": t["data"], "pretrain s": t["pretrain"],
                     "dqn s": t["dqn"], "dqn s/step": t["dqn"] / max(steps, 1),
                     "100 episodes, extrapolated min": (t["data"] + t["pretrain"] + t["dqn"] * 100
                                                        / max(args.episodes, 1)) / 60})
    table(rows)


if __name__ == "__main__":
    main()
