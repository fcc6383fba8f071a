from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve


def media(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    # MEDIA_ROOT is read per request, not frozen when the URLs are loaded.
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("newsroom/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("", include("comments.urls")),
    path("", include("outbox.urls")),
    path("", include("desk.urls")),
    path("", include("lab.urls")),
    path("", include("policies.urls")),
    path("", include("embeds.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("articles.urls")),
    # Uploaded article photos. A self-hosted newsroom serves them itself; a
    # larger site would put them behind its web server or object storage.
    re_path(r"^media/(?P<path>.*)$", media),
]

# A request Django refuses before any view (a Host this site does not serve, too many fields): under /api/
# a problem document, as the API's own errors are; elsewhere the site's 400 page. A crash outside the
# views: the 503 that keeps the reader's text when the database is gone, else the site's 500 page.
handler400 = "api.problems.bad_request"
handler500 = "api.problems.server_error"
