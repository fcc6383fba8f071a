"""The vocabulary the checks use, read from the text files in ``words/`` beside this module.

One word or phrase per line, a ``#`` header line saying what the list is for. Kept as
data, the way Django ships its common-passwords list, so a newsroom can read and
change them without reading code.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def words(name: str) -> frozenset[str]:
    """The entries of ``words/<name>.txt``."""
    text = resources.files(__package__).joinpath("words", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def alternation(*names: str) -> str:
    """A regex alternation of the lists' entries, longest first so a phrase wins over its first word."""
    entries = set().union(*(words(name) for name in names))
    return "|".join(re.escape(entry) for entry in sorted(entries, key=lambda e: (-len(e), e)))
