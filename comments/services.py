"""Writes for comments. One path for a comment, whoever sends it: the page, the admin, the simulator.

Every function is keyword-only, validates, and runs in a transaction; every change
of status writes a ModerationEvent, so the audit trail is complete by construction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article

from . import limits, notifications
from .models import (
    Comment,
    Commenter,
    CommentReport,
    ControlEvent,
    ModerationEvent,
    ModerationPolicy,
    Sanction,
    SimulationRun,
    SiteSwitch,
    StorySettings,
)
from .moderation import JUDGED, Action, Context, Mode, Policy, Verdict, moderate
from .moderation.context import joins_conversation
from .moderation.normalize import fingerprint_key
from .policy import active_policy_record, forget_active_policy, live_policy, policy_from_record, shadow_policy_record
from .sanitize import has_visible_text
from .selectors import (
    active_sanctions,
    forget_counts,
    forget_site_switch,
    moderation_context,
    story_state,
    week_record,
)

STATUS_FOR_ACTION = {
    Action.PUBLISH: Comment.Status.PUBLISHED,
    Action.HOLD: Comment.Status.HELD,
    Action.REJECT: Comment.Status.REJECTED,
}


class CommentError(ValidationError):
    """A comment that cannot be accepted as sent; the message is for the reader."""


@dataclass(frozen=True)
class PostResult:
    comment: Comment
    verdict: Verdict | None  # None when the same form had been sent before
    duplicate_submission: bool = False
    warnings: list[str] = field(default_factory=list)  # a moderator's warnings, to show the commenter now


@dataclass(frozen=True)
class Submission:
    """How a comment reached the page: from where, with which form, and the form's signs of a program."""

    ip_address: str | None = None
    token: str | None = None  # the same token twice is the same form sent twice
    honeypot_filled: bool = False
    seconds_to_write: float | None = None
    # The address this browser confirmed (its signed identity cookie), if any.
    verified_email: str | None = None


@dataclass(frozen=True)
class Simulated:
    """What the simulator adds to a comment: its run, its clock, its ground truth, and the policy
    and context it judged the comment with (built from its own stream, not the database)."""

    run: SimulationRun
    created_at: dt.datetime
    policy: Policy
    context: Context
    ground_truth: dict[str, bool] = field(default_factory=dict)


def normalise_email(email: str) -> str:
    """An address as stored: lower-cased, so "this reader's comments" is an exact, indexed match."""
    return email.strip().lower()


def _validate(*, article: Article, parent: Comment | None, author_name: str, author_email: str, body: str) -> None:
    """The rules a comment must keep, whoever sends it (the form only checks its shape)."""
    if parent is not None:
        if parent.article_id != article.pk:
            raise CommentError("The comment you are replying to is not on this article.", code="parent_article")
        if parent.status != Comment.Status.PUBLISHED:
            raise CommentError(
                "The comment you are replying to is no longer published (it may have been removed).",
                code="parent_status",
            )
    if not has_visible_text(body):
        raise CommentError("Write a comment first.", code="empty")
    if "\x00" in body or "\x00" in author_name or "\x00" in author_email:
        raise CommentError("The comment contains a NUL character, which cannot be stored.", code="nul")
    if len(body) > limits.BODY_MAX_LENGTH:
        raise CommentError(f"Keep it under {limits.BODY_MAX_LENGTH} characters.", code="too_long")
    if not has_visible_text(author_name) or len(author_name.strip()) > limits.NAME_MAX_LENGTH:
        raise CommentError(f"Give a name of at most {limits.NAME_MAX_LENGTH} characters.", code="name")
    if not author_email.strip() or len(author_email.strip()) > limits.EMAIL_MAX_LENGTH:
        raise CommentError(f"Give an email address of at most {limits.EMAIL_MAX_LENGTH} characters.", code="email")


def comment_post(
    *,
    article: Article,
    author_name: str,
    author_email: str,
    body: str,
    parent: Comment | None = None,
    submission: Submission | None = None,
    notify_replies: bool = False,
) -> PostResult:
    """Moderate and store one reader's comment, with its automatic decision audited.

    ``notify_replies``: the author asked to be emailed when someone replies to it."""
    _validate(article=article, parent=parent, author_name=author_name, author_email=author_email, body=body)
    submission = submission or Submission()
    now = timezone.now()
    record = active_policy_record()
    state = story_state(article=article, auto_close_days=record.auto_close_days)
    if not state.open:
        raise CommentError(state.message, code="closed")
    email = normalise_email(author_email)
    sanctions = active_sanctions(email=email, at=now)
    _refuse_if_barred(sanctions)
    policy = live_policy()
    if state.mode:  # the story's own way of moderating overrides the site's
        policy = replace(policy, mode=Mode(state.mode))
    # Only a browser that confirmed this address earns its published record (a regular's address typed
    # elsewhere is a newcomer's); until then the policy's new-commenter rule decides.
    verified = bool(submission.verified_email) and submission.verified_email == email
    context = moderation_context(
        article=article, parent=parent, author_name=author_name, author_email=author_email, body=body, at=now,
        policy=policy, honeypot_filled=submission.honeypot_filled, seconds_to_write=submission.seconds_to_write,
        author_known=verified,
    )  # fmt: skip
    week_total, week_rejected = week_record(email=email, at=now)
    premoderated = next((s for s in sanctions if s.kind == Sanction.Kind.PREMODERATE), None)
    context = replace(
        context,
        author_week_comments=week_total,
        author_week_rejected=week_rejected,
        author_premoderated=(
            f"comes from a commenter whose comments a moderator reads first ({premoderated.reason})"
            if premoderated
            else ""
        ),
    )
    comment = Comment(
        article=article, parent=parent, author_name=author_name, author_email=author_email, body=body,
        created_at=now, ip_address=submission.ip_address, submission_token=submission.token or None,
        notify_replies=notify_replies,
    )  # fmt: skip
    shadow = shadow_policy_record()
    if shadow is not None:  # a draft tried on live traffic: one more run of the filter, deciding nothing
        shadow_verdict = moderate(body, context, policy_from_record(shadow))
        comment.shadow_decision = shadow_verdict.action.value
        comment.shadow_reasons = [r.code for r in shadow_verdict.reasons]
        comment.shadow_policy = shadow.name
    try:
        verdict = _judge_and_store(comment, policy, context)
    except IntegrityError:
        # The token is unique: the same form was stored before (the page looks for that first; this is a
        # double click racing itself on two workers). Keep the first.
        existing = Comment.objects.filter(submission_token=submission.token).first() if submission.token else None
        if existing is None:
            raise
        return PostResult(_same_form(existing, author_email, body), None, duplicate_submission=True)
    commenter, _ = Commenter.objects.get_or_create(email=email)
    if not verified:
        notifications.queue_confirmation(comment=comment, commenter=commenter)
    warnings = [s for s in sanctions if s.kind == Sanction.Kind.WARN and s.seen_at is None]
    if warnings:  # shown on this post, once
        Sanction.objects.filter(pk__in=[s.pk for s in warnings]).update(seen_at=now)
    return PostResult(comment, verdict, warnings=[s.reason for s in warnings])


def _refuse_if_barred(sanctions: list[Sanction]) -> None:
    for sanction in sanctions:
        if sanction.kind in (Sanction.Kind.BAN, Sanction.Kind.SUSPEND):
            until = f" until {timezone.localtime(sanction.ends_at):%-d %B %Y, %H:%M}" if sanction.ends_at else ""
            what = "suspended" if sanction.kind == Sanction.Kind.SUSPEND else "banned"
            raise CommentError(
                f"You cannot comment here{until}: a moderator {what} this address ({sanction.reason}).", code=what
            )


def sanction_add(
    *, kind: str, reason: str, actor: User | None, email: str = "", domain: str = "", days: int | None = None
) -> Sanction:
    """Warn, pre-moderate, suspend or ban a commenter (or, for a ban, an email domain); audited."""
    email, domain = sanction_check(kind=kind, reason=reason, email=email, domain=domain, days=days)
    ends = timezone.now() + dt.timedelta(days=days) if days else None
    with transaction.atomic():
        sanction = Sanction.objects.create(
            email=email, domain=domain, kind=kind, reason=reason.strip()[:500], created_by=actor, ends_at=ends
        )
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.SANCTION,
            detail=f"{sanction.get_kind_display()} for {email or '@' + domain}"
            + (f" until {ends:%Y-%m-%d %H:%M}" if ends else "") + f": {sanction.reason}",
        )  # fmt: skip
    return sanction


def sanction_check(*, kind: str, reason: str, email: str, domain: str, days: int | None) -> tuple[str, str]:
    """The rules a sanction keeps (the admin's form asks the same): returns the address and domain normalised."""
    email, domain = normalise_email(email) if email.strip() else "", domain.strip().lower().lstrip("@")
    if kind not in Sanction.Kind.values:
        raise CommentError(f"Unknown sanction {kind!r}.")
    if not reason.strip():
        raise CommentError("Give the reason: the commenter is told it.")
    if bool(email) == bool(domain):
        raise CommentError("Sanction one email address, or (a ban only) one email domain.")
    if domain and kind != Sanction.Kind.BAN:
        raise CommentError("Only a ban can cover a whole email domain.")
    if kind == Sanction.Kind.SUSPEND and not days:
        raise CommentError("A suspension needs an end: give a number of days.")
    if days is not None and days <= 0:
        raise CommentError("The number of days must be more than 0.")
    return email, domain


def sanction_lift(*, sanction: Sanction, actor: User | None) -> Sanction:
    """End a sanction early; audited like its start."""
    with transaction.atomic():
        if sanction.lifted_at is None:
            sanction.lifted_at, sanction.lifted_by = timezone.now(), actor
            sanction.save(update_fields=["lifted_at", "lifted_by"])
            ControlEvent.objects.create(
                actor=actor, action=ControlEvent.Action.LIFT,
                detail=f"{sanction.get_kind_display()} for {sanction.email or '@' + sanction.domain} lifted",
            )  # fmt: skip
    return sanction


def _same_form(existing: Comment, author_email: str, body: str) -> Comment:
    """The comment stored from this form before, if the same person sent the same words: a token is not a key
    to somebody else's comment (their held comment would otherwise show as the sender's own)."""
    if existing.author_email == normalise_email(author_email) and existing.body == body:
        return existing
    raise CommentError("This form was already used to post a comment. Press Post comment again.", code="token")


def comment_post_simulated(
    *, article: Article, author_name: str, author_email: str, body: str, parent: Comment | None, simulated: Simulated
) -> PostResult:
    """Store one simulated comment through the same judgement and audit as a reader's, marked as its run's."""
    _validate(article=article, parent=parent, author_name=author_name, author_email=author_email, body=body)
    comment = Comment(
        article=article, parent=parent, author_name=author_name, author_email=author_email, body=body,
        created_at=simulated.created_at, simulation=simulated.run, ground_truth=simulated.ground_truth,
    )  # fmt: skip
    return PostResult(comment, _judge_and_store(comment, simulated.policy, simulated.context))


def _judge_and_store(comment: Comment, policy: Policy, context: Context) -> Verdict:
    """The one path: the verdict becomes the status, the stored reasons and the audit note, all three alike."""
    verdict = moderate(comment.body, context, policy)
    status = STATUS_FOR_ACTION[verdict.action]
    flagged = status == Comment.Status.PUBLISHED and bool(verdict.flagged)
    shown = verdict.flagged if flagged else verdict.reasons
    note = verdict.explain()
    if flagged:
        note = "Published and flagged for a moderator: it " + "; ".join(r.message for r in verdict.flagged) + "."
    parent = comment.parent
    comment.root = (parent.root or parent) if parent else None
    comment.depth = (parent.depth + 1) if parent else 0
    comment.author_name = comment.author_name.strip()
    comment.author_email = normalise_email(comment.author_email)
    comment.fingerprint = fingerprint_key(comment.body)
    comment.in_conversation = joins_conversation(status == Comment.Status.PUBLISHED, verdict.scores.get("off_topic", 1.0))
    comment.status = status
    comment.decision = Comment.Decision(verdict.action.value)
    comment.reasons = [r.code for r in shown]
    comment.scores = verdict.scores
    comment.explanation = [r.as_dict(comment.body) for r in shown]
    comment.flagged = flagged
    with transaction.atomic():
        comment.save()
        _count_reply(comment, +1 if status == Comment.Status.PUBLISHED else 0)
        forget_counts(article_id=comment.article_id)
        if status == Comment.Status.PUBLISHED and parent is not None:
            notifications.queue_reply(reply=comment)
        ModerationEvent.objects.create(
            comment=comment,
            action=ModerationEvent.Action.AUTO,
            reason=",".join(comment.reasons)[:200],
            note=note,
            old_status="",
            new_status=status,
        )
    return verdict


def _count_reply(comment: Comment, change: int) -> None:
    """Keep the thread's count of published readers' replies as a reply is published or taken down."""
    if change and comment.root_id is not None and comment.simulation_id is None:
        Comment.objects.filter(pk=comment.root_id).update(reply_count=F("reply_count") + change)


def _change_status(
    *, comment: Comment, actor: User | None, action: str, new_status: str, reason: str = "", note: str = ""
) -> Comment:
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        old_status = locked.status
        locked.status = new_status
        locked.open_reports = 0
        locked.flagged = False
        locked.save(update_fields=["status", "open_reports", "flagged"])
        published = Comment.Status.PUBLISHED
        _count_reply(locked, (new_status == published) - (old_status == published))
        forget_counts(article_id=locked.article_id)
        CommentReport.objects.filter(comment=locked, resolved=False).update(resolved=True)
        event = ModerationEvent.objects.create(
            comment=locked,
            actor=actor,
            action=action,
            reason=reason,
            note=note,
            old_status=old_status,
            new_status=new_status,
        )
        # The author of a held comment hears the decision; a reply now published reaches whom it answers.
        if old_status == Comment.Status.HELD and new_status in (published, Comment.Status.REJECTED):
            notifications.queue_decision(comment=locked, event=event)
        if new_status == published and old_status != published and locked.parent_id is not None:
            notifications.queue_reply(reply=locked)
    comment.status, comment.open_reports, comment.flagged = new_status, 0, False
    return comment


def comment_approve(*, comment: Comment, actor: User | None, note: str = "") -> Comment:
    """Publish a held comment, or keep a reported or flagged one published and close its reports and flag."""
    action = ModerationEvent.Action.APPROVE
    if comment.status == Comment.Status.PUBLISHED and comment.open_reports:
        action = ModerationEvent.Action.DISMISS_REPORTS
    return _change_status(comment=comment, actor=actor, action=action, new_status=Comment.Status.PUBLISHED, note=note)


# What a moderator rejects a comment for: the families a comment can truly belong to, or something else.
REJECT_REASONS = {**{family.value: family.label for family in JUDGED}, "other": "Other"}


def comment_reject(*, comment: Comment, actor: User | None, reason: str, note: str = "") -> Comment:
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
    if ip_address and CommentReport.objects.filter(comment=comment, ip_address=ip_address, resolved=False).exists():
        raise CommentError("You have already reported this comment; a moderator will look at it.")
    with transaction.atomic():
        note = note[: limits.REPORT_NOTE_MAX_LENGTH]
        report = CommentReport.objects.create(comment=comment, reason=reason, note=note, ip_address=ip_address)
        Comment.objects.filter(pk=comment.pk).update(open_reports=F("open_reports") + 1)
        ModerationEvent.objects.create(
            comment=comment,
            action=ModerationEvent.Action.REPORT,
            reason=reason,
            note=note,
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


# The fields a policy's editor sets (all but its name and its bookkeeping), read from the model so a field
# added later is shown too: what a change of live policy shows, field by field.
POLICY_FIELDS = tuple(
    f.name
    for f in ModerationPolicy._meta.concrete_fields
    if f.name not in {"id", "name", "is_active", "is_shadow", "updated_at"}
)


def policy_difference(live: ModerationPolicy | None, draft: ModerationPolicy) -> list[tuple[str, Any, Any]]:
    """(field, live value, draft value) for each field the draft would change."""
    return [
        (name, getattr(live, name, None), getattr(draft, name))
        for name in POLICY_FIELDS
        if live is None or getattr(live, name) != getattr(draft, name)
    ]


def policy_activate(*, policy: ModerationPolicy, actor: User | None = None) -> ModerationPolicy:
    """Make this policy the live one (and no other), and have every worker read it afresh; audited with what
    changed."""
    with transaction.atomic():
        live = ModerationPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).first()
        changes = policy_difference(live, policy)
        ModerationPolicy.objects.exclude(pk=policy.pk).filter(is_active=True).update(is_active=False)
        policy.is_active, policy.is_shadow = True, False
        policy.save(update_fields=["is_active", "is_shadow"])
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.POLICY_ACTIVATE,
            detail=f"{policy.name} made live (was {live.name if live else 'none'}): "
            + ("; ".join(f"{name} {old!r} -> {new!r}" for name, old, new in changes) or "no field changed"),
        )  # fmt: skip
    forget_active_policy()
    return policy


def policy_shadow(*, policy: ModerationPolicy | None, actor: User | None) -> None:
    """Let one draft judge every real comment beside the live policy (None: no shadow); audited."""
    with transaction.atomic():
        ModerationPolicy.objects.filter(is_shadow=True).update(is_shadow=False)
        if policy is not None:
            if policy.is_active:
                raise CommentError("The live policy cannot shadow itself: choose a draft.")
            ModerationPolicy.objects.filter(pk=policy.pk).update(is_shadow=True)
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.POLICY_SHADOW,
            detail=f"{policy.name} shadows the live policy" if policy else "no shadow policy",
        )  # fmt: skip
    forget_active_policy()


def story_settings_save(*, story: StorySettings, actor: User | None) -> StorySettings:
    """Open, close or set the moderation mode of one story's comments, audited."""
    with transaction.atomic():
        story.save()
        state = "open" if story.comments_open else f"closed ({story.closed_message or 'no message'})"
        after = "the policy's default" if story.close_after_days is None else f"{story.close_after_days} days"
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.STORY_SETTINGS, article=story.article,
            detail=f"comments {state}; mode: {story.get_mode_display()}; closes after {after}",
        )  # fmt: skip
    return story


def site_pause(*, paused: bool, message: str = "", actor: User | None) -> SiteSwitch:
    """Pause new comments everywhere (a night with no moderator), or resume them; audited."""
    with transaction.atomic():
        switch, _ = SiteSwitch.objects.get_or_create(pk=1)
        switch.comments_paused = paused
        if message:
            switch.message = message
        switch.save()
        ControlEvent.objects.create(
            actor=actor,
            action=ControlEvent.Action.SITE_PAUSE if paused else ControlEvent.Action.SITE_RESUME,
            detail=switch.message if paused else "",
        )
    forget_site_switch()
    return switch


def commenter_confirm(*, email: str) -> Commenter:
    """The owner of an address opened its confirmation link."""
    commenter, _ = Commenter.objects.get_or_create(email=normalise_email(email))
    if commenter.confirmed_at is None:
        commenter.confirmed_at = timezone.now()
        commenter.save(update_fields=["confirmed_at"])
    return commenter
