"""Links a person would call spam: a link promoted, hidden, alone, or one of too many.

A link on its own is not spam: readers cite their sources. It counts as promotion when it comes with a
pitch (what ``promotion`` finds in the words, or a call to act on the link: "click", "sign up"), when it is
a referral link that pays its author or a fundraiser's page, when it hides where it leads (a shortener, an
address spaced out or spelled letter by letter), or when it is nearly all the comment says. (What the words pitch without a link
is ``promotion``; the same text again is ``duplicate``.)"""

from __future__ import annotations

import re

from moderation.checks import promotion
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
# Plain ASCII text is searched lower-cased (folded), where the same places are found without IGNORECASE,
# which costs the pattern three times the time.
_LOWER_URL_RE = re.compile(_URL)
SHORTENERS = words("link-shorteners")
FUNDRAISERS = words("fundraising-sites")

# Cheap first look: a URL needs "http", "www." or a dot glued between two words; and that needs a
# dot before two letters, which a literal-led pattern finds in a few microseconds.
_MAYBE_URL_RE = re.compile(r"https?:|www\.|[a-z0-9]\.[a-z]{2,}", re.IGNORECASE)
_DOT_LETTERS_RE = re.compile(r"\.[a-z]{2}")


def _maybe_links(raw: str, folded: str) -> bool:
    if "http" not in folded and not _DOT_LETTERS_RE.search(folded):
        return False
    return bool(_MAYBE_URL_RE.search(raw))


# Asking readers to act on a link: with one of these, a link is promoted, not cited. ("Visit", "watch", "see" and
# "read" are left out: a reader citing a source writes them, and news is full of visits.)
_CALLS = (
    r"\b(?:check (?:it |this |them |that |these )?out|checkout|click|download|join (?:me|us|now|here|today)|sign up|"
    r"signup|register (?:now|here|today)|install|donate|buy|order now|follow (?:me|us|my|our|him|her|them)|"
    r"like (?:this|my|our|the) (?:[\w-]+ )?(?:page|video|post|comment)|chance to win|"
    r"(?:please|plz|pls) (?:help|like|share|visit|watch|support|"
    r"vote|follow|click|download|join|sign)|help me|support (?:me|us|my|our)|vote for (?:me|us|my|our)|"
    r"(?:you|u)(?: can| will|['’]ll)? get paid)\b"
)
_CALL_WORDS = frozenset(
    "check checkout click download join sign signup register install donate buy order follow like please plz pls "
    "help support vote chance paid".split()
)
CALLS_RE = re.compile(_CALLS, re.IGNORECASE)
_LOWER_CALLS_RE = re.compile(_CALLS)
# A link that pays whoever posts it for each visitor it brings: an id in a referral or affiliate parameter.
# ("?ref=twitter" only says where a reader came from.)
REFERRAL_RE = re.compile(
    r"[?&](?:ref|refid|ref_id|aff|affid|aff_id|affiliate|referral|referrer|invite|r)=[a-z0-9_-]*\d{3}", re.IGNORECASE
)
# An address written with its dot spaced out ("example . com"), or letter by letter ("h t t p : / / ...",
# "w w w . example"), to slip past link filters.
_SPACED_ADDRESS_RE = re.compile(r"\b[a-z0-9-]{3,}\s*(?: \.|\. )\s*(?:com|net|org|info|biz|ru|co)\b", re.IGNORECASE)
_SPACED_ENDINGS = frozenset(("com", "net", "org", "info", "biz", "ru", "co"))
_SPELLED_ADDRESS_RE = re.compile(
    r"\bh\s+t\s+t\s+p\s*s?\s*:\s*/\s*/(?:\s?\S){1,80}|\bw\s+w\s+w\s*\.(?:\s?\S){1,80}", re.IGNORECASE
)
_WORD_RE = re.compile(r"\w+")


def _find(pattern: re.Pattern[str], lower: re.Pattern[str], text: Text, ascii_only: bool) -> list[re.Match[str]]:
    return list(lower.finditer(text.folded) if ascii_only else pattern.finditer(text.raw))


def _disguised(text: Text, found: list[re.Match[str]]) -> list[re.Match[str]]:
    """Addresses spaced out or spelled letter by letter, where no link was found already."""
    raw, found_words = text.raw, text.words
    disguised: list[re.Match[str]] = []
    if not _SPACED_ENDINGS.isdisjoint(found_words) and (" ." in raw or ". " in raw):
        disguised += _SPACED_ADDRESS_RE.finditer(raw)
    if ("h" in found_words and "t" in found_words) or "w" in found_words:
        disguised += _SPELLED_ADDRESS_RE.finditer(raw)
    return [m for m in disguised if not any(m.start() < x.end() and x.start() < m.end() for x in found)]


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    raw = text.raw
    ascii_only = raw.isascii()  # then text.folded is raw.lower(): each character where it was
    links = _find(URL_RE, _LOWER_URL_RE, text, ascii_only) if _maybe_links(raw, text.folded) else []
    links += _disguised(text, links)
    if not links:
        return []
    max_links = policy.max_links
    hosts = [re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group().lower()).split("/")[0] for m in links]
    hidden = any(host in SHORTENERS for host in hosts) or any(
        m.re is not URL_RE and m.re is not _LOWER_URL_RE for m in links
    )
    referral = any(REFERRAL_RE.search(m.group()) for m in links)
    fundraiser = any(host in FUNDRAISERS for host in hosts)
    calls = not _CALL_WORDS.isdisjoint(text.words) and _find(CALLS_RE, _LOWER_CALLS_RE, text, ascii_only)
    pitched = bool(calls) or referral or fundraiser or any(p is not promotion.TOPICS for p, _ in promotion.find(text))
    count = f"{len(links)} link{'s' if len(links) > 1 else ''}"
    score = 0.2 * len(links)  # a cited source or two: noticed, not held
    if len(links) > max_links:
        score, message = 0.7, f"has {len(links)} links (more than {max_links})"
    elif referral:
        message = "promotes a referral link, which pays its author for every visit"
    elif fundraiser:
        message = "asks for money through a link"
    elif pitched:
        message = "promotes a link"
    elif len(_WORD_RE.findall(URL_RE.sub(" ", _SPACED_ADDRESS_RE.sub(" ", raw)))) <= 4:
        # Four words or fewer besides the addresses: little more than a link, with nothing to say.
        score, message = 0.6, "is a link with next to nothing said"
    else:
        message = f"has {count}"
    if pitched:
        score += 0.6
    if hidden:
        score += 0.5
        message += (
            " that hides where it leads"
            if message == "promotes a link"
            else ", through a link shortener or a disguised address that hides where it leads"
        )
    return [Reason("spam.links", min(1.0, round(score, 3)), message, tuple((m.start(), m.end()) for m in links))]
