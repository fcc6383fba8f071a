"""Moderate a stream in order, with the context a live page would have had.

For every comment the context is built by ``moderation.build_context`` — the one
builder the web uses too — from what the stream has shown so far: the article (or
the record's own article text), the parent comment and the published comments
above it in its thread, the vocabulary of the latest comments that joined the
conversation, the same words posted within the policy's duplicate window, and how
many of the author's comments were published before. It is kept in memory, so a
simulation never queries anything; and only the latest ``REMEMBERED`` comments are
kept for replies to find, so a simulation of any size takes the same memory. (A
reply to a comment further back than that is judged as a new thread; generated
replies answer something among the last hundred or so.)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from moderation import Context, Conversation, Policy, Recent, Verdict, author_key, build_context
from moderation.context import RECENT_SAMPLE, THREAD_SAMPLE, joins_conversation
from moderation.normalize import fingerprint
from simulation.metrics import Outcome
from simulation.stream import StreamItem

# How many of the latest comments a reply can find its parent and thread among.
REMEMBERED = 50_000


@dataclass
class Decision:
    item: StreamItem
    verdict: Verdict

    @property
    def outcome(self) -> Outcome:
        flagged = tuple(r.code for r in self.verdict.flagged)
        return Outcome(self.verdict.action.value, tuple(self.verdict.codes), self.item.truth, flagged)


class Seen(NamedTuple):
    """What a reply's context needs of an earlier comment: its words, whom it answered, whether it was published."""

    text: str
    parent_id: str | None
    published: bool


def item_author(item: StreamItem) -> str:
    return author_key(item.author, item.email)


class Pipeline:
    def __init__(self, *, article_text: str, policy: Policy) -> None:
        self.article_text = article_text
        self.policy = policy
        self.window = policy.duplicate_window_minutes * 60.0
        # The latest comments, by id: a reply finds its parent here, and the thread above it.
        self.seen: dict[str, Seen] = {}
        self._seen_order: deque[str] = deque()
        self.conversation = Conversation()
        # The window's comments by fingerprint: the duplicate check only compares equal ones, so a
        # comment's context is fed just those, and a busy window costs nothing per comment.
        # Of those, the latest RECENT_SAMPLE of each, as the web reads them (``comments.selectors``): a burst of
        # "Agreed." is compared with its last 200, not with thousands.
        self.recent: deque[tuple[str, Recent]] = deque()  # (fingerprint, comment), oldest first
        self.by_mark: dict[str, deque[Recent]] = {}  # fingerprint -> comments, oldest first
        self.published_by: dict[str, int] = {}

    def context_for(self, item: StreamItem) -> Context:
        while self.recent and self.recent[0][1].at < item.at - self.window:
            mark, gone = self.recent.popleft()
            same = self.by_mark.get(mark)
            if same is None:
                continue
            if same and same[0] is gone:  # else it left already, one of more than RECENT_SAMPLE
                same.popleft()
            if not same:
                del self.by_mark[mark]
        author = item_author(item)
        parent = self.seen.get(item.parent_id) if item.parent_id else None
        return build_context(
            text=item.text,
            author=author,
            at=item.at,
            policy=self.policy,
            article_text=item.article_text or self.article_text,
            parent_text=parent.text if parent else "",
            thread=self.thread_above(parent),
            recent=self.by_mark.get(fingerprint(item.text), ()),
            conversation=self.conversation.counts,
            author_published_count=self.published_by.get(author, 0),
        )

    def thread_above(self, parent: Seen | None) -> list[str]:
        """The published comments above a reply's parent, nearest first, THREAD_SAMPLE steps up at most:
        the rule of the web's ``comments.selectors._thread_above``, which reads the same from the database."""
        texts: list[str] = []
        above = parent.parent_id if parent else None
        for _ in range(THREAD_SAMPLE):
            comment = self.seen.get(above) if above is not None else None
            if comment is None:
                break
            if comment.published:
                texts.append(comment.text)
            above = comment.parent_id
        return texts

    def observe(self, item: StreamItem, verdict: Verdict) -> Decision:
        author = item_author(item)
        published = verdict.action.value == "publish"
        if item.id not in self.seen:
            self._seen_order.append(item.id)
            if len(self._seen_order) > REMEMBERED:
                del self.seen[self._seen_order.popleft()]
        self.seen[item.id] = Seen(item.text, item.parent_id, published)
        mark = fingerprint(item.text)
        recent = Recent(author, item.text, item.at)
        self.recent.append((mark, recent))
        same = self.by_mark.get(mark)
        if same is None:
            same = self.by_mark[mark] = deque(maxlen=RECENT_SAMPLE)
        same.append(recent)
        if published:
            self.published_by[author] = self.published_by.get(author, 0) + 1
        if joins_conversation(published, verdict.scores.get("off_topic", 1.0)):
            self.conversation.add(item.text)
        return Decision(item, verdict)
