"""Writes and checks for embedding: find a site by its origin, a story by its address, verify what a site
signs (a story pushed to us, a reader signed in).

Every refusal is an ``EmbedError`` with a message a person can act on and a ``code``; nothing is written
before everything is checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import jwt
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from articles.services import article_slug_for
from commenters.services import commenter_for
from comments.sanitize import has_visible_text
from embeds.models import Site, SiteReader, UsedSignInToken
from newsroom import limits

# A sign-in token lives at most this long (its "exp" after its "iat"): a host mints one per page view.
SIGN_IN_MAX_SECONDS = 3600
# Clocks differ: a token or a push this far in the future, or this far past its expiry, still counts.
CLOCK_LEEWAY = 60
# A signed push is good for this long after its timestamp (a replayed old push is refused).
PUSH_MAX_AGE = 300
TITLE_MAX = 255
TEXT_MAX = 200_000


class EmbedError(Exception):
    def __init__(self, message: str, *, code: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after  # seconds, for a refusal that passes with time


def normalise_origin(value: str) -> str:
    """ "HTTPS://Paper.Example:443/" -> "https://paper.example"; a value that is not an origin raises ValueError."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an origin: write it like https://paper.example")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{value!r} is not an origin: give only the scheme, host and port, like https://paper.example")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has a port that is not a number from 1 to 65535") from None
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def site_for_origin(origin: str | None) -> Site:
    """The active site whose pages are at ``origin`` (a request's Origin header)."""
    try:
        normal = normalise_origin(origin or "")
    except ValueError:
        normal = ""
    site = Site.objects.active().filter(origin=normal).first() if normal else None
    if site is None:
        shown = (origin or "").strip()[:100] or "this page"
        raise EmbedError(
            f"Comments are not enabled for {shown}: the newsroom has not registered this site with its "
            "comment service (an editor adds it under Sites in the admin).",
            code="site_unknown",
        )
    return site


def canonical_story_url(*, site: Site, url: str) -> str:
    """A story's address as we key it: on the site's own origin, without the #fragment."""
    url = (url or "").strip()
    if not url or len(url) > 500:
        raise EmbedError("The story's address (data-story-url) is missing or longer than 500 characters.", code="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
        origin = normalise_origin(urlunsplit(urlsplit(url)[:2] + ("", "", "")))
    except (ValidationError, ValueError):
        raise EmbedError(f"The story's address {url[:100]!r} is not a web address.", code="url") from None
    if origin != site.origin:
        raise EmbedError(
            f"The story's address must be on {site.origin}, the site that embeds it; it is on {origin}.",
            code="url_origin",
        )
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _clean_title(title: str, fallback: str) -> str:
    title = " ".join((title or "").split())[:TITLE_MAX]
    return title if has_visible_text(title) else fallback[:TITLE_MAX]


def story_for_url(
    *, site: Site, url: str, title: str = "", before_creating: Callable[[], None] | None = None
) -> Article:
    """The story at ``url``, created the first time a page of the site embeds it (titled from the page;
    its text unknown until the site pushes it). ``before_creating`` may refuse the creation (it raises)."""
    canonical = canonical_story_url(site=site, url=url)
    story = Article.objects.filter(canonical_url=canonical).first()
    if story is not None:
        return story
    if before_creating is not None:
        before_creating()
    headline = _clean_title(title, canonical)
    try:
        with transaction.atomic():
            return Article.objects.create(
                canonical_url=canonical, headline=headline, slug=_free_slug(headline, canonical), source=site.name,
                published_on=timezone.localdate(), body="", is_published=True,
            )  # fmt: skip
    except IntegrityError:  # two first readers at once: the other created it
        return Article.objects.get(canonical_url=canonical)


def _free_slug(headline: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    return f"{article_slug_for(headline)[:200]}-{digest}"


def story_push(*, site: Site, url: str, title: str, text: str, standfirst: str = "") -> tuple[Article, bool]:
    """The site sends a story's title and text, so the on-topic check has the article to judge against.
    Returns (story, created)."""
    canonical = canonical_story_url(site=site, url=url)
    if not has_visible_text(title or ""):
        raise EmbedError("Give the story's title.", code="title")
    for name, value in (("title", title), ("text", text), ("standfirst", standfirst)):
        if "\x00" in (value or ""):
            raise EmbedError(f"The {name} contains a NUL character, which cannot be stored.", code="nul")
    if len(text or "") > TEXT_MAX:
        raise EmbedError(f"The text is longer than {TEXT_MAX:,} characters.", code="too_long")
    fields = {
        "headline": _clean_title(title, canonical),
        "body": (text or "").strip(),
        "standfirst": (standfirst or "").strip()[:2000],
        "source": site.name,
    }
    with transaction.atomic():
        story = Article.objects.select_for_update().filter(canonical_url=canonical).first()
        if story is not None:
            for key, value in fields.items():
                setattr(story, key, value)
            story.save(update_fields=[*fields, "updated_at"])
            return story, False
        story = Article.objects.create(
            canonical_url=canonical, slug=_free_slug(fields["headline"], canonical),
            published_on=timezone.localdate(), is_published=True, **fields,
        )  # fmt: skip
    return story, True


def verify_push(*, site: Site, timestamp: str, body: bytes, signature: str, now: dt.datetime | None = None) -> None:
    """A push is signed as webhooks are: ``X-Newsroom-Signature: sha256=<hex>``, the HMAC-SHA256 of
    ``"<timestamp>." + body`` with the site's secret; ``X-Newsroom-Timestamp`` in seconds since 1970."""
    now = now or timezone.now()
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    if not (timestamp.strip().isascii() and timestamp.strip().isdigit()) or len(timestamp.strip()) > 12:
        raise EmbedError(
            "X-Newsroom-Timestamp must be the signing time, in whole seconds since 1970.", code="timestamp"
        )
    age = now.timestamp() - int(timestamp)
    if age < -CLOCK_LEEWAY:
        raise EmbedError(
            f"The timestamp is {int(-age)} s in the future: check the sending server's clock.", code="timestamp"
        )
    if age > PUSH_MAX_AGE:
        raise EmbedError(
            f"The signature is {int(age)} s old; a push must be signed within {PUSH_MAX_AGE} s of sending "
            "(check the server's clock).",
            code="timestamp",
        )
    expected = hmac.new(site.secret.encode(), timestamp.strip().encode() + b"." + body, hashlib.sha256).hexdigest()
    given = signature.strip().removeprefix("sha256=")
    # Compared as bytes: compare_digest refuses a str with other than ASCII in it (a 500, not a refusal).
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape")):
        raise EmbedError(
            "The signature does not match: sign '<timestamp>.<body>' with HMAC-SHA256 and the site's secret.",
            code="signature",
        )


def sso_sign_in(*, site: Site, token: str, now: dt.datetime | None = None) -> SiteReader:
    """A reader the site signed in: a JWT (HS256, the site's secret) with ``sub`` (the site's id for them),
    ``name``, ``email``, ``iat`` and ``exp`` (at most an hour apart); ``jti`` optional. Each token signs in once."""
    now = now or timezone.now()
    try:
        claims = jwt.decode(
            token, site.secret, algorithms=["HS256"], leeway=CLOCK_LEEWAY,
            options={"require": ["exp", "iat", "sub"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError:
        raise EmbedError("Your sign-in has expired: reload the page to sign in again.", code="sso_expired") from None
    except jwt.InvalidSignatureError:
        raise EmbedError(
            "The sign-in token is not signed with this site's secret: it was not made by the site.", code="sso_forged"
        ) from None
    except jwt.PyJWTError as exc:
        raise EmbedError(f"The sign-in token is not valid: {exc}.", code="sso_invalid") from None
    lifetime = float(claims["exp"]) - float(claims["iat"])
    if lifetime > SIGN_IN_MAX_SECONDS:
        raise EmbedError(
            f"The sign-in token lives {int(lifetime)} s; make it expire within {SIGN_IN_MAX_SECONDS} s of its "
            "issue (exp − iat).",
            code="sso_invalid",
        )
    if not all(isinstance(claims.get(key), str) for key in ("sub", "name", "email")):
        raise EmbedError("The sign-in token's 'sub', 'name' and 'email' must each be a string.", code="sso_invalid")
    subject, name, email = (str(claims[key]).strip() for key in ("sub", "name", "email"))
    if not subject or len(subject) > 255:
        raise EmbedError("The sign-in token's 'sub' (the reader's id) is missing or too long.", code="sso_invalid")
    if not has_visible_text(name) or len(name) > limits.NAME_MAX_LENGTH or "\x00" in name:
        raise EmbedError(
            f"The sign-in token's 'name' must be a display name of 1 to {limits.NAME_MAX_LENGTH} characters.",
            code="sso_invalid",
        )
    try:
        validate_email(email)
    except ValidationError:
        raise EmbedError("The sign-in token's 'email' is not an email address.", code="sso_invalid") from None
    if len(email) > limits.EMAIL_MAX_LENGTH:
        raise EmbedError("The sign-in token's 'email' is too long.", code="sso_invalid")
    token_id = hashlib.sha256(f"{site.pk}:{claims.get('jti') or token}".encode()).hexdigest()
    expires = dt.datetime.fromtimestamp(float(claims["exp"]) + CLOCK_LEEWAY, tz=dt.UTC)
    try:
        with transaction.atomic():
            UsedSignInToken.objects.create(site=site, token_id=token_id, expires_at=expires)
            UsedSignInToken.objects.filter(expires_at__lt=now).delete()  # spent and expired: nothing to guard
            return _reader(site=site, subject=subject, name=name, email=email, now=now)
    except IntegrityError:
        raise EmbedError(
            "This sign-in token was used before; each signs in once. Reload the page to sign in again.",
            code="sso_replayed",
        ) from None


def _reader(*, site: Site, subject: str, name: str, email: str, now: dt.datetime) -> SiteReader:
    reader = SiteReader.objects.select_related("commenter").filter(site=site, external_id=subject).first()
    if reader is None:
        # The site vouches for the address: the commenter needs no confirmation email.
        commenter = commenter_for(email=email)
        commenter.confirmed_at = commenter.confirmed_at or now
        commenter.signed_in_by_site = True  # the address is theirs alone from now on
        commenter.save(update_fields=["confirmed_at", "signed_in_by_site"])
        return SiteReader.objects.create(
            site=site, external_id=subject, commenter=commenter, display_name=name, signed_in_at=now
        )
    # The same reader on another device, or later: one identity, whatever their name or address became.
    reader.display_name = name
    reader.signed_in_at = now
    reader.save(update_fields=["display_name", "signed_in_at"])
    return reader
