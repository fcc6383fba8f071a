"""How the filter does on the live site, read from the audit trail (no labelling needed).

A comment the filter held and a moderator approved was a false hold; one a moderator
rejected, a true one. A published comment a moderator later removed (after readers'
reports) got past the filter: a leak. Per reason code, and week by week.

Only the filter's own holds are its hits and mistakes, told by the reason codes stored on the
comment. A comment held by rule (its commenter on pre-moderation, by a sanction or by their week's
rejections; among their first comments; a policy or a story holding every comment) was never
judged, so approving it proves the filter wrong in nothing: such holds are counted apart.

The same decisions, as clean and abusive comments, draw the site's trade-off curve of the learned model's hold
level (``policies.shares.tradeoff``): ``decided_comments``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from comments.models import Comment, ModerationEvent
from moderation.reasons import filter_codes
from policies.selectors import decision_records


@dataclass
class CodeQuality:
    code: str
    held_decided: int = 0
    approved: int = 0  # false holds
    rejected: int = 0

    @property
    def precision(self) -> float | None:
        return self.rejected / self.held_decided if self.held_decided else None


@dataclass
class WeekQuality:
    start: dt.date
    held_decided: int = 0
    rejected: int = 0
    leaks: int = 0
    waits: list[float] = field(default_factory=list)

    @property
    def agreement(self) -> float | None:
        """Of the held comments moderators decided, the share they rejected: the filter was right to hold."""
        return self.rejected / self.held_decided if self.held_decided else None

    @property
    def median_wait_hours(self) -> float | None:
        return statistics.median(self.waits) / 3600 if self.waits else None


@dataclass
class LiveQuality:
    codes: list[CodeQuality]
    weeks: list[WeekQuality]
    leaks: int
    leaks_by_reason: dict[str, int]
    rule_holds: int = 0  # held by rule, not by the filter, and decided: in no precision above


def decided_comments() -> list[tuple[str, bool]]:
    """The site's moderator decisions on real comments as (text, abusive), as ``manage.py train_filter
    --from-decisions`` learns from them (``policies.selectors.decision_records``): the latest decision on each
    stands; approved (or kept published over reports) and still published is clean, rejected or removed as
    abusive is abusive, and other reasons say nothing about abuse."""
    return [(record.text, record.abusive) for record in decision_records()]


def live_quality(*, weeks: int = 12, now: dt.datetime | None = None) -> LiveQuality:
    """The filter's real precision on this site, from moderators' decisions on readers' comments."""
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=weeks)
    events = (
        ModerationEvent.objects.by_moderators()
        .filter(created_at__gte=since, comment__simulation__isnull=True)
        .select_related("comment")
        .order_by("created_at", "id")
    )
    codes: dict[str, CodeQuality] = {}
    by_week: dict[dt.date, WeekQuality] = {}
    leaks_by_reason: dict[str, int] = defaultdict(int)
    leaks = rule_holds = 0
    for event in events:
        day = timezone.localtime(event.created_at).date()
        start = day - dt.timedelta(days=day.weekday())
        week = by_week.setdefault(start, WeekQuality(start))
        if event.old_status == Comment.Status.HELD:
            # Moderators' time to a decision counts whatever held the comment.
            week.waits.append((event.created_at - event.comment.created_at).total_seconds())
            codes_given = filter_codes(event.comment.reasons or [])
            if not codes_given:
                rule_holds += 1
                continue
            rejected = event.action == ModerationEvent.Action.REJECT
            week.held_decided += 1
            week.rejected += rejected
            for code in codes_given:
                row = codes.setdefault(code, CodeQuality(code))
                row.held_decided += 1
                row.rejected += rejected
                row.approved += not rejected
        elif event.action == ModerationEvent.Action.REMOVE and event.old_status == Comment.Status.PUBLISHED:
            week.leaks += 1
            leaks += 1
            leaks_by_reason[event.reason or "other"] += 1
    return LiveQuality(
        codes=sorted(codes.values(), key=lambda c: -c.held_decided),
        weeks=[by_week[k] for k in sorted(by_week)],
        leaks=leaks,
        leaks_by_reason=dict(leaks_by_reason),
        rule_holds=rule_holds,
    )
