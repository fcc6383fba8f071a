"""Moderator alerts from what happens to readers' comments: what to raise, and the payload it carries.

The services call these inside the transaction of what they tell of; the outbox stores one row per
subscription in it and sends them once it commits (``outbox.services.alert_raise``). The outbox sits below
this app and cannot read comments, so detecting a burst on a story or a long wait in the review queue is
done here, and ``manage.py check_alerts`` (in the outbox) runs :func:`check_queue` by name.

- ``comment.held``: a reader's comment the filter held.
- ``comment.reported``: a reader reported a published comment.
- ``story.held_burst``: a story has ``burst_threshold`` (N) or more comments held within the last hour; at
  most once an hour per story to each subscription, so the comments held after the Nth say nothing more.
- ``queue.waiting``: the oldest item waiting in the review queue has waited ``waiting_minutes`` (M) or more;
  once per episode: the next alert comes only after the queue has been seen back under M minutes. Nothing
  polls: an item entering the queue enqueues a check for M minutes later, and a decision or an undo (which
  alone make the queue's oldest item younger) enqueues one now, which ends the episode if it is over.

A payload names the comment, the story and where to act on it, and the filter's reasons (their codes and
labels), with a short excerpt of the text: never the author's email or address, nor any moderator's note
(docs/alerts.md).

Alerts never cost a reader their comment or report: what the services call here runs in a savepoint of their
transaction, and a failure in it is logged and rolls back the alert's rows alone (``_never_in_the_way``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from comments.models import REAL, Comment, CommentReport
from moderation.reasons import label_of
from outbox.models import AlertEvent
from outbox.selectors import alert_subscriptions, anyone_subscribed
from outbox.services import (
    absolute_url,
    alert_episode_close,
    alert_episode_open,
    alert_raise,
    alert_subscriptions_lock,
)

if TYPE_CHECKING:
    from django_tasks import task
else:
    try:  # Django 6.0 ships the framework; 5.2 the backport
        from django.tasks import task
    except ImportError:
        from django_tasks import task

logger = logging.getLogger(__name__)

# Which comments raise alerts, as a filter and as a test of one comment: readers' own, posted here; never the
# simulator's, nor imported ones (``source`` set: old news, moderated elsewhere), which neither alert nor count
# toward a burst or the queue's wait.
RAISES = REAL & Q(source=Comment.Source.NATIVE)


def raises_alerts(comment: Comment) -> bool:
    return comment.simulation_id is None and not comment.source


def _never_in_the_way(what: str, work: Callable[[], None], *, events: tuple[AlertEvent, ...]) -> None:
    """Run ``work`` (raising alerts) in a savepoint of the caller's transaction: if it fails, its rows and its
    on-commit tasks go, the failure is logged, and the comment or report it was about is stored all the same.
    Nothing at all (no savepoint) unless a subscription wants one of ``events``: the list is cached."""
    try:
        if not anyone_subscribed(events):
            return
        with transaction.atomic():
            work()
    except Exception:
        logger.exception("Moderator alerts for %s failed; it is stored without them.", what)


BURST_WINDOW = dt.timedelta(hours=1)
EXCERPT = 200


def comment_stored(*, comment: Comment) -> None:
    """A comment the filter has just judged: held (an alert, a burst on its story, a wait to watch), or
    published and flagged (a wait to watch)."""
    if not raises_alerts(comment) or not (comment.status == Comment.Status.HELD or comment.flagged):
        return  # a published comment: no alert, and not even the cached list is read
    watched = (AlertEvent.COMMENT_HELD, AlertEvent.STORY_HELD_BURST, AlertEvent.QUEUE_WAITING)
    _never_in_the_way(f"comment {comment.pk}", partial(_comment_stored, comment), events=watched)


def _comment_stored(comment: Comment) -> None:
    if comment.status == Comment.Status.HELD:
        held = alert_subscriptions(AlertEvent.COMMENT_HELD)
        if held:
            _raise_for_comment(AlertEvent.COMMENT_HELD, comment, [s.pk for s in held])
        bursts = alert_subscriptions(AlertEvent.STORY_HELD_BURST)
        if bursts:
            _check_burst(comment, bursts_for=[(s.pk, s.burst_threshold) for s in bursts])
    if comment.status == Comment.Status.HELD or comment.flagged:
        _watch_the_wait(since=comment.created_at)


def comment_reported(*, report: CommentReport) -> None:
    if raises_alerts(report.comment):
        watched = (AlertEvent.COMMENT_REPORTED, AlertEvent.QUEUE_WAITING)
        _never_in_the_way(f"the report {report.pk}", partial(_comment_reported, report), events=watched)


def _comment_reported(report: CommentReport) -> None:
    comment = report.comment
    reported = alert_subscriptions(AlertEvent.COMMENT_REPORTED)
    if reported:
        extra = {"report": {"reason": report.reason, "reason_label": report.get_reason_display()}}
        _raise_for_comment(AlertEvent.COMMENT_REPORTED, comment, [s.pk for s in reported], extra=extra)
    _watch_the_wait(since=report.created_at)


def queue_changed() -> None:
    """A decision or an undo: the queue's oldest item may have changed; check the wait once it commits."""
    try:
        if alert_subscriptions(AlertEvent.QUEUE_WAITING):
            transaction.on_commit(check_queue_task.enqueue, robust=True)
    except Exception:  # a decision never fails for its alerts
        logger.exception("Could not queue the check of the review queue's wait.")


def story_of(comment: Comment) -> dict[str, Any]:
    article = comment.article
    return {"id": article.pk, "title": article.headline, "url": absolute_url(article.get_absolute_url())}


def reasons_of(comment: Comment) -> list[dict[str, str]]:
    """The filter's reasons by their codes and the labels the desk lists them under. Not their messages: a
    message can carry a moderator's own words (a premoderation's sanction note, which may name a person), and
    an alert leaves the site for chat rooms and mailboxes."""
    found = []
    for reason in comment.explanation or []:
        code = str(reason.get("code", ""))
        try:
            label = label_of(code)
        except ValueError:
            label = code
        found.append({"code": code, "label": label})
    return found


def comment_payload(event: str, comment: Comment, *, at: dt.datetime) -> dict[str, Any]:
    excerpt = comment.body if len(comment.body) <= EXCERPT else comment.body[: EXCERPT - 1].rstrip() + "…"
    return {
        "event": event,
        "occurred_at": at.isoformat(),
        "comment": {
            "id": comment.pk,
            "status": comment.status,
            "excerpt": excerpt,
            "reasons": reasons_of(comment),
            "desk_url": absolute_url(reverse("admin:desk_reviewqueueitem_change", args=[comment.pk])),
        },
        "story": story_of(comment),
    }


def _raise_for_comment(
    event: AlertEvent, comment: Comment, subscription_ids: list[int], *, extra: dict[str, Any] | None = None
) -> None:
    payload = comment_payload(event.value, comment, at=timezone.now()) | (extra or {})
    story = payload["story"]["title"]
    what = "held for review" if event == AlertEvent.COMMENT_HELD else "reported by a reader"
    reasons = "; ".join(r["label"] for r in payload["comment"]["reasons"])
    if "report" in payload:
        reasons = payload["report"]["reason_label"]
    text = (
        f"A comment on “{story}” was {what}.\n\nWhy: {reasons or 'no reason given'}\n\n"
        f"“{payload['comment']['excerpt']}”\n\nDecide on it: {payload['comment']['desk_url']}\n"
        f"The story: {payload['story']['url']}"
    )
    alert_raise(
        event=event.value, subscription_ids=subscription_ids, payload=payload, key=f"comment:{comment.pk}",
        subject=f"Comment {what} on “{story}”"[:200], text=text,
    )  # fmt: skip


def _check_burst(comment: Comment, *, bursts_for: list[tuple[int, int]]) -> None:
    # Counted under the subscriptions' lock: a comment held at the same moment on another connection is then
    # either committed and counted, or waiting for this one to commit, when it counts this one.
    alert_subscriptions_lock(subscription_ids=[pk for pk, _ in bursts_for])
    now = timezone.now()
    held = (
        Comment.objects.filter(RAISES, article_id=comment.article_id, decision=Comment.Decision.HOLD)
        .filter(created_at__gte=now - BURST_WINDOW)
        .count()
    )
    passed = [pk for pk, threshold in bursts_for if held >= threshold]
    if not passed:
        return
    for threshold in sorted({n for pk, n in bursts_for if pk in passed}):
        story = story_of(comment)
        desk = reverse("admin:desk_reviewqueueitem_changelist") + f"?queue=held&article__id__exact={comment.article_id}"
        payload = {
            "event": AlertEvent.STORY_HELD_BURST.value, "occurred_at": now.isoformat(), "story": story,
            "held_in_last_hour": held, "threshold": threshold, "desk_url": absolute_url(desk),
        }  # fmt: skip
        text = (
            f"{held} comments on “{story['title']}” were held for review in the last hour (your threshold: "
            f"{threshold}).\n\nThe held comments: {payload['desk_url']}\nThe story: {story['url']}"
        )
        alert_raise(
            event=AlertEvent.STORY_HELD_BURST.value, payload=payload, key=f"story:{comment.article_id}",
            subscription_ids=[pk for pk, n in bursts_for if pk in passed and n == threshold],
            subject=f"{held} comments held within an hour on “{story['title']}”"[:200], text=text,
            once_per=BURST_WINDOW,
        )  # fmt: skip


def _watch_the_wait(*, since: dt.datetime) -> None:
    """An item entered the queue at ``since``: check the wait once it may have waited each subscription's M."""
    waiting = alert_subscriptions(AlertEvent.QUEUE_WAITING)
    for minutes in sorted({s.waiting_minutes for s in waiting}):
        transaction.on_commit(partial(check_queue_later, at=since + dt.timedelta(minutes=minutes)), robust=True)


def check_queue_later(*, at: dt.datetime) -> bool:
    """Enqueue a check for ``at``; False where the backend cannot wait (``manage.py check_alerts`` by cron
    then does it)."""
    if not check_queue_task.get_backend().supports_defer:
        logger.info("The task backend cannot defer a task: the queue's wait is checked by check_alerts.")
        return False
    check_queue_task.using(run_after=at).enqueue()
    return True


def oldest_waiting() -> tuple[dt.datetime | None, int]:
    """Since when the oldest item of the review queue has waited (held or flagged since it was posted,
    reported since its oldest open report), and how many wait: one query."""
    found = Comment.objects.needing_review().filter(RAISES).aggregate(
        posted=Min("created_at", filter=Q(status=Comment.Status.HELD) | Q(status=Comment.Status.PUBLISHED, flagged=True)),
        reported=Min("reports__created_at", filter=Q(status=Comment.Status.PUBLISHED, reports__resolved=False)),
        count=Count("pk", distinct=True),
    )  # fmt: skip
    times = [t for t in (found["posted"], found["reported"]) if t is not None]
    return (min(times) if times else None), int(found["count"] or 0)


def check_queue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Alert the subscriptions whose threshold the queue's oldest item has passed, once an episode; end the
    episode of those it is back under."""
    subscribed = alert_subscriptions(AlertEvent.QUEUE_WAITING)
    if not subscribed:
        return {"alerted": 0, "ended": 0}
    now = now or timezone.now()
    since, count = oldest_waiting()
    waited = (now - since) if since is not None else None
    over = [s for s in subscribed if waited is not None and waited >= dt.timedelta(minutes=s.waiting_minutes)]
    ended = alert_episode_close(subscription_ids=[s.pk for s in subscribed if s not in over])
    alerted = 0
    with transaction.atomic():
        fresh = set(alert_episode_open(subscription_ids=[s.pk for s in over], now=now))
        for minutes in sorted({s.waiting_minutes for s in over if s.pk in fresh}):
            assert since is not None and waited is not None
            desk = absolute_url(reverse("admin:desk_reviewqueueitem_changelist"))
            payload = {
                "event": AlertEvent.QUEUE_WAITING.value, "occurred_at": now.isoformat(),
                "oldest_waiting_since": since.isoformat(), "waited_minutes": int(waited.total_seconds() // 60),
                "threshold_minutes": minutes, "waiting": count, "desk_url": desk,
            }  # fmt: skip
            text = (
                f"The oldest item in the review queue has waited {payload['waited_minutes']} minutes (your "
                f"threshold: {minutes}); {count} wait in all.\n\nThe review queue: {desk}"
            )
            ids = [s.pk for s in over if s.pk in fresh and s.waiting_minutes == minutes]
            alerted += len(
                alert_raise(
                    event=AlertEvent.QUEUE_WAITING.value,
                    subscription_ids=ids,
                    payload=payload,
                    key=f"queue:{since.isoformat()}",
                    text=text,
                    subject=f"The review queue's oldest item has waited {payload['waited_minutes']} minutes",
                )  # fmt: skip
            )
    return {"alerted": alerted, "ended": ended}


@task()
def check_queue_task() -> dict[str, int]:
    return check_queue()
