"""The baseline of Dai et al. 2023: policy optimisation with dilated bonuses for adversarial linear-Q MDPs with a
simulator (Luo, Wei & Lee 2021, "Policy optimization in adversarial MDPs: improved exploration via dilated
bonuses", NeurIPS; arXiv 2107.08346, Section 4, the linear-Q algorithm), regret ``O~(d^{2/3} H^2 K^{2/3})``.

Each episode ``k`` (the paper's text was out of reach in this session: the steps are reconstructed from Dai et
al.'s slides and the abstract; items marked **[R]** are ours):

1. ``pi_k(.|s) ∝ exp(-eta sum_{tau<k} (Q_hat_tau - B_tau)(s, .))`` at every ``(h, s)`` (exponential weights).
2. Play ``pi_k``, observe the losses on the path only (bandit feedback); ``L_{k,h}`` is the loss-to-go from ``h``.
3. ``Sigma^+_{k,h} ≈ (gamma I + Sigma_{k,h})^{-1}`` by Matrix Geometric Resampling on simulator rollouts of
   ``pi_k`` (:mod:`.linear_estimators`); ``theta_hat_{k,h} = Sigma^+_{k,h} phi(s_h, a_h) L_{k,h}``,
   ``Q_hat_k(s, a) = phi(s, a)^T theta_hat_{k,h}``.
4. Bonus **[R]** ``b_k(s, a) = beta (||phi(s, a)||^2_{Sigma^+} + E_{a'~pi_k(.|s)} ||phi(s, a')||^2_{Sigma^+})``
   and the dilated bonus ``B_k(s, a) = b_k(s, a) + (1 + 1/H) E_{s'~P(.|s,a), a'~pi_k(.|s')} B_k(s', a')``
   (the dilated Bellman equation), estimated by one simulator rollout of ``pi_k`` from ``(s, a)`` (unbiased).

Schedule (``gamma = K^{-2/3}``, ``beta = K^{-1/3}``, ``eta = K^{-2/3}`` as quoted on Dai et al.'s slides; the
factor ``1/H`` in ``eta`` is **[R]**: it keeps ``eta |Q_hat| <= eta H / gamma <= 1``, what exponential weights
need). MGR: ``mgr_steps = ceil(ln(1/(eps gamma)) / (c gamma))`` with ``eps = 1/K`` **[R]**, ``mgr_copies = 1``
(Neu & Olkhovskaya's single chain; Luo et al. average ``O(eps^-2 gamma^-2)`` copies for concentration, which is
out of reach at any K here: a documented departure). ``oracle=True`` replaces MGR by the exact
``(gamma I + Sigma)^{-1}`` and the rollout bonus by the exact dilated Bellman recursion (idealised: infinitely
many simulator samples), separating estimator noise from the algorithm.

Finite state spaces only: every table is ``[H, S, A]``; ``phi[s, a, d]`` with ``||phi|| <= 1`` (default one-hot
``(s, a)``, the tabular model as a linear-Q one, ``d = S A``). The per-episode pieces (FTRL step, bonus, exact
dilated recursion and its rollout estimate, estimate, exact covariance, the front end and the run record
:class:`~.adv_logbarrier.AdversarialRun`) are Algorithm 1's (:mod:`.adv_logbarrier`), one piece of code for the
same logic; this module adds MGR and the K^{2/3} schedule.

Measured (H = 3, S = A = 2, fixed losses, 2 seeds, K = 2^9..2^12): MGR mode and oracle mode give the same regret
within 3% (log-log slopes 0.906 and 0.907); the MGR mode costs ``~ln(K / gamma) / (c gamma)`` rollouts per episode.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .._checks import Seed, check_flag, check_int
from ..adversarial import AdversarialMDP, cdf, play
from ._common import knobs
from .adv_logbarrier import (AdversarialRun, bonus, check_rollouts, check_setting, dilated_exact, dilated_rollouts,
                             estimate, exact_inverse, ftrl_policy, gram, make_run, policy_cdf, rate, suffix)
from .linear_estimators import MGR_STEP, mgr_kernel, mgr_steps, rollout_kernel


# --- Luo et al. 2021's linear-Q kernel ------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def luo21_kernel(P, P_cdf, initial, init_cdf, losses, phi, gamma, beta, eta, oracle, copies, steps, c, seed):
    K, H, S, A = losses.shape
    d = phi.shape[2]
    rng = np.uint64(seed)
    cum = np.zeros((H, S, A))
    pi_cdf = np.empty((H, S, A))
    probs = np.empty((K, H, S, A))
    starts = np.empty(K, np.int64)
    total = np.empty(K)
    states = np.empty(H, np.int64)
    actions = np.empty(H, np.int64)
    seen = np.empty(H)
    L = np.empty(H)
    Sigma = np.empty((H, d, d))
    Sinv = np.empty((H, d, d))
    G = np.empty((H, S * A, S * A))
    Q = np.empty((H, S, A))
    b = np.empty((H, S, A))
    B = np.empty((H, S, A))
    q = np.empty((H, S, A))
    n_roll = 0 if oracle else copies * steps
    r_states = np.empty((n_roll, H), np.int64)
    r_actions = np.empty((n_roll, H), np.int64)
    X = np.empty((copies, steps, d))
    for k in range(K):
        pi = probs[k]
        ftrl_policy(cum, eta, False, pi)
        policy_cdf(pi, pi_cdf)
        rng, total[k] = play(P_cdf, init_cdf, losses[k], pi_cdf, 0, -1, -1, rng, states, actions, seen)
        starts[k] = states[0]
        suffix(seen, L)
        if oracle:
            exact_inverse(P, initial, pi, phi, gamma, q, Sigma, Sinv)
        else:
            rng = rollout_kernel(P_cdf, init_cdf, pi_cdf, rng, r_states, r_actions)
            for h in range(H):
                for m in range(copies):
                    for i in range(steps):
                        X[m, i] = phi[r_states[m * steps + i, h], r_actions[m * steps + i, h]]
                mgr_kernel(X, gamma, c, Sinv[h])
        gram(phi, Sinv, G)
        estimate(G, states, actions, L, A, Q)
        bonus(G, pi, beta, b)
        if oracle:
            dilated_exact(P, pi, b, B)
        else:
            rng = dilated_rollouts(P_cdf, init_cdf, pi_cdf, b, rng, B)
        cum += Q - B
    return probs, starts, total


def luo21_schedule(K: int, H: int) -> dict[str, float | int]:
    """The K^{2/3} schedule: ``gamma = K^{-2/3}``, ``beta = K^{-1/3}``, ``eta = K^{-2/3} / H`` (see the module),
    ``mgr_steps`` for bias ``eps = 1/K``."""
    gamma = K ** (-2 / 3)
    return {"gamma": gamma, "beta": K ** (-1 / 3), "eta": gamma / H, "mgr_steps": mgr_steps_for(gamma, K)}


@knobs(phi=("features phi[s, a, d] with ||phi|| <= 1 (None: one-hot (s, a), the tabular model as linear-Q)",
            "Luo et al. 2021, Sec. 4 (linear-Q assumption)"),
       gamma=("covariance regulariser gamma of (gamma I + Sigma)^-1 (None: K^(-2/3))",
              "Luo et al. 2021, Theorem 4.1, as quoted on Dai et al. 2023's slides"),
       beta=("bonus coefficient beta (None: K^(-1/3))", "Luo et al. 2021, Theorem 4.1 (Dai et al.'s slides)"),
       eta=("exponential-weights rate eta (None: K^(-2/3) / H)",
            "K^(-2/3): Luo et al. 2021 (Dai et al.'s slides); the 1/H: boundlab [R], eta H / gamma <= 1"),
       oracle=("idealised mode: exact (gamma I + Sigma)^-1 and exact dilated bonus (infinite simulator samples)",
               "boundlab (separates estimator noise from the algorithm)"),
       mgr_copies=("MGR copies M averaged per episode (1: Neu & Olkhovskaya's single chain; the theorem's "
                   "O(eps^-2 gamma^-2) is out of reach, a departure)", "Neu & Olkhovskaya 2020, Alg. 2; [R]"),
       mgr_steps=("MGR factors N per copy (None: ceil(ln(K / gamma) / (c gamma)), truncation bias <= 1/K)",
                  "Luo et al. 2021, GeometricResampling [R]"))
def adv_luo21(model: AdversarialMDP, K: int, seed: Seed = None, *, phi: ArrayLike | None = None,
              gamma: float | None = None, beta: float | None = None, eta: float | None = None,
              oracle: bool = False, mgr_copies: int = 1, mgr_steps: int | None = None) -> AdversarialRun:
    """Luo, Wei & Lee 2021's policy optimisation with dilated bonuses and MGR (linear-Q with a simulator; regret
    ``O~(d^{2/3} H^2 K^{2/3})``), on the first ``K`` episodes of ``model``'s losses; steps and schedule in the
    module docstring. Returns an :class:`AdversarialRun` (policies ``probabilities[k, h, s, a]``)."""
    K, phi, seed_int = check_setting(model, K, seed, phi, "adv-luo21")
    paper = luo21_schedule(K, model.H)
    gamma = rate(gamma, "gamma", paper["gamma"], high=1.0)
    beta = rate(beta, "beta", paper["beta"])
    eta = rate(eta, "eta", paper["eta"])
    oracle = check_flag(oracle, "oracle")
    copies = check_int(mgr_copies, "mgr_copies")
    steps = mgr_steps_for(gamma, K) if mgr_steps is None else check_int(mgr_steps, "mgr_steps")
    if not oracle:
        check_rollouts(copies * steps, "mgr_copies * mgr_steps", "MGR simulator rollouts")
    probs, starts, total = luo21_kernel(model.P, cdf(model.P), model.initial, cdf(model.initial),
                                        np.ascontiguousarray(model.losses[:K]), phi, gamma, beta, eta, oracle,
                                        copies, steps, MGR_STEP, seed_int)
    return make_run(probs, starts, total)


def mgr_steps_for(gamma: float, K: int) -> int:
    """MGR's factor count for truncation bias ``<= 1 / K`` (:func:`.linear_estimators.mgr_steps`)."""
    return mgr_steps(gamma, 1.0 / K)


__all__ = ["adv_luo21", "luo21_schedule"]
