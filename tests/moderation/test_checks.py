"""The list of checks and the word lists they read: one shape for every check, data files kept tidy."""

from dataclasses import fields
from importlib import resources

import pytest

from moderation import Context, Family, Policy, family_of, moderate
from moderation.checks import CHECKS
from moderation.normalize import Text
from moderation.wordlists import words

WORD_FILES = sorted(p.name for p in resources.files("moderation").joinpath("words").iterdir())


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.rsplit(".", 1)[1])
def test_every_check_has_the_one_signature_and_a_threshold(check):
    assert check.__doc__, "a check says what it looks for"
    policy_fields = {f.name for f in fields(Policy)}
    if check.SCORE is not None:
        assert f"{check.SCORE}_hold" in policy_fields
    found = check.check(Text("You are a brainless idiot. Visit bit.ly/x now!!!!!!!!!"), Context(), Policy())
    assert found is None or all(family_of(r.code) in Family for r in found)


def test_scores_are_those_of_the_checks_that_ran():
    verdict = moderate("The Doha talks matter.", Context(), Policy())
    assert set(verdict.scores) == {c.SCORE for c in CHECKS if c.SCORE and c.SCORE != "model"}


@pytest.mark.parametrize("name", WORD_FILES)
def test_word_lists_have_a_header_and_no_repeats(name):
    lines = resources.files("moderation").joinpath("words", name).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and len(lines[0]) > 20
    entries = [line for line in lines[1:] if line.strip()]
    assert entries == sorted(set(entries)), "sorted, one entry per line, no repeats"
    assert all(entry == entry.strip().lower() for entry in entries)


def test_lists_that_add_to_each_other_do_not_overlap():
    for base, extra in [
        ("name-calling", "insults-aimed"),
        ("dehumanising-creatures", "dehumanising-things"),
        ("threat-verbs", "threat-verbs-to-you"),
    ]:
        assert not words(base) & words(extra), (base, extra)


def test_a_listed_word_reaches_the_verdict():
    # Each list is read by the rules: "you <name-calling word>" insults whoever it answers.
    for word in sorted(words("name-calling"))[:10]:
        assert "abusive.insult" in moderate(f"you are such a {word}.", Context(), Policy()).codes, word


def test_an_insult_is_worded_for_where_it_was_posted():
    text = "Honestly, you are a brainless idiot."
    top_level = moderate(text, Context(article_text="Talks in Doha"), Policy())
    reply = moderate(text, Context(article_text="Talks in Doha", parent_text="Doha matters."), Policy())
    assert "insults someone directly" in top_level.explain() and "answers" not in top_level.explain()
    assert "insults the person it answers" in reply.explain()
