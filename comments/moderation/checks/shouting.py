"""A comment written mostly in capital letters."""

from __future__ import annotations

import re

from ..context import Context
from ..normalize import Text
from ..policy import Policy
from ..reasons import Reason

SCORE = "shouting"

_CAPITALS_RE = re.compile(r"[A-Z]{2,}\W+[A-Z]{2,}")


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    raw = text.raw
    if not _CAPITALS_RE.search(raw) and raw.isascii():
        return []  # no two capitalised words in a row: nobody is shouting
    letters = sum(map(str.isalpha, raw))
    if letters < 20:
        return []
    ratio = sum(map(str.isupper, raw)) / letters
    if ratio < 0.6:
        return []
    return [Reason("shouting", round(min(1.0, (ratio - 0.5) * 2), 3), "is written mostly in capital letters")]
