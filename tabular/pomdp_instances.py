"""Classic POMDPs, each with its source and its exact conventions (state, action and observation order; when the
observation is drawn; the discount). Each factory takes exactly one of ``gamma`` or ``H``; given neither, the
source's discount is used."""

from __future__ import annotations

import numpy as np

from .pomdp import POMDP


def _horizon_or_discount(gamma: float | None, H: int | None, default_gamma: float) -> dict:
    return {"gamma": default_gamma} if gamma is None and H is None else {"gamma": gamma, "H": H}


def tiger(gamma: float | None = None, H: int | None = None) -> POMDP:
    """Tiger (Kaelbling, Littman & Cassandra 1998, "Planning and acting in partially observable stochastic domains",
    AIJ 101; Cassandra, Kaelbling & Littman 1994), as in POMDPModels.jl ``TigerPOMDP`` and SARSOP's ``Tiger.pomdp``.

    States: 0 tiger-left, 1 tiger-right. Actions: 0 listen, 1 open-left, 2 open-right. Observations: 0 hear-left,
    1 hear-right. Listening costs -1, leaves the tiger where it is and hears it on its side with probability 0.85.
    Opening the tiger's door gives -100, the other door +10; either opening resets the tiger uniformly and its
    observation is uniform (uninformative). Rewards depend on ``(s, a)``; initial belief uniform; discount 0.95 by
    default (the R ``pomdp`` package's ``Tiger`` uses 0.75: pass ``gamma``). V*(1/2, 1/2) = 19.3714 at 0.95."""
    P = np.zeros((2, 3, 2))
    P[:, 0, :] = np.eye(2)
    P[:, 1:, :] = 0.5
    O = np.zeros((3, 2, 2))
    O[0] = [[0.85, 0.15], [0.15, 0.85]]
    O[1:] = 0.5
    R = np.array([[-1.0, -100.0, 10.0],
                  [-1.0, 10.0, -100.0]])
    return POMDP(P, O, R, initial=np.full(2, 0.5), name="tiger", **_horizon_or_discount(gamma, H, 0.95))


def crying_baby(gamma: float | None = None, H: int | None = None) -> POMDP:
    """Crying baby, as POMDPModels.jl's ``BabyPOMDP`` (defaults ``r_hungry = -10``, ``r_feed = -5``,
    ``p_become_hungry = 0.1``, ``p_cry_when_hungry = 0.8``, ``p_cry_when_not_hungry = 0.1``, discount 0.9; after
    Kochenderfer, "Decision Making Under Uncertainty", 2015, ch. 6).

    States: 0 not hungry, 1 hungry. Actions: 0 feed, 1 ignore. Observations: 0 quiet, 1 crying. Feeding makes the
    baby not hungry; ignored, a hungry baby stays hungry and a sated one becomes hungry with probability 0.1. The cry
    is drawn from the state after the transition (0.8 if hungry, 0.1 if not), whatever the action. The reward is on
    the state before the transition: -10 if hungry, plus -5 for feeding. Starts not hungry (a point belief).
    V*(not hungry) = -16.3055 at 0.9 (NativeSARSOP.jl's test: -16.3, atol 0.01)."""
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = 1.0
    P[0, 1] = [0.9, 0.1]
    P[1, 1] = [0.0, 1.0]
    O = np.array([[0.9, 0.1],  # O[s', o]: the same for both actions
                  [0.2, 0.8]])
    R = np.array([[-5.0, 0.0],
                  [-15.0, -10.0]])
    return POMDP(P, O, R, initial=np.array([1.0, 0.0]), name="crying-baby", **_horizon_or_discount(gamma, H, 0.9))
