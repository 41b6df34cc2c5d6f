"""SEQUOIA's MILP (Xu, Wilder, Khalil & Tambe, ICLR 2025): per-step solve time of ``argmax_a Q(s, a)`` over each
coRMAB domain's feasible actions, and SEQUOIA's training wall time.

Solve time: a Q-network pretrained on one-step rewards (stage B of ``bandits.sequoia``, ``--pretrain-epochs``
epochs), on the paper's instance sizes at J = 20 and J = 50 (budget / workers J / 4; sigmoid N = 10, B = 5), one
solve per random joint state (``--states`` of them), median and 95th percentile. Variants, side by side on the same
states and network:

* ``before``: one fresh model per state with plain interval big-M bounds and SCIP's default settings (what
  ``cormab.maximize`` did when this benchmark was written);
* ``after``: one fresh model per state, first-layer bounds tightened by the domain's largest number of pulled arms,
  SCIP's fast cutting-plane setting, a warm start (the previous state's action) -- ``QNetworkMilp``'s default;
* ``reuse``: one SCIP model for all states, state variables' bounds changed per solve (``QNetworkMilp(reuse=True)``);
* ``enumerate``: every feasible action scored in one batched forward pass (``solver="auto"``'s choice when
  ``feasible_actions(domain, 50_000)`` finds at most that many; ``|F|`` and the one-off ``feasible set s`` to list
  them are reported; blank where the set is larger).

Every variant's optimum value is checked equal (to 1e-5) per state. Training: ``train_sequoia`` at the stated size
with ``--episodes`` DQN episodes (the paper: 100), wall time per stage.

    .venv/bin/python benchmarks/sequoia.py [--sizes 20 50] [--states 10] [--train-size 20 --episodes 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import header, table
from boundlab.bandits import cormab
from boundlab.bandits.cormab_policies import make_domain
from boundlab.bandits.sequoia import QNetworkMilp, SequoiaConfig, _Argmax, feasible_actions, train_sequoia
from boundlab.solvers.relu_milp import relu_layers_from_params

DOMAINS = ["sigmoid", "capacity", "scheduling", "routing"]


def solve_times(name: str, J: int, n_states: int, epochs: int, seed: int = 0) -> dict:
    d = make_domain(name, J, 5 if name == "sigmoid" else max(J // 4, 2), seed=seed)
    agent = train_sequoia(d, seed=seed, episodes=0, pretrain_epochs=epochs, solver="milp")
    W, b = relu_layers_from_params(agent.params)
    states = np.random.default_rng(seed).integers(0, 4, (n_states, d.J))
    reuse = QNetworkMilp(d, agent.params, reuse=True)
    times = {"before": [], "after": [], "reuse": [], "enumerate": []}
    t0 = time.perf_counter()
    F = feasible_actions(d, 50_000)
    t_feasible = time.perf_counter() - t0
    enum = None if F is None else _Argmax(d, agent.params, SequoiaConfig(), F)
    if enum is not None:
        enum(states[:1])  # compile the forward pass once
        enum.memo = {}
    last = None
    for s in states:
        t0 = time.perf_counter()
        r0 = cormab.maximize(d, weights=W, biases=b, state=s, tighten=False, separating="default")
        times["before"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        r1 = cormab.maximize(d, weights=W, biases=b, state=s, x0=last)
        times["after"].append(time.perf_counter() - t0)
        last = r1.x
        t0 = time.perf_counter()
        a2 = reuse.solve(s)
        times["reuse"].append(time.perf_counter() - t0)
        acts = [r0.x, r1.x, a2]
        if enum is not None:
            t0 = time.perf_counter()
            acts.append(enum(s)[0])
            times["enumerate"].append(time.perf_counter() - t0)
        q = agent.q_values(np.stack([s] * len(acts)), np.stack(acts))
        assert np.ptp(q) < 1e-4 * max(1.0, abs(q[0])), (name, J, q)
    row = {"domain": name, "J": J, "|F|": None if F is None else len(F), "feasible set s": t_feasible}
    for k, v in times.items():
        if not v:
            row[f"{k} median ms"] = row[f"{k} p95 ms"] = float("nan")
            continue
        row[f"{k} median ms"] = 1e3 * float(np.median(v))
        row[f"{k} p95 ms"] = 1e3 * float(np.percentile(v, 95))
    row["speedup (median)"] = row["before median ms"] / row["after median ms"]
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
