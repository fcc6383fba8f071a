"""The interactive documentation, served whole by this site: Swagger UI from the copy django-ninja ships.

ninja's own docs page loads Swagger UI from a CDN unless ``ninja`` is an installed app; this page is the
same one, its script and style served from the installed package by :func:`asset`, so the docs work
offline and under the site's Content-Security-Policy (no inline script, nothing from other origins).
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

from api.problems import problem_response

if TYPE_CHECKING:
    from ninja import NinjaAPI

STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css", "favicon.svg", "favicon.png"})
ASSET_SECONDS = 24 * 60 * 60


class OfflineSwagger(DocsBase):
    settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI's default sends the document to validator.swagger.io for a badge: nothing leaves the site.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            "api/docs.html",
            {"api": api, "swagger_settings": json.dumps(settings), "asset": reverse("api-docs-asset", args=["x"])[:-1]},
        )


def asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        return problem_response(404, f"There is no asset {name[:100]!r} of the docs page.", kind="not-found")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((STATIC / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = f"public, max-age={ASSET_SECONDS}"
    return response
