"""What draws nothing is not a name, and does not make a comment another one."""

from __future__ import annotations

import pytest

from comments.sanitize import has_visible_text
from moderation.normalize import fingerprint_key


@pytest.mark.parametrize("name", ["\u3164", "\u2800", "\u115f\u1160", "\uffa0", "\u200b \u2800", "\u3000"])
def test_a_name_of_invisible_letters_is_no_name(name):
    assert not has_visible_text(name)


def test_a_visible_name_with_them_is_a_name():
    assert has_visible_text("\u3164Amina\u2800")


@pytest.mark.parametrize("hidden", ["\u200b", "\u2060", "\u00ad", "\u2800", "\ufeff"])
def test_an_invisible_character_inside_a_word_does_not_pass_the_duplicate_check(hidden):
    body = "Buy cheap followers now at our shop, limited offer"
    assert fingerprint_key(body.replace("followers", f"fol{hidden}lowers")) == fingerprint_key(body)
    assert fingerprint_key("Buy cheap friends now") != fingerprint_key(body)
