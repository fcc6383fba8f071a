"""Pages for the community team: simulation reports and moderator training scores."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from comments.appeals import appeal_counts
from comments.models import ModerationEvent
from desk.forecast import RotaError, forecast, parse_rota
from desk.quality import decided_comments, live_quality
from desk.selectors import arrivals_by_hour, held_arrivals_by_hour
from moderation import JUDGED
from newsroom.charts import line_chart
from newsroom.staff import EVERY_MODERATORS_TRAINING, may_open, staff_page
from policies import shares
from policies.selectors import active_model, active_policy_record
from policies.tradeoff_chart import tradeoff_chart

FAMILY_LABELS = {family.value: family.label for family in JUDGED}


def training_scores(*, moderator_id: int | None = None) -> list[dict[str, Any]]:
    """Each moderator's decisions on simulated comments (or one moderator's), scored against the ground truth."""
    events = ModerationEvent.objects.by_moderators().filter(comment__simulation__isnull=False)
    if moderator_id is not None:
        events = events.filter(actor_id=moderator_id)
    events = events.select_related("actor", "comment").order_by("actor_id", "created_at")
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


@staff_page
def training(request: HttpRequest) -> HttpResponse:
    # A moderator sees how they did, not how their colleagues did.
    everyone = request.user.has_perm(EVERY_MODERATORS_TRAINING)
    rows = training_scores(moderator_id=None if everyone else request.user.pk)
    return render(request, "desk/training.html", {"rows": rows, "everyone": everyone})


@staff_page
def quality(request: HttpRequest) -> HttpResponse:
    """The live filter's quality, from moderators' decisions: per reason code and week by week, and the learned
    model's trade-off between clean comments held and abuse caught, with the live policy's point on it."""
    report = live_quality()
    tradeoff = shares.tradeoff(model=active_model(), live=active_policy_record(), records=decided_comments, key="desk")
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
    context = {
        "report": report, "charts": charts, "tradeoff": tradeoff,
        "tradeoff_chart": tradeoff_chart(tradeoff) if tradeoff else None,
        "appeals": appeal_counts(since=timezone.now() - dt.timedelta(weeks=12)),
        # Saving a point as a draft is the lab's (an editor's): the form posts there.
        "may_draft": may_open(request.user, "lab:lab"),
    }  # fmt: skip
    return render(request, "desk/quality.html", context)


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


@staff_page
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
    return render(request, "desk/staffing.html", {"form": form, "result": result, "chart": chart})
