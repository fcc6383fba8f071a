"""The admin site, with failed log-ins throttled per address and per username at that address.

Django's admin lets anyone guess passwords as fast as they can send requests;
after a few failures in a window (ADMIN_LOGIN_FAILURES, "5/15m" by default)
further attempts are refused with 429 until the window passes.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comments import ratelimit

from .http import client_ip


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom moderation"
    site_title = "Newsroom"
    index_title = "Comments, articles and policy"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method != "POST" or not settings.ADMIN_LOGIN_FAILURES:
            return super().login(request, extra_context)
        ip = client_ip(request) or "unknown"
        keys = [("login-ip", ip)]
        # As the log-in form reads it (NFKC: a full-width spelling is the same user), and only from this
        # address: guessing at a moderator's password from one address never locks them out everywhere.
        username = unicodedata.normalize("NFKC", request.POST.get("username", "")[:150]).casefold()
        if username:
            keys.append(("login-user", f"{username} {ip}"))
        if any(ratelimit.peek(scope, key, settings.ADMIN_LOGIN_FAILURES) for scope, key in keys):
            return render(request, "429.html", {"wait": 15 * 60, "what": "log-in attempts"}, status=429)
        response = super().login(request, extra_context)
        if response.status_code == 200:  # the form came back: the password was wrong
            for scope, key in keys:
                ratelimit.hit(scope, key, settings.ADMIN_LOGIN_FAILURES)
        return response
