"""Reactions through the API: given and taken back with the reader's token, counted in every comment the API
shows, sorted by, refused clearly."""

import pytest

from comments.models import Comment, Reaction
from factories import make_comment, make_seed_article
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_a_reader_reacts_and_takes_it_back_through_the_api(reader):
    article = make_seed_article()
    comment = make_comment(article, body="Pakistan's influence over the Taliban is key.")
    given = reader.post(f"/api/v1/comments/{comment.pk}/reaction")
    assert given.status_code == 200, given.content
    assert given.json() == {"reactions": 1, "reacted": True, "label": "Respect"}
    assert reader.post(f"/api/v1/comments/{comment.pk}/reaction").json()["reactions"] == 1  # twice: still one
    shown = reader.get(f"/api/v1/stories/{article.pk}/comments").json()["threads"][0]["comment"]
    assert (shown["reactions"], shown["reacted"]) == (1, True)
    other = ApiClient().get(f"/api/v1/stories/{article.pk}/comments").json()["threads"][0]["comment"]
    assert (other["reactions"], other["reacted"]) == (1, False)
    taken = reader.delete(f"/api/v1/comments/{comment.pk}/reaction")
    assert taken.json() == {"reactions": 0, "reacted": False, "label": "Respect"}
    assert Reaction.objects.count() == 0


def test_the_api_sorts_by_reactions_and_refuses_what_it_cannot_react_to(reader, settings):
    article = make_seed_article()
    first, second = make_comment(article, minutes_ago=10), make_comment(article, minutes_ago=5)
    ApiClient().post(f"/api/v1/comments/{second.pk}/reaction")
    threads = reader.get(f"/api/v1/stories/{article.pk}/comments?sort=reactions").json()["threads"]
    assert [t["comment"]["id"] for t in threads] == [second.pk, first.pk]
    assert reader.post("/api/v1/comments/99999999/reaction").status_code == 404
    held = make_comment(article, status=Comment.Status.HELD)
    assert reader.post(f"/api/v1/comments/{held.pk}/reaction").status_code == 404
    settings.REACTIONS_RATE_PER_IP = "1/m"
    assert reader.post(f"/api/v1/comments/{first.pk}/reaction").status_code == 200
    refused = reader.post(f"/api/v1/comments/{second.pk}/reaction")
    assert refused.status_code == 429 and refused["Retry-After"].isdigit()
