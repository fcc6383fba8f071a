"""The site's sessions (newsroom/sessions.py): a new session is one insert, and a key that is taken is drawn
again, never shared."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
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


@pytest.mark.parametrize(
    "where",
    ["within a transaction", pytest.param("outside one", marks=pytest.mark.django_db(transaction=True))],
)
def test_a_key_drawn_twice_is_drawn_again_and_the_first_session_keeps_its_data(monkeypatch, where):
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


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request's response is saved
def test_outside_a_transaction_a_session_is_one_statement_and_an_update_of_a_deleted_one_is_refused():
    store = sessions.SessionStore()
    store["comments.own"] = [1]
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["INSERT"]
    store["comments.own"] = [1, 2]
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["UPDATE"]
    assert sessions.SessionStore(store.session_key)["comments.own"] == [1, 2]
    # Deleted meanwhile (a sign-out in another tab): Django's answer, which the middleware turns into a new session.
    Session.objects.filter(session_key=store.session_key).delete()
    store["comments.own"] = [1, 2, 3]
    with pytest.raises(UpdateError):
        store.save()


@pytest.mark.django_db(transaction=True)
def test_a_session_saved_and_unchanged_since_is_not_written_again_once_committed():
    store = sessions.SessionStore()
    store["comments.own"] = [1]
    with transaction.atomic():
        with CaptureQueriesContext(connection) as within:
            store.save()  # as a post saves it, in the comment's transaction: no savepoint
        store.save()  # not committed yet: written again
    assert not [q["sql"] for q in within.captured_queries if "SAVEPOINT" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as queries:
        store.save()  # as the response goes out, unchanged since the commit
        store["comments.own"] = [1]  # the same again
        store.save()
    assert queries.captured_queries == []
    store["comments.own"] = [1, 2]
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["UPDATE"]
    assert sessions.SessionStore(store.session_key)["comments.own"] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_a_session_saved_in_a_transaction_rolled_back_is_written_again():
    store = sessions.SessionStore()
    store["comments.own"] = [1]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        store.save()
        raise ZeroDivisionError
    assert not Session.objects.filter(session_key=store.session_key).exists()
    store.save()  # as the response goes out: the row is not there to update, so it is a new session
    assert sessions.SessionStore(store.session_key)["comments.own"] == [1]
    # A session deleted meanwhile, whose row this request did not insert, is still refused (Django's answer).
    Session.objects.filter(session_key=store.session_key).delete()
    store["comments.own"] = [1, 2]
    with pytest.raises(UpdateError):
        store.save()


@pytest.mark.django_db(transaction=True)
def test_within_a_transaction_a_session_deleted_meanwhile_leaves_the_transaction_usable():
    """A post saves its browser's session last in the comment's transaction: a session signed out in another tab
    meanwhile must not undo the comment. The save is left to the response, which says what Django says."""
    store = sessions.SessionStore()
    store["comments.own"] = [1]
    store.save()
    Session.objects.filter(session_key=store.session_key).delete()
    store["comments.own"] = [1, 2]
    with transaction.atomic():
        store.save()
        assert not connection.needs_rollback
        assert Session.objects.count() == 0  # still usable
    with pytest.raises(UpdateError):
        store.save()  # as the response goes out, outside the transaction
