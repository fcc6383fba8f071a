"""Signs a form was filled in by a program: the hidden field filled in, or sent faster than a person writes.

Not scored: either sign holds the comment for a person to look at (never rejects it).
"""

from __future__ import annotations

from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Reason

SCORE = None


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    reasons = []
    if context.honeypot_filled:
        reasons.append(Reason("bot.honeypot", 1.0, "filled in a field people cannot see"))
    if context.seconds_to_write is not None and context.seconds_to_write < policy.min_seconds_to_write:
        reasons.append(Reason("bot.too_fast", 1.0, "was sent faster than a person can write"))
    return reasons
