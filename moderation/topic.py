"""Is a comment about the article it is posted under, or about the thread it joins?

Relatedness is read from words, weighed by how rare they are in English (wordfreq's
frequencies: a shared "Khalilzad" says much, a shared "people" nothing) and compared
on their stems (Snowball), with two figures:

- how similar the comment is to what it answers: a cosine between its words and those
  of the article (a word the article repeats, or a name in it, weighs more), the words
  the article's readers use (the conversation: ``ceasefire`` once others say it), the
  comment it replies to and the rest of its thread. The best of these counts: a reply
  about its parent's subject is on-topic whatever the story.
- how much it says that none of these mention: the rarity of its words found nowhere
  in that context ("banana", "subscription").

Similarity is strong evidence and its absence weak: on real news many genuine comments
share no content word with their story, and readers bring their own (a grandfather who
served, another war). So unrelated words count only as far as nothing ties the comment
to its context, and on a log scale: the evidence grows with how much a comment says about
something else, never with what it leaves out. Short comments (``Exactly.``, ``Source?``)
are not judged at all.

The evidence becomes a probability by a logistic map fitted on real posts that nobody
here wrote (``bench/topic.py``: OLID 2019 tweets grouped by topic hashtag, the hashtags
removed, each group's own posts as the "article" and conversation, probes from the same
topic and from others), then moved from that set's even odds to the share of off-topic
comments a news comment section has (``OFF_TOPIC_PRIOR``). Even so the evidence is
rarely strong, so the policy holds only at a high chance and can publish and flag below it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from moderation.normalize import fold
from moderation.wordlists import english_frequencies, words

WORD_RE = re.compile(r"[a-z][a-z0-9']*[a-z0-9]|[a-z]")

STOPWORDS = words("stopwords")


@lru_cache(maxsize=1)
def _english() -> tuple[Any, dict[str, float]]:
    # Loaded on first use: Snowball's English stemmer (PyStemmer, in C) and wordfreq's list of
    # common English words, both shipped inside their packages (no download).
    import Stemmer

    return Stemmer.Stemmer("english"), english_frequencies()


@lru_cache(maxsize=200_000)
def term(word: str) -> tuple[str, float]:
    """A word's stem and how specific it is: 1 for rare words and names, about 0.1 for everyday ones."""
    stemmer, frequencies = _english()
    word = word.strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    frequency = frequencies.get(word, 0.0)
    zipf = math.log10(frequency) + 9 if frequency > 0 else 1.0
    specificity = min(1.0, max(0.1, (6.0 - zipf) / 3.0))
    return stemmer.stemWord(word), specificity


def stem(word: str) -> str:
    return term(word)[0]


# Each word seen, once: its (stem, specificity), or NOTHING for a word that says nothing of a topic.
# A plain dict read in the loops below costs a fraction of a cached call per word.
NOTHING = ("", 0.0)  # no stem; no specificity, so never kept (every word's is at least EVERYDAY)
_CONTENT: dict[str, tuple[str, float]] = {}
_CONTENT_LIMIT = 200_000


# Plain ASCII splits faster by a translation and str.split than by WORD_RE: into runs of letters,
# digits and apostrophes, each holding at most one word WORD_RE would find ("1st" holds "st").
_NOT_IN_WORDS = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "'")}


def _content(chunk: str) -> tuple[str, float]:
    """The entry of a chunk: its last word's, as WORD_RE finds words (a word WORD_RE found is its own chunk)."""
    if len(_CONTENT) >= _CONTENT_LIMIT:
        _CONTENT.clear()
    found = NOTHING
    for word in WORD_RE.findall(chunk):
        found = NOTHING if word in STOPWORDS or len(word) < 3 or word.isdigit() else term(word)
    _CONTENT[chunk] = found
    return found


def _entries(words: Collection[str]) -> list[tuple[str, float]]:
    """Each word's entry, looked up in C; those of words unseen so far made."""
    found = list(map(_CONTENT.get, words))
    if None in found:
        return [entry or _content(word) for word, entry in zip(words, found, strict=True)]
    return cast(list[tuple[str, float]], found)


def content_terms(text: str, *, folded: bool = False) -> dict[str, float]:
    """The content words of a text as {stem: specificity}."""
    folded_text = text if folded else fold(text)
    ascii_only = folded_text.isascii()
    chunks = folded_text.translate(_NOT_IN_WORDS).split() if ascii_only else WORD_RE.findall(folded_text)
    # Each word once, in the order first seen (a repeat adds nothing: the same stem, as specific).
    kept = [entry for entry in _entries(dict.fromkeys(chunks)) if entry[1]]
    # Each stem where its first word put it; when words share a stem, the most specific one's figure.
    terms = dict(kept)
    if len(terms) < len(kept):
        for stemmed, specificity in kept:
            if specificity > terms[stemmed]:
                terms[stemmed] = specificity
    return terms


# The latest comments' terms, by their text: the on-topic check reads a comment's terms, then the conversation
# reads them again if it joins, and the web builds a conversation from the same published comments for each post.
_TERMS: dict[str, dict[str, float]] = {}
_TERMS_LIMIT = 8192


def comment_terms(text: str, folded: str | None = None) -> dict[str, float]:
    """``content_terms`` of a comment (``folded``: its ``fold``, when the caller has it), kept for the latest
    comments. Shared: not to be changed."""
    terms = _TERMS.get(text)
    if terms is None:
        if len(_TERMS) >= _TERMS_LIMIT:
            _TERMS.clear()
        terms = _TERMS[text] = content_terms(fold(text) if folded is None else folded, folded=True)
    return terms


def conversation_terms(text: str) -> list[str]:
    """The stems a comment brings to its article's conversation."""
    return list(comment_terms(text))


# A capitalised word: r"\b[A-Z][a-zA-Z'\-]{2,}", written to open with the capital so that the engine skips
# to the next one in C, then looks back for the boundary (the same matches, in half the time).
CAPITAL_RE = re.compile(r"[A-Z](?<=\b[A-Z])[a-zA-Z'\-]{2,}")


# The specificity of the commonest words of English (``term``'s floor: "people", "said", "help"): a word
# counts for as much as it is more specific than that, so sharing only such words with a story is no sign
# of being about it, and using them no sign of being about something else.
EVERYDAY = 0.1


@dataclass(frozen=True)
class Profile:
    """What a text is about, as a vector: each stem's weight, and the vector's length (for a cosine)."""

    weights: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0


@dataclass(frozen=True)
class _Tally:
    """What a profile is made of, before it is weighed: how often each stem is used (in the order first
    used), its greatest specificity, and the stems of names. The tally of texts joined by line breaks is
    their tallies added up in order (no word or name spans a line break), which ``_thread_profile`` uses."""

    counts: dict[str, int]
    specificity: dict[str, float]
    names: frozenset[str]


def _tally(text: str) -> _Tally:
    folded = fold(text)
    # Each word's entry (what content_terms reads too), then only the content words': counted in C. Plain ASCII
    # is split as content_terms splits it: into chunks holding at most one word each, whose entry is that word's.
    words = folded.translate(_NOT_IN_WORDS).split() if folded.isascii() else WORD_RE.findall(folded)
    content = [entry for entry in _entries(words) if entry[1]]
    counts = Counter(map(itemgetter(0), content))
    specificity: dict[str, float] = {}
    for stemmed, spec in content:
        if spec > specificity.get(stemmed, 0.0):
            specificity[stemmed] = spec
    return _Tally(counts, specificity, frozenset(stem(fold(m)) for m in set(CAPITAL_RE.findall(text))))


def _weigh(tally: _Tally) -> Profile:
    names, specificity = tally.names, tally.specificity
    weights = {}
    log = math.log
    for stemmed, count in tally.counts.items():
        spec = specificity[stemmed]
        if spec < 0.8 and stemmed in names:
            spec = 0.8
        spec -= EVERYDAY
        if spec > 0.0:
            # (1 + ln 1 is 1: most words come once)
            weights[stemmed] = spec if count == 1 else spec * (1.0 + log(count))
    return Profile(weights, math.sqrt(sum(w * w for w in weights.values())))


def profile(text: str) -> Profile:
    """A text's terms weighted by specificity above EVERYDAY and by how often it uses them (1 + ln of the
    count): the words a story keeps coming back to weigh more, and so do its names (a capitalised word)."""
    return _weigh(_tally(text))


@lru_cache(maxsize=64)
def article_profile(article_text: str) -> Profile:
    return profile(article_text)


_NOTHING = Profile()  # no parent, no thread


@lru_cache(maxsize=4096)
def _comment_tally(text: str) -> _Tally:
    """A comment's tally, read once whether it is a parent or in the thread above one (many replies share them)."""
    return _tally(text)


@lru_cache(maxsize=4096)
def _reply_profile(text: str) -> Profile:
    """The profile of a parent comment, which its replies share."""
    return _weigh(_comment_tally(text))


@lru_cache(maxsize=1024)
def _thread_profile(thread: tuple[str, ...]) -> Profile:
    """The profile of a thread's comments joined by line breaks, added up from each comment's tally: the
    same figures as ``profile("\n".join(thread))`` without reading again comments read for earlier replies."""
    if len(thread) == 1:
        return _reply_profile(thread[0])
    counts: Counter[str] = Counter()
    specificity: dict[str, float] = {}
    names: set[str] = set()
    for text in thread:
        tally = _comment_tally(text)
        counts.update(tally.counts)
        for stemmed, spec in tally.specificity.items():
            if spec > specificity.get(stemmed, 0.0):
                specificity[stemmed] = spec
        names.update(tally.names)
    return _weigh(_Tally(counts, specificity, frozenset(names)))


# The shape of the evidence, chosen on the calibration topics of bench/topic.py: how fast similarity
# silences unrelated words (gone at a cosine of 1/SILENCING**2 = 0.25), and how much it weighs alone.
SILENCING = 2.0
SIMILARITY_WEIGHT = 1.5
# A word the article's readers use counts as the article's: fully once USED_BY_ALL of its conversation's
# comments use it, in proportion from two (one reader's word is not yet the conversation's).
USED_BY_ALL = 4

# Logistic map of the evidence to P(off-topic) at even odds, fitted by bench/topic.py on its
# calibration topics, and the prior it is moved to.
CALIBRATION = (1.58, -0.88)
OFF_TOPIC_PRIOR = 0.10


def probability(evidence: float) -> float:
    """P(off-topic) for the evidence, for a section where about OFF_TOPIC_PRIOR of comments are off-topic."""
    slope, intercept = CALIBRATION
    logit = slope * evidence + intercept + math.log(OFF_TOPIC_PRIOR / (1.0 - OFF_TOPIC_PRIOR))
    if logit < -50.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-logit))


def evidence_of(similarity: float, unrelated: float) -> float:
    """How strongly a comment looks off-topic: the unrelated words' weight (on a log scale) as far as
    similarity leaves them standing, less the similarity itself. Below zero: it is about its context."""
    close = math.sqrt(similarity)
    left = 1.0 - SILENCING * close
    return (math.log1p(unrelated) * left if left > 0.0 else 0.0) - SIMILARITY_WEIGHT * close


@dataclass(frozen=True)
class TopicResult:
    evidence: float  # below 0, its context vouches for it; the higher, the more it says that nothing there does
    probability: float  # calibrated P(off-topic); 0 when not judged
    judged: bool
    unrelated: tuple[str, ...] = ()  # its most specific words found nowhere in the context
    similarity: float = 0.0  # the cosine with what it answers best: the article, its parent or its thread


MIN_TERMS = 5


def off_topic_score(
    folded: str,
    *,
    article_text: str,
    parent_text: str = "",
    thread: Iterable[str] = (),
    conversation: Mapping[str, int] | None = None,
    terms: Mapping[str, float] | None = None,
) -> TopicResult:
    """Weigh what ties the comment to its context against what it talks about instead.

    Its similarity is the best of three cosines: with the article (and the words its readers
    use: a word in two or more of the conversation's comments counts as the article's), with
    the comment it answers, and with the rest of its thread (``thread``: the comments above
    the parent). Its unrelated words are those in none of them, weighed by their specificity. ``terms``: the
    comment's ``content_terms``, when the caller has them.
    """
    if terms is None:
        terms = content_terms(folded, folded=True)
    if not article_text.strip():
        return TopicResult(0.0, 0.0, judged=False)
    article = article_profile(article_text)
    parent = _reply_profile(parent_text) if parent_text else _NOTHING
    thread = tuple(thread)
    around = _thread_profile(thread) if any(thread) else _NOTHING
    in_article = article.weights.get
    # None where there is nothing to look in (most comments answer no one): two look-ups a word saved.
    in_parent = parent.weights.get if parent.weights else None
    in_thread = around.weights.get if around.weights else None
    uses_of = conversation.get if conversation else None
    on_article = on_parent = on_thread = length = 0.0
    unrelated: list[tuple[float, str]] = []
    # Written out rather than with helpers: this loop runs for every word of every comment.
    for stemmed, specificity in terms.items():
        if specificity <= EVERYDAY:
            continue
        specificity -= EVERYDAY
        length += specificity * specificity
        related = False
        weight = in_article(stemmed)
        if weight is not None:
            on_article += specificity * weight
            related = True
        elif uses_of is not None:
            uses = uses_of(stemmed, 0)
            if uses >= 2:
                on_article += specificity * specificity * (uses / USED_BY_ALL if uses < USED_BY_ALL else 1.0)
                related = True
        if in_parent is not None and (weight := in_parent(stemmed)) is not None:
            on_parent += specificity * weight
            related = True
        if in_thread is not None and (weight := in_thread(stemmed)) is not None:
            on_thread += specificity * weight
            related = True
        if not related:
            unrelated.append((specificity, stemmed))
    similarity = 0.0
    if length:
        length = math.sqrt(length)
        for on, norm in ((on_article, article.norm), (on_parent, parent.norm), (on_thread, around.norm)):
            if on and on / (length * norm) > similarity:
                similarity = min(on / (length * norm), 1.0)
    evidence = evidence_of(similarity, sum(specificity for specificity, _ in unrelated))
    judged = len(terms) >= MIN_TERMS
    words = tuple(stem for _, stem in sorted(unrelated, key=lambda pair: (-pair[0], pair[1]))[:3])
    return TopicResult(
        round(evidence, 3),
        round(probability(evidence), 3) if judged else 0.0,
        judged=judged,
        unrelated=words,
        similarity=round(similarity, 3),
    )


def surface_words(folded: str, stems: Iterable[str]) -> list[str]:
    """The words of the text that have these stems, in the order of ``stems``: what a message can quote."""
    wanted = list(stems)
    found: dict[str, str] = {}
    for word in WORD_RE.findall(folded):
        stemmed = term(word)[0] if len(word) >= 3 else ""
        if stemmed in wanted and stemmed not in found:
            found[stemmed] = word
    return [found[s] for s in wanted if s in found]
