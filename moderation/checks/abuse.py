"""Abuse without swear words: insults aimed at a person, threats, dehumanising talk.

Regex rules over the folded text, as a table: code, label for the author, score,
pattern, and the words a rule cannot match without. The vocabulary comes from the
word lists in ``words/`` and is general English, not tied to any article. A rule runs
only on a comment that has one of each of its needed words, so a long, civil comment
costs one word split and a few set look-ups instead of a regex pass per rule.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from moderation.context import Context
from moderation.normalize import Text, word_pieces, word_set
from moderation.policy import Policy
from moderation.reasons import Reason
from moderation.wordlists import alternation, english_frequencies

SCORE = "abuse"

# Nouns that, aimed at a person, insult them; and those that insult whoever they name.
INSULT_NOUNS = alternation("insults-aimed", "name-calling")
PERSON_INSULTS = alternation("name-calling")
INSULT_ADJECTIVES = alternation("insult-adjectives")
INTENSIFIERS = (
    r"(?:(?:such|so|an?|the|total|complete|utter|absolute|fucking|bloody|real|typical|little|big|"
    r"pathetic|sad|just|really|truly|nothing but|nothing more than|clearly|obviously|simply|literally|and)\s+)*"
)
ADJ_RUN = rf"(?:(?:{INSULT_ADJECTIVES}|fucking|bloody|damn|sad|little|old|typical)[\s,]+(?:and\s+)?){{0,3}}"
YOU_ARE = (
    r"(?:(?:you|u|you people|you lot|you guys|y'all|yall|your kind)\s*(?:'re|\s+are|\s+r|re)|ur|u r|"
    r"you always were|you sound like|you must be|you seem like|you act like|you(?:'re| are) like)"
)
LIVING_DEHUMANISING = alternation("dehumanising-creatures")
DEHUMANISING = alternation("dehumanising-creatures", "dehumanising-things")
GROUP_HARM = alternation("group-harm")

_TOKEN_RE = re.compile(r"[a-z][a-z'\-]*")


def _words(*alternations: str) -> frozenset[str]:
    """The longest word of each alternative ("plague" of "a plague"): what a rule cannot match without.

    As ``Text.words`` splits words, at anything but letters and digits: "brain-dead" needs "brain",
    "you're" needs "you"."""
    words = set()
    for alternation_ in alternations:
        for option in alternation_.replace("\\", "").split("|"):
            found = _TOKEN_RE.findall(option.lower())
            if found:
                words.add(max(word_pieces(max(found, key=len)), key=len))
    return frozenset(words)


YOU_WORDS = _words("you|u|ur|you're|youre|yall|y'all|your")

Gate = tuple[frozenset[str], ...]  # a word from each of these sets
_RULES: list[tuple[str, str, float, re.Pattern[str], tuple[Gate, ...]]] = []


def _rule(code: str, label: str, score: float, pattern: str, *needs: Iterable[str], gates: Iterable[Gate] = ()) -> None:
    """A rule that runs when the comment has a word from each of ``needs``, or passes any of ``gates``
    (one gate per alternative of the pattern, for patterns whose alternatives need different words)."""
    all_gates = tuple(gates) or (tuple(frozenset(n) for n in needs),)
    # Matched against folded text, which is lower case: no IGNORECASE, which would cost twice the time.
    _RULES.append((code, label, score, re.compile(pattern), all_gates))


def _gate(*sets: str) -> Gate:
    return tuple(frozenset(max(word_pieces(word), key=len) for word in words.split()) for words in sets)


ANSWERED = "insults the person it answers"

# -- insults aimed at the person answered: "you are a brainless idiot", "you're pathetic", "you idiot"
_rule(
    "abusive.insult",
    ANSWERED,
    0.8,
    # "you are a brainless idiot" or, addressing, "you idiot"
    rf"\b(?:{YOU_ARE}\s+{INTENSIFIERS}{ADJ_RUN}|(?:you|u)\s+(?:(?:{INSULT_ADJECTIVES})\s+)*)(?:{INSULT_NOUNS})\b",
    YOU_WORDS,
    _words(INSULT_NOUNS),
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.75,
    rf"\b{YOU_ARE}\s+{INTENSIFIERS}(?:an?\s+)(?:[\w-]+\s+){{0,2}}(?:{PERSON_INSULTS}|disgrace|embarrassment|joke)\b",
    YOU_WORDS,
    _words(PERSON_INSULTS, "disgrace|embarrassment|joke"),
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.75,
    rf"\b(?:{YOU_ARE}|you sound|you seem)\s+{INTENSIFIERS}(?:{INSULT_ADJECTIVES})\b",
    YOU_WORDS,
    _words(INSULT_ADJECTIVES),
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.75,
    rf"\bwhat (?:an?|a)\s+(?:(?:{INSULT_ADJECTIVES})\s+)*(?:{INSULT_NOUNS})\b(?:\s+you are)?",
    {"what"},
    _words(INSULT_NOUNS),
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.75,
    rf"\b(?:people|someone|anyone|morons?|idiots?) like you\b[^.!?\n]{{0,40}}\b(?:are|is)\b[^.!?\n]{{0,30}}\b"
    rf"(?:{INSULT_NOUNS}|{INSULT_ADJECTIVES}|the problem|a cancer|a disease)\b",
    {"like"},
    YOU_WORDS,
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.7,
    r"\b(?:shut up|shut your (?:mouth|trap|face)|nobody (?:asked|cares what) you|crawl back (?:under|into)|go crawl|"
    r"are you (?:stupid|dumb|an idiot|retarded|blind|brain ?dead)|your (?:tiny|pea|small) brain|"
    r"your (?:mother|mom|mum) (?:should|must)|brain cells?|iq of (?:a|an)|room temperature iq|"
    r"do (?:us|the world|everyone) a favou?r and|(?:reasoning|thinking) skills of a|(?:intelligence|brain|iq) of a|"
    r"(?:anyone|nobody|no one|someone) with (?:a|half a) (?:working|functioning|single) brain)\b",
    gates=(
        _gate("shut"),
        _gate("nobody", "asked cares"),
        _gate("crawl"),
        _gate("stupid dumb idiot retarded blind", "are"),
        _gate("brain"),
        _gate("mother mom mum", "should must"),
        _gate("iq"),
        _gate("favour favor"),
        _gate("skills", "reasoning thinking"),
        _gate("intelligence", "of"),
    ),
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.7,
    r"\b(?:go back to (?:your|where|school)|get lost|get a brain|get a life|grow a brain|learn to read|go to hell|"
    r"drop dead|go die)\b",
    {"go", "get", "grow", "learn", "drop"},
    {"back", "lost", "brain", "life", "read", "hell", "dead", "die", "school"},
)
# A reply that is nothing but a name: "Idiot.", "Pathetic clown!"
_rule(
    "abusive.insult",
    "calls someone names",
    0.7,
    rf"(?:^|[.!?\n]\s*)(?:you\s+)?(?:(?:{INSULT_ADJECTIVES})\s+)*(?:{PERSON_INSULTS})\s*(?:[.!?\n]|$)",
    _words(PERSON_INSULTS),
)
_rule(
    "abusive.insult",
    ANSWERED,
    0.65,
    rf"\byour\s+(?:{INSULT_ADJECTIVES})\s+(?:opinion|comment|brain|mind|head|posts?|takes?|logic)\b",
    {"your"},
    _words(INSULT_ADJECTIVES),
)
# -- name-calling about anyone: "typical halfwit", "only an imbecile would"
_rule(
    "abusive.insult",
    "calls someone names",
    0.7,
    rf"\b(?:an?|you|typical|complete|total|utter|absolute|such an?|bunch of|these|those|this|that|some|another)\s+"
    rf"(?:(?:{INSULT_ADJECTIVES}|fucking|bloody|little|paid|pathetic|sad|complete|total|utter|absolute)\s+)*"
    rf"(?:{PERSON_INSULTS})\b",
    _words(PERSON_INSULTS),
)

# -- threats
# Verbs of violence. Said to "you", even the everyday ones threaten ("I will find you");
# about third parties only the unambiguous ones count ("we should end their support" is politics).
THREAT_VERBS_TO_YOU = alternation("threat-verbs", "threat-verbs-to-you")
THREAT_VERBS = alternation("threat-verbs")
_THREAT_SUBJECT = r"\b(?:i|we|someone|somebody|they)(?:'ll| will| would| am going to|'m going to| are going to|'re going to| gonna| should| shall)\s+(?:\w+\s+){0,2}"
# Aimed at the person in the conversation, or at the journalist: a threat.
_rule(
    "abusive.threat",
    "threatens violence",
    0.97,
    rf"{_THREAT_SUBJECT}(?:{THREAT_VERBS_TO_YOU})\s+(?:you|u|ya|your|the (?:author|writer|journalist|reporter))\b",
    _words("i|we|someone|somebody|they|i'll|we'll|they'll|i'm|we're|they're"),
    _words(THREAT_VERBS_TO_YOU),
    _words("you|u|your|ya|author|writer|journalist|reporter"),
)
# At a third party ("someone should kill him"): violent talk a moderator should read.
_rule(
    "abusive.threat",
    "calls for violence against someone",
    0.6,
    rf"{_THREAT_SUBJECT}(?:{THREAT_VERBS})\s+(?:him|her|them|his|their)\b",
    _words("i|we|someone|somebody|they|i'll|we'll|they'll|i'm|we're|they're"),
    _words(THREAT_VERBS),
    _words("him|her|them|his|their"),
)
_rule(
    "abusive.threat",
    "threatens violence",
    0.95,
    r"\b(?:i )?hope (?:you|u|he|she|they) (?:die|dies|get killed|gets killed|get shot|gets shot|burn|rot|suffer|"
    r"get cancer|choke|drown)\b",
    {"hope"},
)
_rule(
    "abusive.threat",
    "threatens violence",
    0.95,
    r"\b(?:you|u) (?:should|deserve to|need to|ought to|will|are going to|gonna) "
    r"(?:die|be (?:shot|killed|hanged|hung|executed|beaten|lynched|put down)|get (?:shot|killed|hanged|what's coming)|"
    r"hang|burn|rot|suffer)\b|\b(?:you(?:'re| are)|ur) (?:dead|a dead man|finished)\b",
    YOU_WORDS,
    _words("die|shot|killed|hanged|hung|executed|beaten|lynched|put|coming|hang|burn|rot|suffer|dead|finished"),
)
_rule(
    "abusive.threat",
    "threatens violence",
    0.95,
    r"\bwatch your back\b|\b(?:i|we) know where you live\b|\bkys\b|\b(?:kill|shoot|hang|gas|nuke|exterminate|"
    r"execute) (?:them|yourself|all of them|every (?:last )?one of them)\b",
    _words("watch|live|kys|kill|shoot|hang|gas|nuke|exterminate|execute"),
)
_rule(
    "abusive.threat",
    "calls for violence against someone",
    0.92,
    r"\b(?:deserves?|needs?|ought|should|must|has|have)\s+(?:to\s+)?(?:be\s+)?"
    r"(?:shot|hanged|hung|killed|executed|lynched|beheaded|put down|strung up|burned alive|stoned|tortured)\b|"
    r"\b(?:put|puts|putting) a bullet (?:in|through)\b|\bsee what happens to (?:you|u)\b|"
    r"\b(?:you(?:'ll| will)|you are going to) (?:regret|pay for) (?:this|it|that)\b|\b(?:end up|ends up) (?:dead|missing)\b",
    gates=(
        _gate(
            "deserve deserves need needs ought should must has have",
            "shot hanged hung killed executed lynched beheaded put strung burned stoned tortured",
        ),
        _gate("bullet"),
        _gate("happens"),
        _gate("regret pay"),
        _gate("end ends", "dead missing"),
    ),
)

_rule(
    "abusive.threat",
    "threatens someone",
    0.9,
    r"\b(?:shut|silence)\s+(?:you|u|him|her|them)\b(?:\s+up)?"
    r"\s+(?:for good|permanently|once and for all)\b|\bwhat(?:'s| is) coming (?:to (?:you|u|him|her|them))\b",
    gates=(_gate("shut silence", "good permanently once"), _gate("coming")),
)
# -- hateful generalisations: a whole group called vermin, or wished away
_rule(
    "abusive.hate",
    "dehumanises a group of people",
    0.92,
    rf"\b(?:all|these|those|the|most|every|such|you)\s+(?:\w+\s+){{0,2}}(?:people|men|women|folks|lot|kind|"
    rf"\w+(?:s|ns|is|es|ese))\s+(?:are|r|is|were|=)\s+(?:all\s+|just\s+|nothing but\s+|no better than\s+|like\s+|"
    rf"a bunch of\s+)?(?:{DEHUMANISING})\b",
    _words(DEHUMANISING),
)
_rule(
    "abusive.hate",
    "smears a whole group",
    0.7,
    # Not "the": "the Taliban are terrorists" is an opinion about a militant group, not a smear.
    r"\b(?:all|these|those|every|most)\s+(?:\w+\s+){0,2}(?:are|r|is)\s+(?:all\s+|just\s+)?"
    r"(?:terrorists|criminals|rapists|thieves|inbred|inferior|invaders)\b",
    _words("terrorists|criminals|rapists|thieves|inbred|inferior|invaders"),
)
_rule(
    "abusive.hate",
    "dehumanises a group of people",
    0.9,
    r"\b(?:people like you|your kind|your people|their kind|these people|those people)\b[^.!?\n]{0,30}\b"
    r"(?:are|is)\s+(?:all\s+|just\s+)?(?:vermin|animals|parasites|rats|cockroaches|subhuman|savages|a plague|"
    r"a disease|a cancer|filth|scum|trash|garbage|the problem)\b",
    _words("kind|people"),
    _words(
        "vermin|animals|parasites|rats|cockroaches|subhuman|savages|plague|disease|cancer|filth|scum|trash|garbage|problem"
    ),
)
_rule(
    "abusive.hate",
    "calls for harm to a group",
    0.97,
    rf"\b(?:all|these|those|the)\s+(?:\w+\s+){{0,2}}(?:should|must|need to|deserve to|ought to)\s+be\s+"
    rf"(?:{GROUP_HARM})\b",
    _words(GROUP_HARM),
)
_rule(
    "abusive.hate",
    "calls for harm to a group",
    0.97,
    r"\b(?:wipe|wiped) (?:them|the \w+|all \w+) (?:out|off the (?:map|face of the earth))|"
    r"\b(?:nuke|bomb|gas|exterminate) (?:them|the \w+|all \w+|their \w+)\b",
    _words("wipe|wiped|nuke|bomb|gas|exterminate"),
)
# A plural noun called vermin with no hedge at all: "refugees are parasites".
_rule(
    "abusive.hate",
    "dehumanises a group of people",
    0.8,
    rf"\b[a-z]+(?:s|ns|is|es|ese)\s+(?:are|r|were)\s+(?:all\s+|just\s+|nothing but\s+|like\s+)?"
    rf"(?:{LIVING_DEHUMANISING})\b",
    _words(LIVING_DEHUMANISING),
)
_rule(
    "abusive.hate",
    "dehumanises a group of people",
    0.85,
    r"\b(?:breed|breeding|multiply) like (?:rabbits|rats|animals|vermin|cockroaches|flies)\b|"
    r"\b(?:filthy|dirty|savage|subhuman|inferior|disgusting|stinking)\s+(?:barbarians|savages|animals|vermin|rats|"
    r"pigs|dogs|parasites|cockroaches|apes|monkeys|mongrels)\b|\b(?:full of|infested with|overrun by|overrun with) "
    r"(?:vermin|rats|cockroaches|parasites|animals|savages|barbarians)\b",
    _words("breed|breeding|multiply|filthy|dirty|savage|subhuman|inferior|disgusting|stinking|full|infested|overrun"),
)
_rule("abusive.hate", "calls for harm to a group", 0.95,
      r"\b(?:should|must|need to|needs to|deserve to|ought to)\s+be\s+(?:exterminated|gassed|wiped out|"
    r"wiped off the (?:map|face of the earth)|eradicated|"
      r"nuked|cleansed|purged|sterilized|sterilised|slaughtered)\b|\bnuke (?:them|the|all|every)\b",
      _words("exterminated|gassed|wiped|eradicated|nuked|cleansed|purged|sterilized|sterilised|slaughtered|nuke"))  # fmt: skip

SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


_TRIGGERS: dict[str, tuple[int, ...]] = {}
_TRIGGER_WORDS: frozenset[str] = frozenset()
_ALWAYS: tuple[int, ...] = ()
# Per rule, the words any of its matches holds one of (None: no gate, the whole text is read).
_RULE_WORDS: list[frozenset[str] | None] = []


def _index() -> None:
    """For each gate, the one of its word sets that is rarest in English: a rule can only pass a gate when
    the comment has a word of that set, so the words of a comment name the few rules worth asking."""
    global _TRIGGER_WORDS, _ALWAYS
    # The small list the topic check and the profanity check read already (the full one costs 30 MiB).
    frequency = english_frequencies()

    triggers: dict[str, set[int]] = {}
    always = []
    for index, (_code, _label, _score, _pattern, gates) in enumerate(_RULES):
        rule_words: set[str] | None = set()
        for gate in gates:
            if not gate:
                always.append(index)
                rule_words = None
                continue
            rarest = min(gate, key=lambda words: sum(frequency.get(w, 0.0) for w in words))
            for word in rarest:
                triggers.setdefault(word, set()).add(index)
            if rule_words is not None:
                rule_words.update(rarest)
        _RULE_WORDS.append(None if rule_words is None else frozenset(rule_words))
    _TRIGGERS.update({word: tuple(sorted(rules)) for word, rules in triggers.items()})
    _TRIGGER_WORDS, _ALWAYS = frozenset(_TRIGGERS), tuple(sorted(set(always)))


# No rule matches across the marks that end a sentence: a match holds none, but for the one
# that opens or closes it (the rule for a bare insult as a sentence of its own).
_STOPS = ".!?"


def stops_in(folded: str) -> list[int]:
    """Where the marks that end a sentence are, in order."""
    return sorted(at for mark in _STOPS if mark in folded for at in _places(folded, mark))


def _places(text: str, mark: str) -> Iterator[int]:
    at = text.find(mark)
    while at != -1:
        yield at
        at = text.find(mark, at + 1)


def _sentences_with(folded: str, words: Iterable[str], stops: list[int] | None = None) -> list[tuple[int, int]]:
    """The sentences that hold any of ``words``, from the mark before to the mark after (both kept),
    in order: all of the text a match holding one of them can span. ``stops``: ``stops_in(folded)``."""
    if stops is None:
        stops = stops_in(folded)
    spans = set()
    size = len(folded)
    for word in words:
        at = folded.find(word)
        while at != -1:
            after = bisect.bisect_left(stops, at)  # the first mark at or after the word; the one before it
            start = stops[after - 1] if after else 0
            end = stops[after] + 1 if after < len(stops) else size
            spans.add((start, end))
            at = folded.find(word, end)
    return sorted(spans)


def _matches(
    pattern: re.Pattern[str], folded: str, words: frozenset[str] | None, stops: list[int] | None = None
) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(folded)`` finds, reading only the sentences that hold one of ``words``:
    each sentence is searched from where the last match ended, as finditer does over the whole."""
    if words is None:
        yield from pattern.finditer(folded)
        return
    searched_to = 0
    for start, end in _sentences_with(folded, words, stops):
        if end <= searched_to:
            continue
        for match in pattern.finditer(folded, max(start, searched_to), end):
            searched_to = match.end()
            yield match


def _passes(tokens: frozenset[str], gates: tuple[Gate, ...]) -> bool:
    """Whether the words pass any of the gates: have a word of each of its sets."""
    for gate in gates:
        for words in gate:
            if tokens.isdisjoint(words):
                break
        else:
            return True
    return False


def find(folded: str, tokens: frozenset[str] | None = None) -> list[tuple[str, str, float, int, int]]:
    """Rule hits over the folded text, (code, label, score, start, end): the strongest of each kind per sentence.

    ``tokens`` are its words as ``Text.words`` has them (split here when not given)."""
    if not _TRIGGER_WORDS:
        _index()
    if tokens is None:
        tokens = word_set(folded)
    candidates = set(_ALWAYS)
    for word in _TRIGGER_WORDS.intersection(tokens):
        candidates.update(_TRIGGERS[word])
    sentence_starts: list[int] | None = None
    stops: list[int] | None = None  # found once a rule reads sentences
    best: dict[tuple[int, str], tuple[str, str, float, int, int]] = {}
    for index in sorted(candidates):  # in the rules' own order, as before: ties keep the first
        code, label, score, pattern, gates = _RULES[index]
        if not _passes(tokens, gates):
            continue
        rule_words = _RULE_WORDS[index]
        if rule_words is not None and stops is None:
            stops = stops_in(folded)
        for match in _matches(pattern, folded, None if rule_words is None else rule_words.intersection(tokens), stops):
            if sentence_starts is None:
                sentence_starts = [m.start() for m in SENTENCE_RE.finditer(folded)] or [0]
            key = (bisect.bisect_right(sentence_starts, match.start()), code)
            if key not in best or best[key][2] < score:
                best[key] = (code, label, score, match.start(), match.end())
    return list(best.values())


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    hits = find(text.folded, text.words)
    if not hits:
        return []
    # Positions only for the rare comment with a hit, from the per-character fold.
    mapped, offsets = text.mapped
    if mapped != text.folded:
        hits = find(mapped)
    return [
        Reason(code, score, _addressed(label, context), ((offsets[start], offsets[end - 1] + 1),))
        for code, label, score, start, end in hits
    ]


def _addressed(label: str, context: Context) -> str:
    """A top-level comment answers no one: its insult is aimed at someone, not at "the person it answers"."""
    return label if context.parent_text or label != ANSWERED else "insults someone directly"


# Second-person targeting near a swear word turns profanity into abuse aimed at someone.
TARGET_RE = re.compile(
    r"\b(?:you|u|ya|your|youre|ur|yourself|you're|thou|this guy|the author|the writer|the reporter|op)\b"
)


CURLY_QUOTES = (("“", "”"), ("«", "»"), ("‘", "’"))


class Quotes:
    """Where a text's quotation marks are, found once: a comment may hold thousands of hits to ask about."""

    def __init__(self, folded: str) -> None:
        self.straight = [i for i, ch in enumerate(folded) if ch == '"'] if '"' in folded else []
        self.curly = [
            ([i for i, ch in enumerate(folded) if ch == opening], [i for i, ch in enumerate(folded) if ch == closing])
            for opening, closing in CURLY_QUOTES
            if opening in folded and closing in folded
        ]

    def around(self, start: int, end: int) -> bool:
        """Whether a span sits inside quotation marks, as a word reported rather than used."""
        if self.straight:
            before = bisect.bisect_left(self.straight, start)
            if before % 2 == 1 and bisect.bisect_left(self.straight, end) < len(self.straight):
                return True
        for openings, closings in self.curly:
            last_open = bisect.bisect_left(openings, start) - 1
            last_close = bisect.bisect_left(closings, start) - 1
            opened = last_open >= 0 and (last_close < 0 or openings[last_open] > closings[last_close])
            if opened and bisect.bisect_left(closings, end) < len(closings):
                return True
        return False


def targets_someone(folded: str, start: int, end: int, window: int = 12) -> bool:
    near = folded[max(0, start - window) : end + window]
    return bool(TARGET_RE.search(near))
