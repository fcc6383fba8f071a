"""The cache is an optimisation: with Redis gone mid-test, pages, posting and limits keep working."""

import shutil

import pytest
from django.test import override_settings

from comments.models import Comment
from factories import comment_form_data, make_seed_article
from tests import redis_server
from tests.conftest import free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to start and kill"),
]


@pytest.fixture
def redis_url():
    url, server = redis_server.start(free_port())
    yield url, server
    server.kill()
    server.wait()


def test_pages_posting_and_limits_survive_redis_going_away(client, redis_url, caplog):
    url, server = redis_url
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches, COMMENTS_RATE_PER_EMAIL="1/h", COMMENTS_RATE_PER_IP=""):
        article = make_seed_article()
        page = article.get_absolute_url()
        assert client.get(page).status_code == 200
        first = client.post(f"/articles/{article.slug}/comments/", comment_form_data(email="a@example.com"))
        assert first.status_code == 302

        server.kill()
        server.wait()

        assert client.get(page).status_code == 200
        second = client.post(
            f"/articles/{article.slug}/comments/",
            comment_form_data(email="b@example.com", body="Pakistan's role again."),
        )
        assert second.status_code == 302  # stored, not a 500 and not lost
        assert Comment.objects.filter(author_email="b@example.com").exists()
        # The limit still counts, per process: the same address again is told to wait, text kept.
        again = client.post(
            f"/articles/{article.slug}/comments/", comment_form_data(email="b@example.com", body="Once more on Doha.")
        )
        assert again.status_code == 429 and "Once more on Doha." in again.content.decode()
        assert client.get("/admin/login/").status_code == 200
        # Log-in failures are counted in the database: the throttle holds with the cache gone.
        with override_settings(AXES_FAILURE_LIMIT=2):
            guesses = [client.post("/admin/login/", {"username": "mod", "password": "x"}).status_code for _ in range(3)]
        assert guesses == [200, 429, 429]
        assert any("Shared cache unreachable" in r.getMessage() for r in caplog.records)


def test_a_registered_site_keeps_its_embed_with_redis_gone_and_can_be_registered_meanwhile(client, redis_url):
    from embeds.models import Site

    url, server = redis_url
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    preflight = {"Access-Control-Request-Method": "GET"}
    with override_settings(CACHES=caches):
        Site.objects.create(name="The Paper", origin="https://paper.example")
        server.kill()
        server.wait()
        asked = client.options("/embed/v1/section", headers={"Origin": "https://paper.example", **preflight})
        assert asked["Access-Control-Allow-Origin"] == "https://paper.example"
        # An editor registering a site while the cache is down: saved, and allowed at once.
        Site.objects.create(name="The Other Paper", origin="https://other.example")
        other = client.options("/api/v1/comments", headers={"Origin": "https://other.example", **preflight})
        assert other["Access-Control-Allow-Origin"] == "https://other.example"


def test_a_shared_cache_that_failed_is_left_alone_for_a_few_seconds(monkeypatch):
    """Each try at a Redis that does not answer waits out its socket timeout: one failure sends the next
    RETRY_SECONDS of calls straight to this process's cache, then the shared one is asked again."""
    from newsroom import cache as shared

    asked: list[str] = []

    class Unreachable:
        def get(self, key, default=None):
            asked.append(key)
            raise ConnectionError("Redis is not answering")

        set = get

    clock = [1000.0]
    monkeypatch.setattr(shared, "cache", Unreachable())
    monkeypatch.setattr("newsroom.cache.time.monotonic", lambda: clock[0])
    assert shared.call("get", "a") is None
    shared.call("set", "b", 1)
    assert shared.call("get", "b") == 1  # kept in this process's cache meanwhile
    assert asked == ["a"]
    clock[0] += shared.RETRY_SECONDS + 0.1
    shared.call("get", "c")
    assert asked == ["a", "c"]  # asked again once the pause is over
