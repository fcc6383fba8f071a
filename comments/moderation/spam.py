"""Spam and noise: links, link shorteners, sales talk, the same text again, shouting, floods."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|ru|cn|xyz|top|club|shop|site|online|"
    r"io|ly|co|me|gl|gd|cc|tk|ml|ga|cf|gq|link|click|live|store|vip|win|bid|loan|pw)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
SHORTENERS = frozenset(
    "bit.ly tinyurl.com goo.gl t.co ow.ly is.gd buff.ly cutt.ly rb.gy shorturl.at tiny.cc rebrand.ly t.ly "
    "s.id v.gd bl.ink lnkd.in soo.gd clck.ru shorte.st adf.ly bit.do".split()
)
SALES_RE = re.compile(
    r"\b(?:buy (?:now|cheap|online)|order now|click (?:here|the link|below)|visit (?:my|our) (?:site|website|page|profile)|"
    r"check out my|work(?:ing)? from home|earn (?:\$|usd|up to )?\d|make (?:\$|money|cash)|\$\d+ (?:a|per) (?:day|hour|week)|"
    r"free (?:gift|iphone|money|bitcoin|crypto|trial)|bitcoin|crypto(?:currency)?|forex|casino|betting|viagra|cialis|"
    r"payday loans?|free shipping|replica (?:watches|bags|handbags)|best prices?|cheap (?:watches|flights|loans)|dm me|whats ?app|telegram me|subscribe to my|follow me|100% (?:free|guaranteed)|limited (?:time )?offer|"
    r"promo code|discount code|cheap (?:pills|meds)|hot singles|onlyfans|sugar daddy|investment opportunity|"
    r"passive income|financial freedom)\b",
    re.IGNORECASE,
)
FLOOD_RE = re.compile(r"(\S)\1{7,}|(\S{1,4})(?:\s*\2){9,}")
WS_RE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Finding:
    code: str
    score: float
    message: str
    spans: tuple[tuple[int, int], ...] = ()


# Cheap first look: a URL needs "http", "www." or a dot glued between two words.
_MAYBE_URL_RE = re.compile(r"https?:|www\.|[a-z0-9]\.[a-z]{2,}", re.IGNORECASE)


def link_findings(text: str, *, max_links: int) -> list[Finding]:
    links = list(URL_RE.finditer(text)) if _MAYBE_URL_RE.search(text) else []
    sales = list(SALES_RE.finditer(text))
    findings: list[Finding] = []
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
            Finding("spam.links", min(1.0, round(score, 3)), message, tuple((m.start(), m.end()) for m in links))
        )
    if sales:
        score = min(1.0, 0.35 * len(sales) + (0.35 if links else 0.0))
        findings.append(
            Finding(
                "spam.promotion", round(score, 3), "reads like advertising", tuple((m.start(), m.end()) for m in sales)
            )
        )
    return findings


@lru_cache(maxsize=4096)
def fingerprint(text: str) -> str:
    """Text reduced to its words, for spotting the same comment posted again."""
    return WS_RE.sub(" ", text.lower()).strip()


def duplicate_finding(text: str, *, own_recent: tuple[str, ...], others_recent: tuple[str, ...]) -> Finding | None:
    mark = fingerprint(text)
    if len(mark) < 12:  # "Agreed." twice is a conversation, not spam
        return None
    if any(fingerprint(t) == mark for t in own_recent):
        return Finding("spam.duplicate", 0.9, "repeats a comment you posted a few minutes ago")
    # The same words from two or more other people within minutes: a copy-paste campaign.
    if len(mark) >= 30 and sum(1 for t in others_recent if fingerprint(t) == mark) >= 2:
        return Finding("spam.duplicate", 0.6, "is word for word the same as other recent comments")
    return None


_CAPITALS_RE = re.compile(r"[A-Z]{2,}\W+[A-Z]{2,}")


def shouting_finding(text: str) -> Finding | None:
    if not _CAPITALS_RE.search(text) and text.isascii():
        return None  # no two capitalised words in a row: nobody is shouting
    letters = sum(map(str.isalpha, text))
    if letters < 20:
        return None
    ratio = sum(map(str.isupper, text)) / letters
    if ratio < 0.6:
        return None
    return Finding("shouting", round(min(1.0, (ratio - 0.5) * 2), 3), "is written mostly in capital letters")


def flood_finding(text: str) -> Finding | None:
    match = FLOOD_RE.search(text)
    if match:
        return Finding("spam.flood", 0.8, "repeats characters or words over and over", ((match.start(), match.end()),))
    return None
