"""Spam a person would name by what it says, link or no link: it points readers to the author's own channel,
page or work, asks for subscribers, followers or likes, asks readers to look up what it promotes, offers money,
prizes or easy earnings, gives a referral code, or reads like advertising.

Each way of pitching is a ``Pitch``: a pattern, a cheap look at the comment's words that says when the pattern
cannot match, and the words a match can open with. Most comments have none of the words and are never
searched; the others are matched only where one of the opening words stands. (Python's regular expressions
try every alternative at every character: a search of a whole comment with a pattern of many alternatives
costs tens of microseconds, a match at a few places a few.) The patterns read the folded text (lower case,
look-alike letters undone), where a space stands for any run of white space; a short comment that stretches
its words ("subscriiibe to my chaaannel") is read again with every run of three or more of one letter made one.

These are the wordings of comment spam anywhere, not of one site. Readers who talk about wages, prices, aid,
subscriptions, their favourite news channel or what they read are not pitching: ``tests/moderation/test_spam.py``
holds those near misses, and ``bench/spam.py`` measures the patterns on comments nobody here wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from moderation.context import Context
from moderation.normalize import Text, equal_run, word_set
from moderation.policy import Policy
from moderation.reasons import Reason
from moderation.wordlists import alternation, words

SCORE = "spam"

SELF_PROMOTION, MONEY, PROMOTION = "spam.self_promotion", "spam.money", "spam.promotion"


def _compile(source: str) -> re.Pattern[str]:
    """A space in a pattern is any run of white space: comments wrap, and spam pads. (Lookbehinds, which must
    have a fixed width, write theirs as ``\\s``.)"""
    return re.compile(source.replace(" ", r"\s+"))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Pitch:
    """One way of pitching: its reason code, the words an author is shown, and how strong one finding is."""

    code: str
    message: str
    score: float
    pattern: re.Pattern[str]
    # The words a match opens with (as the folded text splits into words), and a cheap look at the folded
    # text and its words that is False when the pattern cannot match. A test holds both to the pattern.
    openers: frozenset[str]
    may_match: Callable[[str, frozenset[str]], bool]
    adds: bool = False  # each finding adds its score (sales talk); otherwise one finding is as strong as many
    at_start: bool = False  # matched at the start of the comment only
    signs: tuple[str, ...] = ()  # what else a match can open with, not a word ("$")

    def spans(self, folded: str, found_words: frozenset[str]) -> list[tuple[int, int]]:
        if not self.may_match(folded, found_words):
            return []
        if self.at_start:
            found = self.pattern.match(folded)
            return [found.span()] if found else []
        spans = []
        for at in sorted(_starts(folded, [*self.openers.intersection(found_words), *self.signs])):
            found = self.pattern.match(folded, at)
            if found:
                spans.append(found.span())
        return spans


def _starts(folded: str, openers: Iterable[str]) -> set[int]:
    """Where the words begin in the text (str.find, in C, then a look at the character before)."""
    starts = set()
    for word in openers:
        at = folded.find(word)
        while at != -1:
            if at == 0 or not folded[at - 1].isalnum():
                starts.add(at)
            at = folded.find(word, at + 1)
    return starts


# --- The author's own channel, page or work -----------------------------------------------------------------
# After "my" or "our" and up to two other words ("my new 8bit remixes"); not after "tv", "news", "local",
# "cable" or "favourite" ("I watch my local news channel" is a reader), and not a "track record".
THINGS = words("promoted-things")
_NOT_OWN_WORK = r"(?!tv\b|news\b|local\b|cable\b|favou?rite\b)"
_OWNER = rf"\b(?:my|our)(?: {_NOT_OWN_WORK}[\w'’]+){{0,2}}? (?:{alternation('promoted-things')})\b(?! record\b)"
# What readers are asked to do with it. Not after "i" or "we": "I read my book on the train" is no pitch.
_VERB_WORDS = _words(
    "check checks checked checking chek checkout visit visiting watch watching see listen listening hear read look "
    "take have go head come stop drop follow subscribe sub join support download try share vote"
)
_VERBS = (
    r"\b(?<!\bi\s)(?<!\bwe\s)(?:check(?:s|ed|ing)?|chek|checkout|visit(?:ing)?|watch(?:ing)?|see|"
    r"listen(?:ing)?(?: to)?|hear|read|look at|take a look at|have a look at|go to|head(?: over)? to|"
    r"come(?: over)? to|stop by|drop by|follow|subscribe to|sub to|join|support|download|try|share|vote for)"
)
_OWN = (
    rf"{_VERBS}(?: out)?(?: at| to)?(?: (?:some|one|any|all|a few|a couple|more) of)? {_OWNER}|"
    rf"{_OWNER} (?:please|plz|pls)\b|"
    rf"\b(?:my|our)(?: {_NOT_OWN_WORK}[\w'’]+){{0,2}}? (?:channel|chanel|chhanel)\b|"
    # "My videos are half way decent, check them out": the thing first, the ask later in the sentence.
    rf"{_OWNER}[^.!?\n]{{0,80}}?\b(?:check (?:it|them|those|this|that) out|give (?:it|them) a (?:listen|watch|look))\b"
)
_CHECKED = _words(
    "video videos vid vids playlist song songs remix remixes cover covers channel chanel version track page music "
    "album band vlog"
)
_CHECK = (
    r"\bcheck (?:me|us) out\b|\b(?:please|plz|pls) check out (?:my|our)\b|\bcheck (?:out )?(?:and|&|n) share\b|"
    rf"\bcheck (?:out )?(?:this|these|the|our|my) (?:\S+ ){{0,2}}?(?:{'|'.join(sorted(_CHECKED))})\b(?! record\b)|"
    r"\bcheck (?:out )?[\"“][^\"”\n]{1,40}[\"”] (?:channel|page|videos?)\b"
)
_CLICK = r"\bclick (?:on )?(?:my|our) (?:name|picture|pic|photo|avatar|profile|icon|username|channel)\b"
# "I started a cooking blog"; not a diplomat's "we have set up a back channel with Islamabad".
_STARTED = (
    r"\b(?:i|we)(?:['’]ve| have)? (?:just )?(?:made|started|created|launched|set up) (?:a|an|my|our)"
    r"(?: (?!back\b|direct\b|diplomatic\b|secret\b|new diplomatic\b)[\w'’]+){0,2}? (?:channel|blog|vlog|podcast|website)\b"
    r"(?! (?:of|with|to|between|through)\b)"
)

# --- Subscribers, followers and likes, asked for --------------------------------------------------------------
# "I subscribe to my local paper" and "subscribe to the newspaper?" are readers: the asks are to the author
# ("to me", "to my"), now, back, in exchange, or with likes.
_SUBSCRIBE_WORDS = _words(
    "subscribe subscribed subscribes subscribing suscribe subcribe subscibe subsribe sucscribe subscrib subscrive "
    "subscirbe suscribed subcribed"
)
_SUB_WORDS = _SUBSCRIBE_WORDS | _words("sub subs subscribers suscribers sub4sub subforsub sub4 subfor")
_SUB = rf"(?:{'|'.join(sorted(_SUBSCRIBE_WORDS, key=len, reverse=True))})"
_SUBSCRIBE = (
    rf"\b(?<!\bi\s)(?<!\bwe\s){_SUB} (?:to |in )?(?:me|us|u|(?:my|our)(?! local\b| favou?rite\b))\b|"
    rf"\b{_SUB} (?:now|today|plz|please|pls)\b|\b{_SUB} (?:and|&|n) (?:like|share|comment|follow)\b|"
    rf"\blike (?:and|&|n) {_SUB}\b|\b(?:please|plz|pls) {_SUB}\b|\bsub (?:to )?(?:me|us|my|our)\b|"
    r"\bsub\s*(?:4|for)\s*sub\b|"
    rf"\b(?:sub|{_SUB}) (?:(?:u|you) )?back\b|\b(?:throw|give|leave) (?:me |us )?a sub\b|"
    rf"\b(?:don['’]?t|do not) forget to (?:sub|{_SUB})\b|"
    r"\b(?:i|me)(?: [\w'’]+){0,4}? (?:get|got|reach|hit|have|gain|need|want) "
    r"(?:over |some |more |a few |a lot of |lots of )?(?:\d[\d,.]*k? )?(?:more |new )?(?:subscribers|subs)\b"
)
_SUBSCRIBE_OPENERS = _SUBSCRIBE_WORDS | _words(
    "like please plz pls sub sub4sub subforsub sub4 subfor throw give leave don dont do i me"
)
# A comment that opens by asking ("Subscribe, like, comment"), but not one that asks a question about it
# ("Subscribe to the newspaper? Not at that price").
_OPENS_SUBSCRIBING = rf"\W*(?:(?:please|plz|pls) )?{_SUB}\b(?! (?:to|for) (?:the|a|an|this|that|your|their|his|her|its|(?:my|our) (?:local|favou?rite))\b)(?![^.!\n]*\?)"
_FOLLOW = (
    r"\b(?:follow|followed) (?:(?:u|you) )?back\b|\b(?:follow|add) (?:me|us) on\b|"
    r"\bfollow (?:my|our)(?: [\w'’]+){0,2}? on (?:twitter|instagram|insta|facebook|fb|tiktok|youtube|twitch|"
    r"soundcloud|snapchat)\b|\b(?:follow|like)\s*4\s*(?:follow|like)\b"
)
_LIKES = (
    r"\bthumbs? (?:it|me|this|my)(?: comment| post)? up\b|"
    r"\b(?:press|hit|click|smash|tap) (?:the|that|a)\W{1,3}(?:thumbs?\s*up|like)\b|"
    r"\bgive (?:it|this|me|us|(?:my|this) (?:comment|video|post)) (?:a |some )?(?:like|likes|thumbs?\s*up)\b|"
    r"\blike(?<!\bi\slike)(?<!\bdo\slike)(?<!\breally\slike)(?<!\balso\slike)(?<!\bjust\slike) this comment\b|"
    r"\b(?:please|plz|pls) like\b|\blike (?:and|&|n) share\b"
)

# --- What it promotes, to be looked up by name: 'Just search "..."', "open Google and type ..." ---------------
_SEARCH = (
    r"\b(?:just|simply|go|please|pls|plz) (?:search|look up|google|type)(?: for)?\W{0,6}[\"“]|"
    r"\b(?:open|go to|go on) (?:google|youtube) and (?:type|search)\b|"
    r"\b(?:search|type|look up)(?: for)? (?:[\"“][^\"”\n]{1,60}[\"”]|[\w'’]+) (?:on|in|into) youtube\b"
)
_OPENS_SEARCHING = r"\W*(?:search|look up|google)(?: for)?\W{0,6}[\"“]"

# --- Money for nothing, offered to the reader ----------------------------------------------------------------
# Wages, prices and aid are news ("workers make $3 a day", "free money for banks", "the $500 million aid
# package", "the Taliban make a lot of money from opium"): only easy, fast, risk-free or task-paid money
# counts, earnings promised by the day or week in the hundreds, an opening "Earn lots of money.", and prizes.
_MONEY_NOUNS = _words("money cash income points rewards gift giftcard giftcards")
_EARNING = _words("earn earning make making get getting")
_EARN = (
    r"\b(?:earn(?:ing)?|make|making|get(?:ting)?) (?:easy|quick|fast|free) (?:money|cash|income)\b|"
    r"\b(?:earn(?:ing)?|make|making) (?:a lot of |lots of )?(?:money|cash|income) "
    r"(?:fast|quick|quickly|easily|online|from home|at home|while you sleep)\b|"
    r"\b(?:earn|make|making|earning) (?:up to |over |at least )?\$\s?(?:\d{3,}|\d{1,3}(?:,\d{3})+)\+? "
    r"(?:a|an|per|every) (?:day|week)\b|"
    r"\b(?:earn|make|making|earning) (?:real |extra |free |easy |some |good )?(?:money|cash|points|rewards|gift\s?cards?) "
    r"(?:by|for|from|while) (?:just |simply )?(?:doing (?:simple|easy|small|little)|watching (?:videos|ads)|"
    r"taking (?:surveys|polls)|completing (?:surveys|offers|tasks)|filling (?:out |in )?surveys|"
    r"answering (?:surveys|questions)|inviting|downloading|clicking|referring|signing up|gift\s?cards?)|"
    # A sentence opening with the offer: nothing but white space and ".", "!", "?" before it.
    r"\b(?<![\w,;:'’]\s)(?<![\w,;:'’])(?:earn|make) (?:a lot of |lots of |big |real |extra |good |some )?(?:money|cash|income)\b|"
    r"\b(?:website|site|app|platform) (?:to|that (?:lets|helps|pays) you) (?:make|earn) "
    r"(?:real |easy |extra |fast |quick |free )?(?:money|cash)\b"
)
_EARN_OPENERS = _EARNING | _words("website site app platform")
_PAID = (
    r"\bget(?:ting)? paid (?:to|for) (?:watch|tak|complet|fill|answer|download|click|shar|sign|test|review|like|post|"
    r"mess)\w*|\bget(?:ting)? paid (?:up\s?to )?\$\s?\d"
)
_RISK_FREE = (
    r"\b(?:income|money|profits?|cash|earnings) with\s?out (?:any )?(?:financial )?risk\b|"
    r"\brisk[- ]?free (?:income|money|profits?|cash|bets?|earnings)\b"
)
_FREE_THINGS = _words("gift giftcard giftcards iphone iphones robux followers subscribers likes vbucks v giveaway")
_FREE = (
    r"\bfree (?:gift\s?cards?|iphones?|robux|followers|subscribers|likes|v-?bucks|giveaway)\b|"
    r"\bgift\s?cards? (?:giveaway|for free|generator)\b"
)
_PRIZE = (
    r"\bclaim your (?:free )?(?:prize|reward|gift|bonus|cash)\b|"
    r"\byou(?:['’]ve| have)? (?:just )?won (?:a |an )?(?:free )?(?:iphone|ipad|gift|prize|cash|\$)|"
    r"\b(?:enter|join|win) (?:our|my|the|this|a)(?: [\w'’]+)? (?:giveaway|sweepstakes?)\b|"
    r"\bgiving away (?:a |some |\d+ )?(?:free )?(?:gift\s?cards?|iphones?|ipads?|prizes?|copies)\b"
)
_CODE = (
    r"\buse (?:my |our |the |this )?(?:promo|referral|invite|invitation|coupon|bonus|discount) code\b|"
    r"\b(?:promo|referral|invite|invitation|coupon|bonus) code:? [a-z0-9]*\d[a-z0-9]*\b"
)

# --- Sales talk: each phrase a hint, two an advert ------------------------------------------------------------
# The goods spam sells are a topic, not a pitch ("bitcoin", "casino" are news too): however often named, they
# count once, and only beside sales talk.
_SALES_PHRASES = {
    "buy": "now cheap online", "order": "now", "click": "here below", "work": "home", "working": "home",
    "free": "gift iphone money bitcoin crypto trial shipping", "payday": "loan loans", "replica": "watches bags handbags",
    "best": "price prices", "cheap": "watches flights loans pills meds", "dm": "me", "telegram": "me",
    "limited": "offer time", "promo": "code", "discount": "code", "hot": "singles", "sugar": "daddy",
    "investment": "opportunity", "passive": "income", "financial": "freedom",
}  # fmt: skip
_SALES = (
    r"\b(?:buy (?:now|cheap|online)|order now|click (?:here|below)|work(?:ing)? from home|"
    r"free (?:gift|iphone|money|bitcoin|crypto|trial|shipping)|payday loans?|replica (?:watches|bags|handbags)|"
    r"best prices?|cheap (?:watches|flights|loans|pills|meds)|dm me|telegram me|100% (?:free|guaranteed)|"
    r"limited (?:time )?offer|promo code|discount code|hot singles|sugar daddy|investment opportunity|"
    r"passive income|financial freedom)\b|\bprice\s?:\s?\$\s?\d|\$\d+ (?:a|per) (?:day|hour|week)\b"
)
_SALES_NEXT = {opener: _words(following) for opener, following in _SALES_PHRASES.items()}


def _may_sell(folded: str, found_words: frozenset[str]) -> bool:
    if "100%" in folded or "$" in folded:
        return True
    return any(not _SALES_NEXT[w].isdisjoint(found_words) for w in found_words.intersection(_SALES_NEXT))


_SALES_TOPICS = _words("bitcoin crypto cryptocurrency forex casino betting viagra cialis whatsapp whats onlyfans")
_TOPICS = r"\b(?:bitcoin|crypto(?:currency)?|forex|casino|betting|viagra|cialis|whats\s?app|onlyfans)\b"


def _has(*names: str) -> Callable[[str, frozenset[str]], bool]:
    """The look for a pattern that needs one of these words."""
    needed = frozenset(names)
    return lambda folded, found_words: not needed.isdisjoint(found_words)


def _has_both(first: frozenset[str], second: frozenset[str]) -> Callable[[str, frozenset[str]], bool]:
    """The look for a pattern that needs a word of each set."""
    return lambda folded, found_words: not first.isdisjoint(found_words) and not second.isdisjoint(found_words)


_OWNERS = _words("my our")
_follows = _has_both(_words("follow followed add"), _words("back me us my our"))
_likes = _has_both(_words("like likes"), _words("comment share give please plz pls smash hit press tap click"))
_giveaway = _has("generator", "giveaway")
_OWN_WORK = "points readers to your own channel, page or work"
_SUBSCRIBERS = "asks for subscribers or followers"
_LOOK_UP = "asks readers to look up what it promotes"
_MONEY = "offers money, prizes or easy earnings"
_ADVERTISING = "reads like advertising"

PITCHES: tuple[Pitch, ...] = (
    Pitch(SELF_PROMOTION, _OWN_WORK, 0.7, _compile(_OWN), _VERB_WORDS | _OWNERS, _has_both(_OWNERS, THINGS)),
    Pitch(SELF_PROMOTION, _OWN_WORK, 0.7, _compile(_CHECK), _words("check please plz pls"),
          _has_both(_words("check"), _CHECKED | _words("me us my our share"))),
    Pitch(SELF_PROMOTION, _OWN_WORK, 0.7, _compile(_CLICK), _words("click"), _has_both(_words("click"), _OWNERS)),
    Pitch(SELF_PROMOTION, _OWN_WORK, 0.7, _compile(_STARTED), _words("i we"),
          _has_both(_words("channel blog vlog podcast website"), _words("made started created launched set"))),
    Pitch(SELF_PROMOTION, _SUBSCRIBERS, 0.7, _compile(_SUBSCRIBE), _SUBSCRIBE_OPENERS, _has(*_SUB_WORDS)),
    Pitch(SELF_PROMOTION, _SUBSCRIBERS, 0.7, _compile(_OPENS_SUBSCRIBING), frozenset(), _has(*_SUBSCRIBE_WORDS),
          at_start=True),
    Pitch(SELF_PROMOTION, _SUBSCRIBERS, 0.7, _compile(_FOLLOW),
          _words("follow followed add like follow4follow like4like follow4 like4 follow4like like4follow"),
          lambda t, w: "4" in t and ("follow" in t or "like" in t) or _follows(t, w)),
    Pitch(SELF_PROMOTION, "asks for likes", 0.7, _compile(_LIKES),
          _words("thumb thumbs press hit click smash tap give like please plz pls"),
          lambda t, w: "thumb" in t or _likes(t, w)),
    Pitch(PROMOTION, _LOOK_UP, 0.7, _compile(_SEARCH), _words("just simply go please pls plz open search type look"),
          _has("search", "google", "youtube", "type", "look")),
    Pitch(PROMOTION, _LOOK_UP, 0.7, _compile(_OPENS_SEARCHING), frozenset(), _has("search", "google", "look"),
          at_start=True),
    Pitch(MONEY, _MONEY, 0.7, _compile(_EARN), _EARN_OPENERS,
          lambda t, w: not _EARN_OPENERS.isdisjoint(w) and ("$" in t or not _MONEY_NOUNS.isdisjoint(w))),
    Pitch(MONEY, _MONEY, 0.7, _compile(_PAID), _words("get getting"), _has("paid")),
    Pitch(MONEY, _MONEY, 0.7, _compile(_RISK_FREE), _words("income money profit profits cash earnings risk"),
          _has_both(_words("risk"), _words("free without out"))),
    Pitch(MONEY, _MONEY, 0.7, _compile(_FREE), _words("free gift giftcard giftcards"),
          lambda t, w: "free" in w and not _FREE_THINGS.isdisjoint(w) or _giveaway(t, w)),
    Pitch(MONEY, _MONEY, 0.7, _compile(_PRIZE), _words("claim you enter join win giving"),
          _has("claim", "won", "giveaway", "sweepstake", "sweepstakes", "giving")),
    Pitch(PROMOTION, "gives a promo or referral code", 0.7, _compile(_CODE),
          _words("use promo referral invite invitation coupon bonus"), _has("code")),
    Pitch(PROMOTION, _ADVERTISING, 0.35, _compile(_SALES), frozenset((*_SALES_PHRASES, "100", "price")), _may_sell,
          adds=True, signs=("$",)),
)  # fmt: skip
# The goods alone: a hint, counted once beside sales talk, and never a reason on its own.
TOPICS = Pitch(PROMOTION, _ADVERTISING, 0.35, _compile(_TOPICS), _SALES_TOPICS, _has(*_SALES_TOPICS))

# Three or more of one letter in a row ("pleeease"): looked for first by comparing bytes, then by a pattern.
_RUN_RE = re.compile(r"([a-z])\1\1+")
# Stretched words dodge filters in short asks ("SUBSCRIBEEEE MY CHANNNNEL PLZ"); in a long comment they are a
# reader's emphasis, and looking for them in every long comment would cost as much as all the patterns.
STRETCHED_MAX = 400

Found = tuple[Pitch, tuple[int, int]]


# What a comment needs for any pitch's look (``Pitch.may_match``) to pass: one of these words, or one of these
# pieces of text. Most comments have neither, and are done with in one set operation instead of seventeen looks
# (a test holds each look to it).
ANY_PITCH_WORDS = (
    _OWNERS
    | _words("check click channel blog vlog podcast website follow followed add like likes search google youtube")
    | _words("type look paid risk free generator giveaway claim won sweepstake sweepstakes giving code")
    | _SUB_WORDS
    | _SUBSCRIBE_WORDS
    | _EARN_OPENERS
    | frozenset(_SALES_NEXT)
)
ANY_PITCH_MARKS = ("4", "thumb", "100%", "$")


def _search(folded: str, found_words: frozenset[str]) -> list[Found]:
    if ANY_PITCH_WORDS.isdisjoint(found_words) and not any(mark in folded for mark in ANY_PITCH_MARKS):
        return []
    found = [(p, span) for p in PITCHES for span in p.spans(folded, found_words)]
    if found:
        found += [(TOPICS, span) for span in TOPICS.spans(folded, found_words)]
    return found


def _squeezed_where(folded: str) -> list[int]:
    """Where each character of ``_RUN_RE.sub(r"\\1", folded)`` came from in ``folded``."""
    where: list[int] = []
    done = 0
    for run in _RUN_RE.finditer(folded):
        kept = run.start() + 1
        where.extend(range(done, kept))
        done = run.end()
    where.extend(range(done, len(folded)))
    return where


def _back(span: tuple[int, int], where: Sequence[int], length: int) -> tuple[int, int]:
    """A span of a rewritten text as a span of the text it was made from (``length`` characters long)."""
    start, end = span
    return where[start], (where[end] if end < len(where) else length)


def _pitches_in(folded: str, found_words: frozenset[str]) -> list[Found]:
    found = _search(folded, found_words)
    if found or len(folded) > STRETCHED_MAX or not equal_run(folded.encode("utf-8"), 1, 2):
        return found
    # Read again with stretched letters made one ("subscriiibe"): rare, so where each character came from is
    # worked out only for a comment found pitching that way.
    short = _RUN_RE.sub(r"\1", folded)
    found = _search(short, word_set(short)) if len(short) < len(folded) else []
    if not found:
        return []
    where = _squeezed_where(folded)
    return [(p, _back(span, where, len(folded))) for p, span in found]


def find(text: Text) -> list[Found]:
    """Every pitch in the comment (and, beside them, the goods spam sells), with spans in the text as written."""
    found = _pitches_in(text.folded, text.words)
    if not found or text.raw.isascii():
        return found  # plain ASCII folds to itself lower-cased: each character where it was
    # The per-character fold says where each character came from.
    mapped, offsets = text.mapped
    return [(p, _back(span, offsets, len(text.raw))) for p, span in _pitches_in(mapped, word_set(mapped))]


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    found = find(text)
    topics = [span for p, span in found if p is TOPICS]
    reasons = []
    for code in dict.fromkeys(p.code for p, _ in found if p is not TOPICS):
        mine = [(p, span) for p, span in found if p.code == code and p is not TOPICS]
        strength = max(p.score * (sum(1 for q, _ in mine if q is p) if p.adds else 1) for p, _ in mine)
        spans = {span for _, span in mine}
        if topics and any(p.adds for p, _ in mine):
            strength += TOPICS.score  # the goods, named beside sales talk: once, however often
            spans.update(topics)
        message = _listed(list(dict.fromkeys(p.message for p, _ in mine)))
        reasons.append(Reason(code, min(1.0, round(strength, 3)), message, _merged(spans)))
    return reasons


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _merged(spans: set[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Overlapping spans as one ("subscribe to my channel" is one ask, however many patterns read it)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
