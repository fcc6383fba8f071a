"""The checks a comment goes through, in one list, the way Django lists ``AUTH_PASSWORD_VALIDATORS``.

Each check is a module with one function and one constant::

    SCORE = "spam"        # the verdict's score it feeds; the policy's thresholds are
                          # ``<SCORE>_hold`` and ``<SCORE>_reject`` (either may be absent).
                          # None: not scored, every reason it gives holds the comment.

    def check(text: Text, context: Context, policy: Policy) -> list[Reason] | None:
        ...               # the reasons it finds ([] for none); None when it cannot run

To add a check: write the module, add it to ``CHECKS`` below, and give ``Policy`` its
threshold (and the ``ModerationPolicy`` model a field of the same name, so editors can
set it in the admin). A check whose reasons depend on the text and the policy's word
lists alone, whatever the context, may be listed in ``CONTEXT_FREE`` too: the simulator
can then have it worked out ahead, in a second process (``moderation.ahead``).
"""

from __future__ import annotations

from types import ModuleType

from moderation.checks import (
    abuse,
    bots,
    commenter,
    duplicate,
    flood,
    learned,
    links,
    new_commenter,
    off_topic,
    profanity,
    promotion,
    shouting,
)

CHECKS: tuple[ModuleType, ...] = (
    profanity,
    abuse,
    learned,
    off_topic,
    links,
    promotion,
    duplicate,
    shouting,
    flood,
    bots,
    new_commenter,
    commenter,
)

# The checks whose reasons depend on the text and the policy's word lists (``Policy.word_lists``) alone, never on
# the context nor on another setting: worked out once for a text, in any process (the simulator's second one,
# ``moderation.ahead``), they hold for every verdict on it under the same word lists.
CONTEXT_FREE: tuple[ModuleType, ...] = (profanity, promotion, flood, shouting)
