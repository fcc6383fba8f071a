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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from moderation.normalize import equal_run, fold_with_offsets
from moderation.wordlists import english_frequencies

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
EMBEDDED = ("fuck", "fvck", "shit", "sh1t", "bitch", "b1tch", "wank")
_EMBEDDED_RE = re.compile("|".join(EMBEDDED))


def _has_embedded(folded: str) -> bool:
    """``_EMBEDDED_RE.search(folded)``, as a yes or no: a substring search a word, in C, is faster than the pattern."""
    return any(word in folded for word in EMBEDDED)


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
    return frozenset(english_frequencies())


def load_default_words() -> list[str]:
    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip()]


def expand(word: str) -> set[str]:
    """Every spelling of a word under the substitutions (what better-profanity tries one by one)."""
    return {"".join(combo) for combo in itertools.product(*(CHAR_VARIANTS.get(ch, (ch,)) for ch in word))}


# One letter for every character a substitution can stand for: "@" may be an a or an o, "l" an l or
# an i, so a, o, 0, 4, @ read alike here, and so do i, l, 1 and u, v. A text word and a listed word
# with the same reading are then checked character by character; "*" (any vowel) is tried in turn.
CANON = str.maketrans({"@": "a", "4": "a", "o": "a", "0": "a", "l": "i", "1": "i", "v": "u", "3": "e", "$": "s",
                       "5": "s", "7": "t"})  # fmt: skip
# Words split and read in one pass over plain ASCII.
_ASCII_READING = {**_ASCII_SEPARATORS, **CANON}
_STAND_INS = {ch for spellings in CHAR_VARIANTS.values() for ch in spellings if ch != "*"}
MAX_STARS = 3


class Spellings:
    """The set of every spelling of some words, without writing them all out.

    ``token in spellings`` holds exactly when ``token`` is in ``set().union(*map(expand, words))``,
    but this keeps only the words by their reading (``CANON``): a few thousand strings instead of
    half a million, built in milliseconds.
    """

    def __init__(self, words: Iterable[str], *, excluded: Iterable[str] = ()) -> None:
        self.words = frozenset(words)
        self.excluded = frozenset(excluded)
        self.by_reading: dict[str, list[str]] = {}
        for word in self.words:
            self.by_reading.setdefault(word.translate(CANON), []).append(word)
        self._starred_seen: dict[str, bool] = {}
        # Every beginning of a reading: where reading words together may still lead somewhere.
        self.prefixes = frozenset(r[:i] for r in self.by_reading for i in range(1, len(r)))

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str) or token in self.excluded:
            return False
        if "*" in token:
            return self._starred(token)
        return any(_spells(token, word) for word in self.by_reading.get(token.translate(CANON), ()))

    def readings(self) -> frozenset[str]:
        return frozenset(self.by_reading)

    def _starred(self, token: str) -> bool:
        """A word with "*" in it: each star read as each vowel it may stand for (remembered: floods repeat)."""
        known = self._starred_seen.get(token)
        if known is not None:
            return known
        found = False
        if token.count("*") <= MAX_STARS:
            reading = token.translate(CANON)
            for letters in itertools.product(STAR_READINGS, repeat=token.count("*")):
                candidate = reading
                for letter in letters:
                    candidate = candidate.replace("*", letter, 1)
                if any(_spells(token, word) for word in self.by_reading.get(candidate, ())):
                    found = True
                    break
        if len(self._starred_seen) >= 10_000:
            self._starred_seen.clear()
        self._starred_seen[token] = found
        return found


# The letters "*" stands for in better-profanity's table, as they read (a and o alike, u and v alike).
CHAR_STANDS_FOR_STAR = tuple(sorted(letter for letter, spellings in CHAR_VARIANTS.items() if "*" in spellings))
STAR_READINGS = tuple(sorted({letter.translate(CANON) for letter in CHAR_STANDS_FOR_STAR}))


def _spells(token: str, word: str) -> bool:
    """Whether ``token`` is ``word`` under the substitutions, character by character."""
    return len(token) == len(word) and all(
        t == w or t in CHAR_VARIANTS.get(w, ()) for t, w in zip(token, word, strict=True)
    )


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
        self._build(load_default_words() if words is None else words, allowed)

    def _build(self, extra: Iterable[str], allowed: Iterable[str]) -> None:
        allowed_set = {w.strip().lower() for w in allowed if w.strip()}
        base = set(self.base_words)
        base.update(w.strip().lower() for w in extra if w.strip())
        self.base_words = frozenset(base - allowed_set)
        self.variants = Spellings(self.base_words, excluded=allowed_set)
        # Listed words with marks inside ("sh!t", "g-spot", "s.o.b.") fall apart into several
        # words here; they match when those words are read together, never as one plain word.
        self.joined_only = Spellings(
            {b for w in self.base_words if (b := _MARKS_RE.sub("", w)) != w and len(b) > 1}, excluded=allowed_set
        )
        # Plurals of listed words ("bastards"), but not of words already ending in s.
        self.plurals = frozenset(w + "s" for w in self.base_words if len(w) >= 4 and w.isalpha() and w[-1] != "s")
        self.plural_readings = frozenset(w.translate(CANON) for w in self.plurals)
        self.readings = self.variants.readings()
        # The readings of every beginning of a listed word, to stop reading words together as soon as
        # nothing can match (a superset of the true beginnings: it only ever reads a little further).
        self.prefixes = self.variants.prefixes | self.joined_only.prefixes
        # Where two words read together may lead: a beginning or the whole of a listed word.
        self.ahead = self.prefixes | self.readings | self.joined_only.readings()

    def with_words(self, extra: Iterable[str], allowed: Iterable[str] = ()) -> ProfanityChecker:
        """A copy with more blocked words and some allowed ones (a policy's own lists)."""
        clone = ProfanityChecker.__new__(ProfanityChecker)
        clone.base_words = self.base_words
        clone._build(extra, allowed)
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

    def _run_starts(self, readings: list[str], *, starred: bool) -> list[int]:
        """The words where reading several together may match: their reading begins a listed one, and
        read with the next word (joined or with a space) it still begins or is one."""
        prefixes = self.prefixes
        if starred:
            return [i for i, reading in enumerate(readings) if reading in prefixes or "*" in reading]
        ahead = self.ahead
        # The words that begin a listed reading, found in C (map and compress); only those are looked at.
        last = len(readings) - 1
        return [
            i
            for i in itertools.compress(range(last), map(prefixes.__contains__, readings))
            if readings[i] + readings[i + 1] in ahead or f"{readings[i]} {readings[i + 1]}" in ahead
        ]

    def _runs(self, tokens: list[str], readings: list[str], starts: Iterable[int]) -> Iterator[tuple[int, int, str]]:
        """Words read together, "bull shit" or "f u c k": (first index, last index, what matched)."""
        count = len(tokens)
        variants, joined_only, prefixes = self.variants, self.joined_only, self.prefixes
        listed, listed_joined = variants.by_reading, joined_only.by_reading
        for index in starts:
            joined = spaced = tokens[index]
            read_joined = read_spaced = readings[index]
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
                read_joined += readings[last]
                read_spaced += " " + readings[last]
                starred = "*" in joined
                if joined.count("*") > MAX_STARS:
                    break  # no listed word has that many letters starred out
                # The readings first (dictionary look-ups); the exact spelling only for a reading that is listed.
                if (
                    ((starred or read_joined in listed) and joined in variants)
                    or ((starred or read_spaced in listed) and spaced in variants)
                    or ((starred or read_joined in listed_joined) and joined in joined_only)
                ):
                    yield index, last, joined
                    break
                if not starred and read_joined not in prefixes and read_spaced not in prefixes:
                    break

    def _read(self, folded: str) -> list[str]:
        """The words as they read (``CANON``), split as ``split_words`` splits them."""
        if folded.isascii():  # in one pass (CANON keeps lengths and word characters)
            return folded.translate(_ASCII_READING).split()
        return split_words(folded.translate(CANON))

    def contains(self, folded: str) -> bool:
        """The fast question: is there any hit at all? Mostly set operations done in C, on the words as
        they read; the words as spelled are split only for a text where a reading asks for them."""
        return self._contains(folded, self._read(folded), _Words(folded))

    def _contains(self, folded: str, readings: list[str], tokens: Callable[[], list[str]]) -> bool:
        listed = self.readings.intersection(readings)
        if listed and any(t in self.variants for t, r in zip(tokens(), readings, strict=True) if r in listed):
            return True
        if not self.plural_readings.isdisjoint(readings) and not self.plurals.isdisjoint(tokens()):
            return True
        if "*" in folded and any(t in self.variants for t in tokens() if "*" in t):
            return True
        if _has_embedded(folded):
            return True
        # Stretched words ("fuuuck") are never dictionary words: look only at the others, and only
        # when some character comes three times in a row.
        if _may_stretch(folded) and _REPEAT_RE.search(folded):
            for token in set(tokens()).difference(common_words()):
                if _REPEAT_RE.search(token) and self._stretched(token):
                    return True
        starts = self._run_starts(readings, starred="*" in folded)
        return bool(starts) and any(True for _ in self._runs(tokens(), readings, starts))

    def hits(self, folded: str) -> list[Hit]:
        """Every hit with its place in the folded text. Slower: it runs once the question above says yes."""
        readings = self._read(folded)
        tokens = _Words(folded)  # split once, and only if asked for
        if not self._contains(folded, readings, tokens):
            return []
        spelled = tokens()
        # The words worth a closer look, found with set operations; each is then asked what it is.
        listed = self.readings.intersection(readings)
        special = set(self.plurals.intersection(spelled))
        if "*" in folded:
            special.update(t for t in spelled if "*" in t)
        if _may_stretch(folded) and _REPEAT_RE.search(folded):
            special.update(t for t in set(spelled).difference(common_words()) if _REPEAT_RE.search(t))
        if _has_embedded(folded):
            special.update(t for t in set(spelled) if _EMBEDDED_RE.search(t))
        found: list[Hit] = []
        place = _Places(folded, spelled)
        for index, reading in enumerate(readings):
            if reading not in listed and spelled[index] not in special:
                continue
            token = spelled[index]
            start, end = place(index)
            word = token if (reading in listed or "*" in token) and token in self.variants else None
            if word is None and token in self.plurals:
                word = token[:-1]
            if word is None and _REPEAT_RE.search(token):
                word = self._stretched(token)
            if word is None and (inside := _EMBEDDED_RE.search(token)):
                word = inside.group()
            if word:
                found.append(Hit(word, start, end, joined=False))
        for first, last, word in self._runs(spelled, readings, self._run_starts(readings, starred="*" in folded)):
            start, end = place(first)[0], place(last)[1]
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


class _Words:
    """``split_words(folded)``, split on the first call only (most texts never ask): what
    a cached ``functools.partial`` does, without making a cached function for every text."""

    __slots__ = ("folded", "words")

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.words: list[str] | None = None

    def __call__(self) -> list[str]:
        if self.words is None:
            self.words = split_words(self.folded)
        return self.words


class _Places:
    """Where each word of ``split_words(folded)`` is, found on demand, walking forward from the last
    one asked for (each word is the next run of word characters, so ``str.find`` lands on it)."""

    def __init__(self, folded: str, words: list[str]) -> None:
        self.text = folded.translate(_ASCII_SEPARATORS) if folded.isascii() else None
        self.words = words
        self.starts: list[int] = []
        if self.text is None:  # other scripts: where the pattern finds them, all at once
            self.starts = [m.start() for m in WORD_RE.finditer(folded.replace("_", " "))]

    def __call__(self, index: int) -> tuple[int, int]:
        if self.text is not None:
            at = self.starts[-1] + len(self.words[len(self.starts) - 1]) if self.starts else 0
            while len(self.starts) <= index:
                at = self.text.find(self.words[len(self.starts)], at)
                self.starts.append(at)
                at += len(self.words[len(self.starts) - 1])
        start = self.starts[index]
        return start, start + len(self.words[index])


def _may_stretch(folded: str) -> bool:
    """Whether some character comes three times in a row, as a stretched word's do (a quick look: "..." and
    "000" pass it; only a run ``_REPEAT_RE`` finds in the text can be in one of its words)."""
    return not folded.isascii() or equal_run(folded.encode("ascii"), 1, 2)


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
