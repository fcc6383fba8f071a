"""Rate-limit rules as settings write them, ``"1/5s,20/h"``: read by the settings themselves (the admin log-in
throttle) and by the comment limits (``comments.ratelimit``), so this module imports nothing of the app."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RULE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rule:
    count: int
    seconds: int


def parse_rules(spec: str) -> list[Rule]:
    rules = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = RULE_RE.match(part)
        if not match:
            raise ImproperlyConfigured(f"bad rate limit {part!r}: write it like '1/5s' or '20/h'")
        rules.append(Rule(int(match[1]), int(match[2] or 1) * UNITS[match[3]]))
    return rules


def wait_words(seconds: int) -> str:
    """How long to wait, as a person says it: "1 second", "40 seconds", "about 3 minutes", "about 2 hours"."""
    seconds = max(1, int(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} minutes"
    hours = round(seconds / 3600)
    return f"about {hours} hour{'s' if hours != 1 else ''}"
