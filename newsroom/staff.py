"""Who may open each staff page: one list, read by the pages themselves, the links to them and the tests.

Like ``AUTH_PASSWORD_VALIDATORS``, the list is data in one place: a page under ``/staff/`` gets an entry in
``STAFF_PAGES`` (its URL name and the one permission it needs) and ``@staff_page`` on its view::

    @staff_page
    def quality(request: HttpRequest) -> HttpResponse: ...

The view never names its permission; the decorator looks it up by the URL name it was reached by, so the list
cannot say one thing while the view checks another. tests/test_staff_permissions.py walks every ``/staff/`` URL
of the URLconf and fails for one missing here, or one that opens without its permission.

The names are strings, not imports: ``newsroom`` sits below the apps whose pages these are.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

STAFF_PAGES: dict[str, str] = {
    # A moderator's own work: their scores on simulated comments (only their own; see desk.views.training), how
    # the filter whose holds they decide does (read from the audit of their decisions), and the staffing forecast,
    # which informs their call to close a story or pause comments for a night with nobody on duty.
    "desk:training": "comments.can_moderate",
    "desk:quality": "comments.view_moderationevent",
    "desk:staffing": "commenters.can_close_comments",
    # An editor's: the simulator's runs, and trying draft policies against the live one.
    "lab:simulations": "lab.view_simulationrun",
    "lab:simulation": "lab.view_simulationrun",
    "lab:lab": "policies.change_moderationpolicy",
    "lab:lab_run": "policies.change_moderationpolicy",
    # Training a candidate model on the site's decisions, shadowing it, making it live and rolling back.
    "policies:models": "policies.change_moderationpolicy",
}
# The admin's own endpoints that act on comments, commenters or policies, and the one permission each checks
# (the views read it from here). tests/test_staff_permissions.py posts to each as staff without it: 403, nothing done.
STAFF_ENDPOINTS: dict[str, str] = {
    "admin:desk_reviewqueueitem_decide": "comments.can_moderate",
    "admin:desk_reviewqueueitem_undo": "comments.can_moderate",
    "admin:desk_reviewqueueitem_feature": "comments.can_moderate",
    "admin:desk_reviewqueueitem_sanction": "commenters.can_sanction",
    "admin:policies_moderationpolicy_activate": "policies.change_moderationpolicy",
}
# The training page shows a moderator their own scores; whoever runs the simulations they train on (an editor)
# sees every moderator's.
EVERY_MODERATORS_TRAINING = "lab.view_simulationrun"

View = Callable[..., HttpResponse]


def may_open(user: Any, url_name: str) -> bool:
    """Whether this user may open the staff page of this URL name (an unknown name is a mistake, not a no)."""
    return bool(user.is_active and user.is_staff and user.has_perm(STAFF_PAGES[url_name]))


def staff_page(view: View) -> View:
    """Staff only (others go to the admin's log-in), and the page's permission from ``STAFF_PAGES``."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        url_name = request.resolver_match.view_name if request.resolver_match else ""
        if url_name not in STAFF_PAGES:
            raise ImproperlyConfigured(
                f"The staff page {url_name or view.__name__!r} is not in newsroom.staff.STAFF_PAGES."
            )
        if not may_open(request.user, url_name):
            return refusal(request, STAFF_PAGES[url_name])
        return view(request, *args, **kwargs)

    return staff_member_required(checked)


def refusal(request: HttpRequest, permission: str) -> HttpResponse:
    """A 403 that says which permission the page needs and who has it, in the site's look."""
    app_label, codename = permission.split(".", 1)
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    groups = (
        list(Group.objects.filter(permissions=found).order_by("name").values_list("name", flat=True)) if found else []
    )
    context = {"permission": permission, "permission_name": found.name if found else permission, "groups": groups}
    return render(request, "403.html", context, status=403)
