from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from articles.models import Article
from lab import runs, services
from lab.management.commands.train_filter import decision_records
from lab.models import LabRun, SimulationRun
from lab.runs import jobs_mark_interrupted
from moderation import JUDGED
from newsroom import var
from newsroom.charts import line_chart
from newsroom.staff import staff_page
from policies import shares
from policies.models import ModerationPolicy
from policies.selectors import active_model, active_policy_record
from policies.tradeoff_chart import tradeoff_chart

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


# The hidden field that tells the curve's form (templates/lab/tradeoff.html, on this page and on the quality
# page) from the lab's own.
CURVE_ACTION = "draft-from-curve"


class CurvePointForm(forms.Form):
    """A point of the trade-off curve to keep as a draft: a row of the table, kept as the share of comments it
    holds now or as its fixed score; or a share typed in. Rendered by hand (templates/lab/tradeoff.html), as the
    quality page shows it too."""

    point = forms.CharField(required=False)
    keep = forms.ChoiceField(choices=[("share", "share"), ("score", "score")], required=False)
    share = forms.FloatField(required=False)

    def __init__(self, *args: Any, tradeoff: shares.Tradeoff | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tradeoff = tradeoff

    def clean_share(self) -> float | None:
        share = self.cleaned_data.get("share")
        if share is not None and not 0 < share <= 1:
            raise forms.ValidationError(
                f"A share is a number above 0 and at most 1 (0.15 holds the top 15 % of comments), not {share:g}."
            )
        return share

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("share") is not None:
            data["hold_share"] = data["share"]
            return data
        if self.tradeoff is None:
            raise forms.ValidationError("No learned model is loaded, so there is no curve to choose on.")
        if not data.get("point"):
            raise forms.ValidationError("Choose a point of the curve, or type a share of comments to hold.")
        row = self.tradeoff.row(data["point"])
        if row is None:
            raise forms.ValidationError("That point is not on the curve (any more): choose one of the list.")
        if data.get("keep") == "score":
            data["hold_at"] = row.threshold
        elif row.traffic is None or row.traffic <= 0:
            raise forms.ValidationError(
                f"The site has {self.tradeoff.recent} recent comments scored by the model, and a share needs "
                f"{shares.MIN_COMMENTS}: keep this point as a fixed score."
                if row.traffic is None
                else "No recent comment scores this high: keep this point as a fixed score."
            )
        else:
            data["hold_share"] = round(row.traffic, 4)
        return data


def lab_tradeoff() -> shares.Tradeoff | None:
    """The live policy's trade-off curve, the site's series read from the same decisions retraining learns from."""
    return shares.tradeoff(
        model=active_model(), live=active_policy_record(),
        records=lambda: [(record.text, record.abusive) for record in decision_records()], key="lab",
    )  # fmt: skip


def draft_from_curve(request: HttpRequest, tradeoff: shares.Tradeoff | None) -> HttpResponse | CurvePointForm:
    """Save the chosen point as a draft and go to it; or the form with what was wrong."""
    form = CurvePointForm(request.POST, tradeoff=tradeoff)
    if form.is_valid():
        try:
            draft = services.policy_draft_from_curve(
                editor=cast(User, request.user),  # a staff page: signed in
                hold_share=form.cleaned_data.get("hold_share"), hold_at=form.cleaned_data.get("hold_at"),
            )  # fmt: skip
        except services.DraftRefused as exc:
            form.add_error(None, exc.messages[0])
        else:
            share, fixed = shares.hold_settings(draft)
            held = (
                f"holds the top {share * 100:g} % of comments by the model's score"
                if share
                else f"holds at a model score of {fixed:.3f}"
            )
            messages.success(
                request, f"Draft {draft.name} saved: it {held}. Nothing changes on the site until it is made live."
            )
            return redirect("admin:policies_moderationpolicy_change", draft.pk)
    return form


@staff_page
def policy_lab(request: HttpRequest) -> HttpResponse:
    """Try a draft policy against the live one on a stream, see past comparisons and what the shadow did, and
    choose the learned model's hold level on its trade-off curve."""
    tradeoff = lab_tradeoff()
    curve_form = CurvePointForm(tradeoff=tradeoff)
    if request.method == "POST" and request.POST.get("action") == CURVE_ACTION:
        answer = draft_from_curve(request, tradeoff)
        if isinstance(answer, HttpResponse):
            return answer
        curve_form = answer
        form = LabForm()
    else:
        form = LabForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        parameters: dict[str, Any] = {
            "comments": data["comments"], "seed": data["seed"], "moderators": data["moderators"],
            "review_seconds": data["review_seconds"],
        }  # fmt: skip
        upload: Path | None = None
        if data["stream"] == LabRun.Stream.REPLAY and data["replay"]:
            upload = save_upload(data["replay"])
            parameters["path"] = var.stored(upload)
            parameters["file"] = data["replay"].name
        elif data["stream"] == LabRun.Stream.REPLAY:
            # Only a name offered by the form (files in the folder), never a path a user wrote.
            parameters["path"] = var.stored(replay_folder() / data["replay_on_disk"])
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
    context = {
        "form": form, "runs": LabRun.objects.select_related("article")[:50], "shadow": runs.shadow_record(),
        "tradeoff": tradeoff, "tradeoff_chart": tradeoff_chart(tradeoff) if tradeoff else None,
        "curve_form": curve_form, "may_draft": True,
    }  # fmt: skip
    return render(request, "lab/lab.html", context, status=400 if form.errors or curve_form.errors else 200)


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
