"""The public API, version 1: ``/api/v1/``, its OpenAPI 3 document at ``/api/v1/openapi.json`` and its
interactive docs at ``/api/v1/docs``. docs/api.md describes it for people."""

from __future__ import annotations

from api import guards, problems, readers, sites, staff
from api.docs import OfflineSwagger
from api.openapi import NewsroomAPI

api = NewsroomAPI(
    title="Newsroom API",
    version="1",
    description="Comments on the newsroom's stories, moderated and explained; the review queue for staff. "
    "Errors are problem documents (RFC 9457). See docs/api.md.",
    urls_namespace="api",
    docs=OfflineSwagger(),
    docs_url="/docs",
)
problems.install(api)
guards.install(api)  # every write: the page's Origin, and a JSON body
api.add_router("", readers.router)
api.add_router("", sites.router)
api.add_router("", staff.router)
