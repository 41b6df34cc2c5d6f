"""Certified bounds on the optimal value ``V*`` of a discounted POMDP, as alpha-vectors.

Upper bounds (each ``V(b) = max_a b . alpha_a`` with one vector per action):

* QMDP (Littman, Cassandra & Kaelbling 1995): ``alpha_a = Q*_MDP(., a)``, the underlying MDP's optimal Q, from the
  certified :func:`.value_iteration`; its ``error_bound`` (and the backup's rounding) is added, so the vectors lie
  above ``Q*_MDP`` entrywise and ``V_QMDP >= V*``.
* FIB, the fast informed bound (Hauskrecht 2000, section 6.2): the fixed point of the ``gamma``-contraction
  ``(T alpha)_a(s) = R(s, a) + gamma sum_o max_a' sum_s' P(s'|s, a) O(o|a, s') alpha_a'(s')`` on ``(A, S)`` tables.
  ``T`` is monotone and ``T Q*_MDP <= Q*_MDP``, so ``alpha_FIB <= Q*_MDP`` and ``V* <= V_FIB <= V_QMDP``.
  Iterated from the QMDP vectors until the sup-norm change ``d`` of one step is at most ``tol (1 - gamma) / gamma``;
  then ``|alpha_k - alpha_FIB| <= (gamma d + delta) / (1 - gamma) <= tol + delta / (1 - gamma)`` (``delta`` bounds
  the float64 rounding of one step), and that is added. The result is also capped entrywise by the QMDP vectors
  (both are upper bounds on ``alpha_FIB``), so ``V_FIB <= V_QMDP`` holds exactly.

Lower bound:

* PBVI (Pineau, Gordon & Thrun 2003): point-based backups at a belief set ``B``. Initialised with the blind
  policies' vectors (``always a``: ``alpha_a = (I - gamma P_a)^-1 R_a``, lowered by the solve's certified residual
  error), each vector stays the value of a (conditional-plan) policy, hence ``<= V*``; at each ``b`` the backup is kept
  only if it beats the best old vector there, so ``V(b)`` never decreases on ``B``. The rounding of the backups is
  tracked (``e <- gamma e + delta`` per backup) and subtracted at the end. Optionally the set grows by the one-step
  reachable belief farthest (L1) from the set, for each ``b`` (Pineau et al.'s expansion, over every ``(a, o)``
  instead of sampled ones, so it is deterministic).

All three are vectorised numpy (BLAS products and ``einsum`` over actions, observations and states); loops run
over iterations only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .pomdp_value_iteration import POMDPValueFunction, _check_emissions, check_belief
from .result import EPS
from .validation import check_gamma, check_int, check_real, check_rewards, row_operator
from .value_iteration import value_iteration


@dataclass(frozen=True)
class POMDPBound(POMDPValueFunction):
    """A bound ``V(b) = max_i b . alphas[i]`` on the discounted ``V*`` (``H`` is ``None``): ``side`` is ``"upper"``
    (``V >= V*`` everywhere) or ``"lower"`` (``V <= V*`` everywhere); ``slack`` is the certified correction already
    applied to the vectors (added for an upper bound, subtracted for a lower); ``iterations`` the sweeps/backups run."""

    side: str = "upper"
    slack: float = 0.0
    iterations: int = 0


@dataclass(frozen=True)
class _Model:
    """A validated discounted POMDP: ``Pa[a]`` the ``(S, S)`` transition matrix of action ``a`` (scipy CSR where
    ``P`` came sparse, else dense), ``P2`` the ``(S*A, S)`` row operator, ``O[a, s', o]``, ``R[s, a]``, ``gamma``."""

    Pa: tuple
    P2: object
    O: np.ndarray
    R: np.ndarray
    gamma: float

    @property
    def P(self):
        """``P`` as the planners take it: dense ``(S, A, S)`` or sparse ``(S*A, S)``."""
        S, A = self.R.shape
        return self.P2 if sp.issparse(self.P2) else self.P2.reshape(S, A, S)

    def projection(self) -> np.ndarray:
        """``M[a, o, s, s'] = gamma P(s'|s, a) O(o|a, s')``, dense: ``A * O * S^2`` floats (PBVI only)."""
        P = self.P2.toarray() if sp.issparse(self.P2) else self.P2
        S, A = self.R.shape
        return self.gamma * np.einsum("sat,ato->aost", P.reshape(S, A, S), self.O)


def _model(P, O, R, gamma) -> _Model:
    """Validate ``P`` (dense ``(S, A, S)``, sparse ``(S*A, S)`` or a per-action list), ``O``, ``R`` and ``gamma``;
    a sparse ``P`` stays sparse."""
    R = check_rewards(R, "R", 2)
    S, A = R.shape
    P2, _ = row_operator(P, S, A, "P")
    Pa = tuple(P2[a::A] for a in range(A))  # rows s*A + a, s = 0..S-1
    return _Model(Pa, P2, _check_emissions(O, S, A), R, check_gamma(gamma))


def _tol(tol) -> float:
    tol = check_real(tol, "tol")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol}")
    return tol


def _finish(alphas, actions, gamma, side, slack, iterations) -> POMDPBound:
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    actions = np.ascontiguousarray(actions, dtype=np.int64)
    alphas.setflags(write=False)
    actions.setflags(write=False)
    return POMDPBound(alphas, actions, None, gamma, side, float(slack), int(iterations))


def _qmdp_table(P, R, gamma, tol) -> tuple[np.ndarray, float, int]:
    """``(U, slack, sweeps)`` with ``U[s, a] >= Q*_MDP(s, a)``: the certified VI's ``Q`` plus its error bound
    (``|Q - Q*| <= gamma |V - V*| + rounding``) and the backup's rounding (Higham's ``(S + 2) eps`` bound)."""
    S, A = R.shape
    res = value_iteration(P, R, gamma, tol=tol)
    v_max = float(np.abs(res.V).max())
    slack = res.error_bound + (S + 4) * EPS * (float(np.abs(R).max()) + 2 * v_max + float(np.abs(res.Q).max()))
    return res.Q + slack, slack, res.iterations


def qmdp(P, O, R, gamma: float, *, tol: float = 1e-6) -> POMDPBound:
    """QMDP upper bound (Littman, Cassandra & Kaelbling 1995): one vector per action, ``alpha_a >= Q*_MDP(., a)``
    entrywise (certified; the slack added is at most ``tol / 2`` plus rounding). ``O`` is checked even though QMDP
    ignores it."""
    m = _model(P, O, R, gamma)
    U, slack, n = _qmdp_table(m.P, m.R, m.gamma, _tol(tol))
    return _finish(U.T, np.arange(m.R.shape[1]), m.gamma, "upper", slack, n)


def _fib_step(m: _Model, alpha: np.ndarray) -> np.ndarray:
    """``T alpha`` on ``(A, S)`` tables: ``R(s, a) + gamma sum_o max_a' sum_s' P(s'|s, a) O(o|a, s') alpha[a', s']``,
    one (sparse or dense) product ``Pa[a] @ (O[a, :, o] * alpha.T)`` per action and observation."""
    out = m.R.T.copy()
    for a, Pa in enumerate(m.Pa):
        for o in range(m.O.shape[2]):
            out[a] += m.gamma * np.asarray(Pa @ (m.O[a, :, o, None] * alpha.T)).max(axis=1)
    return out


def fib(P, O, R, gamma: float, *, tol: float = 1e-6, max_iter: int = 100_000) -> POMDPBound:
    """Fast informed bound (Hauskrecht 2000): certified upper bound with one vector per action, ``alpha_a >=
    alpha_FIB,a`` entrywise and ``alpha_a <= `` the QMDP vectors (module docstring). Stops when one step changes the
    table by at most ``tol (1 - gamma) / gamma`` in sup norm; the certified slack added is then at most ``tol`` plus
    rounding. Raises ``RuntimeError`` if ``max_iter`` steps do not get there."""
    m = _model(P, O, R, gamma)
    tol, max_iter = _tol(tol), check_int(max_iter, "max_iter", minimum=1)
    R, gamma = m.R, m.gamma
    S, A = R.shape
    upper, _, _ = _qmdp_table(m.P, R, gamma, tol)
    upper = upper.T
    if gamma == 0.0:
        return _finish(np.minimum(R.T, upper), np.arange(A), gamma, "upper", 0.0, 0)
    alpha = upper
    n_obs = m.O.shape[2]
    for n in range(1, max_iter + 1):
        new = _fib_step(m, alpha)
        change = float(np.abs(new - alpha).max())
        alpha = new
        if change <= tol * (1 - gamma) / gamma:
            # rounding of one step: S-term dot products, an O-term sum, the reward add (Higham eq. 3.5)
            delta = (S + n_obs + 4) * EPS * (float(np.abs(R).max()) + 2 * float(np.abs(alpha).max()))
            slack = (gamma * change + delta) / (1 - gamma)
            return _finish(np.minimum(alpha + slack, upper), np.arange(A), gamma, "upper", slack, n)
    raise RuntimeError(f"fib: the table still changed by {change:.3g} after max_iter = {max_iter} steps "
                       f"(needed <= tol (1 - gamma) / gamma = {tol * (1 - gamma) / gamma:.3g})")


def _blind(m: _Model) -> tuple[np.ndarray, float]:
    """Vectors of the blind policies ``always a`` (``(A, S)``), each lowered by a certified bound on its solve error
    (``|x - x_true| <= |residual| / (1 - gamma)``, residual recomputed with its rounding bound). Sparse ``P``:
    sparse LU (``scipy.sparse.linalg.spsolve``)."""
    R, gamma = m.R, m.gamma
    S, A = R.shape
    x = np.empty((A, S))
    residual = np.empty((A, S))
    for a, Pa in enumerate(m.Pa):
        if sp.issparse(Pa):
            x[a] = spla.spsolve(sp.csc_matrix(sp.eye(S) - gamma * Pa), R[:, a])
        else:
            x[a] = np.linalg.solve(np.eye(S) - gamma * Pa, R[:, a])
        residual[a] = R[:, a] + gamma * (Pa @ x[a]) - x[a]
    err = (float(np.abs(residual).max())
           + (S + 4) * EPS * (float(np.abs(R).max()) + 2 * float(np.abs(x).max()))) / (1 - gamma)
    return x - err, err


def _successors(M: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every one-step successor belief ``tau(b, a, o)`` (``(n, A, O, S)``) and its probability (``(n, A, O)``)."""
    joint = np.einsum("ns,aost->naot", B, M)  # gamma P(o, s' | b, a)
    p = joint.sum(axis=3)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(p[..., None] > 0, joint / p[..., None], 0.0)
    return tau, p


def _expand(M: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``B`` plus, for each ``b``, the reachable successor farthest in L1 from ``B`` (if it is not already in it)."""
    tau, p = _successors(M, B)
    n, A, n_obs, S = tau.shape
    cand = tau.reshape(-1, S)
    dist = np.abs(cand[:, None, :] - B[None, :, :]).sum(axis=2).min(axis=1)
    dist[p.reshape(-1) <= 0] = -np.inf
    best = dist.reshape(n, A * n_obs).argmax(axis=1) + np.arange(n) * A * n_obs
    new = cand[best[dist[best] > 1e-12]]
    if new.size:
        new = new[np.unique(new.round(12), axis=0, return_index=True)[1]]
    return np.vstack([B, new])


def _point_backup(M, R, B, alphas, actions):
    """One PBVI backup at every ``b`` of ``B``: the best ``R_a + sum_o G[a, o, k*(b, a, o)]`` over ``a``, kept only
    where it beats the best old vector at ``b``. Returns the new (deduplicated) vectors and actions."""
    A, n_obs, S, _ = M.shape
    k = alphas.shape[0]
    G = (M.reshape(-1, S) @ alphas.T).reshape(A, n_obs, S, k).transpose(0, 1, 3, 2)  # projections, (A, O, k, S)
    best_k = (G.reshape(-1, S) @ B.T).reshape(A, n_obs, k, -1).argmax(axis=2).transpose(2, 0, 1)  # (n, A, O)
    chosen = G[np.arange(A)[None, :, None], np.arange(n_obs)[None, None, :], best_k]  # (n, A, O, S)
    cand = R.T[None] + chosen.sum(axis=2)  # (n, A, S)
    n = B.shape[0]
    a_star = np.einsum("ns,nas->na", B, cand).argmax(axis=1)
    new, new_actions = cand[np.arange(n), a_star], a_star
    old = (B @ alphas.T).argmax(axis=1)
    worse = np.einsum("ns,ns->n", B, new) < np.einsum("ns,ns->n", B, alphas[old])
    new = np.where(worse[:, None], alphas[old], new)
    new_actions = np.where(worse, actions[old], new_actions)
    _, keep = np.unique(new, axis=0, return_index=True)
    return new[keep], new_actions[keep]


def pbvi(P, O, R, gamma: float, beliefs, *, n_iter: int = 100, expansions: int = 0) -> POMDPBound:
    """Point-based value iteration (Pineau, Gordon & Thrun 2003): a certified lower bound from ``n_iter`` point-based
    backups at ``beliefs`` (``(n, S)``), started from the blind policies (module docstring). With ``expansions = k``
    the set is expanded ``k`` times (each round adds, per belief, its farthest one-step successor) and ``n_iter``
    backups run after each expansion; the result's ``iterations`` counts all backups."""
    m = _model(P, O, R, gamma)
    M, R, gamma = m.projection(), m.R, m.gamma
    S, A = R.shape
    B = check_belief(beliefs, S, "beliefs")
    if B.ndim != 2:
        raise ValueError(f"beliefs must have shape (n, S) with S = {S}, got {B.shape}")
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    expansions = check_int(expansions, "expansions", minimum=0)
    alphas, blind_err = _blind(m)
    actions, err = np.arange(A), 0.0
    n_obs, r_max = M.shape[1], float(np.abs(R).max())
    total = 0
    for round_ in range(expansions + 1):
        if round_:
            B = _expand(M, B)
        for _ in range(n_iter):
            alphas, actions = _point_backup(M, R, B, alphas, actions)
            # rounding of one backup (S-term projections, an O-term sum, the reward add), propagated by gamma
            err = gamma * err + (S + n_obs + 4) * EPS * (r_max + 2 * float(np.abs(alphas).max()))
            total += 1
    return _finish(alphas - err, actions, gamma, "lower", blind_err + err, total)
