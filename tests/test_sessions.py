"""The site's sessions (newsroom/sessions.py): a new session is one insert, and a key that is taken is drawn
again, never shared."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom import sessions

pytestmark = pytest.mark.django_db


def test_a_new_session_is_stored_without_asking_whether_its_key_is_taken():
    store = sessions.SessionStore()
    store["comments.own"] = [1]
    with CaptureQueriesContext(connection) as queries:
        store.save()
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")], statements
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"comments.own": [1]}


def test_a_key_drawn_twice_is_drawn_again_and_the_first_session_keeps_its_data(monkeypatch):
    first = sessions.SessionStore()
    first["who"] = "first"
    first.save()
    drawn = iter([first.session_key, "b" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(drawn))
    second = sessions.SessionStore()
    second["who"] = "second"
    second.save()
    assert second.session_key == "b" * 32
    assert sessions.SessionStore(first.session_key)["who"] == "first"
    assert sessions.SessionStore("b" * 32)["who"] == "second"
