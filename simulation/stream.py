"""The unit of simulated or replayed traffic: one comment with its ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulation.metrics import Truth


@dataclass(frozen=True)
class StreamItem:
    id: str
    text: str
    author: str = "Reader"
    email: str = ""
    parent_id: str | None = None
    at: float = 0.0  # seconds after the article was published
    persona: str = ""
    truth: Truth = field(default_factory=Truth)
    article_text: str | None = None  # judge against this text instead of the article's own
    line: int = 0  # where it came from, for replayed files
