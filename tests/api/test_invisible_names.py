"""The API refuses a name that draws nothing with the message the page gives, on the name field."""

from __future__ import annotations

import pytest

from comments.models import Comment
from factories import make_seed_article

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["\u3164", "\u2800\u2800", "\u200b", "\u3164 \u200b \u2800"])
def test_a_name_of_invisible_characters_is_refused_for_what_it_is(reader, name):
    article = make_seed_article()
    data = {"name": name, "email": "amina@example.com", "body": "Khalilzad is right to press Pakistan."}
    body = assert_problem(reader.post(f"/api/v1/stories/{article.pk}/comments", data), 400)
    assert body["errors"] == [{"field": "name", "message": "Give a name with at least one visible letter."}]
    assert not Comment.objects.exists()
