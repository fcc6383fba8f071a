"""A commenter on pre-moderation: put there by a moderator, or by their own week of rejected comments.

Not scored: the policy's ``premoderate_rejected_share`` is the threshold.
"""

from __future__ import annotations

from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Reason

SCORE = None
# Fewer comments than this in a week say too little about anyone.
MIN_WEEK_COMMENTS = 3


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    if context.author_premoderated:
        return [Reason("commenter.premoderated", 1.0, context.author_premoderated)]
    share, total, rejected = (
        policy.premoderate_rejected_share,
        context.author_week_comments,
        context.author_week_rejected,
    )
    if share and total >= MIN_WEEK_COMMENTS and rejected >= share * total:
        return [
            Reason(
                "commenter.rejected_often",
                1.0,
                f"comes from an address {rejected} of whose {total} comments this week were not published, "
                "so a moderator reads it first",
            )
        ]
    return []
