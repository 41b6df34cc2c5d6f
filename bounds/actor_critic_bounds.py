"""The bounds of Tan, Fan & Wei 2025 ("Actor-Critics Can Achieve Optimal Sample Efficiency", ICML, PMLR
267:58545-58590; arXiv:2505.03710) as code, for the learners of ``tabular/learners/actor_critic.py``.

What the abstract states (the theorems' numbers, constants and log factors were out of reach): the online optimistic
actor-critic needs ``O(d H^5 log|A| / eps^2 + d H^4 log|F| / eps^2)`` trajectories for an eps-optimal policy and
has ``sqrt(T)`` regret when the Bellman eluder dimension ``d`` grows at most like ``log T``; the non-optimistic
hybrid variant is provably efficient once ``N_off >= c*_off d H^4 / eps^2``. Rates only: every constant is hidden,
so :class:`~boundlab.bounds.theorems.Bound` values are ``None`` and only rates and exponents may be checked.

Derived here [D] (stated as such): the regret rate ``sqrt(C K)`` with ``C = d H^5 log|A| + d H^4 log|F|`` is the
regret whose online-to-batch conversion (``eps = Regret(K) / K``) gives the trajectory count ``C / eps^2``.
``log|F|`` for the linear-MDP critic class (an infinite class) is its log covering number at scale ``1/K`` [D: Jin,
Yang, Wang & Jordan 2020, Lemma D.6, with their weight bound ``L = 2 H sqrt(d K / lambda)`` (Lemma B.2) and bonus
radius ``beta``]. For tabular models ``d = S A`` (one-hot features; the Bellman eluder dimension of a tabular class
is ``O~(S A)``).
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
    Theorem 3.1's; a zero bonus leaves the first term)."""
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
class NotApplicable(Bound):
    """A :class:`~boundlab.bounds.theorems.Bound` where the theorem says nothing: ``rate`` and ``exponent`` NaN,
    ``value`` None, ``reason`` says why (for a check's ``n/a`` verdict). Its one term is an infinite lower-order
    term, so that ``bounds.informative_range`` finds the bound vacuous at every ``K`` and a check judges nothing."""

    reason: str = ""


def _not_applicable(algorithm: str, reason: str) -> NotApplicable:
    return NotApplicable(algorithm, None, math.nan, math.nan, SOURCE, (Term(f"no bound: {reason}", math.inf, False),),
                         reason)


def sample_complexity(algorithm: str, *, d: int, H: int, A: int, eps: float, log_F: float) -> Bound:
    """Trajectories until an eps-optimal policy, rate only: ``(d H^5 log|A| + d H^4 log|F|) / eps^2``.
    ``exponent`` is the power of ``1/eps`` (2). The hybrid rates were not reachable: for
    ``ac-hybrid`` this is the online rate the paper says offline data improve on, for ``ac-hybrid-pessimistic`` the
    rate once :func:`offline_size` holds."""
    _algorithm(algorithm)
    d, H, A = check_int(d, "d"), check_int(H, "H"), check_int(A, "A")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    log_F = check_real(log_F, "log_F", low=0.0)
    terms = tuple(Term(f"{t.expression} / eps^2", t.value / eps**2, True) for t in _complexity(d, H, A, log_F))
    return Bound(algorithm, None, sum(t.value for t in terms), 2.0, f"{SOURCE}: O(d H^5 log|A| / eps^2 + "
                 f"d H^4 log|F| / eps^2) trajectories{_NOTE[algorithm]}", terms)


def upper_bound(algorithm: str, *, S: int, A: int, H: int, K: int, delta: float = 0.1, d: int | None = None,
                log_F: float | None = None, N_off: int | None = None, c_off: float | None = None,
                eps: float | None = None, constant: float = 1.0) -> Bound:
    """Regret rate after ``K`` episodes, ``sqrt((d H^5 log|A| + d H^4 log|F|) K)`` [D: module docstring], exponent
    0.5, constants hidden (``value`` None). ``d`` defaults to ``S A`` (one-hot features); ``log_F`` to
    :func:`linear_log_covering` (bonus radius zero for the non-optimistic variant). The signature follows
    ``bounds.upper_bound``.

    ``ac-hybrid-pessimistic`` has this rate only under its offline condition: it needs ``N_off``, ``c_off``
    (:func:`~boundlab.tabular.learners.actor_critic.concentrability`) and the target ``eps`` (and the
    experimenter's ``constant``, :func:`offline_size`); without them, or where :func:`offline_condition` fails, the
    answer is a :class:`NotApplicable` bound whose ``reason`` says which (a check reports it as n/a)."""
    _algorithm(algorithm)
    S, A, H, K = (check_int(v, n) for v, n in ((S, "S"), (A, "A"), (H, "H"), (K, "K")))
    check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)
    d = S * A if d is None else check_int(d, "d")
    if algorithm == "ac-hybrid-pessimistic":
        missing = [n for n, v in (("N_off", N_off), ("c_off", c_off), ("eps", eps)) if v is None]
        if missing:
            return _not_applicable(algorithm, f"the non-optimistic variant's rate needs its offline condition "
                                              f"N_off >= c*_off d H^4 / eps^2: pass {', '.join(missing)}")
        need = offline_size(c_off, d=d, H=H, eps=eps, constant=constant)
        if not offline_condition(N_off, c_off, d=d, H=H, eps=eps, constant=constant):
            return _not_applicable(algorithm, f"offline condition fails: N_off = {N_off} < {constant:g} c*_off d H^4 "
                                              f"/ eps^2 = {need:.4g} (c*_off = {c_off:.4g}, d = {d}, H = {H}, "
                                              f"eps = {eps:g})")
    if log_F is None:
        scale = 0.0 if algorithm == "ac-hybrid-pessimistic" else 1.0
        log_F = linear_log_covering(d, H, K, delta=delta, bonus_scale=scale)
    terms = tuple(Term(f"sqrt({t.expression} K)", math.sqrt(t.value * K), True)
                  for t in _complexity(d, H, A, check_real(log_F, "log_F", low=0.0)))
    return Bound(algorithm, None, sum(t.value for t in terms), 0.5,
                 f"{SOURCE}: sqrt(T) regret; rate sqrt((d H^5 log|A| + d H^4 log|F|) K) derived from the stated "
                 f"trajectory count by online-to-batch; log|F| = linear-class covering (Jin et al. 2020, Lemma D.6)"
                 f"{_NOTE[algorithm]}", terms)


def offline_size(c_off: float, *, d: int, H: int, eps: float, constant: float = 1.0) -> float:
    """``constant * c*_off d H^4 / eps^2``: the offline trajectories the non-optimistic hybrid actor-critic needs
    (the paper's constant is hidden; ``constant`` is the experimenter's, to be stated with any result). ``c_off``:
    :func:`boundlab.tabular.learners.actor_critic.concentrability` (``inf`` gives ``inf``)."""
    c_off = check_real(c_off, "c_off", low=1.0) if c_off != math.inf else math.inf
    d, H = check_int(d, "d"), check_int(H, "H")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    constant = check_real(constant, "constant", low=0.0, low_open=True)
    return constant * c_off * d * H**4 / eps**2


def offline_condition(N_off: int, c_off: float, *, d: int, H: int, eps: float, constant: float = 1.0) -> bool:
    """Whether ``N_off >= offline_size(c_off, ...)`` (the non-optimistic variant's condition)."""
    return check_int(N_off, "N_off", minimum=0) >= offline_size(c_off, d=d, H=H, eps=eps, constant=constant)


_NOTE = {"ac-optimistic": " (online, optimistic)",
         "ac-hybrid": " (online rate: the hybrid theorem's own rate was not reachable; the paper states offline "
                      "data improve on it)",
         "ac-hybrid-pessimistic": " (non-optimistic hybrid: holds once N_off >= c*_off d H^4 / eps^2, "
                                  "offline_size)"}


def _algorithm(algorithm: str) -> None:
    if algorithm not in VARIANTS:
        raise ValueError(f"algorithm must be one of {VARIANTS}, got {algorithm!r}")
