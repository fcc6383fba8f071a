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
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .normalize import fold

WORD_RE = re.compile(r"[a-z][a-z0-9']*[a-z0-9]|[a-z]")

STOPWORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another any anyone anything
    are aren't around as at away back be because been before being below between both but by can can't cannot
    could couldn't did didn't do does doesn't doing don't done down during each either else enough even ever every
    everyone everything few for from further get gets getting give given go goes going gone got had hadn't has
    hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i
    i'd i'll i'm i've if in into is isn't it it's its itself just know let let's like likely made make makes many
    may maybe me might mine more most much must mustn't my myself need needs never no nobody none nor not nothing
    now of off often oh ok okay on once one only or other others otherwise our ours ourselves out over own per
    perhaps please put quite rather really right said same say says see seem seems shall shan't she she'd she'll
    she's should shouldn't since so some someone something still such sure take than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've thing things think this
    those though through thus to too toward towards under until up upon us use used very via want wants was
    wasn't way we we'd we'll we're we've well were weren't what what's whatever when when's where where's whether
    which while who who's whoever whole whom whose why why's will with within without won't would wouldn't yeah
    yes yet you you'd you'll you're you've your yours yourself yourselves lol yes no mr mrs ms dr also
    time times year years day days good bad great lot lots people person new old first last long little big
    another every thing always never actually agree disagree article story news read comment comments true
    false point fact facts anyway""".split()
)

# The vocabulary of arguing about public affairs: weak evidence that a comment
# under a news story is about the story, whatever the story.
NEWS_DISCOURSE = frozenset(
    """
    government govern country countri nation nations national state states war wars peace military army troops
    soldier soldiers politic politics politician politicians leader leaders leadership president minister prime
    election elections vote voters deal deals talks negotiat treaty agreement policy policies law laws rights
    security economy economic trade sanction sanctions conflict violence terror terrorism terrorist terrorists
    diplomacy diplomat diplomatic international foreign region regional border borders power powers regime
    democracy corruption corrupt official officials administration congress parliament senate court courts
    justice crime police protest protests media history historical invasion occupation withdrawal ceasefire
    refugees refugee aid humanitarian weapons nuclear intelligence allies ally alliance enemy civilians
    prisoners prisoner hostage hostages release released negotiations envoy embassy ambassador statement
    """.split()
)


def stem(word: str) -> str:
    """A deliberately crude stem: enough to meet ``negotiations`` with ``negotiate``."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.strip("'")
    if len(word) > 6:
        return word[:6]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_stems(text: str, *, folded: bool = False) -> list[str]:
    words = WORD_RE.findall(text if folded else fold(text))
    return [stem(w) for w in words if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]


NEWS_STEMS = frozenset(stem(w) for w in NEWS_DISCOURSE)
CAPITAL_RE = re.compile(r"\b[A-Z][a-zA-Z'\-]{2,}")


@dataclass
class ArticleProfile:
    weights: dict[str, float] = field(default_factory=dict)

    def weight(self, term: str) -> float:
        return self.weights.get(term, 0.0)


@lru_cache(maxsize=64)
def article_profile(article_text: str) -> ArticleProfile:
    """Weights of the article's terms: repeated, named and long terms weigh more."""
    counts = Counter(content_stems(article_text))
    names = {stem(fold(m)) for m in CAPITAL_RE.findall(article_text)}
    weights: dict[str, float] = {}
    for term, count in counts.items():
        specificity = 1.0 if (term in names or len(term) >= 6) else 0.6
        weights[term] = min(1.0, specificity * (0.7 + 0.3 * math.log1p(count)))
    return ArticleProfile(weights)


def conversation_vocabulary(texts: Iterable[str]) -> Counter[str]:
    """How many of the given comments use each term (document frequency)."""
    vocabulary: Counter[str] = Counter()
    for text in texts:
        vocabulary.update(set(content_stems(text)))
    return vocabulary


@dataclass(frozen=True)
class TopicResult:
    score: float  # 0 = on-topic, 1 = off-topic
    evidence: float
    matched: tuple[str, ...]
    judged: bool


MIN_TERMS = 5


def off_topic_score(
    folded: str,
    *,
    article_text: str,
    parent_text: str = "",
    conversation: Mapping[str, int] | None = None,
) -> TopicResult:
    terms = set(content_stems(folded, folded=True))
    if len(terms) < MIN_TERMS or not article_text.strip():
        return TopicResult(0.0, 0.0, (), judged=False)
    profile = article_profile(article_text)
    parent_terms = set(content_stems(parent_text)) if parent_text else set()
    evidence = 0.0
    matched: list[str] = []
    generic = 0.0
    for term in terms:
        weight = profile.weight(term)
        if term in parent_terms:
            weight = max(weight, 0.8)
        if conversation:
            uses = conversation.get(term, 0)
            if uses >= 2:
                weight = max(weight, min(0.6, 0.2 * uses))
        if weight:
            evidence += weight
            matched.append(term)
        elif term in NEWS_STEMS:
            generic += 0.25
    evidence += min(generic, 0.75)
    # Longer comments need more evidence; short ones are given the benefit of the doubt.
    length_factor = min(1.0, (len(terms) - MIN_TERMS + 3) / 8)
    score = math.exp(-1.6 * evidence) * length_factor
    return TopicResult(round(score, 3), round(evidence, 3), tuple(sorted(matched)), judged=True)
