"""Spam a person would name: a comment that promotes a link, offers money, asks for subscribers or
followers, or reads like advertising. (The same text again is ``duplicate``.)

A link on its own is not spam: readers cite their sources. It counts as promotion when it comes with a
pitch, hides where it leads (a shortener, a spaced-out address), or is nearly all the comment says."""

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


# The author pointing readers at their own channel, page or work, or asking for subscribers, likes and
# follows: the commonest comment spam there is, on news sites as under videos.
_OWN = (
    r"(?:my|our)(?: [\w']+){0,2}? "
    r"(?:channel|videos?|vids?|page|site|website|blog|profile|music|songs?|tracks?|beats?|mix(?:tape)?|remix(?:es)?|"
    r"covers?|stream|shop|store|account|insta(?:gram)?|twitter|tiktok|facebook|podcast|art|clips?|rap|raps|band)"
)
_ASKS = (
    rf"\b(?:check(?:ing)?|checkout|look(?:ing)? at|visit|watch|see|listen to|go to|come to|head over to|"
    rf"take a look at)(?: out)?(?: at)? {_OWN}\b|"
    rf"\b(?:check|checkout) (?:me|us) out\b|\bcheck out (?:this|my) (?:channel|page)\b|\b{_OWN} (?:please|plz|pls)\b|"
    r"(?<!\bi )(?<!\bwe )\bsu\w{0,3}cri\w{0,3} (?:to |in )?(?:me|my|our|us)\b|^\W*(?:(?:please|plz|pls) )?subscribe\b|"
    r"\bsubscribe (?:like|and like|plz|please|pls)\b|\bsub (?:my|to my)\b|"
    r"\bsub ?(?:4|for) ?sub\b|\b(?:sub|subscribe|follow) back\b|\bi(?:'ll| will) (?:subscribe|sub|follow) (?:back|you)\b|"
    r"\b(?:please|plz|pls) (?:like|share|subscribe|sub|follow|check|visit)\b|\blike this comment\b|"
    r"\b(?:follow|add) (?:me|us) on\b|\b(?:follow|like) ?4 ?(?:follow|like)\b|\bmy (?:\w+ ){0,2}(?:channel|chanel|chhanel)\b|"
    r"\b(?:get|reach|hit|have|gain|need) (?:over |some |more |a few )?(?:\d[\d,]* )?(?:more )?(?:subscribers|subs)\b|"
    r"\b(?:throw|give|leave) (?:me )?a sub\b|\bsubscribe (?:now|today|and|for)\b|\bcheck (?:out )?and share\b|"
    r"\bcheck (?:out )?(?:this|these|the|our) (?:[\w']+ )?(?:video|videos|vid|playlist|song|songs|remix|cover|covers|"
    r"channel|version|track|page)\b"
)
ASKS_RE = re.compile(_ASKS, re.IGNORECASE)
_LOWER_ASKS_RE = re.compile(_ASKS)
# Money for nothing: earnings quoted by the day, money or gifts for free.
# Money for nothing, offered to the reader. Wages and prices are news ("$15 an hour", "to make money"): only
# easy, fast or free money, or earnings quoted by the day or week as a promise, count.
_MONEY = (
    r"\b(?:earn(?:ing)?|make|making|get(?:ting)?) (?:(?:a lot of|lots of|real|easy|extra|quick|fast|free|big) )"
    r"(?:money|cash|income)\b|\b(?:earn(?:ing)?|make|making) (?:a lot of |lots of )?(?:money|cash|income) "
    r"(?:fast|quick|quickly|easily|online|from home|at home|while you sleep)\b|"
    r"\b(?:earn|make|making|earning) (?:up to |over |at least )?\$ ?\d[\d,]*\+? (?:a|an|per|every) (?:day|week)\b|"
    r"\bfree (?:money|cash|gift ?cards?|iphones?|robux|followers|subscribers|likes|v-?bucks|giveaway)\b|"
    r"\bgift ?cards? (?:giveaway|for free|generator)\b"
)
MONEY_RE = re.compile(_MONEY, re.IGNORECASE)
_LOWER_MONEY_RE = re.compile(_MONEY)
# Words one of the patterns above needs: a comment with none of them is not searched with them at all.
_PITCH_WORDS = frozenset(
    "my our me us sub subs subscribe subscribed subscribing suscribe subcribe please plz pls like follow "
    "add check checking checkout earn earning make making get getting free gift giftcard giftcards home channel "
    "chanel chhanel reach hit have gain need throw give leave subscribers subs follow4follow like4like sucscribe "
    "subscibe".split()
)
# Asking readers to act on a link: with one of these, a link is promoted, not cited. ("Visit", "watch", "see" and
# "read" are left out: a reader citing a source writes them, and news is full of visits.)
_CALLS = (
    r"\b(?:check (?:it |this |them |that |these )?out|checkout|click|download|join (?:me|us|now|here|today)|sign up|"
    r"signup|register (?:now|here|today)|install|donate|buy|order now|follow (?:me|us|him|her|them)|"
    r"like (?:this|my|our|the) (?:[\w-]+ )?(?:page|video|post|comment)|chance to win|"
    r"(?:please|plz|pls) (?:help|like|share|visit|watch|support|"
    r"vote|follow|click|download|join|sign)|help me|support (?:me|us|my|our)|vote for (?:me|us|my|our))\b"
)
CALLS_RE = re.compile(_CALLS, re.IGNORECASE)
_LOWER_CALLS_RE = re.compile(_CALLS)
# An address written with its dot spaced out ("example . com"), to slip past link filters.
_SPACED_ADDRESS_RE = re.compile(r"\b[a-z0-9-]{3,}\s*(?: \.|\. )\s*(?:com|net|org|info|biz|ru|co)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"\w+")


def _find(pattern: re.Pattern[str], lower: re.Pattern[str], text: Text, ascii_only: bool) -> list[re.Match[str]]:
    return list(lower.finditer(text.folded) if ascii_only else pattern.finditer(text.raw))


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    max_links = policy.max_links
    raw = text.raw
    ascii_only = raw.isascii()  # then text.folded is raw.lower(): each character where it was
    links = _find(URL_RE, _LOWER_URL_RE, text, ascii_only) if _maybe_links(raw, text.folded) else []
    if " ." in raw or ". " in raw:
        links += [
            m
            for m in _SPACED_ADDRESS_RE.finditer(raw)
            if not any(m.start() < x.end() and x.start() < m.end() for x in links)
        ]
    sales = _find(SALES_RE, _LOWER_SALES_RE, text, ascii_only) if _maybe_sales(raw, text.words) else []
    pitch = "$" in raw or not _PITCH_WORDS.isdisjoint(text.words)
    asks = _find(ASKS_RE, _LOWER_ASKS_RE, text, ascii_only) if pitch else []
    money = _find(MONEY_RE, _LOWER_MONEY_RE, text, ascii_only) if pitch else []
    findings: list[Reason] = []
    if links:
        hosts = [re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group().lower()).split("/")[0] for m in links]
        hidden = any(host in SHORTENERS for host in hosts) or any(m.re is _SPACED_ADDRESS_RE for m in links)
        # Words besides the addresses: a comment that is little more than a link has nothing else to say.
        said = len(_WORD_RE.findall(URL_RE.sub(" ", _SPACED_ADDRESS_RE.sub(" ", raw))))
        pitched = bool(sales or asks or money or _find(CALLS_RE, _LOWER_CALLS_RE, text, ascii_only))
        count = f"{len(links)} link{'s' if len(links) > 1 else ''}"
        score = 0.2 * len(links)  # a cited source or two: noticed, not held
        if len(links) > max_links:
            score, message = 0.7, f"has {len(links)} links (more than {max_links})"
        elif pitched:
            message = "promotes a link"
        elif said <= 4:
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
        findings.append(
            Reason("spam.links", min(1.0, round(score, 3)), message, tuple((m.start(), m.end()) for m in links))
        )
    if asks:
        findings.append(
            Reason(
                "spam.self_promotion",
                0.7,
                "asks readers to follow or subscribe to the author, or to visit their page",
                tuple((m.start(), m.end()) for m in asks),
            )
        )
    if money:
        findings.append(
            Reason("spam.money", 0.7, "offers money or easy earnings", tuple((m.start(), m.end()) for m in money))
        )
    if sales:
        score = min(1.0, 0.35 * len(sales) + (0.35 if links else 0.0))
        findings.append(
            Reason(
                "spam.promotion", round(score, 3), "reads like advertising", tuple((m.start(), m.end()) for m in sales)
            )
        )
    return findings
