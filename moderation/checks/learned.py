"""The learned abuse model's chance that a comment is abusive (``model.py``); silent when the policy has no model."""

from __future__ import annotations

from moderation.context import Context
from moderation.normalize import Text
from moderation.policy import Policy
from moderation.reasons import Reason

SCORE = "model"


def explained_from(policy: Policy) -> float:
    """The score from which the model's reason carries spans: where it holds or rejects."""
    return min(policy.model_hold, policy.model_reject)


def check(text: Text, context: Context, policy: Policy) -> list[Reason] | None:
    if policy.model is None:
        return None  # not run: the rules alone decide, and the verdict has no "model" score
    score = policy.model.score(text.raw)
    # Spans only for the comments it decides: explaining costs more than scoring.
    spans = policy.model.explain(text.raw) if score >= explained_from(policy) else ()
    return [Reason("abusive.model", score, "reads like abuse to the filter's learned model", spans)]
