"""The verdict: every check's reasons weighed against the policy's thresholds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, cast

from moderation.checks import CHECKS
from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Mode, Policy, TopicAction
from moderation.reasons import Family, Reason


class Action(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


class Check(Protocol):
    """What every module in ``checks.CHECKS`` is (see ``checks/__init__.py``)."""

    __name__: str  # the module's: how a batch names the checks worked out ahead (``model.Findings``)
    SCORE: str | None

    def check(self, text: Text, context: Context, policy: Policy) -> Sequence[Reason] | None: ...


@dataclass(frozen=True)
class Verdict:
    action: Action
    reasons: tuple[Reason, ...]  # what decided: findings at or over their threshold
    scores: dict[str, float] = field(default_factory=dict)  # one per scored check that ran, 0..1
    findings: tuple[Reason, ...] = ()  # everything noticed, decisive or not
    flagged: tuple[Reason, ...] = ()  # published, but listed for a moderator (likely off-topic)

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


NEVER = 2.0  # a threshold no score reaches
_NONE: Mapping[str, Sequence[Reason]] = {}
# Each score's thresholds, by the names the policy gives them.
_THRESHOLDS = {
    check.SCORE: (f"{check.SCORE}_hold", f"{check.SCORE}_reject") for check in CHECKS if check.SCORE is not None
}


def _worked_out(text: str, policy: Policy) -> Mapping[str, Sequence[Reason]]:
    """Reasons some checks already found for this text: a batch's model (``model.BatchScores``, the simulator's
    path) may have had the context-free ones worked out beside its scores, in a second process."""
    worked_out = getattr(policy.model, "worked_out", None)
    return cast(Mapping[str, Sequence[Reason]], worked_out(text, policy)) if worked_out is not None else _NONE


def moderate(text: str, context: Context | None = None, policy: Policy | None = None) -> Verdict:
    """Judge one comment. Pure: the same text, context and policy (with its model) give the same verdict."""
    context = context or Context()
    policy = policy or Policy()
    subject = Text(text)
    findings: list[Reason] = []
    scores: dict[str, float] = {}
    holding: list[Reason] = []
    rejecting: list[Reason] = []
    checks: tuple[Check, ...] = CHECKS
    known = _worked_out(text, policy)
    for check in checks:
        found = known[check.__name__] if known and check.__name__ in known else check.check(subject, context, policy)
        if found is None:
            continue  # it could not run (no model): no score either
        name = check.SCORE
        if not found:  # the usual case, kept short: a score of 0 for a scored check that ran
            if name is not None and name not in scores:
                scores[name] = 0.0
            continue
        findings.extend(found)
        if name is None:
            holding.extend(found)  # unscored: whatever it finds holds the comment
            continue
        scores[name] = max([scores.get(name, 0.0), *(r.score for r in found)])
        hold_field, reject_field = _THRESHOLDS[name]
        hold_at = getattr(policy, hold_field, NEVER)
        reject_at = getattr(policy, reject_field, NEVER)
        holding.extend(r for r in found if r.score >= hold_at)
        rejecting.extend(r for r in found if r.score >= reject_at)

    flagged: list[Reason] = []
    unsure_topic: list[Reason] = []
    if not context.article_known:
        # Only the headline is known: "off-topic" would mostly mean "we have not read the story". It flags.
        unsure_topic = [r for r in holding if r.family is Family.OFF_TOPIC]
        holding = [r for r in holding if r.family is not Family.OFF_TOPIC]
        rejecting = [r for r in rejecting if r.family is not Family.OFF_TOPIC]
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
    elif policy.off_topic_action == TopicAction.FLAG and holding and all(r.family is Family.OFF_TOPIC for r in holding):
        action, reasons, flagged = Action.PUBLISH, [], holding
    elif holding:
        action, reasons = Action.HOLD, holding
    else:
        action, reasons = Action.PUBLISH, []
    if action is Action.PUBLISH and policy.mode != Mode.PUBLISH_ALL:
        # Likely off-topic, but short of the evidence that holds: published, and listed for a moderator.
        weak_topic = [
            r
            for r in findings
            if r.family is Family.OFF_TOPIC and policy.off_topic_flag <= r.score < policy.off_topic_hold
        ]
        flagged = [*flagged, *unsure_topic, *weak_topic]
    if action is not Action.REJECT:
        reasons = sorted(reasons, key=lambda r: -r.score)
    return Verdict(
        action=action,
        reasons=tuple(reasons),
        scores={k: round(v, 3) for k, v in scores.items()},
        findings=tuple(findings),
        flagged=tuple(flagged),
    )
