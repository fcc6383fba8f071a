"""With the database out of reach, a post is a 503 that gives the reader their text back, on every database."""

from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, OperationalError, ProgrammingError, connection
from django.db.models import QuerySet

from comments.models import Comment
from factories import comment_form_data, make_seed_article
from newsroom import sessions

pytestmark = pytest.mark.django_db


def unreachable(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


def test_a_post_with_the_database_unreachable_keeps_the_text(client):
    article = make_seed_article()
    form = comment_form_data(body="Kept <b>safe</b> while the database restarts.")
    with (
        mock.patch("comments.views.article_to_comment_on", side_effect=unreachable),
        mock.patch.object(connection, "is_usable", return_value=False),
    ):
        response = client.post(f"/articles/{article.slug}/comments/", form)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "cannot reach our database" in page
    assert "Kept &lt;b&gt;safe&lt;/b&gt; while the database restarts." in page  # given back, escaped


def test_the_api_says_so_as_a_problem(client):
    with (
        mock.patch("api.readers.comments_by_url", side_effect=unreachable, create=True),
        mock.patch("comments.selectors.section_counts", side_effect=unreachable),
        mock.patch.object(connection, "is_usable", return_value=False),
    ):
        article = make_seed_article()
        response = client.get(f"/api/v1/stories/{article.pk}/comments")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"


def test_a_real_error_in_a_query_is_not_taken_for_an_outage(client):
    article = make_seed_article()
    client.raise_request_exception = False
    with mock.patch("comments.views.article_to_comment_on", side_effect=OperationalError("no such column: x")):
        response = client.post(f"/articles/{article.slug}/comments/", comment_form_data())
    assert response.status_code == 500


@pytest.mark.parametrize("session", ["new", "existing"])
def test_a_session_that_cannot_be_saved_with_the_database_gone_is_a_503_that_keeps_the_text(client, session):
    """A post saves its browser's session in the comment's transaction (newsroom/sessions.py), within the view's
    guard: the same 503, and nothing stored. (Saved as the response leaves, outside the view's guard, the
    middleware says the same: ``newsroom.middleware``.)"""
    article = make_seed_article()
    form = comment_form_data(body="Kept <b>safe</b> while the database restarts.")
    client.raise_request_exception = False
    if session == "existing":
        store = client.session
        store["visited"] = True
        store.save()
    # A new session is inserted by SessionStore._insert; an existing one updated by filter.
    update = QuerySet.update

    def update_but_sessions(queryset, **values):
        return unreachable() if queryset.model is Session else update(queryset, **values)

    target = (
        mock.patch.object(sessions.SessionStore, "_insert", side_effect=unreachable)
        if session == "new"
        else mock.patch.object(QuerySet, "update", update_but_sessions)
    )
    with (
        target,
        mock.patch.object(connection, "is_usable", return_value=False),
    ):
        response = client.post(f"/articles/{article.slug}/comments/", form)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "our database" in page
    assert "Kept &lt;b&gt;safe&lt;/b&gt; while the database restarts." in page
    assert not Comment.objects.exists()  # the comment's transaction was rolled back with the session's row


# (An OperationalError there is within the post's guard, which takes any for the connection lost: a 503 that
# keeps the text, as for the comment's own insert.)
@pytest.mark.parametrize("error", [ProgrammingError('relation "x" does not exist'), IntegrityError("x")])
def test_a_real_error_in_the_session_save_is_still_a_500(client, error):
    article = make_seed_article()
    client.raise_request_exception = False
    with mock.patch.object(sessions.SessionStore, "_insert", side_effect=error):
        response = client.post(f"/articles/{article.slug}/comments/", comment_form_data())
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
