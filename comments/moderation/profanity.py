"""A fast profanity check with better-profanity's word list as its floor.

better-profanity flags a word when it, or two to six words run together, match a
listed word under its character substitutions (``a``→``@``/``4``/``*``, ``s``→``$``
…). It tries every listed word in turn for every word of the text, which costs
tens of milliseconds per comment. Here every substitution variant of every listed
word is expanded once, into a set, so each look-up is a hash probe; the same
word-and-run-of-words rule then flags at least everything better-profanity flags.

On top of that floor the text is folded first (``normalize.fold``), quotes around a
word are ignored, runs of one letter separated by dots, dashes or spaces are read as
one word (``f.u.c.k``, ``f u c k``), stretched letters are shrunk (``fuuuck``),
plurals of listed words count (``bastards``), and a few words that are swearing
inside any other word are found there (``clusterfuck``). Whole words are matched,
never substrings, so Scunthorpe, Essex, classic, assassin and analysis stay clean.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .normalize import fold_with_offsets

# better-profanity's own substitution table: its variants are our floor.
CHAR_VARIANTS: dict[str, tuple[str, ...]] = {
    "a": ("a", "@", "*", "4"),
    "i": ("i", "*", "l", "1"),
    "o": ("o", "*", "0", "@"),
    "u": ("u", "*", "v"),
    "v": ("v", "*", "u"),
    "l": ("l", "1"),
    "e": ("e", "*", "3"),
    "s": ("s", "$", "5"),
    "t": ("t", "7"),
}
# A word is made of letters, digits and the characters that stand in for letters, as
# better-profanity splits words, except that quotes separate words here too: a word
# in quotation marks is still that word.
WORD_RE = re.compile(r"[\w@$*]+")
# Its longest listed entry spans this many words once split that way.
MAX_RUN = 6
# A word spelled out letter by letter may run longer: "m o t h e r f u c k e r".
MAX_LETTER_RUN = 20
# Stretched letters: three or more of one letter. Doubles are ordinary spelling
# ("good", "assess") and shrinking them would turn clean words into listed ones.
_REPEAT_RE = re.compile(r"([a-z@$*])\1{2,}")
# Words that are swearing wherever they appear inside another word ("clusterfuck").
_EMBEDDED_RE = re.compile(r"fuck|fvck|shit|sh1t|bitch|b1tch|wank")
_MARKS_RE = re.compile(r"[^\w@$*]|_")


_ASCII_SEPARATORS = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) in "@$*")}


def split_words(folded: str) -> list[str]:
    """Words as ``WORD_RE`` finds them; plain ASCII takes a faster path to the same result."""
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    return WORD_RE.findall(folded.replace("_", " "))


@cache
def common_words() -> frozenset[str]:
    """Everyday English words (wordfreq's list, shipped in the package): never stretched swearing."""
    import wordfreq

    return frozenset(wordfreq.get_frequency_dict("en", wordlist="small"))


def load_default_words() -> list[str]:
    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip()]


def expand(word: str) -> set[str]:
    return {"".join(combo) for combo in itertools.product(*(CHAR_VARIANTS.get(ch, (ch,)) for ch in word))}


@dataclass(frozen=True)
class Hit:
    word: str  # what matched, as folded
    start: int  # span in the folded text
    end: int
    joined: bool  # made by running several words together ("pen is")


class ProfanityChecker:
    """Build once, use many times; instances share nothing, unlike better_profanity's singleton."""

    def __init__(self, words: Iterable[str] | None = None, *, allowed: Iterable[str] = ()) -> None:
        self.base_words: frozenset[str] = frozenset()
        self._build(set(), load_default_words() if words is None else words, allowed)

    def _build(self, variants: set[str], extra: Iterable[str], allowed: Iterable[str]) -> None:
        allowed_set = {w.strip().lower() for w in allowed if w.strip()}
        base = set(self.base_words)
        for word in extra:
            word = word.strip().lower()
            if word and word not in allowed_set:
                variants |= expand(word)
                base.add(word)
        variants -= allowed_set
        self.base_words = frozenset(base - allowed_set)
        self.variants = variants
        # Listed words with marks inside ("sh!t", "g-spot", "s.o.b.") fall apart into several
        # words here; they match when those words are read together, never as one plain word.
        self.joined_only = frozenset(b for v in variants if (b := _MARKS_RE.sub("", v)) != v and len(b) > 1) - variants
        # Plurals of listed words ("bastards"), but not of words already ending in s.
        self.plurals = frozenset(w + "s" for w in self.base_words if len(w) >= 4 and w.isalpha() and w[-1] != "s")
        # Every beginning of a listed word, to stop reading words together as soon as nothing can match.
        self.prefixes = frozenset(v[:i] for v in variants | self.joined_only for i in range(1, len(v)))

    def with_words(self, extra: Iterable[str], allowed: Iterable[str] = ()) -> ProfanityChecker:
        """A copy with more blocked words and some allowed ones (a policy's own lists)."""
        clone = ProfanityChecker.__new__(ProfanityChecker)
        clone.base_words = self.base_words
        clone._build(set(self.variants), extra, allowed)
        return clone

    def _stretched(self, token: str) -> str | None:
        """Try each run of three or more of one letter as one letter or two ("fuuuck", "asssss")."""
        runs = _REPEAT_RE.findall(token)
        if 0 < len(runs) <= 6:
            for choice in itertools.product((1, 2), repeat=len(runs)):
                candidate = _shrink(token, choice)
                if candidate in self.variants:
                    return candidate
        return None

    def _runs(self, tokens: list[str], starts: Iterable[int]) -> Iterator[tuple[int, int, str]]:
        """Words read together, "bull shit" or "f u c k": (first index, last index, what matched)."""
        count = len(tokens)
        variants, joined_only, prefixes = self.variants, self.joined_only, self.prefixes
        for index in starts:
            joined = spaced = tokens[index]
            letters_only = len(joined) == 1
            limit = MAX_LETTER_RUN if letters_only else MAX_RUN
            for step in range(1, limit):
                last = index + step
                if last >= count:
                    break
                nxt = tokens[last]
                letters_only = letters_only and len(nxt) == 1
                if step >= MAX_RUN and not letters_only:
                    break
                joined += nxt
                spaced += " " + nxt
                if joined in variants or spaced in variants or joined in joined_only:
                    yield index, last, joined
                    break
                if joined not in prefixes and spaced not in prefixes:
                    break

    def contains(self, folded: str) -> bool:
        """The fast question: is there any hit at all? Mostly set operations done in C."""
        tokens = split_words(folded)
        if not self.variants.isdisjoint(tokens) or not self.plurals.isdisjoint(tokens):
            return True
        if _EMBEDDED_RE.search(folded):
            return True
        # Stretched words ("fuuuck") are never dictionary words: look only at the others.
        for token in set(tokens).difference(common_words()):
            if _REPEAT_RE.search(token) and self._stretched(token):
                return True
        prefixes = self.prefixes
        starts = [i for i, token in enumerate(tokens) if token in prefixes]
        return any(True for _ in self._runs(tokens, starts))

    def hits(self, folded: str) -> list[Hit]:
        """Every hit with its place in the folded text. Slower: it runs once contains() said yes."""
        if not self.contains(folded):
            return []
        matches = [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(folded.replace("_", " "))]
        tokens = [m[0] for m in matches]
        found: list[Hit] = []
        for token, start, end in matches:
            word = token if token in self.variants else None
            if word is None and token in self.plurals:
                word = token[:-1]
            if word is None and _REPEAT_RE.search(token):
                word = self._stretched(token)
            if word is None and (embedded := _EMBEDDED_RE.search(token)):
                word = embedded.group()
            if word:
                found.append(Hit(word, start, end, joined=False))
        for first, last, word in self._runs(tokens, range(len(tokens))):
            start, end = matches[first][1], matches[last][2]
            if all(h.end <= start or h.start >= end for h in found):
                found.append(Hit(word, start, end, joined=True))
        return sorted(found, key=lambda h: h.start)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the hits are in the original text: (start, end, matched word)."""
        folded, offsets = fold_with_offsets(text)
        result = []
        for hit in self.hits(folded):
            start = offsets[hit.start]
            end = offsets[hit.end - 1] + 1
            result.append((start, end, text[start:end]))
        return result


def _shrink(token: str, choice: tuple[int, ...]) -> str:
    out = []
    last = 0
    for match, keep in zip(_REPEAT_RE.finditer(token), choice, strict=False):
        out.append(token[last : match.start()])
        out.append(match.group(1) * keep)
        last = match.end()
    out.append(token[last:])
    return "".join(out)


@cache
def default_checker() -> ProfanityChecker:
    return ProfanityChecker()
