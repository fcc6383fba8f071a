"""What readers are told by email: a moderator's decision on their held comment, a reply they asked to
hear of, and the link that confirms their address.

Each is written inside the transaction of what it tells of (a decision, a published reply), as a row
of the outbox (``outbox.services.email_queue``): stored or dropped with it, and sent by the outbox's
task once it has committed. Simulated comments never email anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from commenters.mailboxes import mailbox_key
from commenters.models import Commenter
from commenters.services import commenter_for, commenter_record, confirmation_claim, normalise_email
from comments.appeals import appeal_deadline, appeal_token
from comments.models import Appeal, Comment, CommentReport, ModerationEvent
from comments.selectors import comment_url
from moderation import Policy
from newsroom import db
from outbox.models import OutboundEmail
from outbox.services import absolute_url, email_queue
from policies.selectors import live_policy

logger = logging.getLogger(__name__)

CONFIRM_SALT = "comments.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 60 * 60
# One confirmation email a mailbox a day, however many comments are posted with it, under however many spellings.
CONFIRM_EVERY = dt.timedelta(days=1)
EXCERPT = 300


def confirmation_token(commenter_id: int, *, sent_at: dt.datetime) -> str:
    """The key of a confirmation link: the commenter's id and when the link was sent, signed and dated (some
    70 characters, however long the address). The time makes it single-use: the link confirms only while no
    confirmation is newer than it (:func:`confirm_once`)."""
    return signing.dumps([commenter_id, sent_at.timestamp()], salt=CONFIRM_SALT)


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation link is for: the address, and whether the link was used already."""

    email: str
    commenter_id: int
    sent_at: dt.datetime | None  # None for links sent before they were single-use
    used: bool


def confirmation_for(token: str) -> Confirmation | None:
    """The confirmation a link is for, or None if it is not ours or older than a week."""
    try:
        signed = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    sent_at: dt.datetime | None = None
    if isinstance(signed, list) and len(signed) == 2 and isinstance(signed[0], int):
        pk, stamp = signed
        if not isinstance(stamp, int | float):
            return None
        sent_at = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
        commenter = Commenter.objects.filter(pk=pk).first()
    elif isinstance(signed, int) and not isinstance(signed, bool):  # sent before links were single-use
        commenter = Commenter.objects.filter(pk=signed).first()
    elif isinstance(signed, str) and "@" in signed:  # sent before links carried an id
        commenter = commenter_for(email=signed)
    else:
        return None
    if commenter is None:
        return None
    confirmed = commenter.confirmed_at
    used = confirmed is not None and (sent_at is None or confirmed >= sent_at)
    return Confirmation(email=commenter.email, commenter_id=commenter.pk, sent_at=sent_at, used=used)


def confirm_once(confirmation: Confirmation) -> bool:
    """Confirm the address, if this link was not used before (nor a newer one): True the first time only,
    even for two clicks at once (one conditional update)."""
    not_since = Q(confirmed_at__isnull=True)
    if confirmation.sent_at is not None:
        not_since |= Q(confirmed_at__lt=confirmation.sent_at)
    return bool(Commenter.objects.filter(not_since, pk=confirmation.commenter_id).update(confirmed_at=timezone.now()))


def queue_confirmation(*, comment: Comment, email: str) -> OutboundEmail | None:
    """Record the address's commenter and ask the owner of the address to confirm it (at most once a day a
    mailbox, whichever spelling of its address is typed): the browser that opens the link counts as theirs from
    then on."""
    email = normalise_email(email)
    # In the comment's own transaction, without savepoints: a confirmation is never stored without its comment.
    with transaction.atomic(savepoint=False):
        # One at a time a mailbox: two spellings of it posted at once each insert their own row, which the
        # other cannot see, and then each wait for the other's rows (the claim locks them all).
        db.lock(f"confirm:{mailbox_key(email)}")
        commenter_id = commenter_record(email=email)
        now = confirmation_claim(commenter_id=commenter_id, mailbox=mailbox_key(email), every=CONFIRM_EVERY)
        if now is None:
            return None
        token = confirmation_token(commenter_id, sent_at=now)
        link = absolute_url(reverse("comments:confirm", kwargs={"token": token}))
        return _queue_about(
            to=email,
            kind=OutboundEmail.Kind.CONFIRM,
            comment=comment,
            subject=f"Confirm your address for comments on “{comment.article.headline}”",
            body=(
                f"Hello {comment.author_name},\n\nA comment was posted with this address on "
                f"“{comment.article.headline}”.\nIf it was you, confirm it here, in the browser you comment from "
                f"(the link works once, within a week):\n{link}"
                "\n\nThen your comments from that browser count as yours: once some have been published, new ones"
                " are not held as a newcomer's. If it was not you, ignore this email; nothing else happens."
            ),
        )


def _queue_about(
    *, to: str, kind: str, comment: Comment, subject: str, body: str, send_after: dt.datetime | None = None
) -> OutboundEmail | None:
    if comment.simulation_id is not None:
        return None
    return email_queue(
        to=to, mailbox=mailbox_key(to), kind=kind, subject=subject, body=body, comment_id=comment.pk,
        send_after=send_after,
    )  # fmt: skip


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def queue_decision(
    *, comment: Comment, event: ModerationEvent, send_after: dt.datetime | None = None
) -> OutboundEmail | None:
    """Tell the author of a held comment what a moderator decided, and why; a rejected text is given back.

    Only to an address its owner confirmed: anyone can type any address into the form, and a decision
    (with the text given back) is not news for a stranger. The author sees the outcome beside the comment
    either way. ``send_after``: not before the decision can no longer be undone."""
    if not _confirmed(comment):
        return None
    headline = comment.article.headline
    if event.new_status == Comment.Status.PUBLISHED:
        subject = f"Your comment on “{headline}” is published"
        body = (
            f"Hello {comment.author_name},\n\nA moderator read your comment on “{headline}” and published it:\n"
            f"{absolute_url(comment_url(comment))}\n\n“{_excerpt(comment.body)}”"
        )
    else:
        removed = event.new_status == Comment.Status.REMOVED
        subject = f"Your comment on “{headline}” was {'removed' if removed else 'not published'}"
        verb = "removed it after it was published" if removed else "did not publish it"
        body = (
            f"Hello {comment.author_name},\n\nA moderator read your comment on “{headline}” and {verb}.\n"
            f"{_moderators_reason(event)}\n\n{_how_to_appeal(comment, event)}"
            f"Your text, so you can change it and post it again:\n\n{comment.body}\n\n"
            f"The story: {absolute_url(comment.article.get_absolute_url())}#comments"
        )
    return _queue_about(
        to=comment.author_email, kind=OutboundEmail.Kind.DECISION, comment=comment, subject=subject, body=body,
        send_after=send_after,
    )  # fmt: skip


def _confirmed(comment: Comment) -> bool:
    """Whether the comment's address was confirmed by its owner: only those hear of decisions (anyone can type
    any address into the form, and a decision, with the text given back, is not news for a stranger)."""
    return Commenter.objects.filter(email=comment.author_email, confirmed_at__isnull=False).exists()


def _how_to_appeal(comment: Comment, event: ModerationEvent) -> str:
    """The statement's last part: until when, and where, the author may appeal the decision."""
    return _appeal_lines(comment, appeal_deadline(event, comment, policy=live_policy()), by="another moderator")


def _appeal_lines(comment: Comment, until: dt.datetime | None, *, by: str) -> str:
    """Until when, and where, the author may appeal (nothing where the site takes no appeals)."""
    if until is None:
        return ""
    link = absolute_url(reverse("comments:appeal", kwargs={"token": appeal_token(comment)}))
    return (
        f"If you think this decision is wrong, you can appeal it, once, until {timezone.localtime(until):%-d %B %Y}: "
        f"{by} will read it.\n{link}\n\n"
    )


def _moderators_reason(event: ModerationEvent) -> str:
    """The reason a moderator gave, and their note."""
    reason = dict(CommentReport.Reason.choices).get(event.reason, event.reason or "it breaks the policy")
    note = f"\nTheir note: {event.note.strip()}" if event.note.strip() else ""
    return f"Reason: {reason}.{note}"


def queue_filter_statement(*, comment: Comment, policy: Policy) -> OutboundEmail | None:
    """The filter's decision that hides a confirmed reader's comment, told by email with its statement of reasons:
    a rejection at once; a hold once it has waited the policy's ``held_notice_hours`` (a moderator's decision
    before then replaces it, as it replaces any decision email still waiting)."""
    if comment.status == Comment.Status.HELD:
        if not policy.held_notice_hours:
            return None
        send_after = comment.created_at + dt.timedelta(hours=policy.held_notice_hours)
        what = f"has waited for a moderator for {policy.held_notice_hours} hours"
    elif comment.status == Comment.Status.REJECTED:
        send_after, what = None, "was not published"
    else:
        return None
    headline = comment.article.headline
    found = "; ".join(dict.fromkeys(r["message"] for r in comment.explanation or []))
    ground = f"because it {found}" if found else "because every comment is read by a moderator first"
    until = (send_after or comment.created_at) + dt.timedelta(days=policy.appeal_days) if policy.appeal_days else None
    appeal = _appeal_lines(comment, until, by="a moderator")
    held = comment.status == Comment.Status.HELD
    return _queue_about(
        to=comment.author_email, kind=OutboundEmail.Kind.DECISION, comment=comment,
        subject=f"Your comment on “{headline}” {what}",
        body=(
            f"Hello {comment.author_name},\n\nYour comment on “{headline}” {what}. The comment filter "
            f"{'held it for review' if held else 'did not publish it'}, automatically, {ground}.\n\n{appeal}"
            f"Your text:\n\n{comment.body}\n\nThe story: {absolute_url(comment.article.get_absolute_url())}#comments"
        ),
        send_after=send_after,
    )  # fmt: skip


def queue_appeal_outcome(*, appeal: Appeal, send_after: dt.datetime | None = None) -> OutboundEmail | None:
    """Tell the author what became of their appeal, and why (to a confirmed address)."""
    comment, event = appeal.comment, appeal.resolution
    if event is None or not _confirmed(comment):
        return None
    headline = comment.article.headline
    if appeal.status == Appeal.Status.OVERTURNED:
        subject = f"Your appeal on “{headline}”: your comment is published"
        body = (
            f"Hello {comment.author_name},\n\nA moderator read your appeal and changed the decision: your comment on "
            f"“{headline}” is published.\n{absolute_url(comment_url(comment))}"
        )
    else:
        subject = f"Your appeal on “{headline}”: the decision stands"
        body = (
            f"Hello {comment.author_name},\n\nA moderator read your appeal and kept the decision: your comment on "
            f"“{headline}” stays {comment.get_status_display().lower()}.\n{_moderators_reason(event)}\n\n"
            f"Your text:\n\n{comment.body}"
        )
    return _queue_about(
        to=comment.author_email, kind=OutboundEmail.Kind.DECISION, comment=comment, subject=subject, body=body,
        send_after=send_after,
    )  # fmt: skip


def queue_reply(*, reply: Comment, send_after: dt.datetime | None = None) -> OutboundEmail | None:
    """Tell the author of the comment answered, if they asked to hear of replies (and did not write this one);
    ``send_after``: not before the decision that published the reply can no longer be undone."""
    parent = reply.parent
    if parent is None or not parent.notify_replies or parent.author_email == reply.author_email:
        return None
    if parent.status != Comment.Status.PUBLISHED:
        return None
    headline = reply.article.headline
    return _queue_about(
        to=parent.author_email,
        kind=OutboundEmail.Kind.REPLY,
        comment=reply,
        subject=f"{reply.author_name} replied to your comment on “{headline}”",
        body=(
            f"Hello {parent.author_name},\n\n{reply.author_name} replied to your comment on “{headline}”:\n\n"
            f"“{_excerpt(reply.body)}”\n\nRead it and answer: {absolute_url(comment_url(reply))}"
        ),
        send_after=send_after,
    )
