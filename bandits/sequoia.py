"""SEQUOIA (Xu, Wilder, Khalil & Tambe, "Reinforcement learning with combinatorial actions for coupled restless
bandits", ICLR 2025, arXiv 2503.01919, Algorithm 1): deep Q-learning on a coRMAB domain (:mod:`.cormab`) with a
Q-network on ``[action; state]`` whose every greedy action and every target max is a MILP over the domain's feasible
actions with the network embedded (``solvers.add_relu_network``).

Settings, from the authors' code (GitHub lily-x/combinatorial-rmab, commit 895a382, ``algos/dqn_estimator.py``),
all fields of :class:`SequoiaConfig`:

* network: ``[n_actions + J] -> 16 -> 32 -> 1``, ReLU, PyTorch's default initialisation; input the action vector
  then the raw integer state (no scaling). It predicts the discounted return (the code predicts its negative, a cost,
  and minimises; the same thing);
* stage A, data: starter states (all 0, all 1, each unit vector and its complement) times starter actions (all 0,
  all 1, each unit vector and its complement, plus 10 random feasible actions each), then ``50 H`` "strategic" states
  (``B`` arms in state 3, the rest uniform; sigmoid: 0/1 states) with the indicator of those arms (sigmoid: ``B``
  random interventions), 10 random feasible actions and the starters; every pair is labelled with ``E[r | s, a]`` (the
  expected reward, the code's variance reduction; starter actions need not be feasible, as in the code);
* stage B, pretraining: a network regressed (MSE) on those one-step rewards, ``300`` epochs of ``|D| / 32``
  minibatches of 32 drawn with replacement, AdamW (lr 2.5e-4, eps 1.5e-4, AMSGrad, weight decay 0.01, PyTorch's
  default), learning rate times 0.9 per epoch;
* stage C, DQN: policy and target networks start from the pretrained one; replay of capacity 1e4 seeded with 1000
  stage-A samples; 100 episodes of ``H = 20`` steps from Bernoulli(0.5) states; epsilon-greedy with
  ``eps = 0.05 + 0.85 exp(-t / 1000)`` (``t`` the global step; a random feasible action, else the MILP's greedy
  action); after each step one update on 32 transitions: target ``r + 0.99 max_a' Q_target(s', a')`` (the max by the
  MILP, one per next state, memoised while the target network is unchanged), Huber loss, gradients clipped at 5 by
  value, learning rate times 0.9 per episode.

``lr_decay = 0.9`` (per pretraining epoch and per DQN episode) is the authors' code's setting (``ExponentialLR``,
gamma 0.9); the part of the paper we could read states no schedule, so it stays the default, but it makes the
learning rate collapse: after two target periods (600 steps, 30 episodes at ``H = 20``) it is 0.9^30 = 4% of the
start, after 100 episodes 3e-5, so the DQN stage stops learning early. ``lr_decay=1.0`` keeps the rate constant
(the standard DQN choice).

Departures of the code from the paper, each behind an option here (defaults: the paper / standard DQN):
``target_update=300`` hard copies every 300 steps (the code defines ``TARGET_UPDATE_FREQ = 300`` but only
soft-updates with ``tau = 1e-6``, so its targets stay the pretrained one-step network: ``code_target=True``);
``done_mask=True`` masks the bootstrap at the last step (default ``False``, as the code: the Q-network does not see
the time step, so the horizon is a time-limit truncation of a discounted task, where bootstrapping is the consistent
target, Pardo et al. 2018, "Time limits in reinforcement learning"; masking would ask one ``Q(s, a)`` for two values;
the paper states nothing else); replay is uniform (the code's prioritised buffer never updates its priorities,
which is uniform sampling with equal weights); ``code_redraw=True`` (sigmoid domain) trains on the code's training
instance, the link parameters drawn anew from the training stream (``cormab.code_training_instance``), and acts on
the given one.

MILP speed (:class:`QNetworkMilp`): one SCIP model per network, the state as parameters whose constants and
big-M bounds are rewritten per solve (``freeTransform``, then new sides, coefficients and bounds), a warm start
(the previous action, or any feasible action) given as a partial solution; ``solver="enumerate"`` instead scores
every feasible action in batched forward passes, exact and much faster where the feasible set is not too large
(``"auto"``: when it has at most ``max_enumerate = 50_000`` actions, its size estimated by sampling before it is
listed once per domain).
"""

from __future__ import annotations

import itertools
import math
import time
import weakref
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from boundlab.tabular._checks import Seed, check_flag, check_int, check_real
from boundlab.tabular.instances import as_generator

from . import cormab

__all__ = ["QNetworkMilp", "Sequoia", "SequoiaConfig", "feasible_actions", "pretraining_data", "train_sequoia"]


@dataclass(frozen=True)
class SequoiaConfig:
    """SEQUOIA's settings (module docstring; defaults: the paper's / the authors' code's values)."""

    hidden: tuple = (16, 32)
    gamma: float = 0.99
    lr: float = 2.5e-4
    adam_eps: float = 1.5e-4
    weight_decay: float = 0.01
    grad_clip: float = 5.0
    lr_decay: float = 0.9
    batch_size: int = 32
    memory_size: int = 10_000
    replay_seed: int = 1000
    eps_start: float = 0.9
    eps_end: float = 0.05
    eps_decay: float = 1000.0
    episodes: int = 100
    horizon: int = 20
    pretrain_epochs: int = 300
    strategic_states: int | None = None  # default 50 * horizon
    random_actions: int = 10
    target_update: int = 300
    code_target: bool = False
    tau: float = 1e-6
    code_redraw: bool = False
    done_mask: bool = False
    solver: str = "auto"
    max_enumerate: int = 50_000
    gap: float = 0.0
    time_limit: float | None = None

    def __post_init__(self):
        for name in ("batch_size", "memory_size", "horizon", "target_update", "max_enumerate"):
            object.__setattr__(self, name, check_int(getattr(self, name), name))
        for name in ("episodes", "pretrain_epochs", "random_actions", "replay_seed"):
            object.__setattr__(self, name, check_int(getattr(self, name), name, minimum=0))
        if self.strategic_states is not None:
            object.__setattr__(self, "strategic_states", check_int(self.strategic_states, "strategic_states",
                                                                   minimum=0))
        for name, lo, hi in (("gamma", 0.0, 1.0), ("lr", 0.0, math.inf), ("adam_eps", 0.0, math.inf),
                             ("weight_decay", 0.0, math.inf), ("grad_clip", 0.0, math.inf),
                             ("lr_decay", 0.0, 1.0), ("eps_start", 0.0, 1.0), ("eps_end", 0.0, 1.0),
                             ("eps_decay", 0.0, math.inf), ("tau", 0.0, 1.0), ("gap", 0.0, math.inf)):
            object.__setattr__(self, name, check_real(getattr(self, name), name, low=lo, high=hi))
        for name in ("code_target", "code_redraw", "done_mask"):
            check_flag(getattr(self, name), name)
        if self.solver not in ("auto", "milp", "enumerate"):
            raise ValueError(f"solver must be 'auto', 'milp' or 'enumerate', got {self.solver!r}")
        h = self.hidden
        if not isinstance(h, tuple) or not h or any(isinstance(w, bool) or not isinstance(w, int) or w < 1
                                                    for w in h):
            raise ValueError(f"hidden must be a non-empty tuple of positive ints, got {h!r}")
        if self.time_limit is not None:
            object.__setattr__(self, "time_limit", check_real(self.time_limit, "time_limit", low=0.0,
                                                              low_open=True))


# --- the network (JAX) ---------------------------------------------------------------------------------------------

def torch_init(key, sizes) -> list:
    """PyTorch's default ``nn.Linear`` initialisation: weights and biases ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``;
    layers ``(W: [d_in, d_out], b)`` as in ``solvers.networks``."""
    import jax
    keys = jax.random.split(key, 2 * (len(sizes) - 1))
    out = []
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        r = 1.0 / math.sqrt(m)
        out.append((jax.random.uniform(keys[2 * k], (m, n), minval=-r, maxval=r),
                    jax.random.uniform(keys[2 * k + 1], (n,), minval=-r, maxval=r)))
    return out


def _optimizer(cfg: SequoiaConfig, steps_per_decay: int):
    """AdamW with AMSGrad and clipping by value, the learning rate times ``lr_decay`` every ``steps_per_decay``."""
    import optax
    schedule = optax.exponential_decay(cfg.lr, max(steps_per_decay, 1), cfg.lr_decay, staircase=True)
    return optax.chain(optax.clip(cfg.grad_clip), optax.scale_by_amsgrad(eps=cfg.adam_eps),
                       optax.add_decayed_weights(cfg.weight_decay), optax.scale_by_learning_rate(schedule))


def _q(params, x):
    from boundlab.solvers.networks import mlp
    return mlp(params, x)[..., 0]


_Q_JIT = []


def _q_numpy(params, x: np.ndarray) -> np.ndarray:
    """``Q`` on a numpy batch through one jitted forward pass, the batch padded to a power of two (few shapes)."""
    import jax
    import jax.numpy as jnp
    if not _Q_JIT:
        _Q_JIT.append(jax.jit(_q))
    n = x.shape[0]
    m = 1 << max(n - 1, 0).bit_length()
    pad = np.zeros((m,) + x.shape[1:], np.float32)
    pad[:n] = x
    return np.asarray(_Q_JIT[0](params, jnp.asarray(pad)))[:n].astype(np.float64)


# --- feasible actions, data --------------------------------------------------------------------------------------

_FEASIBLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # domain -> {"F": ..., "estimate": ...}


def _as_actions(subsets: np.ndarray, n: int) -> np.ndarray:
    """Index rows ``(m, k)`` as 0/1 actions ``(m, n)`` (int8)."""
    a = np.zeros((subsets.shape[0], n), dtype=np.int8)
    a[np.arange(subsets.shape[0])[:, None], subsets] = 1
    return a


def feasible_count_estimate(domain, samples: int = 200) -> float:
    """An estimate of the number of feasible actions: ``sum_k C(n, k) * (fraction of `samples` uniform k-subsets
    that are feasible)`` over ``k <= max_pulled``, exact for each ``k`` with ``C(n, k) <= samples``."""
    n, cap = domain.n_actions, min(domain.max_pulled, domain.n_actions)
    rng = np.random.default_rng(0)
    total = 0.0
    for k in range(cap + 1):
        n_k = math.comb(n, k)
        subs = (list(itertools.combinations(range(n), k)) if n_k <= samples
                else [rng.choice(n, k, replace=False) for _ in range(samples)])
        ok = domain._feasible_many(_as_actions(np.array(subs, dtype=np.int64).reshape(len(subs), k), n))
        total += n_k * int(ok.sum()) / len(subs)
    return total


_CHUNK = 1 << 16  # candidate subsets checked at once


def _candidates(level: np.ndarray, n: int, k: int, closed: bool):
    """Chunks of ``k``-subsets (index rows, increasing within a row, lexicographic across rows and chunks): the
    extensions of ``level`` (the feasible ``(k-1)``-subsets, lexicographic) by an index above their last where
    ``closed``, else every ``k``-subset."""
    if not closed:
        it = itertools.combinations(range(n), k)
        while True:
            chunk = np.fromiter(itertools.islice(it, _CHUNK), dtype=np.dtype((np.int64, k)))
            if not len(chunk):
                return
            yield chunk.reshape(-1, k)
    step = max(1, _CHUNK // max(n, 1))
    for i in range(0, len(level), step):
        rows = level[i:i + step]
        last = rows[:, -1] if k > 1 else np.full(len(rows), -1)
        counts = n - 1 - last
        first = np.repeat(np.cumsum(counts) - counts, counts)
        j = np.arange(counts.sum()) - first + np.repeat(last + 1, counts)
        yield np.column_stack([np.repeat(rows, counts, axis=0), j])


def feasible_actions(domain, limit: int | None = None) -> np.ndarray | None:
    """Every feasible action of ``domain`` (``(F, n_actions)`` int8; subsets of at most ``domain.max_pulled`` arms by
    size, then lexicographically), by the domain's vectorised check (``_feasible_many``) on chunks of candidate
    subsets; where the domain is downward closed only feasible actions are extended by one arm. ``None`` when there
    are more than ``limit`` feasible actions (decided first by :func:`feasible_count_estimate`, so a large set is not
    enumerated; a domain that is not downward closed also when it has more than ``20 limit`` candidate subsets).
    Cached per domain."""
    n, cap = domain.n_actions, min(domain.max_pulled, domain.n_actions)
    entry = _FEASIBLE.setdefault(domain, {})
    if "F" not in entry:
        closed = domain.downward_closed
        if limit is not None:
            if "estimate" not in entry:
                entry["estimate"] = feasible_count_estimate(domain)
            if entry["estimate"] > limit or entry.get("over", math.inf) <= limit:
                return None
            if not closed and sum(math.comb(n, k) for k in range(cap + 1)) > 20 * limit:
                return None  # every candidate subset is checked: too many
        level, blocks, total = np.zeros((1, 0), np.int64), [np.zeros((1, n), dtype=np.int8)], 1
        for k in range(1, cap + 1):
            kept = []
            for cand in _candidates(level, n, k, closed):
                acts = _as_actions(cand, n)
                ok = domain._feasible_many(acts)
                kept.append(cand[ok])
                blocks.append(acts[ok])
                total += int(ok.sum())
                if limit is not None and total > limit:
                    entry["over"] = limit
                    return None
            level = np.concatenate(kept) if kept else np.zeros((0, k), np.int64)
            if closed and not len(level):
                break
        entry["F"] = np.concatenate(blocks)
    F = entry["F"]
    return None if limit is not None and len(F) > limit else F


def pretraining_data(domain, cfg: SequoiaConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray,
                                                                                      np.ndarray, np.ndarray]:
    """Stage A (module docstring): ``(states, actions, next_states, rewards)``, rewards ``E[r | s, a]``, next states
    sampled."""
    J, n = domain.J, domain.n_actions
    sigmoid = isinstance(domain, cormab.SigmoidDomain)
    B = getattr(domain, "budget", None) or getattr(domain, "capacity", np.zeros(1)).size

    def starters(m):
        eye = np.eye(m, dtype=np.int64)
        return np.concatenate([np.ones((1, m), np.int64), np.zeros((1, m), np.int64), eye, 1 - eye])

    S, A = [], []
    start_actions = starters(n)
    for s in starters(J):
        acts = np.concatenate([start_actions, [domain.random_action(rng) for _ in range(cfg.random_actions)]])
        S.append(np.repeat(s[None], len(acts), 0))
        A.append(acts)
    n_strategic = 50 * cfg.horizon if cfg.strategic_states is None else cfg.strategic_states
    for _ in range(n_strategic):
        chosen = rng.choice(J, min(B, J), replace=False)
        s = rng.integers(0, 2 if sigmoid else cormab.N_STATES, J)
        s[chosen] = 1 if sigmoid else cormab.N_STATES - 1
        if sigmoid:
            ind = np.zeros(n, np.int64)
            ind[rng.choice(n, min(domain.budget, n), replace=False)] = 1
        else:
            ind = np.zeros(n, np.int64)
            ind[chosen] = 1
        acts = np.concatenate([ind[None], [domain.random_action(rng) for _ in range(cfg.random_actions)],
                               start_actions])
        S.append(np.repeat(s[None], len(acts), 0))
        A.append(acts)
    S, A = np.concatenate(S).astype(np.int64), np.concatenate(A).astype(np.int8)
    r = domain.expected_rewards(S, A)
    return S, A, domain.sample_next(S, A, rng), r


# --- the MILP, built once per network ----------------------------------------------------------------------------

class QNetworkMilp:
    """``argmax_a Q([a; s])`` over ``domain``'s feasible actions, for one network and many states, with an optional
    warm start ``x0`` (a feasible action, given as a partial solution). Default (``reuse=True``): one SCIP model
    per network (domain rows, the network over the action variables with the state as parameters,
    ``solvers.add_parametric_relu_network``); each :meth:`solve` frees the transformed problem and rewrites only the
    state-dependent constants (first-layer constants, big-M bounds at that state tightened by the domain's largest
    number of pulled arms, stable neurons' binaries fixed), so no model is rebuilt and the formulation is the
    per-state one. ``reuse=False``: one fresh model per state (``cormab.maximize``), the same optimum, measured
    slower (``benchmarks/sequoia.py``). ``tuned`` (reused model only): SCIP without symmetry handling, primal
    heuristics, cutting planes (separation) or conflict analysis, fast presolving; the optimum is unchanged. Default
    (``None``): on except for routing's full walk formulation, whose MILPs need branching, where the heuristics pay
    (at J = 20 under load, tuned / untuned median time: sigmoid 0.38, capacity 0.72, scheduling 0.56, routing 1.9,
    measured before separation was off; ``benchmarks/sequoia.py``); with ``cuts="lazy"`` on. Separation off, against
    SCIP's fast separation (``benchmarks/sequoia.py``'s ``default`` / ``default-separating``, median): routing J = 40
    on a slow network 3.2x faster, other domains at J = 20-50 1.7-4.0x, routing at J = 20 0.65x (enumerated there).

    ``cuts``: ``"model"`` embeds the domain's full formulation (``domain.constraints``);
    ``"lazy"`` (a downward-closed domain) starts from ``domain.relaxation`` (the budget, infeasible single arms and
    pairs) and, while the optimum is infeasible by the combinatorial check, adds the no-good cut of a minimal
    infeasible subset (``domain.minimal_infeasible``) and solves again; the cuts hold for every state and network, so
    they stay in the model and pass to every later model of the same domain (:attr:`cuts`, one list per domain,
    carried across rebuilds and networks). The optimum is the same: it is optimal for a
    relaxation and feasible. Default: ``"lazy"`` on routing and scheduling, ``"model"`` elsewhere
    (``cormab.check_cuts``, with the measurements behind it).

    On the reused model the start ``x0`` goes to SCIP (a partial solution) only under a ``time_limit``, where it is
    what a limit with no solution returns; solved to optimality it made no solve faster (J = 40-50, 20 states:
    capacity 42 / 43 ms, scheduling 9.9 / 9.3 ms with / without it) and lazy routing 3.7x slower (18 / 4.9 ms)."""

    def __init__(self, domain, params, *, gap: float = 0.0, time_limit: float | None = None, reuse: bool = True,
                 tuned: bool | None = None, cuts: str | None = None):
        from boundlab.solvers.relu_milp import relu_layers_from_params
        self.domain = domain
        cormab._check_domain(domain)
        self.weights, self.biases = relu_layers_from_params(params)
        gap = check_real(gap, "gap", low=0.0)
        if time_limit is not None:
            time_limit = check_real(time_limit, "time_limit", low=0.0, low_open=True)
        self.gap, self.time_limit, self.reuse, self.solves, self.fallbacks = gap, time_limit, reuse, 0, 0
        check_flag(reuse, "reuse")
        if tuned is not None:
            check_flag(tuned, "tuned")
        self.lazy = cormab.check_cuts(domain, cuts) == "lazy"
        self.cuts_option = cuts
        self.tuned = (self.lazy or not isinstance(domain, cormab.RoutingDomain)) if tuned is None else tuned
        self.rebuilds, self.lazy_cuts = 0, None
        if reuse:
            self._build()

    def _build(self) -> None:
        """The reused SCIP model. SCIP keeps every warm start (a partial solution) in the original problem across
        ``freeTransform`` and refuses more than ``limits/maxorigsol`` (10) of them, so :meth:`_solve` rebuilds the
        model before that many have been added (:attr:`rebuilds` counts it)."""
        from boundlab.solvers.relu_milp import add_parametric_relu_network
        domain = self.domain
        m = cormab._scip(f"sequoia_{domain.name}")
        m.setParam("limits/gap", self.gap)
        if self.tuned:
            import pyscipopt
            m.setParam("misc/usesymmetry", 0)
            m.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
            m.setParam("heuristics/completesol/freq", 0)  # kept: it completes the warm start x0 (OFF disables it)
            m.setPresolve(pyscipopt.SCIP_PARAMSETTING.FAST)
            m.setSeparating(pyscipopt.SCIP_PARAMSETTING.OFF)  # tiny models: cuts cost more than the nodes they save
            m.setParam("conflict/enable", False)
        if self.time_limit is not None:
            m.setParam("limits/time", self.time_limit)
        self.a = [m.addVar(f"a{j}", vtype="B") for j in range(domain.n_actions)]
        if self.lazy:
            self.lazy_cuts = cormab.LazyCuts(domain, m, self.a)
        else:
            domain.constraints.add_to_model(m, self.a)
        self.net = add_parametric_relu_network(m, self.a, domain.J, self.weights, self.biases,
                                               max_active=domain.max_pulled)
        m.setObjective(self.net.output, "maximize")
        self.model, self.starts, self.max_starts = m, 0, int(m.getParam("limits/maxorigsol"))

    def solve(self, state, x0=None) -> np.ndarray:
        """The best action for ``state`` (int8); ``x0``: a feasible action to start from, returned (with a warning,
        counted in :attr:`fallbacks`) when the time limit comes before SCIP has any solution."""
        return self.solve_result(state, x0).x.astype(np.int8)

    def solve_result(self, state, x0=None):
        """:meth:`solve`'s ``solvers.ReluMilpResult``; its ``value`` is the exact ``Q([x; state])`` at the returned
        action (a float64 forward pass of the network), not SCIP's objective."""
        res = self._solve(state, x0)
        self.fallbacks += res.fallback
        return res

    def _solve(self, state, x0):
        from boundlab.solvers.relu_milp import _forward, _result
        if not self.reuse:
            self.solves += 1
            return cormab.maximize(self.domain, weights=self.weights, biases=self.biases, state=state, gap=self.gap,
                                   time_limit=self.time_limit, x0=x0, cuts=self.cuts_option)
        if x0 is not None:  # as cormab.maximize checks it on the per-state path
            x0 = self.domain.check_start(x0)
        warm = x0 is not None and self.time_limit is not None  # without a limit a start only costs (class doc)
        if warm and self.starts >= self.max_starts:  # SCIP's store of warm starts is full: a new model
            self._build()
            self.rebuilds += 1
        m = self.model
        params = np.asarray(state, dtype=np.float64)
        self.net.set_parameters(params)
        if self.lazy:
            self.lazy_cuts.add_pending()  # cuts another model of this domain found meanwhile
        if warm:
            self.starts += 1
            start = m.createPartialSol()
            for var, value in zip(self.a, x0):
                m.setSolVal(start, var, float(value))
            m.addSol(start)

        def q(x: np.ndarray) -> float:  # the exact forward pass, not SCIP's objective (big-M tolerance ~1e-6)
            return _forward(self.weights, self.biases, np.concatenate([x, params]))

        fallback = None if x0 is None else (np.asarray(x0, np.int64), q(np.asarray(x0, np.float64)))
        given = f"of the {self.domain.name} domain"
        if self.lazy:
            solves, out_of_time = self.lazy_cuts.optimize(self.time_limit)
            self.solves += solves
            if out_of_time:
                return cormab._out_of_time(self.domain, self.time_limit, fallback)
        else:
            m.optimize()
            self.solves += 1
        return _result(m, self.a, given, self.time_limit, fallback, evaluate=q)

    @property
    def cuts(self) -> list:
        """The domain's no-good cuts (index arrays), with ``cuts="lazy"``; else empty."""
        return self.lazy_cuts.cuts if self.lazy_cuts is not None else []

    @property
    def n_cuts(self) -> int:
        """How many of the domain's no-good cuts this model holds."""
        return self.lazy_cuts.held if self.lazy_cuts is not None else 0


class _Argmax:
    """``argmax_a Q(s, a)`` for one network: enumeration over the feasible set or the MILP (:class:`QNetworkMilp`,
    built lazily), with a memo keyed by the state. Under a time limit every solve gets a start (``x0``, else the
    last action returned, else a random feasible action), returned when SCIP has no solution in time; such
    fallbacks are counted in ``counter[key]``."""

    def __init__(self, domain, params, cfg: SequoiaConfig, feasible: np.ndarray | None, counter: dict | None = None,
                 key: str = "fallbacks", stats: dict | None = None):
        self.domain, self.params, self.cfg, self.feasible = domain, params, cfg, feasible
        self.stats = {} if stats is None else stats  # "argmaxes": states asked, "solved": not in the memo
        self.stats.setdefault("argmaxes", 0)
        self.stats.setdefault("solved", 0)
        self.milp = None
        self.memo: dict = {}
        self.counter, self.key = ({} if counter is None else counter), key
        self.counter.setdefault(key, 0)
        self.last = None
        self.rng = np.random.default_rng(0)

    def __call__(self, states: np.ndarray, x0: np.ndarray | None = None) -> np.ndarray:
        states = np.atleast_2d(states)
        out = np.empty((states.shape[0], self.domain.n_actions), np.int8)
        todo = []
        for k, s in enumerate(states):
            hit = self.memo.get(s.tobytes())
            if hit is None:
                todo.append(k)
            else:
                out[k] = hit
        self.stats["argmaxes"] += len(states)
        self.stats["solved"] += len(todo)
        if todo:
            if self.feasible is not None:
                out[todo] = self._enumerate(states[todo])
            else:
                if self.milp is None:
                    self.milp = QNetworkMilp(self.domain, self.params, gap=self.cfg.gap,
                                             time_limit=self.cfg.time_limit)
                for k in todo:
                    start = x0
                    if start is None and self.cfg.time_limit is not None:
                        start = self.last if self.last is not None else self.domain.random_action(self.rng)
                    res = self.milp.solve_result(states[k], start)
                    self.counter[self.key] += res.fallback
                    out[k] = self.last = res.x.astype(np.int8)
            for k in todo:
                self.memo[states[k].tobytes()] = out[k]
        return out

    def _enumerate(self, states: np.ndarray) -> np.ndarray:
        F = self.feasible
        step = max(1, (1 << 20) // len(F))  # states per forward pass: at most ~1M (action, state) rows at once
        out = []
        for i in range(0, len(states), step):
            S = states[i:i + step]
            x = np.concatenate([np.broadcast_to(F[None], (len(S),) + F.shape),
                                np.broadcast_to(S[:, None, :], (len(S), len(F), S.shape[1]))], axis=2)
            out.append(F[np.argmax(_q_numpy(self.params, x), axis=1)])
        return np.concatenate(out)


# --- training ----------------------------------------------------------------------------------------------------

@dataclass
class Sequoia:
    """A trained SEQUOIA agent: ``params`` (the policy network, ``solvers.networks`` layout), ``pretrained`` (the
    one-step network of stage B), the config, losses and wall times (``times``: seconds per stage, ``"data"``,
    ``"pretrain"``, ``"dqn"``; ``"pretrain_epoch"``, ``"dqn_step"``: the median pretraining epoch and the mean DQN
    step after the first of each, which carries JAX's compilation; ``nan`` with fewer than two), ``fallbacks``:
    how many MILP solves hit ``time_limit`` before any solution and returned their start instead (``"training"``,
    ``"acting"``), ``argmax_stats``: training's argmaxes (``"argmaxes"``: states asked, policy and target;
    ``"solved"``: those not answered by the memo). Call it on a joint state for its action (the MILP / enumeration
    argmax of the Q-network; a warm start from its last action)."""

    domain: object
    params: list
    pretrained: list
    config: SequoiaConfig
    pretrain_loss: np.ndarray
    dqn_loss: np.ndarray
    times: dict = field(default_factory=dict)
    fallbacks: dict = field(default_factory=dict)
    argmax_stats: dict = field(default_factory=dict)

    def __post_init__(self):
        self.fallbacks.setdefault("training", 0)
        self._argmax = _Argmax(self.domain, self.params, self.config, _feasible_for(self.domain, self.config),
                               self.fallbacks, "acting")
        self._last = None

    def q_values(self, states, actions) -> np.ndarray:
        """``Q(s, a)`` for ``states (n, J)`` and ``actions (n, n_actions)``."""
        return _q_numpy(self.params, np.concatenate([np.asarray(actions), np.asarray(states)], axis=-1))

    def __call__(self, state) -> np.ndarray:
        a = self._argmax(np.asarray(state, np.int64), self._last)[0]
        self._last = a
        return a


def _feasible_for(domain, cfg: SequoiaConfig):
    if cfg.solver == "milp":
        return None
    limit = None if cfg.solver == "enumerate" else cfg.max_enumerate
    return feasible_actions(domain, limit)


def _pretrain(X: np.ndarray, y: np.ndarray, params, cfg: SequoiaConfig, rng: np.random.Generator,
              progress: bool = False):
    import jax
    import jax.numpy as jnp
    import optax
    n_mb = max(len(X) // cfg.batch_size, 1)
    opt = _optimizer(cfg, n_mb)
    state = opt.init(params)
    Xj, yj = jnp.asarray(X, jnp.float32), jnp.asarray(y, jnp.float32)

    def loss(p, idx):
        return jnp.mean((_q(p, Xj[idx]) - yj[idx]) ** 2)

    @jax.jit
    def epoch(p, s, idx):
        def body(carry, i):
            p, s = carry
            value, g = jax.value_and_grad(loss)(p, i)
            u, s = opt.update(g, s, p)
            return (optax.apply_updates(p, u), s), value
        (p, s), values = jax.lax.scan(body, (p, s), idx)
        return p, s, values.mean()

    from tqdm.auto import tqdm
    losses, seconds = [], []
    for _ in tqdm(range(cfg.pretrain_epochs), desc="SEQUOIA pretraining", disable=not progress):
        t0 = time.perf_counter()
        params, state, value = epoch(params, state, jnp.asarray(rng.integers(0, len(X), (n_mb, cfg.batch_size))))
        losses.append(float(value))
        seconds.append(time.perf_counter() - t0)
    return params, np.array(losses), np.array(seconds)


def _dqn_step(cfg: SequoiaConfig, opt):
    import jax
    import jax.numpy as jnp
    import optax

    def loss(p, x, target):
        return jnp.mean(optax.huber_loss(_q(p, x), target, delta=1.0))

    @jax.jit
    def step(p, s, target_params, x, r, x_next, not_done):
        y = r + cfg.gamma * not_done * _q(target_params, x_next)
        value, g = jax.value_and_grad(loss)(p, x, jax.lax.stop_gradient(y))
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, value

    return step


def train_sequoia(domain, *, seed: Seed = None, config: SequoiaConfig | None = None, progress: bool = False,
                  **overrides) -> Sequoia:
    """Train SEQUOIA on ``domain`` (stages A-C of the module docstring); ``config`` fields may be overridden by
    keyword. Same seed, same agent (JAX on CPU; the MILP solved to optimality). ``progress``: a progress bar over
    pretraining epochs and DQN episodes (with the argmaxes solved so far and the last episode's seconds)."""
    import jax
    import jax.numpy as jnp
    from tqdm.auto import tqdm
    check_flag(progress, "progress")
    cormab._check_domain(domain)
    cfg = replace(config or SequoiaConfig(), **overrides) if overrides else (config or SequoiaConfig())
    if not isinstance(cfg, SequoiaConfig):
        raise TypeError(f"config must be a SequoiaConfig, got {type(cfg).__name__}")
    rng = as_generator(seed)
    key = jax.random.PRNGKey(int(rng.integers(2 ** 31)))
    acting = domain
    if cfg.code_redraw:  # the code's training instance; the same feasible set, so the argmaxes are unchanged
        if not isinstance(domain, cormab.SigmoidDomain):
            raise ValueError(f"code_redraw=True is the code's sigmoid training instance; the {domain.name} domain "
                             f"has none")
        domain = cormab.code_training_instance(domain, rng)
    times = {}
    t0 = time.perf_counter()
    S, A, S2, R = pretraining_data(domain, cfg, rng)
    X = np.concatenate([A, S], axis=1)
    times["data"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    sizes = [domain.n_actions + domain.J, *cfg.hidden, 1]
    params, pre_loss, epoch_seconds = _pretrain(X, R, torch_init(key, sizes), cfg, rng, progress)
    pretrained = params
    times["pretrain"] = time.perf_counter() - t0
    times["pretrain_epoch"] = float(np.median(epoch_seconds[1:])) if len(epoch_seconds) > 1 else math.nan

    t0 = time.perf_counter()
    feasible = _feasible_for(domain, cfg)
    H = cfg.horizon
    opt = _optimizer(cfg, H)
    opt_state = opt.init(params)
    step = _dqn_step(cfg, opt)
    target = params
    counter, stats = {"training": 0}, {}
    target_argmax = _Argmax(domain, target, cfg, feasible, counter, "training", stats)
    cap = cfg.memory_size
    mem_s = np.zeros((cap, domain.J), np.int64)
    mem_a = np.zeros((cap, domain.n_actions), np.int8)
    mem_s2 = np.zeros((cap, domain.J), np.int64)
    mem_r = np.zeros(cap)
    mem_d = np.zeros(cap)
    seed_idx = rng.choice(len(S), min(cfg.replay_seed, len(S), cap), replace=False)
    n_mem = len(seed_idx)
    mem_s[:n_mem], mem_a[:n_mem], mem_s2[:n_mem], mem_r[:n_mem] = S[seed_idx], A[seed_idx], S2[seed_idx], R[seed_idx]
    head = n_mem % cap
    env = domain.simulator(seed=rng, horizon=H)
    losses, t_global, last, step_seconds = [], 0, None, []
    bar = tqdm(range(cfg.episodes), desc=f"SEQUOIA DQN ({domain.name}, J={domain.J})", disable=not progress)
    for episode in bar:
        if cfg.code_target and episode % 5 == 0:  # the code's memoiser forgets solves older than 5 episodes
            target_argmax.memo = {}
        s = env.reset(p_up=0.5)
        policy_argmax = None
        for _ in range(H):
            t_step = time.perf_counter()
            eps = cfg.eps_end + (cfg.eps_start - cfg.eps_end) * math.exp(-t_global / cfg.eps_decay)
            if rng.random() < eps:
                a = domain.random_action(rng)
            else:
                if policy_argmax is None or policy_argmax.params is not params:
                    policy_argmax = _Argmax(domain, params, cfg, feasible, counter, "training", stats)
                a = policy_argmax(s, last)[0]
                last = a
            s2, _, r, done = env.step(a)
            mem_s[head], mem_a[head], mem_s2[head], mem_r[head] = s, a, s2, r
            mem_d[head] = float(done and cfg.done_mask)
            head, n_mem = (head + 1) % cap, min(n_mem + 1, cap)
            idx = rng.integers(0, n_mem, cfg.batch_size)
            a_next = np.zeros((len(idx), domain.n_actions), np.int8)  # masked samples: no target solve
            live = mem_d[idx] == 0.0
            if live.any():
                a_next[live] = target_argmax(mem_s2[idx[live]])
            x = jnp.asarray(np.concatenate([mem_a[idx], mem_s[idx]], 1), jnp.float32)
            x_next = jnp.asarray(np.concatenate([a_next, mem_s2[idx]], 1), jnp.float32)
            params, opt_state, value = step(params, opt_state, target, x, jnp.asarray(mem_r[idx], jnp.float32),
                                            x_next, jnp.asarray(1.0 - mem_d[idx], jnp.float32))
            losses.append(float(value))
            t_global += 1
            if cfg.code_target:  # the code: soft update at rate tau every step, no hard copy
                target = jax.tree_util.tree_map(lambda p, q: cfg.tau * p + (1.0 - cfg.tau) * q, params, target)
                memo = target_argmax.memo
                target_argmax = _Argmax(domain, target, cfg, feasible, counter, "training", stats)
                target_argmax.memo = memo  # the code reuses target solves across its (tiny) soft updates
            elif t_global % cfg.target_update == 0:
                target = params
                target_argmax = _Argmax(domain, target, cfg, feasible, counter, "training", stats)
            s = s2
            step_seconds.append(time.perf_counter() - t_step)
        bar.set_postfix(solved=stats.get("solved", 0), episode_s=f"{sum(step_seconds[-H:]):.1f}", refresh=False)
    times["dqn"] = time.perf_counter() - t0
    times["dqn_step"] = float(np.mean(step_seconds[1:])) if len(step_seconds) > 1 else math.nan
    return Sequoia(acting, params, pretrained, cfg, pre_loss, np.array(losses), times, dict(counter), dict(stats))


def pretrained_agent(agent: Sequoia) -> Sequoia:
    """The same agent acting with its stage-B (one-step) network: the code's ``-F`` run, a MILP-based myopic."""
    return Sequoia(agent.domain, agent.pretrained, agent.pretrained, agent.config, agent.pretrain_loss,
                   np.zeros(0), dict(agent.times), {"training": agent.fallbacks["training"]}, dict(agent.argmax_stats))


Policy = Callable[[np.ndarray], np.ndarray]
