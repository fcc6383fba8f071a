"""Every pattern the filter runs on a comment stays bounded: 100,000 characters of its worst case in well under a second.

The simulator replays texts up to 100,000 characters; the web form stops at 3,000. Each case
repeats what one pattern or gate reads most slowly: words that open a rule, runs a backtracking
pattern would split every way, starred spellings, dots and links, shouting, floods.
"""

import time

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


@pytest.mark.parametrize("name", WORST)
def test_the_filter_is_bounded_on_its_worst_cases(name):
    text = WORST[name]
    context = Context(article_text="The Taliban talks in Doha with Pakistan", own_recent=(text,))
    started = time.perf_counter()
    moderate(text, context, Policy())
    assert time.perf_counter() - started < 1.0
