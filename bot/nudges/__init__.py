"""The nudges: one module per rule, each a pure function of a pair's facts.

To find a rule, open the module named after it; RULES lists them in the order they are checked.
"""

from bot.nudges import (
    mentor_leading,
    park_it,
    purpose_over_friendship,
    running_out_of_steam,
    see_differently,
    stay_curious,
    too_polite,
    your_turn_to_lead,
)
from bot.nudges.rule import NudgeRule

RULES: tuple[NudgeRule, ...] = (
    mentor_leading.RULE,
    stay_curious.RULE,
    too_polite.RULE,
    park_it.RULE,
    see_differently.RULE,
    running_out_of_steam.RULE,
    purpose_over_friendship.RULE,
    your_turn_to_lead.RULE,
)
