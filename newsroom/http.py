"""HTTP helpers every app shares."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from (for rate limits and the audit), or None if it is not an address."""
    if settings.BEHIND_PROXY:
        # The proxy appends the address it saw; the first entry is the reader's.
        forwarded = _valid_ip(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0])
        if forwarded:
            return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")
