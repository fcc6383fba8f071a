"""The verdict: every check's findings weighed against the policy's thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import abuse, spam, topic
from .normalize import fold, fold_with_offsets
from .profanity import ProfanityChecker, default_checker, expand

if TYPE_CHECKING:
    from .model import Scorer


class Action(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


class Mode(StrEnum):
    AUTO = "auto"
    HOLD_ALL = "hold_all"
    PUBLISH_ALL = "publish_all"


class TopicAction(StrEnum):
    HOLD = "hold"  # a likely off-topic comment waits for a moderator
    FLAG = "flag"  # it is published at once and listed for moderators as "published, possibly off-topic"


@dataclass(frozen=True)
class Policy:
    mode: str = Mode.AUTO
    abuse_hold: float = 0.5
    abuse_reject: float = 0.9
    # The learned model's chance that a comment is abusive, at which it is held / rejected.
    # Chosen on validation data for the shipped model (its metadata says so).
    model_hold: float = 0.62
    model_reject: float = 0.93
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name in ("blocked_words", "allowed_words"):
            if name in known and isinstance(known[name], str):
                known[name] = tuple(w.strip() for w in known[name].splitlines() if w.strip())
            elif name in known:
                known[name] = tuple(known[name])
        return cls(**known)


@dataclass(frozen=True)
class Context:
    """What the filter knows besides the text itself. Everything is optional."""

    article_text: str = ""
    parent_text: str = ""
    # How many of the article's published comments use each term (topic.conversation_vocabulary).
    conversation: dict[str, int] | None = None
    # This author's comments of the last few minutes, and everyone else's. Only the duplicate check
    # reads them, and only for equal fingerprints: a caller may pass just those (the simulator does).
    own_recent: tuple[str, ...] = ()
    others_recent: tuple[str, ...] = ()
    author_published_count: int | None = None  # None: unknown


@dataclass(frozen=True)
class Reason:
    code: str
    score: float
    message: str
    spans: tuple[tuple[int, int], ...] = ()

    def as_dict(self, text: str) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": self.score,
            "message": self.message,
            "spans": [[s, e] for s, e in self.spans],
            "excerpts": [text[s:e] for s, e in self.spans],
        }


@dataclass(frozen=True)
class Verdict:
    action: Action
    reasons: tuple[Reason, ...]  # what decided: findings at or over their threshold
    scores: dict[str, float] = field(default_factory=dict)  # one per check, 0..1
    findings: tuple[Reason, ...] = ()  # everything noticed, decisive or not
    flagged: tuple[Reason, ...] = ()  # published, but listed for a moderator (off-topic under a "flag" policy)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def explain(self) -> str:
        """The plain sentence an author is shown."""
        if self.action is Action.PUBLISH:
            return "Your comment is published."
        verb = "held for review" if self.action is Action.HOLD else "not published"
        if not self.reasons:
            return f"Your comment was {verb}."
        because = "; ".join(dict.fromkeys(r.message for r in self.reasons))
        return f"Your comment was {verb} because it {because}."


CATEGORY = {
    "abusive.model": "model",
    "abusive": "abuse",
    "spam": "spam",
    "off_topic": "off_topic",
    "shouting": "shouting",
    "new_commenter": "new",
}


@lru_cache(maxsize=16)
def _checker(blocked: tuple[str, ...], allowed: tuple[str, ...]) -> ProfanityChecker:
    base = default_checker()
    return base.with_words(blocked, allowed) if (blocked or allowed) else base


# Listed words that news comments use in earnest ("the Taliban kill civilians", "God help
# them", "a heroin trade"): noted, but alone they hold nothing unless aimed at someone.
MILD = frozenset(
    "god hell damn crap omg wtf screw suck sucks fart pee poop drunk pot weed fat ugly stupid moron kill murder "
    "rape raped heroin gay sex nazi virgin naked nude junkie breasts willy knob tit kinky horny porn xxx boob boobs "
    "lmao lmfao sexy sexual drug drugs".split()
)
MILD_VARIANTS = frozenset(v for word in MILD for v in expand(word))

SEVERE = frozenset(
    "nigger nigga niggers faggot faggots fag fags kike kikes spic spics chink chinks wetback wetbacks gook gooks "
    "tranny trannies retard retards coon coons".split()
)


class _Located:
    """The per-character fold of a comment, made once and only for a comment with a hit."""

    def __init__(self, text: str, folded: str) -> None:
        self.text, self.fast = text, folded
        self._mapped: tuple[str, Sequence[int]] | None = None

    @property
    def mapped(self) -> tuple[str, Sequence[int]]:
        if self._mapped is None:
            self._mapped = fold_with_offsets(self.text)
        return self._mapped


def _profanity(text: str, folded: str, policy: Policy, located: _Located) -> list[Reason]:
    checker = _checker(policy.blocked_words, policy.allowed_words)
    hits = checker.hits(folded)
    if not hits:
        return []
    # Offsets only for the rare comment with a hit: map folded positions to the original text.
    mapped, offsets = located.mapped
    if mapped != folded:  # fold() and the per-character fold differ on some compositions
        hits = checker.hits(mapped)
        folded = mapped
    reasons = []
    strong = 0
    for hit in hits:
        start, end = offsets[hit.start], offsets[hit.end - 1] + 1
        quoted = abuse.is_quoted(folded, hit.start, hit.end)
        if hit.joined and " " in folded[hit.start : hit.end] and not _single_letters(folded[hit.start : hit.end]):
            score, message = 0.3, "may contain a swear word split across words"
        elif quoted:
            score, message = 0.55, "quotes a swear word"
        elif hit.word.strip("'\"") in SEVERE:
            score, message = 0.95, "uses a slur"
        elif hit.word in MILD_VARIANTS:
            if abuse.targets_someone(folded, hit.start, hit.end):
                score, message = 0.55, "uses a coarse word about someone"
            else:
                score, message = 0.2, "uses a word that is sometimes coarse"
        elif abuse.targets_someone(folded, hit.start, hit.end):
            score, message = 0.95, "swears at someone"
        else:
            score, message = 0.6, "contains a swear word"
            strong += 1
        reasons.append(Reason("abusive.profanity", score, message, ((start, end),)))
    if strong >= 3:
        reasons.append(Reason("abusive.profanity", 0.8, "is full of swear words", ()))
    return reasons


def _single_letters(piece: str) -> bool:
    return all(len(part) == 1 for part in piece.replace(".", " ").replace("-", " ").split())


def _category(code: str) -> str:
    return CATEGORY.get(code) or CATEGORY[code.split(".")[0]]


def _model_finding(text: str, model: Scorer, policy: Policy) -> tuple[float, Reason | None]:
    score = model.score(text)
    if score < min(policy.model_hold, policy.model_reject):
        return score, None  # spans only for the comments it decides: explaining costs more than scoring
    return score, Reason("abusive.model", score, "reads like abuse to the filter's learned model", model.explain(text))


def _off_topic_message(relevance: topic.TopicResult, folded: str, context: Context) -> str:
    where = "the article" + (" or the comment it answers" if context.parent_text else "")
    words = topic.surface_words(folded, relevance.unrelated)
    if not words:
        return f"may be off-topic: it shares little with {where}"
    quoted = ", ".join(f"“{w}”" for w in words)
    return f"may be off-topic: it talks of {quoted} and shares little with {where}"


def moderate(
    text: str, context: Context | None = None, policy: Policy | None = None, model: Scorer | None = None
) -> Verdict:
    """Judge one comment. Pure: the same text, context, policy and model give the same verdict.

    Without a model the rules alone decide (and the verdict's scores have no "model").
    """
    context = context or Context()
    policy = policy or Policy()
    folded = fold(text)
    findings: list[Reason] = []

    located = _Located(text, folded)
    findings.extend(_profanity(text, folded, policy, located))
    abuse_hits = abuse.find_abuse(folded)
    if abuse_hits:
        # Positions only for the rare comment with a hit, from the per-character fold.
        mapped, offsets = located.mapped
        for hit in abuse_hits if mapped == folded else abuse.find_abuse(mapped):
            span = ((offsets[hit.start], offsets[hit.end - 1] + 1),)
            findings.append(Reason(hit.code, hit.score, hit.label, span))

    relevance = topic.off_topic_score(
        folded,
        article_text=context.article_text,
        parent_text=context.parent_text,
        conversation=context.conversation,
        original=text,
    )
    if relevance.judged:
        findings.append(Reason("off_topic", relevance.probability, _off_topic_message(relevance, folded, context)))

    for link in spam.link_findings(text, max_links=policy.max_links):
        findings.append(Reason(link.code, link.score, link.message, link.spans))
    for optional in (
        spam.duplicate_finding(text, own_recent=context.own_recent, others_recent=context.others_recent),
        spam.shouting_finding(text),
        spam.flood_finding(text),
    ):
        if optional:
            findings.append(Reason(optional.code, optional.score, optional.message, optional.spans))

    scores = {"abuse": 0.0, "off_topic": relevance.probability, "spam": 0.0, "shouting": 0.0}
    if model is not None:
        scores["model"], model_reason = _model_finding(text, model, policy)
        if model_reason:
            findings.append(model_reason)
    for finding in findings:
        category = _category(finding.code)
        scores[category] = max(scores.get(category, 0.0), finding.score)

    hold_at = {"abuse": policy.abuse_hold, "off_topic": policy.off_topic_hold, "spam": policy.spam_hold,
               "shouting": policy.shouting_hold, "model": policy.model_hold}  # fmt: skip
    reject_at = {"abuse": policy.abuse_reject, "spam": policy.spam_reject, "model": policy.model_reject}

    def category_of(reason: Reason) -> str:
        return _category(reason.code)

    flagged: list[Reason] = []
    rejecting = [f for f in findings if f.score >= reject_at.get(category_of(f), 2.0)]
    holding = [f for f in findings if f.score >= hold_at.get(category_of(f), 2.0)]
    if (
        policy.hold_first_comments
        and context.author_published_count is not None
        and context.author_published_count < policy.hold_first_comments
    ):
        holding.append(Reason("new_commenter", 1.0, "is among your first comments here, which a moderator reads first"))

    if policy.mode == Mode.PUBLISH_ALL:
        action, reasons = Action.PUBLISH, []
    elif policy.mode == Mode.HOLD_ALL:
        action, reasons = (
            Action.HOLD,
            [*holding] or [Reason("policy.hold_all", 1.0, "waits for a moderator, as all comments do")],
        )
    elif rejecting:
        # The rejecting reasons first, then whatever else would have held it.
        action, reasons = Action.REJECT, rejecting + [f for f in holding if f not in rejecting]
    elif policy.off_topic_action == TopicAction.FLAG and holding and all(r.code == "off_topic" for r in holding):
        action, reasons, flagged = Action.PUBLISH, [], holding
    elif holding:
        action, reasons = Action.HOLD, holding
    else:
        action, reasons = Action.PUBLISH, []
    if action is not Action.REJECT:
        reasons = sorted(reasons, key=lambda r: -r.score)
    return Verdict(
        action=action,
        reasons=tuple(reasons),
        scores={k: round(v, 3) for k, v in scores.items()},
        findings=tuple(findings),
        flagged=tuple(flagged),
    )
