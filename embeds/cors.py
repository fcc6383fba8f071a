"""Which other origins may call the API and the embed: the sites an editor registered, and no other."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from embeds.models import Site
from newsroom import cache

CACHE_KEY = "embeds.origins"
CACHE_SECONDS = 60


def registered_origins() -> frozenset[str]:
    """The active sites' origins, through the shared cache (or this process's own while it is down)."""
    return frozenset(
        cache.through(
            CACHE_KEY, lambda: frozenset(Site.objects.active().values_list("origin", flat=True)), CACHE_SECONDS
        )
    )


def allow_registered_sites(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """django-cors-headers asks this of every request its URL pattern does not match (and CORS_URLS_REGEX
    already keeps the rest of the site out): only the API and the embed, only for a registered origin."""
    origin = request.headers.get("Origin", "")
    if not origin or not request.path.startswith(("/api/", "/embed/")):
        return False
    try:
        return origin in registered_origins()
    except Exception:  # the database is down (a cache that is down falls back): answer no rather than fail the request
        return False


def forget_origins(**kwargs: Any) -> None:
    cache.forget(CACHE_KEY)


def connect() -> None:
    from corsheaders.signals import check_request_enabled

    check_request_enabled.connect(allow_registered_sites, dispatch_uid="embeds.cors")
    post_save.connect(forget_origins, sender=Site, dispatch_uid="embeds.cors.save")
    post_delete.connect(forget_origins, sender=Site, dispatch_uid="embeds.cors.delete")
