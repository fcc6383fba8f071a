"""Staff calls: ``Authorization: Bearer <key>``, a personal token made in the admin (``api.ApiToken``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken
from api.problems import Problem
from api.services import KEY_PREFIX, key_hash

# A token's "last used" is written at most this often: a busy script would otherwise write on every call.
TOUCH_EVERY = dt.timedelta(minutes=1)


class StaffToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        key = token.strip()
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        found = ApiToken.objects.usable().select_related("user").filter(key_hash=key_hash(key)).first()
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


def require(request: HttpRequest, permission: str) -> User:
    """The token's user, if they hold ``permission`` (the same one the desk checks); else 403."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or not user.has_perm(permission):
        raise Problem(
            403,
            f"Your account does not have the permission this needs ({permission}); an administrator gives it "
            "with the Moderators group.",
            kind="forbidden",
        )
    return user
