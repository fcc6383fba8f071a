"""Statements of reasons and appeals: what the author of a hidden comment is told, and how they contest it.

Every decision that hides a reader's comment (the filter's or a moderator's rejection, a moderator's removal, a
hold that has lasted longer than the policy's ``held_notice_hours``) is told to its author: what was decided, on
which ground, whether by the filter or by a person, and until when they may appeal (the policy's
``appeal_days``; the EU's Digital Services Act asks for six months). ``statement_of_reasons`` says it, for the
page, the emails and the API alike.

An appeal is filed once a decision, with a note (``appeal_file``). It waits in the desk's Appeals tab, where the
desk's own decisions answer it (``services.comment_decide``): publishing overturns the decision, keeping it
hidden upholds it, and a moderator may not decide an appeal against their own decision. The outcome and its
reason go back to the author; an overturned decision of the filter is a moderator's approval in the audit, which
is what the training data learns from.

    statement = statement_of_reasons(comment, policy=live_policy())
    if statement and statement.can_appeal():
        appeal_file(comment=comment, note="It is about the talks: I quoted the minister.")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from comments.models import Appeal, Comment, CommentReport, ModerationEvent
from comments.sanitize import clean_text
from moderation import Policy
from moderation.reasons import filter_codes
from newsroom import limits

# The actions whose event can hide a comment: the filter's decision, a moderator's rejection or removal.
HIDING = (ModerationEvent.Action.AUTO, ModerationEvent.Action.REJECT, ModerationEvent.Action.REMOVE)
HIDDEN = (Comment.Status.REJECTED, Comment.Status.REMOVED)
TOKEN_SALT = "comments.appeal"


class AppealError(Exception):
    """An appeal refused, with why, in a sentence for the author; ``code`` says which rule."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Statement:
    """What the author of a hidden comment is told of the decision that hid it."""

    comment: Comment
    decision: ModerationEvent
    appeal_until: dt.datetime | None  # None: this site takes no appeals
    appeal: Appeal | None
    policy_summary: str = ""

    @property
    def by_person(self) -> bool:
        return self.decision.actor_id is not None

    @property
    def decided(self) -> str:
        """What was decided, in a few words."""
        status = self.decision.new_status
        if status == Comment.Status.HELD:
            return "Held for review, and still waiting"
        if status == Comment.Status.REMOVED:
            return "Removed after it was published"
        return "Not published"

    @property
    def by(self) -> str:
        return "by a moderator" if self.by_person else "automatically, by the comment filter"

    @property
    def ground(self) -> str:
        """On which ground of the policy: the moderator's reason (and note), or what the filter found."""
        if self.by_person:
            labels = dict(CommentReport.Reason.choices)
            reason = labels.get(self.decision.reason, self.decision.reason or "it breaks the comment policy")
            note = self.decision.note.strip()
            return f"{reason}. The moderator's note: “{note}”" if note else reason
        found = "; ".join(dict.fromkeys(r["message"] for r in self.comment.explanation or []))
        if found:
            return f"it {found}"
        return "every comment is read by a moderator first"

    def can_appeal(self, now: dt.datetime | None = None) -> bool:
        return self.appeal is None and self.appeal_until is not None and (now or timezone.now()) <= self.appeal_until

    @property
    def appeal_closed(self) -> bool:
        """No appeal was made, and none can be any more."""
        return self.appeal is None and (self.appeal_until is None or timezone.now() > self.appeal_until)


def hiding_decision(comment: Comment, events: Iterable[ModerationEvent], *, policy: Policy,
                    now: dt.datetime | None = None) -> ModerationEvent | None:  # fmt: skip
    """The decision that hides the comment now, among its ``events`` (oldest first): the latest rejection or
    removal that set its status and was not undone nor upheld an appeal; for a comment held longer than the
    policy's ``held_notice_hours``, the filter's hold. None for a comment shown to all, or held but not long."""
    status = comment.status
    now = now or timezone.now()
    if status == Comment.Status.HELD:
        hours = policy.held_notice_hours
        if not hours or now - comment.created_at < dt.timedelta(hours=hours):
            return None
    elif status not in HIDDEN:
        return None
    found = None
    for event in events:
        if (
            event.action in HIDING
            and event.new_status == status
            and not _undone(event)
            and not _answers_an_appeal(event)
        ):
            found = event
    return found


def _undone(event: ModerationEvent) -> bool:
    try:
        return event.undone_by is not None
    except ModerationEvent.DoesNotExist:
        return False


def _answers_an_appeal(event: ModerationEvent) -> bool:
    """An appeal upheld, the comment kept as it was: the decision appealed still stands, and is not made anew.
    (An answer that changes the status, a long hold rejected, is a decision of its own, to be appealed.)"""
    try:
        answered = event.resolved_appeal is not None
    except Appeal.DoesNotExist:
        answered = False
    return answered and event.old_status == event.new_status


def statements_of_reasons(comments: Iterable[Comment], *, policy: Policy,
                          now: dt.datetime | None = None) -> dict[int, Statement]:  # fmt: skip
    """Each hidden comment's statement, by its id: two queries whatever the number of comments."""
    comments = [c for c in comments if c.status != Comment.Status.PUBLISHED and c.simulation_id is None]
    if not comments:
        return {}
    events: dict[int, list[ModerationEvent]] = {}
    rows = (
        ModerationEvent.objects.filter(comment_id__in=[c.pk for c in comments], action__in=HIDING)
        .select_related("undone_by", "resolved_appeal")
        .order_by("created_at", "id")
    )
    for event in rows:
        events.setdefault(event.comment_id, []).append(event)
    decisions = {
        c.pk: decision
        for c in comments
        if (decision := hiding_decision(c, events.get(c.pk, []), policy=policy, now=now)) is not None
    }
    appeals = {a.decision_id: a for a in Appeal.objects.filter(decision_id__in=[d.pk for d in decisions.values()])}
    by_id = {c.pk: c for c in comments}
    return {
        pk: Statement(
            comment=by_id[pk],
            decision=decision,
            appeal=appeals.get(decision.pk),
            appeal_until=appeal_deadline(decision, by_id[pk], policy=policy),
        )  # fmt: skip
        for pk, decision in decisions.items()
    }


def statement_of_reasons(comment: Comment, *, policy: Policy, now: dt.datetime | None = None) -> Statement | None:
    return statements_of_reasons([comment], policy=policy, now=now).get(comment.pk)


def appeal_deadline(decision: ModerationEvent, comment: Comment, *, policy: Policy) -> dt.datetime | None:
    """Until when the decision may be appealed: ``appeal_days`` from when it hid the comment (for a long hold,
    from when it became long)."""
    if not policy.appeal_days:
        return None
    start = decision.created_at
    if decision.new_status == Comment.Status.HELD:
        start = comment.created_at + dt.timedelta(hours=policy.held_notice_hours)
    return start + dt.timedelta(days=policy.appeal_days)


def appeal_token(comment: Comment) -> str:
    """The key to a comment's appeal page, for its author alone (in their emails, and on the pages that know
    them): whoever holds it may read why the comment is hidden and appeal, once."""
    return signing.dumps(comment.pk, salt=TOKEN_SALT, compress=True)


def comment_for_token(token: str) -> Comment | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return Comment.objects.select_related("article").filter(pk=pk, simulation__isnull=True).first()


def appeal_file(*, comment: Comment, note: str, policy: Policy, now: dt.datetime | None = None) -> Appeal:
    """The author appeals the decision that hides their comment, with a note: once a decision, within the
    policy's period; audited. Refused (``AppealError``) with why otherwise."""
    note = clean_text(note).strip()
    if not note:
        raise AppealError("Say in a few words why the decision should change.", code="note")
    if len(note) > limits.APPEAL_NOTE_MAX_LENGTH:
        raise AppealError(f"Keep your appeal under {limits.APPEAL_NOTE_MAX_LENGTH} characters.", code="note")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        statement = statement_of_reasons(locked, policy=policy, now=now)
        if statement is None:
            raise AppealError("This comment is not hidden by a decision: there is nothing to appeal.", code="shown")
        if statement.appeal is not None:
            raise AppealError(
                "You appealed this decision already: each decision can be appealed once.", code="appealed"
            )
        if statement.appeal_until is None:
            raise AppealError("This site takes no appeals.", code="closed")
        if now > statement.appeal_until:
            raise AppealError(
                f"The time to appeal this decision ended on {timezone.localtime(statement.appeal_until):%-d %B %Y}.",
                code="too_late",
            )
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(comment=locked, decision=statement.decision, note=note)
        except IntegrityError:  # the same decision appealed at the same moment from elsewhere
            raise AppealError(
                "You appealed this decision already: each decision can be appealed once.", code="appealed"
            ) from None
        # What a moderator decides on has changed: a decision made on the comment as it was listed before the
        # appeal (without its note), and an undo of the decision appealed, are refused as stale.
        version = locked.version + 1
        Comment.objects.filter(pk=locked.pk).update(version=version)
        ModerationEvent.objects.create(
            comment=locked, action=ModerationEvent.Action.APPEAL, note=note, old_status=locked.status,
            new_status=locked.status, version=version,
        )  # fmt: skip
        comment.version = version
    return appeal


def open_appeal(comment: Comment) -> Appeal | None:
    """The comment's appeal waiting for a moderator (locked: call within the decision's transaction)."""
    return (
        Appeal.objects.select_for_update()
        .select_related("decision")
        .filter(comment=comment, status=Appeal.Status.OPEN)
        .first()
    )


def appeal_answer(*, appeal: Appeal, event: ModerationEvent) -> Appeal:
    """A moderator's decision answers the appeal: publishing overturns the decision, anything else upholds it."""
    overturned = event.new_status == Comment.Status.PUBLISHED
    appeal.status = Appeal.Status.OVERTURNED if overturned else Appeal.Status.UPHELD
    appeal.resolution, appeal.decided_at = event, event.created_at
    appeal.save(update_fields=["status", "resolution", "decided_at"])
    return appeal


def appeal_reopen(*, decision: ModerationEvent) -> int:
    """The moderator undid the decision that answered an appeal: it waits again."""
    return Appeal.objects.filter(resolution=decision).update(status=Appeal.Status.OPEN, resolution=None,
                                                             decided_at=None)  # fmt: skip


def appeal_counts(*, since: dt.datetime | None = None) -> dict[str, int]:
    """Appeals by outcome (readers' comments only), and how many overturned a decision of the filter (its
    mistakes, which the training data learns from) or a moderator's."""
    appeals = Appeal.objects.filter(comment__simulation__isnull=True)
    if since is not None:
        appeals = appeals.filter(created_at__gte=since)
    overturned = Q(status=Appeal.Status.OVERTURNED)
    counts = appeals.aggregate(
        filed=Count("pk"),
        open=Count("pk", filter=Q(status=Appeal.Status.OPEN)),
        upheld=Count("pk", filter=Q(status=Appeal.Status.UPHELD)),
        overturned=Count("pk", filter=overturned),
        overturned_moderator=Count("pk", filter=overturned & Q(decision__actor__isnull=False)),
    )
    # The filter's mistakes: its own judgements overturned (its reason codes), not a hold by rule (a newcomer,
    # pre-moderation, a story holding every comment), which judged nothing.
    judged = appeals.filter(overturned, decision__actor__isnull=True).values_list("comment__reasons", flat=True)
    counts["overturned_filter"] = sum(1 for reasons in judged if filter_codes(reasons or []))
    return {key: int(value or 0) for key, value in counts.items()}
