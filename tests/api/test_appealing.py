"""Statements of reasons and appeals through the API: the reader's own hidden comment says why, their appeal is
taken once, someone else's is refused; the staff queue's Appeals tab answers it, by another moderator."""

import pytest

from comments.models import Appeal, Comment
from comments.services import comment_decide
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(reader, moderator):
    """The reader's comment, posted through the API, held (it carries two links) and rejected by moderator1."""
    from factories import make_seed_article

    article = make_seed_article()
    posted = reader.post(
        f"/api/v1/stories/{article.pk}/comments",
        {"name": "Amina", "email": "amina@example.com", "body": "Doha talks: https://a.example and https://b.example"
         " and https://c.example say Pakistan matters."},
    )  # fmt: skip
    assert posted.status_code in (200, 201), posted.content
    comment = Comment.objects.get(pk=posted.json()["comment"]["id"])
    if comment.status == Comment.Status.PUBLISHED:
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HELD)
        comment.refresh_from_db()
    comment_decide(comment=comment, actor=moderator, decision="reject", reason="spam", note="Three shop links.")
    return comment


def test_the_readers_own_hidden_comment_carries_its_statement_and_takes_one_appeal(reader, rejected):
    (mine,) = reader.get("/api/v1/me/comments").json()["comments"]
    statement = mine["statement"]
    assert statement["by"] == "moderator" and statement["can_appeal"] and statement["appeal"] is None
    assert statement["ground"] == "Spam or advertising. The moderator's note: “Three shop links.”"
    assert statement["decided"] == "Not published" and statement["appeal_until"] > statement["decided_at"]
    made = reader.post(f"/api/v1/comments/{rejected.pk}/appeal", {"note": "They are the sources I quote."})
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "open" and made.json()["note"] == "They are the sources I quote."
    again = reader.post(f"/api/v1/comments/{rejected.pk}/appeal", {"note": "Please."})
    assert_problem(again, 400)
    assert "appealed this decision already" in again.json()["detail"]
    (mine,) = reader.get("/api/v1/me/comments").json()["comments"]
    assert mine["statement"]["appeal"]["status"] == "open" and not mine["statement"]["can_appeal"]


def test_an_appeal_on_someone_elses_comment_an_empty_note_or_an_unknown_comment_is_refused(reader, rejected):
    stranger = type(reader)()
    refused = stranger.post(f"/api/v1/comments/{rejected.pk}/appeal", {"note": "Not mine, but still."})
    assert_problem(refused, 403)
    assert refused.json()["detail"] == "Only the author of a comment can appeal a decision on it."
    empty = reader.post(f"/api/v1/comments/{rejected.pk}/appeal", {"note": "  "})
    assert_problem(empty, 400)
    assert empty.json()["errors"] == [
        {"field": "note", "message": "Say in a few words why the decision should change."}
    ]
    assert_problem(reader.post("/api/v1/comments/99999999/appeal", {"note": "Hm."}), 404)
    assert_problem(reader.post(f"/api/v1/comments/{rejected.pk}/appeal", {"text": "Wrong field."}), 400)
    assert not Appeal.objects.exists()


def test_the_staff_queue_lists_appeals_and_the_moderator_who_decided_cannot_answer(reader, rejected, staff_api,
                                                                                   django_user_model):  # fmt: skip
    reader.post(f"/api/v1/comments/{rejected.pk}/appeal", {"note": "They are the sources I quote."})
    listed = staff_api.get("/api/v1/queue?tab=appeals").json()
    (item,) = listed["items"]
    assert item["id"] == rejected.pk
    assert item["appeal"]["note"] == "They are the sources I quote." and item["appeal"]["against"] == "moderator1"
    assert next(t for t in listed["tabs"] if t["key"] == "appeals")["count"] == 1
    refused = staff_api.post(f"/api/v1/queue/{rejected.pk}/decision", {"action": "approve", "seen": item["seen"]})
    assert_problem(refused, 403)
    assert "another moderator decides the appeal" in refused.json()["detail"]
    other = django_user_model.objects.create_user("moderator2", is_staff=True)
    comment_decide(comment=Comment.objects.get(pk=rejected.pk), actor=other, decision="approve")
    assert Appeal.objects.get().status == Appeal.Status.OVERTURNED
    (mine,) = reader.get("/api/v1/me/comments").json()["comments"]
    assert mine["status"] == "published" and mine["statement"] is None
