"""Text hygiene for what readers type, before it is stored.

Escaping makes markup harmless; this removes what escaping cannot: control
characters, bidirectional overrides that make a name or a comment display
differently from what it is, and "zalgo" stacks of combining marks that spill
over neighbouring lines.
"""

from __future__ import annotations

import re
import unicodedata

from moderation.normalize import INVISIBLE

# C0/C1 controls except tab and newline; bidi embeddings, overrides and isolates.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
MAX_MARKS_PER_LETTER = 3


def clean_text(text: str, *, single_line: bool = False) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    if single_line:
        text = " ".join(text.split())
    if not text.isascii():
        text = _limit_marks(unicodedata.normalize("NFC", text))
    return text


def has_visible_text(text: str) -> bool:
    """Whether anything would show: not only spaces, zero-width and other invisible characters (the Hangul
    fillers and the blank Braille pattern are letters that draw nothing)."""
    return any(
        not ch.isspace() and ch not in INVISIBLE and unicodedata.category(ch) not in {"Cf", "Cc", "Mn", "Me", "Zs"}
        for ch in text
    )


def _limit_marks(text: str) -> str:
    out: list[str] = []
    run = 0
    for ch in text:
        if unicodedata.combining(ch):
            run += 1
            if run > MAX_MARKS_PER_LETTER:
                continue
        else:
            run = 0
        out.append(ch)
    return "".join(out)
