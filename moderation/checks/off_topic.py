"""Whether a comment is about the article, the thread it joins or what its readers discuss (``topic.py``)."""

from __future__ import annotations

from moderation import topic
from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Family, Reason

SCORE = "off_topic"


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    relevance = topic.off_topic_score(
        text.folded,
        article_text=context.article_text,
        parent_text=context.parent_text,
        thread=context.thread,
        conversation=context.conversation,
        # Kept by the raw text: the conversation reads them again if the comment joins it.
        terms=topic.comment_terms(text.raw, text.folded),
    )
    if not relevance.judged:
        return []
    # Which words it talks of only matters for a reason a person will read: one that holds or flags.
    decisive = relevance.probability >= min(policy.off_topic_flag, policy.off_topic_hold)
    message = _message(relevance, text.folded, context, quote=decisive)
    return [Reason(Family.OFF_TOPIC.value, relevance.probability, message)]


def _message(relevance: topic.TopicResult, folded: str, context: Context, *, quote: bool) -> str:
    where = "the article" + (" or the comment it answers" if context.parent_text else "")
    words = topic.surface_words(folded, relevance.unrelated) if quote else []
    if not words:
        return f"may be off-topic: it shares little with {where}"
    quoted = ", ".join(f"“{w}”" for w in words)
    return f"may be off-topic: it talks of {quoted} and shares little with {where}"
