from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from articles.models import Article
from lab import runs, services
from lab.models import LabRun, SimulationRun
from lab.runs import jobs_mark_interrupted
from moderation import JUDGED
from newsroom.charts import line_chart
from newsroom.staff import staff_page
from policies.models import ModerationPolicy

FAMILY_LABELS = {family.value: family.label for family in JUDGED}


@staff_page
def simulation_list(request: HttpRequest) -> HttpResponse:
    jobs_mark_interrupted()  # a run whose worker stopped says so, rather than "running" forever
    runs = SimulationRun.objects.select_related("article")[:100]
    return render(request, "lab/simulation_list.html", {"runs": runs})


@staff_page
def simulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    jobs_mark_interrupted()
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
        "lab/simulation_detail.html",
        {"run": run, "report": report, "workload": workload, "charts": charts, "families": families, "codes": codes},
    )


class LabForm(forms.Form):
    draft = forms.ModelChoiceField(
        queryset=ModerationPolicy.objects.filter(is_active=False).order_by("name"), label="Draft policy",
        empty_label=None,
    )  # fmt: skip
    stream = forms.ChoiceField(choices=LabRun.Stream.choices, initial=LabRun.Stream.GENERATED)
    article = forms.ModelChoiceField(
        queryset=Article.objects.order_by("-published_on"), required=False, label="Article (generated or real)"
    )
    comments = forms.IntegerField(initial=1000, min_value=1, max_value=runs.MAX_COMMENTS, label="Comments")
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


@staff_page
def policy_lab(request: HttpRequest) -> HttpResponse:
    """Try a draft policy against the live one on a stream, see past comparisons and what the shadow did."""
    form = LabForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parameters: dict[str, Any] = {
            "comments": data["comments"], "seed": data["seed"], "moderators": data["moderators"],
            "review_seconds": data["review_seconds"],
        }  # fmt: skip
        upload: Path | None = None
        if data["stream"] == LabRun.Stream.REPLAY and data["replay"]:
            upload = save_upload(data["replay"])
            parameters["path"] = str(upload)
            parameters["file"] = data["replay"].name
        elif data["stream"] == LabRun.Stream.REPLAY:
            # Only a name offered by the form (files in the folder), never a path a user wrote.
            parameters["path"] = str(replay_folder() / data["replay_on_disk"])
            parameters["file"] = data["replay_on_disk"]
        try:
            run = services.lab_run_create(
                editor=request.user if request.user.is_authenticated else None, draft=data["draft"],
                article=data["article"], stream=data["stream"], parameters=parameters,
            )  # fmt: skip
        except services.LabRunRefused as exc:
            if upload is not None:
                upload.unlink(missing_ok=True)  # no run will read it
            form.add_error(None, exc.messages[0])
        else:
            return redirect("lab:lab_run", pk=run.pk)
    jobs_mark_interrupted()
    context = {"form": form, "runs": LabRun.objects.select_related("article")[:50], "shadow": runs.shadow_record()}
    return render(request, "lab/lab.html", context, status=400 if form.errors else 200)


@staff_page
def lab_run(request: HttpRequest, pk: int) -> HttpResponse:
    jobs_mark_interrupted()
    run = get_object_or_404(LabRun.objects.select_related("article"), pk=pk)
    return render(request, "lab/lab_run.html", {"run": run, "result": run.result})


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
