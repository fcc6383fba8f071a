"""Every pattern the filter runs on a comment stays bounded: 100,000 characters of its worst case cost about
what 100,000 characters of ordinary comment cost, never the thousands of times more of a backtracking blow-up.

The simulator replays texts up to 100,000 characters; the web form stops at 3,000. Each case
repeats what one pattern or gate reads most slowly: words that open a rule, runs a backtracking
pattern would split every way, starred spellings, dots and links, shouting, floods.
"""

import time
from dataclasses import replace

import pytest

from moderation import Context, Policy, moderate

WORST = {
    "rule openers": "you are " * 12_500,
    "insults": "you idiot " * 10_000,
    "what a": "what a " * 14_000,
    "threat openers": "i will " * 14_000,
    "groups": "all these people are " * 5_000,
    "comma words": "A," * 50_000,
    "spaces": "x" + " " * 100_000 + "y",
    "dots": "a." * 50_000,
    "links": "www.a" * 20_000,
    "schemes": "http://" * 14_000,
    "flood words": "lol " * 25_000,
    "flood units": "ab" * 50_000,
    "one letter": "a" * 100_000,
    "shouting": "AB CD " * 16_000,
    "spelled out": "f u " * 25_000,
    "starred": "f*ck " * 20_000,
    "quoted": '"damn" ' * 14_000,
    "hyphens": "-a" * 50_000,
}
ORDINARY = "The talks in Doha matter for Pakistan, and the US wants them to go on. "
# A linear pass over a worst case costs a few times an ordinary text's (other rules fire); a pattern that
# backtracks over 100,000 characters costs thousands of times more. Measured against each other in one
# process, a busy or slow machine slows both alike.
BOUND = 100


@pytest.mark.parametrize("name", WORST)
def test_the_filter_is_bounded_on_its_worst_cases(name):
    text = WORST[name]
    context = Context(article_text="The Taliban talks in Doha with Pakistan", own_recent=(text,))
    ordinary = (ORDINARY * (len(text) // len(ORDINARY) + 1))[: len(text)]

    def seconds(comment: str) -> float:
        started = time.perf_counter()
        moderate(comment, replace(context, own_recent=(comment,)), Policy())
        return time.perf_counter() - started

    reference = min(seconds(ordinary) for _ in range(3))
    # The fastest of three of each: a pause of the machine's is not the pattern's.
    assert min(seconds(text) for _ in range(3)) < BOUND * reference + 0.1
