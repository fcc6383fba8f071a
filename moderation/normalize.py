"""Undo the usual disguises of a word before it is looked up.

``fold(text)`` is the fast path: one lower-casing and one translation table, both
in C, then Unicode compatibility folding only for text that is not plain ASCII.
It maps zero-width and formatting characters away and look-alike letters
(Cyrillic ``а``, Greek ``ο``, accented ``ü``) to plain Latin, so that the checks
downstream see ``fuck`` where a reader wrote ``fuсk`` with a Cyrillic ``с``.

``fold_with_offsets(text)`` does the same character by character and also says
where each folded character came from, so a hit can be shown in the original
text. It is slower and only runs on comments that had a hit.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Characters that render as nothing or steer layout: a reader cannot see them,
# so they only serve to split a word invisibly.
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u2800\u3164\ufeff\uffa0"
)

# Letters from other scripts that look like Latin ones.
LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ɡ": "g", "һ": "h",
    "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o", "μ": "u",
    # Latin extensions and symbols that stand in for letters
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "ŀ": "l", "ſ": "s",
    "€": "e", "£": "l", "¡": "i", "¢": "c", "§": "s", "©": "c", "®": "r", "µ": "u",
}  # fmt: skip

_DROP_INVISIBLE: dict[int, str | None] = {ord(ch): None for ch in INVISIBLE}
_TABLE: dict[int, str | None] = dict(_DROP_INVISIBLE)
_TABLE.update({ord(k): v for k, v in LOOKALIKES.items()})


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def _strip_run(run: re.Match[str]) -> str:
    decomposed = unicodedata.normalize("NFKD", run.group())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _strip_marks(text: str) -> str:
    # Only the non-ASCII runs change: ASCII decomposes to itself, and combining marks, the only characters
    # NFKD reorders, are never ASCII, so each run can be decomposed on its own.
    return _NON_ASCII_RE.sub(_strip_run, text)


def fold(text: str) -> str:
    """Lower-case, drop invisible characters, map look-alikes and accents to Latin."""
    folded = text.lower()
    if folded.isascii():
        return folded  # the table maps only characters beyond ASCII
    folded = folded.translate(_TABLE)
    if not folded.isascii():
        # Compatibility forms may decompose to capitals ("ℌ" is "H"): lower-case again.
        folded = _strip_marks(folded).lower().translate(_TABLE)
    return folded


def fold_with_offsets(text: str) -> tuple[str, Sequence[int]]:
    """Fold like :func:`fold`, and return for each output character its index in ``text``."""
    if text.isascii():
        # Plain ASCII only changes case: every character stays where it was.
        return text.lower(), range(len(text))
    out: list[str] = []
    offsets: list[int] = []
    done = 0
    for run in _NON_ASCII_RE.finditer(text):
        start, end = run.span()
        if start > done:  # the ASCII before it, a character for a character
            out.append(text[done:start].lower())
            offsets.extend(range(done, start))
        for index in range(start, end):
            piece = text[index].lower().translate(_TABLE)
            if piece and not piece.isascii():
                piece = _strip_marks(piece).lower().translate(_TABLE)
            out.append(piece)
            offsets.extend([index] * len(piece))
        done = end
    if done < len(text):
        out.append(text[done:].lower())
        offsets.extend(range(done, len(text)))
    return "".join(out), offsets


_ALNUM_RE = re.compile(r"[a-z0-9]+")


def word_pieces(folded: str) -> list[str]:
    """The words of folded text, split at anything that is not a letter or digit."""
    return _ALNUM_RE.findall(folded)


# Plain ASCII splits faster by a translation and str.split (the same words as ``_ALNUM_RE``).
_NOT_ALNUM = {i: " " for i in range(128) if not (ord("a") <= i <= ord("z") or ord("0") <= i <= ord("9"))}


def word_set(folded: str) -> frozenset[str]:
    if folded.isascii():
        return frozenset(folded.translate(_NOT_ALNUM).split())
    return frozenset(_ALNUM_RE.findall(folded))


class Text:
    """A comment as the checks read it: as written, folded, and where each folded character came from.

    The per-character map costs more than the fold, so it is made on first use: only a
    check that found something needs positions.
    """

    __slots__ = ("_mapped", "_words", "folded", "raw")

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.folded = fold(raw)
        self._mapped: tuple[str, Sequence[int]] | None = None
        self._words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        """Its words, folded, split at anything that is not a letter or digit: what checks gate on."""
        if self._words is None:
            self._words = word_set(self.folded)
        return self._words

    @property
    def mapped(self) -> tuple[str, Sequence[int]]:
        """The per-character fold (equal to ``folded`` but on rare compositions) and its offsets into ``raw``."""
        if self._mapped is None:
            self._mapped = fold_with_offsets(self.raw)
        return self._mapped


def equal_run(data: bytes, shift: int, run: int) -> bool:
    """Whether ``run`` bytes in a row each equal the byte ``shift`` further on ("aaa" has 2 at shift 1).

    One XOR of two big integers and one substring search, both in C, where a pattern would
    step through every character: a cheap first look for repeats before a pattern says where."""
    size = len(data) - shift
    if size < run:
        return False
    difference = int.from_bytes(data[:size], "little") ^ int.from_bytes(data[shift:], "little")
    return bytes(run) in difference.to_bytes(size, "little")


_NON_WORD_RE = re.compile(r"[\W_]+")


# In plain ASCII the characters outside words are all but letters and digits: a table makes them spaces.
_ASCII_NON_WORD = {i: " " for i in range(128) if not chr(i).isalnum()}


@lru_cache(maxsize=4096)
def fingerprint(text: str) -> str:
    """Text reduced to its words, for spotting the same comment posted again."""
    lowered = text.lower()
    if lowered.isascii():  # the same as the pattern below, in C
        return " ".join(lowered.translate(_ASCII_NON_WORD).split())
    # An invisible character inside a word does not make other words of it ("co\u200bpy" is "copy").
    return _NON_WORD_RE.sub(" ", lowered.translate(_DROP_INVISIBLE)).strip()


def fingerprint_key(text: str) -> str:
    """A short, fixed-length key of the fingerprint: what a database indexes to find the same words again."""
    return hashlib.blake2b(fingerprint(text).encode("utf-8"), digest_size=16).hexdigest()
