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
    """The address a request came from (for rate limits and the audit), or None if it is not an address.

    Behind ``BEHIND_PROXY`` trusted proxies, each appends the address it received the request from to
    ``X-Forwarded-For``: the entry that many places from the right was written by our nearest trusted
    proxy. Everything left of it came from the client, who can write anything there.
    """
    hops = settings.BEHIND_PROXY
    if hops:
        entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        entries = [entry for entry in entries if entry]
        if len(entries) >= hops:
            forwarded = _valid_ip(entries[-hops])
            if forwarded:
                return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")
