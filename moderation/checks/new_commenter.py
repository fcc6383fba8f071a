"""A commenter's first few comments, which the policy may want a moderator to read first.

Not scored: the policy's ``hold_first_comments`` is the threshold.
"""

from __future__ import annotations

from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Reason

SCORE = None


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    count = context.author_published_count
    if policy.hold_first_comments and count is not None and count < policy.hold_first_comments:
        return [Reason("new_commenter", 1.0, "is among your first comments here, which a moderator reads first")]
    return []
