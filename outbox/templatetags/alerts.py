from __future__ import annotations

from typing import Any

from django import template

from outbox.models import AlertSubscription

register = template.Library()


@register.inclusion_tag("admin/outbox/paused_alerts.html", takes_context=True)
def paused_alerts(context: dict[str, Any]) -> dict[str, Any]:
    """Webhooks the site paused, at the top of the admin index for those who may resume them: an editor who
    missed the email still sees it (one query, for them alone)."""
    user = context["request"].user
    if not user.has_perm("outbox.change_alertsubscription"):
        return {"paused": []}
    return {"paused": list(AlertSubscription.objects.filter(paused_at__isnull=False).order_by("paused_at"))}
