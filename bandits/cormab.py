"""Coupled restless bandits with combinatorial actions (coRMAB; Xu, Wilder, Khalil & Tambe, "Reinforcement learning
with combinatorial actions for coupled restless bandits", ICLR 2025, arXiv 2503.01919): the paper's four domains,
with the generators, parameters and defaults of the authors' code (GitHub lily-x/combinatorial-rmab, commit 895a382;
files named below relative to it).

Every domain sits on the same per-arm Markov chain (``environment/base_envs.py``, ``MultiStateRMAB``; generator
``multistate_rmab`` in ``environment/rmab_instances.py``): states 0..3, an arm moves up to ``min(s + 1, 3)`` with
probability ``p_j`` and otherwise down to ``max(s - 1, 0)``; it earns ``r_j(s')`` on the state it reaches. Per step
the simulator returns the sampled reward ``sum_j r_j(s'_j)`` and the expected one ``E[r | s, a]`` (the code's metric,
``next_state_expected``). What couples the arms is the set of feasible joint actions, one per domain:

* :class:`SigmoidDomain` (multiple interventions, ``environment/multi_action.py``): ``N`` interventions, at most
  ``B`` of them; arm ``j`` moves up with probability ``phi_j(theta_j + w_j . a)``, a scaled logistic link;
* :class:`CapacityDomain` (``environment/constrained.py``): arm ``j`` costs ``c_j``, worker ``i`` can take arms of
  total cost at most ``C_i``; the pulled arms must be packable into the workers;
* :class:`ScheduleDomain` (``environment/scheduling.py``): ``K`` time slots; each pulled arm must meet workers in two
  (worker, slot) pairs where both are available, each pair serving one arm, and at most ``B`` arms;
* :class:`RoutingDomain` (``environment/routing.py``): arms are the nodes of a graph; the pulled nodes (at most ``B``)
  must lie on one closed walk of at most ``L = 2B`` edges from a source node.

Each domain gives its feasible set as linear constraints over the binary action vector and, where the paper needs
them, binary auxiliary variables (:class:`ActionConstraints`, with ``add_to_model`` for a pyscipopt model), a
combinatorial check ``is_feasible(action)`` of the stated rule (used by the simulator and every policy), a random
feasible action as the code draws it and the null action. :func:`maximize` solves ``max f(a, state) + c @ a`` over a
domain's feasible set with SCIP, ``f`` a ReLU network embedded by ``solvers.add_relu_network`` (SEQUOIA's step).

The RNG is a numpy ``Generator`` (the code uses the legacy global ``np.random``), so an instance for a given seed
differs from the code's; the draws are the same distributions in the same order. Departures from the code, each
behind an option where the code's behaviour is reproducible, are listed on the domains.
"""

from __future__ import annotations

import math
import time
import warnings
import weakref
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import maximum_flow, minimum_spanning_tree, shortest_path
from scipy.spatial import Delaunay

from boundlab.tabular._checks import Seed, check_flag, check_int, check_real, plain
from boundlab.tabular.instances import as_generator

__all__ = [
    "ActionConstraints", "BirthDeathArms", "BudgetDomain", "CapacityDomain", "CoRMABEnv", "RoutingDomain",
    "ScheduleDomain", "SigmoidDomain", "budget_domain", "capacity_domain", "code_training_instance", "maximize",
    "routing_domain", "schedule_domain", "sigmoid_domain", "transit_network",
]

#: States per arm (the reward table's columns in the authors' code).
N_STATES = 4
#: Scheduling domains with more slots than this check feasibility per action (the batched min-cut table has 2^K rows).
MAX_CUT_SLOTS = 16


# --- the shared per-arm chain -----------------------------------------------------------------------------------

def _vector(x, name: str, n: int | None = None, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
    """A finite real 1-d array (length ``n`` when given) with entries in ``[low, high]``, else a clear error."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
        raise TypeError(f"{name} must be a real array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise ValueError(f"{name} must have shape ({n if n is not None else 'n'},), got {arr.shape}")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{j}] = {arr[j]!r} must be finite and in [{low}, {high}]")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class BirthDeathArms:
    """``J`` arms on states 0..3: up with probability ``p_passive[j]`` / ``p_active[j]`` (passive / acted on; the
    sigmoid domain replaces these by its link), else down; reward ``rewards[j, s']`` on the state reached."""

    p_passive: np.ndarray
    p_active: np.ndarray
    rewards: np.ndarray

    def __post_init__(self):
        p0 = _vector(self.p_passive, "p_passive", low=0.0, high=1.0)
        object.__setattr__(self, "p_passive", p0)
        object.__setattr__(self, "p_active", _vector(self.p_active, "p_active", p0.shape[0], 0.0, 1.0))
        r = np.asarray(self.rewards)
        if r.dtype.kind not in "iuf" or r.dtype == np.bool_ or r.shape != (p0.shape[0], N_STATES):
            raise ValueError(f"rewards must be a real array of shape (J, {N_STATES}) = ({p0.shape[0]}, {N_STATES}), "
                             f"got {r.dtype} {r.shape}")
        r = r.astype(np.float64)
        if not np.isfinite(r).all():
            raise ValueError("rewards must be finite")
        r.setflags(write=False)
        object.__setattr__(self, "rewards", r)

    @property
    def J(self) -> int:
        return self.p_passive.shape[0]

    def expected_reward(self, states: np.ndarray, p_up: np.ndarray) -> np.ndarray:
        """``E[r | s, a] = sum_j p_j r_j(min(s_j+1, 3)) + (1 - p_j) r_j(max(s_j-1, 0))`` for ``states`` ``(..., J)``."""
        idx = np.arange(self.J)
        up = self.rewards[idx, np.minimum(states + 1, N_STATES - 1)]
        down = self.rewards[idx, np.maximum(states - 1, 0)]
        return (p_up * up + (1.0 - p_up) * down).sum(axis=-1)


def random_arms(J: int, B: int, rng: np.random.Generator) -> BirthDeathArms:
    """The code's arms (``multistate_rmab``): ``p_passive ~ U(0, 0.2)``, ``p_active ~ U(0.7, 0.9)``; rewards
    ``[0.2, 0.15, 0.1, R_j]`` with ``R_j`` uniform on {4, 5, 6} for the first ``B`` arms and ``[0.1, 0.15, 0.2,
    R_j]``, ``R_j`` on {1, 2, 3}, for the rest (``B``: the domain's budget or number of workers). The code's unused
    first draw (``choice(J, B)``) is not made."""
    p0 = rng.random(J) * 0.2
    p1 = rng.random(J) * 0.2 + 0.7
    r = np.tile([0.1, 0.15, 0.2, 0.0], (J, 1))
    r[:B, :3] = [0.2, 0.15, 0.1]
    r[:B, 3] = rng.choice(np.arange(4, 7), B)
    r[B:, 3] = rng.choice(np.arange(1, 4), J - B)
    return BirthDeathArms(p0, p1, r)


# --- constraints ---------------------------------------------------------------------------------------------------

class _Rows:
    """Collects sparse rows ``sum_k coef_k v_k (<= or ==) rhs`` over the variables ``[a; aux]``."""

    def __init__(self):
        self.ub, self.eq = ([], [], [], []), ([], [], [], [])  # row ids, cols, vals, rhs

    def add(self, cols, vals, rhs: float, equality: bool = False) -> None:
        rows, c, v, b = self.eq if equality else self.ub
        c.extend(cols)
        v.extend(np.broadcast_to(np.asarray(vals, dtype=np.float64), (len(cols),)))
        rows.extend([len(b)] * len(cols))
        b.append(float(rhs))

    def matrices(self, n: int):
        out = []
        for rows, c, v, b in (self.ub, self.eq):
            out += [sp.csr_matrix((v, (rows, c)), shape=(len(b), n)), np.asarray(b, dtype=np.float64)]
        return out


@dataclass(frozen=True)
class ActionConstraints:
    """The feasible actions ``{a in {0,1}^n_actions : exists u with 0 <= u <= aux_ub, u_k integer where
    aux_integer[k], A_ub [a; u] <= b_ub, A_eq [a; u] == b_eq}`` (sparse CSR matrices over the ``n_actions + n_aux``
    variables, actions first). ``aux_ub`` / ``aux_integer`` omitted: binary auxiliaries.

    With ``n_aux == 0``, ``A_ub.toarray(), b_ub`` (and the equality pair) go straight to
    ``solvers.maximize_relu_network``; otherwise :meth:`add_to_model` adds the auxiliaries and every row to a
    pyscipopt model built around the action variables (:func:`maximize` does this)."""

    n_actions: int
    n_aux: int
    A_ub: sp.csr_matrix
    b_ub: np.ndarray
    A_eq: sp.csr_matrix
    b_eq: np.ndarray
    name: str
    aux_ub: np.ndarray | None = None
    aux_integer: np.ndarray | None = None

    def add_to_model(self, model, action_vars: Sequence) -> list:
        """Add the auxiliaries (``{name}_u{k}``) and every row to ``model``; returns the auxiliaries."""
        import pyscipopt
        if len(action_vars) != self.n_actions:
            raise ValueError(f"action_vars must hold {self.n_actions} variables, got {len(action_vars)}")
        ub = np.ones(self.n_aux) if self.aux_ub is None else self.aux_ub
        integer = np.ones(self.n_aux, bool) if self.aux_integer is None else self.aux_integer
        v = list(action_vars) + [model.addVar(f"{self.name}_u{k}", vtype=("B" if ub[k] == 1 else "I") if integer[k]
                                              else "C", lb=0.0, ub=float(ub[k])) for k in range(self.n_aux)]
        for A, b, eq in ((self.A_ub, self.b_ub, False), (self.A_eq, self.b_eq, True)):
            for r in range(A.shape[0]):
                lo, hi = A.indptr[r], A.indptr[r + 1]
                lhs = pyscipopt.quicksum(a * v[k] for k, a in zip(A.indices[lo:hi], A.data[lo:hi]))
                model.addCons(lhs == b[r] if eq else lhs <= b[r], name=f"{self.name}_{'eq' if eq else 'ub'}{r}")
        return v[self.n_actions:]

    def satisfied(self, x: np.ndarray, tol: float = 1e-9) -> bool:
        """Whether the full vector ``x = [a; u]`` meets every row."""
        return bool(np.all(self.A_ub @ x <= self.b_ub + tol) and np.all(np.abs(self.A_eq @ x - self.b_eq) <= tol))


def _scip(name: str, separating: str = "fast"):
    """A quiet one-thread SCIP model; ``separating="fast"`` (SCIP's fast cutting-plane setting) solved the embedded
    Q-network MILPs 2.9x faster than SCIP's default on the capacity domain at J = 20 (same optima;
    ``benchmarks/sequoia.py``), ``"default"`` keeps SCIP's."""
    import pyscipopt
    model = pyscipopt.Model(name)
    model.hideOutput()
    if separating == "fast":
        model.setSeparating(pyscipopt.SCIP_PARAMSETTING.FAST)
    model.setParam("parallel/maxnthreads", 1)
    model.setParam("lp/threads", 1)
    return model


def maximize(domain, *, c=None, weights=None, biases=None, state=None, time_limit: float | None = None,
             gap: float = 0.0, x0=None, tighten: bool = True, separating: str = "fast", cuts: str | None = None):
    """Maximise ``f([a; state]) + c @ a`` over the domain's feasible actions with SCIP (``solvers.ReluMilpResult``;
    ``x`` is the action; ``value`` the exact objective at ``x``, a float64 forward pass, not SCIP's). ``f``: the
    ReLU network ``(weights, biases)`` in ``solvers.maximize_relu_network``'s layout, fed the action then the fixed
    ``state`` (SEQUOIA's Q-network input order), embedded by ``solvers.add_relu_network``; omitted, the objective
    is ``c @ a`` alone. ``x0``: a feasible action to start from (a partial solution, SCIP completes the rest; a time
    limit reached before SCIP has any solution returns ``x0`` with its value, gap and a warning, ``result.fallback``
    true). ``tighten``: the first layer's big-M bounds use the domain's largest number of pulled arms
    (:attr:`max_pulled`), else plain interval arithmetic. ``separating``: ``"fast"`` (SCIP's fast cutting-plane
    setting, the measured faster one) or ``"default"``. ``cuts``: ``"model"`` embeds the domain's full formulation
    (:attr:`~_Domain.constraints`), ``"lazy"`` (a downward-closed domain) its relaxation with no-good cuts
    (:class:`LazyCuts`, the same optimum); default (:func:`check_cuts`) ``"lazy"`` on routing and scheduling,
    ``"model"`` elsewhere."""
    import pyscipopt

    from boundlab.solvers.relu_milp import _check_network, _forward, _result, add_relu_network
    _check_domain(domain)
    n = domain.n_actions
    c = np.zeros(n) if c is None else _vector(c, "c", n)
    if (weights is None) != (biases is None):
        raise ValueError("weights and biases must be given together (or neither)")
    if weights is not None:
        weights, biases = _check_network(weights, biases)
    fixed = np.zeros(0) if state is None else np.asarray(state, dtype=np.float64).ravel()

    def objective(x: np.ndarray) -> float:
        """The exact ``f([x; state]) + c @ x`` (a forward pass, not SCIP's tolerance-carrying objective)."""
        value = float(c @ x)
        return value if weights is None else value + _forward(weights, biases, np.concatenate([x, fixed]))
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit", low=0.0, low_open=True)
    gap = check_real(gap, "gap", low=0.0)
    if separating not in ("fast", "default"):
        raise ValueError(f"separating must be 'fast' or 'default', got {separating!r}")
    cuts = check_cuts(domain, cuts)
    model = _scip(f"cormab_{domain.name}", separating)
    model.setParam("limits/gap", gap)
    if time_limit is not None:
        model.setParam("limits/time", time_limit)
    a = [model.addVar(f"a{j}", vtype="B") for j in range(n)]
    lazy = LazyCuts(domain, model, a) if cuts == "lazy" else domain.constraints.add_to_model(model, a)
    obj = pyscipopt.quicksum(float(cj) * aj for cj, aj in zip(c, a) if cj != 0.0)
    if weights is not None:
        inputs = a + [float(s) for s in fixed]
        obj = obj + add_relu_network(model, inputs, weights, biases,
                                     max_active=domain.max_pulled if tighten else None)
    model.setObjective(obj, "maximize")
    if x0 is not None:
        x0 = domain.check_start(x0)
        start = model.createPartialSol()
        for var, value in zip(a, x0):
            model.setSolVal(start, var, float(value))
        model.addSol(start)
    # a limit before SCIP has any solution returns x0 with its exact value (and a warning)
    fallback = None if x0 is None else (x0.astype(np.int64), objective(x0))
    if cuts == "lazy":
        if lazy.optimize(time_limit)[1]:
            return _out_of_time(domain, time_limit, fallback)
    else:
        model.optimize()
    return _result(model, a, f"of the {domain.name} domain", time_limit, fallback, evaluate=objective)


_CUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # domain -> its no-good cuts (LazyCuts)


class LazyCuts:
    """The no-good cut loop of a downward-closed domain on one pyscipopt model: the action variables get the domain's
    :attr:`~_Domain.relaxation` and every no-good cut known for the domain (one list per domain, shared by all its
    models: a cut holds for every objective); :meth:`optimize` solves and, while the optimum breaks the domain's
    rule, adds the cut of a minimal infeasible subset (:meth:`~_Domain.minimal_infeasible`) and solves again. The
    optimum is the domain's: optimal for a relaxation and feasible."""

    def __init__(self, domain, model, action_vars: Sequence):
        self.domain, self.model, self.a = domain, model, list(action_vars)
        self.cuts: list = _CUTS.setdefault(domain, [])
        self.held = 0  # how many of the domain's cuts this model holds
        domain.relaxation.add_to_model(model, self.a)
        self.add_pending()

    def add_pending(self) -> None:
        """Add the domain's cuts this model lacks (the model in its problem stage)."""
        import pyscipopt
        for k in range(self.held, len(self.cuts)):
            self.model.addCons(pyscipopt.quicksum(self.a[j] for j in self.cuts[k].tolist()) <= len(self.cuts[k]) - 1,
                               name=f"nogood{k}")
        self.held = len(self.cuts)

    def optimize(self, time_limit: float | None = None) -> tuple[int, bool]:
        """Solve until the incumbent is feasible, or there is none; ``time_limit``: seconds of SCIP for the whole
        loop (the feasibility checks between solves not counted; the model's own ``limits/time`` is restored after).
        Returns the number of SCIP solves and whether time ran out with only infeasible incumbents."""
        m = self.model
        t_end = None if time_limit is None else time.perf_counter() + time_limit
        before = m.getParam("limits/time")
        if time_limit is not None:
            m.setParam("limits/time", time_limit)
        solves = 0
        try:
            while True:
                m.optimize()
                solves += 1
                if m.getNSols() == 0:
                    return solves, False
                x = np.array([round(m.getSolVal(m.getBestSol(), v)) for v in self.a], dtype=np.int8)
                if self.domain._feasible(x):
                    return solves, False
                cut = self.domain.minimal_infeasible(x)
                m.freeTransform()
                self.cuts.append(cut)
                self.add_pending()
                if t_end is not None:
                    left = t_end - time.perf_counter()
                    if left <= 0:
                        return solves, True
                    m.setParam("limits/time", left)
        finally:
            m.setParam("limits/time", before)


def _out_of_time(domain, time_limit, fallback):
    """:meth:`LazyCuts.optimize` ran out of time with only infeasible incumbents: the start ``fallback = (x0,
    value)`` (with a warning), as a SCIP limit without any solution returns it; no start: an error."""
    from boundlab.solvers.relu_milp import ReluMilpResult
    if fallback is None:
        raise RuntimeError(f"the lazy cut loop reached its time limit ({time_limit} s) before a feasible action of "
                           f"the {domain.name} domain; raise time_limit or give x0")
    warnings.warn(f"the lazy cut loop reached its time limit ({time_limit} s) before a feasible incumbent: returning "
                  f"the start x0 (value {fallback[1]:.6g})", RuntimeWarning, stacklevel=3)
    return ReluMilpResult(x=fallback[0].copy(), value=fallback[1], status="time_limit", gap=math.inf, bound=math.inf,
                          fallback=True)


def check_cuts(domain, cuts: str | None) -> str:
    """``cuts`` resolved for ``domain`` (:func:`maximize`): ``None`` is ``"lazy"`` on routing (without the code's
    self-loops) and scheduling, else ``"model"``. Measured (``benchmarks/sequoia.py``): routing's walk formulations
    take seconds per solve at J = 40, the lazy loop milliseconds; scheduling's worker-slot matching at J = 100 left
    SCIP without a solution in 60 s on some replay states that the lazy loop solves in seconds; capacity's bin
    packing needs too many no-good cuts (no feasible action in 60 s at J = 40), so it keeps its formulation."""
    if cuts is None:  # not with the code's self-loops: there every feasibility check is itself a SCIP solve
        lazy = isinstance(domain, ScheduleDomain) or isinstance(domain, RoutingDomain) and not domain.self_loops
        return "lazy" if lazy else "model"
    if cuts not in ("model", "lazy"):
        raise ValueError(f"cuts must be 'model' or 'lazy', got {cuts!r}")
    if cuts == "lazy" and not domain.downward_closed:
        raise ValueError(f"cuts='lazy' needs a downward-closed domain; the {domain.name} domain is not")
    return cuts


def _milp_feasible(constraints: ActionConstraints, action: np.ndarray) -> bool:
    """Whether the constraints admit auxiliaries for the fixed ``action`` (a SCIP feasibility solve)."""
    model = _scip("feasibility")
    a = [model.addVar(f"a{j}", vtype="B", lb=int(x), ub=int(x)) for j, x in enumerate(action)]
    constraints.add_to_model(model, a)
    model.setParam("limits/solutions", 1)
    model.optimize()
    return model.getNSols() > 0


# --- domains: shared behaviour -------------------------------------------------------------------------------------

def _check_domain(domain):
    if not isinstance(domain, _Domain):
        raise TypeError(f"domain must be a coRMAB domain (SigmoidDomain, CapacityDomain, ScheduleDomain, "
                        f"RoutingDomain, BudgetDomain), got {type(domain).__name__}")
    return domain


class _Domain:
    """What every domain shares: the arms, the action check, expected rewards and the simulator."""

    name: str
    arms: BirthDeathArms

    @property
    def J(self) -> int:
        return self.arms.J

    @property
    def n_actions(self) -> int:
        return self.arms.J

    def check_action(self, action, name: str = "action") -> np.ndarray:
        """``action`` as an int8 0/1 vector of length ``n_actions``; floats, bools of the wrong shape or values
        other than 0/1 are refused naming the entry."""
        a = np.asarray(action)
        if a.dtype.kind not in "iub":
            raise TypeError(f"{name} must be an integer (0/1) array, got dtype {a.dtype}")
        if a.shape != (self.n_actions,):
            raise ValueError(f"{name} must have shape ({self.n_actions},), got {a.shape}")
        bad = (a != 0) & (a != 1)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{j}] = {plain(a[j])} is not 0 or 1")
        return a.astype(np.int8)

    def check_start(self, x0) -> np.ndarray:
        """``x0`` checked as a start for a solve: a 0/1 action (:meth:`check_action`) that is feasible."""
        x0 = self.check_action(x0, "x0")
        if not self._feasible(x0):
            raise ValueError(f"x0 = {x0.tolist()} is not a feasible action of the {self.name} domain")
        return x0

    def is_feasible(self, action) -> bool:
        """Whether ``action`` obeys the domain's rule (the combinatorial check, not the MILP)."""
        return self._feasible(self.check_action(action))

    def _feasible_many(self, actions: np.ndarray) -> np.ndarray:
        """``_feasible`` of each row of checked 0/1 ``actions`` ``(m, n_actions)`` (bool ``(m,)``): this loop is the
        reference; domains override it with a vectorised check of the same rule."""
        return np.fromiter((self._feasible(a) for a in actions), dtype=bool, count=len(actions))

    def up_probability(self, action) -> np.ndarray:
        """Each arm's probability of moving up under ``action`` (``(J,)``)."""
        a = self.check_action(action)
        return np.where(a == 1, self.arms.p_active, self.arms.p_passive)

    def expected_reward(self, states, action) -> np.ndarray | float:
        """``E[r | s, a]`` (the code's per-step metric) for ``states`` ``(J,)`` or a batch ``(n, J)``."""
        s = _check_states(states, self.J)
        out = self.arms.expected_reward(s, self.up_probability(action))
        return float(out) if s.ndim == 1 else out

    def _up_batch(self, actions: np.ndarray) -> np.ndarray:
        """Up-probabilities ``(n, J)`` for checked 0/1 actions ``(n, n_actions)``."""
        return np.where(actions == 1, self.arms.p_active, self.arms.p_passive)

    def expected_rewards(self, states, actions) -> np.ndarray:
        """``E[r | s_k, a_k]`` for paired ``states (n, J)`` and ``actions (n, n_actions)`` (any 0/1 actions,
        feasible or not: the one-step reward is defined for all)."""
        s, a = self._pairs(states, actions)
        return self.arms.expected_reward(s, self._up_batch(a))

    def sample_next(self, states, actions, seed: Seed = None) -> np.ndarray:
        """One sampled next joint state per pair (``(n, J)``)."""
        s, a = self._pairs(states, actions)
        up = as_generator(seed).random(s.shape) < self._up_batch(a)
        return np.clip(s + np.where(up, 1, -1), 0, N_STATES - 1)

    def _pairs(self, states, actions):
        s = np.atleast_2d(_check_states(states, self.J))
        a = np.atleast_2d(np.asarray(actions))
        if a.dtype.kind not in "iub" or a.shape != (s.shape[0], self.n_actions) or ((a != 0) & (a != 1)).any():
            raise ValueError(f"actions must be a 0/1 integer array of shape ({s.shape[0]}, {self.n_actions}), got "
                             f"{a.dtype} {a.shape}")
        return s, a.astype(np.int8)

    def null_action(self) -> np.ndarray:
        return np.zeros(self.n_actions, dtype=np.int8)

    @property
    def max_pulled(self) -> int:
        """An upper bound on the number of 1s in a feasible action (the budget; capacity: the most arms whose
        cheapest costs fit into the total capacity), used to tighten the MILP's big-M bounds."""
        if isinstance(self, CapacityDomain):
            return int((np.cumsum(np.sort(self.costs)) <= self.capacity.sum()).sum())
        return min(int(self.budget), self.n_actions)

    def simulator(self, seed: Seed = None, horizon: int = 20) -> CoRMABEnv:
        return CoRMABEnv(self, seed=seed, horizon=horizon)

    @property
    def downward_closed(self) -> bool:
        """Whether every subset of a feasible action is feasible (budget, capacity, matching, routing: a closed
        walk through some nodes passes through any subset of them; not the sigmoid domain's ``sum a == B``)."""
        if isinstance(self, SigmoidDomain):
            return not self.budget_equality
        return isinstance(self, (BudgetDomain, CapacityDomain, ScheduleDomain, RoutingDomain))

    @cached_property
    def relaxation(self) -> ActionConstraints:
        """A relaxation of a downward-closed domain's feasible set over the actions alone: at most
        :attr:`max_pulled` ones, ``a_j = 0`` for each infeasible single arm, ``a_i + a_j <= 1`` for each infeasible
        pair (both by the combinatorial check). With the no-good cuts of :meth:`minimal_infeasible` added until the
        optimum is feasible, it gives the same optimum as :attr:`constraints` (``bandits.sequoia.QNetworkMilp``'s
        ``cuts="lazy"``)."""
        if not self.downward_closed:
            raise ValueError(f"the {self.name} domain (budget_equality=True) is not downward-closed: no relaxation by "
                             f"no-good cuts")
        n = self.n_actions
        rows = _Rows()
        rows.add(list(range(n)), 1.0, self.max_pulled)
        eye = np.eye(n, dtype=np.int8)
        bad = ~self._feasible_many(eye)
        for j in np.flatnonzero(bad).tolist():
            rows.add([j], 1.0, 0.0)
        i, j = np.triu_indices(n, 1)
        keep = ~bad[i] & ~bad[j]
        i, j = i[keep], j[keep]
        pairs = eye[i] + eye[j]
        for p, q in zip(*(v[~self._feasible_many(pairs)].tolist() for v in (i, j))):
            rows.add([p, q], 1.0, 1.0)
        return ActionConstraints(n, 0, *rows.matrices(n), name=f"{self.name}_relaxation")

    def minimal_infeasible(self, action) -> np.ndarray:
        """For an infeasible ``action`` of a downward-closed domain, the indices ``S`` of a minimal infeasible
        subset of its ones (each dropped in turn while the rest stays infeasible), so that every feasible action
        meets the no-good cut ``sum_{j in S} a_j <= |S| - 1``."""
        a = self.check_action(action).copy()
        if not self.downward_closed:
            raise ValueError(f"the {self.name} domain (budget_equality=True) is not downward-closed: no no-good cuts")
        if self._feasible(a):
            raise ValueError(f"action = {a.tolist()} is feasible: it has no infeasible subset")
        for j in np.flatnonzero(a).tolist():
            a[j] = 0
            if self._feasible(a):
                a[j] = 1
        return np.flatnonzero(a)

    @cached_property
    def constraints(self) -> ActionConstraints:
        return self._constraints()


def _check_states(states, J: int) -> np.ndarray:
    s = np.asarray(states)
    if s.dtype.kind not in "iu":
        raise TypeError(f"states must be an integer array, got dtype {s.dtype}")
    if s.ndim not in (1, 2) or s.shape[-1] != J:
        raise ValueError(f"states must have shape ({J},) or (n, {J}), got {s.shape}")
    if ((s < 0) | (s >= N_STATES)).any():
        raise ValueError(f"states must lie in 0..{N_STATES - 1}, got {plain(s[(s < 0) | (s >= N_STATES)][0])}")
    return s.astype(np.int64)


class CoRMABEnv:
    """Simulator of a coRMAB domain: ``reset`` then ``step(action)`` for ``horizon`` steps (numpy, vectorised over
    the arms). Same seed, same trajectory. ``step`` refuses an infeasible action (``is_feasible``)."""

    def __init__(self, domain, *, seed: Seed = None, horizon: int = 20):
        self.domain = _check_domain(domain)
        self.horizon = check_int(horizon, "horizon")
        self.rng = as_generator(seed)
        self.states: np.ndarray | None = None
        self.t = 0

    def reset(self, states=None, p_up: float = 0.5) -> np.ndarray:
        """Start from ``states`` or, by default, each arm in state 1 with probability ``p_up`` and else 0 (the code:
        0.5 for training episodes, 0.2 for its evaluation episodes)."""
        if states is None:
            p_up = check_real(p_up, "p_up", low=0.0, high=1.0)
            states = (self.rng.random(self.domain.J) < p_up).astype(np.int64)
        else:
            states = _check_states(states, self.domain.J)
            if states.ndim != 1:
                raise ValueError(f"states must be one joint state ({self.domain.J},), got {states.shape}")
        self.states, self.t = states.copy(), 0
        return self.states.copy()

    def step(self, action) -> tuple[np.ndarray, float, float, bool]:
        """One step: ``(next_states, reward, expected_reward, done)``; ``reward = sum_j r_j(s'_j)`` sampled,
        ``expected_reward = E[r | s, a]``."""
        if self.states is None:
            raise RuntimeError("call reset() before step()")
        if self.t >= self.horizon:
            raise RuntimeError(f"the episode is over (horizon {self.horizon}); call reset()")
        d = self.domain
        a = d.check_action(action)
        if not d._feasible(a):
            raise ValueError(f"action {a.tolist()} is not feasible in the {d.name} domain")
        p = d.up_probability(a)
        expected = float(d.arms.expected_reward(self.states, p))
        up = self.rng.random(d.J) < p
        self.states = np.clip(self.states + np.where(up, 1, -1), 0, N_STATES - 1)
        self.t += 1
        reward = float(d.arms.rewards[np.arange(d.J), self.states].sum())
        return self.states.copy(), reward, expected, self.t >= self.horizon


# --- budget only (the code's base domain) ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BudgetDomain(_Domain):
    """Budget only (``environment/base_envs.py``, ``MultiStateRMAB``): at most ``budget`` arms pulled, nothing else
    couples them; the classical restless bandit, where the Whittle-index policy applies (a reference point for the
    four coupled domains, not one of the paper's)."""

    arms: BirthDeathArms
    budget: int
    name: str = "budget"

    def __post_init__(self):
        object.__setattr__(self, "budget", check_int(self.budget, "budget"))

    def _feasible(self, a: np.ndarray) -> bool:
        return int(a.sum()) <= self.budget

    def _feasible_many(self, actions: np.ndarray) -> np.ndarray:
        return actions.sum(axis=1, dtype=np.int64) <= self.budget

    def _constraints(self) -> ActionConstraints:
        rows = _Rows()
        rows.add(list(range(self.J)), 1.0, self.budget)
        return ActionConstraints(self.J, 0, *rows.matrices(self.J), name=self.name)

    def random_action(self, seed: Seed = None) -> np.ndarray:
        """``B`` arms uniformly without replacement (the code's random action)."""
        a = self.null_action()
        a[as_generator(seed).choice(self.J, min(self.budget, self.J), replace=False)] = 1
        return a


def budget_domain(J: int = 20, B: int = 5, *, seed: Seed = None) -> BudgetDomain:
    """The code's base instance (``multistate_rmab``): the arms of :func:`random_arms`, budget ``B``."""
    J, B = check_int(J, "J"), check_int(B, "B")
    if B > J:
        raise ValueError(f"B (the budget, also the number of good arms) must be <= J, got B = {B}, J = {J}")
    return BudgetDomain(random_arms(J, B, as_generator(seed)), B)


# --- multiple interventions (sigmoid link) -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SigmoidDomain(_Domain):
    """Multiple interventions (``environment/multi_action.py``, ``MultiActionRMAB``): ``N`` interventions, the action
    ``a in {0,1}^N`` with ``sum_i a_i <= B``; arm ``j`` moves up with probability ``phi_j(theta_j + w_j . a)``,
    ``phi_j(x) = 0.98 a_j [sigma(b_j x - x0_j) - sigma(-x0_j)] + 0.01`` (``sigma`` logistic, ``phi_j(0) = 0.01``).

    ``link="pwl"`` (default, the paper's piecewise-linear sigmoid): ``phi_j`` interpolated linearly between
    ``breakpoints`` (10) equally spaced inputs on ``[0, max_j (theta_j + sum_i w_ji)]``, so the myopic objective is
    MILP-representable; ``link="sigmoid"``: the exact logistic the code's simulator uses. With the generator's
    weights (inputs multiples of 3, breakpoints 1 apart) the PWL equals the logistic at every reachable input.
    ``link="pwl-code"``: ours with the first value forced to 0, as the code's myopic model does (a reconstruction:
    its 10-breakpoint tables are pickles missing from its repository, so their breakpoints are unknown); the code
    plans its myopic on that model and simulates the exact link, ``myopic_policy(domain, plan=replace(domain,
    link="pwl-code"))`` on a ``link="sigmoid"`` domain. ``budget_equality=True``: the code's MILP,
    ``sum_i a_i == B`` (its simulator checks ``<= B``, and the null action needs ``<``).

    The code's training environment (``TorchMultiActionRMAB``) re-runs the generator and so re-draws the good
    actions and ``a, b, x0`` (keeping ``w, theta``): SEQUOIA there trains on an instance other than the one it is
    evaluated on. Here one domain object is one instance; :func:`code_training_instance` gives the code's training
    instance, and ``train_sequoia(..., code_redraw=True)`` trains on it.
    """

    arms: BirthDeathArms
    weights: np.ndarray
    theta: np.ndarray
    a: np.ndarray
    b: np.ndarray
    x0: np.ndarray
    budget: int
    link: str = "pwl"
    breakpoints: int = 10
    budget_equality: bool = False
    name: str = "sigmoid"

    def __post_init__(self):
        J = self.arms.J
        w = np.asarray(self.weights)
        if w.dtype.kind not in "iuf" or w.dtype == np.bool_ or w.ndim != 2 or w.shape[0] != J:
            raise ValueError(f"weights must be a real array of shape (J, N) with J = {J}, got {w.dtype} {w.shape}")
        w = w.astype(np.float64)
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and >= 0")
        w.setflags(write=False)
        object.__setattr__(self, "weights", w)
        for name, low in (("theta", 0.0), ("a", 0.0), ("b", -math.inf), ("x0", -math.inf)):
            object.__setattr__(self, name, _vector(getattr(self, name), name, J, low=low))
        if (self.a > 1.0).any():
            raise ValueError(f"a[{int(np.argmax(self.a > 1))}] must be <= 1 (the link's scale)")
        object.__setattr__(self, "budget", check_int(self.budget, "budget"))
        if self.link not in ("pwl", "pwl-code", "sigmoid"):
            raise ValueError(f"link must be 'pwl', 'pwl-code' or 'sigmoid', got {plain(self.link)}")
        object.__setattr__(self, "breakpoints", check_int(self.breakpoints, "breakpoints", minimum=2))
        check_flag(self.budget_equality, "budget_equality")

    @property
    def n_actions(self) -> int:
        return self.weights.shape[1]

    def link_exact(self, x: np.ndarray) -> np.ndarray:
        """The logistic link ``phi_j(x_j)`` per arm (``x``: ``(..., J)``)."""
        def sig(z):
            return 1.0 / (1.0 + np.exp(-z))
        return 0.98 * self.a * (sig(self.b * x - self.x0) - sig(-self.x0)) + 0.01

    @cached_property
    def pwl_inputs(self) -> np.ndarray:
        """The PWL link's breakpoints (shared by the arms)."""
        top = float((self.theta + self.weights.sum(axis=1)).max())
        return np.linspace(0.0, max(top, 1e-12), self.breakpoints)

    def link_value(self, x: np.ndarray) -> np.ndarray:
        """The link in use (``link``) at inputs ``x`` ``(J,)``."""
        if self.link == "sigmoid":
            return self.link_exact(x)
        xs = self.pwl_inputs
        ys = self.link_exact(xs[:, None])  # (breakpoints, J)
        if self.link == "pwl-code":
            ys[0] = 0.0
        k = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, xs.size - 2)
        t = np.clip((x - xs[k]) / (xs[k + 1] - xs[k]), 0.0, 1.0)
        idx = np.arange(self.J)
        return ys[k, idx] + t * (ys[k + 1, idx] - ys[k, idx])

    def up_probability(self, action) -> np.ndarray:
        a = self.check_action(action)
        return self.link_value(self.theta + self.weights @ a)

    def _up_batch(self, actions: np.ndarray) -> np.ndarray:
        return self.link_value(self.theta + actions @ self.weights.T)

    def _feasible(self, a: np.ndarray) -> bool:
        return int(a.sum()) == self.budget if self.budget_equality else int(a.sum()) <= self.budget

    def _feasible_many(self, actions: np.ndarray) -> np.ndarray:
        k = actions.sum(axis=1, dtype=np.int64)
        return k == self.budget if self.budget_equality else k <= self.budget

    def _constraints(self) -> ActionConstraints:
        rows = _Rows()
        rows.add(list(range(self.n_actions)), 1.0, self.budget, equality=self.budget_equality)
        return ActionConstraints(self.n_actions, 0, *rows.matrices(self.n_actions), name=self.name)

    def random_action(self, seed: Seed = None) -> np.ndarray:
        """The code's random action: ``B`` interventions uniformly without replacement."""
        a = self.null_action()
        a[as_generator(seed).choice(self.n_actions, min(self.budget, self.n_actions), replace=False)] = 1
        return a


def _sigmoid_edges(weights: np.ndarray, actions: np.ndarray, arms: np.ndarray, rng, w: float, side: str) -> None:
    """The code's bipartite weights (``get_sigmoid_weights``): complete groups of 3 actions each connect to 3
    untouched arms; each leftover action connects to 3 untouched arms of its own."""
    n, groups = len(actions), len(actions) // 3
    for g in range(groups + n % 3):
        free = arms[weights[arms].sum(axis=1) == 0]
        if free.size < 3:
            raise ValueError(f"too few {side} arms ({arms.size}) for {n} {side} actions: each group of 3 actions and "
                             f"each of the {n % 3} leftover actions needs 3 arms of its own; raise J or change N, B")
        chosen = rng.choice(free, 3, replace=False)
        acts = actions[3 * g:3 * g + 3] if g < groups else actions[[2 * groups + g]]
        weights[np.ix_(chosen, acts)] = w


def _sigmoid_links(J: int, N: int, B: int, rng) -> tuple:
    """The code's draw of the good actions and the per-arm link parameters ``a, b, x0`` (``MultiActionRMAB``'s
    constructor, in its order): good arms ``ceil(J B / N) .. J-1``, then the bad ones."""
    cut = math.ceil(J * B / N)
    good_actions = rng.choice(N, B, replace=False)
    a, b, x0 = np.zeros(J), np.zeros(J), np.zeros(J)
    for j in range(cut, J):
        a[j], b[j], x0[j] = round(rng.random() * 0.3 + 0.7, 1), round(rng.random() * 0.5 + 1.4, 1), rng.integers(9, 11)
    for j in range(cut):
        a[j], x0[j], b[j] = round(rng.random() * 0.3 + 0.2, 1), rng.integers(1, 3), 1.0
    return good_actions, a, b, x0


def code_training_instance(domain: SigmoidDomain, seed: Seed = None) -> SigmoidDomain:
    """The instance the authors' code trains SEQUOIA on for ``domain`` (``TorchMultiActionRMAB``): the same arms,
    weights and ``theta``, the link parameters ``a, b, x0`` drawn anew (the good actions too, unused once the weights
    are copied), as its constructor re-runs the generator's draws."""
    if not isinstance(domain, SigmoidDomain):
        raise TypeError(f"domain must be a SigmoidDomain (the code re-draws only the sigmoid domain's training "
                        f"instance), got {type(domain).__name__}")
    _, a, b, x0 = _sigmoid_links(domain.J, domain.n_actions, domain.budget, as_generator(seed))
    return replace(domain, a=a, b=b, x0=x0)


def sigmoid_domain(J: int = 20, N: int = 10, B: int = 5, *, link: str = "pwl", budget_equality: bool = False,
                   seed: Seed = None) -> SigmoidDomain:
    """The code's multiple-interventions instance (``get_rmab_sigmoid``; defaults J=20, N=10, B=5 of its README /
    ``run.sh``). Good arms are ``ceil(J B / N) .. J-1``, good actions ``B`` drawn from ``N``; per arm (in order)
    good: ``a = round(U(0.7, 1), 1)``, ``b = round(U(1.4, 1.9), 1)``, ``x0`` uniform on {9, 10}; bad:
    ``a = round(U(0.2, 0.5), 1)``, ``x0`` on {1, 2}, ``b = 1``; ``theta = 0``; weights 3 on the bipartite edges of
    :func:`_sigmoid_edges`, good actions to good arms then bad to bad. Requires ``B < N``."""
    J, N, B = check_int(J, "J"), check_int(N, "N"), check_int(B, "B")
    if B >= N:
        raise ValueError(f"B must be < N (the code asserts it), got B = {B}, N = {N}")
    rng = as_generator(seed)
    arms = random_arms(J, min(B, J), rng)
    cut = math.ceil(J * B / N)  # the first good arm, as in _sigmoid_links
    good_arms, bad_arms = np.arange(cut, J), np.arange(cut)
    good_actions, a, b, x0 = _sigmoid_links(J, N, B, rng)
    bad_actions = np.array([i for i in range(N) if i not in set(good_actions.tolist())])
    weights = np.zeros((J, N))
    _sigmoid_edges(weights, good_actions, good_arms, rng, 3.0, "good")
    _sigmoid_edges(weights, bad_actions, bad_arms, rng, 3.0, "bad")
    return SigmoidDomain(arms, weights, np.zeros(J), a, b, x0, B, link=link, budget_equality=budget_equality)


# --- capacity-constrained ------------------------------------------------------------------------------------------

def _int_vector(x, name: str, n: int | None = None, minimum: int = 1) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise ValueError(f"{name} must have shape ({n if n is not None else 'n'},), got {arr.shape}")
    if (arr < minimum).any():
        j = int(np.flatnonzero(arr < minimum)[0])
        raise ValueError(f"{name}[{j}] = {int(arr[j])} must be >= {minimum}")
    arr = arr.astype(np.int64)
    arr.setflags(write=False)
    return arr


@lru_cache(maxsize=4096)
def _packs(costs: tuple, capacities: tuple) -> bool:
    """Whether items of ``costs`` (sorted descending) fit into bins of ``capacities`` (sorted): exact search, bins
    of equal remaining capacity tried once."""
    if not costs:
        return True
    c, rest = costs[0], costs[1:]
    if sum(costs) > sum(capacities):
        return False
    seen = set()
    for i, r in enumerate(capacities):
        if r >= c and r not in seen:
            seen.add(r)
            if _packs(rest, tuple(sorted(capacities[:i] + (r - c,) + capacities[i + 1:]))):
                return True
    return False


_MAX_PATTERNS = 100_000


@lru_cache(maxsize=256)
def _maximal_patterns(values: tuple, capacity: int) -> tuple[tuple, ...]:
    """The maximal multisets of ``values`` (positive, ascending) that fit in ``capacity``, as counts per value: no
    value can be added to one. ``ValueError`` beyond :data:`_MAX_PATTERNS` (use ``formulation="assignment"``)."""
    out = []

    def extend(k: int, left: int, counts: list) -> None:
        if k == len(values):
            if left < values[0]:  # maximal: not even the cheapest cost fits any more
                out.append(tuple(counts))
                if len(out) > _MAX_PATTERNS:
                    raise ValueError(f"more than {_MAX_PATTERNS} packing patterns for capacity {capacity}: use "
                                     "formulation='assignment'")
            return
        for n in range(left // values[k], -1, -1):
            extend(k + 1, left - n * values[k], counts + [n])

    extend(0, capacity, [])
    return tuple(out)  # immutable: the cache hands the same object to every caller


@dataclass(frozen=True, eq=False)
class CapacityDomain(_Domain):
    """Capacity-constrained (``environment/constrained.py``, ``ConstrainedRMAB``): arm ``j`` costs ``costs[j]``,
    worker ``i`` has capacity ``capacity[i]``; ``a`` is feasible iff the pulled arms can be assigned, each to one
    worker, with every worker's total cost within its capacity (no global budget).

    Two MILP formulations of the same feasible set (``formulation``):

    * ``"assignment"`` (the paper's and the code's): binary ``x_ij``, ``sum_j c_j x_ij <= C_i`` and ``sum_i x_ij ==
      a_j``. The code writes ``a_j <= sum_i x_ij`` and ``a_j >= x_ij``, which lets two workers take the same arm
      (capacity wasted); the projection onto ``a`` is the same, ours is the tighter formulation.
    * ``"patterns"`` (default): whether the pulled arms pack depends only on how many of them have each cost, and
      workers of equal capacity are interchangeable. A pattern of capacity ``C`` is a maximal multiset of costs
      that fits in ``C``; integer ``y_Cp`` counts the workers of capacity ``C`` given pattern ``p``: ``sum_p y_Cp
      <= #{i : C_i = C}`` and, per cost ``v``, ``sum_{j : c_j = v} a_j <= sum_{C, p} p_v y_Cp``. Exact: a worker's
      share of a feasible packing lies in some maximal pattern, and patterns covering the counts give a packing.
      Workers' symmetry is gone (their number of assignment binaries, ``W J``, becomes a few dozen integers); the
      per-step argmax measured faster (``benchmarks/sequoia.py``)."""

    arms: BirthDeathArms
    costs: np.ndarray
    capacity: np.ndarray
    name: str = "capacity"
    formulation: str = "patterns"

    def __post_init__(self):
        object.__setattr__(self, "costs", _int_vector(self.costs, "costs", self.arms.J))
        object.__setattr__(self, "capacity", _int_vector(self.capacity, "capacity", minimum=0))
        if self.capacity.size == 0:
            raise ValueError("capacity must list at least one worker")
        if self.formulation not in ("patterns", "assignment"):
            raise ValueError(f"formulation must be 'patterns' or 'assignment', got {self.formulation!r}")

    def _feasible(self, a: np.ndarray) -> bool:
        costs = tuple(sorted(self.costs[a == 1].tolist(), reverse=True))
        return _packs(costs, tuple(sorted(self.capacity.tolist())))

    def _feasible_many(self, actions: np.ndarray) -> np.ndarray:
        """Packing depends only on how many pulled arms have each cost: one exact search per distinct count vector."""
        values, which = np.unique(self.costs, return_inverse=True)
        counts = actions.astype(np.int64) @ np.eye(values.size, dtype=np.int64)[which]
        distinct, back = np.unique(counts, axis=0, return_inverse=True)
        caps = tuple(sorted(self.capacity.tolist()))
        ok = np.array([_packs(tuple(np.repeat(values, c)[::-1].tolist()), caps) for c in distinct], dtype=bool)
        return ok[back.ravel()]

    def _constraints(self) -> ActionConstraints:
        return self._patterns() if self.formulation == "patterns" else self._assignment()

    def _patterns(self) -> ActionConstraints:
        """The ``"patterns"`` formulation (class docstring); auxiliaries ``y_Cp``, capacity by capacity."""
        J = self.J
        values = np.unique(self.costs)
        caps, workers = np.unique(self.capacity, return_counts=True)
        columns, ub = [], []  # per auxiliary: its pattern (counts per value); its upper bound
        limit_rows = []
        for C, m in zip(caps.tolist(), workers.tolist()):
            patterns = _maximal_patterns(tuple(values.tolist()), int(C))
            limit_rows.append(list(range(J + len(columns), J + len(columns) + len(patterns))))
            columns += list(patterns)
            ub += [m] * len(patterns)
        rows = _Rows()
        for cols, m in zip(limit_rows, workers.tolist()):
            if cols:
                rows.add(cols, 1.0, m)
        P = np.array(columns, dtype=np.float64).reshape(len(columns), values.size)
        for k, v in enumerate(values.tolist()):
            arms = np.flatnonzero(self.costs == v).tolist()
            used = np.flatnonzero(P[:, k] > 0)
            rows.add(arms + (J + used).tolist(), [1.0] * len(arms) + (-P[used, k]).tolist(), 0.0)
        n_aux = len(columns)
        return ActionConstraints(J, n_aux, *rows.matrices(J + n_aux), name=self.name,
                                 aux_ub=np.array(ub, dtype=np.float64), aux_integer=np.ones(n_aux, bool))

    def _assignment(self) -> ActionConstraints:
        """The ``"assignment"`` formulation (class docstring): ``x_ij`` after the actions."""
        J, W = self.J, self.capacity.size
        x = J + np.arange(W * J).reshape(W, J)  # x[i, j]
        rows = _Rows()
        for i in range(W):
            rows.add(x[i].tolist(), self.costs, self.capacity[i])
        for j in range(J):
            rows.add([j] + x[:, j].tolist(), [-1.0] + [1.0] * W, 0.0, equality=True)
        return ActionConstraints(J, W * J, *rows.matrices(J + W * J), name=self.name)

    def random_action(self, seed: Seed = None) -> np.ndarray:
        """The code's random action: workers and arms shuffled; each worker in turn takes every still unassigned
        arm (in the shuffled order) that fits its remaining capacity."""
        rng = as_generator(seed)
        workers, order = rng.permutation(self.capacity.size), rng.permutation(self.J)
        a = self.null_action()
        for i in workers:
            left = int(self.capacity[i])
            for j in order:
                if a[j] == 0 and self.costs[j] <= left:
                    a[j], left = 1, left - int(self.costs[j])
        return a


def capacity_domain(J: int = 20, B: int = 5, *, formulation: str = "patterns", seed: Seed = None) -> CapacityDomain:
    """The code's capacity-constrained instance (``get_constrained``; README defaults J=20 with B=5 workers, also
    J=100/B=20; ``run.sh`` J=40/B=10): the arms of :func:`random_arms` with ``B`` good arms, then costs uniform on
    {2..6} (``J`` draws) and capacities on {2..7} (``B`` draws). ``formulation``: the MILP's
    (:class:`CapacityDomain`)."""
    J, B = check_int(J, "J"), check_int(B, "B")
    if B > J:
        raise ValueError(f"B (workers, also the number of good arms) must be <= J, got B = {B}, J = {J}")
    rng = as_generator(seed)
    arms = random_arms(J, B, rng)
    return CapacityDomain(arms, rng.choice(np.arange(2, 7), J), rng.choice(np.arange(2, 8), B),
                          formulation=formulation)


# --- schedule-constrained ------------------------------------------------------------------------------------------

def _bool_matrix(x, name: str, shape: tuple) -> np.ndarray:
    m = np.asarray(x)
    if m.dtype.kind not in "biu" or m.ndim != 2 or (shape[0] is not None and m.shape[0] != shape[0]) or \
            (shape[1] is not None and m.shape[1] != shape[1]):
        raise ValueError(f"{name} must be a 0/1 matrix of shape {shape}, got {m.dtype} {m.shape}")
    if ((m != 0) & (m != 1)).any():
        raise ValueError(f"{name} must hold only 0/1 entries")
    m = m.astype(bool)
    m.setflags(write=False)
    return m


@dataclass(frozen=True, eq=False)
class ScheduleDomain(_Domain):
    """Schedule-constrained (``environment/scheduling.py``, ``SchedulingRMAB``): ``K`` time slots, arm ``j`` free in
    slots ``arm_slots[j]``, worker ``i`` in ``worker_slots[i]``. ``a`` is feasible iff at most ``B`` arms are pulled
    and each pulled arm is given two meetings ``(i, s)`` with arm and worker both free in slot ``s``, each
    (worker, slot) pair meeting at most one arm.

    That is the code's MILP (``SchedulingRmabApproximator``; ``sum_{i,s} x_ijs == 2 a_j`` here, the code's three
    rows with the same projection), which we take as the paper's rule; it lets one worker meet an arm in two slots.
    ``distinct_workers=True``: the two meetings must be with different workers, as the code's random and greedy
    actions build them (an extra row ``sum_s x_ijs <= 1``)."""

    arms: BirthDeathArms
    budget: int
    arm_slots: np.ndarray
    worker_slots: np.ndarray
    distinct_workers: bool = False
    name: str = "schedule"

    def __post_init__(self):
        object.__setattr__(self, "budget", check_int(self.budget, "budget"))
        arm_slots = _bool_matrix(self.arm_slots, "arm_slots", (self.arms.J, None))
        object.__setattr__(self, "arm_slots", arm_slots)
        object.__setattr__(self, "worker_slots", _bool_matrix(self.worker_slots, "worker_slots",
                                                              (None, arm_slots.shape[1])))
        check_flag(self.distinct_workers, "distinct_workers")

    @cached_property
    def _triples(self) -> np.ndarray:
        """The compatible ``(i, j, s)`` (worker, arm, slot), one auxiliary each."""
        W, K = self.worker_slots.shape
        ok = self.worker_slots[:, None, :] & self.arm_slots[None, :, :]
        return np.argwhere(ok)

    def _feasible(self, a: np.ndarray) -> bool:
        pulled = np.flatnonzero(a)
        if pulled.size > self.budget:
            return False
        if pulled.size == 0:
            return True
        W, K = self.worker_slots.shape
        t = self._triples[np.isin(self._triples[:, 1], pulled)]
        arm_node = {j: 1 + k for k, j in enumerate(pulled)}
        n_arm = 1 + pulled.size
        # optional middle layer (arm, worker): capacity 1 enforces distinct workers
        mid = {}
        if self.distinct_workers:
            for i, j in {(int(i), int(j)) for i, j, _ in t}:
                mid[i, j] = n_arm + len(mid)
        slot0 = n_arm + len(mid)
        sink = slot0 + W * K
        edges = {(0, arm_node[j]): 2 for j in pulled}
        for i, j, s in t:
            i, j, s = int(i), int(j), int(s)
            if self.distinct_workers:
                edges[arm_node[j], mid[i, j]] = 1
                edges[mid[i, j], slot0 + i * K + s] = 1
            else:
                edges[arm_node[j], slot0 + i * K + s] = 1
        edges.update({(slot0 + k, sink): 1 for k in range(W * K)})
        (u, v), cap = zip(*edges.keys()), list(edges.values())
        graph = sp.csr_matrix((np.array(cap, dtype=np.int32), (u, v)), shape=(sink + 1, sink + 1))
        return maximum_flow(graph, 0, sink).flow_value == 2 * pulled.size

    @cached_property
    def _cuts(self) -> tuple[np.ndarray, np.ndarray]:
        """The min-cut form of the meeting flow (rule without ``distinct_workers``): the (worker, slot) nodes of a
        slot ``s`` are interchangeable, so they merge into one node of capacity ``n_s`` (the workers free in
        ``s``). For each slot set ``Q`` (``2^K`` of them), arm ``j``'s deficit ``max(0, 2 - sum_{s free for j, not
        in Q} n_s)`` and ``Q``'s capacity ``sum_{s in Q} n_s``; the pulled arms can all be served iff for every
        ``Q`` their deficits sum to at most its capacity (max-flow min-cut)."""
        K = self.worker_slots.shape[1]
        n_s = self.worker_slots.sum(axis=0).astype(np.int64)
        Q = ((np.arange(1 << K)[:, None] >> np.arange(K)) & 1).astype(bool)
        outside = (self.arm_slots * n_s) @ (~Q).T
        return np.maximum(0, 2 - outside), Q @ n_s

    def _feasible_many(self, actions: np.ndarray) -> np.ndarray:
        if self.distinct_workers or self.worker_slots.shape[1] > MAX_CUT_SLOTS:  # the cut table has 2^K rows
            return super()._feasible_many(actions)
        deficit, capacity = self._cuts
        a = actions.astype(np.int64)
        return (a.sum(axis=1) <= self.budget) & (a @ deficit <= capacity).all(axis=1)

    def _constraints(self) -> ActionConstraints:
        J, t = self.J, self._triples
        n = J + t.shape[0]
        rows = _Rows()
        rows.add(list(range(J)), 1.0, self.budget)
        var = J + np.arange(t.shape[0])
        for key in np.unique(t[:, [0, 2]], axis=0):  # each (worker, slot) meets at most one arm
            rows.add(var[(t[:, 0] == key[0]) & (t[:, 2] == key[1])].tolist(), 1.0, 1.0)
        for j in range(J):  # a pulled arm has exactly two meetings, an idle one none
            rows.add([j] + var[t[:, 1] == j].tolist(), [-2.0] + [1.0] * int((t[:, 1] == j).sum()), 0.0,
                     equality=True)
        if self.distinct_workers:
            for key in np.unique(t[:, [0, 1]], axis=0):
                sel = var[(t[:, 0] == key[0]) & (t[:, 1] == key[1])]
                if sel.size > 1:
                    rows.add(sel.tolist(), 1.0, 1.0)
        return ActionConstraints(J, t.shape[0], *rows.matrices(n), name=self.name)

    def random_action(self, seed: Seed = None) -> np.ndarray:
        """The code's random action: arms in shuffled order until ``B`` are pulled; an arm is pulled when two
        distinct workers (shuffled order) each still have a free slot in common with it, one such slot then used
        up for each (feasible under both rules)."""
        rng = as_generator(seed)
        W = self.worker_slots.shape[0]
        workers, order = rng.permutation(W), rng.permutation(self.J)
        free = self.worker_slots.copy()
        a = self.null_action()
        for j in order:
            if a.sum() >= self.budget:
                break
            common = [i for i in workers if (free[i] & self.arm_slots[j]).any()]
            if len(common) >= 2:
                for i in common[:2]:
                    free[i, np.flatnonzero(free[i] & self.arm_slots[j])[0]] = False
                a[j] = 1
        return a


def _slot_draw(n: int, K: int, k: int, p: np.ndarray, rng) -> np.ndarray:
    m = np.zeros((n, K), dtype=bool)
    for r in range(n):
        m[r, rng.choice(K, k, replace=False, p=p)] = True
    return m


def schedule_domain(J: int = 20, B: int = 5, *, K: int = 5, distinct_workers: bool = False,
                    seed: Seed = None) -> ScheduleDomain:
    """The code's schedule-constrained instance (``get_scheduling``; defaults J=20/B=5 and J=100/B=20, ``K = 5``
    slots hard-coded there): ``B`` workers (also the budget and the number of good arms). Slot probabilities: arms
    ``sort(U(0,1)^K)`` normalised (increasing), workers the same sorted descending; each arm is free in 2 distinct
    slots, each worker in 3, drawn without replacement with those probabilities (arms first)."""
    J, B, K = check_int(J, "J"), check_int(B, "B"), check_int(K, "K")
    if K < 3:
        raise ValueError(f"K must be >= 3 (each worker is free in 3 distinct slots), got {K}")
    if B > J:
        raise ValueError(f"B (workers, the budget and the number of good arms) must be <= J, got B = {B}, J = {J}")
    rng = as_generator(seed)
    arms = random_arms(J, B, rng)
    pa = np.sort(rng.random(K))
    pw = np.sort(rng.random(K))[::-1]
    pa, pw = pa / pa.sum(), pw / pw.sum()
    arm_slots = _slot_draw(J, K, 2, pa, rng)
    worker_slots = _slot_draw(B, K, 3, pw, rng)
    return ScheduleDomain(arms, B, arm_slots, worker_slots, distinct_workers=distinct_workers)


# --- path-constrained (routing) ------------------------------------------------------------------------------------

def transit_network(J: int, *, n_edges: int | None = None, seed: Seed = None) -> np.ndarray:
    """A random connected planar network standing in for the code's London-Underground subgraphs
    (``environment/network/tube_network.pkl``, a data file we do not ship): ``J`` points uniform in the unit square,
    the Euclidean minimum spanning tree of their Delaunay triangulation plus its shortest remaining edges up to
    ``n_edges`` (default ``J + 2 + round(J / 3)``: 29, 55, 82, 109, 135 at J = 20, 40, ..., 100, against the tube
    subgraphs' 29, 56, 82, 108, 133). Nodes are numbered by distance from the centre, so node 0 (the default source)
    is the most central. Returns the undirected edges as an ``(m, 2)`` int array, ``u < v``."""
    J = check_int(J, "J", minimum=4)
    rng = as_generator(seed)
    pts = rng.random((J, 2))
    pts = pts[np.argsort(np.linalg.norm(pts - 0.5, axis=1))]
    tri = Delaunay(pts).simplices
    pairs = np.unique(np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]]), axis=1), axis=0)
    n_edges = min(J + 2 + round(J / 3), pairs.shape[0]) if n_edges is None else check_int(n_edges, "n_edges")
    if not J - 1 <= n_edges <= pairs.shape[0]:
        raise ValueError(f"n_edges must lie between J - 1 = {J - 1} (a tree) and {pairs.shape[0]} (the "
                         f"triangulation's edges), got {n_edges}")
    length = np.linalg.norm(pts[pairs[:, 0]] - pts[pairs[:, 1]], axis=1)
    tree = minimum_spanning_tree(sp.csr_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(J, J))).tocoo()
    in_tree = {(min(u, v), max(u, v)) for u, v in zip(tree.row.tolist(), tree.col.tolist())}
    mask = np.array([(u, v) in in_tree for u, v in pairs.tolist()])
    rest = np.flatnonzero(~mask)[np.argsort(length[~mask], kind="stable")]
    keep = np.concatenate([np.flatnonzero(mask), rest[:n_edges - mask.sum()]])
    return pairs[np.sort(keep)]


@njit(cache=True)
def _closed_tour_length(d):
    """Shortest closed walk from node 0 through nodes 1..m of the distance matrix ``d`` (Held-Karp)."""
    m = d.shape[0] - 1
    full = 1 << m
    dp = np.full((full, m), np.inf)
    for k in range(m):
        dp[1 << k, k] = d[0, k + 1]
    for mask in range(1, full):
        for k in range(m):
            v = dp[mask, k]
            if v == np.inf or not (mask >> k) & 1:
                continue
            for n in range(m):
                if not (mask >> n) & 1:
                    w = v + d[k + 1, n + 1]
                    if w < dp[mask | (1 << n), n]:
                        dp[mask | (1 << n), n] = w
    best = np.inf
    for k in range(m):
        best = min(best, dp[full - 1, k] + d[k + 1, 0])
    return best


#: Above this many pulled nodes, the routing check asks the MILP instead of the exact tour DP (2^m m^2 work).
MAX_TOUR_DP = 16


@njit(cache=True)
def _walks_fit(actions, dist, source, budget, L, max_dp):
    """Per row of ``actions``, ``RoutingDomain._feasible`` (without self-loops): 1 feasible, 0 not, 2 more than
    ``max_dp`` nodes other than the source (left to the MILP)."""
    m, n = actions.shape
    out = np.zeros(m, np.int8)
    nodes = np.empty(n + 1, np.int64)
    for r in range(m):
        nodes[0], k, pulled = source, 1, 0
        for j in range(n):
            if actions[r, j]:
                pulled += 1
                if j != source:
                    nodes[k] = j
                    k += 1
        if pulled > budget:
            continue
        if k == 1:
            out[r] = 1
            continue
        if k - 1 > max_dp:
            out[r] = 2
            continue
        ok = True
        for q in range(1, k):
            if not 2 * dist[source, nodes[q]] <= L:  # also false for an unreachable node (inf)
                ok = False
                break
        if ok:
            d = np.empty((k, k))
            for p in range(k):
                for q in range(k):
                    d[p, q] = dist[nodes[p], nodes[q]]
            if _closed_tour_length(d) <= L:
                out[r] = 1
    return out


@dataclass(frozen=True, eq=False)
class RoutingDomain(_Domain):
    """Path-constrained (``environment/routing.py``, ``RoutingRMAB``): arms are the nodes of an undirected graph
    (``edges``); ``a`` is feasible iff at most ``B`` nodes are pulled and all lie on one closed walk from ``source``
    of at most ``walk_length`` edges (default ``2B``, the code's ``max_path_length``).

    Two MILP formulations of the same feasible set (``formulation``):

    * ``"time-expanded"`` (default), the paper's (``RoutingRmabApproximator``): binary ``u[k, t]`` for each
      directed arc ``k`` and step ``t < L``, one arc per step, starting and ending at the source, flow conserved
      at every node between steps, ``a_j <= sum_{k into j, t} u[k, t]``; our one addition is a wait arc at the
      source (in the per-step count), so the walk may be shorter than ``L`` (the code's random action draws cycles
      of length ``<= L``).
      ``L |arcs|`` binaries: 2,220 at J = 40, B = 10.
    * ``"euler"`` (ours, a smaller model; measured no faster: 2.1 s against 1.0 s per Q-network solve at J = 40,
      ``benchmarks/README.md``): the closed walk as its multiset of edges. A connected multigraph
      through the source with every degree even has a closed walk using each copy once (Euler), and a shortest
      closed walk through given nodes uses no edge more than twice (two of three copies can be dropped keeping
      parity and connectivity), so: ``y_e = y1_e + y2_e`` copies of edge ``e`` (binaries, ``y2_e <= y1_e``),
      ``sum_e y_e <= L``, ``sum_{e at v} y_e = 2 z_v`` (``z_v`` integer), touched nodes ``w_v`` (binaries,
      ``w_source = 1``, ``y1_e <= w_u, w_v``, ``a_j <= w_j``) each drawing one unit of a single-commodity flow
      from the source over used edges (``f_uv, f_vu <= (J - 1) y1_e``). ``4 |E| + 2 J`` variables, ``2 |E| + J``
      of them binary. Tested to give the same feasible actions as the time-expanded MILP and the tour check.

    ``self_loops=True`` reproduces the code's MILP (time-expanded only): a self-loop arc at every node, counted in flow
    conservation and in the visits but not in the per-step count. Nothing ties those arcs to the walk, so a chain of
    self-loops at any node "visits" it and the path constraint barely binds (only the budget does; e.g. the code's
    J = 20, B = 5 network lets the 5 nodes farthest from the source all be pulled, against 2 under the stated rule).
    With this option ``is_feasible`` asks the MILP itself (SCIP, the action fixed).
    """

    arms: BirthDeathArms
    budget: int
    edges: np.ndarray
    source: int = 0
    walk_length: int | None = None
    self_loops: bool = False
    formulation: str = "time-expanded"
    name: str = "routing"

    def __post_init__(self):
        J = self.arms.J
        object.__setattr__(self, "budget", check_int(self.budget, "budget"))
        e = np.asarray(self.edges)
        if e.dtype.kind not in "iu" or e.ndim != 2 or e.shape[1] != 2 or e.shape[0] == 0:
            raise ValueError(f"edges must be a non-empty integer array of shape (m, 2), got {e.dtype} {e.shape}")
        bad = (e < 0) | (e >= J)
        if bad.any():
            r = int(np.argwhere(bad)[0][0])
            raise ValueError(f"edges[{r}] = {e[r].tolist()} names a node outside 0..{J - 1}")
        if (e[:, 0] == e[:, 1]).any():
            r = int(np.flatnonzero(e[:, 0] == e[:, 1])[0])
            raise ValueError(f"edges[{r}] = {e[r].tolist()} is a self-loop")
        e = np.unique(np.sort(e.astype(np.int64), axis=1), axis=0)
        e.setflags(write=False)
        object.__setattr__(self, "edges", e)
        object.__setattr__(self, "source", check_int(self.source, "source", minimum=0))
        if self.source >= J:
            raise ValueError(f"source must be a node in 0..{J - 1}, got {self.source}")
        L = 2 * self.budget if self.walk_length is None else check_int(self.walk_length, "walk_length")
        object.__setattr__(self, "walk_length", L)
        check_flag(self.self_loops, "self_loops")
        if self.formulation not in ("euler", "time-expanded"):
            raise ValueError(f"formulation must be 'euler' or 'time-expanded', got {self.formulation!r}")
        if self.self_loops and self.formulation != "time-expanded":
            raise ValueError("self_loops=True is the code's time-expanded MILP: formulation must be 'time-expanded'")

    @cached_property
    def distances(self) -> np.ndarray:
        """Hop distances between nodes (``inf`` when disconnected)."""
        e, J = self.edges, self.J
        adj = sp.csr_matrix((np.ones(2 * len(e)), (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(J, J))
        return shortest_path(adj, unweighted=True)

    def _feasible(self, a: np.ndarray) -> bool:
        if int(a.sum()) > self.budget:
            return False
        if self.self_loops:
            return _milp_feasible(self.constraints, a)
        targets = [j for j in np.flatnonzero(a).tolist() if j != self.source]
        if not targets:  # the walk that stays at the source
            return True
        if len(targets) > MAX_TOUR_DP:
            return _milp_feasible(self.constraints, a)
        nodes = [self.source] + targets
        d = self.distances[np.ix_(nodes, nodes)]
        if not np.isfinite(d[0]).all() or 2 * d[0].max() > self.walk_length:
            return False
        return bool(_closed_tour_length(np.ascontiguousarray(d)) <= self.walk_length)

    def _feasible_many(self, actions: np.ndarray) -> np.ndarray:
        if self.self_loops:
            return super()._feasible_many(actions)
        code = _walks_fit(np.ascontiguousarray(actions, dtype=np.int8), self.distances, self.source, self.budget,
                          self.walk_length, MAX_TOUR_DP)
        ask = np.flatnonzero(code == 2)  # too many nodes for the tour DP: the MILP, as in _feasible
        code[ask] = [_milp_feasible(self.constraints, actions[r]) for r in ask]
        return code == 1

    def _constraints(self) -> ActionConstraints:
        return self._time_expanded() if self.formulation == "time-expanded" else self._euler()

    def _euler(self) -> ActionConstraints:
        """The ``"euler"`` formulation (class docstring). Variables after the actions: ``y1 (E), y2 (E), w (J),
        z (J), f (2E)``, the flow on arc ``k`` of ``[edges; reversed edges]``."""
        J, L, src, e = self.J, self.walk_length, self.source, self.edges
        E = e.shape[0]
        y1, y2, w = J + np.arange(E), J + E + np.arange(E), J + 2 * E + np.arange(J)
        z, f = J + 2 * E + J + np.arange(J), J + 2 * E + 2 * J + np.arange(2 * E)
        arcs = np.concatenate([e, e[:, ::-1]])
        deg = np.bincount(e.ravel(), minlength=J)
        rows = _Rows()
        rows.add(list(range(J)), 1.0, self.budget)
        rows.add(np.r_[y1, y2].tolist(), 1.0, L)  # the walk's length
        rows.add([w[src]], 1.0, 1.0, equality=True)
        for j in range(J):
            rows.add([j, w[j]], [1.0, -1.0], 0.0)  # a pulled node is touched
            at = np.flatnonzero((e[:, 0] == j) | (e[:, 1] == j))
            rows.add(np.r_[y1[at], y2[at], z[j]].tolist(), [1.0] * (2 * at.size) + [-2.0], 0.0, equality=True)
            if j != src:  # a touched node draws one unit of flow from the source
                into, out = f[arcs[:, 1] == j], f[arcs[:, 0] == j]
                rows.add(np.r_[into, out, w[j]].tolist(), [1.0] * into.size + [-1.0] * out.size + [-1.0], 0.0,
                         equality=True)
        for k, (u_, v_) in enumerate(e.tolist()):
            rows.add([y2[k], y1[k]], [1.0, -1.0], 0.0)
            for end in (u_, v_):
                rows.add([y1[k], w[end]], [1.0, -1.0], 0.0)
            for arc in (f[k], f[E + k]):
                rows.add([arc, y1[k]], [1.0, -(J - 1.0)], 0.0)
        n_aux = 2 * E + 2 * J + 2 * E
        ub = np.r_[np.ones(2 * E + J), np.maximum(deg, 1), np.full(2 * E, J - 1.0)]
        integer = np.r_[np.ones(2 * E + 2 * J, bool), np.zeros(2 * E, bool)]
        return ActionConstraints(J, n_aux, *rows.matrices(J + n_aux), name=self.name, aux_ub=ub, aux_integer=integer)

    def _time_expanded(self) -> ActionConstraints:
        J, L, src, e = self.J, self.walk_length, self.source, self.edges
        arcs = np.concatenate([e, e[:, ::-1]])
        n_real = arcs.shape[0]
        loops = np.arange(J) if self.self_loops else np.array([src])
        arcs = np.concatenate([arcs, np.stack([loops, loops], axis=1)])
        counted = np.arange(n_real) if self.self_loops else np.arange(arcs.shape[0])  # in the per-step count
        n_arc = arcs.shape[0]

        def u(k, t):
            return J + t * n_arc + np.asarray(k)

        rows = _Rows()
        rows.add(list(range(J)), 1.0, self.budget)
        for t in range(L):
            rows.add(u(counted, t).tolist(), 1.0, 1.0, equality=True)
        rows.add(u(counted[arcs[counted, 0] == src], 0).tolist(), 1.0, 1.0, equality=True)
        rows.add(u(counted[arcs[counted, 1] == src], L - 1).tolist(), 1.0, 1.0, equality=True)
        for j in range(J):
            into, out = np.flatnonzero(arcs[:, 1] == j), np.flatnonzero(arcs[:, 0] == j)
            for t in range(L - 1):
                rows.add(u(into, t).tolist() + u(out, t + 1).tolist(), [1.0] * into.size + [-1.0] * out.size, 0.0,
                         equality=True)
            visits = np.concatenate([u(into, t) for t in range(L)])
            rows.add([j] + visits.tolist(), [1.0] + [-1.0] * visits.size, 0.0)
        return ActionConstraints(J, L * n_arc, *rows.matrices(J + L * n_arc), name=self.name)

    @cached_property
    def cycles(self) -> list:
        """The simple cycles through the source of ``3 .. min(L, J)`` nodes, each once (the code's
        ``valid_cycles``)."""
        nbrs = [[] for _ in range(self.J)]
        for u_, v_ in self.edges.tolist():
            nbrs[u_].append(v_)
            nbrs[v_].append(u_)
        src, bound, out = self.source, min(self.walk_length, self.J), []

        def extend(path, seen):
            for n in nbrs[path[-1]]:
                if n == src and len(path) >= 3 and path[1] < path[-1]:
                    out.append(tuple(path))
                elif n not in seen and len(path) < bound:
                    seen.add(n)
                    extend(path + [n], seen)
                    seen.discard(n)

        extend([src], {src})
        return out

    def random_action(self, seed: Seed = None) -> np.ndarray:
        """The code's random action: a uniform simple cycle through the source (:attr:`cycles`), then
        ``min(B, |cycle|)`` of its nodes uniformly. With no such cycle (a tree), an out-and-back walk to a uniform
        node within ``L / 2`` hops, then ``min(B, |walk|)`` of its nodes."""
        rng = as_generator(seed)
        if self.cycles:
            nodes = np.array(self.cycles[rng.integers(len(self.cycles))])
        else:
            d = self.distances
            near = np.flatnonzero(2 * d[self.source] <= self.walk_length)
            end = int(rng.choice(near))
            nodes = [end]  # a shortest path back to the source, by distances
            while nodes[-1] != self.source:
                here = nodes[-1]
                nodes.append(next(n for n in range(self.J) if d[here, n] == 1 and d[self.source, n] ==
                                  d[self.source, here] - 1))
            nodes = np.array(nodes)
        a = self.null_action()
        a[rng.choice(nodes, min(self.budget, nodes.size), replace=False)] = 1
        return a


def routing_domain(J: int = 20, B: int = 5, *, edges=None, source: int = 0, self_loops: bool = False,
                   formulation: str = "time-expanded", seed: Seed = None) -> RoutingDomain:
    """The code's routing instance (``get_routing``; J=20/B=5, J=40/B=10): the arms of :func:`random_arms` (``B``
    good), then the network: ``edges`` if given (e.g. a subgraph of a real transit network), else
    :func:`transit_network` drawn from the same stream. The code allows only J in {20, 40, ..., 100}, its pickled
    subgraphs, with sources 0, 10, 20, 0, 0; here any ``J >= 4`` and ``source`` (default 0, the generator's most
    central node). Walk length ``2B``; ``formulation``: the MILP's (:class:`RoutingDomain`)."""
    J, B = check_int(J, "J"), check_int(B, "B")
    if B > J:
        raise ValueError(f"B (the budget, also the number of good arms) must be <= J, got B = {B}, J = {J}")
    rng = as_generator(seed)
    arms = random_arms(J, B, rng)
    if edges is None:
        edges = transit_network(J, seed=rng)
    return RoutingDomain(arms, B, edges, source=source, self_loops=self_loops, formulation=formulation)
