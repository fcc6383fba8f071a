from __future__ import annotations

from typing import Any

from django import template

from desk.selectors import queue_counts
from policies.selectors import model_status, model_summary

register = template.Library()


@register.inclusion_tag("admin/desk/queue_counts.html", takes_context=True)
def review_queue_counts(context: dict[str, Any]) -> dict[str, Any]:
    """What waits for moderators, for the top of the admin index: counted as the desk counts its tabs (readers'
    comments, as the desk opens), and each a link to the rows it counts."""
    counts = queue_counts()
    user = context["request"].user
    return {
        "review": counts["review"],
        "held": counts["held"],
        "reported": counts["reader_reported"],
        "flagged": counts["flagged"],
        "appeals": counts["appeals"],
        "can_moderate": user.has_perm("comments.can_moderate"),
        "model_loaded": model_status().model is not None,
        "model_summary": model_summary(),
    }


@register.filter
def percent(value: float | str | None) -> str:
    """0.168 -> "16.8%"; anything that is not a number (nothing measured yet: a run still queued,
    running or failed has no report) -> "—"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value * 100:.1f}%"
