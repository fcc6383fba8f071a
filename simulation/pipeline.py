"""Moderate a stream in order, with the context a live page would have had.

For every comment the context is built by ``moderation.build_context`` — the one
builder the web uses too — from what the stream has shown so far: the article (or
the record's own article text), the parent comment, the vocabulary of the latest
comments that joined the conversation, the same words posted within the policy's
duplicate window, and how many of the author's comments were published before. It
is kept in memory, so a simulation of 100,000 comments never queries anything.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from moderation import Context, Conversation, Policy, Recent, Verdict, author_key, build_context
from moderation.context import joins_conversation
from moderation.normalize import fingerprint
from simulation.metrics import Outcome
from simulation.stream import StreamItem


@dataclass
class Decision:
    item: StreamItem
    verdict: Verdict

    @property
    def outcome(self) -> Outcome:
        flagged = tuple(r.code for r in self.verdict.flagged)
        return Outcome(self.verdict.action.value, tuple(self.verdict.codes), self.item.truth, flagged)


def item_author(item: StreamItem) -> str:
    return author_key(item.author, item.email)


class Pipeline:
    def __init__(self, *, article_text: str, policy: Policy) -> None:
        self.article_text = article_text
        self.policy = policy
        self.window = policy.duplicate_window_minutes * 60.0
        self.texts: dict[str, str] = {}
        self.conversation = Conversation()
        # The window's comments by fingerprint: the duplicate check only compares equal ones, so a
        # comment's context is fed just those, and a busy window costs nothing per comment.
        self.recent: deque[tuple[float, str]] = deque()  # (at, fingerprint), oldest first
        self.by_mark: dict[str, deque[Recent]] = {}  # fingerprint -> comments, oldest first
        self.published_by: dict[str, int] = {}

    def context_for(self, item: StreamItem) -> Context:
        while self.recent and self.recent[0][0] < item.at - self.window:
            _, mark = self.recent.popleft()
            same = self.by_mark[mark]
            same.popleft()
            if not same:
                del self.by_mark[mark]
        author = item_author(item)
        return build_context(
            text=item.text,
            author=author,
            at=item.at,
            policy=self.policy,
            article_text=item.article_text or self.article_text,
            parent_text=self.texts.get(item.parent_id, "") if item.parent_id else "",
            recent=self.by_mark.get(fingerprint(item.text), ()),
            conversation=self.conversation.counts,
            author_published_count=self.published_by.get(author, 0),
        )

    def observe(self, item: StreamItem, verdict: Verdict) -> Decision:
        author = item_author(item)
        self.texts[item.id] = item.text
        mark = fingerprint(item.text)
        self.recent.append((item.at, mark))
        self.by_mark.setdefault(mark, deque()).append(Recent(author, item.text, item.at))
        published = verdict.action.value == "publish"
        if published:
            self.published_by[author] = self.published_by.get(author, 0) + 1
        if joins_conversation(published, verdict.scores.get("off_topic", 1.0)):
            self.conversation.add(item.text)
        return Decision(item, verdict)
