"""Characters or words repeated over and over ("!!!!!!!!", "lol lol lol …")."""

from __future__ import annotations

import re

from ..context import Context
from ..normalize import Text
from ..policy import Policy
from ..reasons import Reason

SCORE = "spam"

FLOOD_RE = re.compile(r"(\S)\1{7,}|(\S{1,4})(?:\s*\2){9,}")


def check(text: Text, context: Context, policy: Policy) -> list[Reason]:
    match = FLOOD_RE.search(text.raw)
    if match is None:
        return []
    return [Reason("spam.flood", 0.8, "repeats characters or words over and over", ((match.start(), match.end()),))]
