"""A database connection cut mid-request (a restart, a fail-over): reads are answered, posts keep their text."""

import time
from unittest import mock

import psycopg
import pytest
from django.db import connection

from comments.models import Comment
from factories import comment_form_data, make_seed_article
from newsroom.sessions import SessionStore  # the site's (SESSION_ENGINE)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no connection to cut: it is a file the process opens")


def terminate_our_connection() -> None:
    """Another connection terminates ours, as an administrator or a fail-over would, and waits till it is gone."""
    pid = connection.connection.info.backend_pid
    params = {
        k: v
        for k, v in connection.get_connection_params().items()
        if k in ("dbname", "user", "host", "port", "password")
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                break
            time.sleep(0.02)


def cut_connection_before(statement: str, table: str = "comments_comment"):
    """An execute wrapper that, the first time ``statement`` is about to run, has another connection
    terminate ours (as an administrator or a fail-over would): the statement then meets a dead connection."""
    cut: list[bool] = []

    def wrapper(execute, sql, params, many, context):
        if not cut and sql.lstrip().upper().startswith(statement) and table in sql:
            cut.append(True)
            terminate_our_connection()
        return execute(sql, params, many, context)

    wrapper.cut = cut  # type: ignore[attr-defined]
    return wrapper


def test_a_read_whose_connection_was_cut_is_answered(client):
    article = make_seed_article()
    wrapper = cut_connection_before("SELECT")
    with connection.execute_wrapper(wrapper):
        response = client.get(article.get_absolute_url())
    assert wrapper.cut
    assert response.status_code == 200
    assert "US seeks Pakistan" in response.content.decode()


def test_a_post_whose_connection_was_cut_keeps_the_text_and_a_resend_stores_once(client):
    article = make_seed_article()
    form = comment_form_data(body="Islamabad's role in Doha matters most.")
    wrapper = cut_connection_before("INSERT")
    with connection.execute_wrapper(wrapper):
        failed = client.post(f"/articles/{article.slug}/comments/", form)
    assert wrapper.cut
    assert failed.status_code == 503
    page = failed.content.decode()
    assert "lost the connection to our database" in page and "Islamabad&#x27;s role in Doha matters most." in page
    assert client.post(f"/articles/{article.slug}/comments/", form).status_code == 302
    assert Comment.objects.filter(body="Islamabad's role in Doha matters most.").count() == 1


def test_a_post_that_cannot_reach_the_database_at_all_is_a_503_that_gives_the_text_back(client):
    """The connection dies at the post's first read (the story), before the view's own guard: not a 500."""
    article = make_seed_article()
    form = comment_form_data(body="Islamabad's role in Doha matters most.")
    wrapper = cut_connection_before("SELECT", table="articles_article")
    with connection.execute_wrapper(wrapper):
        failed = client.post(f"/articles/{article.slug}/comments/", form)
    assert wrapper.cut
    assert failed.status_code == 503 and failed["Retry-After"] == "30"
    assert "Islamabad&#x27;s role in Doha matters most." in failed.content.decode()
    assert client.post(f"/articles/{article.slug}/comments/", form).status_code == 302


@pytest.mark.parametrize("session", ["new", "existing"])
def test_a_post_whose_connection_is_cut_as_its_session_is_saved_keeps_the_text(client, session):
    """The cut comes after the view, as the session is saved on the way out (outside any view's guard): the
    same 503 with the text, not a 500 (a new session) or a 400 (an existing one: Django's SessionInterrupted)
    that loses it. The comment was stored, and a resend stores it once."""
    article = make_seed_article()
    if session == "existing":
        store = client.session
        store["visited"] = True
        store.save()
    form = comment_form_data(body="Islamabad's role in Doha matters most.")
    save = SessionStore.save
    cut: list[bool] = []

    def cut_then_save(store, *args, **kwargs):
        if not cut:
            cut.append(True)
            terminate_our_connection()
        return save(store, *args, **kwargs)

    client.raise_request_exception = False
    with mock.patch.object(SessionStore, "save", cut_then_save):
        failed = client.post(f"/articles/{article.slug}/comments/", form)
    assert cut
    assert failed.status_code == 503 and failed["Retry-After"] == "30"
    assert "Islamabad&#x27;s role in Doha matters most." in failed.content.decode()
    assert client.post(f"/articles/{article.slug}/comments/", form).status_code == 302
    assert Comment.objects.filter(body="Islamabad's role in Doha matters most.").count() == 1
