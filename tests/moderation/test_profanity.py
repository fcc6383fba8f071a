import random

import pytest
from better_profanity import Profanity

from moderation.normalize import fold
from moderation.profanity import ProfanityChecker, default_checker, load_default_words

CLEAN_WORDS = (
    "the envoy met army chief in Islamabad on Friday seeking support for a reduction in violence and the "
    "immediate start of negotiations between Kabul and the Taliban as part of the peace deal signed in Doha "
    "prisoners were released and the missing contractor is still held somewhere in the region"
).split()


def corpus(seed: int, size: int) -> list[str]:
    rng = random.Random(seed)
    listed = load_default_words()
    texts = []
    for n in range(size):
        words = rng.sample(CLEAN_WORDS, 8)
        if n % 2:
            words.insert(rng.randrange(len(words) + 1), rng.choice(listed))
        if n % 5 == 0:
            sep = rng.choice([" ", ".", "-", "", "_"])
            words.insert(3, sep.join(rng.choice("fuckshitapenbo") for _ in range(rng.randint(2, 5))))
        if n % 7 == 0:
            words.insert(2, rng.choice(["pen", "is", "as", "s", "bull", "shit", "a", "ss", "cock", "tail", "ho"]))
        if n % 11 == 0:
            words[0] = words[0].upper()
        texts.append(" ".join(words))
    return texts


def test_everything_better_profanity_flags_we_flag_too():
    reference = Profanity()
    checker = default_checker()
    flagged = [text for text in corpus(seed=1, size=1500) if reference.contains_profanity(text)]
    assert len(flagged) > 500  # the corpus really exercises the list
    missed = [text for text in flagged if not checker.contains(fold(text)) or not checker.hits(fold(text))]
    assert missed == []


@pytest.mark.parametrize(
    "text",
    [
        "sh1t",
        "f*ck this",
        "f.u.c.k",
        "f u c k off",
        "fuuuuck",
        "fuсk",  # Cyrillic с
        "fu\u200bck",  # zero-width space
        "ＦＵＣＫ",  # full-width letters
        "fück",
        '"bullshit"',
        "clusterfuck",
        "the bastards",
        "m o t h e r f u c k e r",
        "a$$hole",
    ],
)
def test_evasions_are_caught(text):
    assert default_checker().contains(fold(text))


@pytest.mark.parametrize(
    "text",
    ["Scunthorpe", "Essex", "classic", "assassin", "assassination", "analysis", "assess", "Middlesex",
     "cocktail", "grasshopper", "Dickens", "therapist", "Cockburn", "good", "Hancock", "passed the class"],
)  # fmt: skip
def test_scunthorpe_words_are_clean(text):
    assert not default_checker().contains(fold(text))


def test_spans_point_at_the_original_text():
    text = "Well, the envoy is a ѕh1t negotiator."
    spans = default_checker().spans(text)
    assert [(text[s:e]) for s, e, _ in spans] == ["ѕh1t"]


def test_instances_share_nothing():
    base = ProfanityChecker(["darn"])
    extended = base.with_words(["heck"], allowed=["darn"])
    assert base.contains("darn it") and not base.contains("heck")
    assert extended.contains("heck") and not extended.contains("darn it")
    # The default checker is untouched by either.
    assert not default_checker().contains("heck")


def test_spellings_hold_exactly_the_expanded_variants():
    from moderation.profanity import Spellings, expand

    listed = ["fuck", "shit", "bollocks", "ass", "twat", "s.o.b", "bull shit"]
    spellings = Spellings(listed)
    variants = set().union(*map(expand, listed))
    assert all(v in spellings for v in variants)
    near = {v[:-1] + "x" for v in variants} | {v + "s" for v in variants} | {"f**k", "fvck ", "b@ss", "shot"}
    assert not any(n in spellings for n in near - variants)
