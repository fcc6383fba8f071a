"""Reads for the desk: its queues and their counts, and the arrivals the staffing forecast is made from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from comments.models import REAL, Appeal, Comment, ModerationEvent

# The desk's queues, declared once: its tabs, their counts and the admin index's counts all read these, so
# a number on the index is the number of rows its link shows.
HELD = Q(status=Comment.Status.HELD)
READER_REPORTED = Q(status=Comment.Status.PUBLISHED, open_reports__gt=0)
FLAGGED = Q(status=Comment.Status.PUBLISHED, flagged=True)
# Comments whose author appealed a decision that hid them, waiting for a moderator (comments/appeals.py).
APPEALED = Q(Exists(Appeal.objects.filter(comment=OuterRef("pk"), status=Appeal.Status.OPEN)))
RECENT_DAYS = 7
QUEUE_TABS = {
    "review": "To review",
    "held": "Held",
    "reported": "Reported or flagged",
    "appeals": "Appeals",
    "recent": "All recent",
    "approved": "Approved",
    "rejected": "Rejected",
}


def queue_tab_filter(tab: str, *, now: dt.datetime | None = None) -> Q:
    """Which comments a desk tab lists; an unknown tab is the default one, what waits for a moderator."""
    if tab == "held":
        return HELD
    if tab == "reported":
        return READER_REPORTED | FLAGGED
    if tab == "appeals":
        return APPEALED
    if tab == "recent":
        return Q(created_at__gte=(now or timezone.now()) - dt.timedelta(days=RECENT_DAYS))
    if tab == "approved":
        approved = ModerationEvent.objects.filter(comment=OuterRef("pk"), action=ModerationEvent.Action.APPROVE)
        return Q(status=Comment.Status.PUBLISHED) & Q(Exists(approved))
    if tab == "rejected":
        return Q(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED])
    return HELD | READER_REPORTED | FLAGGED  # what Comment.objects.needing_review() reads


def by_traffic(comments: QuerySet[Comment], traffic: str | None, *, run_picked: bool = False) -> QuerySet[Comment]:
    """The desk's traffic filter: readers' comments unless the simulator's are asked for ("simulated"), or
    both ("all", or a simulation run picked, whose comments are all simulated)."""
    if traffic == "simulated":
        return comments.filter(simulation__isnull=False)
    if traffic == "all" or run_picked:
        return comments
    return comments.filter(REAL)


def queue_counts(comments: QuerySet[Comment] | None = None) -> dict[str, int]:
    """How many of ``comments`` (by default readers' comments, as the desk opens) each tab lists, and the
    index's slices of the Reported tab (reported by readers, flagged by the filter): one query."""
    if comments is None:
        comments = by_traffic(Comment.objects.all(), None)
    now = timezone.now()
    filters = {tab: queue_tab_filter(tab, now=now) for tab in QUEUE_TABS}
    filters |= {"reader_reported": READER_REPORTED, "flagged": FLAGGED}
    counts = comments.order_by().aggregate(**{key: Count("pk", filter=which) for key, which in filters.items()})
    return {key: int(counts[key] or 0) for key in filters}


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
