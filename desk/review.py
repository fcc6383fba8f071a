"""How moderators decide in the admin: the bulk actions, the reject form, the decide and undo views.

``admin.py`` declares what the queue shows; this module is what a moderator does with
it. Every decision goes through ``services``, so it is audited like any other, and names
the state it was made on (``services.Seen``, posted as ``seen-<id>`` beside each row's
reason): a decision on a comment that has changed meanwhile is refused with what changed
(HTTP 409 for the desk's script). A decision made here can be undone for
``services.UNDO_WINDOW``; its emails wait until then. A row's commenter is sanctioned
from the row too (``<id>/sanction/``), through ``commenters.services.sanction_add``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from commenters.models import Sanction
from commenters.services import SanctionError, sanction_add
from comments import services
from comments.models import Appeal, Comment, ModerationEvent
from moderation import Family
from newsroom.admin import actor
from newsroom.staff import STAFF_ENDPOINTS

MODERATE = STAFF_ENDPOINTS["admin:desk_reviewqueueitem_decide"]
SANCTION = STAFF_ENDPOINTS["admin:desk_reviewqueueitem_sanction"]
# Far beyond any real suspension, and short of the calendar's end (an end date past year 9999 cannot be stored).
MAX_SANCTION_DAYS = 36500
# The row's sanction form is one line: short names for the kinds, and what the row says once one is made.
SANCTION_KINDS = {
    Sanction.Kind.WARN: ("Warn", "Warned"),
    Sanction.Kind.PREMODERATE: ("Pre-moderate", "Pre-moderated"),
    Sanction.Kind.SUSPEND: ("Suspend", "Suspended"),
    Sanction.Kind.BAN: ("Ban", "Banned"),
}


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=list(services.REJECT_REASONS.items()))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


def seen_in(request: HttpRequest, comment: Comment) -> services.Seen:
    """The state the moderator decided on, as the row or page posted it; a post that names none (an old
    page, a script) decides on the state this request found."""
    posted = request.POST.get(f"seen-{comment.pk}") or request.POST.get("seen")
    return services.Seen.parse(posted) or services.Seen.of(comment)


def undo_form(request: HttpRequest, events: Iterable[ModerationEvent]) -> SafeString:
    """An Undo button for a message after a page load (the desk's script shows its own in the row)."""
    ids = [event.pk for event in events if event.undo_until]
    if not ids:
        return SafeString("")
    seconds = int(services.UNDO_WINDOW.total_seconds())
    return format_html(
        ' <form method="post" action="{}" class="desk-undo-form"><input type="hidden" name="csrfmiddlewaretoken"'
        ' value="{}">{}<button type="submit" class="button desk-undo">Undo</button> (for {} s)</form>',
        reverse("admin:desk_reviewqueueitem_undo"), get_token(request),
        format_html_join("", '<input type="hidden" name="event" value="{}">', ((pk,) for pk in ids)), seconds,
    )  # fmt: skip


class ModerationActions(admin.ModelAdmin[Comment]):
    """Approve / reject actions, for any ModelAdmin of comments."""

    actions = ["approve", "reject_as_shown", "reject_abusive", "reject_off_topic", "reject_spam", "reject_other"]

    # Comments are written by readers and never deleted: removal is a status, audited.
    # (Without delete permission Django also drops its "delete selected" action.)
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_can_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(MODERATE))

    def _decide_each(
        self, request: HttpRequest, queryset: QuerySet[Comment], decision: str,
        reason_of: Callable[[Comment], str] = lambda comment: "", note: str = "",
    ) -> None:  # fmt: skip
        """One decision a selected comment, each on the state its row showed; what was refused is said."""
        events: list[ModerationEvent] = []
        refused: list[str] = []
        # Selected rows that have left this tab's list meanwhile (someone decided): Django drops them quietly.
        selected = {int(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME) if pk.isdecimal()}
        gone = selected - set(queryset.values_list("pk", flat=True))
        for comment in Comment.objects.filter(pk__in=gone).order_by("pk"):
            refused.append(f"{comment.author_name}: {services.describe_change(services.last_change(comment))}")
        for comment in queryset:
            try:
                events.append(
                    services.comment_decide(
                        comment=comment,
                        actor=actor(request),
                        decision=decision,
                        reason=reason_of(comment),
                        note=note,
                        seen=seen_in(request, comment),
                        undo_window=services.UNDO_WINDOW,
                    )  # fmt: skip
                )
            except services.CommentError as exc:
                refused.append(f"{comment.author_name}: {exc.messages[0]}")
        done = len(events)
        if decision == "approve":
            text = ngettext("%d comment approved.", "%d comments approved.", done) % done
        else:
            reasons = sorted({services.REJECT_REASONS[e.reason].lower() for e in events}) or ["—"]
            text = ngettext("%(n)d comment rejected as %(r)s.", "%(n)d comments rejected as %(r)s.", done) % {
                "n": done, "r": ", ".join(reasons),
            }  # fmt: skip
        self.message_user(request, format_html("{}{}", text, undo_form(request, events)), messages.SUCCESS)
        if refused:
            shown = "; ".join(refused[:5]) + ("; …" if len(refused) > 5 else "")
            count = len(refused)
            self.message_user(
                request,
                ngettext("%(n)d not changed: %(why)s", "%(n)d not changed: %(why)s", count)
                % {"n": count, "why": shown},
                messages.WARNING,
            )

    @admin.action(description="Approve (publish)", permissions=["can_moderate"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._decide_each(request, queryset, "approve")

    def _reject(self, request: HttpRequest, queryset: QuerySet[Comment], reason: str, note: str = "") -> None:
        self._decide_each(request, queryset, "reject", lambda comment: reason, note)

    @admin.action(description="Reject, each for the reason its row shows", permissions=["can_moderate"])
    def reject_as_shown(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        # The reason applied is the one the row's dropdown showed; a row with none (already decided) is refused.
        self._decide_each(request, queryset, "reject", lambda comment: request.POST.get(f"reason-{comment.pk}", ""))

    @admin.action(description="Reject: abusive", permissions=["can_moderate"])
    def reject_abusive(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._reject(request, queryset, Family.ABUSIVE)

    @admin.action(description="Reject: off-topic", permissions=["can_moderate"])
    def reject_off_topic(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._reject(request, queryset, Family.OFF_TOPIC)

    @admin.action(description="Reject: spam", permissions=["can_moderate"])
    def reject_spam(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._reject(request, queryset, Family.SPAM)

    @admin.action(description="Reject: other reason (with a note)…", permissions=["can_moderate"])
    def reject_other(self, request: HttpRequest, queryset: QuerySet[Comment]) -> HttpResponse | None:
        if "confirm" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid() and (form.cleaned_data["reason"] != "other" or form.cleaned_data["note"].strip()):
                self._reject(request, queryset, form.cleaned_data["reason"], form.cleaned_data["note"])
                return None
            if form.is_valid():
                form.add_error("note", "Say why in a note when the reason is 'other'.")
        else:
            form = RejectForm(initial={"reason": "other"})
        return TemplateResponse(
            request,
            "admin/desk/reject_with_note.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reject with a note",
                "queryset": queryset,
                # The states the rows showed travel with the form, so the decision is still on them.
                "selected": [(c, seen_in(request, c).token) for c in queryset],
                "form": form,
                "action": "reject_other",
                "opts": self.model._meta,
            },
        )


class ReviewWorkflow(ModerationActions):
    """The queue's detail page gets a Decide form, posted to its own view (``<id>/decide/``); a decision
    is undone at ``undo/``."""

    def get_urls(self) -> list[URLPattern]:
        decide = self.admin_site.admin_view(self.decide_view)
        undo = self.admin_site.admin_view(self.undo_view)
        sanction = self.admin_site.admin_view(self.sanction_view)
        feature = self.admin_site.admin_view(self.feature_view)
        return [
            path("undo/", undo, name="desk_reviewqueueitem_undo"),
            path("<path:object_id>/decide/", decide, name="desk_reviewqueueitem_decide"),
            path("<path:object_id>/sanction/", sanction, name="desk_reviewqueueitem_sanction"),
            path("<path:object_id>/feature/", feature, name="desk_reviewqueueitem_feature"),
            *super().get_urls(),
        ]

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        comment = Comment.objects.filter(pk=int(object_id)).first() if object_id and object_id.isdecimal() else None
        appealed = comment is not None and has_open_appeal(comment)
        verb = "Overturn: publish" if appealed else approve_label(comment) if comment else None
        initial = {"reason": suggested_reason(comment)} if comment else {}
        extra_context = {
            **(extra_context or {}), "decide_form": RejectForm(initial=initial), "show_decide": True, "approve_verb": verb,
            "appealed": appealed,
            "decide_seen": services.Seen.of(comment).token if comment else "",
        }  # fmt: skip
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _moderated_comment(self, request: HttpRequest, object_id: str) -> Comment | HttpResponse:
        """What a desk action (a decision, featuring) acts on: the comment, for a POST by a moderator; otherwise
        the answer, as JSON for the desk's script or as a page."""
        wants_json = "application/json" in request.headers.get("Accept", "")
        if request.method != "POST":
            return redirect("admin:desk_reviewqueueitem_change", object_id)
        # Before anything about the comment: whoever may not moderate learns nothing of it.
        if not request.user.has_perm(MODERATE):
            if wants_json:
                return JsonResponse({"ok": False, "message": "You do not have permission to moderate."}, status=403)
            raise PermissionDenied
        comment = Comment.objects.filter(pk=object_id).first() if str(object_id).isdecimal() else None
        if comment is None:
            if wants_json:
                return JsonResponse({"ok": False, "message": "That comment does not exist."}, status=404)
            self.message_user(request, "That comment does not exist.", messages.ERROR)
            return redirect("admin:desk_reviewqueueitem_changelist")
        return comment

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One decision on one comment, from the desk's row (a form post, or the desk's script asking for
        JSON: no page load) or from the comment's own page (then the next comment waiting opens)."""
        comment = self._moderated_comment(request, object_id)
        if isinstance(comment, HttpResponse):
            return comment
        # A decision refused goes back where it was asked: the desk (its tab and filters kept), or the comment's page.
        back = self._back_to_desk(request) or redirect("admin:desk_reviewqueueitem_change", comment.pk)
        decision = request.POST.get("decide", "")
        if decision not in ("approve", "reject"):
            return self._answer(request, comment, 400, "Approve or reject: nothing else is a decision.", back)
        form = RejectForm(
            {
                "reason": request.POST.get(f"reason-{comment.pk}") or request.POST.get("reason"),
                "note": request.POST.get(f"note-{comment.pk}") or request.POST.get("note") or "",
            }
        )
        if decision == "reject" and not form.is_valid():
            return self._answer(request, comment, 400, "Choose a reason to reject.", back)
        kept = comment.status == Comment.Status.PUBLISHED
        try:
            event = services.comment_decide(
                comment=comment, actor=actor(request), decision=decision,
                reason=form.cleaned_data["reason"] if decision == "reject" else "",
                note=form.cleaned_data["note"] if decision == "reject" else "",
                seen=seen_in(request, comment), undo_window=services.UNDO_WINDOW,
            )  # fmt: skip
        except services.DecisionRefused as refused:
            return self._answer(request, refused.comment, 409, refused.messages[0], back, conflict=refused.conflict)
        except services.CommentError as exc:
            return self._answer(request, comment, 400, exc.messages[0], back)
        if decision == "approve":
            message = "Kept published." if kept else "Comment approved."
        else:
            message = f"Comment {event.get_action_display().lower()} ({services.REJECT_REASONS[event.reason].lower()})."
        return self._answer(request, comment, 200, message, lambda: self._after_decision(request, comment), event=event)

    def feature_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Feature a published comment (``feature=1``) or stop featuring it (``feature=0``), from its row (the
        desk's ``f`` key presses the row's button) or its page; back where it was asked, with what was done."""
        comment = self._moderated_comment(request, object_id)
        if isinstance(comment, HttpResponse):
            return comment
        wants_json = "application/json" in request.headers.get("Accept", "")
        featured = request.POST.get("feature", "1") != "0"
        try:
            services.comment_feature(comment=comment, actor=actor(request), featured=featured)
        except services.CommentError as exc:
            code, message = 400, exc.messages[0]
        else:
            code = 200
            message = "Featured: the section's Featured tab lists it." if featured else "No longer featured."
        if wants_json:  # the desk's f key: the row's controls as they are now, no page load
            comment.refresh_from_db()
            return JsonResponse({"ok": code == 200, "message": message, **row_state(comment)}, status=code)
        self.message_user(request, message, messages.SUCCESS if code == 200 else messages.ERROR)
        return self._back_to_desk(request) or redirect("admin:desk_reviewqueueitem_change", comment.pk)

    def undo_view(self, request: HttpRequest) -> HttpResponse:
        """Take back one's own decisions (``event``, one or more) within their window."""
        wants_json = "application/json" in request.headers.get("Accept", "")
        if request.method != "POST":
            return redirect("admin:desk_reviewqueueitem_changelist")
        if not request.user.has_perm(MODERATE):
            if wants_json:
                return JsonResponse({"ok": False, "message": "You do not have permission to moderate."}, status=403)
            raise PermissionDenied
        ids = [int(pk) for pk in request.POST.getlist("event") if pk.isdecimal()]
        events = list(ModerationEvent.objects.filter(pk__in=ids).select_related("comment"))
        if not events:
            if wants_json:
                return JsonResponse({"ok": False, "message": "No such decision."}, status=404)
            self.message_user(request, "No such decision.", messages.ERROR)
            return redirect("admin:desk_reviewqueueitem_changelist")
        answers: list[tuple[int, str, Comment]] = []
        for event in events:
            try:
                services.comment_undo(event=event, actor=actor(request))
                comment = Comment.objects.get(pk=event.comment_id)
                answers.append((200, f"Undone: it is {comment.get_status_display().lower()} again.", comment))
            except services.DecisionRefused as refused:
                answers.append((409, refused.messages[0], refused.comment))
        if wants_json:
            code, message, comment = answers[0]
            return JsonResponse({"ok": code == 200, "message": message, **row_state(comment)}, status=code)
        for code, message, comment in answers:
            self.message_user(
                request, f"{comment.author_name}: {message}", messages.SUCCESS if code == 200 else messages.ERROR
            )
        return self._back_to_desk(request) or redirect("admin:desk_reviewqueueitem_changelist")

    def sanction_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Sanction the commenter of one row without leaving the desk: the desk's script asks for JSON and
        shows the answer in the row; without it the row's button posts the desk's form and the desk comes back
        (its tab and filters kept) with the answer as a message."""
        wants_json = "application/json" in request.headers.get("Accept", "")

        def answer(code: int, message: str) -> HttpResponse:
            if wants_json:
                return JsonResponse({"ok": code == 200, "message": message}, status=code)
            self.message_user(request, message, messages.SUCCESS if code == 200 else messages.ERROR)
            return self._back_to_desk(request) or redirect("admin:desk_reviewqueueitem_changelist")

        if request.method != "POST":
            return redirect("admin:desk_reviewqueueitem_changelist")
        if not request.user.has_perm(SANCTION):
            if not wants_json and not request.user.has_perm(MODERATE):
                raise PermissionDenied
            return answer(403, "You do not have permission to sanction commenters.")
        comment = Comment.objects.filter(pk=object_id).first() if str(object_id).isdecimal() else None
        if comment is None:
            return answer(404, "That comment does not exist.")
        if comment.simulation_id is not None:
            return answer(400, "A simulated comment has no commenter to sanction.")
        kind = request.POST.get(f"sanction-kind-{comment.pk}") or request.POST.get("kind") or ""
        reason = request.POST.get(f"sanction-reason-{comment.pk}") or request.POST.get("reason") or ""
        days_text = (request.POST.get(f"sanction-days-{comment.pk}") or request.POST.get("days") or "").strip()
        try:
            days = int(days_text) if days_text else None
        except ValueError:
            return answer(400, "The number of days must be a whole number.")
        if days is not None and days > MAX_SANCTION_DAYS:
            return answer(400, f"At most {MAX_SANCTION_DAYS} days; a ban or pre-moderation can have no end.")
        if kind == Sanction.Kind.WARN:
            days = None  # a warning has no end: a number left in the field beside it means nothing
        try:
            sanction = sanction_add(
                kind=kind, reason=reason, actor=actor(request), email=comment.author_email, days=days
            )
        except SanctionError as exc:
            return answer(400, exc.messages[0])
        done = SANCTION_KINDS[Sanction.Kind(sanction.kind)][1]
        until = f" until {timezone.localtime(sanction.ends_at):%Y-%m-%d %H:%M}" if sanction.ends_at else ""
        return answer(200, f"{done} {sanction.email}{until}: {sanction.reason}")

    def _answer(
        self, request: HttpRequest, comment: Comment, code: int, message: str,
        then: HttpResponse | Callable[[], HttpResponse], *, conflict: bool = False,
        event: ModerationEvent | None = None,
    ) -> HttpResponse:  # fmt: skip
        """A JSON answer for the desk's script (the row's new state, its controls, and how to undo), or a
        message and the next page."""
        if "application/json" in request.headers.get("Accept", ""):
            body: dict[str, Any] = {"ok": code == 200, "message": message, **row_state(comment)}
            if conflict:
                body["conflict"] = True
            if event is not None and event.undo_until:
                body["undo"] = {
                    "url": reverse("admin:desk_reviewqueueitem_undo"), "event": event.pk,
                    "seconds": int(services.UNDO_WINDOW.total_seconds()),
                }  # fmt: skip
            return JsonResponse(body, status=code)
        if code == 200:
            self.message_user(request, format_html("{}{}", message, undo_form(request, [event] if event else [])))
        else:
            self.message_user(request, message, messages.ERROR)
        return then() if callable(then) else then

    def _back_to_desk(self, request: HttpRequest) -> HttpResponse | None:
        referer = request.headers.get("Referer", "")
        changelist = reverse("admin:desk_reviewqueueitem_changelist")
        if (
            referer
            and url_has_allowed_host_and_scheme(referer, {request.get_host()})
            and urlsplit(referer).path == changelist
        ):
            return HttpResponseRedirect(referer)
        return None

    def _after_decision(self, request: HttpRequest, comment: Comment) -> HttpResponse:
        """Back to the desk the decision came from (its tab and filters kept); from a comment's own page,
        on to the next comment waiting."""
        back = self._back_to_desk(request)
        if back is not None:
            return back
        waiting = (
            Comment.objects.real()
            .needing_review()
            .exclude(pk=comment.pk)
            .filter(Q(created_at__gt=comment.created_at) | Q(created_at=comment.created_at, pk__gt=comment.pk))
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if waiting is None:
            return redirect("admin:desk_reviewqueueitem_changelist")
        return redirect("admin:desk_reviewqueueitem_change", waiting)


def row_state(comment: Comment) -> dict[str, str]:
    """What the desk's row shows of a comment, after a decision, a refusal or an undo: its status, the state
    its next decision is made on, and its decide controls for that state."""
    return {
        "status": comment.status,
        "status_label": status_label(comment),
        "seen": services.Seen.of(comment).token,
        "controls": decide_controls(comment),
    }


def status_label(comment: Comment) -> str:
    if comment.status == Comment.Status.PUBLISHED and comment.open_reports:
        return "Reported"
    if comment.status == Comment.Status.PUBLISHED and comment.flagged:
        return "Published, possibly off-topic"
    return comment.get_status_display()


def decide_controls(obj: Comment) -> str:
    """A row's decide buttons for the comment's state, its reason dropdown (set to the suggestion) and the
    state they decide on; a removed comment only says so."""
    url = reverse("admin:desk_reviewqueueitem_decide", args=[obj.pk])
    appealed = has_open_appeal(obj)
    if obj.status == Comment.Status.REMOVED and not appealed:
        return format_html('<span class="desk-final">{}</span>', obj.get_status_display())
    verb = "Overturn: publish" if appealed else approve_label(obj)
    suggested = suggested_reason(obj)
    options = format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == suggested else "", label) for value, label in services.REJECT_REASONS.items()),
    )  # fmt: skip
    reject = (
        format_html(
            '<select name="reason-{}" class="desk-reason" aria-label="Reason to reject">{}</select> '
            '<button type="submit" class="desk-reject button" formaction="{}" name="decide" value="reject">'
            "{}</button>",
            obj.pk, options, url,
            "Uphold" if appealed and obj.status != Comment.Status.HELD
            else "Remove" if obj.status == Comment.Status.PUBLISHED else "Reject",
        )
        if appealed or obj.status not in (Comment.Status.REJECTED, Comment.Status.REMOVED)
        else ""
    )  # fmt: skip
    approve = (
        format_html(
            '<button type="submit" class="desk-approve button default" formaction="{}" name="decide" value="approve">'
            "{}</button> ", url, verb,
        )
        if verb
        else ""
    )  # fmt: skip
    featured = obj.featured_at is not None
    feature = (
        format_html(
            ' <button type="submit" class="desk-feature button" formaction="{}" name="feature" value="{}" '
            'aria-pressed="{}">Feature</button>',
            reverse("admin:desk_reviewqueueitem_feature", args=[obj.pk]), "0" if featured else "1",
            "true" if featured else "false",
        )
        if obj.status == Comment.Status.PUBLISHED and obj.simulation_id is None
        else ""
    )  # fmt: skip
    return format_html(
        '<div class="desk-decide" data-decide-url="{}" data-comment="{}">'
        '<input type="hidden" name="seen-{}" class="desk-seen" value="{}">{}{}{}</div>',
        url, obj.pk, obj.pk, services.Seen.of(obj).token, approve, reject, feature,
    )  # fmt: skip


def has_open_appeal(comment: Comment) -> bool:
    """Whether its author's appeal waits (the desk's rows have them prefetched; a row redrawn after a decision
    asks)."""
    listed = getattr(comment, "open_appeal_list", None)
    if listed is not None:
        return bool(listed)
    return Appeal.objects.filter(comment=comment, status=Appeal.Status.OPEN).exists()


def sanction_controls(obj: Comment) -> str:
    """The row's sanction form: folded away, opened by a click or the desk's ``s`` key; its button posts the
    desk's form to the sanction view (so it works without JavaScript). Nothing in it is ``required``: it
    shares the desk's one form with every other row's buttons."""
    pk = obj.pk
    options = format_html_join(
        "", '<option value="{}">{}</option>', ((kind.value, short) for kind, (short, _) in SANCTION_KINDS.items())
    )
    return format_html(
        '<details class="desk-sanction"><summary>sanction</summary>'
        '<span class="desk-sanction-form" role="group" aria-label="Sanction {}">'
        '<select name="sanction-kind-{}" class="desk-sanction-kind" aria-label="Sanction">{}</select> '
        '<input type="number" name="sanction-days-{}" class="desk-sanction-days" inputmode="numeric" '
        'aria-label="Days (needed to suspend)" placeholder="days"> '
        '<input type="text" name="sanction-reason-{}" class="desk-sanction-reason" maxlength="500" '
        'aria-label="Reason (the commenter is told it)" placeholder="Reason (they are told it)"> '
        '<button type="submit" class="button desk-sanction-submit" formaction="{}" name="sanction" value="{}">'
        'Sanction</button> <a href="{}?{}">the full form (a domain ban…)</a></span></details>',
        obj.author_email, pk, options, pk, pk, reverse("admin:desk_reviewqueueitem_sanction", args=[pk]), pk,
        reverse("admin:commenters_sanction_add"), urlencode({"email": obj.author_email}),
    )  # fmt: skip


def approve_label(comment: Comment) -> str | None:
    """The right verb for the state: None when approving would change nothing (published, with no report or
    flag to close) or can no longer be done (removed is final)."""
    if comment.status == Comment.Status.REMOVED:
        return None
    if comment.status == Comment.Status.PUBLISHED:
        return "Keep published" if comment.open_reports or comment.flagged else None
    if comment.status == Comment.Status.REJECTED:
        return "Publish"
    return "Approve and publish"


def suggested_reason(comment: Comment) -> str:
    """The reason a moderator most likely rejects it for: the filter's first reason, else a reader's report."""
    for code in comment.reasons or []:
        family = str(code).split(".", 1)[0]
        if family in services.REJECT_REASONS:
            return family
    for report in getattr(comment, "open_report_list", []):
        if report.reason in services.REJECT_REASONS:
            return str(report.reason)
    return "other"
