"""The global-convergence rates of stochastic policy gradient for Fisher-non-degenerate policies, as code (Fatkhullin,
Barakat, Kireeva & He, "Stochastic Policy Gradient Methods: Improved Sample Complexity for Fisher-non-degenerate
Policies", ICML 2023, arXiv 2302.01734).

Each rate is stated for the last iterate, up to the bias floor ``sqrt(eps_bias) / (1 - gamma)`` (``eps_bias`` of
Assumption 2, compatible function approximation) and with its constants hidden (they depend on ``mu_F``, ``M_g``,
smoothness and ``1 / (1 - gamma)``, and the log factor of the truncation ``H`` hides in the O-tilde):

    method      J* - E J(theta_T) <=                                  trajectories to eps       gap vs trajectories n
    vanilla-pg  (earlier result, the O~(eps^-3) the paper improves on)  O~(eps^-3)                n^(-1/3)
    n-pg-igt    O((T+1)^(-2/5)) + sqrt(eps_bias)/(1-gamma)  (Theorem 1)  O~(eps^-2.5), 1 per step   n^(-2/5)
    harpg       O((T+1)^(-1/2)) + sqrt(eps_bias)/(1-gamma)  (Theorem 2)  O~(eps^-2), 2 per step     n^(-1/2)
    n-harpg     as harpg                                    (Theorem 2)  O~(eps^-2), 2 per step     n^(-1/2)

A sample complexity ``eps^-p`` and a gap exponent ``-1/p`` in the trajectories ``n`` are the same statement: ``n`` a
fixed multiple of ``T``, the gap above the floor is ``O(n^(-1/p))``, so ``n = O(eps^-p)`` reach it below ``eps``.
Sources: the abstract (the three complexities, verbatim) and the theorems as the authors' poster states them; the
theorems' equation numbers could not be read from the full text with our tools and are not given. No bound here has
a constant: :func:`gap_bound` evaluates the rate with every hidden constant taken as 1, for plots and slope checks,
never for a level verdict. ``n-pg-momentum`` (the ablation) has no theorem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from boundlab.tabular._checks import check_real

_PAPER = "Fatkhullin, Barakat, Kireeva & He (ICML 2023, arXiv 2302.01734)"


@dataclass(frozen=True)
class GapRate:
    """A method's rate: ``complexity`` ``p`` (``O~(eps^-p)`` trajectories for an ``eps``-optimal last iterate above
    the bias floor), ``exponent = -1/p`` (the gap's power of the trajectories), trajectories ``per_iteration`` and
    the ``source`` (paper, theorem, statement)."""

    algorithm: str
    complexity: float
    exponent: float
    per_iteration: int
    source: str


_RATES = {
    "vanilla-pg": GapRate(
        "vanilla-pg", 3.0, -1 / 3, 1,
        f"{_PAPER}, abstract and Table 1: 'the previously known O~(eps^-3) complexity' of vanilla PG under the same "
        "assumptions (an earlier result the paper improves on, not one of its theorems); the schedule run here by "
        "default, gamma_0 (t+1)^(-2/3), is the paper's 1/(t+1) form with the exponent 2/3 of the authors' code "
        "(schedule='code' runs the code's own gamma_0 (2/(t+2))^(2/3))"),
    "n-pg-igt": GapRate(
        "n-pg-igt", 2.5, -0.4, 1,
        f"{_PAPER}, Theorem 1 (N-PG-IGT, Algorithm 1; gamma_t ~ 1/t, eta_t ~ t^-4/5, H = log(T+1)/(1-gamma)): "
        "J* - E J(theta_T) <= O((T+1)^(-2/5)) + sqrt(eps_bias)/(1-gamma); one trajectory per iteration, "
        "O~(eps^-2.5) trajectories"),
    "harpg": GapRate(
        "harpg", 2.0, -0.5, 2,
        f"{_PAPER}, Theorem 2 (HARPG, Algorithm 2; gamma_t ~ t^-1/2, eta_t ~ 1/t): J* - E J(theta_T) <= "
        "O((T+1)^(-1/2)) + sqrt(eps_bias)/(1-gamma); two trajectories per iteration, O~(eps^-2) trajectories"),
    "n-harpg": GapRate(
        "n-harpg", 2.0, -0.5, 2,
        f"{_PAPER}, Theorem 2 (N-HARPG, Algorithm 2 with normalised steps; gamma_t ~ 1/t, eta_t ~ 1/t): "
        "J* - E J(theta_T) <= O((T+1)^(-1/2)) + sqrt(eps_bias)/(1-gamma); two trajectories per iteration, "
        "O~(eps^-2) trajectories"),
}
RATED = tuple(_RATES)


def gap_rate(algorithm: str) -> GapRate:
    """The :class:`GapRate` of ``algorithm`` (module table); ``ValueError`` for a method without one."""
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a str, got {type(algorithm).__name__}")
    if algorithm not in _RATES:
        raise ValueError(f"algorithm {algorithm!r} has no stated gap rate; rated methods: {', '.join(RATED)} "
                         "(n-pg-momentum is the paper's ablation, without a theorem)")
    return _RATES[algorithm]


def bias_floor(eps_bias: float, gamma: float) -> float:
    """``sqrt(eps_bias) / (1 - gamma)``, the floor of Theorems 1-2 (constant 1 as the theorems write it)."""
    eps_bias = check_real(eps_bias, "eps_bias", low=0.0)
    gamma = check_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    return math.sqrt(eps_bias) / (1.0 - gamma)


def gap_bound(algorithm: str, trajectories: float, *, eps_bias: float = 0.0, gamma: float = 0.0) -> float:
    """The rate ``n^exponent + sqrt(eps_bias)/(1 - gamma)`` after ``n = trajectories`` (hidden constants taken as 1:
    a shape for plots and slopes, not a level to compare with)."""
    n = check_real(trajectories, "trajectories", low=1.0)
    return n ** gap_rate(algorithm).exponent + bias_floor(eps_bias, gamma)


def sample_complexity(algorithm: str, eps: float, *, eps_bias: float = 0.0, gamma: float = 0.0) -> float:
    """Trajectories ``eps'^-p`` (hidden constants and logs taken as 1) for ``E[J* - J(theta_T)] <= eps``, where
    ``eps' = eps - sqrt(eps_bias)/(1 - gamma)`` is the accuracy above the bias floor; ``inf`` when ``eps`` is at or
    below the floor (no number of trajectories gets there by the theorem)."""
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    above = eps - bias_floor(eps_bias, gamma)
    return math.inf if above <= 0 else above ** -gap_rate(algorithm).complexity
