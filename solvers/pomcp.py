"""POMCP and POUCT: Monte-Carlo tree search over histories (Silver & Veness 2010, "Monte-Carlo Planning in Large
POMDPs", NeurIPS), on array models ``P[s, a, s']`` (or a ``scipy.sparse`` ``(S*A, S)`` matrix, row ``s*A + a``),
``O[a, s', o]`` (or ``O[s', o]``), ``R[s, a]``, ``gamma``.

Each simulation draws a root state (POMCP: uniformly from the particle belief; POUCT: from a belief vector), descends
the tree of history nodes choosing ``argmax_a Q(h, a) + c sqrt(log N(h) / N(h, a))`` (untried actions first), steps
the model as a generative simulator, adds the first history not yet in the tree as a node and finishes with a
rollout to ``depth`` steps, then adds ``gamma^depth value_estimate[s_depth]`` (0 by default); the discounted return
``sum_t gamma^t r_t`` is backed up along the path as running means. The recommended action is the greedy
``argmax_a Q(root, a)``. The rollout policy is the paper's uniformly random baseline, or a policy over the simulated
state (``pi[s]`` or ``pi[s, a]``), the state-based form of the paper's domain-knowledge rollouts (e.g. the
MDP-optimal policy).

Transitions are kept in CSR form whatever the input: per row ``s*A + a`` the successors with non-zero probability
and their cumulative probabilities, an outcome drawn by bisection within the row; dense and sparse inputs of one
model give the same arrays, hence the same search for a seed. The tree lives in preallocated Numba arrays: history
nodes indexed below ``min(n_simulations + 1, number of histories shorter than depth)`` (one new node per simulation
at most), children by ``child[node, a, o]`` (``-1`` when absent), counts and values per ``(node, a)``. The whole
search is one ``@njit`` call driven by a SplitMix64 stream (same seed, same tree).

The particle update after the real ``(a, o)`` (``pomcp_update``) follows the paper: the states reached through
``(a, o)`` at the root by the search's simulations, then fresh rejection simulations from the root belief until
``n_particles`` are held or ``max_tries`` draws are spent. No particle consistent with ``o`` is *particle
deprivation*: it raises ``ParticleDeprivation`` unless ``reinvigorate`` is set, in which case the particles are drawn
from Bayes' rule applied to the root particle belief, ``b'(s') ∝ O[a, s', o] (1/n) sum_i P[s_i, a, s']`` (the result
says ``reinvigorated=True``). An observation impossible even under that belief always raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._rng import next_uniform
from .pomdp_value_iteration import _check_emissions, check_belief
from .validation import check_int, check_policy, check_real, check_real_array, check_rewards, row_operator


class ParticleDeprivation(RuntimeError):
    """No particle of the updated belief is consistent with the observation (Silver & Veness 2010, section 3)."""


@njit(inline="always", cache=True, nogil=True)
def _draw(cdf, u):
    """The outcome ``k`` of a cumulative row with ``cdf[k-1] <= u * cdf[-1] < cdf[k]`` (never a zero-mass one), by
    bisection (a root of many particles costs ``log n``)."""
    n = cdf.shape[0]
    return min(np.searchsorted(cdf, u * cdf[n - 1], side="right"), n - 1)


@njit(inline="always", cache=True, nogil=True)
def _step(indptr, indices, cdf, row, u):
    """The successor drawn with uniform ``u`` from CSR row ``row = s*A + a`` (bisection within the row)."""
    lo, hi = indptr[row], indptr[row + 1]
    return indices[lo + _draw(cdf[lo:hi], u)]


@njit(inline="always", cache=True, nogil=True)
def _rollout_action(kind, pi, cdf_pi, s, A, rng):
    """The rollout's action in state ``s``: uniform (kind 0), ``pi[s]`` (kind 1, no draw), from ``pi[s, :]`` (2)."""
    if kind == 1:
        return pi[s], rng
    rng, u = next_uniform(rng)
    if kind == 0:
        return min(int(u * A), A - 1), rng
    return _draw(cdf_pi[s], u), rng


@njit(cache=True, nogil=True)
def _row_cumsum(indptr, data):
    out = np.empty_like(data)
    for r in range(indptr.shape[0] - 1):
        acc = 0.0
        for k in range(indptr[r], indptr[r + 1]):
            acc += data[k]
            out[k] = acc
    return out


@njit(cache=True, nogil=True)
def _search(indptr, indices, cdf_P, cdf_O, R, gamma, support, cdf_root, n_sim, depth, c, seed, max_nodes,
            roll_kind, roll_pi, roll_cdf, leaf):
    S, A = R.shape
    child = np.full((max_nodes, A, cdf_O.shape[2]), -1, dtype=np.int32)
    node_N = np.zeros(max_nodes, dtype=np.int64)
    N = np.zeros((max_nodes, A), dtype=np.int64)
    Q = np.zeros((max_nodes, A))
    root_ret2 = np.zeros(A)  # sum of squared returns per root action, for a standard error
    root_a = np.empty(n_sim, dtype=np.int32)  # per simulation, for pomcp_update
    root_o = np.empty(n_sim, dtype=np.int32)
    root_s = np.empty(n_sim, dtype=np.int32)
    path_node = np.empty(depth, dtype=np.int64)
    path_a = np.empty(depth, dtype=np.int64)
    path_r = np.empty(depth)
    n_nodes = 1
    rng = np.uint64(seed)
    for sim in range(n_sim):
        rng, u = next_uniform(rng)
        s = support[_draw(cdf_root, u)]
        node = 0
        t = 0
        G = 0.0
        while t < depth:
            a = -1
            best = -np.inf
            logN = np.log(max(node_N[node], 1))
            for b in range(A):
                if N[node, b] == 0:
                    a = b
                    break
                score = Q[node, b] + c * np.sqrt(logN / N[node, b])
                if score > best:
                    best, a = score, b
            rng, u = next_uniform(rng)
            s2 = _step(indptr, indices, cdf_P, s * A + a, u)
            rng, u = next_uniform(rng)
            o = _draw(cdf_O[a, s2], u)
            path_node[t], path_a[t], path_r[t] = node, a, R[s, a]
            if t == 0:
                root_a[sim], root_o[sim], root_s[sim] = a, o, s2
            t += 1
            s = s2
            nxt = child[node, a, o]
            if nxt < 0:  # a new history: add it (if it has steps left) and roll out
                if t < depth and n_nodes < max_nodes:
                    child[node, a, o] = n_nodes
                    n_nodes += 1
                disc = 1.0
                for _ in range(depth - t):
                    b, rng = _rollout_action(roll_kind, roll_pi, roll_cdf, s, A, rng)
                    G += disc * R[s, b]
                    disc *= gamma
                    rng, u = next_uniform(rng)
                    s = _step(indptr, indices, cdf_P, s * A + b, u)
                G += disc * leaf[s]
                break
            if t == depth:
                G = leaf[s]
            node = nxt
        for k in range(t - 1, -1, -1):
            G = path_r[k] + gamma * G
            n, a = path_node[k], path_a[k]
            node_N[n] += 1
            N[n, a] += 1
            Q[n, a] += (G - Q[n, a]) / N[n, a]
            if k == 0:
                root_ret2[a] += G * G
    return Q[0].copy(), N[0].copy(), root_ret2, root_a, root_o, root_s, n_nodes


@njit(cache=True, nogil=True)
def _fresh(indptr, indices, cdf_P, cdf_O, support, cdf_root, a, o, n_want, max_tries, seed):
    """States ``s' ~ P(.|s, a)`` from root states ``s``, kept when their drawn observation equals ``o``."""
    A = cdf_O.shape[0]
    out = np.empty(n_want, dtype=np.int64)
    n = 0
    rng = np.uint64(seed)
    for _ in range(max_tries):
        if n == n_want:
            break
        rng, u = next_uniform(rng)
        s = support[_draw(cdf_root, u)]
        rng, u = next_uniform(rng)
        s2 = _step(indptr, indices, cdf_P, s * A + a, u)
        rng, u = next_uniform(rng)
        if _draw(cdf_O[a, s2], u) == o:
            out[n] = s2
            n += 1
    return out[:n]


@dataclass(frozen=True)
class POMCPResult:
    """The root of one search: the greedy ``action``, ``Q[a]`` (the mean discounted return of the simulations that
    took ``a`` at the root; NaN if none did), visit counts ``N[a]``, ``value = Q[action]``, ``stderr[a]`` (the standard
    error of ``Q[a]`` as a sample mean; it ignores the tree's non-stationarity), ``n_nodes`` in the tree. The other
    fields feed :func:`pomcp_update`."""

    action: int
    value: float
    Q: np.ndarray
    N: np.ndarray
    stderr: np.ndarray
    n_nodes: int
    root: np.ndarray = field(repr=False)  # the root belief as a probability vector over states
    n_particles: int | None = field(repr=False)  # the root's particle count (None after pouct)
    reinvigorate: bool = field(repr=False)
    _model: tuple = field(repr=False)  # (_Model, support, cdf_root)
    _root_aos: tuple = field(repr=False)  # per simulation: root action, observation, next state


@dataclass(frozen=True)
class ParticleBelief:
    """The particles after ``(a, o)``: ``from_tree`` of them reused from the search, ``fresh`` from new rejection
    simulations; ``reinvigorated`` when both gave none and they were drawn from Bayes' rule on the root belief."""

    particles: np.ndarray
    from_tree: int
    fresh: int
    reinvigorated: bool


@dataclass(frozen=True)
class _Model:
    """A validated model as the kernels take it: ``P`` in CSR (``(S*A, S)``, explicit zeros dropped, columns sorted)
    with its per-row cumulative probabilities ``cdf_P``, ``O[a, s', o]`` and its cumulative ``cdf_O``, ``R``."""

    P: sp.csr_matrix
    cdf_P: np.ndarray
    O: np.ndarray
    cdf_O: np.ndarray
    R: np.ndarray
    gamma: float

    @property
    def csr(self) -> tuple:
        return self.P.indptr, self.P.indices, self.cdf_P


def _cdf(p: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.cumsum(p, axis=-1))


def _check_model(P, O, R, gamma) -> _Model:
    R = check_rewards(R, "R", 2)
    S, A = R.shape
    P2, _ = row_operator(P, S, A, "P")
    P2 = sp.csr_matrix(P2, dtype=np.float64, copy=True)  # a copy: the user's matrix is never sorted or pruned
    P2.eliminate_zeros()
    P2.sort_indices()
    P2.indptr, P2.indices = P2.indptr.astype(np.int64), P2.indices.astype(np.int64)
    O = _check_emissions(O, S, A)
    gamma = check_real(gamma, "gamma")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
    return _Model(P2, _row_cumsum(P2.indptr, P2.data), O, _cdf(O), R, gamma)


def _check_rollout(rollout, S: int, A: int):
    """``(kind, pi[s] int64, cumulative pi[s, a])`` for the kernel: 0 uniform, 1 deterministic, 2 stochastic."""
    if isinstance(rollout, str):
        if rollout != "random":
            raise ValueError(f"rollout must be 'random', a policy pi[s] or pi[s, a], got {rollout!r}")
        return 0, np.zeros(0, dtype=np.int64), np.zeros((0, 0))
    if rollout is None:
        raise TypeError("rollout must be 'random', a policy pi[s] or pi[s, a], got None")
    pi = check_policy(rollout, S, A, "rollout")
    if pi.ndim == 1:
        return 1, pi, np.zeros((0, 0))
    return 2, np.zeros(0, dtype=np.int64), _cdf(pi)


def _check_value_estimate(value_estimate, S: int) -> np.ndarray:
    if value_estimate is None:
        return np.zeros(S)
    if sp.issparse(value_estimate):
        raise TypeError("value_estimate must be a dense array V[s], got a sparse matrix")
    V = check_rewards(value_estimate, "value_estimate", 1)
    if V.shape != (S,):
        raise ValueError(f"value_estimate must have shape (S,) = ({S},), got {V.shape}")
    return V


def _check_seed(seed) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    seed = check_int(seed, "seed", minimum=0)
    return int(np.random.default_rng(seed).integers(2**63))  # spread nearby seeds apart


def _check_search(n_simulations, depth, c):
    n = check_int(n_simulations, "n_simulations", minimum=1)
    d = check_int(depth, "depth", minimum=1)
    c = check_real(c, "c")
    if not (np.isfinite(c) and c >= 0):
        raise ValueError(f"c must be a finite real >= 0, got {c}")
    return n, d, c


def _check_particles(particles, S: int) -> np.ndarray:
    x = check_real_array(particles, "particles")
    if sp.issparse(x):
        raise TypeError("particles must be a dense 1-d array of states, got a sparse matrix")
    if x.ndim != 1 or x.shape[0] == 0:
        raise ValueError(f"particles must be a non-empty 1-d array of states, got shape {x.shape}")
    if x.dtype.kind not in "iu":
        raise TypeError(f"particles must hold integer states, got dtype {x.dtype}")
    bad = np.flatnonzero((x < 0) | (x >= S))
    if bad.size:
        raise ValueError(f"particles[{bad[0]}] = {x[bad[0]]} is not a state in [0, {S})")
    return x.astype(np.int64)


def _run(m: _Model, support, weights, n_particles, n_simulations, depth, c, seed, reinvigorate, rollout,
         value_estimate):
    if not isinstance(reinvigorate, (bool, np.bool_)):
        raise TypeError(f"reinvigorate must be a bool, got {type(reinvigorate).__name__} {reinvigorate!r}")
    n, d, c = _check_search(n_simulations, depth, c)
    S, A = m.R.shape
    roll = _check_rollout(rollout, S, A)
    leaf = _check_value_estimate(value_estimate, S)
    seed = _check_seed(seed)
    cdf_root = _cdf(weights)
    histories, width = 1, 1  # nodes: at most one per simulation, and at most the histories shorter than depth
    for _ in range(d - 1):
        width *= A * m.O.shape[2]
        histories += width
        if histories > n:
            break
    max_nodes = min(n + 1, histories)
    Q, N, ret2, ra, ro, rs, n_nodes = _search(*m.csr, m.cdf_O, m.R, m.gamma, support, cdf_root, n, d, c, seed,
                                              max_nodes, *roll, leaf)
    with np.errstate(invalid="ignore", divide="ignore"):
        Q = np.where(N > 0, Q, np.nan)
        var = np.maximum(ret2 / N - Q**2, 0.0) * N / np.maximum(N - 1, 1)
        stderr = np.where(N > 1, np.sqrt(var / N), np.nan)
    action = int(np.nanargmax(Q))
    root = np.bincount(support, weights=weights, minlength=S) / weights.sum()
    for x in (Q, N, stderr, root):
        x.setflags(write=False)
    return POMCPResult(action, float(Q[action]), Q, N, stderr, int(n_nodes), root, n_particles, bool(reinvigorate),
                       (m, support, cdf_root), (ra, ro, rs))


def pomcp(P, O, R, gamma: float, particles, *, n_simulations: int, depth: int, c: float, seed=0,
          reinvigorate: bool = False, rollout="random", value_estimate=None) -> POMCPResult:
    """POMCP (Silver & Veness 2010) from a particle belief ``particles`` (integer states, drawn uniformly as the
    root state of each simulation): ``n_simulations`` simulations of ``depth`` steps, UCB1 constant ``c`` (in reward
    units; the paper uses the range of returns). ``seed`` (int >= 0 or numpy Generator) fixes the tree.
    ``reinvigorate`` is the default of :func:`pomcp_update` on deprivation. ``rollout``: ``"random"`` (uniform
    actions, the paper's baseline), a deterministic ``pi[s]`` (integer array) or a stochastic ``pi[s, a]`` policy
    over the simulated state (e.g. the MDP-optimal policy). ``value_estimate`` ``V[s]`` (default 0) is added as
    ``gamma^depth V[s_depth]`` at the depth cutoff (e.g. the MDP value: a QMDP-style leaf)."""
    m = _check_model(P, O, R, gamma)
    x = _check_particles(particles, m.R.shape[0])
    return _run(m, x, np.ones(x.shape[0]), x.shape[0], n_simulations, depth, c, seed, reinvigorate, rollout,
                value_estimate)


def pouct(P, O, R, gamma: float, belief, *, n_simulations: int, depth: int, c: float, seed=0,
          rollout="random", value_estimate=None) -> POMCPResult:
    """POUCT: the same search with each root state drawn from the belief vector ``belief`` (shape ``(S,)``) instead
    of a particle set; :func:`pomcp_update` then needs ``n_particles``. ``rollout`` and ``value_estimate`` as in
    :func:`pomcp`."""
    m = _check_model(P, O, R, gamma)
    b = check_belief(belief, m.R.shape[0])
    if b.ndim != 1:
        raise ValueError(f"belief must be one probability vector of shape (S,), got shape {b.shape}")
    return _run(m, np.arange(m.R.shape[0]), b, None, n_simulations, depth, c, seed, False, rollout, value_estimate)


def pomcp_update(result: POMCPResult, action: int, observation: int, *, n_particles: int | None = None,
                 max_tries: int | None = None, seed=0, reinvigorate: bool | None = None) -> ParticleBelief:
    """The particle belief after the real ``(action, observation)`` (module docstring): the search's states through
    ``(action, observation)``, topped up by rejection simulations (at most ``max_tries`` draws, default
    ``100 * n_particles``). ``n_particles`` defaults to the root's particle count. With no consistent particle it
    raises ``ParticleDeprivation``, or with ``reinvigorate`` (default: the search's) draws them by Bayes' rule."""
    if not isinstance(result, POMCPResult):
        raise TypeError(f"result must be a POMCPResult, got {type(result).__name__}")
    m, support, cdf_root = result._model
    S, A = m.R.shape
    n_obs = m.O.shape[2]
    a = check_int(action, "action", minimum=0)
    o = check_int(observation, "observation", minimum=0)
    if a >= A:
        raise ValueError(f"action must be in [0, {A}), got {a}")
    if o >= n_obs:
        raise ValueError(f"observation must be in [0, {n_obs}), got {o}")
    if n_particles is None:
        if result.n_particles is None:
            raise ValueError("n_particles is required after pouct (its root is a belief vector, not particles)")
        n_particles = result.n_particles
    n_want = check_int(n_particles, "n_particles", minimum=1)
    tries = check_int(100 * n_want if max_tries is None else max_tries, "max_tries", minimum=0)
    reinvigorate = result.reinvigorate if reinvigorate is None else reinvigorate
    if not isinstance(reinvigorate, (bool, np.bool_)):
        raise TypeError(f"reinvigorate must be a bool, got {type(reinvigorate).__name__} {reinvigorate!r}")
    seed = _check_seed(seed)
    ra, ro, rs = result._root_aos
    tree = rs[(ra == a) & (ro == o)][:n_want]
    fresh = _fresh(*m.csr, m.cdf_O, support, cdf_root, a, o, n_want - tree.shape[0], tries, seed)
    particles = np.concatenate([tree.astype(np.int64), fresh])
    if particles.shape[0] > 0:
        return ParticleBelief(particles, int(tree.shape[0]), int(fresh.shape[0]), False)
    if not reinvigorate:
        raise ParticleDeprivation(f"particle deprivation: no particle consistent with observation {o} after action "
                                  f"{a} (0 of {int((ra == a).sum())} search simulations and {tries} fresh draws); "
                                  "pass reinvigorate=True to redraw particles by Bayes' rule on the root belief")
    w = m.O[a, :, o] * (m.P[a::A].T @ result.root)  # rows s*A + a: P[s, a, s']
    if not w.sum() > 0:
        raise ParticleDeprivation(f"observation {o} after action {a} has probability 0 under the root belief")
    rng = np.random.default_rng(seed)
    particles = rng.choice(S, size=n_want, p=w / w.sum()).astype(np.int64)
    return ParticleBelief(particles, 0, 0, True)
