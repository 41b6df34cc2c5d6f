"""Every public function refuses malformed arguments with a ValueError/TypeError that names the argument.

For each (function, argument) pair, hypothesis draws malformed values of the argument's kind (wrong type, a string
or float where an integer belongs, NaN, out of range, wrong shape, complex, non-stochastic rows) and calls the
function with every other argument valid. A malformed value must never be coerced, crash inside Numba, hang or
return NaNs.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import gymnasium as gym
import jax
import numpy as np
import pyscipopt
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from boundlab import bandits, bounds, solvers, tabular
from boundlab.bounds import actor_critic_bounds as acb
from boundlab.tabular import adversarial, jax_env, learners, lmdp, pomdp_jax, revealing, submodular_bandit
from boundlab.bounds import adversarial as adversarial_bounds
from boundlab.bounds import revealing as revealing_bounds
from boundlab.bounds import submodular_bounds
from boundlab.tabular.learners import linear_estimators, lmdp_value
from boundlab.tabular.learners.adv_linear_mdp import linear_mdp_schedule
from boundlab.tabular import submodular, submodular_envs
from boundlab.tabular.learners.subpo import estimator_weights
from boundlab.tabular.learners.actor_critic import concentrability
from boundlab.tabular import policy_gradient as pg

S, A, H, K = 3, 2, 3, 4
_rng = np.random.default_rng(0)
P = _rng.dirichlet(np.ones(S), size=(S, A))
R = _rng.random((S, A))
PI = np.zeros(S, dtype=np.int64)
EPISODIC = tabular.EpisodicMDP(P, R, H)
LINEAR = tabular.random_linear_mdp(S=S, A=A, d=4, H=H, seed=0)  # d != H: theta[h, d] and theta[d] differ
FRAME = bounds.measure_regret("ucb-h", EPISODIC, K, seeds=[0, 1], progress=False)
FROZEN_LAKE = gym.make("FrozenLake-v1")
STORE = Path(tempfile.mkdtemp(prefix="boundlab-bad-input-")) / "runs.sqlite"
TIGER = tabular.tiger()
TIGER_SPARSE_P = sp.csr_matrix(TIGER.P.reshape(6, 2))  # row s*A + a
SMALL_ROCKSAMPLE = tabular.rocksample(2, 1, rock_positions=[[0, 0]])  # stored sparse
LIGHTS_OUT = tabular.lights_out(3)
LIGHTS_START = LIGHTS_OUT.scramble(1, 3, seed=0)[0]  # not the goal: the heuristic is called
RESTLESS = bandits.random_restless_bandit(2, 3, gamma=0.9, seed=0)
GROUPED = tabular.action_grouped_mdp(3, 4, 2, 0.3, 0)
BAD_GROUPING = st.sampled_from([np.zeros(4), np.zeros(3, dtype=np.int64), -np.ones(4, dtype=np.int64),
                                np.zeros((4, 1), dtype=np.int64), np.zeros(4, dtype=np.complex128), "g", None, True])
CAUCHY = bounds.CauchyBandit(np.eye(2), np.zeros(2), scale=0.5)
CAPACITY = bandits.capacity_domain(4, 2, seed=0)
SMALL_Q_PARAMS = [(np.full((12, 4), 0.1), np.zeros(4)), (np.full((4, 1), 0.1), np.zeros(1))]
BUDGET_DOMAIN = bandits.budget_domain(4, 2, seed=0)
PG_PROBLEM = pg.tabular_problem(tabular.FiniteMDP(P, R, 0.9), H=3)

# ---- malformed values, by the kind of argument -------------------------------------------------------------------
NOT_A_NUMBER = st.sampled_from(["0.5", None, [0.5], 0.5 + 0.5j, b"1"])
NOT_AN_INT = st.sampled_from([2.5, "3", None, 3.0, np.float64(2.0), 1 + 0j, [3], True])


def in_unit_interval(closed_right: bool = False):
    """Malformed values for a number in [0, 1) (or (0, 1) / [0, 1])."""
    out = [-0.1, -1.0, 1.5, float("nan"), float("inf"), -float("inf")] + ([] if closed_right else [1.0])
    return st.one_of(NOT_A_NUMBER, st.sampled_from(out))


def positive_float():
    return st.one_of(NOT_A_NUMBER, st.sampled_from([-1.0, -1e-9, float("nan"), float("inf"), 0.0]))


def nonnegative_float():
    return st.one_of(NOT_A_NUMBER, st.sampled_from([-1.0, -1e-9, float("nan"), float("inf")]))


def positive_int(minimum: int = 1):
    return st.one_of(NOT_AN_INT, st.sampled_from([minimum - 1, -1, -100]))


def seed():
    return st.sampled_from([-1, 1.5, "0", [0.5], -(2**70)])


def optional(strategy):
    """Where ``None`` means "the default", it is not malformed."""
    return strategy.filter(lambda value: value is not None)


def _bad_stochastic(shape):
    """Arrays that are not row-stochastic: NaN, negative, rows not summing to 1, wrong ndim, complex, strings."""
    base = np.full(shape, 1.0 / shape[-1])
    cases = []
    for edit in range(6):
        x = base.copy()
        if edit == 0:
            x.flat[0] = np.nan
        elif edit == 1:
            x.flat[0], x.flat[1] = -0.5, x.flat[1] + 0.5 + 1.0 / shape[-1]
        elif edit == 2:
            x.flat[-1] += 0.01
        elif edit == 3:
            x = x[..., :-1] if x.ndim > 1 else x[:-1]
        elif edit == 4:
            x = x[None]
        elif edit == 5:
            x = x.astype(np.complex128)
        cases.append(x)
    cases += [x.astype(np.float32) * 1.001 for x in [base]]  # float32 rows off by 1e-3
    return st.sampled_from(cases + ["P", None])


def _bad_sparse_P():
    """Sparse (S*A, S) transitions of Tiger gone wrong: a row off 1, a negative or NaN entry, rows missing, complex,
    a per-action list of the wrong length."""
    base = TIGER_SPARSE_P.toarray()
    off, negative, nan = base.copy(), base.copy(), base.copy()
    off[0] = [0.7, 0.7]
    negative[1] = [1.2, -0.2]
    nan[2, 0] = np.nan
    return st.sampled_from([sp.csr_matrix(off), sp.csr_matrix(negative), sp.csr_matrix(nan), sp.csr_matrix(base[:4]),
                            sp.csr_matrix(base.astype(np.complex128)), [sp.csr_matrix(base[:2])]])


def _bad_real(shape):
    base = np.zeros(shape)
    nan, inf = base.copy(), base.copy()
    nan.flat[-1] = np.nan
    inf.flat[0] = np.inf
    return st.sampled_from([nan, inf, base[..., 0], base[None], base.astype(np.complex128) + 1j, "R", None])


def _bad_policy():
    return st.sampled_from([PI.astype(np.float64) + 0.5, PI[:-1], np.full(S, A), np.full(S, -1), PI[None, None],
                            np.full((S, A), 0.7), np.full((S, A), np.nan), np.full((0, S), 0), "pi", None])


RELU_W = [np.array([[1.0, -1.0, 0.5, 0.0], [0.0, 1.0, 1.0, -2.0], [-1.0, 0.0, 0.0, 1.0]]), np.array([[1.0, 2.0, -1.0]])]
RELU_B = [np.array([0.5, -0.5, 0.0]), np.array([0.1])]
RELU_MODEL = pyscipopt.Model()
RELU_X = [RELU_MODEL.addVar(f"x{j}", vtype="B") for j in range(4)]
RELU_FREE = RELU_MODEL.addVar("free", lb=None)  # unbounded: no big-M constant


def _bad_layers(valid, name):
    """Layer lists gone wrong: not a list, empty, one layer short, a NaN / complex / 3-d / mis-chained layer."""
    nan, cplx = [v.copy() for v in valid], [v.copy() for v in valid]
    nan[0].flat[0] = np.nan
    cplx[-1] = cplx[-1] + 1j
    wrong = [valid[0], valid[1][..., :2]] if name == "weights" else [valid[0][:2], valid[1]]
    return st.sampled_from([None, name, valid[0], [], valid[:1], nan, cplx, [valid[0][..., None], valid[1]], wrong,
                            [valid[0], np.vstack([valid[1]] * 2)] if name == "weights" else [valid[0], np.zeros(2)]])


# ---- the public functions, one valid call each, and the kinds of their arguments ---------------------------------
AC_PARAMS = dict(phi=optional(_bad_real((S, A, S * A))), lam=positive_float(), eta=optional(nonnegative_float()),
                 switch_ratio=st.one_of(NOT_A_NUMBER, st.sampled_from([1.0, 0.5, -1.0, float("nan"), float("inf")])))
OPTIMISM = dict(delta=in_unit_interval(), bonus_scale=nonnegative_float())
HYBRID = dict(N_off=positive_int(minimum=0), behaviour=optional(_bad_policy()))

REVEALING_BANDIT = revealing.revealing_bandit(2, 0.1, 0.85, 2)
REVEALING_PROBLEM = revealing.revealing_problem(2, 0.1, 0.85, 1)
BAD_EMISSION = st.sampled_from([np.eye(2).astype(np.complex128), "E", None, np.full(3, 1 / 3), np.eye(2)[None],
                                np.array([[1.0, -0.5], [0.0, 1.5]]), np.array([[np.nan, 0.0], [1.0, 1.0]]),
                                np.array([[1.0, 0.5], [0.0, 0.4]])])
LMDP = lmdp.random_lmdp(2, 3, 2, 2, seed=0)
BAD_PLANNER = st.sampled_from(["greedy", "", 1, b"optimistic"])
ADV_P = _rng.dirichlet(np.ones(S), size=(H, S, A))
ADV = adversarial.AdversarialMDP(ADV_P, _rng.random((K, H, S, A)))
ADV_COMMON = dict(model=st.sampled_from([None, "adversarial", (ADV_P, ADV.losses), EPISODIC]), K=positive_int(),
                  seed=seed(), eta=optional(positive_float()), beta=optional(positive_float()),
                  phi=optional(_bad_real((S, A, S * A))), oracle=st.sampled_from([1, 0, "yes", None, np.float64(1.0)]))
ADV_PARAMS = dict(ADV_COMMON, gamma=optional(positive_float()), W=optional(positive_int()),
                  gamma_schedule=st.sampled_from(["paper", 3, None]))
ADV_BASELINE = dict(ADV_COMMON, gamma=optional(in_unit_interval(closed_right=True)))

CASES: dict[str, tuple] = {
    # solvers
    "solvers.value_iteration": (solvers.value_iteration, dict(P=P, R=R, gamma=0.9, tol=1e-6, max_iter=100),
                                dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), gamma=in_unit_interval(),
                                     tol=positive_float(), max_iter=positive_int())),
    "solvers.modified_policy_iteration": (solvers.modified_policy_iteration,
                                          dict(P=P, R=R, gamma=0.9, order=5, tol=1e-6, max_iter=100),
                                          dict(gamma=in_unit_interval(), order=positive_int(minimum=0),
                                               tol=positive_float(), max_iter=positive_int(),
                                               P=_bad_stochastic(P.shape))),
    "solvers.policy_iteration": (solvers.policy_iteration, dict(P=P, R=R, gamma=0.9, max_iter=100, pi0=PI),
                                 dict(P=_bad_stochastic(P.shape), gamma=in_unit_interval(), max_iter=positive_int(),
                                      pi0=optional(_bad_policy()))),
    "solvers.linear_programming": (solvers.linear_programming, dict(P=P, R=R, gamma=0.9),
                                   dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), gamma=in_unit_interval(),
                                        backend=st.sampled_from(["simplex", "", None, 3]))),
    "solvers.policy_evaluation": (solvers.policy_evaluation, dict(P=P, R=R, gamma=0.9, pi=PI),
                                  dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), gamma=in_unit_interval(),
                                       pi=_bad_policy())),
    "solvers.solve": (solvers.solve, dict(P=P, R=R, gamma=0.9, tol=1e-6),
                      dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), gamma=in_unit_interval(),
                           tol=positive_float())),
    "solvers.backward_induction": (solvers.backward_induction, dict(P=P, R=R, H=H),
                                   dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), H=positive_int())),
    "solvers.finite_horizon_evaluation": (solvers.finite_horizon_evaluation,
                                          dict(P=P, R=R, pi=np.zeros((H, S), dtype=np.int64), H=H),
                                          dict(P=_bad_stochastic(P.shape), H=optional(positive_int()),
                                               pi=_bad_policy())),
    # tabular models and instances
    "tabular.FiniteMDP": (tabular.FiniteMDP, dict(P=P, R=R, gamma=0.9),
                          dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), gamma=in_unit_interval(),
                               initial=optional(_bad_stochastic((S,))))),
    "tabular.EpisodicMDP": (tabular.EpisodicMDP, dict(P=P, R=R, H=H),
                            dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape), H=positive_int(),
                                 initial=optional(_bad_stochastic((S,))))),
    "tabular.riverswim": (tabular.riverswim, dict(n_states=4, gamma=0.9),
                          dict(n_states=positive_int(), gamma=in_unit_interval())),
    "tabular.chain": (tabular.chain, dict(n_states=4, slip=0.2, gamma=0.9),
                      dict(n_states=positive_int(), slip=in_unit_interval(closed_right=True),
                           gamma=in_unit_interval())),
    "tabular.garnet": (tabular.garnet, dict(S=5, A=2, b=2, gamma=0.9, seed=0),
                       dict(S=positive_int(), A=positive_int(), b=positive_int(), gamma=in_unit_interval(),
                            seed=seed())),
    "tabular.dirichlet_mdp": (tabular.dirichlet_mdp, dict(S=4, A=2, alpha=1.0, gamma=0.9, seed=0),
                              dict(S=positive_int(), A=positive_int(), alpha=positive_float(),
                                   gamma=in_unit_interval(), seed=seed())),
    "tabular.gridworld": (tabular.gridworld, dict(n=3, slip=0.1, gamma=0.9),
                          dict(n=positive_int(), slip=in_unit_interval(closed_right=True), gamma=in_unit_interval())),
    "tabular.simulate": (tabular.simulate, dict(model=EPISODIC, policy=np.zeros((H, S), dtype=np.int64),
                                                n_episodes=3, seed=0),
                         dict(model=st.sampled_from([None, "riverswim", (P, R)]), policy=_bad_policy(),
                              n_episodes=positive_int(), seed=seed())),
    "tabular.simulate-horizon": (tabular.simulate, dict(model=tabular.FiniteMDP(P, R, 0.9), policy=PI, n_episodes=3,
                                                        seed=0, horizon=5),
                                 dict(horizon=optional(positive_int()))),
    "tabular.LinearMDP": (tabular.LinearMDP, dict(phi=LINEAR.phi, mu=LINEAR.mu, theta=LINEAR.theta, H=H),
                          dict(phi=_bad_real(LINEAR.phi.shape), mu=_bad_real(LINEAR.mu.shape),
                               theta=_bad_real(LINEAR.theta.shape), H=positive_int())),
    "tabular.random_linear_mdp": (tabular.random_linear_mdp, dict(S=S, A=A, d=3, H=H, seed=0),
                                  dict(S=positive_int(), A=positive_int(), d=positive_int(), H=positive_int(),
                                       seed=seed())),
    "tabular.minimax_hard_instance": (tabular.minimax_hard_instance, dict(S=6, A=2, H=6, epsilon=0.1),
                                      dict(S=positive_int(), A=positive_int(), H=positive_int(),
                                           epsilon=in_unit_interval())),
    "tabular.minimax_hard_family": (tabular.minimax_hard_family, dict(S=6, A=2, H=6, epsilon=0.1),
                                    dict(S=positive_int(), A=positive_int(), H=positive_int(),
                                         epsilon=in_unit_interval())),
    "tabular.make": (tabular.make, dict(name="riverswim"), dict(name=st.sampled_from(["nope", "", None, 3]))),
    "tabular.from_mdptoolbox": (tabular.from_mdptoolbox, dict(P=[P[:, a, :] for a in range(A)], R=R, gamma=0.9),
                                dict(P=_bad_stochastic((A, S, S)).map(lambda x: list(x) if isinstance(x, np.ndarray)
                                                                     and x.ndim == 3 else x),
                                     R=_bad_real(R.shape).filter(lambda x: np.shape(x) != (S,)),  # R[s] is valid
                                     gamma=in_unit_interval())),
    "tabular.from_gymnasium-gamma": (tabular.from_gymnasium, dict(env=FROZEN_LAKE, gamma=0.9),
                                     dict(env=st.sampled_from([None, "FrozenLake-v1", 3]),
                                          gamma=in_unit_interval().filter(lambda v: v is not None))),
    "tabular.from_gymnasium-H": (tabular.from_gymnasium, dict(env=FROZEN_LAKE, H=H),
                                 dict(H=positive_int().filter(lambda v: v is not None))),
    "jax_env.params_from_model": (jax_env.params_from_model, dict(model=EPISODIC, horizon=None),
                                  dict(model=st.sampled_from([None, (P, R), "riverswim"]),
                                       horizon=optional(positive_int()))),
    "policy_gradient.n_pg_igt": (pg.n_pg_igt, dict(key=jax.random.key(0), problem=PG_PROBLEM,
                                                   theta0=np.zeros((S, A)), T=2, gamma_0=0.1),
                                 dict(T=positive_int(), gamma_0=positive_float(), theta0=_bad_real((S, A)),
                                      key=st.sampled_from([None, 0, "key", np.zeros(2, np.uint32)]))),
    "policy_gradient.truncation_horizon": (pg.truncation_horizon, dict(T=10, gamma=0.9),
                                           dict(T=positive_int(), gamma=in_unit_interval())),
    "policy_gradient.tabular_problem": (pg.tabular_problem, dict(model=tabular.FiniteMDP(P, R, 0.9), H=3),
                                        dict(model=st.sampled_from([None, EPISODIC, "mdp"]),
                                             H=optional(positive_int()))),
    "policy_gradient.bandit_params": (pg.bandit_params, dict(contexts=np.ones((2, 2)), w_star=np.ones(2)),
                                      dict(contexts=_bad_real((2, 2)), w_star=_bad_real((2,)))),
    "policy_gradient.LinearCauchy": (pg.LinearCauchy, dict(scale=1.0), dict(scale=positive_float())),
    "tabular.POMDP-sparse": (tabular.POMDP, dict(P=TIGER_SPARSE_P, O=TIGER.O, R=TIGER.R, gamma=0.95),
                             dict(P=_bad_sparse_P(), O=_bad_stochastic(TIGER.O.shape), R=_bad_real(TIGER.R.shape),
                                  gamma=in_unit_interval(), initial=optional(_bad_stochastic((2,))),
                                  terminal=st.sampled_from([[0], [2], [-1], [0.5], "x"]))),
    "tabular.tag": (tabular.tag, dict(gamma=0.95), dict(gamma=optional(in_unit_interval()))),
    "tabular.tag-H": (tabular.tag, dict(H=5), dict(H=optional(positive_int()))),
    "tabular.belief_update-sparse": (tabular.belief_update,
                                     dict(P=TIGER_SPARSE_P, O=TIGER.O, b=TIGER.initial, a=0, o=0),
                                     dict(P=st.sampled_from([sp.csr_matrix(np.full((4, 2), 0.5)), "P", None,
                                                             TIGER_SPARSE_P.astype(np.complex128)]),
                                          O=st.sampled_from([TIGER.O[:2], TIGER.O[0], "O", None]),
                                          b=_bad_stochastic((2,)), a=st.one_of(positive_int(minimum=0), st.just(3)),
                                          o=st.one_of(positive_int(minimum=0), st.just(2)))),
    "tabular.belief_update_batch-sparse": (tabular.belief_update_batch,
                                           dict(P=TIGER_SPARSE_P, O=TIGER.O, B=np.full((2, 2), 0.5), actions=[0, 1],
                                                observations=[0, 1]),
                                           dict(B=_bad_stochastic((2, 2)).filter(lambda x: np.ndim(x) != 1),
                                                actions=st.sampled_from([[0.0, 1.0], [0, 3], [0], "a", None]),
                                                observations=st.sampled_from([[0, -1], [0, 2], [0, 1, 1], None]))),
    "tabular.simulate_pomdp-sparse": (tabular.simulate_pomdp, dict(model=SMALL_ROCKSAMPLE, actions=[0, 2],
                                                                   n_episodes=3, seed=0),
                                      dict(model=st.sampled_from([None, "tiger", (P, R), EPISODIC]),
                                           actions=st.sampled_from([[0.5], [9], [-1], [[0]], "a", None]),
                                           n_episodes=positive_int(), seed=seed())),
    "tabular.simulate_alpha_policy": (tabular.simulate_alpha_policy,
                                      dict(model=TIGER, alphas=np.zeros((2, 2)), actions=[0, 1], T=3, n_episodes=2,
                                           seed=0),
                                      dict(model=st.sampled_from([None, "tiger", (P, R), EPISODIC]),
                                           alphas=_bad_real((2, 2)), actions=st.sampled_from([[0.5, 1], [0, 9], [0],
                                                                                              "a", None]),
                                           T=positive_int(), n_episodes=positive_int(), seed=seed())),
    "pomdp_jax.params_from_model": (pomdp_jax.params_from_model, dict(model=SMALL_ROCKSAMPLE, horizon=None),
                                    dict(model=st.sampled_from([None, "tiger", (P, R), EPISODIC]),
                                         horizon=optional(positive_int()))),
    # POMDP solvers (Tiger, dense and sparse P)
    **{f"solvers.{fn.__name__}": (fn, dict(P=TIGER.P, O=TIGER.O, R=TIGER.R, gamma=0.95, **valid), {
        "P": st.one_of(_bad_stochastic(TIGER.P.shape), _bad_sparse_P()), "O": _bad_stochastic(TIGER.O.shape),
        "R": _bad_real(TIGER.R.shape), "gamma": in_unit_interval(), **extra}) for fn, valid, extra in [
        (solvers.qmdp, {}, dict(tol=positive_float())),
        (solvers.fib, {}, dict(tol=positive_float(), max_iter=positive_int())),
        (solvers.pbvi, dict(beliefs=[[0.5, 0.5]], n_iter=3),
         dict(beliefs=_bad_stochastic((1, 2)), n_iter=positive_int(), expansions=positive_int(minimum=0))),
        (solvers.hsvi, dict(initial=TIGER.initial, gap=1.0),
         dict(initial=_bad_stochastic((2,)), gap=positive_float(), time_limit=optional(positive_float()),
              max_trials=optional(positive_int()), max_depth=optional(positive_int()))),
        (solvers.pouct, dict(belief=TIGER.initial, n_simulations=50, depth=3, c=10.0),
         dict(belief=_bad_stochastic((2,)), n_simulations=positive_int(), depth=positive_int(),
              c=nonnegative_float(), seed=seed(), gamma=in_unit_interval(closed_right=True))),
        (solvers.pomcp, dict(particles=[0, 1, 1], n_simulations=50, depth=3, c=10.0),
         dict(particles=st.sampled_from([[0.5], [2], [-1], [], "p", None]), n_simulations=positive_int(),
              depth=positive_int(), c=nonnegative_float(), seed=seed(), gamma=in_unit_interval(closed_right=True))),
    ]},
    "solvers.pomdp_value_iteration": (solvers.pomdp_value_iteration, dict(P=TIGER.P, O=TIGER.O, R=TIGER.R, H=2),
                                      dict(P=st.one_of(_bad_stochastic(TIGER.P.shape), _bad_sparse_P()),
                                           O=_bad_stochastic(TIGER.O.shape), R=_bad_real(TIGER.R.shape),
                                           H=positive_int(), gamma=in_unit_interval(closed_right=True))),
    # search (issue 16): A*/Q* on Lights Out 3x3, and the domain constructors
    **{f"solvers.{fn.__name__}": (fn, {"start": LIGHTS_START, "successors": LIGHTS_OUT.successors,
                                       "is_goal": LIGHTS_OUT.is_goal, heur: getattr(LIGHTS_OUT, f"{heur}_exact")},
                                  {"start": st.sampled_from([0, [0] * 9, LIGHTS_OUT.goal.astype(float), "s", None]),
                                   "successors": st.sampled_from([None, "f", 3]),
                                   "is_goal": st.sampled_from([None, "g"]),
                                   heur: st.sampled_from([None, "h", lambda x: np.full(len(x), np.nan)]),
                                   "weight": st.one_of(NOT_A_NUMBER, st.sampled_from([-0.1, 1.5, float("nan")])),
                                   "batch": positive_int(), "epsilon": in_unit_interval(closed_right=True),
                                   "seed": seed(), "max_expansions": optional(positive_int())})
       for fn, heur in [(solvers.astar, "h"), (solvers.qstar, "q")]},
    **{f"tabular.{fn.__name__}": (fn, dict(domain=LIGHTS_OUT, hidden=(4,), steps=2, batch_size=4, max_depth=2, seed=0),
                                  dict(domain=st.sampled_from([None, "lights_out", 3]),
                                       hidden=st.sampled_from(["64", [0], [2.5], None, 64]), steps=positive_int(),
                                       batch_size=positive_int(), max_depth=positive_int(),
                                       ramp=in_unit_interval(closed_right=True), lr=positive_float(),
                                       lr_decay=st.one_of(NOT_A_NUMBER, st.sampled_from([0.0, 1.5, -0.1, np.nan])),
                                       target_every=positive_int(),
                                       loss_threshold=st.one_of(NOT_A_NUMBER, st.sampled_from([0.0, -1.0, np.nan])),
                                       seed=seed(), progress=st.sampled_from([1, "yes", None])))
       for fn in (tabular.train_qnetwork, tabular.train_value_network)},
    "tabular.lights_out": (tabular.lights_out, dict(n=3), dict(n=st.one_of(NOT_AN_INT, st.sampled_from([1, 8, -1])))),
    "tabular.pancake": (tabular.pancake, dict(n=4), dict(n=st.one_of(NOT_AN_INT, st.sampled_from([1, 13, -1])))),
    "tabular.sliding_puzzle": (tabular.sliding_puzzle, dict(size=3),
                               dict(size=st.one_of(NOT_AN_INT, st.sampled_from([1, 6])))),
    "tabular.random_digraph": (tabular.random_digraph, dict(n_nodes=10, out_degree=3, seed=0),
                               dict(n_nodes=positive_int(), out_degree=positive_int(), seed=seed())),
    "solvers.evaluate_policies": (solvers.evaluate_policies, dict(P=P, R=R, policies=np.zeros((2, H, S), np.int64),
                                                                  starts=np.zeros(2, np.int64), epsilon=0.0),
                                  dict(P=_bad_stochastic(P.shape), R=_bad_real(R.shape),
                                       policies=st.sampled_from([np.full((2, H, S), 0.5), np.full((2, H, S), A),
                                                                 np.zeros((2, S), np.int64), "pi", None]),
                                       starts=st.sampled_from([np.array([0, S]), np.array([-1, 0]), np.zeros(2),
                                                               np.zeros(3, np.int64), None]),
                                       epsilon=in_unit_interval(closed_right=True))),
    # MILP with an embedded ReLU network (issue 18): 4 binary inputs -> 3 -> 1
    "solvers.maximize_relu_network": (solvers.maximize_relu_network,
                                      dict(weights=RELU_W, biases=RELU_B, A_ub=[[1, 1, 1, 1]], b_ub=[2],
                                           A_eq=[[1, 1, 0, 0]], b_eq=[1]),
                                      dict(weights=_bad_layers(RELU_W, "weights"), biases=_bad_layers(RELU_B, "biases"),
                                           A_ub=st.one_of(_bad_real((1, 4)), st.just(np.ones((1, 3)))),
                                           b_ub=st.one_of(_bad_real((1,)), st.just(np.ones(2)), st.just([-1.0])),
                                           A_eq=st.one_of(_bad_real((1, 4)), st.just(np.ones((1, 5)))),
                                           b_eq=st.one_of(_bad_real((1,)), st.just([3.0]), st.just([0.5])),
                                           c=st.one_of(optional(_bad_real((4,))), st.just(np.ones(3))),
                                           time_limit=optional(positive_float()), gap=nonnegative_float())),
    "solvers.add_relu_network": (solvers.add_relu_network, dict(model=RELU_MODEL, x_vars=RELU_X, weights=RELU_W,
                                                                biases=RELU_B),
                                 dict(model=st.sampled_from([None, "model", 3]),
                                      x_vars=st.sampled_from([None, "x", RELU_X[:3], [0.5, np.nan, 0.0, 1.0],
                                                              ["1", 0, 0, 0], RELU_X[:3] + [RELU_FREE]]),
                                      weights=_bad_layers(RELU_W, "weights"), biases=_bad_layers(RELU_B, "biases"))),
    "solvers.relu_layers_from_params": (solvers.relu_layers_from_params,
                                        dict(params=[(W.T, b) for W, b in zip(RELU_W, RELU_B)]),
                                        dict(params=st.sampled_from([
                                            None, [], "params", [(RELU_W[0].T,)], [RELU_W[0].T, RELU_B[0]],
                                            [(RELU_W[0].T * np.nan, RELU_B[0]), (RELU_W[1].T, RELU_B[1])],
                                            [(RELU_W[0].T, RELU_B[0][:2]), (RELU_W[1].T, RELU_B[1])],
                                            [(RELU_W[0].T, RELU_B[0]), (RELU_W[1], RELU_B[1])]]))),
    # bandits (issue 18)
    "bandits.bernoulli_bandit": (bandits.bernoulli_bandit, dict(means=[0.2, 0.7]),
                                 dict(means=st.sampled_from([[0.2, 1.2], [-0.1], [0.2, np.nan], [], [[0.1, 0.2]],
                                                             0.5, "0.5", [True, False], [0.5 + 0j], None]))),
    "bandits.gaussian_bandit": (bandits.gaussian_bandit, dict(means=[0.2, 0.7], sigma=0.3),
                                dict(means=st.sampled_from([[1.5], [np.inf], "0.5", [True]]), sigma=positive_float(),
                                     reward_range=st.sampled_from([(1, 0), (0,), "01", (0, np.nan)]))),
    **{f"bandits.{fn.__name__}": (fn, dict(model=bandits.bernoulli_bandit([0.5, 0.2]), K=20, seed=0),
                                  dict(model=st.sampled_from([tabular.EpisodicMDP(P, R, H),
                                                              tabular.FiniteMDP(P, R, 0.9), None]),
                                       K=positive_int(), seed=seed(),
                                       record_q=st.sampled_from([1, "yes", None])))
       for fn in (bandits.ucb1, bandits.kl_ucb, bandits.thompson)},
    "bandits.kl_ucb-c_loglog": (bandits.kl_ucb, dict(model=bandits.bernoulli_bandit([0.5, 0.2]), K=20, seed=0),
                                dict(c_loglog=st.sampled_from([-1.0, np.nan, "3", True, None]))),
    "bandits.RestlessBandit": (bandits.RestlessBandit, dict(P=RESTLESS.P, R=RESTLESS.R, gamma=0.9),
                               dict(P=st.sampled_from([RESTLESS.P[..., :1], RESTLESS.P[:, :, :1], RESTLESS.P * 1.1,
                                                       -RESTLESS.P, RESTLESS.P * np.nan, RESTLESS.P + 0j,
                                                       RESTLESS.P > 0, RESTLESS.P[0], "P", None]),
                                    R=st.sampled_from([RESTLESS.R + 1.0, -RESTLESS.R - 0.1, RESTLESS.R[..., :1],
                                                       RESTLESS.R * np.nan, RESTLESS.R + 0j, "R", None]),
                                    gamma=in_unit_interval(),
                                    initial=optional(st.sampled_from([[0.5, 0.6, 0.0], [1.0, 0.0], [[1.0, 0.0, 0.0]],
                                                                      [-0.5, 1.0, 0.5], "initial", [np.nan] * 3])),
                                    name=st.sampled_from(["", None, 3]))),
    "bandits.random_restless_bandit": (bandits.random_restless_bandit, dict(J=3, S=2, gamma=0.9, seed=0),
                                       dict(J=positive_int(), S=positive_int(), gamma=in_unit_interval(),
                                            good_active=st.sampled_from([1, "yes", None]), alpha=positive_float(),
                                            seed=seed(), initial=optional(st.sampled_from([[0.5, 0.6], "initial"])))),
    "bandits.myopic_priority": (bandits.myopic_priority, dict(model=RESTLESS),
                                dict(model=st.sampled_from([None, "restless", EPISODIC]))),
    "bandits.budget_actions": (bandits.budget_actions, dict(priority=np.ones((2, 3)), states=[0, 2], B=1),
                               dict(priority=st.sampled_from([np.ones((3, 3)), np.ones(2), np.full((2, 3), np.nan),
                                                              np.ones((2, 3)) + 0j, "priority", None]),
                                    states=st.sampled_from([[0.0, 2.0], [0, 3], [-1, 0], [0], [[[0, 1]]], [True, False],
                                                            "states", None]),
                                    B=positive_int(minimum=0))),
    "bandits.simulate_restless": (bandits.simulate_restless, dict(model=RESTLESS, policy="random", B=1, horizon=3,
                                                                  n_episodes=2, seed=0),
                                  dict(model=st.sampled_from([None, EPISODIC, "restless"]),
                                       policy=st.sampled_from(["whittle", np.ones((2, 2)), np.full((2, 3), np.nan),
                                                               np.ones((2, 3)) + 0j, None]),
                                       B=positive_int(minimum=0), horizon=positive_int(), n_episodes=positive_int(),
                                       seed=seed())),
    "bandits.whittle_indices": (bandits.whittle_indices, dict(model=RESTLESS, tol=1e-6, grid=4),
                                dict(model=st.sampled_from([None, EPISODIC]), tol=positive_float(),
                                     grid=positive_int(minimum=2))),
    "bandits.finite_horizon_whittle_indices": (
        bandits.finite_horizon_whittle_indices, dict(model=RESTLESS, horizon=2, discount=1.0, tol=1e-6, grid=4),
        dict(model=st.sampled_from([None, EPISODIC]), horizon=st.sampled_from([0, 2.5, "2", None]),
             discount=st.sampled_from([1.5, -0.1, np.nan, "1"]), tol=st.sampled_from([0.0, -1.0, np.nan]))),
    "bandits.lagrangian_bound": (bandits.lagrangian_bound, dict(model=RESTLESS, B=1, lam=0.5),
                                 dict(model=st.sampled_from([None, EPISODIC]), B=positive_int(minimum=0),
                                      lam=nonnegative_float())),
    "bandits.relaxation_bound": (bandits.relaxation_bound, dict(model=RESTLESS, B=1),
                                 dict(model=st.sampled_from([None, EPISODIC]), B=positive_int(minimum=0))),
    "bounds.bandit_upper_bound": (bounds.bandit_upper_bound, dict(algorithm="ucb1", model_or_means=[0.5, 0.2], n=100),
                                  dict(algorithm=st.sampled_from(["ucbvi-ch", "", None, 3]), n=positive_int(),
                                       model_or_means=st.sampled_from([[0.5, 1.2], "0.5", None]))),
    "bounds.bandit_upper_bound[thompson]": (
        bounds.bandit_upper_bound, dict(algorithm="thompson", model_or_means=[0.5, 0.2], n=100, eps=0.5),
        dict(eps=st.sampled_from([0.0, 1.5, -0.5, np.nan, "0.5", None]))),
    "bounds.bandit_premise": (bounds.bandit_premise, dict(algorithm="ucb1", model_or_means=[0.5, 0.2]),
                              dict(algorithm=st.sampled_from(["ucbvi-ch", "", None, 3]),
                                   model_or_means=st.sampled_from(["0.5", None]))),
    "bounds.lai_robbins": (bounds.lai_robbins, dict(model_or_means=[0.5, 0.2], n=100),
                           dict(n=positive_int(), model_or_means=st.sampled_from(
                               [bandits.gaussian_bandit([0.5, 0.2], 0.2), [1.5], None]))),
    "bounds.lai_robbins_ratio": (bounds.lai_robbins_ratio, dict(regret=10.0, model_or_means=[0.5, 0.2], n=100),
                                 dict(regret=st.sampled_from([-1.0, np.nan, "1", None]),
                                      n=positive_int(minimum=2))),
    # learners
    **{f"learners.{name}": (getattr(learners, name), dict(model=EPISODIC, K=K, seed=0, **valid), dict(
        model=st.sampled_from([None, "riverswim", (P, R), tabular.riverswim()]), K=positive_int(), seed=seed(),
        **extra)) for name, (valid, extra) in {
        "ucbvi_ch": ({}, dict(delta=in_unit_interval(), bonus_scale=nonnegative_float())),
        "ucbvi_bf": ({}, dict(delta=in_unit_interval(), bonus_scale=nonnegative_float())),
        "mvp": ({}, dict(delta=in_unit_interval(), bonus_scale=nonnegative_float())),
        "ucb_h": ({}, dict(delta=in_unit_interval(), bonus_scale=nonnegative_float())),
        "ucb_b": ({}, dict(delta=in_unit_interval(), bonus_scale=nonnegative_float())),
        "psrl": ({}, dict(alpha0=positive_float())),
        "greedy": ({}, dict()),
        "eps_greedy": ({}, dict(epsilon=in_unit_interval(closed_right=True))),
        "ac_optimistic": ({}, {**AC_PARAMS, **OPTIMISM}),
        "ac_hybrid": ({}, {**AC_PARAMS, **OPTIMISM, **HYBRID}),
        "ac_hybrid_pessimistic": ({}, {**AC_PARAMS, **HYBRID}),
        "lsvi_ucb": (dict(phi=np.eye(S * A).reshape(S, A, S * A)),
                     dict(delta=in_unit_interval(), bonus_scale=nonnegative_float(), lam=positive_float(),
                          phi=_bad_real((S, A, S * A)))),
    }.items()},
    "tabular.combination_lock": (tabular.combination_lock, dict(H=4, A=2, distractor=0.5, seed=0),
                                 dict(H=positive_int(), A=positive_int(), seed=seed(), distractor=in_unit_interval())),
    "actor_critic.concentrability": (concentrability, dict(model=EPISODIC),
                                     dict(model=st.sampled_from([None, "riverswim", (P, R), tabular.riverswim()]),
                                          behaviour=optional(_bad_policy()))),
    "bounds.actor_critic_bounds.upper_bound": (
        acb.upper_bound, dict(algorithm="ac-optimistic", S=S, A=A, H=H, K=100),
        dict(algorithm=st.sampled_from(["lsvi-ucb", "", None, 3]), S=positive_int(), A=positive_int(),
             H=positive_int(), K=positive_int(), delta=in_unit_interval(), d=optional(positive_int()),
             log_F=optional(nonnegative_float()))),
    "bounds.actor_critic_bounds.offline_size": (
        acb.offline_size, dict(c_off=2.0, d=4, H=3, eps=0.1),
        dict(c_off=st.sampled_from([0.5, -1.0, float("nan"), "2", None]), d=positive_int(), H=positive_int(),
             eps=positive_float(), constant=positive_float())),
    "bounds.actor_critic_bounds.upper_bound[hybrid]": (
        acb.upper_bound,
        dict(algorithm="ac-hybrid-pessimistic", S=S, A=A, H=H, K=100, N_off=10**9, c_off=2.0, eps=0.5),
        dict(N_off=optional(positive_int(minimum=0)), c_off=st.sampled_from([0.5, -1.0, float("nan"), "2", True]),
             eps=optional(positive_float()), constant=positive_float())),
    "bounds.actor_critic_bounds.sample_complexity": (
        acb.sample_complexity,
        dict(algorithm="ac-hybrid-pessimistic", d=6, H=H, A=A, eps=0.5, log_F=1.0, N_off=10**9, c_off=2.0),
        dict(N_off=optional(positive_int(minimum=0)), c_off=st.sampled_from([0.5, -1.0, float("nan"), "2", True]),
             eps=positive_float(), log_F=nonnegative_float(), constant=positive_float())),
    "bounds.actor_critic_bounds.offline_requirement": (
        acb.offline_requirement, dict(N_off=10, c_off=2.0, d=4, H=3, eps=0.1),
        dict(N_off=positive_int(minimum=0), c_off=st.sampled_from([0.5, -1.0, float("nan"), "2", None]),
             d=positive_int(), H=positive_int(), eps=positive_float(), constant=positive_float())),
    # SEQUOIA and the coRMAB baselines
    "bandits.SequoiaConfig": (
        bandits.SequoiaConfig, dict(),
        dict(gamma=in_unit_interval(closed_right=True), episodes=st.sampled_from([2.5, "3", None, -1]),
             solver=st.sampled_from(["gurobi", None, 3]), hidden=st.sampled_from([(16, 0), (), [16], "16", (2.5,)]),
             lr=st.one_of(NOT_A_NUMBER, st.sampled_from([-1.0, float("nan")])), batch_size=positive_int(),
             tau=in_unit_interval(closed_right=True), time_limit=optional(positive_float()))),
    "bandits.train_sequoia": (bandits.train_sequoia, dict(domain=CAPACITY, seed=0, episodes=0, pretrain_epochs=1),
                              dict(domain=st.sampled_from(["capacity", None, 3, EPISODIC]), seed=seed())),
    "bandits.sampling_policy": (bandits.sampling_policy, dict(domain=CAPACITY, K=3, seed=0),
                                dict(domain=st.sampled_from(["capacity", None]), K=positive_int(), seed=seed())),
    "bandits.whittle_policy": (bandits.whittle_policy, dict(domain=BUDGET_DOMAIN),
                               dict(domain=st.sampled_from([CAPACITY, None, "budget"]),
                                    gamma=in_unit_interval(), horizon=st.sampled_from([0, 2.5, "3"]))),
    "bandits.QNetworkMilp": (
        bandits.QNetworkMilp, dict(domain=bandits.routing_domain(6, 2, seed=0), params=SMALL_Q_PARAMS),
        dict(domain=st.sampled_from([None, "routing"]), cuts=st.sampled_from(["full", "", 3]),
             gap=st.sampled_from([-0.1, float("nan"), "0"]), time_limit=st.sampled_from([0.0, -1.0, "1"]),
             reuse=st.sampled_from([1, "yes"]), tuned=st.sampled_from([0, "no"]))),
    "bandits.routing_domain": (bandits.routing_domain, dict(J=6, B=2, seed=0),
                               dict(formulation=st.sampled_from(["flow", "", 3]), J=positive_int(minimum=4),
                                    B=positive_int(), seed=seed())),
    "bandits.joint_dp": (bandits.joint_dp, dict(domain=CAPACITY, horizon=2),
                         dict(domain=st.sampled_from([bandits.capacity_domain(9, 2, seed=0), None, "capacity"]),
                              horizon=positive_int())),
    # bounds: policy-gradient rates and step sizes
    "bounds.measure_gap": (
        bounds.measure_gap, dict(algorithm="n-pg-igt", problem=CAUCHY, iterations=3, seeds=[0], gamma_0=0.1),
        dict(algorithm=st.sampled_from(["nope", "", None, 3, "ucb-h"]),
             problem=st.sampled_from([None, EPISODIC, (P, R)]),
             iterations=positive_int(), seeds=st.sampled_from([[], [-1], [1.5], ["0"], None]),
             gamma_0=positive_float(), schedule=st.sampled_from(["theory", None, 3]),
             estimator=st.sampled_from(["reinforce", None, 3]))),
    "bounds.CauchyBandit": (bounds.CauchyBandit, dict(contexts=np.eye(2), w_star=np.zeros(2), scale=0.5),
                            dict(contexts=_bad_real((2, 2)), w_star=_bad_real((2,)), scale=positive_float())),
    "bounds.gap_bound": (bounds.gap_bound, dict(algorithm="n-harpg", trajectories=100.0),
                         dict(algorithm=st.sampled_from(["nope", None, 3, "n-pg-momentum"]),
                              trajectories=positive_float(), eps_bias=nonnegative_float(), gamma=in_unit_interval())),
    "bounds.sample_complexity": (bounds.sample_complexity, dict(algorithm="n-pg-igt", eps=0.1),
                                 dict(eps=positive_float(), eps_bias=nonnegative_float(), gamma=in_unit_interval())),
    "bounds.algorithms": (bounds.algorithms, dict(kind="gap"), dict(kind=st.sampled_from(["regrets", 3, ""]))),
    "bounds.step_size_sweep": (
        bounds.step_size_sweep, dict(methods=["n-harpg"], problem=PG_PROBLEM, gamma_0s=[0.1], iterations=3, seeds=[0],
                                     threshold=0.5, window=2),
        dict(methods=st.sampled_from(["n-harpg", ["sgd"], [], None]), problem=st.sampled_from([None, "cartpole"]),
             gamma_0s=st.sampled_from([[0.1, -1.0], [float("nan")], "0.1", None, []]), iterations=positive_int(),
             seeds=st.sampled_from([[], [-1], [1.5], ["0"], None]), threshold=NOT_A_NUMBER,
             window=positive_int(), value=st.sampled_from(["exact", 3]))),
    "bounds.learning_curves": (
        bounds.learning_curves, dict(method="n-harpg", problem=PG_PROBLEM, gamma_0=0.1, iterations=3, seeds=[0],
                                     window=2),
        dict(method=st.sampled_from(["sgd", None, 3]), gamma_0=positive_float(), iterations=positive_int(),
             window=positive_int())),
    # bounds
    "bounds.measure_regret": (bounds.measure_regret, dict(algorithm="ucb-h", model=EPISODIC, episodes=K, seeds=[0]),
                              dict(algorithm=st.sampled_from(["nope", "", None, 3]),
                                   model=st.sampled_from([None, tabular.riverswim()]), episodes=positive_int(),
                                   seeds=st.sampled_from([[], [-1], [1.5], ["0"], None, [[0]]]))),
    "bounds.sweep": (bounds.sweep, dict(algorithms=["ucb-h"], instances={"m": EPISODIC}, seeds=[0], episodes=K,
                                        store=STORE, progress=False),
                     dict(algorithms=st.sampled_from([["nope"], [], None, [3]]),
                          instances=st.sampled_from([[EPISODIC], {}, {"m": tabular.riverswim()}, None, {3: (P, R)}]),
                          seeds=st.sampled_from([[], [-1], [1.5], ["0"], None]), episodes=positive_int(),
                          params=st.sampled_from([{"ucb-h": 3}, ["c"], "c"]))),
    "bounds.cumulative_regret": (bounds.cumulative_regret, dict(df=FRAME),
                                 dict(df=st.sampled_from([None, FRAME.to_numpy(), FRAME.drop(columns="regret"),
                                                          FRAME.iloc[:-1], "frame"]))),
    "bounds.fingerprint": (bounds.fingerprint, dict(model=EPISODIC),
                           dict(model=st.sampled_from([None, "riverswim", (P, R), 3]))),
    "bounds.Store": (bounds.Store, dict(path=STORE), dict(path=st.sampled_from([None, 3, STORE.parent]))),
    "bounds.register": (bounds.register, dict(name="my-learner", fn=learners.greedy),
                        dict(name=st.sampled_from(["", None, 3]), fn=st.sampled_from([None, "greedy", 3]))),
    "bounds.loglog_slope": (bounds.loglog_slope, dict(cumulative=np.cumsum(np.ones((3, 50)), axis=1), burn_in=5),
                            dict(cumulative=_bad_real((3, 50)), burn_in=st.sampled_from([-1, 2.5, "3", 50, 100]),
                                 n_points=positive_int(), n_boot=positive_int(),
                                 level=in_unit_interval().filter(lambda v: v != 0.0), seed=seed())),
    "bounds.upper_bound": (bounds.upper_bound, dict(algorithm="lsvi-ucb", S=S, A=A, H=H, K=100, delta=0.1, d=4),
                           dict(algorithm=st.sampled_from(["nope", None, 3]), S=positive_int(), A=positive_int(),
                                H=positive_int(), K=positive_int(), delta=in_unit_interval(), d=positive_int())),
    "bounds.lower_bound": (bounds.lower_bound, dict(kind="minimax", S=S, A=A, H=H, K=100),
                           dict(kind=st.sampled_from(["nope", None]), S=positive_int(), K=positive_int())),
    "bounds.hard_family_lower_bound": (bounds.hard_family_lower_bound,
                                       dict(K=100, epsilon=0.1, n_choices=4, reward_steps=2),
                                       dict(K=positive_int(), epsilon=in_unit_interval(), n_choices=positive_int(),
                                            reward_steps=positive_int())),
    "tabular.action_grouped_mdp": (
        tabular.action_grouped_mdp, dict(S=3, A=4, groups=2, delta=0.3, seed=0, gamma=0.9),
        dict(S=positive_int(), A=positive_int(), groups=positive_int(), delta=in_unit_interval(closed_right=True),
             seed=seed(), gamma=in_unit_interval(), d=positive_int(),
             concentration=st.one_of(NOT_A_NUMBER, st.sampled_from([0.0, -1.0, float("nan"), float("inf")])))),
    "bounds.grouping_loss": (
        bounds.grouping_loss, dict(model=GROUPED, grouping=GROUPED.groups, samples=3, iterations=5, seed=0),
        dict(model=st.sampled_from([None, "m", GROUPED.to_finite()]), grouping=BAD_GROUPING, samples=positive_int(),
             iterations=optional(positive_int()), seed=seed())),
    "bounds.grouping_bound": (
        bounds.grouping_bound, dict(model=GROUPED, grouping=GROUPED.groups, samples=3, iterations=5, confidence=0.05),
        dict(grouping=BAD_GROUPING, samples=positive_int(), iterations=optional(positive_int()),
             confidence=in_unit_interval())),
    "bounds.select_grouping": (
        bounds.select_grouping, dict(model=GROUPED, sample_budget=1000, compute_budget=1000, confidence=0.05),
        dict(sample_budget=positive_int(), compute_budget=optional(positive_int()), confidence=in_unit_interval())),
    "bounds.select_grouping_fast": (
        bounds.select_grouping_fast, dict(model=GROUPED, sample_budget=1000, compute_budget=1000),
        dict(model=st.sampled_from([None, GROUPED.to_finite()]), sample_budget=positive_int(),
             compute_budget=optional(positive_int()))),
    "tabular.AdversarialMDP": (
        adversarial.AdversarialMDP, dict(P=ADV_P, losses=ADV.losses),
        dict(P=_bad_stochastic(ADV_P.shape), initial=optional(_bad_stochastic((S,))),
             losses=st.one_of(_bad_real((K, H, S, A)), st.sampled_from([ADV.losses + 1.5, -ADV.losses - 0.5,
                                                                        ADV.losses[:, :1]])))),
    "learners.adv_logbarrier": (learners.adv_logbarrier, dict(model=ADV, K=K, seed=0), ADV_PARAMS),
    "learners.adv_magnitude": (learners.adv_magnitude, dict(model=ADV, K=K, seed=0), ADV_PARAMS),
    "learners.adv_luo21": (learners.adv_luo21, dict(model=ADV, K=K, seed=0, oracle=True),
                           dict(ADV_BASELINE, mgr_copies=positive_int(), mgr_steps=optional(positive_int()))),
    "learners.adv_linear_mdp": (learners.adv_linear_mdp, dict(model=ADV, K=K, seed=0, oracle=True),
                                dict(ADV_BASELINE, epoch_scale=positive_float(), lam=positive_float())),
    "linear_estimators.mgr": (linear_estimators.mgr, dict(X=np.full((2, 3, 2), 0.5), gamma=0.1),
                              dict(gamma=in_unit_interval(closed_right=True), c=positive_float())),
    "linear_estimators.relative_samples": (linear_estimators.relative_samples, dict(d=3, gamma=0.1, delta=0.1),
                                           dict(d=positive_int(), delta=in_unit_interval())),
    "tabular.adversarial.switching_losses": (
        adversarial.switching_losses, dict(K=9, H=2, S=2, A=2, seed=0, gap=0.4),
        dict(K=positive_int(), H=positive_int(), S=positive_int(), A=positive_int(), seed=seed(),
             gap=in_unit_interval(closed_right=True))),
    "tabular.adversarial.drifting_bernoulli_losses": (
        adversarial.drifting_bernoulli_losses, dict(K=9, H=2, S=2, A=2, seed=0),
        dict(K=positive_int(), seed=seed(), periods=st.sampled_from([-1.0, float("nan"), "2", None]),
             amplitude=st.sampled_from([-0.1, 0.6, float("nan"), "0.4", None]))),
    "tabular.adversarial.mixed_features": (
        adversarial.mixed_features, dict(S=2, A=2, seed=0),
        dict(S=positive_int(), A=positive_int(), seed=seed(), strength=st.sampled_from([-0.5, float("nan"), "0.5",
                                                                                          None]))),
    "bounds.adversarial.first_update_K": (
        adversarial_bounds.first_update_K, dict(d=4, epoch_scale=1 / 64, K_max=2**10),
        dict(d=positive_int(), epoch_scale=positive_float(), K_max=positive_int())),
    "bounds.adversarial.log_factor_tol": (
        adversarial_bounds.log_factor_tol, dict(K=512),
        dict(K=st.one_of(NOT_A_NUMBER, st.sampled_from([1, 0.5, 0, -3.0, float("nan"), float("inf")])))),
    "bounds.adversarial.regret_table": (
        adversarial_bounds.regret_table, dict(algorithm="adv-magnitude", model=ADV, Ks=[2], seeds=[0], oracle=True),
        dict(algorithm=st.sampled_from(["adv-foo", "", None, 3]), model=st.sampled_from([None, "m", EPISODIC]),
             Ks=st.sampled_from([[2.5], ["2"], [None], [0], [-1], [], 2, "2"]),
             seeds=st.sampled_from([[-1], [1.5], ["0"], [], 0, "0"]))),
    "bounds.adversarial.AdversarialRate.value": (
        adversarial_bounds.RATES["adv-magnitude"].value, dict(K=512, A=2, d=4, H=2),
        dict(K=st.sampled_from(["8", None, 0.5 + 0.5j, b"1", True, -1, 0, float("nan"), float("inf"), [8, -1.0]]),
             A=positive_int(), d=positive_int(), H=positive_int())),
    "learners.adv_linear_mdp.linear_mdp_schedule": (
        linear_mdp_schedule, dict(K=512, d=4, epoch_scale=1 / 64),
        dict(K=positive_int(), d=positive_int(), epoch_scale=positive_float(),
             gamma=optional(in_unit_interval(closed_right=True)))),
    "bounds.adversarial_rate": (adversarial_bounds.adversarial_rate, dict(algorithm="adv-magnitude"),
                                dict(algorithm=st.sampled_from(["", "ucbvi", None, 3]))),
    "tabular.LatentMDP": (lmdp.LatentMDP, dict(models=LMDP.models, weights=np.array([0.5, 0.5])),
                          dict(weights=_bad_real((2,)),
                               models=st.sampled_from([None, "m", LMDP.models[0], (), (LMDP.models[0], "x")]))),
    "tabular.lmdp.plan": (lmdp.plan, dict(lmdp=LMDP, max_nodes=1000),
                          dict(lmdp=st.sampled_from([None, "m", LMDP.models[0]]), max_nodes=positive_int())),
    "tabular.lmdp.simulate": (lmdp.simulate, dict(lmdp=LMDP, policy=np.zeros((2, 3), np.int64), K=5, seed=0),
                              dict(policy=st.sampled_from([np.zeros((2, 3)), np.zeros((3, 3), np.int64),
                                                           np.full((2, 3), 2), np.full((2, 3), -1), "pi", None]),
                                   K=positive_int(), seed=seed())),
    "tabular.lmdp.lower_bound_instance": (lmdp.lower_bound_instance, dict(M=2, S=2, A=2, epsilon=0.1, p=0.5, seed=0),
                                          dict(M=positive_int(), S=positive_int(), A=positive_int(minimum=2),
                                               epsilon=in_unit_interval(), p=in_unit_interval(closed_right=True),
                                               seed=seed())),
    "tabular.lmdp.chain_instance": (
        lmdp.chain_instance, dict(M=1, A=2, H=5, epsilon=0.2, p=0.3, seed=0),
        dict(M=positive_int(), A=positive_int(minimum=2), H=positive_int(minimum=2), epsilon=in_unit_interval(),
             p=in_unit_interval(closed_right=True), seed=seed())),
    "learners.lmdp_value.burn_in_visits": (
        lmdp_value.burn_in_visits, dict(gap=0.2, variance=0.21, Gamma=5, iota=30.0),
        dict(gap=in_unit_interval(closed_right=True), iota=positive_float(), Gamma=positive_float(),
             c1=nonnegative_float())),
    "tabular.lmdp.horizon_padded": (lmdp.horizon_padded, dict(lmdp=LMDP, H=4), dict(H=positive_int(minimum=2))),
    "learners.lmdp_value_optimistic": (
        learners.lmdp_value_optimistic, dict(model=LMDP, K=5, seed=0),
        dict(K=positive_int(), seed=seed(), Gamma=optional(positive_int()), planner=BAD_PLANNER, **OPTIMISM)),
    "learners.lmdp_model_optimistic": (
        learners.lmdp_model_optimistic, dict(model=LMDP, K=5, seed=0),
        dict(K=positive_int(), seed=seed(), planner=BAD_PLANNER, **OPTIMISM)),
    "bounds.lmdp_upper_bound": (bounds.lmdp_upper_bound, dict(var_star=0.2, M=2, S=3, A=2, K=10, Gamma=2),
                                dict(var_star=nonnegative_float(), M=positive_int(), K=positive_int(),
                                     Gamma=positive_int())),
    "bounds.lmdp_lower_bound": (bounds.lmdp_lower_bound, dict(var_star=0.2, M=2, S=3, A=2, K=10),
                                dict(var_star=nonnegative_float(), S=positive_int(), A=positive_int())),
    "tabular.revealing.revealing_constant": (
        revealing.revealing_constant, dict(emission=np.eye(2), steps=1, norm="l1"),
        dict(emission=BAD_EMISSION, steps=st.one_of(positive_int(), st.just(2)),
             norm=st.sampled_from(["l3", "", 2, 1.0, None]))),
    "tabular.revealing.pomdp_revealing_constant": (
        revealing.pomdp_revealing_constant, dict(model=REVEALING_BANDIT, steps=2, norm="2"),
        dict(model=st.sampled_from([np.eye(2), None, EPISODIC]), steps=positive_int(),
             norm=st.sampled_from(["l3", 2]))),
    "tabular.revealing.emission_action_matrix": (
        revealing.emission_action_matrix, dict(model=REVEALING_BANDIT, steps=2, prev_action=0),
        dict(steps=positive_int(), prev_action=st.one_of(positive_int(minimum=0), st.just(2)))),
    "tabular.revealing.revealing_bandit": (
        revealing.revealing_bandit, dict(n_arms=2, eps=0.1, accuracy=0.85, steps=1, good_arm=0),
        dict(n_arms=positive_int(minimum=2), eps=st.one_of(NOT_A_NUMBER, st.sampled_from([-0.1, 0.6, np.nan])),
             accuracy=st.one_of(NOT_A_NUMBER, st.sampled_from([0.5, 0.2, 1.5, np.nan])),
             steps=st.one_of(positive_int(), st.just(3)),
             good_arm=st.one_of(positive_int(minimum=0), st.just(2)))),
    "tabular.revealing.uniformity_testing_pomdp": (
        revealing.uniformity_testing_pomdp, dict(n=4, eps=0.2, signs=[1, -1, 1, -1], accuracy=0.9),
        dict(n=st.one_of(positive_int(minimum=2), st.just(3)), eps=in_unit_interval(closed_right=True),
             signs=st.sampled_from([[1, 1, -1, -1], [1, -1], [0.5, -0.5, 1, -1], "s", [1j, -1j, 1, -1]]),
             accuracy=st.one_of(NOT_A_NUMBER, st.sampled_from([0.25, 0.1, 1.5, np.nan])))),
    "tabular.revealing.uniformity_pac_pomdp": (
        revealing.uniformity_pac_pomdp, dict(n=4, n_arms=None, eps=0.5, arm=1, signs=[1, -1, 1, -1], accuracy=1.0),
        dict(n=st.just(3), eps=st.sampled_from([-0.1, 1.5, np.nan, "0.5"]), arm=st.just(4),
             signs=st.sampled_from([[1, 1, -1, -1], [1, -1], "s", [1j, -1j, 1, -1]]),
             accuracy=st.sampled_from([0.1, 1.5, "x"]))),
    "tabular.revealing.uniformity_pac_class": (revealing.uniformity_pac_class, dict(n=4),
                                               dict(n=st.just(24), n_arms=st.just(2.0))),
    "tabular.revealing.uniformity_pac_problem": (revealing.uniformity_pac_problem, dict(n=4),
                                                 dict(pattern=st.just(4))),
    "tabular.revealing.paired_signs": (revealing.paired_signs, dict(n=4), dict(n=st.just(3))),
    "tabular.revealing.history_value": (
        revealing.history_value,
        dict(model=REVEALING_BANDIT, policy=np.zeros(revealing.history_count(2, 4, 2), dtype=np.int64)),
        dict(model=st.sampled_from([TIGER, EPISODIC, None]),
             policy=st.sampled_from([np.zeros(9), np.zeros(8, dtype=np.int64), np.full(9, 2), np.full(9, -2),
                                     np.zeros(9, dtype=np.complex128), "p", None]))),
    "tabular.revealing.RevealingProblem": (
        revealing.RevealingProblem, dict(true=REVEALING_BANDIT, models=(REVEALING_BANDIT,)),
        dict(true=st.sampled_from([TIGER, EPISODIC, None]),
             models=st.sampled_from([[REVEALING_BANDIT], (), (revealing.revealing_bandit(steps=1),), (TIGER,),
                                     None]))),
    "learners.omle": (
        learners.omle, dict(problem=REVEALING_PROBLEM, K=4, seed=0, delta=0.1, bonus_scale=1.0),
        dict(problem=st.sampled_from([REVEALING_BANDIT, EPISODIC, None]), K=positive_int(), seed=seed(),
             delta=st.one_of(in_unit_interval(), st.just(0.0)), bonus_scale=nonnegative_float(),
             exploration=st.sampled_from(["greedy", 1, None]), steps=st.sampled_from([0, 3, 1.0]))),
    "learners.omle_etc": (
        learners.omle_etc, dict(problem=REVEALING_PROBLEM, K=4, seed=0, explore_scale=1.0),
        dict(K=positive_int(), explore_scale=nonnegative_float())),
    "bounds.revealing.regret_lower_rate": (
        revealing_bounds.regret_lower_rate, dict(T=np.array([10, 20]), steps=2),
        dict(T=st.sampled_from([np.array([0, 10]), np.array([2.5]), "10", np.array([-1])]), steps=positive_int())),
    "bounds.revealing.pac_lower_rate": (
        revealing_bounds.pac_lower_rate, dict(S=4, eps=0.1, steps=2),
        dict(S=positive_int(), eps=in_unit_interval(closed_right=True), steps=positive_int())),
    "bounds.revealing.revealing_slope": (
        revealing_bounds.revealing_slope, dict(algorithm=learners.omle_etc, T=[10, 20], seeds=[0], steps=2, n_boot=10),
        dict(T=st.sampled_from([[10], [2.5, 10], ["10", 20], [1, 10], [10, 10]]), steps=positive_int(),
             eps_scale=positive_float(), n_arms=positive_int(minimum=2), accuracy=st.sampled_from([0.5, "x"]))),
    "bounds.revealing.pac_episodes": (
        revealing_bounds.pac_episodes,
        dict(problem=revealing.uniformity_pac_problem(2), K=10, seeds=[0], eps_target=0.1),
        dict(eps_target=st.just(-1.0))),
    "bounds.revealing.revealing_pac_slope": (
        revealing_bounds.revealing_pac_slope, dict(n_grid=(2, 4), seeds=[0], eps=0.5, K=10, n_boot=10),
        dict(n_grid=st.sampled_from([(2,), (3, 4), (2, 2)]), eps=st.just(0.0))),
    "tabular.submodular.check_submodular": (
        submodular.check_submodular, dict(F=lambda A: float(len(A)), ground=range(3)),
        dict(max_violations=positive_int(), atol=nonnegative_float(), limit=positive_int())),
    "tabular.submodular.curvature": (submodular.curvature, dict(F=lambda A: float(len(A)), ground=range(3)),
                                     dict(atol=nonnegative_float(), limit=positive_int())),
    "tabular.submodular.marginal_gains": (
        submodular.marginal_gains, dict(F=lambda A: float(len(A)), states=np.array([0, 1])),
        dict(F=st.sampled_from([3, None, lambda A: "1", lambda A: float("nan"), lambda A: True]),
             states=st.sampled_from([np.array([0.5]), np.zeros((2, 2), int), "01"]))),
    "tabular.submodular_bandit.bandit_epsilon": (
        submodular_bandit.bandit_epsilon, dict(model=submodular_bandit.coverage_bandit(3, 2, 0.1, 0)),
        dict(states=st.sampled_from([[99], [0.5], [-1], [], "01", 2, [True], np.array([0.0])]))),
    "tabular.submodular_bandit.grid_smdp": (
        submodular_bandit.grid_smdp,
        dict(env=submodular_envs.SubmodularGrid(2, 2, submodular.GPInformation(np.eye(4), 0.5), 3)),
        dict(env=st.sampled_from([submodular_envs.SubmodularGrid(
            2, 2, submodular.GPInformation(np.eye(4), 0.5, revisits=True), 3), "grid"]))),
    "tabular.submodular_envs.make_domain": (
        submodular_envs.make_domain, dict(name="gp-coverage", size="small"),
        dict(weights=st.sampled_from(["map", 1, "density", b"gp"]), H=optional(positive_int()),
             seed=st.sampled_from([-1, 1.5, "0"]))),
    "tabular.submodular_envs.make_domain (fixed weights)": (
        submodular_envs.make_domain, dict(name="items", size="small"),
        dict(weights=st.sampled_from(["gp", "density"]))),
    "learners.subpo.estimator_weights (modular)": (
        estimator_weights, dict(states=jax.numpy.zeros((2, 4), jax.numpy.int32),
                                F=submodular_envs.make_domain("coverage", "small").F, modular=True),
        dict(estimator=st.sampled_from(["code", "gpomdp", None]))),
    "bounds.submodular_bounds.check_greedy": (
        submodular_bounds.check_greedy, dict(model=submodular_bandit.coverage_bandit(3, 2, 0.0, 0)),
        dict(model=st.sampled_from(["m", None, np.eye(2)]), f=st.sampled_from(["facts", 1.0, (1, 2)]))),
    "tabular.gaussian_bumps": (tabular.gaussian_bumps, dict(rows=3, cols=3, seed=0),
                               dict(rows=positive_int(), cols=positive_int(), seed=seed(), bumps=positive_int())),
    "tabular.GPInformation": (tabular.GPInformation, dict(kernel=np.eye(3), noise=1.0),
                              dict(noise=positive_float(), kernel=_bad_real((3, 3)))),
    "tabular.WeightedCoverage": (tabular.WeightedCoverage, dict(footprint=np.eye(3, dtype=bool), weights=np.ones(3)),
                                 dict(weights=_bad_real((3,)))),
    "tabular.submodular_bandit.trap_corridor": (submodular_bandit.trap_corridor, dict(k=3), dict(k=positive_int())),
    "bounds.submodular_bounds.greedy_curvature_bound": (
        submodular_bounds.greedy_curvature_bound, dict(c=0.5, opt=1.0), dict(c=in_unit_interval(closed_right=True))),
    "bounds.grouping_trade_off": (
        bounds.grouping_trade_off, dict(model=GROUPED, budgets=[100], seeds=[0]),
        dict(budgets=st.sampled_from([[2.5], ["100"], [None], [0], [-1]]))),
}


def _pairs():
    return [(case, arg) for case, (_, _, bad) in CASES.items() for arg in bad]


def _call(case: str, **override):
    fn, valid, _ = CASES[case]
    return fn(**{**valid, **override})


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_valid_call_works(case):
    """The baseline call is valid, so an error in the test below comes from the one malformed argument."""
    _call(case)


@pytest.mark.parametrize("case, argument", _pairs(), ids=[f"{c}-{a}" for c, a in _pairs()])
@given(data=st.data())
def test_malformed_argument_is_refused_by_name(case, argument, data):
    value = data.draw(CASES[case][2][argument], label=argument)
    with pytest.raises((ValueError, TypeError)) as info:
        _call(case, **{argument: value})
    message = str(info.value)  # the argument as a word, or for a list one entry ("seed -1" for seeds=[-1])
    names = {argument, argument.rstrip("s")} | ({"episodes"} if argument == "K" else set())
    assert any(re.search(rf"\b{re.escape(name)}\b", message) for name in names), message


def test_sparse_and_list_transition_layouts_are_refused_or_accepted_clearly():
    """A scipy.sparse P given to a model is either accepted as the documented layout or refused by name."""
    flat = sp.csr_matrix(P.reshape(S * A, S))
    try:
        model = tabular.FiniteMDP(flat, R, 0.9)
    except (ValueError, TypeError) as err:
        assert "P" in str(err)
    else:
        np.testing.assert_allclose(solvers.solve(model.P, model.R, 0.9).V, solvers.solve(P, R, 0.9).V, atol=1e-6)
