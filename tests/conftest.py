import shutil
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests import redis_server


@pytest.fixture(autouse=True)
def fresh_cache():
    """The active policy, counts and rate limits live in the cache (and in each process's fallback while the
    shared one is down): no test sees another's."""
    from django.core.cache import cache

    from newsroom.cache import FALLBACK, shared_cache_back

    shared_cache_back()
    cache.clear()
    FALLBACK.clear()
    yield
    shared_cache_back()
    cache.clear()
    FALLBACK.clear()


@pytest.fixture
def fresh_policy():
    """The learned model, the live policy and the site's recent scores read afresh before the test (and the live
    policy after it): a test that changes them sees its own."""
    from policies import shares
    from policies.selectors import forget_active_policy, forget_model

    forget_model()
    forget_active_policy()
    shares.forget()
    yield
    forget_active_policy()


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Tasks run where they are enqueued (after the commit, as on_commit has it), not by a worker: a test
    sees their effect at once. tests/lab/test_worker.py runs them through the real worker."""
    from importlib.util import find_spec

    framework = "django.tasks" if find_spec("django.tasks") else "django_tasks"  # Django 6.0, or the backport
    settings.TASKS = {"default": {"BACKEND": f"{framework}.backends.immediate.ImmediateBackend"}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [m.get_content() for m in self.news()]

    def news(self) -> list[EmailMessage]:
        """The emails that tell of something (not the requests to confirm an address)."""
        return [m for m in self.messages if "Confirm your address" not in str(m["Subject"])]

    def confirmations(self) -> list[EmailMessage]:
        return [m for m in self.messages if "Confirm your address" in str(m["Subject"])]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, and the site pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.SITE_URL = "https://news.example"
    yield inbox
    controller.stop()


@pytest.fixture(scope="session")
def redis_location():
    """A Redis of the tests' own (whatever cache the run is configured with)."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    url, server = redis_server.start(free_port())
    yield url
    server.kill()
    server.wait()


@pytest.fixture
def on_redis(redis_location):
    """The shared cache as several app servers keep it: on Redis (its scripts included)."""
    from django.core.cache import cache
    from django.test import override_settings

    from newsroom import cache as shared

    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_location}}
    with override_settings(CACHES=caches):
        shared.shared_cache_back()
        cache.clear()
        yield
        cache.clear()
