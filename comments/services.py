"""Writes for comments. One path for a comment, whoever sends it: the page, the admin, the simulator.

Every function is keyword-only, validates, and runs in a transaction; every change
of status writes a ModerationEvent, so the audit trail is complete by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from commenters.mailboxes import mailbox_key
from commenters.models import Sanction
from commenters.selectors import SWITCH_CACHE_KEY, story_state
from commenters.services import commenter_record, normalise_email
from comments import alerts, appeals, emails, tasks
from comments.models import Appeal, Comment, CommentReport, ModerationEvent
from comments.sanitize import has_visible_text
from comments.selectors import author_standing, count_published, counts_keys, forget_counts, moderation_context
from moderation import JUDGED, Action, Context, Mode, Policy, Verdict, moderate
from moderation.context import joins_conversation
from moderation.normalize import fingerprint_key
from newsroom import cache, limits
from outbox.models import OutboundEmail
from policies.selectors import LIVE_VERSION_KEY, live_policy, shadow_judge
from policies.shares import RECENT_KEY

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

    run_id: int
    created_at: dt.datetime
    policy: Policy
    context: Context
    ground_truth: dict[str, bool] = field(default_factory=dict)


# A name of Hangul fillers, blank Braille or zero-width spaces passes for text but shows as nothing.
NO_VISIBLE_NAME = "Give a name with at least one visible letter."


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
    if not has_visible_text(author_name):
        raise CommentError(NO_VISIBLE_NAME, code="name")
    if len(author_name.strip()) > limits.NAME_MAX_LENGTH:
        raise CommentError(f"Give a name of at most {limits.NAME_MAX_LENGTH} characters.", code="name")
    if not author_email.strip() or len(author_email.strip()) > limits.EMAIL_MAX_LENGTH:
        raise CommentError(f"Give an email address of at most {limits.EMAIL_MAX_LENGTH} characters.", code="email")


def cache_keys_a_post_reads(article_id: int) -> list[str]:
    """What every post reads of the shared cache: the live policy's version, the site's recent scores (for a hold
    level set as a share), the site's pause and the story's cached count."""
    return [LIVE_VERSION_KEY, RECENT_KEY, SWITCH_CACHE_KEY, counts_keys(article_id)[0]]


def comment_post(
    *,
    article: Article,
    author_name: str,
    author_email: str,
    body: str,
    parent: Comment | None = None,
    submission: Submission | None = None,
    notify_replies: bool = False,
    stored_with: Callable[[Comment], None] | None = None,
) -> PostResult:
    """Moderate and store one reader's comment, with its automatic decision audited.

    ``notify_replies``: the author asked to be emailed when someone replies to it. ``stored_with``: what the caller
    stores with the comment, last in its transaction (the form's view: the browser's session, which remembers its
    own comment; one commit for both)."""
    _validate(article=article, parent=parent, author_name=author_name, author_email=author_email, body=body)
    submission = submission or Submission()
    now = timezone.now()
    # What every post reads of the shared cache: one round trip, not four (the form's view asked them already, in
    # the round trip of its rate limits).
    cache.read_many(cache_keys_a_post_reads(article.pk))
    policy = live_policy()
    state = story_state(article=article, auto_close_days=policy.auto_close_days)
    if not state.open:
        raise CommentError(state.message, code="closed")
    email = normalise_email(author_email)
    # Who the author is: the mailbox, however the address is spelled ("+tag", case, Gmail's dots, full-width
    # letters). Sanctions, the week's record, the duplicate check and the new-commenter rule all count by it.
    key = mailbox_key(email)
    # Only a browser that proved the mailbox (its confirmation link, or its site's sign-in) earns its record.
    verified = bool(submission.verified_email and mailbox_key(submission.verified_email) == key)
    # (By the address too: a commenter recorded without its key, as the embed's sign-in still does.)
    standing = author_standing(email=email, at=now)  # one read: the three below
    if not verified and standing.signed_in_by_site:
        # Before anything is said of the address (its sanctions): it is not this person's to use.
        raise CommentError(
            "This address belongs to a reader whom their newsroom's site signs in: sign in there to comment with "
            "it, or give another address.",
            code="email",
        )
    sanctions = standing.sanctions
    _refuse_if_barred(sanctions)
    if state.mode:  # the story's own way of moderating overrides the site's
        policy = replace(policy, mode=Mode(state.mode))
    # Only a browser that confirmed this address earns its published record (a regular's address typed
    # elsewhere is a newcomer's); until then the policy's new-commenter rule decides.
    context = moderation_context(
        article=article, parent=parent, author_name=author_name, author_email=author_email, body=body, at=now,
        policy=policy, honeypot_filled=submission.honeypot_filled, seconds_to_write=submission.seconds_to_write,
        author_known=verified,
    )  # fmt: skip
    premoderated = next((s for s in sanctions if s.kind == Sanction.Kind.PREMODERATE), None)
    context = replace(
        context,
        author_week_comments=standing.week_total,
        author_week_rejected=standing.week_rejected,
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
    shadow = shadow_judge()
    if shadow is not None:  # a draft or a candidate model tried on live traffic: one more run, deciding nothing
        shadow_name, shadow_policy = shadow
        shadow_verdict = moderate(body, context, shadow_policy)
        comment.shadow_decision = shadow_verdict.action.value
        comment.shadow_reasons = [r.code for r in shadow_verdict.reasons]
        comment.shadow_policy = shadow_name

    def and_then() -> None:
        # In the comment's own transaction: a comment is never stored without its commenter and, for an address
        # not proved, the confirmation it asks for (a task the worker runs once this commits; comments/tasks.py).
        # (A connection lost between the two left a stored comment whose resend was answered as the same form,
        # and the reader never got their link.)
        if verified:
            commenter_record(email=email)
            # Its statement of reasons by email, when the filter hides it (a long hold: once it is long).
            emails.queue_filter_statement(comment=comment, policy=policy)
        else:
            tasks.ask_to_confirm(comment=comment, email=email)

    try:
        verdict = _judge_and_store(comment, policy, context, and_then=and_then, last=stored_with)
    except IntegrityError:
        # The token is unique: the same form was stored before (the page looks for that first; this is a
        # double click racing itself on two workers). Keep the first.
        existing = Comment.objects.filter(submission_token=submission.token).first() if submission.token else None
        if existing is None:
            raise
        return PostResult(_same_form(existing, author_email, body), None, duplicate_submission=True)
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


def _same_form(existing: Comment, author_email: str, body: str) -> Comment:
    """The comment stored from this form before, if the same person sent the same words: a token is not a key
    to somebody else's comment (their held comment would otherwise show as the sender's own)."""
    if existing.mailbox == mailbox_key(author_email) and existing.body == body:
        return existing
    raise CommentError("This form was already used to post a comment. Press Post comment again.", code="token")


def comment_post_simulated(
    *, article: Article, author_name: str, author_email: str, body: str, parent: Comment | None, simulated: Simulated
) -> PostResult:
    """Store one simulated comment through the same judgement and audit as a reader's, marked as its run's."""
    _validate(article=article, parent=parent, author_name=author_name, author_email=author_email, body=body)
    comment = Comment(
        article=article, parent=parent, author_name=author_name, author_email=author_email, body=body,
        created_at=simulated.created_at, simulation_id=simulated.run_id, ground_truth=simulated.ground_truth,
    )  # fmt: skip
    return PostResult(comment, _judge_and_store(comment, simulated.policy, simulated.context))


def _judge_and_store(
    comment: Comment,
    policy: Policy,
    context: Context,
    and_then: Callable[[], None] | None = None,
    last: Callable[[Comment], None] | None = None,
) -> Verdict:
    """The one path: the verdict becomes the status, the stored reasons and the audit note, all three alike."""
    verdict = moderate(comment.body, context, policy)
    parent = comment.parent
    comment.root = (parent.root or parent) if parent else None
    comment.depth = (parent.depth + 1) if parent else 0
    comment.author_name = comment.author_name.strip()
    comment.author_email = normalise_email(comment.author_email)
    comment.mailbox = mailbox_key(comment.author_email)
    comment.fingerprint = fingerprint_key(comment.body)
    note = apply_verdict(comment=comment, verdict=verdict)
    status = comment.status
    with transaction.atomic():
        comment.save()
        _count_reply(comment, +1 if status == Comment.Status.PUBLISHED else 0)
        if status == Comment.Status.PUBLISHED and comment.simulation_id is None:
            # Only a reader's published comment changes what the page counts (a held or turned-down one is
            # no thread and no reply it counts): added to the counts, not counted afresh, which reads the
            # whole story. A reply starts no thread: what it answers is published, so its thread is listed
            # already (a top taken down is listed while it has published replies).
            count_published(article_id=comment.article_id, new_thread=comment.root_id is None)
        if status == Comment.Status.PUBLISHED and parent is not None:
            emails.queue_reply(reply=comment)
        ModerationEvent.objects.create(
            comment=comment,
            action=ModerationEvent.Action.AUTO,
            reason=",".join(comment.reasons)[:200],
            note=note,
            old_status="",
            new_status=status,
        )
        if and_then is not None:
            and_then()
        alerts.comment_stored(comment=comment)
        if last is not None:
            last(comment)
    return verdict


def apply_verdict(*, comment: Comment, verdict: Verdict) -> str:
    """Set on ``comment`` (unsaved) what the filter decided: its status, the reasons shown, the scores, the
    flag and whether it joins the conversation; returns the audit note. Shared by a post and by an import
    judged with ``--moderate``, so the two store a verdict alike."""
    status = STATUS_FOR_ACTION[verdict.action]
    flagged = status == Comment.Status.PUBLISHED and bool(verdict.flagged)
    shown = verdict.flagged if flagged else verdict.reasons
    comment.in_conversation = joins_conversation(
        status == Comment.Status.PUBLISHED, verdict.scores.get("off_topic", 1.0)
    )
    comment.status = status
    comment.decision = Comment.Decision(verdict.action.value)
    comment.reasons = [r.code for r in shown]
    comment.scores = verdict.scores
    comment.explanation = [r.as_dict(comment.body) for r in shown]
    comment.flagged = flagged
    if flagged:
        return "Published and flagged for a moderator: it " + "; ".join(r.message for r in verdict.flagged) + "."
    return verdict.explain()


def _count_reply(comment: Comment, change: int) -> None:
    """Keep the thread's count of published readers' replies as a reply is published or taken down."""
    if change and comment.root_id is not None and comment.simulation_id is None:
        Comment.objects.filter(pk=comment.root_id).update(reply_count=F("reply_count") + change)


# How long a moderator may take a decision back from the desk. What the decision tells readers (its emails)
# waits until then, and a moment more, so a sender never picks up an email that an undo is deleting.
UNDO_WINDOW = dt.timedelta(seconds=10)
SEND_MARGIN = dt.timedelta(seconds=5)
DECISIONS = (
    ModerationEvent.Action.APPROVE,
    ModerationEvent.Action.DISMISS_REPORTS,
    ModerationEvent.Action.REJECT,
    ModerationEvent.Action.REMOVE,
)


@dataclass(frozen=True)
class Seen:
    """The state of a comment a moderator decided on, as the desk showed it: its status and version.
    The desk posts it with each decision (``token``); a decision on a state that has changed is refused."""

    status: str
    version: int

    @classmethod
    def of(cls, comment: Comment) -> Seen:
        return cls(status=comment.status, version=comment.version)

    @classmethod
    def parse(cls, token: str | None) -> Seen | None:
        status, _, version = (token or "").partition(":")
        if status not in Comment.Status.values or not version.isdecimal():
            return None
        return cls(status=status, version=int(version))

    @property
    def token(self) -> str:
        return f"{self.status}:{self.version}"


class DecisionRefused(CommentError):
    """A decision not applied, and not audited: the comment changed since the moderator saw it (``conflict``),
    or the decision would change nothing. ``comment`` is the comment as it is now."""

    def __init__(self, message: str, *, code: str, comment: Comment, conflict: bool = False) -> None:
        super().__init__(message, code=code)
        self.comment = comment
        self.conflict = conflict


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


CHANGE_VERBS: dict[str, str] = {
    ModerationEvent.Action.APPROVE: "approved",
    ModerationEvent.Action.DISMISS_REPORTS: "kept published (reports dismissed)",
    ModerationEvent.Action.REJECT: "rejected",
    ModerationEvent.Action.REMOVE: "removed",
    ModerationEvent.Action.UNDO: "undid a decision on",
    ModerationEvent.Action.REPORT: "reported",
    ModerationEvent.Action.AUTO: "decided on",
    ModerationEvent.Action.FEATURE: "featured",
    ModerationEvent.Action.APPEAL: "appealed",
    ModerationEvent.Action.UNFEATURE: "stopped featuring",
}
# What changed a comment's state, for telling a moderator whose decision came first: featuring changes none.
NOT_A_CHANGE = (ModerationEvent.Action.FEATURE, ModerationEvent.Action.UNFEATURE)


def last_change(comment: Comment) -> ModerationEvent | None:
    """The latest event that changed the comment's state (not a feature)."""
    events = comment.events.exclude(action__in=NOT_A_CHANGE).select_related("actor")
    return events.order_by("-created_at", "-id").first()


def describe_change(event: ModerationEvent | None, *, now: dt.datetime | None = None) -> str:
    """What last happened to a comment, for the moderator whose decision it overtook:
    "moderator2 rejected this 4 s ago — abusive"."""
    if event is None:
        return "It changed since you saw it"
    who = "a reader" if event.action == ModerationEvent.Action.REPORT else event.actor_label
    verb = CHANGE_VERBS.get(event.action, event.get_action_display().lower())
    reason = REJECT_REASONS.get(event.reason, event.reason).lower() if event.reason else ""
    since = _ago(((now or timezone.now()) - event.created_at).total_seconds())
    return f"{who} {verb} this {since}" + (f" — {reason}" if reason else "")


def _refuse_changed(locked: Comment) -> DecisionRefused:
    last = last_change(locked)
    now = f"{describe_change(last)}. It is now {locked.get_status_display().lower()}"
    return DecisionRefused(f"{now}: nothing was changed.", code="conflict", comment=locked, conflict=True)


def _drop_waiting_emails(comment: Comment, *, kinds: list[str]) -> int:
    """Emails about this comment still waiting (in a decision's undo window): they tell of a state that is
    no longer the final one. Never one a sender has claimed."""
    waiting = OutboundEmail.objects.filter(
        comment=comment, kind__in=kinds, sent_at__isnull=True, claimed_until__isnull=True
    )
    return int(waiting.delete()[0])


def _tell(
    *, comment: Comment, event: ModerationEvent, old_status: str, send_after: dt.datetime | None,
    appeal: Appeal | None = None,
) -> None:  # fmt: skip
    """The author of a held comment hears the decision (with its statement of reasons), so does the author of a
    published comment a moderator removed, and the author of an appeal its outcome; a reply now published reaches
    whom it answers: once the decision can no longer be undone. An email still waiting about an earlier decision
    is replaced. An imported comment emails nobody: its author wrote it elsewhere and never gave this site the
    address."""
    if comment.source:
        return
    published = Comment.Status.PUBLISHED
    replaced = _drop_waiting_emails(comment, kinds=[OutboundEmail.Kind.DECISION])
    if comment.status != published:
        _drop_waiting_emails(comment, kinds=[OutboundEmail.Kind.REPLY])
    removed = old_status == published and comment.status == Comment.Status.REMOVED
    told_of_decision = old_status == Comment.Status.HELD or replaced or removed
    # An answer that keeps the comment as it was, or publishes it, is the appeal's outcome; one that rejects a
    # long hold is a decision of its own, told (and appealed) as one.
    if appeal is not None and (event.old_status == event.new_status or comment.status == published):
        emails.queue_appeal_outcome(appeal=appeal, send_after=send_after)
    elif told_of_decision and comment.status != Comment.Status.HELD:
        emails.queue_decision(comment=comment, event=event, send_after=send_after)
    # (A removed reply published again on appeal may have reached whom it answers when it was first published.)
    if (
        comment.status == published
        and old_status != published
        and comment.parent_id is not None
        and not (
            old_status == Comment.Status.REMOVED
            and OutboundEmail.objects.filter(comment=comment, kind=OutboundEmail.Kind.REPLY).exists()
        )
    ):
        emails.queue_reply(reply=comment, send_after=send_after)


def comment_feature(*, comment: Comment, actor: User | None, featured: bool = True) -> ModerationEvent:
    """A moderator features a published comment (the section's "Featured" tab lists it), or stops featuring it;
    audited. Featuring decides nothing else: the comment's status and queue stay as they are."""
    if featured and (comment.status != Comment.Status.PUBLISHED or comment.simulation_id is not None):
        raise CommentError("Only a published comment can be featured.", code="feature")
    with transaction.atomic():
        target = Comment.objects.filter(pk=comment.pk, featured_at__isnull=featured)
        if featured:  # still published as it is featured: a removal a moment before wins
            target = target.filter(status=Comment.Status.PUBLISHED, simulation__isnull=True)
        changed = target.update(featured_at=timezone.now() if featured else None)
        if not changed:
            comment.refresh_from_db(fields=["featured_at", "status"])
            if featured and comment.status != Comment.Status.PUBLISHED:
                raise CommentError("Only a published comment can be featured.", code="feature")
            raise CommentError(
                "This comment is featured already." if featured else "This comment is not featured.", code="feature"
            )
        comment.refresh_from_db(fields=["featured_at", "status"])
        return ModerationEvent.objects.create(
            comment=comment,
            actor=actor,
            action=ModerationEvent.Action.FEATURE if featured else ModerationEvent.Action.UNFEATURE,
            old_status=comment.status,
            new_status=comment.status,
        )


def comment_decide(
    *,
    comment: Comment,
    actor: User | None,
    decision: str,
    reason: str = "",
    note: str = "",
    seen: Seen | None = None,
    undo_window: dt.timedelta | None = None,
) -> ModerationEvent:
    """Apply one moderator's decision ("approve" or "reject") to the comment as it is now, and audit it.

    ``seen``: the state the moderator decided on; if the comment has changed since, the decision is refused
    (``DecisionRefused``, ``conflict``) and the moderator is told what changed. A decision that would change
    nothing is refused too. ``undo_window``: how long its moderator may undo it (``comment_undo``); its
    emails wait until then. Exactly one event for a change, none for a refusal.
    """
    if decision not in ("approve", "reject"):
        raise CommentError(f"Unknown decision {decision!r}.")
    if decision == "reject":
        if reason not in REJECT_REASONS:
            raise CommentError(f"Unknown reason {reason!r}; choose one of {', '.join(REJECT_REASONS)}.")
        if reason == "other" and not note.strip():
            raise CommentError("Say why in a note when the reason is 'other'.")
    published = Comment.Status.PUBLISHED
    with transaction.atomic():
        # The row lock orders concurrent decisions on one comment: the second reads the first's result.
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if seen is not None and Seen.of(locked) != seen:
            raise _refuse_changed(locked)
        old_status = locked.status
        # An appeal waiting on it: this decision answers it (comments/appeals.py), and its author may not.
        appeal = appeals.open_appeal(locked)
        if appeal is not None and actor is not None and appeal.decision.actor_id == actor.pk:
            raise DecisionRefused(
                "Its author appealed your decision: another moderator decides the appeal.", code="own_decision",
                comment=locked,
            )  # fmt: skip
        if decision == "approve":
            if old_status == Comment.Status.REMOVED and appeal is None:
                raise DecisionRefused("A removed comment stays removed.", code="final", comment=locked)
            if old_status == published and not locked.open_reports and not locked.flagged:
                raise DecisionRefused("It is already published: nothing to do.", code="no_change", comment=locked)
            action = ModerationEvent.Action.APPROVE
            if old_status == published and locked.open_reports:
                action = ModerationEvent.Action.DISMISS_REPORTS
            new_status, reason = published, ""
        elif old_status in (Comment.Status.REJECTED, Comment.Status.REMOVED):
            if appeal is None:
                label = locked.get_status_display().lower()
                raise DecisionRefused(f"It is already {label}: nothing to do.", code="no_change", comment=locked)
            # The appeal upheld: it stays as it is, for the reason given now.
            action = (
                ModerationEvent.Action.REMOVE if old_status == Comment.Status.REMOVED else ModerationEvent.Action.REJECT
            )
            new_status = Comment.Status(old_status)
        else:
            action = ModerationEvent.Action.REMOVE if old_status == published else ModerationEvent.Action.REJECT
            new_status = Comment.Status.REMOVED if old_status == published else Comment.Status.REJECTED
        version = locked.version + 1
        # Compare and set, besides the lock: of two decisions on one version, one is applied, whatever the database.
        # A comment taken down no longer speaks for the conversation (selectors.moderation_context reads only
        # the flag, through an index on it).
        left: dict[str, Any] = {} if new_status == published else {"in_conversation": False}
        if appeal is not None and old_status == Comment.Status.REMOVED and new_status == published:
            left["featured_at"] = None  # published again on appeal: featured again only if a moderator says so
        if not Comment.objects.filter(pk=locked.pk, version=locked.version).update(
            status=new_status, open_reports=0, flagged=False, version=version, **left
        ):
            raise _refuse_changed(Comment.objects.get(pk=locked.pk))
        now = timezone.now()
        event = ModerationEvent.objects.create(
            comment=locked, actor=actor, action=action, reason=reason, note=note, old_status=old_status,
            new_status=new_status, version=version, old_open_reports=locked.open_reports,
            old_flagged=locked.flagged, undo_until=now + undo_window if undo_window else None,
        )  # fmt: skip
        CommentReport.objects.filter(comment=locked, resolved=False).update(resolved=True, resolved_by=event)
        if appeal is not None:
            appeals.appeal_answer(appeal=appeal, event=event)
        locked.status, locked.open_reports, locked.flagged, locked.version = new_status, 0, False, version
        _count_reply(locked, (new_status == published) - (old_status == published))
        forget_counts(article_id=locked.article_id)
        send_after = event.undo_until + SEND_MARGIN if event.undo_until else None
        _tell(comment=locked, event=event, old_status=old_status, send_after=send_after, appeal=appeal)
        alerts.queue_changed()
    comment.status, comment.open_reports, comment.flagged, comment.version = new_status, 0, False, version
    return event


def comment_approve(
    *, comment: Comment, actor: User | None, note: str = "", seen: Seen | None = None,
    undo_window: dt.timedelta | None = None,
) -> Comment:  # fmt: skip
    """Publish a held (or rejected) comment, or keep a reported or flagged one published and close its reports
    and flag. Without ``seen`` (a script), approving what is already published writes nothing; with it
    (the desk), that is refused as ``comment_decide`` says."""
    try:
        comment_decide(comment=comment, actor=actor, decision="approve", note=note, seen=seen, undo_window=undo_window)
    except DecisionRefused as refused:
        if seen is not None or refused.code != "no_change":
            raise
    return comment


# What a moderator rejects a comment for: the families a comment can truly belong to, or something else.
REJECT_REASONS = {**{family.value: family.label for family in JUDGED}, "other": "Other"}


def comment_reject(
    *, comment: Comment, actor: User | None, reason: str, note: str = "", seen: Seen | None = None,
    undo_window: dt.timedelta | None = None,
) -> Comment:  # fmt: skip
    """Reject a held comment; a published one that is taken down is *removed* (a tombstone stays).
    Without ``seen``, rejecting what is already rejected or removed writes nothing."""
    try:
        comment_decide(
            comment=comment, actor=actor, decision="reject", reason=reason, note=note, seen=seen,
            undo_window=undo_window,
        )  # fmt: skip
    except DecisionRefused as refused:
        if seen is not None or refused.code != "no_change":
            raise
    return comment


def comment_undo(*, event: ModerationEvent, actor: User | None, now: dt.datetime | None = None) -> ModerationEvent:
    """Take back a decision within its window: the comment's status, reports and flag as they were, the
    decision's waiting emails deleted (it never tells anyone anything), and an undo event in the audit.
    Refused once the window has passed, by anyone but its moderator, or if the comment has changed since."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=event.comment_id)
        decision = ModerationEvent.objects.select_for_update().get(pk=event.pk)
        if decision.action not in DECISIONS or decision.undo_until is None:
            raise DecisionRefused(
                "This decision cannot be undone; decide again instead.", code="no_undo", comment=locked
            )
        if ModerationEvent.objects.filter(undoes=decision).exists():
            raise DecisionRefused("This decision was already undone.", code="undone", comment=locked)
        if actor is None or decision.actor_id != actor.pk:
            raise DecisionRefused(
                "Only the moderator who made a decision can undo it; decide again instead.", code="not_yours",
                comment=locked,
            )  # fmt: skip
        if now > decision.undo_until:
            seconds = int(UNDO_WINDOW.total_seconds())
            raise DecisionRefused(
                f"Too late to undo: a decision can be undone for {seconds} seconds, and its emails have gone out."
                " Decide again instead.", code="too_late", comment=locked,
            )  # fmt: skip
        if locked.version != decision.version:
            raise _refuse_changed(locked)
        old_status, restored = locked.status, decision.old_status
        version = locked.version + 1
        left = {} if restored == Comment.Status.PUBLISHED else {"in_conversation": False}
        Comment.objects.filter(pk=locked.pk).update(
            status=restored, open_reports=decision.old_open_reports, flagged=decision.old_flagged, version=version,
            **left,
        )  # fmt: skip
        undo = ModerationEvent.objects.create(
            comment=locked, actor=actor, action=ModerationEvent.Action.UNDO, reason=decision.reason,
            note=f"Undid: {decision.get_action_display().lower()} ({decision.old_status} → {decision.new_status}).",
            old_status=old_status, new_status=restored, version=version, undoes=decision,
        )  # fmt: skip
        decision.resolved_reports.update(resolved=False, resolved_by=None)
        appeals.appeal_reopen(decision=decision)
        published = Comment.Status.PUBLISHED
        _count_reply(locked, (restored == published) - (old_status == published))
        forget_counts(article_id=locked.article_id)
        kinds = [OutboundEmail.Kind.DECISION, OutboundEmail.Kind.REPLY]
        OutboundEmail.objects.filter(
            comment=locked, kind__in=kinds, sent_at__isnull=True, send_after=decision.undo_until + SEND_MARGIN
        ).delete()
        locked.status, locked.open_reports, locked.flagged, locked.version = (
            restored, decision.old_open_reports, decision.old_flagged, version,
        )  # fmt: skip
        _tell_again(comment=locked, now=now)
        alerts.queue_changed()
    return undo


def _tell_again(*, comment: Comment, now: dt.datetime) -> None:
    """Undoing a decision that had replaced an earlier one's waiting email: the author still hears of the
    earlier decision, now the final one again (never twice: not if an email about it exists)."""
    if (
        comment.source
        or comment.status == Comment.Status.HELD
        or OutboundEmail.objects.filter(comment=comment, kind=OutboundEmail.Kind.DECISION).exists()
    ):
        return
    earlier = ModerationEvent.objects.by_moderators(dismissals=True).filter(comment=comment).last()
    if earlier is None or earlier.new_status != comment.status or earlier.old_status != Comment.Status.HELD:
        return
    due = earlier.undo_until + SEND_MARGIN if earlier.undo_until else now
    emails.queue_decision(comment=comment, event=earlier, send_after=max(due, now))


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
        Comment.objects.filter(pk=comment.pk).update(open_reports=F("open_reports") + 1, version=F("version") + 1)
        ModerationEvent.objects.create(
            comment=comment,
            action=ModerationEvent.Action.REPORT,
            reason=reason,
            note=note,
            old_status=comment.status,
            new_status=comment.status,
        )
        alerts.comment_reported(report=report)
    return report
