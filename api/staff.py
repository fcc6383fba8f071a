"""The moderators' endpoints: the review queue, deciding, a commenter's record and sanctioning them.

Authenticated by a personal API token (``api.auth.StaffToken``) and allowed by the permissions the desk
checks (``newsroom.staff.STAFF_ENDPOINTS``): deciding needs ``comments.can_moderate``, sanctioning
``commenters.can_sanction``. Every write is the desk's service call, so it is audited as the desk's are,
under the token's user.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.params import P, QueryEx

from api.auth import StaffToken, require
from api.problems import Problem
from api.readers import MAX_ID, reasons_of, story_out
from api.schemas import (
    CommenterOut,
    DecisionIn,
    DecisionOut,
    HistoryComment,
    Parent,
    QueueAppeal,
    QueueItem,
    QueueOut,
    QueueTab,
    Reason,
    Report,
    SanctionIn,
    SanctionOut,
)
from commenters.mailboxes import mailbox_key
from commenters.models import Commenter, Sanction
from commenters.selectors import active_sanctions
from commenters.services import SanctionError, normalise_email, sanction_add
from comments import services
from comments.models import Appeal, Comment, CommentReport
from comments.sanitize import clean_text
from desk.review import status_label, suggested_reason
from desk.selectors import QUEUE_TABS, by_traffic, queue_counts, queue_tab_filter
from newsroom import limits
from newsroom.staff import STAFF_ENDPOINTS

router = Router(tags=["Staff"], auth=StaffToken())

MODERATE = STAFF_ENDPOINTS["admin:desk_reviewqueueitem_decide"]
SANCTION = STAFF_ENDPOINTS["admin:desk_reviewqueueitem_sanction"]
QUEUE_PAGE = 50
RECENT_COMMENTS = 20
# The tabs that list what was done, newest first; what waits is worked oldest first (as the desk has it).
NEWEST_FIRST = {"recent", "approved", "rejected"}


@router.get("/queue", response=QueueOut, summary="The review queue, one tab a page at a time")
def queue(request: HttpRequest, tab: str = "review", page: QueryEx[int, P(ge=1, le=MAX_ID)] = 1) -> QueueOut:
    require(request, MODERATE)
    if tab not in QUEUE_TABS:
        raise Problem(400, f"Unknown tab {tab[:50]!r}; the tabs are {', '.join(QUEUE_TABS)}.", kind="invalid",
                      errors=[{"field": "query.tab", "message": f"One of {', '.join(QUEUE_TABS)}."}])  # fmt: skip
    readers = by_traffic(Comment.objects.all(), None)
    order = ["-created_at", "-id"] if tab in NEWEST_FIRST else ["created_at", "id"]
    listed = (
        readers.filter(queue_tab_filter(tab))
        .select_related("article", "parent")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=CommentReport.objects.filter(resolved=False).order_by("created_at"),
                to_attr="open_report_list",
            ),
            Prefetch(
                "appeals",
                queryset=Appeal.objects.filter(status=Appeal.Status.OPEN).select_related("decision__actor"),
                to_attr="open_appeal_list",
            ),
        )
        .order_by(*order)
    )
    counts = queue_counts(readers)
    paginator = Paginator(listed, QUEUE_PAGE)
    shown = paginator.get_page(page)
    return QueueOut(
        tab=tab,
        tabs=[QueueTab(key=key, label=label, count=counts[key]) for key, label in QUEUE_TABS.items()],
        page=shown.number,
        pages=paginator.num_pages,
        items=[queue_item(comment) for comment in shown.object_list],
    )


def queue_item(comment: Comment) -> QueueItem:
    parent = comment.parent
    appeal = next(iter(getattr(comment, "open_appeal_list", [])), None)
    return QueueItem(
        id=comment.pk, story=story_out(comment.article), author_name=comment.author_name,
        author_email=comment.author_email, body=comment.body, created_at=comment.created_at, status=comment.status,
        status_label=status_label(comment),
        parent=Parent(id=parent.pk, author_name=parent.author_name, body=parent.body[:500]) if parent else None,
        reasons=[Reason(code=str(r.get("code", "")), message=str(r.get("message", ""))) for r in comment.explanation or []],
        scores={str(k): float(v) for k, v in (comment.scores or {}).items()},
        reports=[
            Report(reason=r.reason, note=r.note, created_at=r.created_at)
            for r in getattr(comment, "open_report_list", [])
        ],
        flagged=comment.flagged, suggested_reason=suggested_reason(comment),
        seen=services.Seen.of(comment).token,
        appeal=QueueAppeal(
            note=appeal.note, created_at=appeal.created_at,
            against=appeal.decision.actor.get_username() if appeal.decision.actor else "filter",
        ) if appeal is not None else None,
    )  # fmt: skip


@router.post(
    "/queue/{comment_id}/decision",
    response=DecisionOut,
    summary="Approve or reject a comment",
    description="Send the item's 'seen' token: if the comment changed since (another moderator decided, a reader "
    "reported it), the decision is refused with 409 and what happened. Audited as the desk's decisions are.",
)
def decide(request: HttpRequest, comment_id: int, data: DecisionIn) -> DecisionOut:
    user = require(request, MODERATE)
    comment = Comment.objects.filter(pk=comment_id).first() if 0 < comment_id <= MAX_ID else None
    if comment is None:
        raise Problem(404, f"There is no comment {comment_id}.", kind="not-found")
    seen = services.Seen.parse(data.seen)
    if seen is None:
        raise Problem(400, "'seen' is not a token the queue gave; send the queue item's 'seen' as it was listed.",
                      kind="invalid", errors=[{"field": "seen", "message": "Not a seen token."}])  # fmt: skip
    kept = comment.status == Comment.Status.PUBLISHED
    try:
        event = services.comment_decide(
            comment=comment, actor=user, decision=data.action, reason=data.reason if data.action == "reject" else "",
            note=clean_text(data.note).strip() if data.action == "reject" else "", seen=seen,
        )  # fmt: skip
    except services.DecisionRefused as refused:
        if refused.code == "own_decision":  # an appeal against this moderator's decision: another answers it
            raise Problem(403, refused.messages[0], kind="forbidden") from None
        raise Problem(409, refused.messages[0], kind="conflict" if refused.conflict else "no-change") from None
    except services.CommentError as exc:
        raise Problem(400, exc.messages[0], kind="invalid") from None
    if data.action == "approve":
        message = "Kept published." if kept else "Comment approved."
    else:
        message = f"Comment {event.get_action_display().lower()} ({services.REJECT_REASONS[event.reason].lower()})."
    return DecisionOut(
        id=comment.pk, status=comment.status, seen=services.Seen.of(comment).token, message=message,
        action=event.action, reason=event.reason, actor=event.actor_label,
    )  # fmt: skip


def sanction_out(sanction: Sanction) -> SanctionOut:
    at = timezone.now()
    return SanctionOut(
        id=sanction.pk, kind=sanction.kind, reason=sanction.reason, created_at=sanction.created_at,
        ends_at=sanction.ends_at, lifted_at=sanction.lifted_at,
        created_by=sanction.created_by.get_username() if sanction.created_by else None,
        in_force=sanction.lifted_at is None and (sanction.ends_at is None or sanction.ends_at > at),
    )  # fmt: skip


def _email(email: str) -> str:
    """The address a path names, as stored; anything that is not an email address is 400, and nothing is done."""
    address = normalise_email(email)
    problem = ""
    if not address:
        problem = "Give the commenter's email address in the path."
    elif len(address) > limits.EMAIL_MAX_LENGTH:
        problem = f"An email address has at most {limits.EMAIL_MAX_LENGTH} characters."
    else:
        try:
            validate_email(address)
        except ValidationError:
            problem = f"{email[:100]!r} is not an email address."
    if problem:
        raise Problem(400, problem, kind="invalid", errors=[{"field": "path.email", "message": problem}])
    return address


@router.get("/commenters/{email}", response=CommenterOut, summary="A commenter's record and sanctions")
def commenter(request: HttpRequest, email: str) -> CommenterOut:
    require(request, MODERATE)
    address = _email(email)
    key = mailbox_key(address)  # every spelling that delivers to this mailbox is the same commenter
    theirs = Comment.objects.real().filter(Q(mailbox=key) | Q(author_email=address))
    counts = dict.fromkeys(Comment.Status.values, 0)
    for row in theirs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    recent = theirs.select_related("article").order_by("-created_at", "-id")[:RECENT_COMMENTS]
    sanctions = (
        Sanction.objects.filter(Q(mailbox=key) | Q(email=address)).select_related("created_by").order_by("-created_at")
    )[:20]
    return CommenterOut(
        email=address,
        confirmed=Commenter.objects.filter(email=address, confirmed_at__isnull=False).exists(),
        counts=counts,
        recent=[
            HistoryComment(
                id=c.pk,
                story=story_out(c.article),
                status=c.status,
                body=c.body,
                created_at=c.created_at,
                reasons=reasons_of(c),
            )  # fmt: skip
            for c in recent
        ],
        sanctions=[sanction_out(s) for s in sanctions],
        active_sanctions=[sanction_out(s) for s in active_sanctions(email=address)],
    )


@router.post("/commenters/{email}/sanctions", response={201: SanctionOut}, summary="Warn, pre-moderate, suspend or ban")
def sanction(request: HttpRequest, email: str, data: SanctionIn) -> Status[SanctionOut]:
    user = require(request, SANCTION)
    address = _email(email)
    days = None if data.kind == "warn" else data.days  # a warning has no end
    try:
        made = sanction_add(kind=data.kind, reason=clean_text(data.reason), actor=user, email=address, days=days)
    except SanctionError as exc:
        raise Problem(400, exc.messages[0], kind="invalid") from None
    return Status(201, sanction_out(made))
