"""A comment written mostly in capital letters."""

from __future__ import annotations

import re

from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Reason

SCORE = "shouting"

_CAPITALS_RE = re.compile(r"[A-Z]{2,}\W+[A-Z]{2,}")


_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_LETTERS = _UPPER + _UPPER.lower()


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    raw = text.raw
    if raw.isascii():
        # Counted by deleting bytes, in C: the letters, and the capitals among them.
        data = raw.encode("ascii")
        letters = len(data) - len(data.translate(None, _LETTERS))
        capitals = len(data) - len(data.translate(None, _UPPER))
        if letters < 20 or capitals / letters < 0.6 or not _CAPITALS_RE.search(raw):
            return []  # no two capitalised words in a row: nobody is shouting
    else:
        letters = sum(map(str.isalpha, raw))
        capitals = sum(map(str.isupper, raw))
    if letters < 20:
        return []
    ratio = capitals / letters
    if ratio < 0.6:
        return []
    return [Reason("shouting", round(min(1.0, (ratio - 0.5) * 2), 3), "is written mostly in capital letters")]
