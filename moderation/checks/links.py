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
_POINTS_TO_OWN = (
    rf"\b(?:check(?:ing)?|checkout|look(?:ing)? at|visit|watch|see|listen to|go to|come to|head over to|"
    rf"take a look at)(?: out)?(?: at)? {_OWN}\b|\b{_OWN} (?:please|plz|pls)\b"
)
POINTS_TO_OWN_RE = re.compile(_POINTS_TO_OWN, re.IGNORECASE)
_LOWER_POINTS_TO_OWN_RE = re.compile(_POINTS_TO_OWN)
_ASKS = (
    r"\b(?:check|checkout) (?:me|us) out\b|\bcheck out (?:this|my) (?:channel|page)\b|"
    r"\bsu(?<!\bi su)(?<!\bwe su)\w{0,3}cri\w{0,3} (?:to |in )?(?:me|my|our|us)\b|"
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
# A comment that opens by asking for subscribers ("Subscribe like comment"). Matched at the start only: as an
# alternative of the pattern above, "^" would be tried at every character.
OPENS_ASKING_RE = re.compile(r"\W*(?:(?:please|plz|pls) )?subscribe\b", re.IGNORECASE)
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
# What the patterns above need, looked for in the comment's words first: most comments have none of it, and
# are not searched with the patterns at all (searching every comment would halve the filter's speed).
_OWN_WORDS = frozenset(("my", "our"))
_OWN_THINGS = frozenset(
    "channel videos video vids vid page site website blog profile music songs song tracks track beats beat mix "
    "mixtape remix remixes covers cover stream shop store account insta instagram twitter tiktok facebook podcast "
    "art clips clip rap raps band".split()
)
_PITCH_RARE = frozenset(
    "subscribe subscribed subscribing subscribers subs sub channel chanel chhanel checkout follow4follow like4like "
    "plz pls giftcard giftcards suscribe subcribe sucscribe subscibe subsribe suscribed suscribers".split()
)
# The verbs that point readers at what is the author's own ("check out my page", "my music, please").
_OWN_VERBS = frozenset("check checking checkout look looking visit watch see listen go come head take please".split())
_PITCH_PAIRS = {
    "check": frozenset(
        "out share video videos vid playlist song songs remix cover covers channel version track page".split()
    ),
    "checking": frozenset(("out",)),
    "please": frozenset("like share follow check visit".split()),
    "follow": frozenset("back me us 4".split()),
    "add": frozenset(("me", "us")),
    "like": frozenset(("4",)),
}
_PAIR_OPENERS = frozenset(_PITCH_PAIRS)
_MONEY_NOUNS = frozenset(("money", "cash", "income"))
_EARNING = frozenset("earn earning make making get getting".split())
_FREE_THINGS = frozenset(
    "money cash gift giftcard giftcards iphone iphones robux followers subscribers likes vbucks v giveaway".split()
)


def _maybe_points_to_own(words: frozenset[str]) -> bool:
    return not _OWN_WORDS.isdisjoint(words) and not _OWN_THINGS.isdisjoint(words) and not _OWN_VERBS.isdisjoint(words)


def _maybe_asks(words: frozenset[str]) -> bool:
    if not _PITCH_RARE.isdisjoint(words):
        return True
    if "comment" in words and "like" in words and "this" in words:
        return True
    return any(not _PITCH_PAIRS[w].isdisjoint(words) for w in _PAIR_OPENERS.intersection(words))


def _maybe_money(raw: str, words: frozenset[str]) -> bool:
    earning = not _EARNING.isdisjoint(words)
    if earning and ("$" in raw or not _MONEY_NOUNS.isdisjoint(words)):
        return True
    if "free" in words and not _FREE_THINGS.isdisjoint(words):
        return True
    return bool(words & {"gift", "giftcard", "giftcards"}) and bool(words & {"giveaway", "free", "generator"})


# Asking readers to act on a link: with one of these, a link is promoted, not cited. ("Visit", "watch", "see" and
# "read" are left out: a reader citing a source writes them, and news is full of visits.)
_CALLS = (
    r"\b(?:check (?:it |this |them |that |these )?out|checkout|click|download|join (?:me|us|now|here|today)|sign up|"
    r"signup|register (?:now|here|today)|install|donate|buy|order now|follow (?:me|us|him|her|them)|"
    r"like (?:this|my|our|the) (?:[\w-]+ )?(?:page|video|post|comment)|chance to win|"
    r"(?:please|plz|pls) (?:help|like|share|visit|watch|support|"
    r"vote|follow|click|download|join|sign)|help me|support (?:me|us|my|our)|vote for (?:me|us|my|our))\b"
)
_CALL_WORDS = frozenset(
    "check checkout click download join sign signup register install donate buy order follow like please plz pls "
    "help support vote chance".split()
)
CALLS_RE = re.compile(_CALLS, re.IGNORECASE)
_LOWER_CALLS_RE = re.compile(_CALLS)
# An address written with its dot spaced out ("example . com"), to slip past link filters.
_SPACED_ADDRESS_RE = re.compile(r"\b[a-z0-9-]{3,}\s*(?: \.|\. )\s*(?:com|net|org|info|biz|ru|co)\b", re.IGNORECASE)
_SPACED_ENDINGS = frozenset(("com", "net", "org", "info", "biz", "ru", "co"))
_WORD_RE = re.compile(r"\w+")


def _find(pattern: re.Pattern[str], lower: re.Pattern[str], text: Text, ascii_only: bool) -> list[re.Match[str]]:
    return list(lower.finditer(text.folded) if ascii_only else pattern.finditer(text.raw))


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    max_links = policy.max_links
    raw = text.raw
    ascii_only = raw.isascii()  # then text.folded is raw.lower(): each character where it was
    links = _find(URL_RE, _LOWER_URL_RE, text, ascii_only) if _maybe_links(raw, text.folded) else []
    if not _SPACED_ENDINGS.isdisjoint(text.words) and (" ." in raw or ". " in raw):
        links += [
            m
            for m in _SPACED_ADDRESS_RE.finditer(raw)
            if not any(m.start() < x.end() and x.start() < m.end() for x in links)
        ]
    sales = _find(SALES_RE, _LOWER_SALES_RE, text, ascii_only) if _maybe_sales(raw, text.words) else []
    words = text.words
    asks: list[re.Match[str]] = []
    if _maybe_asks(words):
        opening = OPENS_ASKING_RE.match(raw)
        asks = [*([opening] if opening else []), *_find(ASKS_RE, _LOWER_ASKS_RE, text, ascii_only)]
    if _maybe_points_to_own(words):
        asks += _find(POINTS_TO_OWN_RE, _LOWER_POINTS_TO_OWN_RE, text, ascii_only)
    money = _find(MONEY_RE, _LOWER_MONEY_RE, text, ascii_only) if _maybe_money(raw, words) else []
    findings: list[Reason] = []
    if links:
        hosts = [re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group().lower()).split("/")[0] for m in links]
        hidden = any(host in SHORTENERS for host in hosts) or any(m.re is _SPACED_ADDRESS_RE for m in links)
        calls = not _CALL_WORDS.isdisjoint(words) and _find(CALLS_RE, _LOWER_CALLS_RE, text, ascii_only)
        pitched = bool(sales or asks or money or calls)
        count = f"{len(links)} link{'s' if len(links) > 1 else ''}"
        score = 0.2 * len(links)  # a cited source or two: noticed, not held
        if len(links) > max_links:
            score, message = 0.7, f"has {len(links)} links (more than {max_links})"
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
