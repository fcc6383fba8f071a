"""The admin site, and how its log-in is throttled.

Django's admin lets anyone guess passwords as fast as they can send requests.
django-axes (configured in settings: ``ADMIN_LOGIN_FAILURES``, "5/15m" by default)
counts failed log-ins in the database per client address and per username at that
address; the functions here tell it who the user is and what a locked-out person sees.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render

from newsroom.rates import wait_words

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom moderation"
    site_title = "Newsroom"
    index_title = "Comments, articles and policy"

    def admin_view(self, view: V, cacheable: bool = False) -> V:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return inner(request, *args, **kwargs)
            except OverflowError:
                # A number in the address too large for a date or a column (``?created_at__year=99999999999``):
                # what Django does with any filter it cannot apply, the list without it.
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")

        return cast(V, checked)


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username as the log-in form reads it: NFKC (a full-width spelling is the same user), case-folded."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return unicodedata.normalize("NFKC", str(raw)[:150]).casefold()


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return render(request, "429.html", {"wait": wait_words(wait), "what": "log-in attempts"}, status=429)


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


def actor(request: HttpRequest) -> User | None:
    """Who decides, for the audit row (the admin only lets signed-in staff this far)."""
    return request.user if isinstance(request.user, User) else None
