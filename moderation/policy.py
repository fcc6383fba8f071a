"""What a newsroom decided: the thresholds each check is weighed against, and the learned model it trusts.

Each setting a newsroom edits is declared once, as a field of ``Policy`` made by ``chance``, ``count``, ``choice``
or ``words``: its kind, default, help text and the group its page shows it in. ``SETTINGS`` lists them for the
other readers of a policy: the policy model and its admin page (``policies/``), and policy files, which
``Policy.from_dict`` checks against them. A new threshold is one line in ``Policy``::

    toxicity_hold: float = chance(0.7, "Toxicity score at which a comment is held (0-1).")

and its migration (``manage.py makemigrations policies``): the policy model makes a column of every setting.
A bad value is refused by name::

    Policy.from_dict({"spam_hold": 1.5})   # ValueError: spam_hold is a chance between 0 and 1, not 1.5
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

if TYPE_CHECKING:
    from moderation.model import Scorer


class Mode(StrEnum):
    AUTO = "auto"
    HOLD_ALL = "hold_all"
    PUBLISH_ALL = "publish_all"


class TopicAction(StrEnum):
    HOLD = "hold"  # a likely off-topic comment waits for a moderator
    FLAG = "flag"  # it is published at once and listed for moderators as "published, possibly off-topic"


class Kind(StrEnum):
    """What a setting holds, which decides how it is stored, edited and checked."""

    CHANCE = "chance"  # a probability or a share: a number from 0 to 1
    COUNT = "count"  # a whole number, 0 or more
    CHOICE = "choice"  # one of a few named values
    WORDS = "words"  # a list of words (one a line where it is stored as text)


# The groups a policy's page shows its settings in (GENERAL: at the top, untitled).
GENERAL = ""
THRESHOLDS = "Thresholds (0-1)"
RULES = "Rules"

Value = float | int | str | tuple[str, ...]
# The largest count a policy holds: what its column (a positive small integer) can store, so a policy file
# holds nothing the site's own policies could not.
MAX_COUNT = 32767


@dataclass(frozen=True)
class Setting:
    """One setting of a policy, as each reader of policies sees it."""

    name: str
    kind: Kind
    default: Value
    help: str
    group: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a CHOICE

    def clean(self, value: object) -> Value:
        """The value as the core holds it, from plain data (a policy file, a form); a ValueError naming the
        setting if it is of the wrong type or out of bounds, since a threshold past 1 silently turns a check off."""
        if self.kind is Kind.CHANCE:
            if not _is_number(value):
                raise ValueError(f"{self.name} must be a number between 0 and 1, not {value!r}")
            if not 0 <= value <= 1:
                raise ValueError(f"{self.name} is a chance between 0 and 1, not {value!r}")
            return float(value)
        if self.kind is Kind.COUNT:
            if not _is_number(value) or not 0 <= value <= MAX_COUNT or value != int(value):
                raise ValueError(
                    f"{self.name} must be a whole number of 0 or more, not {value!r} (at most {MAX_COUNT})"
                )
            return int(value)
        if self.kind is Kind.CHOICE:
            allowed = [option for option, _ in self.choices]
            if not isinstance(value, str) or value not in allowed:
                raise ValueError(f"{self.name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
            return value
        listed = value.splitlines() if isinstance(value, str) else value
        if not isinstance(listed, list | tuple) or not all(isinstance(word, str) for word in listed):
            raise ValueError(f"{self.name} must be a list of words (or a text of one a line), not {value!r}")
        return _word_list(listed)

    def from_stored(self, value: Any) -> Any:
        """The value as the core holds it, from the database, which stores a word list as text, one a line."""
        return _word_list(value.splitlines()) if self.kind is Kind.WORDS else value


def _word_list(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.strip() for word in words if word.strip())


def _is_number(value: object) -> TypeGuard[float]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)  # an int of 400 digits is too large for isfinite


_T = TypeVar("_T")


# chance(), count(), choice() and words() each make a field of Policy that declares a setting: SETTINGS, below,
# reads the declarations back from the fields' metadata.
def _setting(kind: Kind, default: _T, help: str, group: str, choices: Mapping[str, str] | None = None) -> _T:
    labels = tuple((str(value), label) for value, label in (choices or {}).items())
    setting = {"kind": kind, "default": default, "help": help, "group": group, "choices": labels}
    return field(default=default, metadata=setting)


def chance(default: float, help: str, *, group: str = THRESHOLDS) -> float:
    return _setting(Kind.CHANCE, default, help, group)


def count(default: int, help: str, *, group: str = RULES) -> int:
    return _setting(Kind.COUNT, default, help, group)


def choice(default: str, choices: Mapping[str, str], help: str, *, group: str) -> str:
    return _setting(Kind.CHOICE, default, help, group, choices)


def words(help: str, *, group: str = RULES) -> tuple[str, ...]:
    return _setting(Kind.WORDS, (), help, group)


@dataclass(frozen=True)
class Policy:
    """Thresholds are named after the score they apply to: ``<score>_hold`` and ``<score>_reject``."""

    mode: str = choice(
        Mode.AUTO,
        {
            Mode.AUTO: "Automatic: publish, hold or reject by the checks",
            Mode.HOLD_ALL: "Hold every comment for review",
            Mode.PUBLISH_ALL: "Publish everything (no filtering)",
        },
        "How comments are judged: by the checks, or every one held, or every one published.",
        group=GENERAL,
    )
    abuse_hold: float = chance(0.5, "Abuse score at which a comment is held (0-1).")
    abuse_reject: float = chance(0.9, "Abuse score at which a comment is rejected (0-1).")
    # The learned model's chance that a comment is abusive, at which it is held / rejected.
    # Chosen on validation data for the shipped model (its metadata says so).
    model_hold: float = chance(0.61, "The learned model's abuse probability at which a comment is held (0-1).")
    model_reject: float = chance(0.96, "The learned model's abuse probability at which a comment is rejected (0-1).")
    # A fixed level chosen on tweets does not travel: on news comments 0.61 held 6.0 % of clean comments and
    # caught a third of the abusive ones. A share of the site's own comments does: the site reads the level that
    # holds it from its recent comments' scores (policies/shares.py; the core only ever sees model_hold).
    # Why 15 %: docs/moderation.md, "Hold levels that travel".
    model_hold_share: float = chance(
        0.15,
        "Hold this share of comments, those the learned model scores highest (0-1: 0.15 holds the top 15 %), "
        "read from the site's last 30 days of comments (at most 5,000). 0: hold at the fixed level above, which "
        "also holds until the site has 200 recent comments.",
    )
    # Topic is judged from words, and on real news many genuine comments share none with their story: only
    # strong evidence holds. From "more likely than not" (given that about one comment in ten is off-topic,
    # topic.OFF_TOPIC_PRIOR) up to that, a comment is published and flagged for moderators instead.
    off_topic_hold: float = chance(
        0.8,
        "Calibrated chance that a comment is off-topic (0-1) at which it is held (or flagged, if the policy "
        "flags off-topic comments). Off-topic alone never rejects.",
    )
    off_topic_flag: float = chance(
        # The calibrated chance is seldom strong on real posts (a sentence of unrelated words is about 0.3):
        # from 0.15, about half the misplaced comments reach a moderator, published, and one genuine in six
        # is flagged with them (bench/topic.py, held-out topics).
        0.15,
        "Calibrated chance that a comment is off-topic (0-1) at which it is published and flagged for "
        "moderators, below the level that holds it.",
    )
    off_topic_action: str = choice(
        TopicAction.HOLD,
        {TopicAction.HOLD: "Hold it for review", TopicAction.FLAG: "Publish it and flag it for moderators"},
        "What happens to a likely off-topic comment.",
        group=THRESHOLDS,
    )
    spam_hold: float = chance(0.5, "Spam score at which a comment is held (0-1).")
    spam_reject: float = chance(0.9, "Spam score at which a comment is rejected (0-1).")
    shouting_hold: float = chance(0.8, "Shouting score (how much of a comment is capitals) at which it is held (0-1).")
    max_links: int = count(2, "More links than this and a comment is held.")
    blocked_words: tuple[str, ...] = words("Extra words to treat as profanity, one per line.")
    allowed_words: tuple[str, ...] = words("Words never to flag, one per line.")
    hold_first_comments: int = count(0, "Hold a new commenter's first N comments for review (0 = off; Coral uses 2).")
    # A commenter whose comments of the last week were rejected this often (at least 3 of them) is
    # pre-moderated until the share drops (Coral's default: 30 %). 0 turns it off.
    premoderate_rejected_share: float = chance(
        0.3,
        "Pre-moderate a commenter when this share of their last week's comments (3 or more) "
        "was not published (0-1; 0: never).",
        group=RULES,
    )
    duplicate_window_minutes: int = count(10, "How many minutes back the duplicate check looks for the same words.")
    # Read by the site (a story's comments close), not by the checks: declared here with the policy's other settings.
    auto_close_days: int = count(
        0, "Close a story's comments this many days after it was published (0: never). A story may override it."
    )
    # Read by the site (a decision's statement of reasons and its appeal), not by the checks.
    appeal_days: int = count(
        182,
        "Days after a decision that hid a comment (rejected, removed, or held too long) during which its author may "
        "appeal it, once (0: no appeals). The EU's Digital Services Act asks for at least six months.",
    )
    held_notice_hours: int = count(
        24,
        "Hours a comment may wait for review before it counts as hidden: its author is then told why and may "
        "appeal (0: never).",
    )
    # Not settings a policy holds. A form sent sooner than this after it was served is held as a likely bot:
    # the site's setting (settings.COMMENTS_MIN_SECONDS_TO_WRITE), whichever policy is live.
    min_seconds_to_write: float = 1.0
    # The learned abuse model this process loaded (None: the rules alone decide).
    model: Scorer | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: object) -> Policy:
        """A policy from plain data (a JSON file) checked against SETTINGS: an unknown name, a wrong type or a
        value out of bounds is refused by name, never ignored."""
        if not isinstance(data, dict):
            raise ValueError(f"a policy is an object of settings by name, not {type(data).__name__}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in SETTINGS:
                close = difflib.get_close_matches(str(name), SETTINGS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown policy field {name!r}{hint}")
            values[name] = SETTINGS[name].clean(value)
        return cls(**values)

    @property
    def word_lists(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """All a context-free check reads of a policy (``checks.CONTEXT_FREE``): what it finds in a text under one
        policy's word lists it finds under any policy with the same lists."""
        return self.blocked_words, self.allowed_words


# Every setting by name, in the order the fields are declared (which is the order their page shows them in).
SETTINGS: dict[str, Setting] = {
    f.name: Setting(name=f.name, **f.metadata) for f in fields(Policy) if "kind" in f.metadata
}
