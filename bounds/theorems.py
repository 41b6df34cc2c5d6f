"""Each paper's regret bound as a function of ``(S, A, H, K, delta)``.

Conventions: per-step rewards in [0, 1] (MVP's [0, 1] total-reward bound is multiplied by ``H``), ``K`` episodes
of ``H`` steps, ``T = K H``. Where a paper states its constants, :attr:`Bound.value` holds the bound with them and
may be compared with measured regret; where it hides them (O, O-tilde), ``value`` is ``None`` and only
:attr:`Bound.rate` (the expression without constants) and :attr:`Bound.exponent` (the power of ``K``) may be used,
for slope checks. A bound never gets a made-up constant. In rates, a log factor is taken as at least 1.

Each bound also lists its :attr:`Bound.terms`: the summands of ``value`` (constants given) or of the rate (constants
hidden), each marked leading (the power of ``K`` in :attr:`Bound.exponent`) or lower-order, as the cited theorem (or,
where named, its proof) writes them. :func:`informative_range` uses them to say from which ``K`` a theorem speaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from boundlab.tabular._checks import check_int, check_real


@dataclass(frozen=True)
class Term:
    """One summand of a bound: its ``expression`` as the paper writes it, its ``value`` and whether it is
    ``leading`` (grows like ``K^exponent``) or a lower-order term (a constant or log power in ``K``)."""

    expression: str
    value: float
    leading: bool


@dataclass(frozen=True)
class Bound:
    algorithm: str
    value: float | None
    rate: float
    exponent: float
    source: str
    terms: tuple[Term, ...] = ()

    @property
    def has_constants(self) -> bool:
        return self.value is not None


def _check(S, A, H, K, delta):
    """Sizes are integers >= 1 and ``delta`` lies in (0, 1), else a ``TypeError``/``ValueError`` naming them."""
    for name, v in (("S", S), ("A", A), ("H", H), ("K", K)):
        check_int(v, name)
    check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)


def _total(terms: tuple[Term, ...]) -> float:
    return sum(t.value for t in terms)


def upper_bound(algorithm: str, *, S: int, A: int, H: int, K: int, delta: float = 0.1, d: int | None = None,
                **actor_critic) -> Bound:
    """The regret upper bound the paper proves for ``algorithm`` after ``K`` episodes (probability ``1 - delta``;
    PSRL: Bayesian expected regret). For time-inhomogeneous models pass the layered size ``S = H * S`` to the
    stationary algorithms (UCBVI, MVP, PSRL), which then run on the layered MDP. ``actor_critic``: the actor-critic
    variants' own quantities (``N_off``, ``c_off``, ``eps``, ``constant``, ``log_F``), passed to
    :func:`boundlab.bounds.actor_critic_bounds.upper_bound` (the offline-size condition ``N_off >= c*_off d H^4 /
    eps^2`` travels with the bound); refused for every other algorithm."""
    if isinstance(algorithm, str) and algorithm.startswith("ac-"):  # Tan, Fan & Wei 2025: rate only
        from .actor_critic_bounds import upper_bound as actor_critic_upper_bound  # it imports Bound from here
        return actor_critic_upper_bound(algorithm, S=S, A=A, H=H, K=K, delta=delta, d=d, **actor_critic)
    if actor_critic:
        raise TypeError(f"upper_bound got {', '.join(sorted(actor_critic))}: only the actor-critic variants "
                        f"(ac-*) take them, not {algorithm!r}")
    _check(S, A, H, K, delta)
    T = K * H
    if algorithm == "ucbvi-ch":
        L = math.log(5 * H * S * A * T / delta)
        terms = (Term("20 H L sqrt(SAT)", 20 * H * L * math.sqrt(S * A * T), True),
                 Term("250 H^2 S^2 A L^2", 250 * H**2 * S**2 * A * L**2, False))
        return Bound(algorithm, _total(terms), H * math.sqrt(S * A * T), 0.5,
                     "Azar, Osband & Munos 2017 (arXiv:1703.05449v2), Theorem 1: "
                     "20 H L sqrt(SAT) + 250 H^2 S^2 A L^2, L = ln(5HSAT/delta)", terms)
    if algorithm == "ucbvi-bf":
        L = math.log(5 * H * S * A * T / delta)
        terms = (Term("30 L sqrt(HSAT)", 30 * L * math.sqrt(H * S * A * T), True),
                 Term("4 H sqrt(TL)", 4 * H * math.sqrt(T * L), True),
                 Term("2500 H^2 S^2 A L^2", 2500 * H**2 * S**2 * A * L**2, False))
        return Bound(algorithm, _total(terms), math.sqrt(H * S * A * T), 0.5,
                     "Azar, Osband & Munos 2017 (arXiv:1703.05449v2), Theorem 2: "
                     "30 L sqrt(HSAT) + 2500 H^2 S^2 A L^2 + 4 H sqrt(TL), L = ln(5HSAT/delta)", terms)
    if algorithm == "ucb-h":
        iota = max(math.log(S * A * T / delta), 1.0)
        terms = (Term("sqrt(H^4 S A T iota)", math.sqrt(H**4 * S * A * T * iota), True),
                 Term("H^2 S A", H**2 * S * A, False))
        return Bound(algorithm, None, terms[0].value, 0.5,
                     "Jin, Allen-Zhu, Bubeck & Jordan 2018, Theorem 1: O(sqrt(H^4 S A T iota)), constants hidden; "
                     "its proof (Section 4) bounds O(H^2 S A + sqrt(H^4 S A T iota)) before dropping H^2 S A", terms)
    if algorithm == "ucb-b":
        iota = max(math.log(S * A * T / delta), 1.0)
        terms = (Term("sqrt(H^3 S A T iota^2)", math.sqrt(H**3 * S * A * T * iota**2), True),
                 Term("sqrt(H^9 S^3 A^3) iota^2", math.sqrt(H**9 * S**3 * A**3) * iota**2, False))
        return Bound(algorithm, None, _total(terms), 0.5,
                     "Jin et al. 2018, Theorem 2: O(sqrt(H^3 S A T iota^2) + sqrt(H^9 S^3 A^3) iota^2), "
                     "constants hidden", terms)
    if algorithm == "mvp":
        iota = max(math.log(S * A * H * K / delta), 1.0)
        terms = (Term("H sqrt(SAK) iota^2", H * math.sqrt(S * A * K) * iota**2, True),
                 Term("H S^2 A iota^2", H * S**2 * A * iota**2, False))
        return Bound(algorithm, None, _total(terms), 0.5,
                     "Zhang, Ji & Du 2021, Theorem 1: O((sqrt(SAK) + S^2 A) polylog) for total reward in [0, 1]; "
                     "times H here; constants and exact log powers hidden", terms)
    if algorithm == "psrl":
        terms = (Term("tau S sqrt(A T log(SAT))", H * S * math.sqrt(A * T * max(math.log(S * A * T), 1.0)), True),)
        return Bound(algorithm, None, terms[0].value, 0.5,
                     "Osband, Russo & Van Roy 2013, Theorem 1: E[Regret] = O(tau S sqrt(A T log(SAT))), tau = H; "
                     "Bayesian regret, constants hidden", terms)
    if algorithm == "lsvi-ucb":
        if d is None:
            raise ValueError("lsvi-ucb's bound needs the feature dimension d")
        d = check_int(d, "d")
        iota = max(math.log(2 * d * T / delta), 1.0)
        terms = (Term("sqrt(d^3 H^3 T iota^2)", math.sqrt(d**3 * H**3 * T * iota**2), True),)
        return Bound(algorithm, None, terms[0].value, 0.5,
                     "Jin, Yang, Wang & Jordan 2020, Theorem 3.1: O(sqrt(d^3 H^3 T iota^2)), iota = log(2dT/p); "
                     "absolute constant c not given", terms)
    if algorithm in ("ucb1", "kl-ucb", "thompson"):
        raise ValueError(f"{algorithm}'s regret bound depends on the instance (its gaps), not on (S, A, H): use "
                         f"bounds.bandit_upper_bound({algorithm!r}, model, n)")
    raise ValueError(f"no upper bound is known for algorithm {algorithm!r}")


@dataclass(frozen=True)
class Informative:
    """From which ``K`` a regret theorem speaks (:func:`informative_range`): ``K_from`` is the least ``K`` at which
    both hold, ``None`` if not below ``K_max``; ``nonvacuous_from`` the least ``K`` at which the bound (with its
    constants, else the rate's terms with every hidden constant taken as 1) is below the trivial ``H K``;
    ``dominant_from`` the least ``K`` at which the leading terms are at least the lower-order ones."""

    K_from: int | None
    nonvacuous_from: int | None
    dominant_from: int | None
    has_constants: bool

    def applies(self, K: int) -> bool:
        return self.K_from is not None and K >= self.K_from

    def reason(self, K: int) -> str:
        """Why the theorem says nothing at ``K`` ("" where it speaks)."""
        if self.applies(K):
            return ""
        what = "bound" if self.has_constants else "rate (hidden constants taken as 1)"
        why = []
        if self.nonvacuous_from is None or K < self.nonvacuous_from:
            why.append(f"{what} >= H K (vacuous)")
        if self.dominant_from is None or K < self.dominant_from:
            why.append("lower-order terms exceed the leading term")
        where = "beyond K_max" if self.K_from is None else f"applies from K = {self.K_from:.3g}"
        return f"{' and '.join(why)}; {where}"


def _least_K(holds, K_max: int) -> int | None:
    """The least ``K`` in ``[1, K_max]`` with ``holds(K)``, for a condition that once true stays true."""
    if not holds(K_max):
        return None
    lo, hi = 0, K_max  # holds(hi), not holds(lo) (K = 0 taken as false)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if holds(mid) else (mid, hi)
    return hi


def informative_range(algorithm: str, *, S: int, A: int, H: int, delta: float = 0.1, d: int | None = None,
                      K_max: int = 10**15, **actor_critic) -> Informative:
    """The range ``K >= K_from`` in which ``algorithm``'s regret theorem is informative (DESIGN.md, "Bounds: how a
    check is honest"): the bound is below the trivial ``H K`` (with the paper's constants where given; where they
    are hidden, the sum of the rate's :attr:`Bound.terms` with each constant taken as 1, so that for any constants
    >= 1 the bound is vacuous below this K) and its leading terms are at least its lower-order terms. Both
    conditions are monotone in ``K`` (the leading terms grow like ``sqrt(K)`` times logs, the others like logs), so
    each threshold is found by bisection. A ``ValueError`` for an algorithm without a regret theorem.
    ``actor_critic``: as for :func:`upper_bound` (with ``N_off``, ``c_off``, ``eps`` the non-optimistic hybrid's
    range exists where its offline condition holds)."""
    check_int(K_max, "K_max")

    def bound(K: int) -> Bound:
        return upper_bound(algorithm, S=S, A=A, H=H, K=K, delta=delta, d=d, **actor_critic)

    def nonvacuous(K: int) -> bool:
        b = bound(K)
        return (b.value if b.has_constants else _total(b.terms)) < H * K

    def dominant(K: int) -> bool:
        terms = bound(K).terms
        return sum(t.value for t in terms if t.leading) >= sum(t.value for t in terms if not t.leading)

    K1, K2 = _least_K(nonvacuous, K_max), _least_K(dominant, K_max)
    K_from = None if K1 is None or K2 is None else max(K1, K2)
    return Informative(K_from, K1, K2, bound(1).has_constants)


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
