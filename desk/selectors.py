from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from comments.models import Comment, ModerationEvent


def held_arrivals_by_hour(*, days: int = 28, now: dt.datetime | None = None) -> list[float]:
    """Readers' comments the filter held, per hour of the (local) day, averaged over the last ``days``."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    held = ModerationEvent.objects.filter(
        action=ModerationEvent.Action.AUTO,
        new_status=Comment.Status.HELD,
        comment__simulation__isnull=True,
        created_at__gte=since,
    )
    return _per_hour(held.values_list("created_at", flat=True), days)


def arrivals_by_hour(*, days: int = 28, now: dt.datetime | None = None) -> list[float]:
    """Every reader's comment per hour of the (local) day, averaged over the last ``days``."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    posted = Comment.objects.real().filter(created_at__gte=since)
    return _per_hour(posted.values_list("created_at", flat=True), days)


def _per_hour(times: QuerySet[Any, dt.datetime], days: int) -> list[float]:
    counts = [0] * 24
    for at in times.iterator():
        counts[timezone.localtime(at).hour] += 1
    return [n / days for n in counts]
