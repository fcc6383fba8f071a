"""What the filter knows about a comment besides its text, built one way whoever asks.

The web fills it from database rows, the simulator from the stream it replays; both
hand the same facts to :func:`build_context`, so a comment gets the same context
either way (``tests/comments/test_context_feeds.py`` holds them to it)::

    context = build_context(
        text=body, author=author_key(name, email), at=now_seconds, policy=policy,
        article_text=article.text_for_relevance(), parent_text=parent.body,
        thread=[grandparent.body, ..., root.body],  # for a reply: the comments above its parent
        recent=[Recent(author_key(n, e), body, at) for ...],  # the article's latest comments
        conversation=Conversation(published_on_topic_texts).counts,
        author_published_count=3,
    )
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice

from moderation.normalize import fingerprint
from moderation.policy import Policy
from moderation.topic import conversation_terms

# Only comments clearly about the article teach it its readers' vocabulary; otherwise
# a few published off-topic remarks would make the next ones look on-topic. (A calibrated
# chance of 0.03 takes a comment with some words shared with the article and hardly any
# unrelated ones: about four in five of our own set's on-topic comments.)
CONVERSATION_MAX_OFF_TOPIC = 0.03
# At most this many comments of a reply's thread are read as its context.
THREAD_SAMPLE = 20
# How many of an article's latest such comments say what its readers talk about.
CONVERSATION_SAMPLE = 200
# At most this many comments with the same words in the duplicate window are compared.
RECENT_SAMPLE = 200


@dataclass(frozen=True)
class Context:
    """Everything is optional: an empty context judges the text alone."""

    article_text: str = ""
    # False for a story known only by its headline (embedded on another site, its text never sent): the
    # on-topic check then has nothing fair to judge against, and flags at most.
    article_known: bool = True
    parent_text: str = ""
    # For a reply, the rest of the thread it joins: the comments above its parent up to the thread's first,
    # nearest first. A reply may answer the thread rather than the story, and that is on-topic.
    thread: tuple[str, ...] = ()
    # How many of the article's latest on-topic published comments use each term.
    conversation: Mapping[str, int] | None = None
    # The same words posted within the policy's window, by this author and by others.
    own_recent: tuple[str, ...] = ()
    others_recent: tuple[str, ...] = ()
    author_published_count: int | None = None  # None: unknown
    # A moderator put the commenter on pre-moderation: why, in a sentence for them ("" if not).
    author_premoderated: str = ""
    # The commenter's comments of the last week, and how many of them were not published.
    author_week_comments: int = 0
    author_week_rejected: int = 0
    # Signs from the form itself: the field hidden from people was filled in; how long it was open.
    honeypot_filled: bool = False
    seconds_to_write: float | None = None


@dataclass(frozen=True)
class Recent:
    """A comment posted before: who (see :func:`author_key`), what, and when (seconds, any epoch)."""

    author: str
    text: str
    at: float


def author_key(name: str, email: str) -> str:
    """Who wrote a comment, to tell one's own recent comments from others': the address, else the name."""
    return (email.strip() or name.strip()).lower()


def joins_conversation(published: bool, off_topic: float) -> bool:
    """Whether a comment teaches the article its readers' vocabulary."""
    return published and off_topic < CONVERSATION_MAX_OFF_TOPIC


class Conversation:
    """The vocabulary of an article's latest comments that joined the conversation, newest last."""

    def __init__(self, texts: Iterable[str] = (), *, size: int = CONVERSATION_SAMPLE) -> None:
        self._terms: deque[frozenset[str]] = deque()
        self._size = size
        self.counts: Counter[str] = Counter()
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        terms = frozenset(conversation_terms(text))
        self._terms.append(terms)
        self.counts.update(terms)
        if len(self._terms) > self._size:
            for term in self._terms.popleft():
                self.counts[term] -= 1
                if not self.counts[term]:
                    del self.counts[term]

    def snapshot(self) -> dict[str, int]:
        return dict(self.counts)


class Conversations:
    """Each story's conversation as this process last counted it, brought up to date from the comments it holds
    now: a server's posts read the same story's latest comments again and again, and its words are counted from
    those that joined or left since, not from all of them each time (on every post, that was a twentieth of its
    time).

    ``counts(story, comments)``: the counts :class:`Conversation` gives for ``comments`` (id and text each, in any
    order), as a new dict. A comment is known by its id and its text's hash (an edited one is counted again).
    Thread-safe. At most ``stories`` stories are kept (about 200 KB each), the least recently asked for dropped
    first."""

    def __init__(self, stories: int = 64) -> None:
        self._stories = stories
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[dict[Hashable, tuple[int, tuple[str, ...]]], Counter[str]]] = (
            OrderedDict()
        )

    def counts(self, story: Hashable, comments: Iterable[tuple[Hashable, str]]) -> dict[str, int]:
        now = dict(comments)
        with self._lock:
            kept, counts = self._kept.pop(story) if story in self._kept else ({}, Counter())
            for key in [key for key, (mark, _) in kept.items() if key not in now or hash(now[key]) != mark]:
                for term in kept.pop(key)[1]:
                    counts[term] -= 1
                    if not counts[term]:
                        del counts[term]
            for key, text in now.items():
                if key not in kept:
                    terms = tuple(set(conversation_terms(text)))
                    kept[key] = (hash(text), terms)
                    counts.update(terms)
            self._kept[story] = (kept, counts)
            while len(self._kept) > self._stories:
                self._kept.popitem(last=False)
            return dict(counts)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def build_context(
    *,
    text: str,
    author: str,
    at: float,
    policy: Policy,
    article_text: str,
    article_known: bool = True,
    parent_text: str = "",
    thread: Iterable[str] = (),
    recent: Iterable[Recent] = (),
    conversation: Mapping[str, int] | None = None,
    author_published_count: int | None = None,
    honeypot_filled: bool = False,
    seconds_to_write: float | None = None,
) -> Context:
    """The context of one comment: ``recent`` may hold any of the article's earlier comments; only
    those within the policy's duplicate window with the same words are kept. ``thread``: for a
    reply, the comments above its parent, nearest first (the first THREAD_SAMPLE are kept)."""
    since = at - policy.duplicate_window_minutes * 60
    mark = fingerprint(text)
    same = [r for r in recent if since <= r.at <= at and fingerprint(r.text) == mark]
    return Context(
        article_text=article_text,
        article_known=article_known,
        parent_text=parent_text,
        thread=tuple(text for text in islice(thread, THREAD_SAMPLE) if text != parent_text) if parent_text else (),
        conversation=conversation,
        own_recent=tuple(r.text for r in same if r.author == author),
        others_recent=tuple(r.text for r in same if r.author != author),
        author_published_count=author_published_count,
        honeypot_filled=honeypot_filled,
        seconds_to_write=seconds_to_write,
    )
