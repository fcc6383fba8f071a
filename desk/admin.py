"""The review queue and the audit trail, in the Django admin: declarations only.

How moderators decide (the actions, the reject form, the decide view) is in
``review.py``; every decision goes through the services, so it is audited the same
way whoever makes it. Nothing here deletes a readers' comment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import BooleanField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from articles.models import Article
from commenters.models import Sanction
from comments.models import Appeal, Comment, CommentReport, ModerationEvent
from desk.models import ReviewQueueItem
from desk.review import SANCTION, ModerationActions, ReviewWorkflow, decide_controls, sanction_controls, status_label
from desk.selectors import QUEUE_TABS, by_traffic, queue_counts, queue_tab_filter
from moderation import Family
from moderation.reasons import KIND_LABELS, label_of
from newsroom.admin import AuditAdmin


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
        return by_traffic(queryset, self.value(), run_picked="simulation__id__exact" in request.GET)


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
    default_label = QUEUE_TABS["review"]
    # What the desk's other filters let through, before this tab takes its slice: the tabs count within it.
    untabbed: QuerySet[Comment] | None = None
    default_values = (None, "review")

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, label in QUEUE_TABS.items() if key != "review"]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        self.untabbed = queryset
        return queryset.filter(queue_tab_filter(self.value() or "review"))


def history_count(which: Q) -> Any:
    """How many of this comment's author's comments are ``which`` (one indexed subquery a row). The author is
    their mailbox (``Comment.mailbox``): every spelling of their address is one record."""
    mine = Comment.objects.real().filter(mailbox=OuterRef("mailbox")).exclude(mailbox="").filter(which)
    return Coalesce(
        Subquery(mine.order_by().values("mailbox").annotate(n=Count("id", distinct=True)).values("n")[:1]), 0
    )


def history_line(obj: Comment, sanction: str | None = None) -> str:
    """The commenter at a glance, with their comments and a sanction one click away: a link to the Sanction
    page, or what the caller gives instead (the desk's row: its own sanction form, or nothing)."""
    counts = [
        (getattr(obj, "history_published", 0), "published"), (getattr(obj, "history_held", 0), "held"),
        (getattr(obj, "history_rejected", 0), "not published"), (getattr(obj, "history_reported", 0), "reported"),
    ]  # fmt: skip
    if sanction is None:
        sanction = format_html(
            '<a href="{}?{}">sanction</a>',
            reverse("admin:commenters_sanction_add"),
            urlencode({"email": obj.author_email}),
        )
    return format_html(
        '<div class="desk-history">{} · <a href="{}?{}">their comments</a>{}</div>',
        " · ".join(f"{n} {label}" for n, label in counts),
        reverse("admin:comments_comment_changelist"), urlencode({"q": obj.author_email}),
        format_html(" · {}", sanction) if sanction else "",
    )  # fmt: skip


def story_known(article: Article) -> str:
    """A story embedded on another site whose text was never sent is known by its address and title only."""
    if article.has_text:
        return ""
    return format_html(
        "{}",
        " · known only by its address and title (the site sent no text): the on-topic check flags at most, never holds",
    )


def badge(text: str, kind: str = "") -> str:
    return format_html('<span class="desk-badge{}">{}</span>', f" desk-{kind}" if kind else "", text)


def reason_badge(code: str) -> str:
    """A reason by its name ("Promotes a link"), its code ("spam.links") kept as the badge's title, for searches."""
    try:
        name = label_of(code)
    except ValueError:  # a code of a family no longer known: shown as stored
        name = code
    else:
        kind = code.partition(".")[2]
        if kind and code not in KIND_LABELS:  # a kind without a name of its own: "Abusive: profanity"
            name = f"{name}: {kind.replace('_', ' ')}"
    return format_html('<span class="desk-badge desk-reason" title="{}">{}</span>', code, name)


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(ReviewWorkflow):
    """The moderation desk: compact rows, one-click and single-key decisions, tabs with counts."""

    list_display = ["desk_comment", "desk_why", "desk_scores", "desk_decide"]
    list_display_links = None
    # The tab filter last: it then sees what the others let through (see desk_tabs).
    list_filter = [TrafficFilter, ReasonFilter, "status", "article", "simulation", "source", QueueTab]
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
        open_appeals = Appeal.objects.filter(status=Appeal.Status.OPEN).select_related("decision__actor")
        return (
            Comment.objects.select_related("article", "parent")
            .prefetch_related(
                Prefetch("reports", queryset=open_reports, to_attr="open_report_list"),
                Prefetch("appeals", queryset=open_appeals, to_attr="open_appeal_list"),
            )
            .annotate(
                history_published=history_count(Q(status=Comment.Status.PUBLISHED)),
                history_held=history_count(Q(status=Comment.Status.HELD)),
                history_rejected=history_count(Q(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED])),
                history_reported=history_count(Q(reports__isnull=False)),
                # A row can only hand its request to the queryset: whether its sanction form is offered.
                desk_can_sanction=Value(request.user.has_perm(SANCTION), output_field=BooleanField()),
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
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None:
            context["desk_tabs"] = self.desk_tabs(request, changelist)
        return response

    def desk_tabs(self, request: HttpRequest, changelist: Any) -> list[dict[str, Any]]:
        """The tabs, each a link that keeps the other filters (traffic, reason, story, search) and the number
        of comments it shows with them: the same selector the admin index counts with."""
        current = request.GET.get("queue") or "review"
        tab = next(spec for spec in changelist.filter_specs if isinstance(spec, QueueTab))
        comments = tab.untabbed if tab.untabbed is not None else by_traffic(Comment.objects.all(), None)
        comments, duplicates = self.get_search_results(request, comments, changelist.query)
        counts = queue_counts(comments.distinct() if duplicates else comments)
        return [
            {"key": key, "label": label, "count": counts[key], "active": key == current,
             "query": changelist.get_query_string(remove=[QueueTab.parameter_name]) if key == "review"
             else changelist.get_query_string({QueueTab.parameter_name: key})}
            for key, label in QUEUE_TABS.items()
        ]  # fmt: skip

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
            '<div class="desk-head" data-comment="{}"><a class="desk-open" href="{}"><strong>{}</strong></a> {} '
            '<span class="desk-age" title="{}">{}</span></div>{}{}'
            '<div class="desk-story"><a href="{}#comment-{}" title="{}">{}</a>{}</div>{}',
            obj.pk, reverse("admin:desk_reviewqueueitem_change", args=[obj.pk]), obj.author_name,
            badge(self.status_label(obj), "status"), obj.created_at.isoformat(), naturaltime(obj.created_at),
            reply, body, obj.article.get_absolute_url(), obj.pk, obj.article.headline, obj.article.headline,
            story_known(obj.article),
            history_line(obj, sanction_controls(obj) if getattr(obj, "desk_can_sanction", False) else ""),
        )  # fmt: skip

    @admin.display(description="why")
    def desk_why(self, obj: Comment) -> str:
        reasons = format_html_join(
            "",
            "<div>{} {}</div>",
            ((reason_badge(str(r.get("code", ""))), r.get("message", "")) for r in obj.explanation or []),
        )
        reports = format_html_join(
            "", '<div class="desk-report">{} {}</div>',
            ((badge(f"reported: {r.get_reason_display().lower()}", "report"), f"“{r.note}”" if r.note else "")
             for r in getattr(obj, "open_report_list", []))
        )  # fmt: skip
        appealed = format_html_join(
            "", '<div class="desk-appeal">{} against {} decision: “{}”</div>',
            ((badge("appealed", "report"),
              "the filter's" if a.decision.actor is None else f"{a.decision.actor.get_username()}'s", a.note)
             for a in getattr(obj, "open_appeal_list", []))
        )  # fmt: skip
        return format_html("{}{}{}", appealed, reasons, reports) or "—"

    @admin.display(description="scores")
    def desk_scores(self, obj: Comment) -> str:
        return format_html_join(
            " ", "{}", ((badge(f"{name} {value:.2f}", "high" if value >= 0.5 else "low"),)
                        for name, value in (obj.scores or {}).items() if value >= 0.05)
        ) or "—"  # fmt: skip

    @admin.display(description="decide")
    def desk_decide(self, obj: Comment) -> str:
        return decide_controls(obj)

    @admin.display(description="status")
    def status_label(self, obj: Comment) -> str:
        return status_label(obj)

    @admin.display(description="scores")
    def score_badges(self, obj: Comment) -> str:
        return self.desk_scores(obj)

    @admin.display(description="the commenter")
    def commenter_history(self, obj: Comment) -> str:
        """Their record: counts, what their rejected comments were rejected for, sanctions, latest comments."""
        # Every spelling of their mailbox (a comment stored without its key: by its address).
        who = Q(mailbox=obj.mailbox) if obj.mailbox else Q(author_email=obj.author_email)
        theirs = Comment.objects.real().filter(who)
        reasons: dict[str, int] = {}
        for codes in theirs.filter(status__in=[Comment.Status.REJECTED, Comment.Status.REMOVED]).values_list(
            "reasons", flat=True
        ):
            family = str((codes or ["other"])[0]).split(".", 1)[0]
            reasons[family] = reasons.get(family, 0) + 1
        for event in ModerationEvent.objects.filter(comment__in=theirs, action__in=["reject", "remove"]).values_list(
            "reason", flat=True
        ):
            reasons[event or "other"] = reasons.get(event or "other", 0) + 1
        on_them = Q(email=obj.author_email) | (Q(mailbox=obj.mailbox) if obj.mailbox else Q())
        sanctions = Sanction.objects.filter(on_them).order_by("-created_at")[:5]
        latest = theirs.exclude(pk=obj.pk).select_related("article").order_by("-created_at")[:5]
        return format_html(
            "{}<div>Not published, by reason: {}</div><div>Sanctions: {}</div><ul>{}</ul>",
            history_line(obj),
            ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none",
            format_html_join(
                ", ", "{} ({})", ((s.get_kind_display(), "lifted" if s.lifted_at else "in force") for s in sanctions)
            )
            or "none",  # fmt: skip
            format_html_join(
                "",
                "<li>{} · {}: {}</li>",
                ((c.get_status_display(), c.article.headline[:60], c.body[:120]) for c in latest),
            ),  # fmt: skip
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
    list_filter = [TrafficFilter, "status", "decision", ReasonFilter, "article", "simulation", "source"]
    search_fields = ["body", "author_name", "author_email"]
    raw_id_fields = ["parent", "root", "article", "simulation"]
    readonly_fields = [
        "article", "parent", "root", "depth", "author_name", "author_email", "body", "created_at", "status",
        "decision", "reasons", "scores", "explanation", "open_reports", "ip_address", "submission_token",
        "simulation", "source", "source_id",
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


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin[CommentReport]):
    list_display = ["created_at", "comment", "reason", "note", "resolved"]
    list_filter = ["reason", "resolved"]
    raw_id_fields = ["comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
