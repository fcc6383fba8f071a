"""The auto-filter behind the policy "on-topic and not abusive". Pure Python: no Django.

Use it like this::

    from moderation import Context, Policy, moderate

    verdict = moderate(
        "You are a brainless idiot.",
        Context(article_text=article.text_for_relevance(), parent_text=parent.body),
        Policy(abuse_hold=0.5, abuse_reject=0.9, model=AbuseModel.load(path)),
    )
    verdict.action      # Action.HOLD / PUBLISH / REJECT
    verdict.codes       # ["abusive.insult"]
    verdict.scores      # {"abuse": 0.8, "model": 0.97, "off_topic": 0.0, "spam": 0.0, "shouting": 0.0}
    verdict.explain()   # "Your comment was held for review because it insults the person it answers."

The checks are listed in ``checks/__init__.py``; each returns ``Reason``s (``reasons.py``),
weighed against the policy's thresholds (``policy.py``). ``context.py`` builds the
context the same way for the web and the simulator. Every reason carries the spans of
text that triggered it, so a moderator sees why. The Django side
(``comments.services``) turns a verdict into a status and an audit row.
"""

from moderation.context import Context, Conversation, Recent, author_key, build_context
from moderation.core import Action, Verdict, moderate
from moderation.policy import Mode, Policy, TopicAction
from moderation.reasons import JUDGED, Family, Reason, family_of

__all__ = [
    "JUDGED",
    "Action",
    "Context",
    "Conversation",
    "Family",
    "Mode",
    "Policy",
    "Reason",
    "Recent",
    "TopicAction",
    "Verdict",
    "author_key",
    "build_context",
    "family_of",
    "moderate",
]
