"""One identity per mailbox: the key every check that names someone by their address uses.

Many addresses deliver to one mailbox: ``Spammer+1@Example.com``, ``spammer@example.com``; ``banned.user@gmail.com``,
``banneduser@googlemail.com``; ``x@ｔｈｒｏｗａｗａｙ.ｔｅｓｔ`` (full-width letters, which the mailer delivers to
``x@throwaway.test``). A ban, a rate limit, the duplicate check, the new-commenter rule and a commenter's history
all count by the mailbox, never by the address as typed (which is kept, for mail)::

    >>> mailbox_key("Banned.User+x@GoogleMail.com")
    'banneduser@gmail.com'
    >>> mailbox_key("x@bücher.example")
    'x@xn--bcher-kva.example'
    >>> parent_domains("a.b.throwaway.test")
    ['a.b.throwaway.test', 'b.throwaway.test', 'throwaway.test']

Pure Python, no Django: the data migrations that fill the keys in call it too.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata

# Providers whose other domains are the same mailboxes (Google's own rule: googlemail.com is gmail.com).
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
# Providers that ignore dots in the local part: j.smith@ and jsmith@ are one mailbox there.
DOTLESS_DOMAINS = frozenset({"gmail.com"})
# Everything after the first "+" of the local part is a tag the mailbox owner chose (sub-addressing, RFC 5233).
TAG_SEPARATOR = "+"
# Dots some scripts write, which IDNA reads as the label separator (RFC 3490, 3.1).
IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# The key's column is this wide: an absurd address (NFKC expands some characters eighteenfold) is cut there.
KEY_MAX_LENGTH = 320

LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
DOMAIN_MAX_LENGTH = 253


def fold(text: str) -> str:
    """Case and compatibility forms folded: "ﬁ" is "fi", "Ｘ" is "x", "Straße" is "strasse"."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def domain_key(domain: str) -> str:
    """A domain as DNS knows it: folded, in IDNA form ("xn--…"), without a root dot, aliases resolved. A domain
    IDNA cannot encode is left folded (it names no mailbox anyone can receive mail at)."""
    domain = fold(domain.strip()).translate(IDEOGRAPHIC_DOTS).strip().rstrip(".").lstrip("@")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return DOMAIN_ALIASES.get(domain, domain)


def mailbox_key(email: str) -> str:
    """The mailbox an address delivers to: see the module's docstring. Not an address ("" or no "@"): folded."""
    local, at, domain = fold(email.strip()).rpartition("@")
    if not at:
        return domain[:KEY_MAX_LENGTH]
    domain = domain_key(domain)
    untagged = local.split(TAG_SEPARATOR, 1)[0]
    local = untagged or local  # "+x@…" has no tag to drop, only a strange name
    if domain in DOTLESS_DOMAINS:
        local = local.replace(".", "") or local
    return f"{local}@{domain}"[:KEY_MAX_LENGTH]


def parent_domains(domain: str) -> list[str]:
    """A domain and each domain above it, down to two labels: a ban of any of them covers it."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(max(len(labels) - 1, 1))]


def valid_domain(domain: str) -> bool:
    """A domain key (``domain_key``) names a real host: two labels or more, letters, digits and inner hyphens,
    and any "xn--" label a real encoding of a name."""
    labels = domain.split(".")
    return (
        len(domain) <= DOMAIN_MAX_LENGTH
        and len(labels) >= 2
        and all(LABEL.fullmatch(label) and _decodes(label) for label in labels)
    )


def _decodes(label: str) -> bool:
    if not label.startswith("xn--"):
        return True
    try:
        label.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return True
