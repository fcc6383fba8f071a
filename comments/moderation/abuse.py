"""Abuse without swear words: insults aimed at a person, threats, dehumanising talk.

Rules over folded text, one sentence at a time, so one insult in a long comment
is not diluted by the rest. Each rule returns a score and the span it matched.
The vocabulary is general English, not tied to any article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Nouns that, aimed at a person, insult them.
INSULT_NOUNS = (
    "idiot|idiots|moron|morons|imbecile|imbeciles|cretin|cretins|fool|fools|clown|clowns|loser|losers|"
    "scum|scumbag|scumbags|vermin|parasite|parasites|pig|pigs|rat|rats|cockroach|cockroaches|maggot|maggots|"
    "trash|garbage|filth|lowlife|lowlifes|degenerate|degenerates|subhuman|subhumans|animal|animals|"
    "halfwit|halfwits|nitwit|nitwits|dimwit|dimwits|simpleton|buffoon|buffoons|troll|trolls|"
    "hypocrite|hypocrites|liar|liars|traitor|traitors|coward|cowards|sheep|snake|snakes|leech|leeches|"
    "waste of space|waste of oxygen|waste of air|joke|disgrace|embarrassment|nobody|piece of work|"
    "dunce|dolt|oaf|numbskull|bonehead|knucklehead|airhead|lunatic|lunatics|psycho|psychopath|"
    "savage|savages|creep|creeps|weasel|weasels|worm|worms|donkey|donkeys|sellout|shill|shills|bot"
)
# Adjectives that, aimed at a person, insult them.
INSULT_ADJECTIVES = (
    "stupid|dumb|dense|thick|brainless|mindless|clueless|ignorant|pathetic|worthless|useless|idiotic|moronic|"
    "imbecilic|retarded|deranged|demented|delusional|braindead|brain-dead|spineless|gutless|disgusting|vile|"
    "despicable|repulsive|sick|twisted|evil|hopeless|illiterate|uneducated|senile|insane|crazy|mental|"
    "ugly|fat|lazy|filthy|dirty|miserable|low-iq|low iq|small-minded|simple-minded|feeble-minded|gullible|"
    "naive|shameless|two-faced|lying|corrupt|incompetent|inbred|subhuman|dishonest"
)
INTENSIFIERS = (
    r"(?:(?:such|so|an?|the|total|complete|utter|absolute|fucking|bloody|real|typical|little|big|"
    r"pathetic|sad|just|really|truly|nothing but|nothing more than|clearly|obviously|simply|literally|and)\s+)*"
)
ADJ_RUN = rf"(?:(?:{INSULT_ADJECTIVES}|fucking|bloody|damn|sad|little|old|typical)[\s,]+(?:and\s+)?){{0,3}}"

YOU = r"(?:you|u|ya|youre|you're|you are|ur|your|thou|you guys|you people|you lot|yall|y'all)"

_RULES: list[tuple[str, str, float, re.Pattern[str]]] = []


def _rule(code: str, label: str, score: float, pattern: str) -> None:
    _RULES.append((code, label, score, re.compile(pattern, re.IGNORECASE)))


# "you are a brainless idiot", "you're pathetic", "what an idiot you are", "you idiot"
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.8,
    rf"\b(?:you(?:'re| are|re)|ur|u r|you're just|you are just|you always were|you sound like|"
    rf"you must be|you seem like|you're like|you act like)\s+{INTENSIFIERS}{ADJ_RUN}(?:{INSULT_NOUNS})\b",
)
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.75,
    rf"\b(?:you(?:'re| are|re)|ur|u r|you must be|you sound|you seem)\s+{INTENSIFIERS}(?:{INSULT_ADJECTIVES})\b",
)
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.8,
    rf"\b(?:you|u)\s+(?:{INSULT_ADJECTIVES}\s+)*(?:{INSULT_NOUNS})\b",
)
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.75,
    rf"\bwhat (?:an?|a)\s+(?:{INSULT_ADJECTIVES}\s+)*(?:{INSULT_NOUNS})\b(?:\s+you are)?",
)
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.75,
    rf"\b(?:people|someone|anyone|morons?|idiots?) like you\b.{{0,40}}\b(?:are|is)\b.{{0,30}}\b"
    rf"(?:{INSULT_NOUNS}|{INSULT_ADJECTIVES}|the problem|a cancer|a disease)\b",
)
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.7,
    r"\b(?:shut up|shut your (?:mouth|trap|face)|go back to (?:your|where)|nobody (?:asked|cares what) you|"
    r"get lost|crawl back (?:under|into)|go crawl|get a brain|get a life|grow a brain|learn to read|"
    r"are you (?:stupid|dumb|an idiot|retarded|blind|brain ?dead)|your (?:tiny|pea|small) brain|"
    r"your (?:mother|mom|mum) (?:should|must)|brain cells?|iq of (?:a|an)|room temperature iq|"
    r"do (?:us|the world|everyone) a favou?r and)\b",
)
_rule(
    "abusive.insult",
    "insults the person it answers",
    0.65,
    rf"\byour\s+(?:{INSULT_ADJECTIVES})\s+(?:opinion|comment|brain|mind|head|posts?|takes?|logic)\b",
)
# Threats against a person
_rule(
    "abusive.threat",
    "threatens violence",
    0.97,
    r"\b(?:i|we|someone|somebody|they)(?:'ll| will| would| am going to|'m going to| are going to|'re going to| gonna| should| shall)\s+"
    r"(?:\w+\s+){0,2}(?:kill|murder|shoot|stab|hang|lynch|behead|strangle|hurt|beat|bash|smash|break|burn|bomb|"
    r"slaughter|execute|butcher|find|hunt|end|rape|torture|deal with|get|come for|visit)\s+"
    r"(?:you|u|your|ya|him|her|them|his|their|the (?:author|writer|journalist|reporter))\b",
)
_rule(
    "abusive.threat",
    "threatens violence",
    0.95,
    r"\b(?:(?:i )?hope (?:you|u|he|she|they) (?:die|dies|get killed|gets killed|get shot|gets shot|burn|rot|suffer|"
    r"get cancer|choke|drown)|(?:you|u) (?:should|deserve to|need to|ought to|will|are going to|gonna) "
    r"(?:die|be (?:shot|killed|hanged|hung|executed|beaten|lynched|put down)|get (?:shot|killed|hanged|what's coming)|"
    r"hang|burn|rot|suffer)|watch your back|i know where you live|we know where you live|"
    r"(?:you(?:'re| are)|ur) (?:dead|a dead man|finished)|(?:kill|shoot|hang|gas|nuke|exterminate|execute) "
    r"(?:them|yourself|all of them|every (?:last )?one of them)|kys)\b",
)
# Hateful generalisations: a whole group called vermin, or wished away.
DEHUMANISING = (
    "vermin|animals|parasites|rats|cockroaches|roaches|subhuman|sub-human|savages|barbarians|apes|monkeys|"
    "a plague|a disease|a cancer|a virus|filth|scum|trash|garbage|maggots|leeches|dogs|pigs|mongrels|"
    "less than human|not human|breeding like rabbits"
)
_rule(
    "abusive.hate",
    "dehumanises a group of people",
    0.92,
    rf"\b(?:all|these|those|the|most|every|such|you)\s+(?:\w+\s+){{0,2}}(?:people|men|women|folks|lot|kind|"
    rf"\w+(?:s|ns|is|es|ese))\s+(?:are|r|is|were|=)\s+(?:all\s+|just\s+|nothing but\s+|no better than\s+|like\s+|a bunch of\s+)?"
    rf"(?:{DEHUMANISING})\b",
)
_rule(
    "abusive.hate",
    "dehumanises a group of people",
    0.9,
    r"\b(?:people like you|your kind|your people|their kind|these people|those people)\b.{0,30}\b"
    r"(?:are|is)\s+(?:all\s+|just\s+)?(?:vermin|animals|parasites|rats|cockroaches|subhuman|savages|a plague|"
    r"a disease|a cancer|filth|scum|trash|garbage|the problem)\b",
)
_rule(
    "abusive.hate",
    "smears a whole group",
    0.7,
    r"\b(?:all|these|those|the|every|most)\s+(?:\w+\s+){0,2}(?:are|r|is)\s+(?:all\s+|just\s+)?"
    r"(?:terrorists|criminals|rapists|thieves|inbred|inferior|invaders)\b",
)
_rule(
    "abusive.hate",
    "calls for harm to a group",
    0.97,
    r"\b(?:all|these|those|the)\s+(?:\w+\s+){0,2}(?:should|must|need to|deserve to|ought to)\s+be\s+"
    r"(?:killed|exterminated|wiped out|gassed|shot|hanged|hung|deported|eradicated|eliminated|nuked|bombed|"
    r"sterilized|sterilised|locked up|put down|removed|cleansed|purged)\b",
)
_rule(
    "abusive.hate",
    "calls for harm to a group",
    0.97,
    r"\b(?:wipe|wiped) (?:them|the \w+|all \w+) (?:out|off the (?:map|face of the earth))|"
    r"\b(?:nuke|bomb|gas|exterminate) (?:them|the \w+|all \w+|their \w+)\b",
)

SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass(frozen=True)
class AbuseHit:
    code: str
    label: str
    score: float
    start: int
    end: int


def find_abuse(folded: str) -> list[AbuseHit]:
    """All rule hits over the folded text; one best hit per sentence and code."""
    hits: list[AbuseHit] = []
    for sentence in SENTENCE_RE.finditer(folded):
        text = sentence.group()
        best: dict[str, AbuseHit] = {}
        for code, label, score, pattern in _RULES:
            match = pattern.search(text)
            if match and (code not in best or best[code].score < score):
                best[code] = AbuseHit(
                    code, label, score, sentence.start() + match.start(), sentence.start() + match.end()
                )
        hits.extend(best.values())
    return hits


# Second-person targeting near a swear word turns profanity into abuse aimed at someone.
TARGET_RE = re.compile(
    r"\b(?:you|u|ya|your|youre|ur|yourself|you're|thou|this guy|the author|the writer|the reporter|op)\b"
)


def is_quoted(folded: str, start: int, end: int) -> bool:
    """Whether a span sits inside quotation marks, as a word reported rather than used."""
    before, after = folded[:start], folded[end:]
    if before.count('"') % 2 == 1 and '"' in after:
        return True
    for open_ch, close_ch in (("“", "”"), ("«", "»"), ("‘", "’")):
        if before.rfind(open_ch) > before.rfind(close_ch) and close_ch in after:
            return True
    return False


def targets_someone(folded: str, start: int, end: int, window: int = 25) -> bool:
    near = folded[max(0, start - window) : end + window]
    return bool(TARGET_RE.search(near))
