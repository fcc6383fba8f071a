"""The auto-filter behind the policy "on-topic and not abusive". Pure Python: no Django.

Use it like this::

    from comments.moderation import Context, Policy, moderate

    verdict = moderate(
        "You are a brainless idiot.",
        Context(article_text=article.text_for_relevance(), parent_text=parent.body),
        Policy(abuse_hold=0.5, abuse_reject=0.9),
    )
    verdict.action      # Action.HOLD / PUBLISH / REJECT
    verdict.codes       # ["abusive.insult"]
    verdict.scores      # {"abuse": 0.8, "off_topic": 0.0, "spam": 0.0, "shouting": 0.0}
    verdict.explain()   # "Your comment was held for review because it insults the person it answers."

Every reason carries the spans of text that triggered it, so a moderator sees why.
The Django side (``comments.services``) turns a verdict into a status and an audit row.
"""

from .core import Action, Context, Mode, Policy, Reason, TopicAction, Verdict, moderate
from .profanity import ProfanityChecker, default_checker
from .topic import conversation_vocabulary

__all__ = [
    "Action",
    "Context",
    "Mode",
    "Policy",
    "ProfanityChecker",
    "Reason",
    "TopicAction",
    "Verdict",
    "conversation_vocabulary",
    "default_checker",
    "moderate",
]
