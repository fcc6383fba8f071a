"""Spam is called spam, with a reason a person understands; readers citing sources, talking about wages or
shouting are not spammers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import Action, Context, Family, Policy, moderate


def spam_codes(text: str) -> set[str]:
    verdict = moderate(text, Context(), Policy())
    return {r.code for r in verdict.reasons if r.family is Family.SPAM}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Subscribe to my channel, I post every day!", "spam.self_promotion"),
        ("Hey guys check out my new channel and our first video", "spam.self_promotion"),
        ("sub 4 sub anyone? I will subscribe back", "spam.self_promotion"),
        ("If I get 100 subscribers I will post a new video", "spam.self_promotion"),
        ("How to make a lot of money fast, ask me", "spam.money"),
        ("Earn $500 a day and more, no experience needed.", "spam.money"),
        ("Great game check it out! http://game.example/friend=123", "spam.links"),
        ("http://tankionline.example/", "spam.links"),
        ("Visit kidsmediausa . com for kids stuff", "spam.links"),
    ],
)
def test_spam_is_called_spam_for_what_it_does(text, code):
    assert code in spam_codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "The embassy statement is at https://af.usembassy.gov/ and worth reading on Khalilzad's visit.",
        "Paying overseas staff $0.20 an hour is not okay, and neither is what they make a week.",
        "CNN is there to make money, like every network, and it still reports the talks fairly.",
        "I subscribe to my local paper and to this one, and the Doha coverage has been better here.",
        "Workers in Kabul make $150 a month if they are paid at all; the aid matters.",
        "Check the State Department's own summary: https://www.state.gov/ - it says the same as this article.",
    ],
)
def test_discussion_is_not_spam(text):
    assert spam_codes(text) == set()


def test_a_flood_of_characters_is_noise_held_as_shouting_not_spam():
    verdict = moderate("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", Context(), Policy())
    assert verdict.action is Action.HOLD
    assert {r.family for r in verdict.reasons} == {Family.SHOUTING}


VOCABULARY = (
    "my our me us i we please plz check checking checkout out this the these share follow back 4 like comment add "
    "on subscribe suscribe sucscribe subscribers subs sub channel video page song earn make making get a lot of "
    "money cash income fast online easy free gift cards card giveaway generator $500 $ a day week 100 to in and "
    "site music see visit go subscibe subsribe click download join donate buy help support vote chance win it out "
    "http://x.example/ "
    "Subscribe MY Channel PLEASE Check Out Money FREE news talks Doha , . ! é"
).split()


@settings(max_examples=600, deadline=None)
@given(words=st.lists(st.sampled_from(VOCABULARY), max_size=14))
def test_the_spam_check_looks_first_where_its_patterns_would_find_something(words):
    """The cheap look at a comment's words never skips a comment a pattern would have found something in."""
    from moderation.checks import links
    from moderation.normalize import Text

    text = Text(" ".join(words))
    if (
        links._LOWER_ASKS_RE.search(text.folded)
        or links.ASKS_RE.search(text.raw)
        or links.OPENS_ASKING_RE.match(text.raw)
    ):
        assert links._maybe_asks(text.words)
    if links._LOWER_POINTS_TO_OWN_RE.search(text.folded) or links.POINTS_TO_OWN_RE.search(text.raw):
        assert links._maybe_points_to_own(text.words)
    if links._LOWER_CALLS_RE.search(text.folded) or links.CALLS_RE.search(text.raw):
        assert not links._CALL_WORDS.isdisjoint(text.words)
    if links._LOWER_MONEY_RE.search(text.folded) or links.MONEY_RE.search(text.raw):
        assert links._maybe_money(text.raw, text.words)
