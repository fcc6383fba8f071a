"""Characters or words repeated over and over ("!!!!!!!!", "lol lol lol …", "hahahahahahahahahaha")."""

from __future__ import annotations

import re

from ..context import Context
from ..normalize import Text, equal_run
from ..policy import Policy
from ..reasons import Reason

SCORE = "spam"

FLOOD_RE = re.compile(r"(\S)\1{7,}|(\S{1,4})(?:\s*\2){9,}")
# The same unit eight times in the text with its spaces taken out: what any flood leaves there.
# Tried on the compacted text, where it costs a fraction of the pattern above; only the rare
# text it finds is searched with the pattern itself (for the exact place).
_COMPACT_FLOOD_RE = re.compile(r"(?=(.).{0,3}\1)(.{1,4})\2{7,}")


def _may_flood(compact: str) -> bool:
    """What any match of the compact pattern has, found faster. A unit of k <= 4 characters eight
    times over is a stretch of 8k characters each equal to the one k further on, so (as 12 is a
    multiple of every k) also to the one 12 further on: for one character seven in a row equal to
    the next, for longer units 8k - 12 >= 4 in a row equal to the twelfth next."""
    if compact.isascii():
        data, width = compact.encode("ascii"), 1
    else:
        data, width = compact.encode("utf-32-le"), 4  # one fixed width per character
    return equal_run(data, width, 7 * width) or equal_run(data, 12 * width, 4 * width)


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    compact = "".join(text.raw.split())
    if not _may_flood(compact) or not _COMPACT_FLOOD_RE.search(compact):
        return []
    match = FLOOD_RE.search(text.raw)
    if match is None:
        return []
    return [Reason("spam.flood", 0.8, "repeats characters or words over and over", ((match.start(), match.end()),))]
