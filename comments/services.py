"""Writes for comments. One path for a comment, whoever sends it: the page, the admin, the simulator.

Every function is keyword-only, validates, and runs in a transaction; every change
of status writes a ModerationEvent, so the audit trail is complete by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article

from .models import Comment, CommentReport, ModerationEvent, SimulationRun
from .moderation import Action, Context, Policy, Verdict, moderate
from .moderation.topic import conversation_vocabulary
from .policy import active_model, active_policy_record, policy_from_record
from .simulation.pipeline import CONVERSATION_MAX_OFF_TOPIC

STATUS_FOR_ACTION = {
    Action.PUBLISH: Comment.Status.PUBLISHED,
    Action.HOLD: Comment.Status.HELD,
    Action.REJECT: Comment.Status.REJECTED,
}
# How many of an article's published comments say what its readers talk about.
CONVERSATION_SAMPLE = 200


class CommentError(ValidationError):
    """A comment that cannot be accepted as sent; the message is for the reader."""


@dataclass(frozen=True)
class PostResult:
    comment: Comment
    verdict: Verdict | None  # None when the same form had been sent before
    duplicate_submission: bool = False


def _article_context(article: Article, parent: Comment | None, email: str, now: dt.datetime, window: int) -> Context:
    recent_since = now - dt.timedelta(minutes=window)
    recent = list(
        Comment.objects.real()
        .filter(article=article, created_at__gte=recent_since)
        .values_list("author_email", "body")[:200]
    )
    conversation_texts = (
        Comment.objects.real()
        .published()
        .filter(article=article, scores__off_topic__lt=CONVERSATION_MAX_OFF_TOPIC)
        .order_by("-created_at")
        .values_list("body", flat=True)[:CONVERSATION_SAMPLE]
    )
    email_key = email.strip().lower()
    return Context(
        article_text=article.text_for_relevance(),
        parent_text=parent.body if parent else "",
        conversation=dict(conversation_vocabulary(conversation_texts)),
        own_recent=tuple(body for author, body in recent if author.lower() == email_key),
        others_recent=tuple(body for author, body in recent if author.lower() != email_key),
        author_published_count=Comment.objects.real().published().filter(author_email__iexact=email_key).count(),
    )


def _validate(*, article: Article, parent: Comment | None, author_name: str, author_email: str, body: str) -> None:
    if parent is not None:
        if parent.article_id != article.pk:
            raise CommentError("The comment you are replying to belongs to another article.", code="parent_article")
        if parent.status != Comment.Status.PUBLISHED:
            raise CommentError(
                "The comment you are replying to is not published (it may have been removed).", code="parent_status"
            )
    if not body.strip():
        raise CommentError("Write a comment first.", code="empty")
    if "\x00" in body or "\x00" in author_name or "\x00" in author_email:
        raise CommentError("The comment contains a NUL character, which cannot be stored.", code="nul")
    if len(body) > settings.COMMENTS_BODY_MAX_LENGTH:
        raise CommentError(f"Keep it under {settings.COMMENTS_BODY_MAX_LENGTH} characters.", code="too_long")
    if not author_name.strip() or len(author_name) > settings.COMMENTS_NAME_MAX_LENGTH:
        raise CommentError("Give a name of at most 50 characters.", code="name")


def comment_post(
    *,
    article: Article,
    author_name: str,
    author_email: str,
    body: str,
    parent: Comment | None = None,
    ip_address: str | None = None,
    submission_token: str | None = None,
    policy: Policy | None = None,
    context: Context | None = None,
    simulation: SimulationRun | None = None,
    ground_truth: dict[str, bool] | None = None,
    created_at: dt.datetime | None = None,
    extra_reasons: Sequence[tuple[str, str]] = (),
) -> PostResult:
    """Moderate and store one comment, with its automatic decision audited.

    ``extra_reasons`` lets the caller add holds the text can't show (a form filled in
    too fast to be a person): each (code, message) holds the comment for review.
    """
    _validate(article=article, parent=parent, author_name=author_name, author_email=author_email, body=body)
    if submission_token:
        existing = Comment.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            return PostResult(existing, None, duplicate_submission=True)

    now = created_at or timezone.now()
    record = None
    if policy is None:
        record = active_policy_record()
        policy = policy_from_record(record)
    if context is None:
        window = record.duplicate_window_minutes if record else 10
        context = _article_context(article, parent, author_email, now, window)
    verdict = moderate(body, context, policy, active_model())
    status = STATUS_FOR_ACTION[verdict.action]
    reasons = [r.as_dict(body) for r in verdict.reasons]
    if extra_reasons and status == Comment.Status.PUBLISHED:
        status = Comment.Status.HELD
        reasons += [{"code": code, "score": 1.0, "message": message, "spans": [], "excerpts": []}
                    for code, message in extra_reasons]  # fmt: skip
    flagged = status == Comment.Status.PUBLISHED and bool(verdict.flagged)
    note = verdict.explain() if not extra_reasons else "held: " + "; ".join(m for _, m in extra_reasons)
    if flagged:
        reasons = [r.as_dict(body) for r in verdict.flagged]
        note = "Published and flagged for a moderator: it " + "; ".join(r.message for r in verdict.flagged) + "."
    decision = {
        Comment.Status.PUBLISHED: Comment.Decision.PUBLISH,
        Comment.Status.HELD: Comment.Decision.HOLD,
        Comment.Status.REJECTED: Comment.Decision.REJECT,
    }[status]

    comment = Comment(
        article=article,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=(parent.depth + 1) if parent else 0,
        author_name=author_name.strip(),
        author_email=author_email.strip(),
        body=body,
        created_at=now,
        status=status,
        decision=decision,
        reasons=[r["code"] for r in reasons],
        scores=verdict.scores,
        explanation=reasons,
        flagged=flagged,
        ip_address=ip_address,
        submission_token=submission_token or None,
        simulation=simulation,
        ground_truth=ground_truth or {},
    )
    try:
        with transaction.atomic():
            comment.save()
            ModerationEvent.objects.create(
                comment=comment,
                action=ModerationEvent.Action.AUTO,
                reason=",".join(comment.reasons)[:200],
                note=note,
                old_status="",
                new_status=status,
            )
    except IntegrityError:
        # The same form raced itself (a double click on two workers): keep the first.
        if submission_token:
            existing = Comment.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                return PostResult(existing, None, duplicate_submission=True)
        raise
    return PostResult(comment, verdict)


def _change_status(
    *, comment: Comment, actor: AbstractBaseUser | None, action: str, new_status: str, reason: str = "", note: str = ""
) -> Comment:
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        old_status = locked.status
        locked.status = new_status
        locked.open_reports = 0
        locked.flagged = False
        locked.save(update_fields=["status", "open_reports", "flagged"])
        CommentReport.objects.filter(comment=locked, resolved=False).update(resolved=True)
        ModerationEvent.objects.create(
            comment=locked,
            actor=actor,
            action=action,
            reason=reason,
            note=note,
            old_status=old_status,
            new_status=new_status,
        )
    comment.status, comment.open_reports, comment.flagged = new_status, 0, False
    return comment


def comment_approve(*, comment: Comment, actor: AbstractBaseUser | None, note: str = "") -> Comment:
    """Publish a held comment, or keep a reported or flagged one published and close its reports and flag."""
    action = ModerationEvent.Action.APPROVE
    if comment.status == Comment.Status.PUBLISHED and comment.open_reports:
        action = ModerationEvent.Action.DISMISS_REPORTS
    return _change_status(comment=comment, actor=actor, action=action, new_status=Comment.Status.PUBLISHED, note=note)


REJECT_REASONS = {
    "abusive": "Abusive",
    "off_topic": "Off-topic",
    "spam": "Spam",
    "other": "Other",
}


def comment_reject(*, comment: Comment, actor: AbstractBaseUser | None, reason: str, note: str = "") -> Comment:
    """Reject a held comment; a published one that is taken down is *removed* (a tombstone stays)."""
    if reason not in REJECT_REASONS:
        raise CommentError(f"Unknown reason {reason!r}; choose one of {', '.join(REJECT_REASONS)}.")
    if reason == "other" and not note.strip():
        raise CommentError("Say why in a note when the reason is 'other'.")
    if comment.status == Comment.Status.PUBLISHED:
        return _change_status(
            comment=comment, actor=actor, action=ModerationEvent.Action.REMOVE,
            new_status=Comment.Status.REMOVED, reason=reason, note=note,
        )  # fmt: skip
    return _change_status(
        comment=comment, actor=actor, action=ModerationEvent.Action.REJECT,
        new_status=Comment.Status.REJECTED, reason=reason, note=note,
    )  # fmt: skip


def comment_report(*, comment: Comment, reason: str, note: str = "", ip_address: str | None = None) -> CommentReport:
    """A reader flags a published comment: it stays up and enters the review queue."""
    if comment.status != Comment.Status.PUBLISHED:
        raise CommentError("Only published comments can be reported.")
    if reason not in CommentReport.Reason.values:
        raise CommentError("Choose a reason for the report.")
    with transaction.atomic():
        report = CommentReport.objects.create(comment=comment, reason=reason, note=note[:500], ip_address=ip_address)
        Comment.objects.filter(pk=comment.pk).update(open_reports=F("open_reports") + 1)
        ModerationEvent.objects.create(
            comment=comment,
            action=ModerationEvent.Action.REPORT,
            reason=reason,
            note=note[:500],
            old_status=comment.status,
            new_status=comment.status,
        )
    return report


def simulation_delete(*, run: SimulationRun) -> int:
    """Delete a simulation run with every comment it generated (their audit rows and reports go with them).

    Returns how many comments were deleted. Readers' comments are never touched: only the run's own.
    """
    with transaction.atomic():
        count = Comment.objects.filter(simulation=run).count()
        run.delete()  # the run's comments cascade, and their events and reports with them
    return count
