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
        self.recent: deque[tuple[float, str, str]] = deque()  # (at, author, text)
        self.published_by: dict[str, int] = {}

    def context_for(self, item: StreamItem) -> Context:
        while self.recent and self.recent[0][0] < item.at - self.window:
            self.recent.popleft()
        author = item.author.lower()
        return Context(
            article_text=item.article_text or self.article_text,
            parent_text=self.texts.get(item.parent_id, "") if item.parent_id else "",
            conversation=self.conversation,
            own_recent=tuple(text for _, who, text in self.recent if who == author),
            others_recent=tuple(text for _, who, text in self.recent if who != author),
            author_published_count=self.published_by.get(author, 0),
        )

    def observe(self, item: StreamItem, verdict: Verdict) -> Decision:
        author = item.author.lower()
        self.texts[item.id] = item.text
        self.recent.append((item.at, author, item.text))
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
