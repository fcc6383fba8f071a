"""The admin site, and how its log-in is throttled.

Django's admin lets anyone guess passwords as fast as they can send requests.
django-axes (configured in settings: ``ADMIN_LOGIN_FAILURES``, "5/15m" by default)
counts failed log-ins in the database per client address and per username at that
address; the functions here tell it who the user is and what a locked-out person sees.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom moderation"
    site_title = "Newsroom"
    index_title = "Comments, articles and policy"


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username as the log-in form reads it: NFKC (a full-width spelling is the same user), case-folded."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return unicodedata.normalize("NFKC", str(raw)[:150]).casefold()


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return render(request, "429.html", {"wait": wait, "what": "log-in attempts"}, status=429)
