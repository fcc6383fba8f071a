"""What a generator can say about an article: its people, places, numbers and claims.

Pulled from the text alone, so any article in the seed's format yields its own traffic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

SENTENCE_RE = re.compile(r"[^.!?]+[.!?]")
NAME_RE = re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]{2,})(?:[ -](?:[A-Z][a-z]+|[A-Z]{2,}))*\b")
NUMBER_RE = re.compile(r"\b(\d[\d,]*(?:\.\d+)?)\s+([A-Za-z-]+(?:\s[A-Za-z-]+){0,2})")
LINKING = frozenset(
    "in and of for the to a an by from with on at as or but than that which who were was out up into over after "
    "before since during per each this these those had have has said says are is be been being will would could "
    "not no so their its his her them they we our".split()
)
OPENERS = frozenset(
    "The A An In On At So But And For Of It This That These Those He She They We I His Her Their Its "
    "According After Before While When Where Who What Why How However Meanwhile Also Both".split()
)
MONTHS = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)


def _quantities(body: str) -> list[str]:
    """ "5,000 militia inmates", "155 prisoners": a number and the words it counts, not years."""
    found = []
    for match in NUMBER_RE.finditer(body):
        number, words = match.group(1), match.group(2).split()
        if number.endswith(","):  # "In 2018, Pakistan ...": the number ends a phrase, it counts nothing
            continue
        if re.fullmatch(r"(?:19|20)\d\d", number):
            continue
        kept: list[str] = []
        for word in words:
            if word.lower() in LINKING:
                break
            kept.append(word)
        if kept:
            found.append(f"{number} {' '.join(kept)}")
    return found


@dataclass(frozen=True)
class ArticleFacts:
    headline: str
    entities: tuple[str, ...]  # names of people, places and organisations, most mentioned first
    numbers: tuple[str, ...]  # "5,000 militia inmates"
    claims: tuple[str, ...]  # short sentences from the body
    text: str


def extract_facts(headline: str, body: str) -> ArticleFacts:
    text = f"{headline}\n{body}"
    counts: Counter[str] = Counter()
    for sentence in SENTENCE_RE.findall(body):
        for match in NAME_RE.finditer(sentence):
            name = match.group().strip()
            words = name.split()
            # A capitalised first word of a sentence is not a name by itself.
            if match.start() <= 1 and len(words) == 1 and name in OPENERS:
                continue
            words = [w for w in words if w not in OPENERS]
            if not words or all(w in MONTHS for w in words):
                continue
            counts[" ".join(words)] += 1
    for match in NAME_RE.finditer(headline):
        if match.group() not in OPENERS:
            counts[match.group()] += 1
    entities = tuple(name for name, _ in counts.most_common(12) if len(name) > 2)
    numbers = tuple(dict.fromkeys(_quantities(body)))[:8]
    claims = tuple(s.strip() for s in SENTENCE_RE.findall(body) if 40 <= len(s.strip()) <= 180 and '"' not in s)[:12]
    return ArticleFacts(headline=headline, entities=entities or (headline.split()[0],), numbers=numbers,
                        claims=claims or (headline,), text=text)  # fmt: skip
