"""Pages for the community team: simulation reports and moderator training scores."""

from __future__ import annotations

import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from articles.models import Article

from . import lab
from .charts import line_chart
from .forecast import RotaError, forecast, parse_rota
from .models import LabRun, ModerationEvent, ModerationPolicy, SimulationRun
from .moderation import JUDGED
from .policy import active_policy_record
from .quality import live_quality
from .selectors import arrivals_by_hour, held_arrivals_by_hour

FAMILY_LABELS = {family.value: family.label for family in JUDGED}


@staff_member_required
def simulation_list(request: HttpRequest) -> HttpResponse:
    runs = SimulationRun.objects.select_related("article")[:100]
    return render(request, "comments/staff/simulation_list.html", {"runs": runs})


@staff_member_required
def simulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SimulationRun.objects.select_related("article"), pk=pk)
    report: dict[str, Any] = run.report or {}
    workload = report.get("workload", {})
    timeline = workload.get("timeline", [])
    charts = []
    if timeline:
        charts = [
            line_chart(
                [(row["start_hour"], row["backlog"]) for row in timeline],
                title="Review queue length (held comments waiting), hour by hour",
                x_label="hours after publication",
                y_label="waiting",
            ),
            line_chart(
                # Hours in which nothing was decided have no wait to show, rather than a wait of 0.
                [(row["start_hour"], row["mean_wait_minutes"]) for row in timeline if row.get("decided", 1)],
                title="Time to a moderator's decision (mean, minutes), hour by hour",
                x_label="hours after publication",
                y_label="minutes",
            ),
        ]
    if report.get("volume"):
        charts.append(
            line_chart(
                [(row["hour"], row["held"]) for row in report["volume"]],
                title="Comments held for review per hour",
                x_label="hours after publication",
                y_label="held",
            )
        )
    families = [
        {"name": FAMILY_LABELS.get(name, name), **values} for name, values in report.get("families", {}).items()
    ]
    codes = [{"name": name, **values} for name, values in sorted(report.get("codes", {}).items())]
    return render(
        request,
        "comments/staff/simulation_detail.html",
        {"run": run, "report": report, "workload": workload, "charts": charts, "families": families, "codes": codes},
    )


def training_scores() -> list[dict[str, Any]]:
    """Each moderator's decisions on simulated comments, scored against the ground truth."""
    events = (
        ModerationEvent.objects.by_moderators()
        .filter(comment__simulation__isnull=False)
        .select_related("actor", "comment")
        .order_by("actor_id", "created_at")
    )
    by_actor: dict[int, list[ModerationEvent]] = defaultdict(list)
    for event in events:
        if event.actor_id is not None:
            by_actor[event.actor_id].append(event)
    rows = []
    for decisions in by_actor.values():
        agree = false_approvals = false_rejections = 0
        disagreements = []
        for event in decisions:
            truth = event.comment.ground_truth or {}
            bad = bool(truth.get("abusive")) or bool(truth.get("spam")) or truth.get("on_topic") is False
            approved = event.action == ModerationEvent.Action.APPROVE
            if approved != bad:
                agree += 1
            else:
                truly = [name for name in ("abusive", "spam") if truth.get(name)]
                truly += ["off-topic"] if truth.get("on_topic") is False else []
                disagreements.append(
                    {
                        "comment": event.comment,
                        "did": "approved" if approved else f"rejected ({event.reason or 'no reason'})",
                        "truly": ", ".join(truly) or "fine to publish",
                        "at": event.created_at,
                    }
                )
            if approved and truth.get("abusive"):
                false_approvals += 1
            if not approved and not bad:
                false_rejections += 1
        # Time spent deciding: the gaps between decisions, a break (over ten minutes) not counted; a bulk action
        # decides many at once, so the time is shared over the decisions rather than a median of zero gaps.
        active = sum(
            gap
            for a, b in zip(decisions, decisions[1:], strict=False)
            if (gap := (b.created_at - a.created_at).total_seconds()) <= 600
        )
        rows.append(
            {
                "moderator": decisions[0].actor.get_username() if decisions[0].actor else "?",
                "decisions": len(decisions),
                "agreement": agree / len(decisions),
                "false_approvals": false_approvals,
                "false_rejections": false_rejections,
                "seconds_per_decision": active / (len(decisions) - 1) if len(decisions) > 1 and active else None,
                "disagreements": disagreements,
            }
        )
    return sorted(rows, key=lambda r: -r["agreement"])


@staff_member_required
def training(request: HttpRequest) -> HttpResponse:
    return render(request, "comments/staff/training.html", {"rows": training_scores()})


@staff_member_required
def quality(request: HttpRequest) -> HttpResponse:
    """The live filter's quality, from moderators' decisions: per reason code and week by week."""
    report = live_quality()
    charts = []
    weeks = report.weeks
    if weeks:
        index = [(i, w) for i, w in enumerate(weeks)]
        charts = [
            line_chart(
                [(i, w.agreement * 100) for i, w in index if w.agreement is not None],
                title="Held comments moderators rejected (the filter was right), % by week (0 = the first week shown)",
                x_label="week",
                y_label="% rejected",
            ),
            line_chart(
                [(i, w.leaks) for i, w in index],
                title="Published comments removed after reports (leaks), by week",
                x_label="week",
                y_label="leaks",
            ),
            line_chart(
                [(i, w.median_wait_hours) for i, w in index if w.median_wait_hours is not None],
                title="Time from posting to a moderator's decision on held comments (median, hours), by week",
                x_label="week",
                y_label="hours",
            ),
        ]
    return render(request, "comments/staff/quality.html", {"report": report, "charts": charts})


class ForecastForm(forms.Form):
    # Each left empty takes its default; a wrong one is named and nothing is forecast.
    rota = forms.CharField(
        required=False, initial="7-23:1", max_length=200,
        help_text="Shifts as START-END:MODERATORS, e.g. 0-7:0, 7-17:2, 17-24:1",
    )  # fmt: skip
    review_seconds = forms.FloatField(
        required=False, initial=30, min_value=1, max_value=3600, label="Seconds a comment"
    )
    target_hours = forms.FloatField(
        required=False, initial=1, min_value=0.1, max_value=48, label="Acceptable wait (hours)"
    )
    days = forms.IntegerField(
        required=False, initial=28, min_value=1, max_value=365, label="Arrivals from the last N days"
    )


@staff_member_required
def staffing(request: HttpRequest) -> HttpResponse:
    """Held comments of an average day against a rota: backlog and time to a decision by hour, and advice."""
    form = ForecastForm(request.GET or None)
    result = chart = None
    valid = form.is_valid() or not form.is_bound
    cleaned = form.cleaned_data if form.is_bound and valid else {}
    data = {name: cleaned.get(name) or field.initial for name, field in form.fields.items()}
    try:
        rota = parse_rota(str(data["rota"]))
    except RotaError as exc:
        form.add_error("rota", str(exc))
        valid = False
    if valid:
        days = int(data["days"])
        result = forecast(
            held_arrivals_by_hour(days=days), rota, review_seconds=float(data["review_seconds"]),
            target_hours=float(data["target_hours"]), all_arrivals=arrivals_by_hour(days=days),
        )  # fmt: skip
        chart = line_chart(
            [(h.hour, h.backlog) for h in result.hours],
            title="Held comments waiting at the end of each hour, on an average day",
            x_label="hour of the day",
            y_label="waiting",
        )
    return render(request, "comments/staff/staffing.html", {"form": form, "result": result, "chart": chart})


class LabForm(forms.Form):
    draft = forms.ModelChoiceField(
        queryset=ModerationPolicy.objects.filter(is_active=False).order_by("name"), label="Draft policy",
        empty_label=None,
    )  # fmt: skip
    stream = forms.ChoiceField(choices=LabRun.Stream.choices, initial=LabRun.Stream.GENERATED)
    article = forms.ModelChoiceField(
        queryset=Article.objects.order_by("-published_on"), required=False, label="Article (generated or real)"
    )
    comments = forms.IntegerField(initial=1000, min_value=1, max_value=lab.MAX_COMMENTS, label="Comments")
    seed = forms.IntegerField(initial=1, min_value=0, label="Seed (generated)")
    replay = forms.FileField(required=False, label="Replay file (JSON Lines or CSV)")
    replay_on_disk = forms.ChoiceField(
        required=False, label="…or one on the server (var/replays/)", choices=[("", "—")]
    )
    moderators = forms.IntegerField(initial=1, min_value=1, max_value=100)
    review_seconds = forms.FloatField(initial=30, min_value=1, max_value=3600, label="Seconds a comment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_disk = sorted(p.name for p in replay_folder().glob("*") if p.suffix.lower() in (".jsonl", ".csv"))
        self.fields["replay_on_disk"].choices = [("", "—"), *((name, name) for name in on_disk)]  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        stream = data.get("stream")
        if stream in (LabRun.Stream.GENERATED, LabRun.Stream.REAL) and not data.get("article"):
            self.add_error("article", "Choose the article the comments are posted under.")
        if stream == LabRun.Stream.REPLAY and not data.get("replay") and not data.get("replay_on_disk"):
            self.add_error("replay", "Upload the file to replay, or choose one on the server.")
        return data


@staff_member_required
def policy_lab(request: HttpRequest) -> HttpResponse:
    """Try a draft policy against the live one on a stream, see past comparisons and what the shadow did."""
    if not request.user.has_perm("comments.change_moderationpolicy"):
        raise PermissionDenied
    form = LabForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parameters: dict[str, Any] = {
            "comments": data["comments"], "seed": data["seed"], "moderators": data["moderators"],
            "review_seconds": data["review_seconds"],
        }  # fmt: skip
        if data["stream"] == LabRun.Stream.REPLAY and data["replay"]:
            parameters["path"] = str(save_upload(data["replay"]))
            parameters["file"] = data["replay"].name
        elif data["stream"] == LabRun.Stream.REPLAY:
            # Only a name offered by the form (files in the folder), never a path a user wrote.
            parameters["path"] = str(replay_folder() / data["replay_on_disk"])
            parameters["file"] = data["replay_on_disk"]
        with transaction.atomic():
            run = LabRun.objects.create(
                draft=data["draft"], draft_name=data["draft"].name, live_name=active_policy_record().name,
                article=data["article"], stream=data["stream"], parameters=parameters,
                created_by=request.user if request.user.is_authenticated else None,
            )  # fmt: skip
            lab.start(run)
        return redirect("comments:lab_run", pk=run.pk)
    context = {"form": form, "runs": LabRun.objects.select_related("article")[:50], "shadow": lab.shadow_record()}
    return render(request, "comments/staff/lab.html", context, status=400 if form.errors else 200)


@staff_member_required
def lab_run(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("comments.change_moderationpolicy"):
        raise PermissionDenied
    run = get_object_or_404(LabRun.objects.select_related("article"), pk=pk)
    return render(request, "comments/staff/lab_run.html", {"run": run, "result": run.result})


def replay_folder() -> Path:
    """Replay files put on the server for the lab (the folder need not exist)."""
    return Path(settings.VAR_DIR) / "replays"


def save_upload(upload: Any) -> Path:
    """An uploaded replay file, kept under var/lab/ for its job to read."""
    folder = Path(settings.VAR_DIR) / "lab"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".csv" if str(upload.name).lower().endswith(".csv") else ".jsonl"
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path
