from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib import messages
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from articles.selectors import article_for_page
from articles.views import render_article_page
from commenters.mailboxes import mailbox_key
from commenters.services import normalise_email
from comments import appeals, ratelimit
from comments.emails import confirm_once, confirmation_for
from comments.forms import (
    IDENTITY_COOKIE,
    REMEMBER_COOKIE,
    REMEMBER_SECONDS,
    CommentForm,
    Identity,
    ReportForm,
    confirmed_email,
    identity_cookie,
    remember_cookie,
)
from comments.models import Appeal, Comment, CommentReport
from comments.reactions import ReactionError, comment_react, comment_unreact
from comments.selectors import article_to_comment_on, comment_url, commenter_key, form_sent_before
from comments.services import CommentError, cache_keys_a_post_reads, comment_post, comment_report
from comments.session import (
    ignore_commenter,
    own_comment,
    own_comment_ids,
    reaction_reader,
    remember_own_comment,
    stop_ignoring,
)
from newsroom import cache, limits
from newsroom.http import client_ip
from newsroom.middleware import RETRY_AFTER_OUTAGE
from newsroom.rates import wait_words
from policies.selectors import active_policy_record, live_policy

logger = logging.getLogger(__name__)

# Which field a rule the service enforces is about; the others are shown above the form.
FIELD_FOR_ERROR = {"empty": "body", "too_long": "body", "name": "name", "email": "email"}


def too_fast(request: HttpRequest, email: str) -> int:
    """Seconds this reader must wait before posting again (0: go ahead). By the address and by the mailbox, in
    one read and one write of the cache; a post refused by either is counted by neither."""
    return ratelimit.hit_all(_post_limits(request, email))


def _post_limits(request: HttpRequest, email: str) -> list[tuple[str, str, str]]:
    return [
        ("comment-ip", client_ip(request) or "unknown", settings.COMMENTS_RATE_PER_IP),
        ("comment-email", mailbox_key(email), settings.COMMENTS_RATE_PER_EMAIL),
    ]


# What answers a post the form must show again (an error, a refusal, a rejection): the article page here; the
# embed passes its own, which answers with the comment section alone.
PageRenderer = Callable[..., HttpResponse]


@require_POST
def comment_create(
    request: HttpRequest,
    slug: str,
    *,
    render_page: PageRenderer = render_article_page,
    identity: Identity | None = None,
) -> HttpResponse:
    """A reader's comment. ``identity``: who another site vouches the reader is (the embed's signed-in
    reader), whose name and address the form then does not ask for."""
    article = article_to_comment_on(slug=slug)
    form = CommentForm(request.POST, article=article, identity=identity)
    if not form.is_valid():
        return render_page(request, article, extra={"comment_form": form}, status=400)
    data = form.cleaned_data

    def sent_before() -> Comment | None:
        return form_sent_before(token=data.get("token"), email=data["email"], body=data["body"])

    token, email = data.get("token"), data["email"]
    already, wait = form_in_flight(request, token, email, sent_before, read=cache_keys_a_post_reads(article.pk))
    if already is not None:
        # The same form again (a double click, a reload): it was posted once, show that.
        remember_own_comment(request, already.pk)
        return HttpResponseRedirect(comment_url(already))
    if wait and (already := sent_before()) is not None:
        # A double click racing itself: the other request stored it meanwhile; that is not "too fast".
        remember_own_comment(request, already.pk)
        return HttpResponseRedirect(comment_url(already))
    if wait:
        form.add_error(
            None,
            f"You are commenting faster than we allow. Wait {wait_words(wait)}, then press Post comment again; "
            "your text is kept below.",
        )
        limited = render_page(request, article, extra={"comment_form": form}, status=429)
        limited["Retry-After"] = str(wait)
        return limited
    try:
        result = comment_post(
            article=article,
            author_name=data["name"],
            author_email=data["email"],
            body=data["body"],
            parent=form.parent_comment,
            submission=form.submission(
                ip_address=client_ip(request),
                verified_email=identity.email if identity else confirmed_email(request.COOKIES.get(IDENTITY_COOKIE)),
            ),
            notify_replies=bool(data.get("notify")),
            stored_with=lambda comment: remember_own_comment(request, comment.pk, save=True),
        )
    except CommentError as exc:
        if exc.code != "token" and (already := sent_before()) is not None:
            # The same form stored before (its claim ran out), refused now by what changed since (the story
            # closed, the author banned, the parent taken down): it was posted once, show that.
            remember_own_comment(request, already.pk)
            return HttpResponseRedirect(comment_url(already))
        message = exc.messages[0]
        if exc.code in ("suspended", "banned"):
            form.add_error(None, f"{message} Your text is kept below.")
            return render_page(request, article, extra={"comment_form": form}, status=403)
        if exc.code == "closed":  # the story closed (or the site paused) while the reader wrote: text kept
            form.add_error(None, f"{message} Your text is kept below, but it cannot be posted now.")
            return render_page(request, article, extra={"comment_form": form}, status=403)
        if exc.code == "token":
            form.fresh_token()  # the text is kept; sent again, it is a new comment
        if (exc.code or "").startswith("parent"):
            form.forget_parent()  # what it answered is gone: the text is kept to post as a new comment
            message += " Your text is kept below; post it as a new comment."
        form.add_error(FIELD_FOR_ERROR.get(exc.code or ""), message)
        return render_page(request, article, extra={"comment_form": form}, status=400)
    except (OperationalError, InterfaceError):
        # The database connection dropped mid-post (a restart, a fail-over): the transaction was rolled
        # back or committed whole. Give the text back; sent again with the same token it is stored once.
        logger.exception("Database connection lost while posting a comment")
        if connection.connection is not None and not connection.in_atomic_block and not connection.is_usable():
            connection.close()  # the page below is read on a fresh connection
        form.add_error(
            None,
            "We lost the connection to our database while saving your comment. Press Post comment again: "
            "your text is kept below, and it will not be posted twice.",
        )
        lost = render_page(request, article, extra={"comment_form": form}, status=503)
        lost["Retry-After"] = str(RETRY_AFTER_OUTAGE)
        return lost

    comment = result.comment
    remember_own_comment(request, comment.pk)
    for warning in result.warnings:
        messages.warning(request, f"A moderator has warned you: {warning}. Please keep to the comments policy.")
    response: HttpResponse
    if comment.status == Comment.Status.PUBLISHED:
        if not result.duplicate_submission:
            messages.success(request, "Your comment is published.")
        response = HttpResponseRedirect(comment_url(comment, just_stored=not result.duplicate_submission))
    elif comment.status == Comment.Status.HELD:
        # Why it was held is said beside the comment, where the page lands, for as long as it waits.
        response = HttpResponseRedirect(f"{article.get_absolute_url()}#comment-{comment.pk}")
    else:
        # Rejected: say why, and give the text back so nothing the reader wrote is lost.
        because = "; ".join(dict.fromkeys(r["message"] for r in comment.explanation)) or "it breaks the comment policy"
        form.add_error(None, f"Your comment was not published because it {because}. You can edit it and try again.")
        response = render_page(request, article, extra={"comment_form": form}, status=200)
    return keep_or_forget_commenter(request, response, data)


# How long a copy of a form (a triple click) waits for the first copy to be stored, at most; and how long the
# first copy's claim lasts (a form sent again after a refusal waits for it only within this).
FORM_IN_FLIGHT_SECONDS = 5.0
FORM_CLAIM_SECONDS = 10


def form_in_flight(
    request: HttpRequest,
    token: str | None,
    email: str,
    stored: Callable[[], Comment | None],
    *,
    read: Iterable[str] = (),
) -> tuple[Comment | None, int]:
    """The comment a form sent again already stored, or stores (a double or triple click, a reload, a retry); else
    the seconds this reader must wait (``too_fast``; 0: go ahead).

    The first copy claims the form's token in the shared cache and reads nothing: nearly every post is a first
    copy, and asking the database first was a statement on each. The claim, the rate limits and the shared
    cache's ``read`` keys are one round trip on Redis (``ratelimit.claim_and_hit``). A copy sent within the claim
    (``FORM_CLAIM_SECONDS``) is not counted: it gets the first copy's comment once it is stored, rather than
    count against the rate limits (which would answer every copy 429) or race it. A copy sent later still is the
    token's unique index's: ``comment_post`` answers it with the comment stored before; and a copy refused (as
    too fast, or by what changed since: the story closed, the author banned) looks for it first. Such a late copy
    counts against the rate limits, as any post does."""
    read = list(read)
    claim = (f"comments:form-in-flight:{token}", FORM_CLAIM_SECONDS) if token else None
    claimed, wait = ratelimit.claim_and_hit(claim, _post_limits(request, email), read=read)
    if claimed:
        return None, wait  # no token, or the first copy: it goes on and posts, or waits
    deadline = time.monotonic() + FORM_IN_FLIGHT_SECONDS
    while (comment := stored()) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if comment is not None:
        return comment, 0
    # The first copy stored nothing (it was refused): this one is judged on its own, on what the cache says now.
    cache.read_again(read)
    return None, too_fast(request, email)


def keep_or_forget_commenter(request: HttpRequest, response: HttpResponse, data: dict[str, Any]) -> HttpResponse:
    """Ticked, the name and email are kept on this browser for next time; unticked, anything kept is forgotten."""
    if data.get("remember"):
        response.set_cookie(
            REMEMBER_COOKIE,
            remember_cookie(data["name"], data["email"]),
            max_age=REMEMBER_SECONDS,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    elif REMEMBER_COOKIE in request.COOKIES:
        response.delete_cookie(REMEMBER_COOKIE, samesite="Lax")
    return response


@require_POST
def forget_commenter(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Forget me" link: the name and email kept on this browser are dropped."""
    article = article_for_page(slug=slug)
    messages.info(request, "Your name and email are no longer kept on this browser.")
    response = HttpResponseRedirect(f"{article.get_absolute_url()}#comment-form")
    response.delete_cookie(REMEMBER_COOKIE, samesite="Lax")
    return response


@require_POST
def ignore_commenter_view(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Ignore" under a comment: none of its commenter's comments are shown to this reader from now on."""
    article = article_for_page(slug=slug)
    back = HttpResponseRedirect(f"{article.get_absolute_url()}#comments")
    wait = ratelimit.hit("ignore-ip", client_ip(request) or "unknown", settings.REPORTS_RATE_PER_IP)
    if wait:
        messages.error(request, f"You are doing that faster than we allow. Wait {wait_words(wait)}, then try again.")
        return back
    pk = request.POST.get("comment", "")
    comment = (
        Comment.objects.real().published().filter(article=article, pk=int(pk)).first()
        if pk.isdecimal() and len(pk) < 11
        else None
    )
    if comment is None:
        messages.error(request, "That comment is no longer here, so its commenter was not ignored.")
        return back
    mine = confirmed_email(request.COOKIES.get(IDENTITY_COOKIE))
    if comment.pk in own_comment_ids(request) or (mine and mailbox_key(mine) == comment.mailbox):
        messages.error(request, "That is your own comment: you cannot ignore yourself.")
        return back
    ignored = ignore_commenter(request, key=commenter_key(comment), name=comment.author_name)
    messages.info(
        request,
        f"You no longer see comments by {ignored.name}. To see them again, press “Show their comments again” "
        "above the comments.",
    )
    return HttpResponseRedirect(f"{article.get_absolute_url()}#ignored-commenters")  # where it can be undone


@require_POST
def react_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The reaction button under a comment: given (``on=1``) or taken back (``on=0``)."""
    comment = get_object_or_404(
        Comment.objects.real().published().filter(article__is_published=True).select_related("article"), pk=pk
    )
    on = request.POST.get("on", "1")
    if on not in ("0", "1"):
        return HttpResponse("A reaction is given (on=1) or taken back (on=0).", status=400, content_type="text/plain")
    where = kept_view(request.POST.get("back", ""))
    if where:  # the view the reader pressed it in (its sort, page, thread or the Featured tab)
        back = HttpResponseRedirect(f"{comment.article.get_absolute_url()}?{where}#comment-{comment.pk}")
    else:
        url, _, _ = comment_url(comment).partition("#")
        back = HttpResponseRedirect(f"{url}#comment-{comment.pk}")
    address = client_ip(request) or "unknown"
    wait = ratelimit.hit_all(
        [
            ("reaction-ip", address, settings.REACTIONS_RATE_PER_IP),
            # Each new session is a new reader: one address gives one comment a few at most.
            ("reaction-ip-comment", f"{address}:{comment.pk}", REACTIONS_A_COMMENT_PER_IP),
        ]
    )
    if wait:
        messages.error(request, f"You are reacting faster than we allow. Wait {wait_words(wait)}, then try again.")
        return back
    reader = reaction_reader(request, create=True)
    assert reader is not None
    try:
        if on == "0":
            comment_unreact(comment=comment, reader=reader)
        else:
            comment_react(comment=comment, reader=reader, own=[comment.pk] if own_comment(request, comment) else [])
    except ReactionError as exc:
        messages.error(request, str(exc))
    return back


# Reactions one client address may give one comment (or take back) an hour: a script making a new session for
# every click is still one address. (A household or an office behind one address shares it.)
REACTIONS_A_COMMENT_PER_IP = "6/h"
# What of the section's own query a form may carry back: the view the reader was in.
VIEW_KEYS = ("sort", "page", "thread", "replies", "tab")


def kept_view(query: str) -> str:
    """The section's view in ``query`` (its sort, page, thread, replies page or tab), and nothing else."""
    kept = [(k, v) for k, v in parse_qsl(query[:300]) if k in VIEW_KEYS and len(v) <= 20 and v.isalnum()]
    return urlencode(kept)


@require_POST
def stop_ignoring_view(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Show their comments again", in the list of commenters this reader ignores."""
    article = article_for_page(slug=slug)
    found = stop_ignoring(request, request.POST.get("who", ""))
    if found is None:
        messages.error(request, "You were not ignoring that commenter.")
    else:
        messages.info(request, f"You see comments by {found.name} again.")
    return HttpResponseRedirect(f"{article.get_absolute_url()}#comments")


@require_POST
def comment_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Only what a reader can see can be reported: anything else is not found (and says nothing of it).
    comment = get_object_or_404(
        Comment.objects.real().published().filter(article__is_published=True).select_related("article"), pk=pk
    )
    wait = ratelimit.hit("report-ip", client_ip(request) or "unknown", settings.REPORTS_RATE_PER_IP)
    if wait:
        response = render(
            request, "429.html", {"wait": wait_words(wait), "back": comment_url(comment), "what": "reports"}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    form = ReportForm(request.POST)
    if not form.is_valid():
        return back_to_report(request, comment, "Choose a reason for the report.", failed=True)
    try:
        comment_report(
            comment=comment,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            ip_address=client_ip(request),
        )
    except CommentError as exc:
        return back_to_report(request, comment, exc.messages[0], failed=True)
    return back_to_report(request, comment, "Thank you. A moderator will look at this comment.")


# What became of this browser's last report; comments/comment.html shows it (a template reads the key: no dots).
REPORT_NOTICE = "comments_report_notice"


def back_to_report(request: HttpRequest, comment: Comment, text: str, *, failed: bool = False) -> HttpResponse:
    """Back to the comment, with what became of the report said under it, where the reader pressed Report and
    where the page is anchored (a message at the top of the page was thousands of pixels out of sight). The
    session says it (a link cannot make a page thank anyone); ``reported`` in the address shows it on this
    page only, not on every later visit."""
    request.session[REPORT_NOTICE] = {"comment": comment.pk, "text": text, "failed": failed}
    url, _, _ = comment_url(comment).partition("#")
    path, _, query = url.partition("?")
    params = [(key, value) for key, value in parse_qsl(query) if key != "reported"] + [("reported", str(comment.pk))]
    return HttpResponseRedirect(f"{path}?{urlencode(params)}#report-notice-{comment.pk}")


def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "comments/faq.html", {"policy": active_policy_record()})


def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed confirmation link: a button (a mail scanner's visit confirms nothing), then this browser
    carries the confirmed address. A link confirms once: forwarded or copied, it makes no other browser the
    reader's."""
    confirmation = confirmation_for(token)
    if confirmation is None:
        return render(request, "comments/confirm.html", {"invalid": True}, status=400)
    email = confirmation.email
    if confirmation.used:
        return render(request, "comments/confirm.html", {"used": True, "email": email}, status=400)
    if request.method != "POST":
        return render(request, "comments/confirm.html", {"email": email})
    if not confirm_once(confirmation):  # another click of the same link got there first
        return render(request, "comments/confirm.html", {"used": True, "email": email}, status=400)
    response = render(request, "comments/confirm.html", {"email": email, "done": True})
    response.set_cookie(
        IDENTITY_COOKIE, identity_cookie(normalise_email(email)), max_age=REMEMBER_SECONDS,
        secure=request.is_secure(), httponly=True, samesite="Lax",
    )  # fmt: skip
    return response


def appeal_view(request: HttpRequest, token: str) -> HttpResponse:
    """A hidden comment's statement of reasons, and its author's appeal: reached from the author's own page
    (their comment says why it is hidden) and from the decision's email. The link is theirs alone; an appeal
    is made once a decision, with a note, within the policy's period. A note refused is shown again."""
    comment = appeals.comment_for_token(token)
    if comment is None:
        return render(request, "comments/appeal.html", {"invalid": True}, status=404)
    policy = live_policy()
    note, status = "", 200
    if request.method == "POST":
        note = request.POST.get("note", "")
        wait = ratelimit.hit("appeal-ip", client_ip(request) or "unknown", settings.REPORTS_RATE_PER_IP)
        if wait:
            messages.error(
                request, f"Too many at once: wait {wait_words(wait)}, then send it again. Your text is kept."
            )
            status = 429
        else:
            try:
                appeals.appeal_file(comment=comment, note=note, policy=policy)
            except appeals.AppealError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(
                    request,
                    "Your appeal is sent. A moderator other than the one who decided will read it; you will hear "
                    "the outcome here, and by email if you confirmed your address.",
                )
                return HttpResponseRedirect(request.path)
    statement = appeals.statement_of_reasons(comment, policy=policy)
    if statement is not None:  # the appeal of the decision that hides it now, if made
        appeal = statement.appeal
    else:  # shown to all: what its last appeal came to, if that is what published it
        appeal = comment.appeals.filter(status=Appeal.Status.OVERTURNED).order_by("-created_at", "-id").first()
        if appeal is not None and comment.status != Comment.Status.PUBLISHED:
            appeal = None
    answer = appeal.resolution if appeal is not None else None
    context = {
        "comment": comment,
        "statement": statement,
        "appeal": appeal,
        "outcome_reason": dict(CommentReport.Reason.choices).get(answer.reason, answer.reason) if answer else "",
        "note": note,
        "note_max": limits.APPEAL_NOTE_MAX_LENGTH,
        "policy": active_policy_record(),
    }
    return render(request, "comments/appeal.html", context, status=status)
