"""The learned abuse scorer: hashed word n-grams, word stems and character n-grams, TF-IDF, a linear model.

Use it like this::

    from moderation.model import AbuseModel

    model = AbuseModel.load("moderation/data/abuse-model.nrm")
    model.score("you are a disgrace to your family")        # 0.0 .. 1.0, the chance it is abusive
    model.scores(["first comment", "second comment"])        # numpy array, the same figures
    model.explain("you are a disgrace to your family")      # ((8, 16),): the words that weighed most

Training (``moderation.training``) needs scikit-learn; scoring needs only
numpy. The features are computed here rather than with scikit-learn's
``HashingVectorizer`` because importing scikit-learn's text module costs a worker
about 90 MB of memory, and numpy does the hashing of a whole comment in a few
array operations: an n-gram's hash is built from its characters' code points, so
every n-gram of a comment is hashed at once, with its position known (which is
what ``explain`` needs).

The model file is not a pickle: a short magic line, a JSON header (features,
intercept, array layout, metadata: training data hashes, library versions,
measured figures), the arrays as little-endian float32 compressed with zlib (most
slots of a hashed model are empty), and a SHA-256 of everything before it. Loading
checks all of it, inflates no more than the header's arrays need, and never
executes anything. The header is read as every file is (``moderation.files``: at most
``MAX_HEADER_BYTES``, nested at most 32 deep, UTF-8 without lone surrogates), and the
numbers must lie in ``RANGES`` and within ``MAX_INTERCEPT``, whatever the checksum.

A model may carry a site's ``Stage`` (learned from its own moderators' decisions by
``moderation.training.learn_from_site``): kept apart in the file (format 4), folded into
the coefficients when loaded, so it costs scoring nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from moderation.files import FileFormatError, loads
from moderation.normalize import fold, fold_with_offsets
from moderation.reasons import Reason

if TYPE_CHECKING:
    from moderation.policy import Policy

MAGIC = b"NEWSROOM-MODEL\n"
# 1: the arrays stored raw; 2: compressed with zlib; 3: the features may add word stems; 4: a site stage
# (``Stage``) may follow the arrays. All are read; a model without a stage is still written as 3, so a
# version that predates stages reads it, and the same data and seed give the same bytes as before.
FORMAT = 3
STAGE_FORMAT = 4
READS_FORMATS = (1, 2, 3, 4)
KIND = "abuse-linear"
MAX_FILE_BYTES = 256 * 1024 * 1024
ARRAYS = ("word_idf", "word_coef", "char_idf", "char_coef")
# The shipped header is under 2 KB: the features, the layout and the metadata (training files and figures).
MAX_HEADER_BYTES = 1_000_000
# What a trained model's numbers can be, whatever its checksum says (a checksum shows a file is whole, not that
# its numbers make sense: anyone can recompute one). The smoothed IDF is 1 + ln((1 + n) / (1 + df)): from 1 to
# about 22 for a billion training texts. The coefficients act on an l2-normalised vector, so one of 100 would let
# a single n-gram decide any comment; the shipped model's lie within -3.4 to 8. The intercept is the log-odds
# of a comment with no known n-gram (the shipped model's: -0.64); at 20 that comment would be abusive with a
# chance of 1 - 2e-9, and a model scoring everything 1.0 (an intercept of 1e6) is refused.
RANGES = {
    "word_idf": (0.0, 100.0),
    "char_idf": (0.0, 100.0),
    "word_coef": (-100.0, 100.0),
    "char_coef": (-100.0, 100.0),
}
MAX_INTERCEPT = 20.0
# A stage multiplies the model's log-odds by its base weight. A fitted stage's lies near 1 (see Stage); past 100
# the model's own coefficients would leave RANGES.
MAX_BASE_WEIGHT = 100.0
STAGE_ARRAYS = ("word_slots", "word_coef", "char_slots", "char_coef")

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.uint32]


# How many words a model's explanation highlights at most, and the least push (a share of the strongest's) a
# word needs to be one of them (AbuseModel.explain says how they were chosen).
EXPLAIN_LIMIT = 12
EXPLAIN_LEAST = 0.05


class ModelError(ValueError):
    """A model file that cannot be used: missing, corrupt, tampered with or of another kind."""


@dataclass(frozen=True)
class Features:
    """How a comment becomes numbers. Stored in the model file, so a model always scores the way it was trained."""

    word_bits: int = 20  # 2**20 hashed slots for word 1- and 2-grams (2**18 collided: measured on validation)
    char_bits: int = 20  # and as many for character n-grams
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    # Each word's stem (Snowball's English stemmer) as one more word feature, so "insulting" and "insults"
    # share one; files written before stems were added have none.
    word_stems: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Features:
        try:
            features = cls(
                word_bits=int(data["word_bits"]),
                char_bits=int(data["char_bits"]),
                word_ngrams=(int(data["word_ngrams"][0]), int(data["word_ngrams"][1])),
                char_ngrams=(int(data["char_ngrams"][0]), int(data["char_ngrams"][1])),
                word_stems=data.get("word_stems", False),
            )
        except (KeyError, TypeError, ValueError, IndexError, OverflowError, AttributeError) as exc:
            raise ModelError(f"the feature description is incomplete ({exc})") from exc
        if not isinstance(features.word_stems, bool):
            raise ModelError("word_stems must be true or false")
        if not (8 <= features.word_bits <= 24 and 8 <= features.char_bits <= 24):
            raise ModelError("the hashed feature space must have between 2**8 and 2**24 slots")
        if not (1 <= features.word_ngrams[0] <= features.word_ngrams[1] <= 2):
            raise ModelError("word n-grams must be 1- or 2-grams")
        if not (1 <= features.char_ngrams[0] <= features.char_ngrams[1] <= 6):
            raise ModelError("character n-grams must be between 1 and 6 characters long")
        return features


# --- Preparing text ---------------------------------------------------------------------------

# Twitter-style placeholders in the public training data, and links, say nothing about abuse.
# (The lookahead lets the engine skip, one character test a position, text that cannot start a match.)
_NOISE_RE = re.compile(r"(?=[hw@u&#])(?:https?://\S+|www\.\S+|@\w+|\burl\b|&(?:amp|lt|gt|quot);|#)")
_WORD_RE = re.compile(r"\w\w+")
_NON_SPACE_RE = re.compile(r"\S+")


# What every match of _NOISE_RE holds: a text with none of them is searched no further.
_NOISE_MARKS = ("http", "www.", "@", "url", "&", "#")


def prepare(text: str) -> str:
    """The text as the model reads it: folded (case, look-alikes), links and mentions blanked, spaces collapsed."""
    folded = fold(text)
    if any(mark in folded for mark in _NOISE_MARKS):
        folded = _NOISE_RE.sub(" ", folded)
    return " ".join(folded.split())


# In plain ASCII the characters outside words (``\w``: letters, digits and "_"), as spaces.
_ASCII_NOT_WORD = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")}


def _words(text: str) -> list[str]:
    """``_WORD_RE.findall(text)``: the runs of word characters two or more long; in plain ASCII, split in C."""
    if text.isascii():
        return [word for word in text.translate(_ASCII_NOT_WORD).split() if len(word) > 1]
    return _WORD_RE.findall(text)


# What str.split() splits plain ASCII at, as a look-up table by character code.
_ASCII_SPACE = np.zeros(128, dtype=bool)
_ASCII_SPACE[[ord(ch) for ch in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"]] = True


def prepare_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`prepare`, and for each character of the result its index in ``text``."""
    folded, offsets = fold_with_offsets(text)
    masked = _NOISE_RE.sub(lambda m: " " * len(m.group()), folded)
    if isinstance(offsets, range) and masked.isascii():
        # Plain ASCII, where each character stays in its place: the characters kept are those that are
        # not spaces, and the first space after each word that another word follows.
        space = _ASCII_SPACE[np.frombuffer(masked.encode("ascii"), dtype=np.uint8)]
        kept = ~space
        if not kept.any():
            return "", []
        kept[1:] |= space[1:] & ~space[:-1]
        last = int(np.flatnonzero(~space)[-1])
        kept[last + 1 :] = False
        return " ".join(masked.split()), np.flatnonzero(kept).tolist()
    pieces: list[str] = []
    previous_end = 0
    chosen: list[int] = []
    for match in _NON_SPACE_RE.finditer(masked):
        start, end = match.span()
        if pieces:  # the run of spaces before it becomes one, placed where the run began
            pieces.append(" ")
            chosen.append(offsets[previous_end])
        pieces.append(match.group())
        chosen.extend(offsets[start:end])
        previous_end = end
    return "".join(pieces), chosen


# --- Hashing ------------------------------------------------------------------------------------

_PRIME = np.uint32(0x01000193)
_SEEDS = {n: np.uint32(0x9E3779B1 * (n + 1) & 0xFFFFFFFF) for n in range(1, 8)}
_STEM_SEED = np.uint32(0x5BD1E995)  # a stem hashes apart from the same letters as a word


@cache
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: Snowball in C

    return Stemmer.Stemmer("english")


# Each word's CRC-32 and its stem's, packed in one integer, for the words seen lately: one dictionary
# look-up a word instead of encoding, stemming and hashing it again. Emptied when full (50,000 words, a
# few MB), which the vocabulary of most sites never fills.
_WORD_HASHES: dict[str, int] = {}
WORD_HASHES_KEPT = 50_000


def _word_hashes(tokens: list[str]) -> tuple[Ints, Ints]:
    """Each token's CRC-32, and its stem's."""
    packed = list(map(_WORD_HASHES.get, tokens))
    if None in packed:
        new = list(dict.fromkeys(t for t, h in zip(tokens, packed, strict=True) if h is None))
        stems = _stemmer().stemWords(new)
        fresh = {
            token: zlib.crc32(token.encode()) << 32 | zlib.crc32(stem.encode())
            for token, stem in zip(new, stems, strict=True)
        }
        packed = [fresh[t] if h is None else h for t, h in zip(tokens, packed, strict=True)]
        if len(_WORD_HASHES) + len(fresh) > WORD_HASHES_KEPT:
            _WORD_HASHES.clear()
        if len(fresh) <= WORD_HASHES_KEPT:
            _WORD_HASHES.update(fresh)
    both = np.array(packed, dtype=np.uint64)
    return (both >> np.uint64(32)).astype(np.uint32), (both & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _mix(h: Ints) -> Ints:
    """MurmurHash3's finaliser: spreads the bits of a polynomial hash over the whole word."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@dataclass(frozen=True)
class Grams:
    """The hashed n-grams of one prepared text or of several joined, with where each sits and whose it is."""

    word_slots: Ints
    word_starts: npt.NDArray[np.int64]
    word_ends: npt.NDArray[np.int64]
    word_docs: npt.NDArray[np.int64]
    char_slots: Ints
    char_starts: npt.NDArray[np.int64]
    char_ends: npt.NDArray[np.int64]
    char_docs: npt.NDArray[np.int64]


_EMPTY_U = np.zeros(0, dtype=np.uint32)
_EMPTY_I = np.zeros(0, dtype=np.int64)
# Texts are hashed together, joined by a character prepare() never leaves and no word contains.
SEPARATOR = "\n"


def _cat(parts: list[npt.NDArray[Any]], empty: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return np.concatenate(parts) if parts else empty


def grams(prepared: str | Sequence[str], features: Features, *, positions: bool = False) -> Grams:
    """Every n-gram of the text(s), hashed; no n-gram spans two texts.

    Positions (in the joined text) are kept only when asked (``explain``): scoring needs none, and finding
    the words' costs more than hashing them.
    """
    texts = [prepared] if isinstance(prepared, str) else list(prepared)
    joined = SEPARATOR.join(texts)
    lengths = np.fromiter((len(t) for t in texts), np.int64, len(texts))
    doc_starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])) if len(texts) else _EMPTY_I
    doc_ends = doc_starts + lengths
    word_mask = np.uint32((1 << features.word_bits) - 1)
    char_mask = np.uint32((1 << features.char_bits) - 1)
    w_slots, w_starts, w_ends, w_docs = [], [], [], []
    c_slots, c_starts, c_ends, c_docs = [], [], [], []
    with np.errstate(over="ignore"):
        # Words: each token's CRC-32 (and its stem's), then pairs of neighbours in the same text combined.
        per_text = [_words(text) for text in texts]
        counts = np.fromiter((len(t) for t in per_text), np.int64, len(texts))
        flat = [token for tokens in per_text for token in tokens]
        if flat:
            token_hash, stem_hash = _word_hashes(flat)
            docs = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
            if positions:
                spans = [m.span() for m in _WORD_RE.finditer(joined)]
                starts = np.array([a for a, _ in spans], dtype=np.int64)
                ends = np.array([b for _, b in spans], dtype=np.int64)
            else:
                starts = ends = np.zeros(len(flat), dtype=np.int64)
            lo, hi = features.word_ngrams
            if lo <= 1 <= hi:
                w_slots.append(_mix(token_hash ^ _SEEDS[1]) & word_mask)
                w_starts.append(starts)
                w_ends.append(ends)
                w_docs.append(docs)
            if features.word_stems:  # after the words, before the pairs: explain() reads them in that order
                w_slots.append(_mix(stem_hash ^ _STEM_SEED) & word_mask)
                w_starts.append(starts)
                w_ends.append(ends)
                w_docs.append(docs)
            if hi >= 2 and len(flat) > 1:
                same = docs[:-1] == docs[1:]
                pairs = _mix(token_hash[:-1] * _PRIME + token_hash[1:] ^ _SEEDS[2]) & word_mask
                w_slots.append(pairs[same])
                w_starts.append(starts[:-1][same])
                w_ends.append(ends[1:][same])
                w_docs.append(docs[:-1][same])
        # Characters: polynomial hashes of every n-gram, grown one character at a time.
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        lo, hi = features.char_ngrams
        if len(texts) > 1:
            # How many separators come before each place: an n-gram at i runs into the next text when there are
            # more before i + n than before i, and belongs to the text numbered by those before i.
            separators = np.zeros(len(joined), dtype=np.int64)
            separators[doc_ends[:-1]] = 1
            before = np.concatenate(([0], np.cumsum(separators)))
        h = codes.copy()
        for n in range(1, hi + 1):
            if n > 1:
                h = h[:-1] * _PRIME + codes[n - 1 :]
            if len(h) == 0:
                break
            if n >= lo:
                if len(texts) > 1:  # drop the n-grams that run across a separator into the next text
                    inside = before[n : n + len(h)] == before[: len(h)]
                    h_in, docs = h[inside], before[: len(h)][inside]
                    at = np.flatnonzero(inside) if positions else _EMPTY_I
                else:
                    h_in, docs = h, np.zeros(len(h), dtype=np.int64)
                    at = np.arange(len(h), dtype=np.int64) if positions else _EMPTY_I
                c_slots.append(_mix(h_in ^ _SEEDS[n]) & char_mask)
                c_docs.append(docs)
                if positions:
                    c_starts.append(at)
                    c_ends.append(at + n)
    return Grams(
        word_slots=_cat(w_slots, _EMPTY_U),
        word_starts=_cat(w_starts, _EMPTY_I),
        word_ends=_cat(w_ends, _EMPTY_I),
        word_docs=_cat(w_docs, _EMPTY_I),
        char_slots=_cat(c_slots, _EMPTY_U),
        char_starts=_cat(c_starts, _EMPTY_I),
        char_ends=_cat(c_ends, _EMPTY_I),
        char_docs=_cat(c_docs, _EMPTY_I),
    )


def joined_slots(prepared: str, features: Features) -> Ints:
    """The slots of ``grams`` of one text, word slots then character slots after all the word slots (``2 **
    word_bits`` added), in one array, in no useful order: what scoring needs, in a third of the array
    operations (every n-gram mixed at once)."""
    parts: list[Ints] = []
    with np.errstate(over="ignore"):
        tokens = _words(prepared)
        if tokens:
            token_hash, stem_hash = _word_hashes(tokens)
            lo, hi = features.word_ngrams
            if lo <= 1 <= hi:
                parts.append(token_hash ^ _SEEDS[1])
            if features.word_stems:
                parts.append(stem_hash ^ _STEM_SEED)
            if hi >= 2 and len(tokens) > 1:
                parts.append(token_hash[:-1] * _PRIME + token_hash[1:] ^ _SEEDS[2])
        words = sum(map(len, parts))
        codes = np.frombuffer(prepared.encode("utf-32-le"), dtype=np.uint32)
        lo, hi = features.char_ngrams
        h = codes
        for n in range(1, hi + 1):
            if n > 1:
                h = h[:-1] * _PRIME + codes[n - 1 :]
            if not len(h):
                break
            if n >= lo:
                parts.append(h ^ _SEEDS[n])
        if not parts:
            return _EMPTY_U.copy()
        keys = _mix(np.concatenate(parts))
    keys[:words] &= np.uint32((1 << features.word_bits) - 1)
    keys[words:] &= np.uint32((1 << features.char_bits) - 1)
    keys[words:] += np.uint32(1 << features.word_bits)
    return keys


def _sublinear(idf: Floats, counts: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """(1 + ln count) × IDF, as ``tfidf`` computes it: most n-grams occur once, where the factor is exactly 1."""
    values = idf.astype(np.float64)
    many = np.flatnonzero(counts > 1)
    if len(many):
        values[many] *= 1.0 + np.log(counts[many])
    return values


@dataclass(frozen=True)
class Weighted:
    """One block of a comment's n-grams as the model weighs them."""

    slots: Ints  # the distinct hashed slots
    values: npt.NDArray[np.float64]  # their l2-normalised sublinear TF-IDF values
    counts: npt.NDArray[np.int64]  # how often each occurs
    occurrence: (
        npt.NDArray[np.intp] | None
    )  # for each n-gram occurrence, its index into ``slots`` (only when asked for)


def tfidf(slots: Ints, idf: Floats, *, occurrences: bool = False) -> Weighted:
    if occurrences:
        unique, inverse, counts = np.unique(slots, return_inverse=True, return_counts=True)
    else:  # sorting without the inverse is the cheaper half: the scoring path needs no positions
        (unique, counts), inverse = np.unique(slots, return_counts=True), None
    values = (1.0 + np.log(counts)) * idf[unique]
    norm = math.sqrt(float(np.dot(values, values)))
    return Weighted(unique, values / norm if norm > 0 else values, counts, inverse)


# --- The model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """What a site's own moderators taught, on top of a model trained on public data.

    The stage's log-odds are ``base_weight`` times the model's, plus ``intercept``, plus its own
    coefficients on the comment's n-grams (a few thousand slots: those the site's decisions contain), over
    the same TF-IDF vector the model computes. So the two fold into one set of coefficients when loaded,
    and a model with a stage scores exactly as fast as one without; the file keeps them apart, so the
    next stage replaces this one instead of piling on it (``AbuseModel.without_stage``).
    ``moderation.training.fit_stage`` fits it.
    """

    base_weight: float
    intercept: float
    word_slots: Ints  # sorted, distinct
    word_coef: Floats
    char_slots: Ints
    char_coef: Floats


@dataclass
class AbuseModel:
    features: Features
    word_idf: Floats
    word_coef: Floats
    char_idf: Floats
    char_coef: Floats
    intercept: float
    metadata: dict[str, Any] = field(default_factory=dict)
    # What the site's own decisions added (None: a model of public data alone). The fields above stay the
    # base model's; scoring uses both, folded together once (``_folded``).
    stage: Stage | None = None
    # The file it was loaded from and that file's SHA-256 (None when made in memory): what a second
    # process loads to score for this one (``ahead.py``), and checks it loaded the same.
    source: tuple[str, str] | None = field(default=None, compare=False, repr=False)
    _folded: tuple[Floats, Floats, float] | None = field(default=None, init=False, compare=False, repr=False)
    # The word and character arrays end to end (character slots after the word slots), so that a comment's
    # n-grams are sorted, counted and looked up once rather than once a block; the fields above are views
    # into them (no memory added), and the arrays they were made from (see ``_joined_arrays``).
    _joined: tuple[Floats, Floats, float] | None = field(default=None, init=False, compare=False, repr=False)
    _joined_from: tuple[int, ...] = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._joined_arrays()

    def _joined_arrays(self) -> tuple[Floats, Floats, float]:
        """The joined IDF and coefficients (with the stage's) and the intercept; made again if a field was
        given another array since."""
        made_from = tuple(map(id, (self.word_idf, self.char_idf, self.word_coef, self.char_coef, self.stage)))
        if self._joined is not None and made_from == self._joined_from:
            return self._joined
        words = len(self.word_idf)
        idf = np.concatenate([self.word_idf, self.char_idf]).astype(np.float32, copy=False)
        self.word_idf, self.char_idf = idf[:words], idf[words:]
        coef = np.concatenate([self.word_coef, self.char_coef]).astype(np.float32, copy=False)
        self.word_coef, self.char_coef, intercept = coef[:words], coef[words:], self.intercept
        if self.stage is not None:  # the base model's coefficients are kept as they are; scoring uses both
            word_coef, char_coef, intercept = _fold(self)
            coef = np.concatenate([word_coef, char_coef]).astype(np.float32, copy=False)
            self._folded = (coef[:words], coef[words:], intercept)
        self._joined = (idf, coef, intercept)
        self._joined_from = tuple(map(id, (self.word_idf, self.char_idf, self.word_coef, self.char_coef, self.stage)))
        return self._joined

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", "unnamed model"))

    def _weights(self) -> tuple[Floats, Floats, float]:
        """The word and character coefficients and the intercept that score: the model's, with its stage's."""
        if self._folded is None:
            return self.word_coef, self.char_coef, self.intercept
        return self._folded

    def without_stage(self) -> AbuseModel:
        """The model its stage was fitted on (itself when it has none), with that model's metadata."""
        if self.stage is None:
            return self
        base = self.metadata.get("base")
        return replace(self, metadata=base if isinstance(base, dict) else {}, stage=None, source=None)

    def with_stage(self, stage: Stage, metadata: dict[str, Any]) -> AbuseModel:
        """This model (without any stage it had) under ``stage``; its own metadata is kept as ``base``."""
        base = self.without_stage()
        return replace(base, metadata={**metadata, "base": base.metadata}, stage=stage, source=None)

    def _logit(self, prepared: str) -> float:
        # The figures of ``tfidf`` on each block of ``grams``, from one sort of the joined slots.
        idf, coef, total = self._joined_arrays()
        keys = joined_slots(prepared, self.features)
        if not len(keys):
            return total
        keys.sort()
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        slots = keys[starts]
        values = _sublinear(idf[slots], np.diff(starts, append=len(keys)))
        split = int(np.searchsorted(slots, 1 << self.features.word_bits))
        for block in (slice(0, split), slice(split, None)):
            part = values[block]
            if len(part):
                norm = math.sqrt(float(np.dot(part, part)))
                total += float(np.dot(part / norm if norm > 0 else part, coef[slots[block]]))
        return total

    def score(self, text: str) -> float:
        """The chance, by this model, that the comment is abusive."""
        return _sigmoid(self._logit(prepare(text)))

    def scores(self, texts: Iterable[str], *, batch: int = 256) -> npt.NDArray[np.float64]:
        """The chance for each text, computed for many at once: the same figures as :meth:`score`."""
        texts = list(texts)
        out = np.empty(len(texts), dtype=np.float64)
        idf, coef, intercept = self._joined_arrays()
        words = 1 << self.features.word_bits
        bits = (len(idf) - 1).bit_length()
        for offset in range(0, len(texts), batch):
            chunk = [prepare(text) for text in texts[offset : offset + batch]]
            g = grams(chunk, self.features)
            # Each (text, slot) as one integer, the character slots after the word slots, to count with one
            # sort: 32 bits when they fit (they do for 2^21 joined slots and batches of up to 2,048 texts),
            # which sorts in half the time of 64.
            wide = bits + max(1, len(chunk) - 1).bit_length() > 32
            kind: Any = np.uint64 if wide else np.uint32
            shift = kind(bits)
            keyed = np.concatenate(
                [
                    (g.word_docs.astype(kind) << shift) | g.word_slots.astype(kind),
                    (g.char_docs.astype(kind) << shift) | (g.char_slots.astype(kind) + kind(words)),
                ]
            )
            keyed.sort()
            first = np.empty(len(keyed), dtype=bool)
            first[:1] = True
            np.not_equal(keyed[1:], keyed[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            keys = keyed[starts]
            slot = keys & kind((1 << bits) - 1)
            # Each (text, block) a bin: the word block's sums, then the character block's, each in slot order.
            bins = (keys >> shift).astype(np.int64) * 2 + (slot >= words)
            values = _sublinear(idf[slot], np.diff(starts, append=len(keyed)))
            norms = np.sqrt(np.bincount(bins, weights=values * values, minlength=2 * len(chunk)))
            dots = np.bincount(bins, weights=values * coef[slot], minlength=2 * len(chunk))
            shares = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
            logits = np.full(len(chunk), intercept, dtype=np.float64)
            logits += shares[0::2]
            logits += shares[1::2]
            out[offset : offset + len(chunk)] = 1.0 / (1.0 + np.exp(-logits))
        return out

    def batch(self, texts: Iterable[str]) -> BatchScores:
        """A scorer for these texts with their chances computed at once (the simulator's path)."""
        texts = list(texts)
        return BatchScores(self, dict(zip(texts, self.scores(texts).tolist(), strict=True)))

    def explain(
        self, text: str, limit: int = EXPLAIN_LIMIT, least: float = EXPLAIN_LEAST
    ) -> tuple[tuple[int, int], ...]:
        """Spans of ``text``: the words whose n-grams pushed the score up most (at most ``limit``, each at
        least ``least`` of the strongest's push), in reading order.

        People who mark why a post is abusive mark about a third of its words, not the two or three that
        weigh most: the defaults were chosen on HateXplain's validation split, where they raise the
        highlights' character F1 from 0.517 (3 words, a quarter of the strongest) to 0.555
        (``bench/spans.py``)."""
        prepared, offsets = prepare_with_offsets(text)
        if not prepared:
            return ()
        g = grams(prepared, self.features, positions=True)
        word_coef, char_coef, _ = self._weights()
        per_char = np.zeros(len(prepared) + 1, dtype=np.float64)
        if len(g.char_slots):
            w = tfidf(g.char_slots, self.char_idf, occurrences=True)
            share = (w.values * char_coef[w.slots] / w.counts)[w.occurrence]
            lengths = g.char_ends - g.char_starts
            # Spread each n-gram's share over its characters: add at its start, take off at its end, sum up.
            size = len(prepared) + 1
            spread = share / lengths
            per_char = np.cumsum(
                np.bincount(g.char_starts, weights=spread, minlength=size)
                - np.bincount(g.char_ends, weights=spread, minlength=size)
            )
        spans = [m.span() for m in _WORD_RE.finditer(prepared)]
        starts = np.array([a for a, _ in spans], dtype=np.int64)
        ends = np.array([b for _, b in spans], dtype=np.int64)
        size = len(prepared) + 1
        by_start = np.zeros(size)  # word n-gram weight, by where its words start and end
        by_end = np.zeros(size)
        if len(g.word_slots):
            w = tfidf(g.word_slots, self.word_idf, occurrences=True)
            share = (w.values * word_coef[w.slots] / w.counts)[w.occurrence]
            lo, hi = self.features.word_ngrams
            # The words come first, then their stems, then the pairs.
            single = len(spans) * ((lo <= 1 <= hi) + self.features.word_stems)
            by_start += np.bincount(g.word_starts[:single], weights=share[:single], minlength=size)
            # A pair's weight goes half to each of its words.
            by_start += np.bincount(g.word_starts[single:], weights=share[single:] / 2, minlength=size)
            by_end += np.bincount(g.word_ends[single:], weights=share[single:] / 2, minlength=size)
        running = np.concatenate(([0.0], np.cumsum(per_char)))
        totals = running[ends] - running[starts] + by_start[starts] + by_end[ends]
        weights = list(zip(totals.tolist(), starts.tolist(), ends.tolist(), strict=True))
        positive = sorted((w for w in weights if w[0] > 0), reverse=True)
        if not positive:
            return ()
        top = positive[0][0]
        chosen = [w for w in positive[:limit] if w[0] >= least * top]
        return tuple(sorted((offsets[s], offsets[e - 1] + 1) for _, s, e in chosen))

    # --- The file ---

    def to_bytes(self) -> bytes:
        arrays: dict[str, npt.NDArray[Any]] = {
            name: np.ascontiguousarray(getattr(self, name), dtype="<f4") for name in ARRAYS
        }
        stage = self.stage
        if stage is not None:
            for name in STAGE_ARRAYS:
                dtype = "<u4" if name.endswith("slots") else "<f4"
                arrays[f"stage_{name}"] = np.ascontiguousarray(getattr(stage, name), dtype=dtype)
        layout, offset = [], 0
        for name, array in arrays.items():
            size = array.nbytes
            layout.append(
                {"name": name, "dtype": array.dtype.str, "shape": list(array.shape), "offset": offset, "bytes": size}
            )
            offset += size
        header = {
            "format": FORMAT if stage is None else STAGE_FORMAT,
            "compression": "zlib",
            "kind": KIND,
            "features": asdict(self.features),
            "intercept": self.intercept,
            "arrays": layout,
            "metadata": self.metadata,
        }
        if stage is not None:
            header["stage"] = {
                "base_weight": stage.base_weight,
                "intercept": stage.intercept,
                "word_terms": len(stage.word_slots),
                "char_terms": len(stage.char_slots),
            }
        head = json.dumps(header, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
        payload = zlib.compress(b"".join(array.tobytes() for array in arrays.values()), 9)
        body = MAGIC + struct.pack("<Q", len(head)) + head + payload
        return body + hashlib.sha256(body).digest()

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> AbuseModel:
        path = Path(path)
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise ModelError(f"{path} is not a file")
            if size > MAX_FILE_BYTES:
                raise ModelError(f"{path} is {size} bytes, larger than any model this project writes")
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read the model file {path}: {exc.strerror or exc}") from exc
        try:
            model = cls.from_bytes(data)
        except ModelError as exc:
            raise ModelError(f"{path}: {exc}") from exc
        model.source = (str(path.resolve()), hashlib.sha256(data).hexdigest())
        return model

    @classmethod
    def from_bytes(cls, data: bytes) -> AbuseModel:
        if not data.startswith(MAGIC):
            raise ModelError("not a Newsroom model file (it does not start with the model header)")
        if len(data) < len(MAGIC) + 8 + 32:
            raise ModelError("the file is cut short")
        body, digest = data[:-32], data[-32:]
        if hashlib.sha256(body).digest() != digest:
            raise ModelError("the file's checksum does not match: it is corrupt or was changed after training")
        (head_length,) = struct.unpack("<Q", body[len(MAGIC) : len(MAGIC) + 8])
        head_end = len(MAGIC) + 8 + head_length
        if head_end > len(body):
            raise ModelError("the header runs past the end of the file")
        if head_length > MAX_HEADER_BYTES:
            raise ModelError(f"the header is {head_length:,} bytes, more than the {MAX_HEADER_BYTES:,} any model needs")
        try:
            header = loads(body[len(MAGIC) + 8 : head_end])
        except FileFormatError as exc:
            raise ModelError(f"the header cannot be read: {exc}") from None
        if not isinstance(header, dict) or header.get("kind") != KIND:
            raise ModelError(
                f"the file holds another kind of model ({header.get('kind') if isinstance(header, dict) else '?'})"
            )
        if header.get("format") not in READS_FORMATS:
            raise ModelError(f"model file format {header.get('format')!r}; this version reads formats {READS_FORMATS}")
        features = Features.from_dict(header.get("features") or {})
        expected = {
            "word_idf": 1 << features.word_bits,
            "word_coef": 1 << features.word_bits,
            "char_idf": 1 << features.char_bits,
            "char_coef": 1 << features.char_bits,
        }
        dtypes = dict.fromkeys(expected, "<f4")
        stage_header = header.get("stage")
        if stage_header is not None:
            if header.get("format") != STAGE_FORMAT or not isinstance(stage_header, dict):
                raise ModelError("the site stage is not described as this version writes one")
            for kind, bits in (("word", features.word_bits), ("char", features.char_bits)):
                terms = stage_header.get(f"{kind}_terms")
                if isinstance(terms, bool) or not isinstance(terms, int) or not 0 <= terms <= 1 << bits:
                    raise ModelError(f"the site stage's {kind}_terms is not a count of slots")
                expected[f"stage_{kind}_slots"] = expected[f"stage_{kind}_coef"] = terms
                dtypes[f"stage_{kind}_slots"], dtypes[f"stage_{kind}_coef"] = "<u4", "<f4"
        payload = _inflate(body[head_end:], header.get("compression"), 4 * sum(expected.values()))
        arrays: dict[str, npt.NDArray[Any]] = {}
        entries = header.get("arrays") or []
        if not isinstance(entries, list):
            raise ModelError("the header's array layout is not a list")
        for entry in entries:
            name = entry.get("name") if isinstance(entry, dict) else None
            if name not in expected or name in arrays:
                raise ModelError(f"unexpected array {name!r} in the model file")
            if entry.get("dtype") != dtypes[name] or entry.get("shape") != [expected[name]]:
                raise ModelError(f"array {name} has the wrong type or shape")
            offset, size = entry.get("offset"), entry.get("bytes")
            if not isinstance(offset, int) or size != expected[name] * 4 or offset < 0 or offset + size > len(payload):
                raise ModelError(f"array {name} lies outside the file")
            array = np.frombuffer(payload, dtype=dtypes[name], count=expected[name], offset=offset)
            if name in RANGES:
                _check_range(name, array, *RANGES[name])
            arrays[name] = array
        missing = set(expected) - set(arrays)
        if missing:
            raise ModelError(f"the model file lacks {', '.join(sorted(missing))}")
        intercept = _number(header.get("intercept"), "the intercept", MAX_INTERCEPT)
        metadata = header.get("metadata")
        stage = None
        if stage_header is not None:
            stage = _read_stage(stage_header, arrays)
        model = cls(
            features=features,
            intercept=intercept,
            metadata=metadata if isinstance(metadata, dict) else {},
            word_idf=arrays["word_idf"],
            word_coef=arrays["word_coef"],
            char_idf=arrays["char_idf"],
            char_coef=arrays["char_coef"],
            stage=stage,
        )
        if model._folded is not None:  # what scores must make sense too, not only each part
            word_coef, char_coef, folded_intercept = model._folded
            _check_range("word_coef with the stage", word_coef, *RANGES["word_coef"])
            _check_range("char_coef with the stage", char_coef, *RANGES["char_coef"])
            _number(folded_intercept, "the intercept with the stage", MAX_INTERCEPT)
        return model


def _number(value: object, what: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"{what} is not a number")
    if not -limit <= value <= limit:
        raise ModelError(f"{what} is {value:g}, outside -{limit:g} to {limit:g}, which no trained model has")
    return float(value)


def _check_range(name: str, array: npt.NDArray[Any], low: float, high: float) -> None:
    if not np.isfinite(array).all():
        raise ModelError(f"array {name} holds values that are not numbers")
    if len(array) and not (low <= float(array.min()) and float(array.max()) <= high):
        raise ModelError(f"array {name} holds values outside {low:g} to {high:g}, which no trained model has")


def _read_stage(header: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> Stage:
    for kind in ("word", "char"):
        _check_range(f"stage_{kind}_coef", arrays[f"stage_{kind}_coef"], *RANGES[f"{kind}_coef"])
    return Stage(
        base_weight=_number(header.get("base_weight"), "the site stage's base weight", MAX_BASE_WEIGHT),
        intercept=_number(header.get("intercept"), "the site stage's intercept", MAX_INTERCEPT),
        word_slots=arrays["stage_word_slots"],
        word_coef=arrays["stage_word_coef"],
        char_slots=arrays["stage_char_slots"],
        char_coef=arrays["stage_char_coef"],
    )


def _fold(model: AbuseModel) -> tuple[Floats, Floats, float]:
    """The coefficients and intercept of a model with its stage, as one linear model: the stage acts on
    the same TF-IDF vector, so its log-odds add to the model's."""
    stage = model.stage
    assert stage is not None
    for kind, slots, coef, bits in (
        ("word", stage.word_slots, stage.word_coef, model.features.word_bits),
        ("char", stage.char_slots, stage.char_coef, model.features.char_bits),
    ):
        if len(slots) != len(coef):
            raise ModelError(f"the site stage has {len(slots)} {kind} slots and {len(coef)} coefficients")
        if len(slots) and (int(slots[-1]) >= 1 << bits or not (np.diff(slots.astype(np.int64)) > 0).all()):
            raise ModelError(f"the site stage's {kind} slots are not distinct slots in order")
    word = (model.word_coef * np.float32(stage.base_weight)).astype(np.float32)
    char = (model.char_coef * np.float32(stage.base_weight)).astype(np.float32)
    word[stage.word_slots] += stage.word_coef
    char[stage.char_slots] += stage.char_coef
    return word, char, model.intercept * stage.base_weight + stage.intercept


def _inflate(stored: bytes, compression: object, expected_bytes: int) -> bytes:
    """The arrays' bytes; never more than ``expected_bytes`` are inflated, whatever the file claims."""
    if compression is None:
        return stored
    if compression != "zlib":
        raise ModelError(f"unknown compression {compression!r}")
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(stored, expected_bytes)
    except zlib.error as exc:
        raise ModelError(f"the arrays cannot be decompressed ({exc})") from exc
    if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
        raise ModelError("the arrays do not decompress to the size the header gives")
    return payload


class Scorer(Protocol):
    """What the verdict asks of a model: a chance, and the spans behind it."""

    def score(self, text: str) -> float: ...

    def explain(self, text: str, limit: int = EXPLAIN_LIMIT) -> tuple[tuple[int, int], ...]: ...


@dataclass(frozen=True)
class Findings:
    """The context-free checks' reasons (``checks.CONTEXT_FREE``) for each text of a batch, worked out beside the
    model's scores (in ``moderation.ahead``'s second process) under some word lists (``Policy.word_lists``)."""

    checks: tuple[str, ...]  # the checks' module names
    word_lists: tuple[tuple[str, ...], tuple[str, ...]]  # the blocked and allowed words they read
    # Each text worked out: each check's reasons (most are empty: one mapping shared by the texts with none).
    found: dict[str, Mapping[str, Sequence[Reason]]]

    def of(self, text: str, word_lists: tuple[tuple[str, ...], tuple[str, ...]]) -> Mapping[str, Sequence[Reason]]:
        """The checks' reasons for ``text``, by check: nothing for a text not worked out, nor for other word
        lists (a policy changed since has every check run again)."""
        if word_lists != self.word_lists:
            return NOTHING_KNOWN
        return self.found.get(text, NOTHING_KNOWN)


NOTHING_KNOWN: Mapping[str, Sequence[Reason]] = MappingProxyType({})


class BatchScores:
    """Chances computed in advance for a batch of texts, and maybe the spans of some; the rest is asked of the
    model. ``findings``: the context-free checks' reasons for these texts, worked out beside the scores."""

    def __init__(
        self,
        model: AbuseModel,
        known: dict[str, float],
        spans: dict[str, tuple[tuple[int, int], ...]] | None = None,
        findings: Findings | None = None,
    ) -> None:
        self.model, self.known, self.spans, self.findings = model, known, spans or {}, findings

    def worked_out(self, text: str, policy: Policy) -> Mapping[str, Sequence[Reason]]:
        """The reasons of the checks worked out for ``text`` under ``policy``, by check (``Findings.of``)."""
        findings = self.findings
        return NOTHING_KNOWN if findings is None else findings.of(text, policy.word_lists)

    def score(self, text: str) -> float:
        known = self.known.get(text)
        return known if known is not None else self.model.score(text)

    def explain(self, text: str, limit: int = EXPLAIN_LIMIT) -> tuple[tuple[int, int], ...]:
        known = self.spans.get(text) if limit == EXPLAIN_LIMIT else None
        return known if known is not None else self.model.explain(text, limit)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
