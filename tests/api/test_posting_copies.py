"""Copies of one submission sent through the API at once are answered with the one comment they store.

Found by an outside attack: the same token sent 3 times at once was answered 201 once and 429 twice (the
copies counted against the rate limits while the first was being stored), though a retry sent after it gets
200 with ``duplicate: true``. The page's form was mended the same way before (``form_in_flight``).
"""

import threading
import uuid
from typing import Any

import pytest
from django.db import connection

from comments.models import Comment
from factories import make_seed_article

from .conftest import ApiClient

COPIES = 3
BODY = "Khalilzad is right to press Pakistan on the intra-Afghan talks, sent three times at once."


@pytest.mark.django_db(transaction=True)
def test_copies_of_one_submission_sent_at_once_store_one_comment_and_each_is_answered_with_it(settings):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file or server (run the suite on PostgreSQL)")
    settings.COMMENTS_RATE_PER_IP = "1/5s,30/h"
    settings.COMMENTS_RATE_PER_EMAIL = "1/5s,20/h"
    article = make_seed_article()
    data = {"name": "Amina", "email": "amina@example.com", "body": BODY, "token": uuid.uuid4().hex}
    answers: list[tuple[int, dict[str, Any]]] = []
    start = threading.Barrier(COPIES)

    def send() -> None:
        start.wait()
        try:
            response = ApiClient().post(f"/api/v1/stories/{article.pk}/comments", data)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    comment = Comment.objects.get(body=BODY)
    assert sorted(status for status, _ in answers) == [200] * (COPIES - 1) + [201], answers
    assert {body["comment"]["id"] for _, body in answers} == {comment.pk}
    assert sorted(body["duplicate"] for _, body in answers) == [False] + [True] * (COPIES - 1)
    # A copy sent later is a retry, answered the same way; a new comment from the address is too fast.
    again = ApiClient().post(f"/api/v1/stories/{article.pk}/comments", data)
    assert again.status_code == 200 and again.json()["comment"]["id"] == comment.pk
    other = ApiClient().post(f"/api/v1/stories/{article.pk}/comments", data | {"token": uuid.uuid4().hex})
    assert other.status_code == 429


@pytest.mark.parametrize("change", ["story closed", "author banned"])
@pytest.mark.django_db
def test_a_retry_after_the_claim_ran_out_is_answered_with_its_comment_though_what_changed_since_refuses_new_ones(
    settings, change
):
    """A client told "send it again with the same token" (a 503 whose transaction had committed) retries later,
    after the story closed or its author was banned: its comment was posted, and it is told so, not refused."""
    from commenters.models import StorySettings
    from commenters.services import sanction_add
    from newsroom import cache

    settings.COMMENTS_RATE_PER_IP = settings.COMMENTS_RATE_PER_EMAIL = ""
    article = make_seed_article()
    data = {"name": "Amina", "email": "amina@example.com", "body": BODY, "token": uuid.uuid4().hex}
    first = ApiClient().post(f"/api/v1/stories/{article.pk}/comments", data)
    assert first.status_code == 201
    cache.call("delete", f"comments:form-in-flight:{data['token']}")  # the claim ran out
    if change == "story closed":
        StorySettings.objects.create(article=article, comments_open=False)
    else:
        sanction_add(kind="ban", reason="threats", actor=None, email="amina@example.com")
    again = ApiClient().post(f"/api/v1/stories/{article.pk}/comments", data)
    assert (again.status_code, again.json()["comment"]["id"], again.json()["duplicate"]) == (
        200,
        first.json()["comment"]["id"],
        True,
    )
    other = ApiClient().post(f"/api/v1/stories/{article.pk}/comments", data | {"token": uuid.uuid4().hex})
    assert other.status_code == 403  # a new comment is refused
    assert Comment.objects.count() == 1
