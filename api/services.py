"""Writes for the API's own records: making and revoking staff tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken

KEY_PREFIX = "nr_"
PREFIX_LENGTH = 10  # "nr_" and seven characters of the secret: enough to tell a user's tokens apart


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_create(*, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new token and its key, which is never stored and so can be shown only now."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:100] or "API token", prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key),
            expires_at=expires_at,
        )  # fmt: skip
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
