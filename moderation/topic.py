"""Is a comment about the article it is posted under, or about the comment it answers?

Word overlap alone is weak: many genuine comments share no word with the article.
So the evidence is weighed from three sources, all built from plain text:

- the article: its words weighted by how often they occur there and how specific
  they are (names and long words count more than short common ones);
- the parent comment, for a reply: answering what someone said is on-topic;
- the conversation: words that the article's published comments use, so the
  vocabulary readers bring (``ceasefire``, ``Doha``) counts once others use it too;
- and, weakly, the vocabulary of news commentary in general (government, war,
  election, economy ...): a comment arguing politics under a news story is rarely
  unrelated chatter.

Short comments (``Exactly.``, ``Source?``) are not judged at all: a score of 0.

The evidence ratio becomes a probability by a logistic map fitted on real posts that
nobody here wrote (``bench/topic.py``: OLID 2019 tweets grouped by topic hashtag,
each group's own posts as the "article" and conversation, probes from the same
topic and from others), then moved from that set's even odds to the share of
off-topic comments a news comment section has (``OFF_TOPIC_PRIOR``). Absent words
are weak evidence: real readers bring their own (a grandfather who served, another
war), so a comment is held only when the evidence is strong, and the policy can
publish and flag instead of holding.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from moderation.normalize import fold
from moderation.wordlists import english_frequencies, words

WORD_RE = re.compile(r"[a-z][a-z0-9']*[a-z0-9]|[a-z]")

STOPWORDS = words("stopwords")

# The vocabulary of arguing about public affairs: weak evidence that a comment
# under a news story is about the story, whatever the story.
NEWS_DISCOURSE = words("news-discourse")


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


# Each word seen, once: its (stem, specificity), or None for a word that says nothing of a topic.
# A plain dict read in the loop below costs a fraction of a cached call per word.
_CONTENT: dict[str, tuple[str, float] | None] = {}
_CONTENT_LIMIT = 200_000


# Plain ASCII splits faster by a translation and str.split than by WORD_RE: into runs of letters,
# digits and apostrophes, each holding at most one word WORD_RE would find ("1st" holds "st").
_NOT_IN_WORDS = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "'")}


_UNSEEN = ("", -1.0)  # never a word's entry: a word unseen so far


def _content(chunk: str) -> tuple[str, float] | None:
    if len(_CONTENT) >= _CONTENT_LIMIT:
        _CONTENT.clear()
    found = None
    for word in WORD_RE.findall(chunk):
        found = None if word in STOPWORDS or len(word) < 3 or word.isdigit() else term(word)
    _CONTENT[chunk] = found
    return found


def content_terms(text: str, *, folded: bool = False) -> dict[str, float]:
    """The content words of a text as {stem: specificity}."""
    terms: dict[str, float] = {}
    known = _CONTENT
    folded_text = text if folded else fold(text)
    ascii_only = folded_text.isascii()
    chunks = folded_text.translate(_NOT_IN_WORDS).split() if ascii_only else WORD_RE.findall(folded_text)
    # Each word once, in the order first seen (a repeat adds nothing: the same stem, as specific).
    for word in dict.fromkeys(chunks):
        found = known.get(word, _UNSEEN)
        if found is _UNSEEN:
            found = _content(word)
        if found is not None:
            stemmed, specificity = found
            if specificity > terms.get(stemmed, 0.0):
                terms[stemmed] = specificity
    return terms


@lru_cache(maxsize=8192)
def _cached_terms(text: str) -> dict[str, float]:
    """Terms of a parent comment, which many replies share."""
    return content_terms(text)


def conversation_terms(text: str) -> list[str]:
    """The stems a comment brings to its article's conversation (cached: a busy article's latest
    comments are read again for every new one)."""
    return list(_cached_terms(text))


@lru_cache(maxsize=1)
def news_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in NEWS_DISCOURSE)


CAPITAL_RE = re.compile(r"\b[A-Z][a-zA-Z'\-]{2,}")
# A capitalised word that does not open a sentence: a name.
MID_SENTENCE_NAME_RE = re.compile(r"(?<=[a-z,;:] )[A-Z][a-zA-Z'\-]{2,}")
# The same, found faster: a capitalised word after a space, then a look at the character before.
_CAPITALISED_RE = re.compile(r" (?=([A-Z][a-zA-Z'\-]{2,}))")
_BEFORE_A_NAME = frozenset("abcdefghijklmnopqrstuvwxyz,;:")


@dataclass
class ArticleProfile:
    weights: dict[str, float] = field(default_factory=dict)

    def weight(self, stemmed: str) -> float:
        return self.weights.get(stemmed, 0.0)


@lru_cache(maxsize=64)
def article_profile(article_text: str) -> ArticleProfile:
    """Weights of the article's terms: specific terms, names and repeated terms weigh more."""
    counts: Counter[str] = Counter()
    specificity: dict[str, float] = {}
    for word in WORD_RE.findall(fold(article_text)):
        if word in STOPWORDS or len(word) < 3 or word.isdigit():
            continue
        stemmed, spec = term(word)
        counts[stemmed] += 1
        specificity[stemmed] = max(spec, specificity.get(stemmed, 0.0))
    names = {stem(fold(m)) for m in CAPITAL_RE.findall(article_text)}
    weights: dict[str, float] = {}
    for stemmed, count in counts.items():
        spec = max(specificity[stemmed], 0.8 if stemmed in names else 0.0)
        weights[stemmed] = min(1.0, spec * (0.8 + 0.2 * math.log2(1 + count)))
    return ArticleProfile(weights)


# Logistic map of the evidence ratio to P(off-topic) at even odds, fitted by bench/topic.py
# (AUC 0.87 on the topic groups held out from the fit), and the prior it is moved to.
CALIBRATION = (9.86, -4.75)
OFF_TOPIC_PRIOR = 0.10


def probability(ratio: float) -> float:
    """P(off-topic) for an evidence ratio, for a section where about OFF_TOPIC_PRIOR of comments are off-topic."""
    slope, intercept = CALIBRATION
    logit = slope * ratio + intercept + math.log(OFF_TOPIC_PRIOR / (1.0 - OFF_TOPIC_PRIOR))
    return 1.0 / (1.0 + math.exp(-logit))


def _names(original: str) -> set[str]:
    """The stems of capitalised words that do not open a sentence (``MID_SENTENCE_NAME_RE``): names."""
    return {
        _name_stem(m.group(1))
        for m in _CAPITALISED_RE.finditer(original)
        if m.start() and original[m.start() - 1] in _BEFORE_A_NAME
    }


@lru_cache(maxsize=20_000)
def _name_stem(word: str) -> str:
    return stem(fold(word))


@dataclass(frozen=True)
class TopicResult:
    ratio: float  # the evidence ratio: 0 = everything ties it to the article, 1 = nothing does
    probability: float  # calibrated P(off-topic); 0 when not judged
    judged: bool
    unrelated: tuple[str, ...] = ()  # its most specific words found nowhere in the context


MIN_TERMS = 5


def off_topic_score(
    folded: str,
    *,
    article_text: str,
    parent_text: str = "",
    conversation: Mapping[str, int] | None = None,
    original: str = "",
) -> TopicResult:
    """Weigh what ties the comment to the article against what it talks about instead.

    On-topic evidence: its terms found in the article (by their weight there), in the
    parent comment, or used by two or more published comments, plus a little for
    the vocabulary of public affairs. Off-topic evidence: its specific terms found
    nowhere in that context ("banana", "subscription"). Everyday words count for
    little either way, so an oblique but relevant remark is not held. Names the
    article does not mention (another politician, another country) count half as
    off-topic evidence: readers bring related people into a story all the time.
    """
    terms = content_terms(folded, folded=True)
    if len(terms) < MIN_TERMS or not article_text.strip():
        return TopicResult(0.0, 0.0, judged=False)
    profile = article_profile(article_text)
    parent_terms = _cached_terms(parent_text) if parent_text else {}
    generic = news_stems()
    on = 0.0
    general = 0.0
    unrelated: list[tuple[float, str]] = []
    weights = profile.weights
    uses_of = conversation.get if conversation else None
    # Written out with comparisons rather than min() and max(): this loop runs for every word of every comment.
    for stemmed, specificity in terms.items():
        weight = weights.get(stemmed, 0.0)
        if stemmed in parent_terms:
            replied = 0.5 * specificity + 0.3
            if replied > weight:
                weight = replied
        if uses_of is not None:
            uses = uses_of(stemmed, 0)
            if uses >= 2:
                share = 0.15 * uses
                talked = (0.6 if share > 0.6 else share) * specificity
                if talked > weight:
                    weight = talked
        if weight:
            on += weight
        elif stemmed in generic:
            general += 0.25
        else:
            unrelated.append((specificity, stemmed))
    on += min(general, 0.75)
    # The names it uses, read only when some of its words tie it to nothing.
    names = _names(original) if unrelated and original else set()
    off = 0.0
    for specificity, stemmed in unrelated:
        off += specificity * (0.5 if stemmed in names else 1.0)
    ratio = off / (off + 2.0 * on + 0.6)
    words = tuple(stem for _, stem in sorted(unrelated, key=lambda pair: (-pair[0], pair[1]))[:3])
    return TopicResult(round(ratio, 3), round(probability(ratio), 3), judged=True, unrelated=words)


def surface_words(folded: str, stems: Iterable[str]) -> list[str]:
    """The words of the text that have these stems, in the order of ``stems``: what a message can quote."""
    wanted = list(stems)
    found: dict[str, str] = {}
    for word in WORD_RE.findall(folded):
        stemmed = term(word)[0] if len(word) >= 3 else ""
        if stemmed in wanted and stemmed not in found:
            found[stemmed] = word
    return [found[s] for s in wanted if s in found]
