"""What a newsroom decided: the thresholds each check is weighed against, and the learned model it trusts."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moderation.model import Scorer


def _non_negative_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


class Mode(StrEnum):
    AUTO = "auto"
    HOLD_ALL = "hold_all"
    PUBLISH_ALL = "publish_all"


class TopicAction(StrEnum):
    HOLD = "hold"  # a likely off-topic comment waits for a moderator
    FLAG = "flag"  # it is published at once and listed for moderators as "published, possibly off-topic"


@dataclass(frozen=True)
class Policy:
    """Thresholds are named after the score they apply to: ``<score>_hold`` and ``<score>_reject``."""

    mode: str = Mode.AUTO
    abuse_hold: float = 0.5
    abuse_reject: float = 0.9
    # The learned model's chance that a comment is abusive, at which it is held / rejected.
    # Chosen on validation data for the shipped model (its metadata says so).
    model_hold: float = 0.61
    model_reject: float = 0.96
    # The calibrated chance that a comment is off-topic at which it is held (or flagged): more
    # likely than not, given that about one comment in ten is (topic.OFF_TOPIC_PRIOR).
    off_topic_hold: float = 0.5
    off_topic_action: str = TopicAction.HOLD
    spam_hold: float = 0.5
    spam_reject: float = 0.9
    shouting_hold: float = 0.8
    max_links: int = 2
    blocked_words: tuple[str, ...] = ()
    allowed_words: tuple[str, ...] = ()
    hold_first_comments: int = 0
    # A commenter whose comments of the last week were rejected this often (at least 3 of them) is
    # pre-moderated until the share drops (Coral's default: 30 %). 0 turns it off.
    premoderate_rejected_share: float = 0.3
    # How far back the duplicate check looks for the same words.
    duplicate_window_minutes: int = 10
    # A form sent sooner than this after it was served is held as a likely bot.
    min_seconds_to_write: float = 1.0
    # The learned abuse model (None: the rules alone decide). Not a setting a file can hold.
    model: Scorer | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        """A policy from plain data (a JSON file): unknown names and non-numbers are refused, never ignored."""
        fields = [name for name in cls.__dataclass_fields__ if name != "model"]
        for name in data:
            if name not in fields:
                close = difflib.get_close_matches(name, fields, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown policy field {name!r}{hint}")
        for name in fields:
            default = getattr(cls, name, None)
            numeric = isinstance(default, int | float) and not isinstance(default, bool)
            if name in data and numeric and not _non_negative_number(data[name]):
                raise ValueError(f"{name} must be a number of 0 or more, not {data[name]!r}")
        known = {name: data[name] for name in fields if name in data}
        for name in ("blocked_words", "allowed_words"):
            if name in known and isinstance(known[name], str):
                known[name] = tuple(w.strip() for w in known[name].splitlines() if w.strip())
            elif name in known:
                known[name] = tuple(known[name])
        return cls(**known)
