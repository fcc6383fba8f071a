"""Characters or words repeated over and over ("!!!!!!!!", "lol lol lol …", "hahahahahahahahahaha")."""

from __future__ import annotations

import re

from moderation.context import Context
from moderation.normalize import Text, equal_run
from moderation.policy import Policy
from moderation.reasons import Reason

# Noise, not spam: a reader raising their voice, weighed with writing in capitals.
SCORE = "shouting"

FLOOD_RE = re.compile(r"(\S)\1{7,}|(\S{1,4})(?:\s*\2){9,}")
# The same unit eight times in the text with its spaces taken out: what any flood leaves there.
# Tried on the compacted text, where it costs a fraction of the pattern above; only the rare
# text it finds is searched with the pattern itself (for the exact place).
_COMPACT_FLOOD_RE = re.compile(r"(?=(.).{0,3}\1)(.{1,4})\2{7,}")


# What str.split() splits plain ASCII at.
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def compacted(raw: str) -> tuple[bytes, int]:
    """The text with its spaces taken out, as bytes of one fixed width per character (and that width)."""
    if raw.isascii():
        return raw.encode("ascii").translate(None, _ASCII_SPACE), 1  # bytes deleted in C
    return "".join(raw.split()).encode("utf-32-le"), 4


def may_flood(data: bytes, width: int) -> bool:
    """What any match of the compact pattern has, found faster. A unit of k <= 4 characters eight
    times over is a stretch of 8k characters each equal to the one k further on, so (as 12 is a
    multiple of every k) also to the one 12 further on: for one character seven in a row equal to
    the next, for longer units 8k - 12 >= 4 in a row equal to the twelfth next."""
    return equal_run(data, width, 7 * width) or equal_run(data, 12 * width, 4 * width)


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    data, width = compacted(text.raw)
    if not may_flood(data, width) or not _COMPACT_FLOOD_RE.search(data.decode("ascii" if width == 1 else "utf-32-le")):
        return []
    match = FLOOD_RE.search(text.raw)
    if match is None:
        return []
    return [Reason("shouting.flood", 0.8, "repeats characters or words over and over", ((match.start(), match.end()),))]
