"""The bounds of Tan, Fan & Wei 2025 ("Actor-Critics Can Achieve Optimal Sample Efficiency", ICML, PMLR
267:58545-58590; arXiv:2505.03710) as code, for the learners of ``tabular/learners/actor_critic.py``.

What the abstract states (the theorems' numbers, constants and log factors were out of reach, also on a second
search in December 2026): the online optimistic actor-critic needs ``O(d H^5 log|A| / eps^2 + d H^4 log|F| /
eps^2)`` trajectories for an eps-optimal policy and has ``sqrt(T)`` regret when the Bellman eluder dimension ``d``
grows at most like ``log T``; the non-optimistic hybrid variant is provably efficient once ``N_off >= c*_off d H^4 /
eps^2``. Rates only: every constant is hidden, so :class:`~boundlab.bounds.theorems.Bound` values are ``None`` and
only rates and exponents may be checked.

Derived here [D] (stated as such): the regret rate ``sqrt(C K)`` with ``C = d H^5 log|A| + d H^4 log|F|`` is the
regret whose online-to-batch conversion (``eps = Regret(K) / K``) gives the trajectory count ``C / eps^2``.
``log|F|`` for the linear-MDP critic class (an infinite class) is its log covering number at scale ``1/K`` [D: Jin,
Yang, Wang & Jordan 2020, Lemma D.6, with their weight bound ``L = 2 H sqrt(d K / lambda)`` (Lemma B.2) and bonus
radius ``beta``]. For tabular models ``d = S A`` (one-hot features; the Bellman eluder dimension of a tabular class
is ``O~(S A)``).

The offline-size condition is code too: :func:`offline_size` (its right-hand side), :func:`offline_requirement` (an
:class:`OfflineCondition`: inputs, threshold, whether it holds); :func:`upper_bound` and :func:`sample_complexity`
take ``N_off``, ``c_off`` (exact on tabular models: ``tabular.learners.actor_critic.concentrability``) and ``eps``,
check each, return the condition with the bound, and answer :class:`NotApplicable` for the non-optimistic variant
where it fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from boundlab.tabular._checks import check_int, check_real
from boundlab.tabular.learners.lsvi_ucb import lsvi_beta

from .theorems import Bound, Term

VARIANTS = ("ac-optimistic", "ac-hybrid", "ac-hybrid-pessimistic")
SOURCE = "Tan, Fan & Wei 2025 (ICML; arXiv:2505.03710), abstract"


def linear_log_covering(d: int, H: int, K: int, *, delta: float = 0.1, bonus_scale: float = 1.0,
                        lam: float = 1.0) -> float:
    """``log N`` of the linear critic class ``{min(w^T phi + beta ||phi||_{Lambda^-1}, H)}`` at scale ``eps = 1/K``:
    ``d log(1 + 4 L / eps) + d^2 log(1 + 8 sqrt(d) beta^2 / (lambda eps^2))`` (Jin et al. 2020, Lemma D.6) with
    ``L = 2 H sqrt(d K / lambda)`` (their Lemma B.2) and ``beta`` the critic's bonus radius (``bonus_scale`` times
    Theorem 3.1's; a zero bonus leaves the first term). ``K`` counts the regression trajectories: the hybrid
    learners' ``beta`` covers ``K + N_off`` (``tabular.learners.actor_critic`` item 6); pass that sum to match them
    (a log factor)."""
    d, H, K = check_int(d, "d"), check_int(H, "H"), check_int(K, "K")
    lam = check_real(lam, "lam", low=0.0, low_open=True)
    bonus_scale = check_real(bonus_scale, "bonus_scale", low=0.0)
    check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)
    eps = 1.0 / K
    L = 2 * H * math.sqrt(d * K / lam)
    beta = lsvi_beta(bonus_scale, d, H, K, delta)
    return d * math.log1p(4 * L / eps) + d * d * math.log1p(8 * math.sqrt(d) * beta**2 / (lam * eps**2))


def _complexity(d: int, H: int, A: int, log_F: float) -> tuple[Term, Term]:
    """The two terms as stated, ``d H^5 log|A|`` and ``d H^4 log|F|`` (no floor: one action makes the actor's term
    0, as it should; the covering term is positive for every class this module computes)."""
    return (Term("d H^5 log|A|", d * H**5 * math.log(A), True),
            Term("d H^4 log|F|", d * H**4 * log_F, True))


@dataclass(frozen=True)
class OfflineCondition:
    """The non-optimistic hybrid's offline-size condition ``N_off >= constant c*_off d H^4 / eps^2`` (Tan, Fan & Wei
    2025, abstract: rate only, the paper's constant hidden; ``constant`` is the experimenter's, to be stated with any
    result): its inputs, ``required`` (the right-hand side, :func:`offline_size`) and whether it ``holds``."""

    N_off: int
    c_off: float
    d: int
    H: int
    eps: float
    constant: float
    required: float
    holds: bool

    def __str__(self) -> str:
        return (f"N_off = {self.N_off} {'>=' if self.holds else '<'} {self.constant:g} c*_off d H^4 / eps^2 = "
                f"{self.required:.4g} (c*_off = {self.c_off:.4g}, d = {self.d}, H = {self.H}, eps = {self.eps:g})")


@dataclass(frozen=True)
class ActorCriticBound(Bound):
    """A :class:`~boundlab.bounds.theorems.Bound` of the actor-critic variants; ``offline`` is the offline-size
    condition (:class:`OfflineCondition`) where ``N_off``, ``c_off`` and ``eps`` were all given, else ``None``."""

    offline: OfflineCondition | None = None


@dataclass(frozen=True)
class NotApplicable(ActorCriticBound):
    """An :class:`ActorCriticBound` where the theorem says nothing: ``rate`` and ``exponent`` NaN, ``value`` None,
    ``reason`` says why (for a check's ``n/a`` verdict). Its one term is an infinite lower-order term, so that
    ``bounds.informative_range`` finds the bound vacuous at every ``K`` and a check judges nothing."""

    reason: str = ""


def _not_applicable(algorithm: str, reason: str, offline: OfflineCondition | None) -> NotApplicable:
    return NotApplicable(algorithm, None, math.nan, math.nan, SOURCE, (Term(f"no bound: {reason}", math.inf, False),),
                         offline, reason)


def _check_c_off(c_off) -> float:
    """``c_off`` as a float ``>= 1`` or ``inf`` (a max of ratios of two distributions is at least 1; ``inf`` where
    the behaviour never reaches a pair the optimal policy does), else an error naming it."""
    try:
        return math.inf if c_off == math.inf else check_real(c_off, "c_off", low=1.0)
    except ValueError:
        raise ValueError(f"c_off must be a number >= 1 or inf (a concentrability), got {c_off!r}") from None


def _offline_inputs(algorithm: str, N_off, c_off, eps, constant) -> tuple:
    """Each of ``N_off``, ``c_off``, ``eps`` that is given, checked (whether or not the others are), and ``constant``:
    ``N_off`` an int ``>= 0`` (``0`` only for ``ac-optimistic``, which uses no offline data), ``c_off >= 1`` or
    ``inf`` (a ratio of two distributions' maxima is at least 1), ``eps > 0``, ``constant > 0``."""
    if N_off is not None:
        N_off = check_int(N_off, "N_off", minimum=0)
        if algorithm == "ac-optimistic" and N_off:
            raise ValueError(f"N_off: ac-optimistic uses no offline data, got N_off = {N_off}; the hybrid variants "
                             "are ac-hybrid and ac-hybrid-pessimistic")
    if c_off is not None:
        c_off = _check_c_off(c_off)
    if eps is not None:
        eps = check_real(eps, "eps", low=0.0, low_open=True)
    return N_off, c_off, eps, check_real(constant, "constant", low=0.0, low_open=True)


def _gate(algorithm: str, d: int, H: int, N_off, c_off, eps, constant, what: str
          ) -> tuple[OfflineCondition | None, NotApplicable | None]:
    """The offline condition where all its inputs are given, and, for ``ac-hybrid-pessimistic``, the
    :class:`NotApplicable` answer where they are not all given or the condition fails (else ``None``)."""
    N_off, c_off, eps, constant = _offline_inputs(algorithm, N_off, c_off, eps, constant)
    given = {"N_off": N_off, "c_off": c_off, "eps": eps}
    offline = None if None in given.values() else offline_requirement(N_off, c_off, d=d, H=H, eps=eps,
                                                                      constant=constant)
    if algorithm != "ac-hybrid-pessimistic":
        return offline, None
    if offline is None:
        missing = ", ".join(n for n, v in given.items() if v is None)
        return None, _not_applicable(algorithm, f"the non-optimistic variant's {what} needs its offline condition "
                                                f"N_off >= c*_off d H^4 / eps^2: pass {missing}", None)
    if not offline.holds:
        return offline, _not_applicable(algorithm, f"offline condition fails: {offline}", offline)
    return offline, None


def sample_complexity(algorithm: str, *, d: int, H: int, A: int, eps: float, log_F: float, N_off: int | None = None,
                      c_off: float | None = None, constant: float = 1.0) -> ActorCriticBound:
    """Trajectories until an eps-optimal policy, rate only: ``(d H^5 log|A| + d H^4 log|F|) / eps^2``.
    ``exponent`` is the power of ``1/eps`` (2). The hybrid rates were not reachable: for
    ``ac-hybrid`` this is the online rate the paper says offline data improve on, for ``ac-hybrid-pessimistic`` the
    rate once the offline condition holds at this ``eps`` (``N_off``, ``c_off`` needed; else :class:`NotApplicable`,
    as in :func:`upper_bound`)."""
    _algorithm(algorithm)
    d, H, A = check_int(d, "d"), check_int(H, "H"), check_int(A, "A")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    log_F = check_real(log_F, "log_F", low=0.0)
    offline, na = _gate(algorithm, d, H, N_off, c_off, eps, constant, "sample complexity")
    if na is not None:
        return na
    terms = tuple(Term(f"{t.expression} / eps^2", t.value / eps**2, True) for t in _complexity(d, H, A, log_F))
    return ActorCriticBound(algorithm, None, sum(t.value for t in terms), 2.0, f"{SOURCE}: O(d H^5 log|A| / eps^2 + "
                            f"d H^4 log|F| / eps^2) trajectories{_NOTE[algorithm]}", terms, offline)


def upper_bound(algorithm: str, *, S: int, A: int, H: int, K: int, delta: float = 0.1, d: int | None = None,
                log_F: float | None = None, N_off: int | None = None, c_off: float | None = None,
                eps: float | None = None, constant: float = 1.0) -> ActorCriticBound:
    """Regret rate after ``K`` episodes, ``sqrt((d H^5 log|A| + d H^4 log|F|) K)`` [D: module docstring], exponent
    0.5, constants hidden (``value`` None). ``d`` defaults to ``S A`` (one-hot features); ``log_F`` to
    :func:`linear_log_covering` (bonus radius zero for the non-optimistic variant). The signature follows
    ``bounds.upper_bound`` and adds the hybrid variants' quantities: ``N_off`` (offline trajectories), ``c_off``
    (:func:`~boundlab.tabular.learners.actor_critic.concentrability`, exact on tabular models), the target ``eps``
    and the experimenter's ``constant`` of the offline condition (:func:`offline_size`); each one given is checked
    (a ``ValueError``/``TypeError`` naming it), and with all three the answer carries the condition as
    :attr:`ActorCriticBound.offline`.

    ``ac-hybrid-pessimistic`` has this rate only under its offline condition: without its inputs, or where it
    fails, the answer is a :class:`NotApplicable` bound whose ``reason`` says which (a check reports it as n/a).
    ``ac-hybrid``'s rate is the online one whatever the condition (reported, not required); ``ac-optimistic``
    takes no ``N_off`` above 0."""
    _algorithm(algorithm)
    S, A, H, K = (check_int(v, n) for v, n in ((S, "S"), (A, "A"), (H, "H"), (K, "K")))
    check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)
    d = S * A if d is None else check_int(d, "d")
    offline, na = _gate(algorithm, d, H, N_off, c_off, eps, constant, "rate")
    if na is not None:
        return na
    if log_F is None:
        scale = 0.0 if algorithm == "ac-hybrid-pessimistic" else 1.0
        log_F = linear_log_covering(d, H, K, delta=delta, bonus_scale=scale)
    terms = tuple(Term(f"sqrt({t.expression} K)", math.sqrt(t.value * K), True)
                  for t in _complexity(d, H, A, check_real(log_F, "log_F", low=0.0)))
    return ActorCriticBound(algorithm, None, sum(t.value for t in terms), 0.5,
                            f"{SOURCE}: sqrt(T) regret; rate sqrt((d H^5 log|A| + d H^4 log|F|) K) derived from the "
                            f"stated trajectory count by online-to-batch; log|F| = linear-class covering (Jin et al. "
                            f"2020, Lemma D.6){_NOTE[algorithm]}", terms, offline)


def offline_size(c_off: float, *, d: int, H: int, eps: float, constant: float = 1.0) -> float:
    """``constant * c*_off d H^4 / eps^2``: the offline trajectories the non-optimistic hybrid actor-critic needs
    (the paper's constant is hidden; ``constant`` is the experimenter's, to be stated with any result). ``c_off``:
    :func:`boundlab.tabular.learners.actor_critic.concentrability` (``inf`` gives ``inf``)."""
    c_off = _check_c_off(c_off)
    d, H = check_int(d, "d"), check_int(H, "H")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    constant = check_real(constant, "constant", low=0.0, low_open=True)
    return constant * c_off * d * H**4 / eps**2


def offline_requirement(N_off: int, c_off: float, *, d: int, H: int, eps: float,
                        constant: float = 1.0) -> OfflineCondition:
    """The condition ``N_off >= offline_size(c_off, ...)`` with its inputs (:class:`OfflineCondition`)."""
    N_off = check_int(N_off, "N_off", minimum=0)
    required = offline_size(c_off, d=d, H=H, eps=eps, constant=constant)
    return OfflineCondition(N_off, float(c_off), d, H, float(eps), float(constant), required, N_off >= required)


def offline_condition(N_off: int, c_off: float, *, d: int, H: int, eps: float, constant: float = 1.0) -> bool:
    """Whether ``N_off >= offline_size(c_off, ...)`` (the non-optimistic variant's condition)."""
    return offline_requirement(N_off, c_off, d=d, H=H, eps=eps, constant=constant).holds


_NOTE = {"ac-optimistic": " (online, optimistic)",
         "ac-hybrid": " (online rate: the hybrid theorem's own rate was not reachable; the paper states offline "
                      "data improve on it)",
         "ac-hybrid-pessimistic": " (non-optimistic hybrid: holds once N_off >= c*_off d H^4 / eps^2, "
                                  "offline_size)"}


def _algorithm(algorithm: str) -> None:
    if algorithm not in VARIANTS:
        raise ValueError(f"algorithm must be one of {VARIANTS}, got {algorithm!r}")
