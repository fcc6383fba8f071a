"""Rate limits: at most ``count`` in any ``seconds``, wherever the clock's windows fall."""

from unittest import mock

import pytest
from django.core.cache import cache

from comments import ratelimit


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def at(seconds: float):
    return mock.patch("comments.ratelimit._now", return_value=seconds)


def test_two_events_a_moment_apart_across_a_clock_window_are_one_too_many():
    # Fixed five-second windows would allow both: 1,000,004.99 and 1,000,005.01 fall in different ones.
    with at(1_000_004.99):
        assert ratelimit.hit("test", "reader", "1/5s") == 0
    with at(1_000_005.01):
        assert ratelimit.hit("test", "reader", "1/5s") == 5
    with at(1_000_009.98):
        assert ratelimit.peek("test", "reader", "1/5s") == 1
    with at(1_000_010.0):
        assert ratelimit.hit("test", "reader", "1/5s") == 0


def test_a_refused_attempt_does_not_push_the_wait_further():
    with at(100.0):
        assert ratelimit.hit("test", "reader", "2/10s") == 0
    with at(101.0):
        assert ratelimit.hit("test", "reader", "2/10s") == 0
    for moment in (102.0, 105.0, 109.0):
        with at(moment):
            assert ratelimit.hit("test", "reader", "2/10s") == int(110.0 - moment) + 1
    with at(110.5):
        assert ratelimit.hit("test", "reader", "2/10s") == 0


def test_every_rule_must_allow_and_a_refusal_counts_in_none():
    spec = "1/5s,3/h"
    for moment in (0.0, 10.0, 20.0):
        with at(1000.0 + moment):
            assert ratelimit.hit("test", "reader", spec) == 0
    with at(1030.0):
        assert ratelimit.hit("test", "reader", spec) == 3600 - 30 + 1  # the hourly rule's oldest is 30 s old
    with at(1000.0 + 3600.5):
        assert ratelimit.hit("test", "reader", spec) == 0
    # Other keys and scopes are counted apart.
    with at(1030.0):
        assert ratelimit.hit("test", "someone else", spec) == 0
        assert ratelimit.hit("other", "reader", spec) == 0


def test_a_garbled_log_in_the_cache_counts_as_none():
    import hashlib

    key = f"rl:test:1/5:{hashlib.sha256(b'reader').hexdigest()[:32]}"
    with at(50.0):
        assert ratelimit.hit("test", "reader", "1/5s") == 0
    assert cache.get(key) == [50.0]
    cache.set(key, "garbage", 10)
    with at(51.0):
        assert ratelimit.peek("test", "reader", "1/5s") == 0
        assert ratelimit.hit("test", "reader", "1/5s") == 0
    assert cache.get(key) == [51.0]


@pytest.mark.django_db(transaction=True)
def test_three_copies_of_one_form_sent_at_once_store_one_comment_and_each_is_answered_with_it(settings):
    """A triple click: the copies race each other; none is told it is too fast, one comment is stored."""
    import threading

    from django.db import connection
    from django.test import Client

    from comments.models import Comment
    from factories import comment_form_data, make_seed_article

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file or server")
    settings.COMMENTS_RATE_PER_IP = "1/5s,30/h"
    settings.COMMENTS_RATE_PER_EMAIL = "1/5s,20/h"
    article = make_seed_article()
    form = comment_form_data(body="Three clicks, one comment on the Doha talks.")
    answers: list[int] = []
    start = threading.Barrier(3)

    def click() -> None:
        start.wait()
        answers.append(Client().post(f"/articles/{article.slug}/comments/", form).status_code)
        connection.close()

    threads = [threading.Thread(target=click) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302, 302, 302]
    assert Comment.objects.filter(body=form["body"]).count() == 1
