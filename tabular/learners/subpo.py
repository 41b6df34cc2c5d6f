"""SubPO, submodular policy optimisation (Prajapat, Mutny, Zeilinger & Krause, "Submodular Reinforcement Learning",
ICLR 2024, arXiv 2307.13372), and its baselines, in JAX with optax, on a
:class:`~boundlab.tabular.submodular_envs.SubmodularGrid`.

Each epoch draws ``batch`` trajectories ``tau = (s_0, a_0, ..., s_H)`` under ``pi_theta`` (``vmap``), evaluates
``F`` on every prefix and takes one Adam step on the surrogate ``mean_tau sum_k log pi(a_k | o_k) w_k``:

- ``estimator="paper"`` (default; the paper's policy-gradient theorem): ``w_k = sum_{j>=k} Delta(s_{j+1} |
  tau_{0:j}) - b_k``, the FUTURE marginal gains (REINFORCE with marginal gains as rewards; gains realised before step
  ``k`` drop out by causality), an unbiased estimate of ``grad J(theta)``, ``J = E F(tau)``;
- ``estimator="code"``: the authors' ``main.py``, ``w_k = F(tau_{0:k+1})`` (the value accumulated so far, no
  baseline): in expectation ``sum_k E[grad log pi_k Delta_k]`` only, a myopic gradient, biased for ``grad J``
  (tests/test_subpo.py shows both by exact enumeration). Its normalisation by ``2(H+1)`` is not reproduced (Adam is
  nearly invariant to it).

The baseline ``b_k`` (``baseline="loo"``, the default for the paper's estimator) is the leave-one-out batch mean of
the same quantity at step ``k``: independent of the trajectory it is subtracted from, so the estimate stays unbiased
(the paper lets ``b`` depend on the history; the code has none: ``baseline="none"``).

Algorithms (``variant``):

- ``"M"`` (SubPO-M): Markovian in ``(h, s)``; ``policy="mlp"`` (the code's 64-32 MLP, here the shared ReLU network
  of :mod:`boundlab.solvers.networks` on ``(s / S, h / H)``, where the code feeds raw indices into a tanh network)
  or ``policy="tabular"`` (softmax ``theta[h * S + s, a]``).
- ``"NM"`` (SubPO-NM): the same MLP on the padded visited history ``(s_0, ..., s_h, -1, ...)`` (states over ``S``),
  as the code's ``append_state``.
- ``"modular"`` (the paper's MRL / the code's SRL): SubPO-M's policy and estimator on the additive reward
  ``r_k = F({s_{k+1}})`` (revisits counted again, as the code does).
- ``natural=True`` (:func:`subpo_m_npg`, registered as ``subpo-m-npg``; tabular SubPO-M only): a natural policy
  gradient step ``theta += lr * F^+ g`` (Kakade 2001; Agarwal, Kakade, Lee & Mahajan 2021, JMLR 22(98), Sec. 5) with
  plain steps (no Adam). For the tabular softmax on ``(h, s)`` the Fisher matrix ``F = E[grad log pi(tau) grad log
  pi(tau)^T]`` is block diagonal, ``d_h(s) (diag pi_hs - pi_hs pi_hs^T)`` per ``(h, s)`` (cross-step terms vanish,
  each score having mean 0 given the past), so ``F^+ g`` is ``g / (d_h(s) pi)`` centred over actions: the
  advantage of the future marginal gains, ``Q_h(s, a) - V_h(s)`` averaged over the histories reaching ``s``
  (:func:`natural_direction`; ``d_h(s)`` the batch's visit frequency). The paper's abstract announces a natural-PG
  approach, but its text was out of reach: this is OUR RECONSTRUCTION, labelled, not the paper's update.
- :func:`greedy_gain`: not learning; each step takes the action whose deterministic successor has the largest
  marginal gain ``Delta(nxt[s, a] | history)`` (one-step lookahead, ties at random).

Every run returns a :class:`SubPORun` whose ``objective[e, b]`` is ``F(tau_b)`` of the ``b``-th trajectory drawn
under ``theta_e`` (``e = 0`` the initial policy, ``e = epochs`` the final one). Same seed, same run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._checks import check_flag, check_int, check_real
from ..policy_gradient.estimators import reward_to_go
from ..policy_gradient.policies import MLPSoftmax, Softmax
from ..submodular_envs import SubmodularGrid

__all__ = ["ESTIMATORS", "VARIANTS", "Agent", "SubPORun", "Rollout", "estimator_weights", "greedy_gain", "make_agent",
           "modular_pg", "natural_direction", "rollout", "subpo", "subpo_m", "subpo_m_npg", "subpo_nm", "surrogate"]

ESTIMATORS = ("paper", "code")
VARIANTS = ("M", "NM", "modular")
BASELINES = ("loo", "none")


@dataclass(frozen=True)
class SubPORun:
    """``objective[e, b]``: ``F`` of trajectory ``b`` drawn under ``theta_e``, ``e = 0 .. epochs``; ``theta`` the final
    parameters; ``visits[S]`` how often each state was visited in the final epoch's batch; ``batch`` per epoch."""

    objective: np.ndarray
    theta: Any
    visits: np.ndarray
    batch: int

    @property
    def trajectories(self) -> np.ndarray:
        """Trajectories drawn before each epoch's evaluation: ``e * batch``."""
        return np.arange(self.objective.shape[0]) * self.batch


class Rollout(NamedTuple):
    states: jax.Array   # [H + 1]
    obs: jax.Array      # [H, ...] what the policy saw at each step
    actions: jax.Array  # [H]


@dataclass(frozen=True, eq=False)
class Agent:
    """A policy (:class:`~boundlab.tabular.policy_gradient.policies.Softmax` or ``MLPSoftmax``) and what it
    observes: ``observe(state, H, S)`` of a :class:`~boundlab.tabular.submodular_envs.GridState`."""

    policy: Any
    kind: str  # "tabular", "markov" (mlp on (s, h)) or "history"
    S: int
    H: int

    def observe(self, state) -> jax.Array:
        if self.kind == "tabular":
            return state.h * self.S + state.s
        if self.kind == "markov":
            return jnp.stack([state.s / self.S, state.h / self.H]).astype(jnp.float32)
        return jnp.where(state.history >= 0, state.history / self.S, -1.0).astype(jnp.float32)

    def init(self, key: jax.Array) -> jax.Array:
        if self.kind == "tabular":
            return jnp.zeros((self.H * self.S, 5), jnp.float32)
        return self.policy.init(key)


#: The MLP's hidden widths in the authors' code (utils/network.py).
HIDDEN = (64, 32)


def make_agent(env: SubmodularGrid, variant: str = "M", policy: str = "mlp",
               hidden: tuple[int, ...] = HIDDEN) -> Agent:
    """The policy of ``variant`` (``"M"``, ``"NM"``, ``"modular"``) on ``env`` (``hidden``: the MLP's widths; a
    tabular policy refuses other widths than the default)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    if policy not in ("mlp", "tabular"):
        raise ValueError(f"policy must be 'mlp' or 'tabular', got {policy!r}")
    if variant == "NM" and policy == "tabular":
        raise ValueError("policy='tabular' is Markovian: SubPO-NM takes policy='mlp' (the padded-history network)")
    if not isinstance(hidden, tuple) or not hidden:
        raise TypeError(f"hidden must be a non-empty tuple of layer widths, got {hidden!r}")
    hidden = tuple(check_int(h, f"hidden[{i}]") for i, h in enumerate(hidden))
    if policy == "tabular" and hidden != HIDDEN:
        raise ValueError(f"hidden={hidden} sets the MLP's widths; policy='tabular' has none")
    if policy == "tabular":
        return Agent(Softmax(), "tabular", env.S, env.H)
    d_in = 2 if variant != "NM" else env.H + 1
    return Agent(MLPSoftmax((d_in, *hidden, 5)), "markov" if variant != "NM" else "history", env.S, env.H)


def rollout(key: jax.Array, env: SubmodularGrid, agent: Agent, theta: Any) -> Rollout:
    """One trajectory of ``env.H`` moves under ``pi_theta`` (pure; ``vmap`` over keys for a batch)."""
    params = env.params

    def body(state, k):
        k_act, k_step = jax.random.split(k)
        o = agent.observe(state)
        a = agent.policy.sample(theta, o, k_act)
        nxt, _ = env.step(k_step, state, a, params)
        return nxt, (o, a)

    k0, key = jax.random.split(key)
    last, (obs, actions) = jax.lax.scan(body, env.reset(k0, params), jax.random.split(key, env.H))
    return Rollout(last.history, obs, actions)


def _loo(x: jax.Array) -> jax.Array:
    """Leave-one-out batch mean along axis 0."""
    B = x.shape[0]
    return (x.sum(0, keepdims=True) - x) / max(B - 1, 1)


def estimator_weights(states: jax.Array, F: Any, estimator: str = "paper", baseline: str = "loo",
                      modular: bool = False) -> jax.Array:
    """``w[b, k]``, the weight of ``log pi(a_k | o_k)`` for the trajectories ``states[B, H + 1]`` (module docstring):
    the future marginal gains (``"paper"``), the prefix value ``F(tau_{0:k+1})`` (``"code"``), or with ``modular`` the
    reward-to-go of ``F({s_{j+1}})`` (``estimator`` must then be ``"paper"``: the additive reward has one
    estimator); minus the leave-one-out baseline unless ``baseline="none"``."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, got {estimator!r}")
    _check_modular_estimator(modular, estimator)
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}, got {baseline!r}")
    if modular:
        single = F.prefix_values(states[..., 1:, None])[..., 0]   # F({s_{k+1}}) for each k
        w = jax.vmap(reward_to_go, in_axes=(0, None))(single, 1.0)
    elif estimator == "code":
        w = F.prefix_values(states)[:, 1:]
    else:
        w = jax.vmap(reward_to_go, in_axes=(0, None))(F.gains(states)[:, 1:], 1.0)
    return w - _loo(w) if baseline == "loo" else w


def _check_modular_estimator(modular: bool, estimator: str) -> None:
    if modular and estimator != "paper":
        raise ValueError(f"estimator={estimator!r} applies to SubPO-M/NM; the modular baseline weights log pi by the "
                         "reward-to-go of F({s}) (use the default estimator='paper')")


def surrogate(theta: Any, agent: Agent, obs: jax.Array, actions: jax.Array, w: jax.Array) -> jax.Array:
    """``mean_b sum_k log pi_theta(a_bk | o_bk) w_bk`` (its gradient is the estimate; ``w`` held fixed)."""
    logp = jax.vmap(jax.vmap(agent.policy.log_prob, in_axes=(None, 0, 0)), in_axes=(None, 0, 0))(theta, obs, actions)
    return jnp.mean(jnp.sum(logp * jax.lax.stop_gradient(w), axis=-1))


def natural_direction(theta: jax.Array, grad: jax.Array, d: jax.Array) -> jax.Array:
    """``F^+ grad`` for the tabular softmax ``theta[h * S + s, a]`` with the Fisher matrix ``F = blockdiag_(h, s)
    d[h * S + s] (diag pi - pi pi^T)`` (module docstring): ``grad / (d pi)`` centred over the actions (the minimum-norm
    solution; ``grad`` sums to 0 over actions, as every softmax score does), 0 where ``d = 0``."""
    pi = jax.nn.softmax(theta, axis=-1)
    seen = d > 0
    x = grad / (jnp.where(seen, d, 1.0)[:, None] * pi)
    return jnp.where(seen[:, None], x - x.mean(-1, keepdims=True), 0.0)


@functools.partial(jax.jit, static_argnames=("env", "agent", "batch", "estimator", "baseline", "modular", "natural"))
def _sample(theta, key, env, agent, batch, estimator, baseline, modular, natural=False):
    """A batch, its objective ``F(tau)`` and the surrogate's gradient (``natural``: preconditioned by the Fisher
    matrix at the batch's visit frequencies)."""
    ro = jax.vmap(rollout, in_axes=(0, None, None, None))(jax.random.split(key, batch), env, agent, theta)
    w = estimator_weights(ro.states, env.F, estimator, baseline, modular)
    grad = jax.grad(surrogate)(theta, agent, ro.obs, ro.actions, w)
    if natural:   # ro.obs[b, h] = h * S + s_h (tabular)
        d = jnp.zeros(theta.shape[0]).at[ro.obs.reshape(-1)].add(1.0 / batch)
        grad = natural_direction(theta, grad, d)
    return grad, env.F.prefix_values(ro.states)[:, -1], ro.states


def _check_common(env, epochs, batch, lr, seed):
    """Validated ``(epochs, batch, lr, seeds)``; ``seed`` an int or a non-empty list/tuple of ints."""
    if not isinstance(env, SubmodularGrid):
        raise TypeError(f"env must be a SubmodularGrid (boundlab.tabular.submodular_envs), got {type(env).__name__}")
    epochs = check_int(epochs, "epochs", minimum=0)
    batch = check_int(batch, "batch", minimum=2)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    seeds = list(seed) if isinstance(seed, (list, tuple)) else [seed]
    if not seeds:
        raise ValueError("seed must be an int or a non-empty list of ints")
    for s in seeds:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"seed must be an integer or a list of integers, got {type(s).__name__} {s!r}")
        if not 0 <= s < 2**32:   # jax.random.PRNGKey keeps 32 bits (x64 off): a larger seed would alias a smaller one
            raise ValueError(f"seed must lie in [0, 2**32), got {s}")
    if len(set(int(s) for s in seeds)) < len(seeds):
        raise ValueError(f"seed must not repeat, got {seeds}")
    return epochs, batch, lr, [int(s) for s in seeds]


def subpo(env: SubmodularGrid, epochs: int, seed: int | list[int] = 0, *, variant: str = "M", batch: int = 500,
          lr: float = 1e-2, estimator: str = "paper", baseline: str | None = None, policy: str = "mlp",
          hidden: tuple[int, ...] = HIDDEN, natural: bool = False,
          progress: bool = False) -> SubPORun | list[SubPORun]:
    """Train SubPO (``variant`` ``"M"``/``"NM"``) or the modular baseline for ``epochs`` Adam steps of ``batch``
    trajectories each (module docstring). ``seed`` an int, or a list of ints run together (``vmap``; returns a list).
    Defaults: the code's batch 500 and 64-32 network; its learning rates are 1e-3 (GP domains), 1e-2 (coverage),
    5e-3 (items), 2e-2 (two rooms). ``natural=True`` (tabular policies only): plain natural-gradient steps of size
    ``lr`` instead of Adam (our reconstruction, module docstring). ``estimator`` is SubPO's (the modular baseline
    refuses ``"code"``)."""
    epochs, batch, lr, seeds = _check_common(env, epochs, batch, lr, seed)
    natural = check_flag(natural, "natural")
    if natural and policy != "tabular":
        raise ValueError("natural=True preconditions the tabular softmax's Fisher matrix: use policy='tabular'")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, got {estimator!r}")
    _check_modular_estimator(variant == "modular", estimator)
    baseline = ("none" if estimator == "code" else "loo") if baseline is None else baseline
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}, got {baseline!r}")
    progress = check_flag(progress, "progress")
    agent = make_agent(env, variant, policy, hidden)
    modular = variant == "modular"
    opt = optax.sgd(lr) if natural else optax.adam(lr)
    keys = jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds])
    k_init, keys = jnp.moveaxis(jax.vmap(jax.random.split)(keys), 1, 0)
    theta = jax.vmap(agent.init)(k_init)
    opt_state = jax.vmap(opt.init)(theta)
    sample = jax.vmap(lambda th, k: _sample(th, k, env, agent, batch, estimator, baseline, modular, natural))

    @jax.jit
    def epoch(theta, opt_state, keys):
        keys, k = jnp.moveaxis(jax.vmap(jax.random.split)(keys), 1, 0)
        grad, obj, states = sample(theta, k)
        neg = jax.tree_util.tree_map(lambda g: -g, grad)                  # ascent
        updates, opt_state = jax.vmap(opt.update)(neg, opt_state, theta)
        return optax.apply_updates(theta, updates), opt_state, keys, obj, states

    from tqdm.auto import tqdm

    objective = []
    for e in tqdm(range(epochs + 1), desc=f"SubPO-{variant}", disable=not progress):
        new_theta, opt_state, keys, obj, states = epoch(theta, opt_state, keys)
        theta = new_theta if e < epochs else theta     # the last call only evaluates theta_epochs (one compiled step)
        objective.append(obj)
    objective = np.asarray(jnp.stack(objective, axis=1), np.float64)      # [seeds, epochs + 1, batch]
    states = np.asarray(states)
    runs = [SubPORun(objective[i], jax.tree_util.tree_map(lambda x, i=i: np.asarray(x[i]), theta),
                     np.bincount(states[i].reshape(-1), minlength=env.S), batch) for i in range(len(seeds))]
    return runs if isinstance(seed, (list, tuple)) else runs[0]


def subpo_m(env: SubmodularGrid, epochs: int, seed: int | list[int] = 0, **params) -> SubPORun | list[SubPORun]:
    """SubPO-M: the policy on ``(h, s)`` (:func:`subpo` with ``variant="M"``)."""
    return subpo(env, epochs, seed, variant="M", **params)


def subpo_nm(env: SubmodularGrid, epochs: int, seed: int | list[int] = 0, **params) -> SubPORun | list[SubPORun]:
    """SubPO-NM: the MLP on the padded visited history (:func:`subpo` with ``variant="NM"``)."""
    return subpo(env, epochs, seed, variant="NM", **params)


def subpo_m_npg(env: SubmodularGrid, epochs: int, seed: int | list[int] = 0, *, lr: float = 0.05,
                **params) -> SubPORun | list[SubPORun]:
    """Natural-PG SubPO-M (our reconstruction; module docstring): tabular softmax on ``(h, s)``, steps ``theta += lr
    * F^+ g`` of the paper's estimator (:func:`subpo` with ``variant="M"``, ``policy="tabular"``, ``natural=True``)."""
    return subpo(env, epochs, seed, variant="M", policy="tabular", natural=True, lr=lr, **params)


def modular_pg(env: SubmodularGrid, epochs: int, seed: int | list[int] = 0, **params) -> SubPORun | list[SubPORun]:
    """The modular baseline (the paper's MRL): SubPO-M's policy gradient on the additive reward ``F({s})``."""
    return subpo(env, epochs, seed, variant="modular", **params)


@functools.partial(jax.jit, static_argnames=("env", "batch"))
def _greedy_batch(key, env, batch):
    params, F, H = env.params, env.F, env.H

    def one(key):
        def body(state, k):
            k_tie, k_step = jax.random.split(k)
            # the history, a candidate successor at slot h + 1 and any padding after it: the prefix values at h
            # and h + 1 see no padding (so this holds for every F, also one that counts revisits)
            filled = jnp.where(state.history >= 0, state.history, params.start)
            cand = params.nxt[state.s]                                           # [5] deterministic successors
            seqs = jnp.broadcast_to(filled, (5, H + 1)).at[:, state.h + 1].set(cand)
            gain = F.prefix_values(seqs)[:, state.h + 1] - F.prefix_values(filled[None])[0, state.h]
            best = gain >= gain.max() - 1e-6 * (1.0 + jnp.abs(gain.max()))
            a = jax.random.categorical(k_tie, jnp.where(best, 0.0, -jnp.inf))
            nxt, _ = env.step(k_step, state, a, params)
            return nxt, None

        k0, key = jax.random.split(key)
        last, _ = jax.lax.scan(body, env.reset(k0, params), jax.random.split(key, H))
        return last.history

    states = jax.vmap(one)(jax.random.split(key, batch))
    return F.prefix_values(states)[:, -1], states


def greedy_gain(env: SubmodularGrid, epochs: int, seed: int | list[int] = 0, *, batch: int = 500,
                progress: bool = False) -> SubPORun | list[SubPORun]:
    """The greedy marginal-gain rollout (one-step lookahead on the deterministic successors, ties at random; not
    learning): ``objective[e]`` is a fresh batch of ``batch`` greedy trajectories per epoch (they differ only by
    ties and slips)."""
    epochs, batch, _, seeds = _check_common(env, epochs, batch, 1.0, seed)
    check_flag(progress, "progress")
    runs = []
    for s in seeds:
        keys = jax.random.split(jax.random.PRNGKey(int(s)), epochs + 1)
        out = [_greedy_batch(k, env, batch) for k in keys]
        obj = np.stack([np.asarray(o, np.float64) for o, _ in out])
        runs.append(SubPORun(obj, None, np.bincount(np.asarray(out[-1][1]).reshape(-1), minlength=env.S), batch))
    return runs if isinstance(seed, (list, tuple)) else runs[0]

