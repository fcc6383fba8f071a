"""A name of characters that draw nothing is refused for what it is, not as a name too long."""

from __future__ import annotations

import html

import pytest

from comments.models import Comment
from comments.services import CommentError, comment_post
from factories import comment_form_data, make_seed_article

pytestmark = pytest.mark.django_db

INVISIBLE_NAMES = ["\u3164", "\u2800\u2800", "\u200b", "\u3164 \u200b \u2800"]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_the_form_says_a_name_needs_a_visible_letter_and_keeps_the_text(client, name):
    article = make_seed_article()
    data = comment_form_data(name=name, body="My careful words about Doha.")
    response = client.post(f"/articles/{article.slug}/comments/", data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Give a name with at least one visible letter." in page
    assert "at most 50 characters" not in page
    assert "My careful words about Doha." in page
    assert not Comment.objects.exists()


def test_the_service_says_so_too_whoever_sends_the_name():
    """A partner site's reader or the API reach the service without the page's form."""
    article = make_seed_article()
    with pytest.raises(CommentError) as refused:
        comment_post(article=article, author_name="\u3164", author_email="amina@example.com", body="On Doha.")
    assert refused.value.code == "name"
    assert refused.value.messages == ["Give a name with at least one visible letter."]
    with pytest.raises(CommentError) as refused:
        comment_post(article=article, author_name="x" * 51, author_email="amina@example.com", body="On Doha.")
    assert refused.value.messages == ["Give a name of at most 50 characters."]
