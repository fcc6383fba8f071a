"""What the alert tests share: a real HTTP receiver on loopback, subscriptions, and a clock for the sender."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from outbox import tasks, webhooks
from outbox.models import AlertEvent, AlertSubscription
from outbox.services import alert_raise, alert_subscription_save


@dataclass
class Reply:
    """How the receiver answers one request: a status, headers, and whether to hang until released."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    hang: bool = False


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on 127.0.0.1 and a port of its own; answers from ``replies`` in turn (then 200)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
                reply = receiver.replies.pop(0) if receiver.replies else Reply()
                if reply.hang:
                    receiver.release.wait(30)
                    return
                payload = reply.body.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/newsroom"

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.ALERTS_ALLOW_PRIVATE_HOSTS = True  # the receiver is on loopback
    running = Receiver()
    running.thread.start()
    yield running
    running.release.set()
    running.server.shutdown()
    running.server.server_close()


def an_editor(name: str = "eddie", email: str = "eddie@news.example") -> User:
    from desk.roles import ensure_editors_group

    user = User.objects.create_user(name, email=email, is_staff=True)
    user.groups.add(ensure_editors_group())
    return user


def subscribe(
    *, url: str = "", email: str = "", events: list[str] | None = None, editor: User | None = None, **fields: Any
) -> AlertSubscription:
    """A subscription stored as the admin stores it (through the service, which also checks a webhook's URL)."""
    channel = AlertSubscription.Channel.WEBHOOK if url else AlertSubscription.Channel.EMAIL
    return alert_subscription_save(
        subscription=AlertSubscription(
            editor=editor or User.objects.filter(username="eddie").first() or an_editor(), channel=channel, url=url,
            email=email, events=events or [e.value for e in AlertEvent], **fields,
        )
    )  # fmt: skip


def raise_test_alert(subscription: AlertSubscription, *, n: int = 1) -> None:
    alert_raise(
        event=AlertEvent.COMMENT_HELD.value, subscription_ids=[subscription.pk], subject="A test alert",
        payload={"event": "comment.held", "comment": {"id": n}}, text="A comment was held.", key=f"comment:{n}",
    )  # fmt: skip


class Clock:
    """The sender's clock, moved on by hand: each round runs ``step`` after the last, past any backoff."""

    def __init__(self, step: dt.timedelta = dt.timedelta(hours=2)) -> None:
        self.now = timezone.now()
        self.step = step

    def round(self) -> dict[str, int]:
        self.now += self.step
        now = self.now
        with mock.patch.object(webhooks, "timezone", SimpleNamespace(now=lambda: now)):
            return tasks.deliver_due.call()
