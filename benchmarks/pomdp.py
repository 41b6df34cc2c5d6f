"""POMDP speed, side by side in one process: boundlab vs pomdp-py (``pip install -e .[peers]``).

(a) POMCP and POUCT simulations per second on Tiger (Kaelbling, Littman & Cassandra 1998, gamma 0.95) and
RockSample(5, 7) (Smith & Simmons 2004, the ZMDP/DESPOT layout) at the same depth, simulation budget, UCB constant
and particle set. pomdp-py runs on the same arrays through array-backed models written for the fastest pure-Python
sampling a user could write (state/observation objects made once, successors drawn by ``bisect`` on precomputed
cumulative rows, rewards looked up), with its uniform ``RandomRollout``-style policy; boundlab is timed from the
arrays to the answer (validation and the CSR build included). pomdp-py's ``max_depth`` counts like our ``depth``
except that its tree may go one step deeper (``depth > max_depth`` ends a simulation); its rollouts stop at
``max_depth`` as ours do.
(b) Exact belief updates per second: ``tabular.belief_update_batch`` (Numba) vs ``pomdp_py.update_histogram_belief``
on the same beliefs, actions and observations (checked equal). On RockSample the histogram holds the belief's support
(the 2^7 rock configurations at the start cell) and the updates are rock checks, so pomdp-py's double loop runs over
128 x 128 states, not 3201 x 3201.
(d) HSVI on RockSample(4,4), (5,7), (7,8): the time until the certified gap at ``b0`` is within 1% of the value, or
where the bounds stand when the budget runs out (no Python peer to compare: pomdp-py calls the SARSOP binary).
(c) Exact finite-horizon VI on Tiger: the largest horizon H that ``solvers.pomdp_value_iteration`` (incremental
pruning) and pomdp-py's ``ValueIteration`` (policy-tree enumeration, no pruning) each finish within a time budget, each
horizon run in a subprocess under a timeout so that a run that does not finish cannot block the script.
Run: ``python benchmarks/pomdp.py [--quick]``; ``--json FILE`` writes the measurements.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import subprocess
import sys
import time
import warnings

import numpy as np

from boundlab import solvers, tabular
from _common import header, table, timed

GAMMA = 0.95

try:
    import pomdp_py
except ImportError:  # the peers extra is not installed: ours alone
    pomdp_py = None


# ------------------------------------------------------------------------------------------------- the models

def tiger_arrays():
    m = tabular.tiger()
    P, O, R = m.to_arrays()[:3]
    return "Tiger", P, O, R, np.full(2, 0.5)


def rocksample_5_7():
    rs = tabular.rocksample_arrays(5, 7)
    return "RockSample(5,7)", rs.P, rs.O, rs.R, rs.initial


def csr_rows(P, S, A):
    """Per row s*A + a: successor list and cumulative probabilities (Python lists, for the pomdp-py models)."""
    import scipy.sparse as sp

    P2 = sp.csr_matrix(P if sp.issparse(P) else np.asarray(P).reshape(S * A, S))
    P2.eliminate_zeros()
    P2.sort_indices()
    succ = [P2.indices[P2.indptr[r]:P2.indptr[r + 1]].tolist() for r in range(S * A)]
    cum = [np.cumsum(P2.data[P2.indptr[r]:P2.indptr[r + 1]]).tolist() for r in range(S * A)]
    return P2, succ, cum


def pomdp_py_agent(P, O, R, belief, kind: str, particles=None):
    """A pomdp-py Agent on the arrays (see the module docstring); ``kind`` 'histogram' or 'particles'."""
    S, A = R.shape
    n_obs = O.shape[2]
    P2, succ, cum = csr_rows(P, S, A)
    O_cum = np.cumsum(O, axis=2).tolist()
    O_list = O.tolist()
    R_list = R.tolist()
    Pd = [dict(zip(s_, np.diff(np.r_[0.0, c]).tolist())) for s_, c in zip(succ, cum)]

    class Indexed:  # immutable, hashed by index: POMCP's deepcopy of particles may share them
        def __init__(self, i):
            self.i = i

        def __hash__(self):
            return self.i

        def __eq__(self, other):
            return type(other) is type(self) and self.i == other.i

        def __deepcopy__(self, memo):
            return self

    class St(Indexed, pomdp_py.State):
        pass

    class Ac(Indexed, pomdp_py.Action):
        pass

    class Ob(Indexed, pomdp_py.Observation):
        pass

    states = [St(i) for i in range(S)]
    actions = [Ac(i) for i in range(A)]
    observations = [Ob(i) for i in range(n_obs)]

    class T(pomdp_py.TransitionModel):
        def sample(self, state, action):
            r = state.i * A + action.i
            c = cum[r]
            return states[succ[r][bisect.bisect_right(c, random.random() * c[-1])]]

        def probability(self, next_state, state, action):
            return Pd[state.i * A + action.i].get(next_state.i, 0.0)

        def get_all_states(self):
            return states

    class Z(pomdp_py.ObservationModel):
        def sample(self, next_state, action):
            c = O_cum[action.i][next_state.i]
            return observations[bisect.bisect_right(c, random.random() * c[-1])]

        def probability(self, observation, next_state, action):
            return O_list[action.i][next_state.i][observation.i]

        def get_all_observations(self):
            return observations

    class Rw(pomdp_py.RewardModel):
        def sample(self, state, action, next_state):
            return R_list[state.i][action.i]

    class Pi(pomdp_py.RolloutPolicy):
        def sample(self, state):
            return random.choice(actions)

        def rollout(self, state, history=None):
            return random.choice(actions)

        def get_all_actions(self, state=None, history=None):
            return actions

    if kind == "particles":
        init = pomdp_py.Particles([states[i] for i in particles])
    else:
        init = pomdp_py.Histogram({states[i]: float(belief[i]) for i in np.flatnonzero(belief)})
    agent = pomdp_py.Agent(init, Pi(), T(), Z(), Rw())
    return agent, states, actions, observations


# ---------------------------------------------------------------------------------------------- (a) POMCP / POUCT

def search_case(name, P, O, R, b0, depth, c, n_sims, n_particles, rows, ratios):
    S, A = R.shape
    particles = np.random.default_rng(0).choice(S, size=n_particles, p=b0)
    ours = {
        "POMCP": lambda n: solvers.pomcp(P, O, R, GAMMA, particles, n_simulations=n, depth=depth, c=c, seed=0),
        "POUCT": lambda n: solvers.pouct(P, O, R, GAMMA, b0, n_simulations=n, depth=depth, c=c, seed=0),
    }
    for algo, run in ours.items():
        run(100)  # compile / load the Numba cache outside the timing
        t_fixed, _ = timed(run, 1, repeat=5)
        t_ours, res = timed(run, n_sims, repeat=5)
        t_big, _ = timed(run, 20 * n_sims, repeat=2)
        row = {"model": name, "planner": algo, "depth": depth, "c": c, "simulations": n_sims,
               "boundlab sims/s": n_sims / t_ours, "boundlab ms per call at 1 sim": 1e3 * t_fixed,
               "boundlab sims/s at 20x budget": 20 * n_sims / t_big, "pomdp-py sims/s": "-", "ratio": "-"}
        if pomdp_py is not None:
            agent = pomdp_py_agent(P, O, R, b0, "particles" if algo == "POMCP" else "histogram", particles)[0]
            cls = pomdp_py.POMCP if algo == "POMCP" else pomdp_py.POUCT
            planner = cls(max_depth=depth, discount_factor=GAMMA, num_sims=n_sims, exploration_const=c,
                          rollout_policy=agent.policy_model, show_progress=False)

            def theirs(agent=agent, planner=planner):
                random.seed(0)
                agent.tree = None  # a fresh search, as ours
                planner.plan(agent)
                return planner.last_num_sims

            t_theirs, done = timed(theirs, repeat=2)
            assert done == n_sims
            row["pomdp-py sims/s"] = n_sims / t_theirs
            row["ratio"] = t_theirs / t_ours
            ratios[f"{algo} {name}"] = row["ratio"]
        rows.append(row)
        print(f"  {name} {algo}: value {res.value:.3f}, action {res.action}", file=sys.stderr)


# --------------------------------------------------------------------------------------------- (b) belief updates

def belief_case(name, P, O, R, b0, n, n_peer, rows, ratios, actions_from):
    S, A = R.shape
    rng = np.random.default_rng(0)
    support = np.flatnonzero(b0)
    B = np.zeros((n, S))
    B[:, support] = rng.dirichlet(np.ones(support.size), size=n)
    acts = rng.choice(actions_from, size=n).astype(np.int64)
    # an observation of positive probability for each row: drawn from its predictive distribution
    obs = np.empty(n, dtype=np.int64)
    for i in range(min(n, 64)):
        a = acts[i]
        rows_a = P[support * A + a] if hasattr(P, "tocsr") else P[support, a, :]  # P[s, a, :] on the support
        pred = O[a].T @ np.asarray(rows_a.T @ B[i, support]).ravel()
        obs[i] = rng.choice(O.shape[2], p=pred / pred.sum())
    obs[64:] = obs[np.arange(64, n) % 64]
    acts[64:] = acts[np.arange(64, n) % 64]
    B[64:] = B[np.arange(64, n) % 64]
    try:
        tabular.belief_update_batch(P, O, B[:2], acts[:2], obs[:2])
    except (TypeError, ValueError) as e:
        print(f"  {name}: boundlab belief_update_batch refused this P ({e}); skipped", file=sys.stderr)
        return
    t_ours, (B2, _) = timed(tabular.belief_update_batch, P, O, B, acts, obs, repeat=5)
    row = {"model": name, "S": S, "belief support": support.size, "updates": n,
           "boundlab updates/s": n / t_ours, "pomdp-py updates/s": "-", "ratio": "-"}
    if pomdp_py is not None:
        agent, states, actions, observations = pomdp_py_agent(P, O, R, b0, "histogram")
        hists = [pomdp_py.Histogram({states[j]: float(B[i, j]) for j in support}) for i in range(n_peer)]

        def theirs():
            return [pomdp_py.update_histogram_belief(hists[i], actions[acts[i]], observations[obs[i]],
                                                     agent.observation_model, agent.transition_model)
                    for i in range(n_peer)]

        t_theirs, out = timed(theirs, repeat=2)
        for i in range(min(n_peer, 8)):  # the same posterior
            got = np.zeros(S)
            for s, p in out[i].histogram.items():
                got[s.i] = p
            np.testing.assert_allclose(got, B2[i], atol=1e-9)
        row["pomdp-py updates/s"] = n_peer / t_theirs
        row["ratio"] = (n / t_ours) / (n_peer / t_theirs)
        ratios[f"belief update {name}"] = row["ratio"]
    rows.append(row)


# ------------------------------------------------------------------------------------------------- (c) exact VI

_VI_CHILD = r"""
import sys, time
import numpy as np
sys.path.insert(0, {bench!r})
from boundlab import solvers, tabular
H = int(sys.argv[1])
P, O, R = tabular.tiger().to_arrays()[:3]
t0 = time.perf_counter()
if sys.argv[2] == "boundlab":
    vf = solvers.pomdp_value_iteration(P, O, R, H=H, gamma=0.95)
    print(time.perf_counter() - t0, vf.value([0.5, 0.5]), len(vf.alphas))
else:
    import pomdp_py
    from pomdp import pomdp_py_agent
    agent = pomdp_py_agent(P, O, R, np.full(2, 0.5), "histogram")[0]
    a = pomdp_py.ValueIteration(horizon=H, discount_factor=0.95).plan(agent)
    print(time.perf_counter() - t0, "nan", a.i)
"""


def vi_case(budget: float, horizons, tool: str) -> dict:
    """Run horizons in order, each in a subprocess limited to ``budget`` seconds; stop at the first that fails."""
    import os

    code = _VI_CHILD.format(bench=os.path.dirname(os.path.abspath(__file__)))
    best = {"tool": tool, "largest H within budget": 0, "seconds": 0.0, "V_H(1/2)": "-", "alpha-vectors": "-",
            "first H over budget": "-"}
    for H in horizons:
        try:
            out = subprocess.run([sys.executable, "-c", code, str(H), tool], capture_output=True, text=True,
                                 timeout=budget, check=True).stdout.split()
        except subprocess.TimeoutExpired:
            best["first H over budget"] = H
            break
        t = float(out[0])
        best.update({"largest H within budget": H, "seconds": t, "V_H(1/2)": out[1] if tool == "boundlab" else "-"})
        if tool == "boundlab":
            best["alpha-vectors"] = int(out[2])
    return best


def hsvi_case(n: int, k: int, budget: float, zeta: float | None = None) -> dict:
    """``solvers.hsvi`` on RockSample(n, k) (sparse P) with a gap it will not reach, under ``budget`` seconds: the
    first time its certified trace has ``upper - lower <= 1% of |lower|``, and where it stands at the end. ``zeta``:
    the paper's fixed trial target (None) or ZMDP's adaptive one."""
    arr = tabular.rocksample_arrays(n, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = solvers.hsvi(arr.P, arr.O, arr.R, GAMMA, arr.initial, gap=1e-6, time_limit=budget, zeta=zeta)
    t, lo, up = res.trace.T
    hit = np.flatnonzero(up - lo <= 0.01 * np.abs(lo))
    return {"instance": f"RockSample({n},{k})", "S": arr.R.shape[0], "trial target": zeta or "fixed (paper)",
            "budget s": budget,
            "time to 1% gap s": float(t[hit[0]]) if hit.size else f"> {budget:g}",
            "lower": res.lower, "upper": res.upper, "gap %": 100 * res.gap / abs(res.lower),
            "trials": res.trials, "backups/s": res.backups / res.seconds}


# ----------------------------------------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small budgets (smoke run)")
    parser.add_argument("--json", help="write the measured ratios and tables here")
    args = parser.parse_args()
    if pomdp_py is None:
        print("pomdp-py missing (pip install -e '.[peers]'): boundlab's numbers alone", file=sys.stderr)
    results = {"quick": args.quick, "date": time.strftime("%Y-%m-%d"), "ratios": {}}

    header("(a) POMCP / POUCT simulations per second (same depth, budget, c, particles; from arrays)")
    rows = []
    tiger, rs = tiger_arrays(), rocksample_5_7()
    n = 2_000 if args.quick else 20_000
    search_case(*tiger, depth=10, c=110.0, n_sims=n, n_particles=1000, rows=rows, ratios=results["ratios"])
    search_case(*rs, depth=20, c=20.0, n_sims=n // 4, n_particles=1000, rows=rows, ratios=results["ratios"])
    table(rows)
    results["search"] = rows

    header("(b) exact belief updates per second (Bayes' rule on the same beliefs, actions, observations)")
    rows = []
    n_b, n_peer = (20_000, 500) if args.quick else (200_000, 5_000)
    belief_case(*tiger, n=n_b, n_peer=n_peer, rows=rows, ratios=results["ratios"], actions_from=[0, 1, 2])
    belief_case(*rs, n=n_b // 10, n_peer=max(n_peer // 50, 20), rows=rows, ratios=results["ratios"],
                actions_from=np.arange(5, 12))
    if rows:
        table(rows)
    results["belief"] = rows

    header("(d) HSVI: time until the certified gap at b0 is within 1% of the value (no Python peer: pomdp-py "
           "shells out to the SARSOP binary)")
    rows = [hsvi_case(n, k, budget=(10.0 if args.quick else 60.0), zeta=zeta)
            for n, k in [(4, 4), (5, 7), (7, 8)] for zeta in (None, 0.95)]
    table(rows)
    results["hsvi"] = rows

    budget = 5.0 if args.quick else 60.0
    header(f"(c) exact VI on Tiger (gamma 0.95): the largest horizon finished within {budget:.0f} s per horizon")
    horizons = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 100]
    rows = [vi_case(budget, horizons, "boundlab")]
    if pomdp_py is not None:
        rows.append(vi_case(budget, horizons, "pomdp-py"))
    table(rows)
    results["vi"] = rows
    print("ratios:", json.dumps(results["ratios"], indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
