"""Moderate a stream in order, with the context a live page would have had.

For every comment the context holds the article (or the record's own article
text), the parent comment, the vocabulary of the comments published so far, the
same author's and others' comments of the last minutes (for duplicates) and how
many of the author's comments were published before. The web path builds the same
context from the database; here it is kept in memory, so a simulation of 100,000
comments never queries anything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from comments.moderation import Context, Policy, Verdict, moderate
from comments.moderation.spam import fingerprint
from comments.moderation.topic import content_stems

from .metrics import Outcome
from .stream import StreamItem

# Only comments clearly about the article teach it its readers' vocabulary; otherwise
# a few published off-topic remarks would make the next ones look on-topic. (A calibrated
# chance of 0.03 is an evidence ratio of about 0.3: most of its words tie it to the article.)
CONVERSATION_MAX_OFF_TOPIC = 0.03

Judge = Callable[[StreamItem, Context, Policy], Verdict]


def judge_in_memory(item: StreamItem, context: Context, policy: Policy) -> Verdict:
    return moderate(item.text, context, policy)


@dataclass
class Decision:
    item: StreamItem
    verdict: Verdict

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.verdict.action.value, tuple(self.verdict.codes), self.item.truth)


class Pipeline:
    def __init__(self, *, article_text: str, policy: Policy, duplicate_window: float = 600.0) -> None:
        self.article_text = article_text
        self.policy = policy
        self.window = duplicate_window
        self.texts: dict[str, str] = {}
        self.conversation: dict[str, int] = {}
        # The window's comments by fingerprint: the duplicate check only compares equal ones, so a
        # comment's context holds just those, and a busy window costs nothing per comment.
        self.recent: deque[tuple[float, str]] = deque()  # (at, fingerprint), oldest first
        self.by_mark: dict[str, deque[tuple[str, str]]] = {}  # fingerprint -> (author, text), oldest first
        self.published_by: dict[str, int] = {}

    def context_for(self, item: StreamItem) -> Context:
        while self.recent and self.recent[0][0] < item.at - self.window:
            _, mark = self.recent.popleft()
            same = self.by_mark[mark]
            same.popleft()
            if not same:
                del self.by_mark[mark]
        author = item.author.lower()
        same = self.by_mark.get(fingerprint(item.text)) or deque()
        return Context(
            article_text=item.article_text or self.article_text,
            parent_text=self.texts.get(item.parent_id, "") if item.parent_id else "",
            conversation=self.conversation,
            own_recent=tuple(text for who, text in same if who == author),
            others_recent=tuple(text for who, text in same if who != author),
            author_published_count=self.published_by.get(author, 0),
        )

    def observe(self, item: StreamItem, verdict: Verdict) -> Decision:
        author = item.author.lower()
        self.texts[item.id] = item.text
        mark = fingerprint(item.text)
        self.recent.append((item.at, mark))
        self.by_mark.setdefault(mark, deque()).append((author, item.text))
        if verdict.action.value == "publish":
            self.published_by[author] = self.published_by.get(author, 0) + 1
        if verdict.action.value == "publish" and verdict.scores.get("off_topic", 1.0) < CONVERSATION_MAX_OFF_TOPIC:
            for term in set(content_stems(item.text)):
                self.conversation[term] = self.conversation.get(term, 0) + 1
        return Decision(item, verdict)

    def run(self, items: Iterable[StreamItem], judge: Judge = judge_in_memory) -> Iterator[Decision]:
        for item in items:
            context = self.context_for(item)
            yield self.observe(item, judge(item, context, self.policy))
