"""Links, link shorteners and sales talk."""

from __future__ import annotations

import re

from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Reason
from moderation.wordlists import words

SCORE = "spam"

_URL = (
    r"(?:https?://|www\.)[^\s<>\"']+|\b(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|ru|cn|xyz|top|club|shop|site|online|"
    r"io|ly|co|me|gl|gd|cc|tk|ml|ga|cf|gq|link|click|live|store|vip|win|bid|loan|pw)\b(?:/[^\s<>\"']*)?"
)
URL_RE = re.compile(_URL, re.IGNORECASE)
SHORTENERS = words("link-shorteners")
_SALES = (
    r"\b(?:buy (?:now|cheap|online)|order now|click (?:here|the link|below)|visit (?:my|our) (?:site|website|page|profile)|"
    r"check out my|work(?:ing)? from home|earn (?:\$|usd|up to )?\d|make (?:\$|money|cash)|\$\d+ (?:a|per) (?:day|hour|week)|"
    r"free (?:gift|iphone|money|bitcoin|crypto|trial)|bitcoin|crypto(?:currency)?|forex|casino|betting|viagra|cialis|"
    r"payday loans?|free shipping|replica (?:watches|bags|handbags)|best prices?|cheap (?:watches|flights|loans)|dm me|whats ?app|telegram me|subscribe to my|follow me|100% (?:free|guaranteed)|limited (?:time )?offer|"
    r"promo code|discount code|cheap (?:pills|meds)|hot singles|onlyfans|sugar daddy|investment opportunity|"
    r"passive income|financial freedom)\b"
)
SALES_RE = re.compile(_SALES, re.IGNORECASE)
# Plain ASCII text is searched lower-cased (folded), where the same places are found without IGNORECASE,
# which costs the pattern three times the time.
_LOWER_URL_RE, _LOWER_SALES_RE = re.compile(_URL), re.compile(_SALES)

# Cheap first look: a URL needs "http", "www." or a dot glued between two words; and that needs a
# dot before two letters, which a literal-led pattern finds in a few microseconds.
_MAYBE_URL_RE = re.compile(r"https?:|www\.|[a-z0-9]\.[a-z]{2,}", re.IGNORECASE)
_DOT_LETTERS_RE = re.compile(r"\.[a-z]{2}")


def _maybe_links(raw: str, folded: str) -> bool:
    if "http" not in folded and not _DOT_LETTERS_RE.search(folded):
        return False
    return bool(_MAYBE_URL_RE.search(raw))


# The words every sales phrase above is made of: the first, and (for the everyday ones) the next.
# A text without such a pair ("$" and "100%" aside) is not searched with the long pattern at all.
_SALES_WORDS = {
    "buy": "now cheap online", "order": "now", "click": "here the below", "visit": "my our", "check": "my",
    "work": "home", "working": "home", "earn": "", "make": "money cash", "free": "gift iphone money bitcoin "
    "crypto trial shipping", "bitcoin": "", "crypto": "", "cryptocurrency": "", "forex": "", "casino": "",
    "betting": "", "viagra": "", "cialis": "", "payday": "", "replica": "", "best": "price prices",
    "cheap": "watches flights loans pills meds", "dm": "me", "whats": "app", "whatsapp": "", "telegram": "me",
    "subscribe": "my", "follow": "me", "limited": "offer", "promo": "code", "discount": "code", "hot": "singles",
    "onlyfans": "", "sugar": "daddy", "investment": "opportunity", "passive": "income", "financial": "freedom",
}  # fmt: skip
SALES_OPENERS = frozenset(_SALES_WORDS)
SALES_NEXT = {opener: frozenset(following.split()) for opener, following in _SALES_WORDS.items()}


def _maybe_sales(raw: str, words: frozenset[str]) -> bool:
    if "$" in raw or "100%" in raw:
        return True
    return any(not SALES_NEXT[w] or not SALES_NEXT[w].isdisjoint(words) for w in SALES_OPENERS.intersection(words))


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    max_links = policy.max_links
    raw = text.raw
    ascii_only = raw.isascii()  # then text.folded is raw.lower(): each character where it was
    if _maybe_links(raw, text.folded):
        links = list(_LOWER_URL_RE.finditer(text.folded) if ascii_only else URL_RE.finditer(raw))
    else:
        links = []
    if _maybe_sales(raw, text.words):
        sales = list(_LOWER_SALES_RE.finditer(text.folded) if ascii_only else SALES_RE.finditer(raw))
    else:
        sales = []
    findings: list[Reason] = []
    if links:
        if len(links) > max_links:
            score = 0.7
            message = f"has {len(links)} links (more than {max_links})"
        else:
            score = 0.2 * len(links)
            message = f"has {len(links)} link{'s' if len(links) > 1 else ''}"
        hosts = [re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group().lower()).split("/")[0] for m in links]
        if any(host in SHORTENERS for host in hosts):
            score += 0.5
            message += ", through a link shortener that hides where it leads"
        if sales:
            score += 0.3
        findings.append(
            Reason("spam.links", min(1.0, round(score, 3)), message, tuple((m.start(), m.end()) for m in links))
        )
    if sales:
        score = min(1.0, 0.35 * len(sales) + (0.35 if links else 0.0))
        findings.append(
            Reason(
                "spam.promotion", round(score, 3), "reads like advertising", tuple((m.start(), m.end()) for m in sales)
            )
        )
    return findings
