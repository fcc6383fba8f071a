from django.urls import URLPattern, URLResolver, path, re_path

from api.api import api
from api.docs import asset
from api.problems import as_problems, unknown_address

patterns, _app, namespace = api.urls
for pattern in patterns:
    if isinstance(pattern, URLPattern):  # ninja's plain refusals (a wrong method) as problem documents
        pattern.callback = as_problems(pattern.callback)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", (patterns, "api", namespace)),
    path("docs/assets/<str:name>", asset, name="api-docs-asset"),
    re_path(r"^(?P<rest>.*)$", unknown_address),
]
