"""How moderators decide in the admin: the bulk actions, the reject form and the decide view.

``admin.py`` declares what the queue shows; this module is what a moderator does with
it. Every decision goes through ``services``, so it is audited like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext

from comments import services
from comments.models import Comment
from moderation import Family
from newsroom.admin import actor


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=list(services.REJECT_REASONS.items()))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ModerationActions(admin.ModelAdmin[Comment]):
    """Approve / reject actions, for any ModelAdmin of comments."""

    actions = ["approve", "reject_abusive", "reject_off_topic", "reject_spam", "reject_other"]

    # Comments are written by readers and never deleted: removal is a status, audited.
    # (Without delete permission Django also drops its "delete selected" action.)
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_can_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("comments.can_moderate"))

    @admin.action(description="Approve (publish)", permissions=["can_moderate"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        done = 0
        for comment in queryset.exclude(status__in=[Comment.Status.REMOVED]):
            services.comment_approve(comment=comment, actor=actor(request))
            done += 1
        self.message_user(
            request, ngettext("%d comment approved.", "%d comments approved.", done) % done, messages.SUCCESS
        )

    def _reject(self, request: HttpRequest, queryset: QuerySet[Comment], reason: str, note: str = "") -> None:
        done = 0
        for comment in queryset.exclude(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED]):
            services.comment_reject(comment=comment, actor=actor(request), reason=reason, note=note)
            done += 1
        label = services.REJECT_REASONS[reason].lower()
        self.message_user(
            request,
            ngettext("%(n)d comment rejected as %(r)s.", "%(n)d comments rejected as %(r)s.", done)
            % {"n": done, "r": label},
            messages.SUCCESS,
        )

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
                "form": form,
                "action": "reject_other",
                "opts": self.model._meta,
            },
        )


class ReviewWorkflow(ModerationActions):
    """The queue's detail page gets a Decide form, posted to its own view (``<id>/decide/``)."""

    def get_urls(self) -> list[URLPattern]:
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<path:object_id>/decide/", decide, name="desk_reviewqueueitem_decide"), *super().get_urls()]

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        comment = Comment.objects.filter(pk=int(object_id)).first() if object_id and object_id.isdigit() else None
        verb = approve_label(comment) if comment else None
        initial = {"reason": suggested_reason(comment)} if comment else {}
        extra_context = {
            **(extra_context or {}), "decide_form": RejectForm(initial=initial), "show_decide": True, "approve_verb": verb,
        }  # fmt: skip
        return super().changeform_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One decision on one comment, from the desk's row (a form post, or the desk's script asking for
        JSON: no page load) or from the comment's own page (then the next comment waiting opens)."""
        wants_json = "application/json" in request.headers.get("Accept", "")
        queue = redirect("admin:desk_reviewqueueitem_changelist")
        if request.method != "POST":
            return redirect("admin:desk_reviewqueueitem_change", object_id)
        comment = Comment.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None

        def answer(ok: bool, message: str, fallback: HttpResponse | Callable[[], HttpResponse]) -> HttpResponse:
            if wants_json:
                status = comment.status if comment else ""
                return JsonResponse({"ok": ok, "message": message, "status": status}, status=200 if ok else 400)
            self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
            return fallback() if callable(fallback) else fallback

        if not request.user.has_perm("comments.can_moderate"):
            return answer(False, "You do not have permission to moderate.", queue)
        if comment is None:
            return answer(False, "That comment does not exist.", queue)
        back = redirect("admin:desk_reviewqueueitem_change", comment.pk)

        def after() -> HttpResponse:  # where a page-loading decision goes next; a JSON answer never asks
            return self._after_decision(request, comment)

        if request.POST.get("decide") == "approve":
            if comment.status == Comment.Status.REMOVED:
                # As the bulk action: taking a comment down is final (its tombstone stays).
                return answer(False, "A removed comment stays removed.", back)
            kept = comment.status == Comment.Status.PUBLISHED
            services.comment_approve(comment=comment, actor=actor(request))
            return answer(True, "Kept published." if kept else "Comment approved.", after)
        form = RejectForm(
            {
                "reason": request.POST.get(f"reason-{comment.pk}") or request.POST.get("reason"),
                "note": request.POST.get(f"note-{comment.pk}") or request.POST.get("note") or "",
            }
        )
        if not form.is_valid():
            return answer(False, "Choose a reason to reject.", back)
        try:
            services.comment_reject(
                comment=comment,
                actor=actor(request),
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except services.CommentError as exc:
            return answer(False, exc.messages[0], back)
        label = services.REJECT_REASONS[form.cleaned_data["reason"]].lower()
        return answer(True, f"Comment rejected ({label}).", after)

    def _after_decision(self, request: HttpRequest, comment: Comment) -> HttpResponse:
        """Back to the desk the decision came from (its tab and filters kept); from a comment's own page,
        on to the next comment waiting."""
        referer = request.headers.get("Referer", "")
        changelist = reverse("admin:desk_reviewqueueitem_changelist")
        if (
            referer
            and url_has_allowed_host_and_scheme(referer, {request.get_host()})
            and urlsplit(referer).path == changelist
        ):
            return HttpResponseRedirect(referer)
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


def approve_label(comment: Comment) -> str | None:
    """The right verb for the state: None when a moderator can no longer publish it (removed is final)."""
    if comment.status == Comment.Status.REMOVED:
        return None
    if comment.status == Comment.Status.PUBLISHED:
        return "Keep published"
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
