"""A fast profanity check with better-profanity's word list as its floor.

better-profanity flags a word when it, or two to six words run together, match a
listed word under its character substitutions (``a``→``@``/``4``/``*``, ``s``→``$``
…). It tries every listed word in turn for every word of the text, which costs
tens of milliseconds per comment. Here every substitution variant of every listed
word is expanded once, into a set, so each look-up is a hash probe; the same
word-and-run-of-words rule then flags at least everything better-profanity flags.

On top of that floor the text is folded first (``normalize.fold``), quotes around a
word are ignored, runs of one letter separated by dots, dashes or spaces are read as
one word (``f.u.c.k``, ``f u c k``), and stretched letters are shrunk (``fuuuck``).
Whole words are matched, never substrings, so Scunthorpe, Essex, classic, assassin
and analysis stay clean.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .normalize import fold, fold_with_offsets

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
# A word is made of letters, digits and the characters that stand in for letters,
# exactly as better-profanity splits words; everything else separates words.
WORD_RE = re.compile(r"[\w@$*'\"]+")
# Its longest listed entry spans this many words once split that way.
MAX_RUN = 6
# A word spelled out letter by letter may run longer: "m o t h e r f u c k e r".
MAX_LETTER_RUN = 20
_REPEAT_RE = re.compile(r"(.)\1+")
_STRETCH_RE = re.compile(r"([a-z@$*])\1")


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
        base = list(words) if words is not None else load_default_words()
        self._build(set(), base, allowed)

    def _build(self, variants: set[str], extra: Iterable[str], allowed: Iterable[str]) -> None:
        allowed_set = {w.strip().lower() for w in allowed if w.strip()}
        for word in extra:
            word = word.strip().lower()
            if word and word not in allowed_set:
                variants |= expand(word)
        variants -= allowed_set
        # A listed word written with dots or a trailing "!" ("s.o.b.") is also matched without its last mark.
        variants |= {v.rstrip(".!") for v in variants if v[-1] in ".!" and len(v.rstrip(".!")) > 1}
        self.variants = variants
        # Listed words with every repeated letter squeezed to one: a cheap first test for "fuuuck".
        self.squeezed = frozenset(_REPEAT_RE.sub(r"\1", v) for v in variants)
        # Every beginning of a listed word, to stop reading words together as soon as nothing can match.
        self.prefixes = frozenset(v[:i] for v in variants for i in range(1, len(v)))

    def with_words(self, extra: Iterable[str], allowed: Iterable[str] = ()) -> ProfanityChecker:
        """A copy with more blocked words and some allowed ones (a policy's own lists)."""
        clone = ProfanityChecker.__new__(ProfanityChecker)
        clone._build(set(self.variants), extra, allowed)
        return clone

    def _stretched(self, token: str) -> str | None:
        """Stretched letters: try each run as one letter or two ("fuuuck", "asssss")."""
        runs = _REPEAT_RE.findall(token)
        if len(token) > 3 and 0 < len(runs) <= 6:
            for choice in itertools.product((1, 2), repeat=len(runs)):
                candidate = _shrink(token, choice)
                if candidate != token and candidate in self.variants:
                    return candidate
        return None

    def _runs(self, tokens: list[str], starts: Iterable[int]) -> Iterator[tuple[int, int, str]]:
        """Words read together, "bull shit" or "f u c k": (first index, last index, what matched)."""
        count = len(tokens)
        variants, prefixes = self.variants, self.prefixes
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
                if joined in variants or spaced in variants:
                    yield index, last, joined
                    break
                if joined not in prefixes and spaced not in prefixes:
                    break

    def contains(self, folded: str) -> bool:
        """The fast question: is there any hit at all? Mostly set operations done in C."""
        variants = self.variants
        tokens = WORD_RE.findall(folded.replace("_", " "))
        if not variants.isdisjoint(tokens):
            return True
        # Whole whitespace-separated words, bare of punctuation: quoted words and listed
        # words with marks inside ("sh!t", "g-spot", "s.o.b.").
        if not variants.isdisjoint(map(_strip_punct, folded.split())):
            return True
        if _STRETCH_RE.search(folded):
            squeezed = WORD_RE.findall(_REPEAT_RE.sub(r"\1", folded.replace("_", " ")))
            if not self.squeezed.isdisjoint(squeezed) and any(
                self._stretched(t) for t in tokens if _REPEAT_RE.search(t)
            ):
                return True
        prefixes = self.prefixes
        starts = [i for i, token in enumerate(tokens) if token in prefixes]
        return any(True for _ in self._runs(tokens, starts))

    def hits(self, folded: str) -> list[Hit]:
        """Every hit with its place in the folded text. Slower: it runs once contains() said yes."""
        if not self.contains(folded):
            return []
        spaced_text = folded.replace("_", " ")
        matches = [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(spaced_text)]
        tokens = [m[0] for m in matches]
        found: list[Hit] = []

        def free(start: int, end: int) -> bool:
            return all(h.end <= start or h.start >= end for h in found)

        for token, start, end in matches:
            word = token if token in self.variants else self._stretched(token)
            if word:
                found.append(Hit(word, start, end, joined=False))
        for first, last, word in self._runs(tokens, range(len(tokens))):
            start, end = matches[first][1], matches[last][2]
            if free(start, end):
                found.append(Hit(word, start, end, joined=True))
        for match in re.finditer(r"\S+", folded):
            bare = _strip_punct(match.group())
            if bare in self.variants:
                offset = match.group().find(bare)
                start = match.start() + offset
                if free(start, start + len(bare)):
                    found.append(Hit(bare, start, start + len(bare), joined=False))
        return sorted(found, key=lambda h: h.start)

    def check(self, text: str) -> bool:
        return self.contains(fold(text))

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the hits are in the original text: (start, end, matched word)."""
        folded, offsets = fold_with_offsets(text)
        result = []
        for hit in self.hits(folded):
            start = offsets[hit.start]
            end = offsets[hit.end - 1] + 1
            result.append((start, end, text[start:end]))
        return result


_PUNCT = "\"'“”‘’«».,;:?!()[]{}<>"


def _strip_punct(word: str) -> str:
    return word.strip(_PUNCT)


def _shrink(token: str, choice: tuple[int, ...]) -> str:
    out = []
    last = 0
    for match, keep in zip(_REPEAT_RE.finditer(token), choice, strict=False):
        out.append(token[last : match.start()])
        out.append(match.group(1) * min(keep, len(match.group(0))))
        last = match.end()
    out.append(token[last:])
    return "".join(out)


@cache
def default_checker() -> ProfanityChecker:
    return ProfanityChecker()
