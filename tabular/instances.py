"""Built-in MDPs, each with its citation. ``ENVS`` maps a name to its factory (used by the CLI).

Rewards are scaled to [0, 1]. Every random factory takes ``seed`` (int or ``numpy.random.Generator``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ._checks import Seed, check_flag, check_int, check_real, plain
from .models import EpisodicMDP, FiniteMDP, LinearMDP


def as_generator(seed: Seed) -> np.random.Generator:
    """``seed`` (int, None or Generator) as a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a numpy.random.Generator, got {type(seed).__name__} {plain(seed)}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return np.random.default_rng(int(seed))


def riverswim(n_states: int = 6, gamma: float = 0.95) -> FiniteMDP:
    """RiverSwim (Strehl & Littman 2008, JCSS 74(8)), with the probabilities and [0, 1] rewards of Osband, Russo &
    Van Roy 2013 ("(More) efficient RL via posterior sampling"). Action 0 swims left (always succeeds), action 1
    swims right against the current: from the middle 0.35 right / 0.6 stay / 0.05 left; at the left bank 0.6 right /
    0.4 stay; at the right bank 0.6 stay / 0.4 left. Reward 0.005 for action 0 at state 0, 1 for action 1 at the
    right bank. Starts at state 0."""
    S = check_int(n_states, "n_states", minimum=2)
    P = np.zeros((S, 2, S))
    P[np.arange(S), 0, np.maximum(np.arange(S) - 1, 0)] = 1.0
    for s in range(1, S - 1):
        P[s, 1, [s - 1, s, s + 1]] = [0.05, 0.6, 0.35]
    P[0, 1, [0, 1]] = [0.4, 0.6]
    P[S - 1, 1, [S - 2, S - 1]] = [0.4, 0.6]
    R = np.zeros((S, 2))
    R[0, 0], R[S - 1, 1] = 0.005, 1.0
    return FiniteMDP(P, R, gamma, name="riverswim")


def six_arms(gamma: float = 0.95) -> FiniteMDP:
    """SixArms (Strehl & Littman 2008, JCSS 74(8)): 7 states, 6 actions. From the hub (state 0) action i enters room
    i+1 with probability p_i = (1, 0.15, 0.1, 0.05, 0.03, 0.01), else stays. In room i+1, action i stays and pays
    r_i = (50, 133, 300, 800, 1660, 6000) (scaled by 1/6000 here); any other action returns to the hub."""
    p = np.array([1.0, 0.15, 0.1, 0.05, 0.03, 0.01])
    r = np.array([50.0, 133.0, 300.0, 800.0, 1660.0, 6000.0]) / 6000.0
    P = np.zeros((7, 6, 7))
    R = np.zeros((7, 6))
    for i in range(6):
        P[0, i, i + 1], P[0, i, 0] = p[i], 1.0 - p[i]
        P[i + 1, :, 0] = 1.0
        P[i + 1, i, 0], P[i + 1, i, i + 1] = 0.0, 1.0
        R[i + 1, i] = r[i]
    return FiniteMDP(P, R, gamma, name="six-arms")


def chain(n_states: int = 5, slip: float = 0.2, gamma: float = 0.95) -> FiniteMDP:
    """The Chain problem (Strens 2000, "A Bayesian framework for reinforcement learning"; Dearden et al. 1998).

    Action 0 moves forward (reward 0; at the last state it stays and pays 1), action 1 returns to state 0 and pays
    0.2 (Strens' 10 and 2 scaled by 1/10). With probability ``slip`` the other action is executed."""
    S = check_int(n_states, "n_states", minimum=2)
    slip = check_real(slip, "slip", low=0.0, high=1.0)
    forward, back = np.zeros((S, S)), np.zeros((S, S))
    forward[np.arange(S), np.minimum(np.arange(S) + 1, S - 1)] = 1.0
    back[:, 0] = 1.0
    r_forward = np.where(np.arange(S) == S - 1, 1.0, 0.0)
    r_back = np.full(S, 0.2)
    P = np.stack([(1 - slip) * forward + slip * back, (1 - slip) * back + slip * forward], axis=1)
    R = np.stack([(1 - slip) * r_forward + slip * r_back, (1 - slip) * r_back + slip * r_forward], axis=1)
    return FiniteMDP(P, R, gamma, name="chain")


def gridworld(n: int = 10, slip: float = 0.1, gamma: float = 0.99, sparse: bool = False) -> FiniteMDP:
    """An ``n x n`` gridworld with slip (Sutton & Barto 2018, Example 3.5 style). Actions up/right/down/left move one
    cell (bumping into a wall stays); with probability ``slip`` a uniformly random direction is taken instead. Start
    at the top-left corner; the bottom-right corner is absorbing and pays 1 per step. With ``gamma`` near 1 the value
    must travel ``2n`` cells: slow mixing. ``sparse=True`` returns ``(P, R)`` with ``P`` a CSR ``(S*A, S)`` matrix
    instead of a model (for ``n`` in the hundreds)."""
    n, slip = check_int(n, "n", minimum=2), check_real(slip, "slip", low=0.0, high=1.0)
    sparse = check_flag(sparse, "sparse")
    S, A = n * n, 4
    r, c = np.divmod(np.arange(S), n)
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    dest = np.stack([np.clip(r + dr, 0, n - 1) * n + np.clip(c + dc, 0, n - 1) for dr, dc in moves], axis=1)
    goal = S - 1
    dest[goal] = goal
    rows, cols, vals = [], [], []
    for a in range(A):  # intended move with prob 1 - slip, each direction with prob slip / 4
        for b in range(A):
            rows.append(np.arange(S) * A + a)
            cols.append(dest[:, b])
            vals.append(np.full(S, (1.0 - slip) * (a == b) + slip / A))
    P2 = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(S * A, S))
    R = np.zeros((S, A))
    R[goal] = 1.0
    if sparse:
        return P2, R
    return FiniteMDP(P2.toarray().reshape(S, A, S), R, gamma, name="gridworld")


def garnet_transitions(S: int, A: int, b: int, seed: Seed = None) -> sp.csr_matrix:
    """The ``(S*A, S)`` CSR transition matrix of a Garnet: each ``(s, a)`` has ``b`` distinct successors drawn
    uniformly, with probabilities given by the gaps of ``b - 1`` uniform cut points (Archibald, McKinnon & Thomas
    1995; Bhatnagar et al. 2009)."""
    S, A, b = check_int(S, "S"), check_int(A, "A"), check_int(b, "b")
    if not 1 <= b <= S:
        raise ValueError(f"branching b must lie in [1, S] = [1, {S}], got {b}")
    rng = as_generator(seed)
    succ = rng.integers(0, S, size=(S * A, b))
    while True:  # redraw duplicates within a row until all b successors are distinct
        succ.sort(axis=1)
        dup = np.zeros_like(succ, dtype=bool)
        dup[:, 1:] = succ[:, 1:] == succ[:, :-1]
        if not dup.any():
            break
        succ[dup] = rng.integers(0, S, size=int(dup.sum()))
    cuts = np.sort(rng.random((S * A, b - 1)), axis=1)
    probs = np.diff(np.concatenate([np.zeros((S * A, 1)), cuts, np.ones((S * A, 1))], axis=1), axis=1)
    indptr = np.arange(0, S * A * b + 1, b)
    return sp.csr_matrix((probs.ravel(), succ.ravel(), indptr), shape=(S * A, S))


def garnet(S: int = 50, A: int = 4, b: int = 5, gamma: float = 0.95, seed: Seed = None) -> FiniteMDP:
    """A Garnet random MDP (Archibald et al. 1995): ``b`` successors per ``(s, a)``, rewards uniform on [0, 1]."""
    rng = as_generator(seed)
    P = garnet_transitions(S, A, b, rng).toarray().reshape(S, A, S)
    return FiniteMDP(P, rng.random((S, A)), gamma, name="garnet")


def dirichlet_mdp(S: int = 20, A: int = 4, alpha: float = 1.0, gamma: float = 0.95, seed: Seed = None) -> FiniteMDP:
    """A random MDP with rows ``P[s, a] ~ Dirichlet(alpha 1_S)`` and rewards uniform on [0, 1]."""
    S, A = check_int(S, "S"), check_int(A, "A")
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    rng = as_generator(seed)
    return FiniteMDP(rng.dirichlet(np.full(S, alpha), size=(S, A)), rng.random((S, A)), gamma, name="dirichlet")


def _hard_tree(S: int, A: int) -> tuple[int, int, int]:
    """``(internal nodes, tree nodes, depth)`` of the heap-ordered A-ary tree on the ``S - 3`` non-special states."""
    n_internal = (S - 3 - 1) // A  # heap-ordered tree nodes 0..n_internal-1 are internal
    n_tree = 1 + A * n_internal
    depth = np.zeros(n_tree, dtype=int)
    for i in range(1, n_tree):
        depth[i] = depth[(i - 1) // A] + 1
    return n_internal, n_tree, int(depth.max())


def minimax_hard_family(S: int = 10, A: int = 2, H: int = 12, epsilon: float = 0.1, H_bar: int | None = None
                        ) -> tuple[dict[tuple[int, int, int], EpisodicMDP], int]:
    """Every member of the hard family of :func:`minimax_hard_instance`: one per hidden ``(h*, l*, a*)``, with
    ``h*`` over the reachable leaf steps ``[d + 1, H_bar + d + 1]``. Returns ``(members, reward_steps)`` where
    ``members`` maps ``(h*, l*, a*)`` to its model and ``reward_steps = H - H_bar - d - 2`` is the number of rewarded
    steps (a member's regret per episode that misses its hidden choice is ``reward_steps * epsilon``)."""
    S, A, H = check_int(S, "S"), check_int(A, "A"), check_int(H, "H")
    n_internal, n_tree, d = _hard_tree(S, A)
    H_bar = H // 3 if H_bar is None else check_int(H_bar, "H_bar", minimum=0)
    members = {(h, l, a): minimax_hard_instance(S, A, H, epsilon, (h, l, a), H_bar)
               for h in range(d + 1, H_bar + d + 2) for l in range(n_tree - n_internal) for a in range(A)}
    return members, H - H_bar - d - 2


def minimax_hard_instance(
    S: int = 10, A: int = 2, H: int = 12, epsilon: float = 0.1, optimal: tuple[int | None, int, int] = (None, 0, 0),
    H_bar: int | None = None,
) -> EpisodicMDP:
    """The hard non-stationary MDP of Domingues, Menard, Kaufmann & Valko 2021 ("Episodic reinforcement learning in
    finite MDPs: minimax lower bounds revisited", ALT, Section 3), with 0-indexed steps ``h = 0..H-1``.

    States: 0 = waiting state ``s_w``, 1 = good ``s_g``, 2 = bad ``s_b``, then an A-ary tree in heap order (root 3).
    At ``s_w`` action 0 waits while ``h < H_bar``; any other action (or ``h >= H_bar``) enters the root, so a leaf
    (depth ``d``) is reached at a step in ``[d + 1, H_bar + d + 1]`` of the agent's choosing. Tree actions pick the
    child deterministically. From leaf ``l`` at step ``h``, action ``a`` reaches ``s_g`` with probability
    ``1/2 + epsilon * 1{(h, l, a) = (h*, l*, a*)}``, else ``s_b``; both are absorbing. Reward 1 in ``s_g`` at steps
    ``h >= H_bar + d + 2``, after every possible arrival, so only the good-vs-bad outcome matters: the optimal value
    is ``(H - H_bar - d - 2)(1/2 + epsilon)`` and any other choice loses ``(H - H_bar - d - 2) epsilon``.
    ``optimal = (h*, l*, a*)``: ``l*`` indexes the leaves (0-based) and ``h* = None`` means ``H_bar + d + 1``;
    ``epsilon = 0`` gives the reference MDP M_0. ``H_bar`` defaults to ``H // 3``. Tree slots beyond the last full
    level are padded with unreachable absorbing states.
    """
    S, A, H = check_int(S, "S"), check_int(A, "A"), check_int(H, "H")
    epsilon = check_real(epsilon, "epsilon")
    if S < 3 + 1 + A or A < 2:
        raise ValueError(f"need A >= 2 and S >= 4 + A (waiting, good, bad, a root and its A leaves), got S={S}, A={A}")
    if not 0.0 <= epsilon <= 0.5:
        raise ValueError(f"epsilon must lie in [0, 1/2], got {epsilon}")
    n_internal, n_tree, d = _hard_tree(S, A)
    leaves = np.arange(n_internal, n_tree)
    H_bar = H // 3 if H_bar is None else check_int(H_bar, "H_bar", minimum=0)
    if H_bar < 0 or H_bar + d + 2 >= H:
        raise ValueError(f"need 0 <= H_bar and H_bar + depth + 2 < H; got H_bar={H_bar}, depth={d}, H={H}")
    if isinstance(optimal, (str, bytes)) or not hasattr(optimal, "__len__") or len(optimal) != 3:
        raise TypeError(f"optimal must be a triple (h*, l*, a*), got {plain(optimal)}")
    h_star, l_star, a_star = optimal
    h_star = H_bar + d + 1 if h_star is None else check_int(h_star, "optimal h*", minimum=0)
    l_star, a_star = check_int(l_star, "optimal l*", minimum=0), check_int(a_star, "optimal a*", minimum=0)
    if not (0 <= l_star < len(leaves) and 0 <= a_star < A and d + 1 <= h_star <= H_bar + d + 1):
        raise ValueError(f"optimal (h*, l*, a*) = {plain(optimal)} out of range: {len(leaves)} leaves, {A} actions, "
                         f"h* in [{d + 1}, {H_bar + d + 1}]")
    W, G, B, root = 0, 1, 2, 3
    P = np.zeros((H, S, A, S))
    P[:, W, :, root] = 1.0
    P[:H_bar, W, 0, root] = 0.0
    P[:H_bar, W, 0, W] = 1.0
    P[:, G, :, G] = 1.0
    P[:, B, :, B] = 1.0
    for i in range(n_internal):
        for a in range(A):
            P[:, root + i, a, root + A * i + 1 + a] = 1.0
    P[:, root + leaves, :, G] = 0.5
    P[:, root + leaves, :, B] = 0.5
    P[h_star, root + leaves[l_star], a_star, G] += epsilon
    P[h_star, root + leaves[l_star], a_star, B] -= epsilon
    for s in range(root + n_tree, S):  # padding: unreachable absorbing states
        P[:, s, :, s] = 1.0
    R = np.zeros((H, S, A))
    R[H_bar + d + 2 :, G, :] = 1.0
    return EpisodicMDP(P, R, H, name="minimax-hard")


#: name -> (factory, one-line description with default sizes). Factories take keyword overrides.
ENVS: dict[str, tuple[Callable, str]] = {
    "riverswim": (riverswim, "RiverSwim, S=6, A=2, gamma=0.95 (Strehl & Littman 2008)"),
    "six-arms": (six_arms, "SixArms, S=7, A=6, gamma=0.95 (Strehl & Littman 2008)"),
    "chain": (chain, "Chain, S=5, A=2, slip=0.2, gamma=0.95 (Strens 2000)"),
    "gridworld": (gridworld, "Gridworld with slip, 10x10 (S=100), A=4, gamma=0.99"),
    "garnet": (garnet, "Garnet, S=50, A=4, b=5, gamma=0.95, seed=0 (Archibald et al. 1995)"),
    "dirichlet": (dirichlet_mdp, "Dirichlet random MDP, S=20, A=4, gamma=0.95, seed=0"),
    "minimax-hard": (minimax_hard_instance, "Episodic hard instance, S=10, A=2, H=12 (Domingues et al. 2021)"),
}


def make(name: str, **overrides: Any) -> FiniteMDP | EpisodicMDP:
    """Build a built-in model by name (see ``ENVS``); random ones default to ``seed=0``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__} {name!r}")
    if name not in ENVS:
        raise ValueError(f"name must be a built-in environment ({', '.join(sorted(ENVS))}), got {name!r}")
    factory = ENVS[name][0]
    if factory in (garnet, dirichlet_mdp):
        overrides.setdefault("seed", 0)
    return factory(**overrides)


def random_linear_mdp(S: int = 10, A: int = 3, d: int = 4, H: int = 5, seed: Seed = None) -> LinearMDP:
    """A random linear MDP (Jin et al. 2020): ``phi(s, a)`` on the simplex (Dirichlet(1)), each ``mu_h`` a set of
    ``d`` distributions over states (Dirichlet(1)), ``theta_h`` uniform on [0, 1]^d, so ``P_h = <phi, mu_h>`` is a
    distribution and ``r_h = <phi, theta_h>`` lies in [0, 1]."""
    S, A, d, H = check_int(S, "S"), check_int(A, "A"), check_int(d, "d"), check_int(H, "H")
    rng = as_generator(seed)
    phi = rng.dirichlet(np.ones(d), size=(S, A))
    mu = rng.dirichlet(np.ones(S), size=(H, d))
    theta = rng.random((H, d))
    return LinearMDP(phi, mu, theta, H, name="random-linear")
