"""Which story an export's thread is: by its address, the way readers' links differ and still mean one page.

``story_key`` is what two addresses of one page share: http and https, "www." or not, a trailing slash or not,
tracking parameters (``utm_*``, ``fbclid``…) and the #fragment do not make another page; any other query
parameter may (WordPress's ``?p=12``), so it is kept, in order. A story created by an import keeps the thread's
address in the embed's form, less its tracking parameters (``canonical_url``), so that the newsroom's page, once it embeds the comment
section, finds it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse

from articles.models import Article

TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|igshid)$", re.IGNORECASE)
URL_MAX = 500


def _parts(url: str) -> tuple[str, str, str, str, str] | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is not a number; an unclosed IPv6 bracket ("http://[bad/")
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    host = parts.hostname.lower() + (f":{port}" if port and port != default else "")
    return parts.scheme.lower(), host, parts.path or "/", parts.query, parts.fragment


def story_key(url: str) -> str | None:
    """What every address of one page has in common; None for what is not a web address."""
    parts = _parts(url)
    if parts is None:
        return None
    _scheme, host, path, query, _fragment = parts
    kept = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING.match(k))
    path = path.rstrip("/") or "/"
    return host.removeprefix("www.") + path + (f"?{urlencode(kept)}" if kept else "")


def canonical_url(url: str) -> str | None:
    """The address as a story created for it keeps it: as the embed keys a page (scheme and host in lower case,
    no fragment), or None if it is not a web address that fits the column."""
    parts = _parts(url)
    if parts is None:
        return None
    scheme, host, path, query, _fragment = parts
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING.match(k)]
    canonical = urlunsplit((scheme, host, path, urlencode(kept) if kept else "", ""))
    return canonical if len(canonical) <= URL_MAX else None


def own_story_url(article: Article) -> str:
    """Where one of this site's own stories is read: what a thread about it, or this site's export, names."""
    return str(settings.SITE_URL) + reverse("articles:detail", kwargs={"slug": article.slug})


def story_index() -> dict[str, int]:
    """Every story by its key: embedded and imported ones by their address, this site's own by their page's.
    (A few thousand short strings: the stories, never the comments.)"""
    index: dict[str, int] = {}
    site = str(settings.SITE_URL)
    for pk, slug, url in Article.objects.values_list("pk", "slug", "canonical_url").iterator(chunk_size=2000):
        address = url or site + reverse("articles:detail", kwargs={"slug": slug})
        key = story_key(address)
        if key is not None:
            index.setdefault(key, pk)
    return index
