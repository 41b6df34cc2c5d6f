"""Tabular learners: one file per algorithm, each a Numba kernel over K episodes (see each docstring).

Every learner acts greedily on its own estimates with ties broken towards the lowest action index (the papers leave
tie-breaking open). With optimistic values clipped at H, all actions tie at first: such a learner keeps playing
action 0 until its bonuses fall below the clip, which with the papers' confidence constants takes very long on
small problems; ``bonus_scale`` changes that, outside the theorems.

One vocabulary for the knobs: every optimism-based learner (UCBVI-CH/BF, MVP, UCB-H, UCB-B, LSVI-UCB) takes
``bonus_scale`` (the bonus is ``bonus_scale`` times the paper's, with the absolute constants a paper leaves free set
to documented defaults; 1, the default, is where the theorem holds) and ``delta`` (the confidence level; the
Q-learning and LSVI-UCB papers call it ``p``). Learner-specific extras keep their papers' names (PSRL's ``alpha0``,
eps-greedy's ``epsilon``, LSVI-UCB's ``phi`` and ``lam``, the actor-critic's ``eta``, ``switch_ratio``, ``N_off``,
``behaviour``). Each learner's ``params`` attribute lists its keyword
parameters (:class:`Param`: name, default, meaning, source); ``bounds.learner_params(name)`` returns it. The old
names ``p``, ``c``, ``c1``, ``c2`` are accepted for one release with a ``DeprecationWarning``.

Every learner's theorem assumes per-step mean rewards in [0, 1] (MVP's total reward in [0, 1] follows once it
divides them by ``H``); a model with other rewards is refused with a ``ValueError`` naming the learner and the entry,
unless ``reward_range=(lo, hi)`` asks for the affine map ``r' = (r - lo) / (hi - lo)`` into [0, 1] (with a warning).
The run records that range (``LearnerRun.reward_range``): returns, and regret measured on the model, stay in the
model's unit; divide regret by ``LearnerRun.reward_unit`` for the unit the paper's bound speaks of. Every parameter
is checked (type and range) and bad values are refused, naming the parameter.
"""

from ._common import LearnerRun, Param
from .actor_critic import ActorCriticRun, ac_hybrid, ac_hybrid_pessimistic, ac_optimistic
from .adv_linear_mdp import adv_linear_mdp
from .adv_logbarrier import AdversarialRun, adv_logbarrier
from .adv_luo21 import adv_luo21
from .adv_magnitude import adv_magnitude
from .greedy import eps_greedy, greedy
from .lmdp_model import lmdp_model_optimistic
from .lmdp_value import LMDPRun, lmdp_value_optimistic
from .lsvi_ucb import lsvi_ucb
from .mvp import mvp
from .omle import OMLERun, omle, omle_etc
from .psrl import psrl
from .qlearning import ucb_b, ucb_h
from .ucbvi import ucbvi_bf, ucbvi_ch

__all__ = [
    "ActorCriticRun", "AdversarialRun", "LMDPRun", "LearnerRun", "OMLERun", "Param", "ac_hybrid",
    "ac_hybrid_pessimistic", "ac_optimistic", "adv_linear_mdp", "adv_logbarrier", "adv_luo21", "adv_magnitude",
    "eps_greedy", "greedy", "lmdp_model_optimistic", "lmdp_value_optimistic", "lsvi_ucb", "mvp", "omle", "omle_etc",
    "psrl", "ucb_b", "ucb_h", "ucbvi_bf", "ucbvi_ch",
]
