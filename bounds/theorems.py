"""Each paper's regret bound as a function of ``(S, A, H, K, delta)``.

Conventions: per-step rewards in [0, 1] (MVP's [0, 1] total-reward bound is multiplied by ``H``), ``K`` episodes
of ``H`` steps, ``T = K H``. Where a paper states its constants, :attr:`Bound.value` holds the bound with them and
may be compared with measured regret; where it hides them (O, O-tilde), ``value`` is ``None`` and only
:attr:`Bound.rate` (the expression without constants) and :attr:`Bound.exponent` (the power of ``K``) may be used,
for slope checks. A bound never gets a made-up constant. In rates, a log factor is taken as at least 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from boundlab.tabular._checks import check_int, check_real


@dataclass(frozen=True)
class Bound:
    algorithm: str
    value: float | None
    rate: float
    exponent: float
    source: str

    @property
    def has_constants(self) -> bool:
        return self.value is not None


def _check(S, A, H, K, delta):
    """Sizes are integers >= 1 and ``delta`` lies in (0, 1), else a ``TypeError``/``ValueError`` naming them."""
    for name, v in (("S", S), ("A", A), ("H", H), ("K", K)):
        check_int(v, name)
    check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)


def upper_bound(algorithm: str, *, S: int, A: int, H: int, K: int, delta: float = 0.1, d: int | None = None) -> Bound:
    """The regret upper bound the paper proves for ``algorithm`` after ``K`` episodes (probability ``1 - delta``;
    PSRL: Bayesian expected regret). For time-inhomogeneous models pass the layered size ``S = H * S`` to the
    stationary algorithms (UCBVI, MVP, PSRL), which then run on the layered MDP."""
    _check(S, A, H, K, delta)
    T = K * H
    if algorithm == "ucbvi-ch":
        L = math.log(5 * H * S * A * T / delta)
        return Bound(algorithm, 20 * H * L * math.sqrt(S * A * T) + 250 * H**2 * S**2 * A * L**2,
                     H * math.sqrt(S * A * T), 0.5,
                     "Azar, Osband & Munos 2017 (arXiv:1703.05449v2), Theorem 1: "
                     "20 H L sqrt(SAT) + 250 H^2 S^2 A L^2, L = ln(5HSAT/delta)")
    if algorithm == "ucbvi-bf":
        L = math.log(5 * H * S * A * T / delta)
        return Bound(algorithm, 30 * L * math.sqrt(H * S * A * T) + 2500 * H**2 * S**2 * A * L**2
                     + 4 * H * math.sqrt(T * L), math.sqrt(H * S * A * T), 0.5,
                     "Azar, Osband & Munos 2017 (arXiv:1703.05449v2), Theorem 2: "
                     "30 L sqrt(HSAT) + 2500 H^2 S^2 A L^2 + 4 H sqrt(TL), L = ln(5HSAT/delta)")
    if algorithm == "ucb-h":
        iota = max(math.log(S * A * T / delta), 1.0)
        return Bound(algorithm, None, math.sqrt(H**4 * S * A * T * iota), 0.5,
                     "Jin, Allen-Zhu, Bubeck & Jordan 2018, Theorem 1: O(sqrt(H^4 S A T iota)), constants hidden")
    if algorithm == "ucb-b":
        iota = max(math.log(S * A * T / delta), 1.0)
        return Bound(algorithm, None, math.sqrt(H**3 * S * A * T * iota**2) + math.sqrt(H**9 * S**3 * A**3) * iota**2,
                     0.5, "Jin et al. 2018, Theorem 2: O(sqrt(H^3 S A T iota^2) + sqrt(H^9 S^3 A^3) iota^2), "
                          "constants hidden")
    if algorithm == "mvp":
        iota = max(math.log(S * A * H * K / delta), 1.0)
        return Bound(algorithm, None, H * (math.sqrt(S * A * K) + S**2 * A) * iota**2, 0.5,
                     "Zhang, Ji & Du 2021, Theorem 1: O((sqrt(SAK) + S^2 A) polylog) for total reward in [0, 1]; "
                     "times H here; constants and exact log powers hidden")
    if algorithm == "psrl":
        return Bound(algorithm, None, H * S * math.sqrt(A * T * max(math.log(S * A * T), 1.0)), 0.5,
                     "Osband, Russo & Van Roy 2013, Theorem 1: E[Regret] = O(tau S sqrt(A T log(SAT))), tau = H; "
                     "Bayesian regret, constants hidden")
    if algorithm == "lsvi-ucb":
        if d is None:
            raise ValueError("lsvi-ucb's bound needs the feature dimension d")
        d = check_int(d, "d")
        iota = max(math.log(2 * d * T / delta), 1.0)
        return Bound(algorithm, None, math.sqrt(d**3 * H**3 * T * iota**2), 0.5,
                     "Jin, Yang, Wang & Jordan 2020, Theorem 3.1: O(sqrt(d^3 H^3 T iota^2)), iota = log(2dT/p); "
                     "absolute constant c not given")
    raise ValueError(f"no upper bound is known for algorithm {algorithm!r}")


def lower_bound(kind: str = "minimax", *, S: int, A: int, H: int, K: int, delta: float = 0.1) -> Bound:
    """``"minimax"``: Domingues, Menard, Kaufmann & Valko 2021 (ALT), Theorem 9: for time-inhomogeneous MDPs every
    algorithm has expected regret Omega(sqrt(H^3 S A K)) = Omega(sqrt(H^2 S A T)) on some instance of the hard
    family (:func:`tabular.minimax_hard_instance`). Rate only (its constant is not encoded)."""
    _check(S, A, H, K, delta)
    if kind != "minimax":
        raise ValueError(f"unknown lower bound kind {kind!r}; choose 'minimax'")
    return Bound("minimax", None, math.sqrt(H**3 * S * A * K), 0.5,
                 "Domingues et al. 2021, Theorem 9: Omega(sqrt(H^3 S A K)), non-stationary MDPs, constant not encoded")


def hard_family_lower_bound(*, K: int, epsilon: float, n_choices: int, reward_steps: int) -> Bound:
    """A lower bound, with explicit constants, on the regret of *any* algorithm averaged uniformly over the members of
    the minimax hard family (:func:`tabular.minimax_hard_family`), each member run for ``K`` episodes.

    Derivation (the technique of Lattimore & Szepesvari 2020, ch. 15, applied to the construction of Domingues et
    al. 2021): every episode makes exactly one choice ``i = (h, leaf, a)`` among ``N = n_choices``, and member ``i``
    differs from the reference ``M_0`` only in choice ``i``'s transition, Bernoulli(1/2 + epsilon) instead of
    Bernoulli(1/2). With ``N_i`` the number of episodes choosing ``i``, divergence decomposition gives
    ``KL(P_0, P_i) = E_0[N_i] kl``, ``kl = -log(1 - 4 epsilon^2) / 2``; Pinsker gives
    ``E_i[N_i] <= E_0[N_i] + K sqrt(E_0[N_i] kl / 2)``; summing with Cauchy-Schwarz and ``sum_i E_0[N_i] = K``,
    ``mean_i E_i[N_i] <= K/N + K sqrt(K kl / (2N))``. Each episode missing the hidden choice costs
    ``Delta = reward_steps * epsilon``, so the family-average expected regret is at least
    ``Delta K (1 - 1/N - sqrt(K kl / (2N)))`` (clipped at 0, where it says nothing)."""
    for name, v in (("K", K), ("n_choices", n_choices), ("reward_steps", reward_steps)):
        check_int(v, name)
    check_real(epsilon, "epsilon", low=0.0, high=0.5, high_open=True)
    kl = -0.5 * math.log(1 - 4 * epsilon**2)
    value = reward_steps * epsilon * K * max(0.0, 1 - 1 / n_choices - math.sqrt(K * kl / (2 * n_choices)))
    return Bound("hard-family", value, math.sqrt(K), 0.5,
                 "Domingues et al. 2021 construction; family-average bound derived by divergence decomposition + "
                 "Pinsker (Lattimore & Szepesvari 2020, Lemma 15.1, Thm 15.2 technique): "
                 "reward_steps eps K (1 - 1/N - sqrt(K kl / 2N))")
