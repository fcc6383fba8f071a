"""The same words again within the policy's window: one author repeating, or several copy-pasting."""

from __future__ import annotations

from moderation.context import Context
from moderation.normalize import Text, fingerprint
from moderation.policy import Policy
from moderation.reasons import Reason

SCORE = "spam"


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    if not context.own_recent and not context.others_recent:
        return []
    mark = fingerprint(text.raw)
    if len(mark) < 12:  # "Agreed." twice is a conversation, not spam
        return []
    if any(fingerprint(t) == mark for t in context.own_recent):
        return [Reason("spam.duplicate", 0.9, "repeats a comment you posted a few minutes ago")]
    # The same words from two or more other people within minutes: a copy-paste campaign.
    if len(mark) >= 30 and sum(1 for t in context.others_recent if fingerprint(t) == mark) >= 2:
        return [Reason("spam.duplicate", 0.6, "is word for word the same as other recent comments")]
    return []
