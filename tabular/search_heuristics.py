"""Learned heuristics for the search domains: a deep Q-network trained by approximate Q-learning, for Q* search
(Agostinelli et al., "A* Search Without Expansions: Learning Heuristic Functions with Deep Q-Networks", arXiv
2102.04518), and its value-network counterpart trained by approximate value iteration, for batch-weighted A*
(DeepCubeA: Agostinelli, McAleer, Shmakov, Baldi, Nature Machine Intelligence 2019).

Both regress a ReLU network (``solvers.networks``; one-hot input of the state's entries) on Bellman targets computed
with a frozen target network, on start states drawn by random scrambles from the goal:

* Q-learning (``train_qnetwork``): for each state ``s`` one action ``a`` is drawn and only ``q(s, a)`` is trained,
  towards ``y = c(s, a) + min_a' q_target(s', a')^+`` with ``s' = T(s, a)``; ``y = 0`` when ``s`` is a goal. One
  forward pass on ``s'`` gives the target, so no other children are built (the point for large action spaces).
* Value iteration (``train_value_network``): ``y = min_a [c(s, a) + h_target(T(s, a))^+]``, ``y = 0`` at goals.

Outputs are clamped at 0 where they are used (a cost-to-go is >= 0), as the authors' code (deepxube) does; a goal
successor contributes 0 (its cost-to-go is known exactly).

What the paper's text (out of reach; abstracts and the authors' code read instead) leaves to us, labelled:

* [reconstructed] Which action each state trains: deepxube trains on the (node, action) pairs its Q* search pops
  with the target network; we draw one action per state from a Boltzmann policy on ``-q_target(s, .)`` at temperature
  1/3, as the authors' DeepCubeAI code does (``temperature=0`` is greedy, ``inf`` uniform).
* [ours] The depth schedule: scramble depths are uniform on ``0..K`` with ``K`` growing linearly from 1 to
  ``max_depth`` over the first ``ramp`` fraction of the steps ("random scrambles of increasing depth"); deepxube
  draws ``0..step_max`` from the start by default and can double ``K`` as instances get solved.
* [code] Adam with learning rate ``lr * lr_decay^t`` (deepxube: 1e-3, 0.9999993); the target network is replaced by
  the current one every ``target_every`` steps if the last loss is below ``loss_threshold`` (DeepCubeA's rule;
  deepxube's default threshold is inf).
* [ours] A plain MLP (default two hidden layers of 256) instead of DeepCubeA's 5000-1000 + 4 residual blocks of
  1000, so that training fits minutes on a CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import jax
import numpy as np
import optax

from boundlab.solvers import validation
from boundlab.solvers.networks import Params, mlp, mlp_init, regression_step

from ._checks import Seed, check_flag, check_int, check_real
from .instances import as_generator
from .search_domains import SearchDomain

__all__ = ["NetworkHeuristic", "q_learning_targets", "train_qnetwork", "train_value_network", "value_targets"]

_CHUNK = 1 << 16  # rows per network call (memory bound)


@dataclass(frozen=True, eq=False)
class NetworkHeuristic:
    """A trained network as a search heuristic: ``q(states) -> [n, A]`` (``kind == "q"``, for ``solvers.qstar``) or
    ``h(states) -> [n]`` (``kind == "h"``, for ``solvers.astar``), float64, clamped at 0. ``losses[t]`` is the
    training loss at step ``t``, ``depths[t]`` the largest scramble depth drawn then, ``target_updates`` the steps at
    which the target network was replaced."""

    kind: str
    domain: SearchDomain = field(repr=False)
    params: Params = field(repr=False)
    losses: np.ndarray = field(repr=False)
    depths: np.ndarray = field(repr=False)
    target_updates: np.ndarray = field(repr=False)

    def __call__(self, states: np.ndarray) -> np.ndarray:
        states = self.domain.check_states(states)
        out = _evaluate(self.params, states, self.domain.n_values)
        return out if self.kind == "q" else out[:, 0]


@jax.jit
def _forward(params: Params, states: jax.Array) -> jax.Array:
    return mlp(params, states)


def _encode(states: np.ndarray, n_values: int) -> np.ndarray:
    """One-hot of each entry: ``float32 [n, size * n_values]``."""
    flat = states.reshape(len(states), -1).astype(np.int64)
    out = np.zeros((len(flat), flat.shape[1] * n_values), dtype=np.float32)
    cols = np.arange(flat.shape[1]) * n_values + flat
    out[np.arange(len(flat))[:, None], cols] = 1.0
    return out


def _evaluate(params: Params, states: np.ndarray, n_values: int) -> np.ndarray:
    """The network on a batch of states, clamped at 0, as float64 ``[n, out]``. Batches are padded to a power of two
    (at most ``_CHUNK`` rows per call) so that ``jit`` compiles a handful of shapes, not one per batch size."""
    n = len(states)
    out = np.empty((n, params[-1][1].shape[0]))
    for lo in range(0, n, _CHUNK):
        x = _encode(states[lo:lo + _CHUNK], n_values)
        m = len(x)
        pad = 1 << max(m - 1, 0).bit_length()
        x = np.concatenate([x, np.zeros((pad - m, x.shape[1]), np.float32)]) if pad > m else x
        out[lo:lo + m] = np.asarray(_forward(params, x))[:m]
    return np.maximum(out, 0.0)


# ----------------------------------------------------------------------------------------------------- targets
def q_learning_targets(q_target: Callable[[np.ndarray], np.ndarray], domain: SearchDomain, states: np.ndarray,
                       actions: np.ndarray) -> np.ndarray:
    """The Q-learning targets ``y_i = c(s_i, a_i) + min_a' q_target(s'_i, a')^+`` (``s'_i = T(s_i, a_i)``; the min
    is 0 when ``s'_i`` is a goal), and ``y_i = 0`` when ``s_i`` is a goal. With ``q_target = domain.q_exact`` they
    equal ``q*(s_i, a_i)`` (the Bellman equation)."""
    nxt, cost = domain.apply(states, actions)
    ahead = np.where(domain.is_goal(nxt), 0.0, np.maximum(q_target(nxt), 0.0).min(axis=1))
    return np.where(domain.is_goal(states), 0.0, cost + ahead)


def value_targets(h_target: Callable[[np.ndarray], np.ndarray], domain: SearchDomain,
                  states: np.ndarray) -> np.ndarray:
    """Approximate value iteration's targets ``y_i = min_a [c(s_i, a) + h_target(T(s_i, a))^+]`` (0 for a goal
    successor), ``y_i = 0`` when ``s_i`` is a goal. With ``h_target = domain.h_exact`` they equal ``h*(s_i)``."""
    states = domain.check_states(states)
    nxt, cost = domain.successors(states)
    kids = nxt.reshape(-1, *domain.state_shape)
    ahead = np.where(domain.is_goal(kids), 0.0, np.maximum(h_target(kids), 0.0)).reshape(cost.shape)
    return np.where(domain.is_goal(states), 0.0, (cost + ahead).min(axis=1))


def _boltzmann(q: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """One action per row, ``P(a) ~ exp(-q(s, a) / temperature)`` (greedy at 0, uniform at inf)."""
    if temperature == 0:
        return np.argmin(q, axis=1)
    if math.isinf(temperature):
        return rng.integers(q.shape[1], size=len(q))
    z = -(q - q.min(axis=1, keepdims=True)) / temperature
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random((len(q), 1))
    return np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), q.shape[1] - 1)


# ----------------------------------------------------------------------------------------------------- training
def train_qnetwork(domain: SearchDomain, *, hidden: Sequence[int] = (256, 256), steps: int = 2000,
                   batch_size: int = 500, max_depth: int = 30, ramp: float = 0.5, lr: float = 1e-3,
                   lr_decay: float = 0.9999993, target_every: int = 100, loss_threshold: float = math.inf,
                   temperature: float = 1 / 3, seed: Seed = 0, progress: bool = False) -> NetworkHeuristic:
    """A deep Q-network for ``domain`` trained by approximate Q-learning (module docstring; Agostinelli et al.,
    arXiv 2102.04518): ``steps`` Adam steps on ``batch_size`` scrambled states each. Same ``seed``, same network."""
    return _train("q", domain, hidden=hidden, steps=steps, batch_size=batch_size, max_depth=max_depth, ramp=ramp,
                  lr=lr, lr_decay=lr_decay, target_every=target_every, loss_threshold=loss_threshold,
                  temperature=temperature, seed=seed, progress=progress)


def train_value_network(domain: SearchDomain, *, hidden: Sequence[int] = (256, 256), steps: int = 2000,
                        batch_size: int = 500, max_depth: int = 30, ramp: float = 0.5, lr: float = 1e-3,
                        lr_decay: float = 0.9999993, target_every: int = 100, loss_threshold: float = math.inf,
                        seed: Seed = 0, progress: bool = False) -> NetworkHeuristic:
    """A value network ``h`` for ``domain`` trained by approximate value iteration (DeepCubeA; module docstring):
    the A* counterpart of :func:`train_qnetwork`, with the same schedule and network."""
    return _train("h", domain, hidden=hidden, steps=steps, batch_size=batch_size, max_depth=max_depth, ramp=ramp,
                  lr=lr, lr_decay=lr_decay, target_every=target_every, loss_threshold=loss_threshold,
                  temperature=0.0, seed=seed, progress=progress)


def _check_training(domain: Any, hidden: Any, steps: Any, batch_size: Any, max_depth: Any, ramp: Any, lr: Any,
                    lr_decay: Any, target_every: Any, loss_threshold: Any, temperature: Any) -> dict:
    if not isinstance(domain, SearchDomain):
        raise TypeError(f"domain must be a SearchDomain (tabular.lights_out, pancake, ...), got "
                        f"{type(domain).__name__}")
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of layer widths, got {type(hidden).__name__}")
    out = dict(hidden=[check_int(w, f"hidden[{i}]", minimum=1) for i, w in enumerate(hidden)],
               steps=check_int(steps, "steps", minimum=1), batch_size=check_int(batch_size, "batch_size", minimum=1),
               max_depth=check_int(max_depth, "max_depth", minimum=1),
               target_every=check_int(target_every, "target_every", minimum=1))
    out["ramp"] = check_real(ramp, "ramp", low=0.0, high=1.0)
    out["lr"] = check_real(lr, "lr", low=0.0, low_open=True)
    out["lr_decay"] = check_real(lr_decay, "lr_decay", low=0.0, high=1.0, low_open=True)
    for name, value in (("loss_threshold", loss_threshold), ("temperature", temperature)):  # inf allowed
        v = validation.check_real(value, name)
        if not v >= 0 or (name == "loss_threshold" and v == 0):
            raise ValueError(f"{name} must be {'> 0' if name == 'loss_threshold' else '>= 0'} (inf allowed), got {v}")
        out[name] = v
    return out


def _train(kind: str, domain, *, seed, progress, **knobs) -> NetworkHeuristic:
    k = _check_training(domain, **knobs)
    progress = check_flag(progress, "progress")
    rng = as_generator(seed)
    key = jax.random.PRNGKey(int(rng.integers(2**31)))
    A = domain.n_actions
    width = int(np.prod(domain.state_shape, dtype=np.int64)) * domain.n_values
    params = mlp_init(key, [width, *k["hidden"], A if kind == "q" else 1])
    target = params
    optimizer = optax.adam(optax.exponential_decay(k["lr"], 1, k["lr_decay"]))
    opt_state = optimizer.init(params)
    step = regression_step(mlp, optimizer)
    steps, n = k["steps"], k["batch_size"]
    losses, depths, updates = np.empty(steps), np.empty(steps, dtype=np.int64), []
    ramp_steps = max(1, round(k["ramp"] * steps))

    def frozen(states):
        return _evaluate(target, states, domain.n_values) if kind == "q" else \
            _evaluate(target, states, domain.n_values)[:, 0]

    from tqdm.auto import tqdm
    bar = tqdm(range(steps), desc=f"train {kind}-network", disable=not progress)
    for t in bar:
        K = min(k["max_depth"], 1 + (k["max_depth"] - 1) * t // ramp_steps)
        states = domain.scramble(n, rng.integers(0, K + 1, size=n), seed=rng)
        if kind == "q":
            actions = _boltzmann(frozen(states), k["temperature"], rng)
            y = q_learning_targets(frozen, domain, states, actions)
            target_rows = np.zeros((n, A), np.float32)
            target_rows[np.arange(n), actions] = y
            mask = np.zeros((n, A), np.float32)
            mask[np.arange(n), actions] = 1.0
        else:
            target_rows = value_targets(frozen, domain, states)[:, None].astype(np.float32)
            mask = np.ones((n, 1), np.float32)
        params, opt_state, loss = step(params, opt_state, _encode(states, domain.n_values), target_rows, mask)
        losses[t], depths[t] = float(loss), K
        if (t + 1) % k["target_every"] == 0 and losses[t] < k["loss_threshold"]:
            target = params
            updates.append(t)
            bar.set_postfix(loss=f"{losses[t]:.3g}", depth=K)
    return NetworkHeuristic(kind, domain, params, losses, depths, np.array(updates, dtype=np.int64))
