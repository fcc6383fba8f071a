"""The vocabulary the checks use, read from the text files in ``words/`` beside this module.

One word or phrase per line, a ``#`` header line saying what the list is for. Kept as
data, the way Django ships its common-passwords list, so a newsroom can read and
change them without reading code.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from functools import cache
from importlib import resources
from pathlib import Path


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


@cache
def english_frequencies() -> dict[str, float]:
    """How often each common English word is used, 0..1: wordfreq's small English list.

    Read here from the file the wordfreq package ships, as ``wordfreq.get_frequency_dict("en",
    wordlist="small")`` reads it (a test holds them equal): importing wordfreq for one file would
    cost every worker 6 MiB of modules it never uses. The file is msgpack, not code: a list of
    word lists, the n-th holding the words used 10^(-n/100) of the time, after a format header.
    """
    import msgpack

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("the wordfreq package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "small_en.msgpack.gz"
    with gzip.open(path, "rb") as handle:
        data = msgpack.load(handle, raw=False)
    header = data[0] if data else None
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path}: not a wordfreq frequency list (header {header!r})")
    return {word: 10 ** (-index / 100) for index, bucket in enumerate(data[1:]) for word in bucket}
