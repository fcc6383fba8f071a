"""Swear words and slurs, weighed by how they are used: at someone, quoted, or in earnest."""

from __future__ import annotations

from functools import lru_cache

from moderation.checks.abuse import Quotes, targets_someone
from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.profanity import ProfanityChecker, Spellings, default_checker
from moderation.reasons import Reason
from moderation.wordlists import words

SCORE = "abuse"

# Listed words news comments use in earnest: noted, but alone they hold nothing unless aimed at someone.
MILD = Spellings(words("mild-words"))
SLURS = words("slurs")


@lru_cache(maxsize=16)
def _checker(blocked: tuple[str, ...], allowed: tuple[str, ...]) -> ProfanityChecker:
    base = default_checker()
    return base.with_words(blocked, allowed) if (blocked or allowed) else base


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    checker = _checker(policy.blocked_words, policy.allowed_words)
    folded = text.folded
    hits = checker.hits(folded)
    if not hits:
        return []
    # Offsets only for the rare comment with a hit: map folded positions to the original text.
    mapped, offsets = text.mapped
    if mapped != folded:  # fold() and the per-character fold differ on some compositions
        hits = checker.hits(mapped)
        folded = mapped
    reasons = []
    strong = 0
    quotes = Quotes(folded)
    for hit in hits:
        start, end = offsets[hit.start], offsets[hit.end - 1] + 1
        if hit.joined and " " in folded[hit.start : hit.end] and not _single_letters(folded[hit.start : hit.end]):
            score, message = 0.3, "may contain a swear word split across words"
        elif quotes.around(hit.start, hit.end):
            score, message = 0.55, "quotes a swear word"
        elif hit.word.strip("'\"") in SLURS:
            score, message = 0.95, "uses a slur"
        elif hit.word in MILD:
            if targets_someone(folded, hit.start, hit.end):
                score, message = 0.55, "uses a coarse word about someone"
            else:
                score, message = 0.2, "uses a word that is sometimes coarse"
        elif targets_someone(folded, hit.start, hit.end):
            score, message = 0.95, "swears at someone"
        else:
            score, message = 0.6, "contains a swear word"
            strong += 1
        reasons.append(Reason("abusive.profanity", score, message, ((start, end),)))
    if strong >= 3:
        reasons.append(Reason("abusive.profanity", 0.8, "is full of swear words", ()))
    return reasons


def _single_letters(piece: str) -> bool:
    return all(len(part) == 1 for part in piece.replace(".", " ").replace("-", " ").split())
