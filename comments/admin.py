"""The review queue and the audit trail, in the Django admin: declarations only.

How moderators decide (the actions, the reject form, the decide view) is in
``review.py``; every decision goes through the services, so it is audited the same
way whoever makes it. Nothing here deletes a readers' comment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from . import services
from .models import (
    Comment,
    CommentReport,
    ControlEvent,
    EmailOptOut,
    ModerationEvent,
    ModerationPolicy,
    OutboundEmail,
    ReviewQueueItem,
    Sanction,
    SimulationRun,
    SiteSwitch,
    StorySettings,
)
from .moderation import Family
from .policy import forget_active_policy, model_summary
from .review import ModerationActions, ReviewWorkflow, actor, approve_label, suggested_reason


def highlighted(comment: Comment) -> str:
    """The comment's text with the words that triggered each reason marked."""
    spans = sorted(
        {
            (s, e)
            for reason in comment.explanation or []
            for s, e in reason.get("spans", [])
            if 0 <= s < e <= len(comment.body)
        }
    )
    parts: list[tuple[str, str]] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        parts.append(("{}", comment.body[last:start]))
        parts.append(("<mark>{}</mark>", comment.body[start:end]))
        last = end
    parts.append(("{}", comment.body[last:]))
    return format_html_join("", "{}", ((format_html(fmt, text),) for fmt, text in parts))


M = TypeVar("M", bound=models.Model)


class AuditAdmin(admin.ModelAdmin[M]):
    """A record the site writes and nobody adds, edits or deletes by hand (the audit)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GatedAdmin(admin.ModelAdmin[M]):
    """Open to whoever holds ``permission`` (a moderator's job, not Django's per-model permissions);
    nothing in it is ever deleted: ending a sanction or reopening a story is a change, audited."""

    permission = ""

    def allowed(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(self.permission))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allowed(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            *((family.value, family.label) for family in Family if family is not Family.POLICY),
            ("reported", "Reported by readers"),
            ("flagged", "Published, possibly off-topic"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        if not value:
            return queryset
        if value == "reported":
            return queryset.filter(open_reports__gt=0)
        if value == "flagged":
            return queryset.filter(status=Comment.Status.PUBLISHED, flagged=True)
        # Reasons are a short JSON list of codes; a text match on the prefix is enough and portable.
        return queryset.filter(reasons__icontains=f'"{value}')


class DefaultFirstFilter(admin.SimpleListFilter):
    """A filter whose unfiltered choice is not "All" but a named default slice (``default_label``)."""

    default_label = ""
    default_values: tuple[str | None, ...] = (None,)

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() in self.default_values,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": self.default_label,
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class TrafficFilter(DefaultFirstFilter):
    """Readers' comments by default; the simulator's only when asked for (or when a run is picked)."""

    title = "traffic"
    parameter_name = "traffic"
    default_label = "Readers' comments"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("simulated", "Simulated"), ("all", "Readers' and simulated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        if self.value() == "simulated":
            return queryset.filter(simulation__isnull=False)
        if self.value() == "all" or "simulation__id__exact" in request.GET:
            return queryset
        return queryset.real()  # type: ignore[attr-defined, no-any-return]


class ModerationEventInline(admin.TabularInline[ModerationEvent, Comment]):
    model = ModerationEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor_label", "action", "reason", "old_status", "new_status", "note")
    readonly_fields = fields
    verbose_name_plural = "audit trail"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="who")
    def actor_label(self, event: ModerationEvent) -> str:
        return event.actor_label


class QueueTab(DefaultFirstFilter):
    """The desk's tabs: what needs a moderator (the default), or one slice of the recent past."""

    title = "queue"
    parameter_name = "queue"
    TABS = {
        "review": "To review",
        "held": "Held",
        "reported": "Reported",
        "recent": "All recent",
        "approved": "Approved",
        "rejected": "Rejected",
    }
    RECENT_DAYS = 7
    default_label = TABS["review"]
    default_values = (None, "review")

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, label in self.TABS.items() if key != "review"]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        return tab_queryset(queryset, self.value() or "review")


def tab_queryset(queryset: QuerySet[Comment], tab: str) -> QuerySet[Comment]:
    published = Comment.Status.PUBLISHED
    if tab == "held":
        return queryset.filter(status=Comment.Status.HELD)
    if tab == "reported":
        return queryset.filter(Q(status=published) & (Q(open_reports__gt=0) | Q(flagged=True)))
    if tab == "recent":
        return queryset.filter(created_at__gte=timezone.now() - dt.timedelta(days=QueueTab.RECENT_DAYS))
    if tab == "approved":
        approved = ModerationEvent.objects.filter(comment=OuterRef("pk"), action=ModerationEvent.Action.APPROVE)
        return queryset.filter(status=published).filter(Exists(approved))
    if tab == "rejected":
        return queryset.filter(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED])
    return queryset.needing_review()  # type: ignore[attr-defined, no-any-return]


def history_count(which: Q) -> Any:
    """How many of this comment's author's comments are ``which`` (one indexed subquery a row)."""
    mine = Comment.objects.real().filter(author_email=OuterRef("author_email")).filter(which)
    return Coalesce(Subquery(mine.order_by().values("author_email").annotate(n=Count("id", distinct=True)).values("n")[:1]), 0)


def history_line(obj: Comment) -> str:
    """The commenter at a glance, with their comments and a sanction one click away."""
    counts = [
        (getattr(obj, "history_published", 0), "published"), (getattr(obj, "history_held", 0), "held"),
        (getattr(obj, "history_rejected", 0), "not published"), (getattr(obj, "history_reported", 0), "reported"),
    ]  # fmt: skip
    return format_html(
        '<div class="desk-history">{} · <a href="{}?{}">their comments</a> · <a href="{}?{}">sanction</a></div>',
        " · ".join(f"{n} {label}" for n, label in counts),
        reverse("admin:comments_comment_changelist"), urlencode({"q": obj.author_email}),
        reverse("admin:comments_sanction_add"), urlencode({"email": obj.author_email}),
    )  # fmt: skip


def badge(text: str, kind: str = "") -> str:
    return format_html('<span class="desk-badge{}">{}</span>', f" desk-{kind}" if kind else "", text)


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(ReviewWorkflow):
    """The moderation desk: compact rows, one-click and single-key decisions, tabs with counts."""

    list_display = ["desk_comment", "desk_why", "desk_scores", "desk_decide"]
    list_display_links = None
    list_filter = [QueueTab, TrafficFilter, ReasonFilter, "status", "article", "simulation"]
    search_fields = ["body", "author_name", "author_email", "article__headline"]
    list_per_page = 50
    readonly_fields = (
        "article", "parent_text", "author_name", "author_email", "created_at", "status", "decision",
        "highlighted_body", "reason_list", "score_badges", "report_list", "commenter_history", "ip_address",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [ModerationEventInline]

    class Media:
        css = {"all": ["newsroom/desk.css"]}
        js = ["newsroom/desk.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        open_reports = CommentReport.objects.filter(resolved=False).order_by("created_at")
        return (
            Comment.objects.select_related("article", "parent")
            .prefetch_related(Prefetch("reports", queryset=open_reports, to_attr="open_report_list"))
            .annotate(
                history_published=history_count(Q(status=Comment.Status.PUBLISHED)),
                history_held=history_count(Q(status=Comment.Status.HELD)),
                history_rejected=history_count(Q(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED])),
                history_reported=history_count(Q(reports__isnull=False)),
            )
        )

    def get_ordering(self, request: HttpRequest) -> list[str | Any]:
        # What waits is worked oldest first; the record of what was done reads newest first.
        if request.GET.get("queue") in ("recent", "approved", "rejected"):
            return ["-created_at", "-id"]
        return ["created_at", "id"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("comments.can_moderate") or super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        current = request.GET.get("queue") or "review"
        base = Comment.objects.real()
        tabs = [
            {"key": key, "label": label, "count": tab_queryset(base, key).count(), "active": key == current,
             "query": "" if key == "review" else f"?queue={key}"}
            for key, label in QueueTab.TABS.items()
        ]  # fmt: skip
        return super().changelist_view(request, {**(extra_context or {}), "desk_tabs": tabs})

    @admin.display(description="comment")
    def desk_comment(self, obj: Comment) -> str:
        text = highlighted(obj)
        body = (
            format_html('<details class="desk-text"><summary>{}…</summary>{}</details>', obj.body[:140], text)
            if len(obj.body) > 160
            else format_html('<div class="desk-text">{}</div>', text)
        )
        reply = (
            format_html(
                '<div class="desk-reply">Replying to <strong>{}</strong>: <q>{}</q></div>',
                obj.parent.author_name,
                obj.parent.body[:120],
            )  # fmt: skip
            if obj.parent
            else ""
        )
        return format_html(
            '<div class="desk-head"><a class="desk-open" href="{}"><strong>{}</strong></a> {} '
            '<span class="desk-age" title="{}">{}</span></div>{}{}'
            '<div class="desk-story"><a href="{}#comment-{}" title="{}">{}</a></div>{}',
            reverse("admin:comments_reviewqueueitem_change", args=[obj.pk]), obj.author_name,
            badge(self.status_label(obj), "status"), obj.created_at.isoformat(), naturaltime(obj.created_at),
            reply, body, obj.article.get_absolute_url(), obj.pk, obj.article.headline, obj.article.headline,
            history_line(obj),
        )  # fmt: skip

    @admin.display(description="why")
    def desk_why(self, obj: Comment) -> str:
        reasons = format_html_join(
            "",
            "<div>{} {}</div>",
            ((badge(r.get("code", ""), "reason"), r.get("message", "")) for r in obj.explanation or []),
        )
        reports = format_html_join(
            "", '<div class="desk-report">{} {}</div>',
            ((badge(f"reported: {r.get_reason_display().lower()}", "report"), f"“{r.note}”" if r.note else "")
             for r in getattr(obj, "open_report_list", []))
        )  # fmt: skip
        return format_html("{}{}", reasons, reports) or "—"

    @admin.display(description="scores")
    def desk_scores(self, obj: Comment) -> str:
        return format_html_join(
            " ", "{}", ((badge(f"{name} {value:.2f}", "high" if value >= 0.5 else "low"),)
                        for name, value in (obj.scores or {}).items() if value >= 0.05)
        ) or "—"  # fmt: skip

    @admin.display(description="decide")
    def desk_decide(self, obj: Comment) -> str:
        url = reverse("admin:comments_reviewqueueitem_decide", args=[obj.pk])
        verb = approve_label(obj)
        if verb is None:
            return format_html('<span class="desk-final">{}</span>', obj.get_status_display())
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((value, " selected" if value == suggested_reason(obj) else "", label)
             for value, label in services.REJECT_REASONS.items()),
        )  # fmt: skip
        reject = (
            format_html(
                '<select name="reason-{}" class="desk-reason" aria-label="Reason to reject">{}</select> '
                '<button type="submit" class="desk-reject button" formaction="{}" name="decide" value="reject">'
                "{}</button>",
                obj.pk, options, url, "Remove" if obj.status == Comment.Status.PUBLISHED else "Reject",
            )
            if obj.status not in (Comment.Status.REJECTED, Comment.Status.REMOVED)
            else ""
        )  # fmt: skip
        return format_html(
            '<div class="desk-decide" data-decide-url="{}">'
            '<button type="submit" class="desk-approve button default" formaction="{}" name="decide" value="approve">'
            "{}</button> {}</div>",
            url, url, verb, reject,
        )  # fmt: skip

    @admin.display(description="status")
    def status_label(self, obj: Comment) -> str:
        if obj.status == Comment.Status.PUBLISHED and obj.open_reports:
            return "Reported"
        if obj.status == Comment.Status.PUBLISHED and obj.flagged:
            return "Published, possibly off-topic"
        return obj.get_status_display()

    @admin.display(description="scores")
    def score_badges(self, obj: Comment) -> str:
        return self.desk_scores(obj)

    @admin.display(description="the commenter")
    def commenter_history(self, obj: Comment) -> str:
        """Their record: counts, what their rejected comments were rejected for, sanctions, latest comments."""
        theirs = Comment.objects.real().filter(author_email=obj.author_email)
        reasons: dict[str, int] = {}
        for codes in theirs.filter(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED]).values_list(
            "reasons", flat=True
        ):
            family = str((codes or ["other"])[0]).split(".", 1)[0]
            reasons[family] = reasons.get(family, 0) + 1
        for event in ModerationEvent.objects.filter(
            comment__author_email=obj.author_email, action__in=["reject", "remove"]
        ).values_list("reason", flat=True):
            reasons[event or "other"] = reasons.get(event or "other", 0) + 1
        sanctions = Sanction.objects.filter(email=obj.author_email).order_by("-created_at")[:5]
        latest = theirs.exclude(pk=obj.pk).select_related("article").order_by("-created_at")[:5]
        return format_html(
            "{}<div>Not published, by reason: {}</div><div>Sanctions: {}</div><ul>{}</ul>",
            history_line(obj),
            ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none",
            format_html_join(", ", "{} ({})", ((s.get_kind_display(), "lifted" if s.lifted_at else "in force")
                                               for s in sanctions)) or "none",  # fmt: skip
            format_html_join("", "<li>{} · {}: {}</li>",
                             ((c.get_status_display(), c.article.headline[:60], c.body[:120]) for c in latest)),  # fmt: skip
        )

    @admin.display(description="reader reports")
    def report_list(self, obj: Comment) -> str:
        reports = obj.reports.filter(resolved=False).order_by("created_at")
        return format_html_join(
            "", "<div>{} {}</div>", ((r.get_reason_display(), f"“{r.note}”" if r.note else "") for r in reports)
        ) or "—"  # fmt: skip

    @admin.display(description="replying to")
    def in_reply_to(self, obj: Comment) -> str:
        if not obj.parent:
            return "—"
        return format_html("Replying to <strong>{}</strong>: <q>{}</q>", obj.parent.author_name, obj.parent.body[:200])

    @admin.display(description="why")
    def why(self, obj: Comment) -> str:
        items = [(r.get("code", ""), r.get("message", "")) for r in obj.explanation or []]
        if obj.open_reports:
            items.append(
                ("reported", ngettext("%d reader report", "%d reader reports", obj.open_reports) % obj.open_reports)
            )
        return format_html_join("", "<div><code>{}</code> {}</div>", items) or "—"

    @admin.display(description="replying to")
    def parent_text(self, obj: Comment) -> str:
        return self.in_reply_to(obj)

    @admin.display(description="text (triggering words marked)")
    def highlighted_body(self, obj: Comment) -> str:
        return format_html('<div style="white-space: pre-wrap">{}</div>', highlighted(obj))

    @admin.display(description="reasons")
    def reason_list(self, obj: Comment) -> str:
        return self.why(obj)


@admin.register(Comment)
class CommentAdmin(ModerationActions):
    list_display = ["author_name", "short_body", "article", "status", "decision", "created_at", "open_reports"]
    list_filter = [TrafficFilter, "status", "decision", ReasonFilter, "article", "simulation"]
    search_fields = ["body", "author_name", "author_email"]
    raw_id_fields = ["parent", "root", "article", "simulation"]
    readonly_fields = [
        "article", "parent", "root", "depth", "author_name", "author_email", "body", "created_at", "status",
        "decision", "reasons", "scores", "explanation", "open_reports", "ip_address", "submission_token",
        "simulation",
    ]  # fmt: skip
    exclude = ["ground_truth"]
    inlines = [ModerationEventInline]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("article")

    @admin.display(description="comment")
    def short_body(self, obj: Comment) -> str:
        return obj.body[:80]


@admin.register(ModerationEvent)
class ModerationEventAdmin(AuditAdmin[ModerationEvent]):
    list_display = ["created_at", "comment", "actor", "action", "reason", "old_status", "new_status"]
    list_filter = ["action", "reason", "actor"]
    search_fields = ["comment__body", "note"]
    raw_id_fields = ["comment"]


class SanctionForm(forms.ModelForm[Sanction]):
    days = forms.IntegerField(required=False, min_value=1, help_text="How long (a suspension needs it); empty: until lifted.")

    class Meta:
        model = Sanction
        fields = ["email", "domain", "kind", "reason"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        try:
            services.sanction_check(
                kind=data.get("kind") or "", reason=data.get("reason") or "", email=data.get("email") or "",
                domain=data.get("domain") or "", days=data.get("days"),
            )  # fmt: skip
        except services.CommentError as exc:
            raise ValidationError(exc.messages[0]) from exc
        return data


@admin.register(Sanction)
class SanctionAdmin(GatedAdmin[Sanction]):
    """Warn, pre-moderate, suspend or ban a commenter; every one, and every lifting, audited."""

    permission = "comments.can_sanction"
    form = SanctionForm
    list_display = ["created_at", "kind", "email", "domain", "reason", "ends_at", "lifted_at", "created_by"]
    list_filter = ["kind", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "domain", "reason"]
    actions = ["lift"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # the list's actions only

    def has_can_sanction_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"email": request.GET.get("email", ""), "kind": Sanction.Kind.WARN}

    def save_model(self, request: HttpRequest, obj: Sanction, form: Any, change: bool) -> None:
        saved = services.sanction_add(
            kind=obj.kind, reason=obj.reason, actor=actor(request), email=obj.email, domain=obj.domain,
            days=form.cleaned_data.get("days"),
        )  # fmt: skip
        obj.pk = saved.pk

    @admin.action(description="Lift the selected sanctions", permissions=["can_sanction"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        for sanction in queryset.filter(lifted_at__isnull=True):
            services.sanction_lift(sanction=sanction, actor=actor(request))
        self.message_user(request, "Lifted.", messages.SUCCESS)


@admin.register(StorySettings)
class StorySettingsAdmin(GatedAdmin[StorySettings]):
    """One story's comments: open or closed (with what readers are told), when they close by themselves,
    and its own moderation mode. Saved through the service, so every change is audited."""

    permission = "comments.can_close_comments"
    list_display = ["article", "comments_open", "mode", "close_after_days", "updated_at"]
    list_filter = ["comments_open", "mode"]
    autocomplete_fields = ["article"]
    fields = ["article", "comments_open", "closed_message", "mode", "close_after_days"]

    def save_model(self, request: HttpRequest, obj: StorySettings, form: Any, change: bool) -> None:
        services.story_settings_save(story=obj, actor=actor(request))


@admin.register(SiteSwitch)
class SiteSwitchAdmin(GatedAdmin[SiteSwitch]):
    """The site-wide pause: one switch (made by a migration), audited."""

    permission = "comments.can_close_comments"
    fields = ["comments_paused", "message"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        SiteSwitch.objects.get_or_create(pk=1)
        return redirect("admin:comments_siteswitch_change", 1)

    def save_model(self, request: HttpRequest, obj: SiteSwitch, form: Any, change: bool) -> None:
        services.site_pause(paused=obj.comments_paused, message=obj.message, actor=actor(request))


@admin.register(ControlEvent)
class ControlEventAdmin(AuditAdmin[ControlEvent]):
    list_display = ["created_at", "action", "article", "actor", "detail"]
    list_filter = ["action", "actor"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin[OutboundEmail]):
    """What the site emailed readers, or is still trying to: read-only, the sender keeps it."""

    list_display = ["created_at", "to", "kind", "subject", "sent_at", "attempts", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    raw_id_fields = ["comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin[EmailOptOut]):
    list_display = ["email", "created_at"]
    search_fields = ["email"]


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin[CommentReport]):
    list_display = ["created_at", "comment", "reason", "note", "resolved"]
    list_filter = ["reason", "resolved"]
    raw_id_fields = ["comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PolicyForm(forms.ModelForm[ModerationPolicy]):
    class Meta:
        model = ModerationPolicy
        fields = "__all__"

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        # Thresholds are chances: a value past 1 would silently turn a check off. Named, never ignored.
        for name in ("abuse_hold", "abuse_reject", "model_hold", "model_reject", "off_topic_hold", "spam_hold",
                     "spam_reject", "shouting_hold", "premoderate_rejected_share"):  # fmt: skip
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, f"{name} is a chance between 0 and 1, not {value}.")
        return data


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin[ModerationPolicy]):
    """Policies: the live one (read-only here), drafts (edited freely, changing nothing live), and a shadow."""

    form = PolicyForm
    list_display = ["name", "state", "mode", "abuse_hold", "model_hold", "off_topic_hold", "hold_first_comments"]
    readonly_fields = ["state", "live_model"]
    actions = ["copy_to_draft", "shadow_live", "stop_shadowing"]
    fieldsets = [
        (None, {"fields": ["name", "state", "summary", "mode"]}),
        (
            "Thresholds (0-1)",
            {
                "fields": [
                    "abuse_hold", "abuse_reject", "model_hold", "model_reject", "off_topic_hold",
                    "off_topic_action", "spam_hold", "spam_reject", "shouting_hold",
                ]
            },
        ),  # fmt: skip
        ("Learned model", {"fields": ["live_model"]}),
        (
            "Rules",
            {
                "fields": [
                    "max_links", "blocked_words", "allowed_words", "hold_first_comments",
                    "premoderate_rejected_share", "duplicate_window_minutes", "auto_close_days",
                ]
            },
        ),  # fmt: skip
    ]

    @admin.display(description="state")
    def state(self, obj: ModerationPolicy | None = None) -> str:
        if obj is None or obj.pk is None:
            return "Draft"
        if obj.is_active:
            return "Live (read-only: copy it to a draft to change it)"
        return "Draft, shadowing the live policy" if obj.is_shadow else "Draft"

    @admin.display(description="Model in use")
    def live_model(self, obj: ModerationPolicy | None = None) -> str:
        return model_summary()

    def get_readonly_fields(self, request: HttpRequest, obj: ModerationPolicy | None = None) -> list[str]:
        if obj is not None and obj.is_active:  # editing the live policy in place would change the site unseen
            return [str(f) for _, options in self.fieldsets for f in options["fields"]]
        return list(self.readonly_fields)

    def get_urls(self) -> list[Any]:
        activate = self.admin_site.admin_view(self.activate_view)
        return [path("<int:pk>/activate/", activate, name="comments_moderationpolicy_activate"), *super().get_urls()]

    def activate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Make a draft live: first the difference from the live policy, then an explicit confirmation."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        draft = get_object_or_404(ModerationPolicy, pk=pk)
        live = ModerationPolicy.objects.filter(is_active=True).first()
        if request.method == "POST":
            services.policy_activate(policy=draft, actor=actor(request))
            self.message_user(request, f"{draft.name} is now the live policy.", messages.SUCCESS)
            return redirect("admin:comments_moderationpolicy_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Make {draft.name} the live policy?",
            "draft": draft,
            "live": live,
            "changes": services.policy_difference(live, draft),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/comments/moderationpolicy/activate.html", context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_activate": True})

    @admin.action(description="Copy to a new draft")
    def copy_to_draft(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        for policy in queryset:
            policy.pk, policy.is_active, policy.is_shadow = None, False, False
            policy.name = f"{policy.name}-draft-{timezone.now():%Y%m%d%H%M%S}"[:50]
            policy.save()
        self.message_user(request, "Copied: edit the drafts freely, nothing changes on the site.", messages.SUCCESS)

    @admin.action(description="Shadow the live policy with this draft")
    def shadow_live(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, "Choose exactly one draft to shadow the live policy.", messages.ERROR)
            return
        try:
            services.policy_shadow(policy=chosen[0], actor=actor(request))
        except services.CommentError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return
        self.message_user(request, f"{chosen[0].name} now judges every comment beside the live policy.")

    @admin.action(description="Stop shadowing")
    def stop_shadowing(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        services.policy_shadow(policy=None, actor=actor(request))
        self.message_user(request, "No policy shadows the live one now.")

    def save_model(self, request: HttpRequest, obj: ModerationPolicy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_active_policy()  # a shadowing draft's new thresholds are read afresh


@admin.register(SimulationRun)
class SimulationRunAdmin(admin.ModelAdmin[SimulationRun]):
    """A run and everything it generated can be deleted as a whole, by a superuser: generated data is not readers'."""

    list_display = ["label", "article", "created_at", "comment_count"]
    readonly_fields = ["label", "article", "created_at", "parameters", "report"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SimulationRun]:
        return super().get_queryset(request).annotate(comment_total=Count("comments"))

    @admin.display(description="comments", ordering="comment_total")
    def comment_count(self, obj: SimulationRun) -> int:
        return obj.comment_total  # type: ignore[attr-defined, no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The generated comments, their audit rows and reports go with the run; readers'
        # comments can never be deleted, so no permission on them is asked for here.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def delete_model(self, request: HttpRequest, obj: SimulationRun) -> None:
        services.simulation_delete(run=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SimulationRun]) -> None:
        for run in queryset:
            services.simulation_delete(run=run)
