"""The comment section on another site's pages: ``embed.js`` and the fragments it loads into its shadow root.

The host page holds ``<div id="newsroom-comments" data-story-url="...">`` and our script. The script asks
``/embed/v1/section`` for the story's comment section: the very template and template tag of our article
page, as an HTML fragment. Its forms are sent to ``/embed/v1/act``, which hands them to the comments app's
own views (the same services, limits, moderation and messages) and answers with the fragment again.

Who the reader is travels in a header, not in cookies (``embeds.middleware``); which site asks is the
request's ``Origin``, which must be a registered site's; the story is the page's address on that site.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseRedirectBase
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from articles.models import Article
from comments import ratelimit
from comments.forms import Identity
from comments.models import Comment
from embeds.middleware import with_cookies_set
from embeds.models import Site, SiteReader
from embeds.readers import forget_sign_in, remember_sign_in, signed_in_reader
from embeds.services import EmbedError, site_for_origin, sso_sign_in, story_for_url
from newsroom.http import client_ip
from newsroom.rates import wait_words

# The readers' forms the embed may send on, by their URL names: nothing else of the site is reachable this way.
READERS_FORMS = frozenset(
    {"comments:post", "comments:forget", "comments:report", "comments:ignore", "comments:unignore", "comments:react"}
)
# What the embed loads into its shadow root as stylesheets, in this order.
STYLESHEETS = ("bootstrap/css/bootstrap.min.css", "newsroom/site.css", "embeds/embed.css")
SCRIPT = "embeds/embed.js"
MAX_TOKEN = 4096


class SectionResponse(HttpResponse):
    """The comment section as a fragment (what the embed shows), as opposed to anything else a view answers."""


def static_text(path: str) -> str:
    found = finders.find(path)
    if isinstance(found, str):
        with open(found, encoding="utf-8") as file:
            return file.read()
    with staticfiles_storage.open(path) as file:  # collected only (a deployment without the source tree)
        data: bytes = file.read()
    return data.decode("utf-8")


@require_GET
@gzip_page
def embed_script(request: HttpRequest) -> HttpResponse:
    """The script a host page loads; short-lived in caches, so that a fix reaches every page within minutes."""
    response = HttpResponse(static_text(SCRIPT), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"  # public: a host may load it as a module or with crossorigin
    return response


@require_GET
@gzip_page
def styles(request: HttpRequest) -> HttpResponse:
    """Bootstrap, our styles and the embed's own, as one text: the embed makes a constructed stylesheet of it
    (a host's strict Content-Security-Policy needs no style-src for us). Public: it holds no reader's data."""
    parts = [static_text(path).replace("/*# sourceMappingURL=bootstrap.min.css.map */", "") for path in STYLESHEETS]
    response = HttpResponse("\n".join(parts), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response.setdefault("Access-Control-Allow-Origin", "*")
    return response


def refusal(request: HttpRequest, error: EmbedError) -> HttpResponse:
    """Why the embed cannot show comments here, as a fragment it shows. Said to an unregistered origin too
    (nothing of ours is in it): otherwise its page could not read the answer and would show nothing."""
    status = {"site_unknown": 403, "url_origin": 403, "too_many_stories": 429}.get(error.code, 400)
    html = render_to_string("embeds/refusal.html", {"message": error.message})
    response = HttpResponse(html, status=status)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    origin = request.headers.get("Origin", "")
    if error.code == "site_unknown" and origin and origin.isprintable():
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def site_and_story(request: HttpRequest) -> tuple[Site, Article]:
    site = site_for_origin(request.headers.get("Origin"))

    def count_new_story() -> None:
        # The first embed of a story creates it. The Origin header is a browser's word, which a script
        # elsewhere can imitate: new stories are counted per client address, so none can be made by the
        # thousand (an editor finds any made in the admin, under Articles, "on another site").
        wait = ratelimit.hit("embed-story-ip", client_ip(request) or "unknown", settings.EMBED_NEW_STORIES_PER_IP)
        if wait:
            raise EmbedError(
                f"Too many new stories were opened from this address: wait {wait_words(wait)}, then reload the page.",
                code="too_many_stories",
                retry_after=wait,
            )

    story = story_for_url(
        site=site, url=request.GET.get("url", ""), title=request.GET.get("title", ""), before_creating=count_new_story
    )
    if not story.is_published:
        raise EmbedError("Comments are not available for this story.", code="unpublished")
    return site, story


def reader_for(request: HttpRequest, site: Site) -> SiteReader | None:
    """The reader this site signed in, if any (a token copied to another site's page signs nobody in there)."""
    reader = signed_in_reader(request)
    return reader if reader is not None and reader.site_id == site.pk else None


def render_section(
    request: HttpRequest,
    story: Article,
    *,
    site: Site,
    extra: dict[str, Any] | None = None,
    status: int = 200,
    anchor: str = "",
    problem: str = "",
) -> SectionResponse:
    """The section fragment; the embed's counterpart of ``articles.views.render_article_page``."""
    reader = reader_for(request, site)
    context = {
        "article": story,
        "site": site,
        "reader": reader,
        "anchor": anchor,
        "problem": problem,
        "embed_root": request.build_absolute_uri("/").rstrip("/"),
        "comment_identity": Identity(name=reader.display_name, email=reader.email) if reader else None,
        **(extra or {}),
    }
    return SectionResponse(render_to_string("embeds/section.html", context, request), status=status)


@csrf_exempt
@require_GET
def section(request: HttpRequest) -> HttpResponse:
    """The story's comment section; its query (sort, page, thread, replies, reply_to, report, reported) is
    the article page's."""
    try:
        site, story = site_and_story(request)
    except EmbedError as error:
        return refusal(request, error)
    return render_section(request, story, site=site)


@csrf_exempt  # no cookie of the browser is read here: a forged post would be nobody's (embeds.middleware)
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    """A form of the section, sent on to the comments app's own view (``to``: the form's action). Where
    that view would send the browser elsewhere, the section it would land on is the answer, with the anchor
    to scroll to."""
    try:
        site, story = site_and_story(request)
    except EmbedError as error:
        return refusal(request, error)
    path = urlsplit(request.GET.get("to", "")).path
    try:
        match = resolve(path) if path.startswith("/") else None
    except Resolver404:
        match = None
    if match is None or match.view_name not in READERS_FORMS:
        return render_section(request, story, site=site, status=404, problem="This form cannot be sent from here.")
    if "slug" in match.kwargs and match.kwargs["slug"] != story.slug:
        return render_section(request, story, site=site, status=400, problem="This form is for another story.")
    if "pk" in match.kwargs and not Comment.objects.filter(pk=match.kwargs["pk"], article=story).exists():
        return render_section(request, story, site=site, status=404, problem="That comment is not on this story.")
    hooks: dict[str, Any] = {}
    if match.view_name == "comments:post":
        reader = reader_for(request, site)
        hooks = {
            "render_page": partial(render_section, site=site),
            "identity": Identity(name=reader.display_name, email=reader.email) if reader else None,
        }
    try:
        response = match.func(request, *match.args, **match.kwargs, **hooks)
    except Http404:
        return render_section(
            request, story, site=site, status=404, problem="What this form was about is no longer here."
        )
    if isinstance(response, SectionResponse):
        return response
    if isinstance(response, HttpResponseRedirectBase):
        return landing(request, story, site=site, redirect=response)
    if response.status_code == 429:  # reporting too fast: the site's own page for it would not fit here
        wait = response.get("Retry-After", "60")
        limited = render_section(
            request, story, site=site, status=429,
            problem="You are sending reports faster than we allow. "
            f"Wait {wait_words(int(wait) if wait.isdigit() else 60)}, then try again.",
        )  # fmt: skip
        limited["Retry-After"] = wait
        return limited
    return render_section(request, story, site=site, status=400, problem="That could not be done. Try again.")


def landing(request: HttpRequest, story: Article, *, site: Site, redirect: HttpResponse) -> SectionResponse:
    """Where the page would have gone after a post: the section as that address shows it (its query), within
    this request, so that its messages and the cookies just set show as on the next page."""
    location = urlsplit(redirect["Location"])
    request.GET = QueryDict(location.query)
    request.COOKIES = with_cookies_set(request.COOKIES, redirect.cookies)
    response = render_section(request, story, site=site, anchor=location.fragment)
    for name, morsel in redirect.cookies.items():
        response.cookies[name] = morsel
    return response


@csrf_exempt
@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    """The host page's reader, signed in by the site: ``token`` (form or JSON) is the site's signed token."""
    try:
        site, story = site_and_story(request)
    except EmbedError as error:
        return refusal(request, error)
    token = request.POST.get("token", "")
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            body = None
        token = body.get("token", "") if isinstance(body, dict) else ""
    if not isinstance(token, str) or not token.strip() or len(token) > MAX_TOKEN:
        return render_section(request, story, site=site, status=400, problem="The sign-in token is missing.")
    try:
        reader = sso_sign_in(site=site, token=token.strip())
    except EmbedError as error:
        status = 403 if error.code in ("sso_forged", "sso_replayed") else 400
        return render_section(request, story, site=site, status=status, problem=error.message)
    remember_sign_in(request, reader)
    return render_section(request, story, site=site)


@csrf_exempt
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    try:
        site, story = site_and_story(request)
    except EmbedError as error:
        return refusal(request, error)
    if reader_for(request, site) is not None:
        forget_sign_in(request)
        messages.info(request, "You are signed out of the comments.")
    return render_section(request, story, site=site)
