"""Ignoring a commenter through the API: the reader's list kept with their token, their comments left out."""

import pytest

from comments.models import Comment
from factories import make_comment
from tests.comments.test_ignore import story  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db


def test_the_api_ignores_lists_and_forgets_a_commenter(story, reader):  # noqa: F811
    article, troll, other, answer = story
    response = reader.post(f"/api/v1/comments/{troll.pk}/ignore")
    assert response.status_code == 201, response.content
    who = response.json()["who"]
    assert response.json() == {"who": who, "name": "Troll"}
    assert reader.get("/api/v1/me/ignored").json() == [{"who": who, "name": "Troll"}]
    threads = reader.get(f"/api/v1/stories/{article.pk}/comments").json()["threads"]
    heads = [t["comment"] for t in threads]
    shown = next(h for h in heads if h["id"] == troll.pk)
    assert shown["ignored"] and shown["body"] == "" and shown["author_name"] == ""
    replies = next(t["replies"] for t in threads if t["comment"]["id"] == troll.pk)
    assert [r["id"] for r in replies] == [answer.pk]
    assert "Still nobody cares" not in str(threads) and "influence over the Taliban" in str(threads)
    assert "Posting as someone else now." in str(threads)  # another name at the same address: shown
    thread = reader.get(f"/api/v1/threads/{troll.pk}").json()["thread"]
    assert thread["comment"]["ignored"] and thread["comment"]["body"] == ""
    # Another reader sees everything.
    assert "you sheep" in str(type(reader)().get(f"/api/v1/stories/{article.pk}/comments").json())

    assert reader.delete(f"/api/v1/me/ignored/{who}").status_code == 204
    gone = reader.delete(f"/api/v1/me/ignored/{who}")
    assert gone.status_code == 404 and gone.json()["detail"] == "You were not ignoring that commenter."
    assert "you sheep" in str(reader.get(f"/api/v1/stories/{article.pk}/comments").json())


def test_the_api_refuses_to_ignore_what_a_reader_cannot_see_or_their_own(story, reader):  # noqa: F811
    article, *_ = story
    assert reader.post("/api/v1/comments/99999999/ignore").status_code == 404
    held = make_comment(article, status=Comment.Status.HELD)
    assert reader.post(f"/api/v1/comments/{held.pk}/ignore").status_code == 404
    posted = reader.post(
        f"/api/v1/stories/{article.pk}/comments",
        {"name": "Me", "email": "me@example.com", "body": "My own thoughts on the Doha talks and Pakistan."},
    )
    assert posted.status_code in (200, 201), posted.content
    mine = posted.json()["comment"]["id"]
    refused = reader.post(f"/api/v1/comments/{mine}/ignore")
    assert refused.status_code == 400 and "your own comment" in refused.json()["detail"]
    assert reader.get("/api/v1/me/ignored").json() == []


def test_a_later_page_of_an_ignored_commenters_thread_shows_neither_their_name_nor_their_words(story, reader):  # noqa: F811
    article, troll, *_ = story
    for n in range(22):
        make_comment(article, parent=troll, body=f"Reply {n} on the Doha talks.")
    reader.post(f"/api/v1/comments/{troll.pk}/ignore")
    for page in (1, 2, 9):
        head = reader.get(f"/api/v1/threads/{troll.pk}?page={page}").json()["thread"]["comment"]
        assert (head["ignored"], head["author_name"], head["body"]) == (True, "", ""), page
    replies = reader.get(f"/api/v1/threads/{troll.pk}?page=2").json()["thread"]["replies"]
    assert {r["replying_to"] for r in replies} == {"a commenter you ignore"}


def test_ignoring_is_rate_limited_as_reporting_is(story, reader, settings):  # noqa: F811
    article, troll, other, _ = story
    settings.REPORTS_RATE_PER_IP = "1/h"
    assert reader.post(f"/api/v1/comments/{troll.pk}/ignore").status_code == 201
    refused = reader.post(f"/api/v1/comments/{other.pk}/ignore")
    assert refused.status_code == 429 and refused["Retry-After"].isdigit()
    assert [i["name"] for i in reader.get("/api/v1/me/ignored").json()] == ["Troll"]
