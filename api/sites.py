"""What a registered site does through the API: push a story's text (signed with its secret), and sign one of
its readers in (a token it signed). Both are ``embeds.services``' checks and writes; this only reads the
request and says what was refused, and why."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest
from ninja import Router, Status
from ninja.params import HeaderEx, P

from api.problems import Problem
from api.schemas import SignedInOut, SignInIn, StoryPushIn, StoryPushOut
from embeds.readers import remember_sign_in
from embeds.services import EmbedError, site_for_origin, sso_sign_in, story_push, verify_push

router = Router(tags=["Sites"])

# Which refusals mean "not you" (the signature or the token did not prove who sent it) and which "not
# allowed" (no such registered site), as HTTP says them; the rest are the request's content.
UNAUTHENTICATED = {"timestamp", "signature", "sso_expired", "sso_forged", "sso_invalid", "sso_replayed"}
FORBIDDEN = {"site_unknown"}


def refused(error: EmbedError) -> Problem:
    status = 401 if error.code in UNAUTHENTICATED else 403 if error.code in FORBIDDEN else 400
    return Problem(status, error.message, kind=error.code.replace("_", "-"))


def _origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit(parts[:2] + ("", "", ""))


@router.put(
    "/stories",
    response={200: StoryPushOut, 201: StoryPushOut},
    summary="Push a story's title and text (signed by its site)",
    description="Headers: X-Newsroom-Timestamp (seconds since 1970) and X-Newsroom-Signature: sha256=<hex HMAC-SHA256 "
    "of '<timestamp>.' + the raw body, with the site's secret>. The site is the one registered at the URL's origin.",
    auth=None,
)
def push_story(
    request: HttpRequest,
    data: StoryPushIn,
    timestamp: HeaderEx[str, P(alias="X-Newsroom-Timestamp")] = "",
    signature: HeaderEx[str, P(alias="X-Newsroom-Signature")] = "",
) -> Status[StoryPushOut]:
    try:
        site = site_for_origin(_origin_of(data.url))
        verify_push(site=site, timestamp=timestamp, body=request.body, signature=signature)
        story, created = story_push(
            site=site, url=data.url, title=data.title, text=data.text, standfirst=data.standfirst
        )
    except ValueError:  # a URL urlsplit cannot read (an unclosed "[" host)
        raise Problem(400, "The story's url is not a web address.", kind="url") from None
    except EmbedError as exc:
        raise refused(exc) from None
    pushed = StoryPushOut(id=story.pk, url=story.canonical_url or "", title=story.headline, created=created)
    return Status(201 if created else 200, pushed)


@router.post(
    "/sign-in",
    response=SignedInOut,
    summary="Sign a site's reader in (single sign-on)",
    description="A JWT (HS256, the site's secret) with sub, name, email, iat and exp (at most an hour apart); "
    "each token signs in once. The site is the request's Origin, or 'site'. The answer's X-Newsroom-Reader "
    "header carries the signed-in reader: send it back with each request.",
)
def sign_in(request: HttpRequest, data: SignInIn) -> SignedInOut:
    origin = request.headers.get("Origin") or data.site or ""
    try:
        site = site_for_origin(origin)
        reader = sso_sign_in(site=site, token=data.token)
    except EmbedError as exc:
        raise refused(exc) from None
    remember_sign_in(request, reader)
    return SignedInOut(name=reader.display_name, email=reader.commenter.email, site=site.origin)
