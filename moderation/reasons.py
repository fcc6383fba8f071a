"""What a check says about a comment: one ``Reason`` type, and the families reasons belong to.

A reason's code is ``family`` or ``family.kind`` ("abusive.insult", "spam.links",
"off_topic"). The family is what moderators, readers' reports, the simulator's metrics
and the admin's filters talk about; it is defined here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Family(StrEnum):
    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"
    SPAM = "spam"
    SHOUTING = "shouting"
    NEW_COMMENTER = "new_commenter"
    COMMENTER = "commenter"
    BOT = "bot"
    POLICY = "policy"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Family.ABUSIVE: "Abusive",
    Family.OFF_TOPIC: "Off-topic",
    Family.SPAM: "Spam",
    Family.SHOUTING: "Shouting",
    Family.NEW_COMMENTER: "New commenter",
    Family.COMMENTER: "Commenter on pre-moderation",
    Family.BOT: "Likely bot",
    Family.POLICY: "Policy",
}

# The families a comment can truly belong to: what readers report, moderators reject
# for, and the simulator's ground truth and precision/recall are counted by.
JUDGED = (Family.ABUSIVE, Family.OFF_TOPIC, Family.SPAM)

# The families of the filter's own judgements: on the text, and the bot checks' on how it was sent. The others
# (commenter, new_commenter, policy) hold by rule, whatever the comment says: a moderator approving such a hold
# proves the filter wrong in nothing.
FILTER_FAMILIES = frozenset({Family.ABUSIVE, Family.OFF_TOPIC, Family.SPAM, Family.SHOUTING, Family.BOT})


def filter_codes(reasons: list[str]) -> list[str]:
    """Of a comment's stored reason codes, those the filter's judgement gave (none: it was held by rule)."""
    return [code for code in reasons if code.split(".", 1)[0] in FILTER_FAMILIES]


# The kinds of spam, by what a person calls them. (Each reason also carries a sentence for its author.)
KIND_LABELS = {
    "spam.links": "Promotes a link",
    "spam.self_promotion": "Self-promotion: asks for subscribers, follows or likes",
    "spam.money": "Money offer",
    "spam.promotion": "Advertising",
    "spam.duplicate": "Same text again",
}


def family_of(code: str) -> Family:
    return Family(code.split(".", 1)[0])


def label_of(code: str) -> str:
    """What a reason is called in a list or a filter: its kind's label, else its family's."""
    return KIND_LABELS.get(code) or family_of(code).label


@dataclass(frozen=True)
class Reason:
    """One finding: its code, its strength (0..1), a sentence for the author and where it is in the text."""

    code: str
    score: float
    message: str
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def family(self) -> Family:
        return family_of(self.code)

    def as_dict(self, text: str) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": self.score,
            "message": self.message,
            "spans": [[s, e] for s, e in self.spans],
            "excerpts": [text[s:e] for s, e in self.spans],
        }
