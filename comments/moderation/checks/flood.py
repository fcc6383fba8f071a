"""Characters or words repeated over and over ("!!!!!!!!", "lol lol lol …", "hahahahahahahahahaha")."""

from __future__ import annotations

import re

from ..context import Context
from ..normalize import Text
from ..policy import Policy
from ..reasons import Reason

SCORE = "spam"

FLOOD_RE = re.compile(r"(\S)\1{7,}|(\S{1,4})(?:\s*\2){9,}")
# The same unit ten times in the text with its spaces taken out: what any flood leaves there.
# Tried first, on the compacted text, where it costs a fraction of the pattern above; only the
# rare text it finds is searched with the pattern itself (for the exact place).
_COMPACT_FLOOD_RE = re.compile(r"(?=(.).{0,3}\1)(.{1,4})\2{7,}")


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    if not _COMPACT_FLOOD_RE.search("".join(text.raw.split())):
        return []
    match = FLOOD_RE.search(text.raw)
    if match is None:
        return []
    return [Reason("spam.flood", 0.8, "repeats characters or words over and over", ((match.start(), match.end()),))]
