"""The active moderation policy, as the pure core's Policy."""

from __future__ import annotations

from django.core.cache import cache

from .models import ModerationPolicy
from .moderation import Policy

CACHE_KEY = "comments:active-policy"


def active_policy_record() -> ModerationPolicy:
    record = cache.get(CACHE_KEY)
    if record is None:
        record = ModerationPolicy.objects.filter(is_active=True).first()
        if record is None:
            record, _ = ModerationPolicy.objects.get_or_create(name="default", defaults={"is_active": True})
        cache.set(CACHE_KEY, record, 60)
    return record


def forget_active_policy() -> None:
    cache.delete(CACHE_KEY)


def policy_from_record(record: ModerationPolicy) -> Policy:
    return Policy(
        mode=record.mode,
        abuse_hold=record.abuse_hold,
        abuse_reject=record.abuse_reject,
        off_topic_hold=record.off_topic_hold,
        spam_hold=record.spam_hold,
        spam_reject=record.spam_reject,
        shouting_hold=record.shouting_hold,
        max_links=record.max_links,
        blocked_words=tuple(w.strip() for w in record.blocked_words.splitlines() if w.strip()),
        allowed_words=tuple(w.strip() for w in record.allowed_words.splitlines() if w.strip()),
        hold_first_comments=record.hold_first_comments,
    )
