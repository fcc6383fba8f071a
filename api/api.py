"""The public API, version 1: ``/api/v1/``, its OpenAPI 3 document at ``/api/v1/openapi.json`` and its
interactive docs at ``/api/v1/docs``. docs/api.md describes it for people."""

from __future__ import annotations

from ninja import NinjaAPI

from api import problems, readers, sites, staff
from api.docs import OfflineSwagger

api = NinjaAPI(
    title="Newsroom API",
    version="1",
    description="Comments on the newsroom's stories, moderated and explained; the review queue for staff. "
    "Errors are problem documents (RFC 9457). See docs/api.md.",
    urls_namespace="api",
    docs=OfflineSwagger(),
    docs_url="/docs",
)
problems.install(api)
api.add_router("", readers.router)
api.add_router("", sites.router)
api.add_router("", staff.router)
