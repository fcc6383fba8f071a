"""Alert webhooks against a real HTTP receiver on loopback: signed, retried, paused, and never sent where they
must not go."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from outbox import webhooks
from outbox.models import AlertDelivery, AlertSubscription, DeliveryAttempt, OutboundEmail
from outbox.services import alert_subscription_resume
from outbox.webhooks import PAUSE_AFTER, UnsafeURL, check_url
from tests.outbox.alerting import Clock, Receiver, Reply, an_editor, raise_test_alert, receiver, subscribe

pytestmark = pytest.mark.django_db
__all__ = ["receiver"]


DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None) -> bool:
    """What docs/alerts.md tells a receiver to do: its own example, run as it is printed there."""
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S) if "def verify" in b]
    namespace: dict[str, Any] = {}
    exec(example, namespace)  # noqa: S102 - our own documentation's code
    namespace["SECRET"] = secret.encode()
    return bool(namespace["verify"](headers, body, now=now))


def test_a_webhook_is_posted_after_the_commit_signed_with_its_secret(receiver: Receiver,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    subscription = subscribe(url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription)
        assert receiver.requests == []  # nothing leaves before the transaction commits
    (request,) = receiver.requests
    assert request.path == "/hooks/newsroom"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Newsroom-Event"] == "comment.held"
    assert verify(subscription.secret, request.headers, request.body)
    assert not verify("another secret", request.headers, request.body)
    tampered = dict(
        request.headers, **{"X-Newsroom-Timestamp": str(int(request.headers["X-Newsroom-Timestamp"]) - 600)}
    )
    assert not verify(subscription.secret, tampered, request.body)  # the time is signed: an old one is caught
    now = int(request.headers["X-Newsroom-Timestamp"])
    assert not verify(subscription.secret, tampered, request.body, now=now - 600)  # nor can it be changed
    other = dict(request.headers, **{"X-Newsroom-Delivery": str(int(request.headers["X-Newsroom-Delivery"]) + 1)})
    assert not verify(subscription.secret, other, request.body)  # the delivery id is signed too
    for odd in ("١٢٣", "+1", " 1", ""):  # digits of another script, signs, spaces: refused, never an exception
        assert not verify(subscription.secret, dict(request.headers, **{"X-Newsroom-Timestamp": odd}), request.body)
    assert not verify(subscription.secret, dict(request.headers, **{"X-Newsroom-Signature": "sha256=é"}), request.body)
    assert receiver.payloads() == [{"event": "comment.held", "comment": {"id": 1}}]
    delivery = AlertDelivery.objects.get()
    assert delivery.sent_at is not None and delivery.attempts == 1
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok" and attempt.error == ""


def test_a_500_is_tried_again_and_then_delivered(receiver: Receiver, django_capture_on_commit_callbacks):
    receiver.replies = [Reply(500, body="down for maintenance")]
    subscription = subscribe(url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription)
    delivery = AlertDelivery.objects.get()
    assert delivery.sent_at is None and delivery.attempts == 1 and delivery.last_error == "HTTP 500"
    subscription.refresh_from_db()
    assert subscription.failures == 1 and subscription.retry_at is not None
    assert Clock().round()["sent"] == 1
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.attempts == 2
    assert [(a.status_code, a.response_excerpt) for a in delivery.attempt_log.all()] == [
        (500, "down for maintenance"), (200, "ok"),
    ]  # fmt: skip
    subscription.refresh_from_db()
    assert subscription.failures == 0 and subscription.retry_at is None
    assert len(receiver.requests) == 2 and receiver.requests[0].body == receiver.requests[1].body


def test_an_endpoint_backing_off_holds_its_other_alerts_back(receiver: Receiver, django_capture_on_commit_callbacks):
    receiver.replies = [Reply(503)]
    subscription = subscribe(url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription, n=1)
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription, n=2)  # its round finds the endpoint backing off: not tried
    assert len(receiver.requests) == 1
    assert Clock().round()["sent"] == 2
    assert sorted(p["comment"]["id"] for p in receiver.payloads()) == [1, 1, 2]


def test_a_failing_endpoint_is_paused_its_editor_emailed_and_the_admin_says_so(
    receiver: Receiver, smtp, client, django_capture_on_commit_callbacks
):
    receiver.replies = [Reply(500) for _ in range(PAUSE_AFTER + 2)]
    editor = an_editor()
    subscription = subscribe(url=receiver.url, editor=editor, label="Night desk chat")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            raise_test_alert(subscription, n=n)
    clock = Clock()
    for _ in range(PAUSE_AFTER - 1):
        clock.round()
    subscription.refresh_from_db()
    assert subscription.paused_at is not None and subscription.failures == PAUSE_AFTER
    assert subscription.paused_reason == "Paused after 5 failed attempts in a row; last: HTTP 500"
    assert len(receiver.requests) == PAUSE_AFTER  # one a round, whatever waits: the endpoint is backed off
    assert clock.round()["sent"] == 0 and len(receiver.requests) == PAUSE_AFTER  # paused: nothing more is tried
    # The editor hears of it by email, through the outbox.
    call_command("send_outbox")
    (email,) = [m for m in smtp.messages if m["X-Envelope-To"] == editor.email]
    assert "paused" in str(email["Subject"]) and "Resume" in email.get_content()
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ALERT_PAUSED).count() == 1
    # And in the admin: on the index, and in the list.
    client.force_login(editor)
    assert "are paused after 5 failures" in client.get("/admin/").content.decode()
    assert "Paused after 5 failures" in client.get("/admin/outbox/alertsubscription/").content.decode()
    # Resuming is an action: the alerts that waited go out.
    receiver.replies = []
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/outbox/alertsubscription/", {"action": "resume", "_selected_action": [subscription.pk]}
        )
    assert answer.status_code == 302
    subscription.refresh_from_db()
    assert subscription.paused_at is None and subscription.failures == 0
    assert AlertDelivery.objects.filter(sent_at__isnull=False).count() == 3
    assert 'id="paused-alerts"' not in client.get("/admin/").content.decode()


def test_a_redirect_is_not_followed(receiver: Receiver, django_capture_on_commit_callbacks):
    receiver.replies = [Reply(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})]
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscribe(url=receiver.url))
    assert len(receiver.requests) == 1
    delivery = AlertDelivery.objects.get()
    assert delivery.sent_at is None
    assert delivery.last_error == "Redirects are not followed (HTTP 302 to http://169.254.169.254/latest/meta-data/)."
    assert delivery.attempt_log.get().status_code == 302


def test_an_endpoint_slower_than_the_timeout_fails(receiver: Receiver, settings, django_capture_on_commit_callbacks):
    settings.ALERTS_WEBHOOK_TIMEOUT = 0.3
    receiver.replies = [Reply(hang=True)]
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscribe(url=receiver.url))
    delivery = AlertDelivery.objects.get()
    assert delivery.sent_at is None and delivery.last_error == "No answer within 0.3 s."
    assert delivery.attempt_log.get().status_code is None


HOSTILE = {
    "file:///etc/passwd": "Only http and https",
    "ftp://files.example/x": "Only http and https",
    "gopher://127.0.0.1:70/": "Only http and https",
    "http://user:pass@127.0.0.1/": "Leave the user name and password out",
    "http://user@127.0.0.1/": "Leave the user name and password out",
    "http://127.0.0.1/": "a loopback address",
    "http://localhost/": "a loopback address",
    "http://[::1]/": "a loopback address",
    "http://169.254.169.254/latest/meta-data/": "a link-local address",
    "http://10.0.0.1/": "a private address",
    "http://192.168.1.1/": "a private address",
    "http://100.64.0.1/": "a non-public address",
    "http://0.0.0.0/": "an unspecified address",
    "http://[::]/": "an unspecified address",
    "http://224.0.0.1/": "a multicast address",
    "http://240.0.0.1/": "address",
    "http://2130706433/": "resolves to 127.0.0.1, a loopback address",
    "http://0x7f000001/": "resolves to 127.0.0.1",
    "http://0177.0.0.1/": "resolves to 127.0.0.1",
    "http://127.1/": "resolves to 127.0.0.1",
    "http://[::ffff:127.0.0.1]/": "a loopback address",
    "http://[::ffff:169.254.169.254]/": "a link-local address",
    "http://[2002:7f00:1::]/": "a loopback address",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::a00:1]/": "a private address",  # NAT64 around 10.0.0.1
    "http://[fe80::1]/": "a link-local address",
    "http://[fc00::1]/": "a private address",
    "http:///nohost": "no host name",
    # Special-purpose ranges that Python 3.11's is_global lets through.
    "http://[fec0::1]/": "a special-purpose address",  # site-local (deprecated)
    "http://[3fff::1]/": "a special-purpose address",  # documentation
    "http://192.0.0.8/": "a special-purpose address",  # IPv4 dummy address
    "http://192.88.99.1/": "a special-purpose address",  # the old 6to4 relay anycast
    "http://host\x7f.example/": "a control character",
}


@pytest.mark.parametrize("url", sorted(HOSTILE))
def test_hostile_addresses_are_refused(url: str, settings):
    settings.ALERTS_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(UnsafeURL, match=HOSTILE[url].replace("(", r"\(").replace(".", r"\.")):
        check_url(url)


def test_the_setting_lets_private_hosts_through_but_never_other_schemes_or_passwords():
    assert check_url("http://127.0.0.1:8080/x?y=1", allow_private=True).addresses == ("127.0.0.1",)
    assert check_url("http://127.0.0.1:8080/x?y=1", allow_private=True).path == "/x?y=1"
    for url in ("file:///etc/passwd", "http://user:pass@127.0.0.1/"):
        with pytest.raises(UnsafeURL):
            check_url(url, allow_private=True)


def test_a_public_address_passes():
    assert webhooks.refusal(ipaddress.ip_address("93.184.215.14")) == ""
    assert webhooks.refusal(ipaddress.ip_address("2606:4700::6810:84e5")) == ""


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://user:pass@127.0.0.1:{port}/", "http://127.0.0.1:{port}/",
     "http://[::1]:{port}/", "http://169.254.169.254/", "http://10.0.0.1/", "http://2130706433:{port}/",
     "http://[::ffff:127.0.0.1]:{port}/"],
)  # fmt: skip
def test_hostile_addresses_are_refused_again_at_send(url, receiver: Receiver, settings,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    """Stored past the form (an address that changed, a row written by hand): the sender checks before each
    request, and nothing reaches the receiver."""
    settings.ALERTS_ALLOW_PRIVATE_HOSTS = False
    subscription = subscribe(email="x@news.example")  # saved as an email subscription, then turned hostile
    port = receiver.server.server_address[1]
    AlertSubscription.objects.filter(pk=subscription.pk).update(channel="webhook", url=url.format(port=port))
    subscription.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription)
    assert receiver.requests == []
    delivery = AlertDelivery.objects.get()
    assert delivery.sent_at is None and delivery.last_error
    assert delivery.attempt_log.get().status_code is None


# H1: one bad webhook never stops delivery to all ------------------------------------------------------------


def test_a_non_ascii_path_is_sent_percent_encoded_and_never_stops_the_others(receiver: Receiver):
    odd = subscribe(url=receiver.url + "/é")  # crashed http.client (UnicodeEncodeError), and the round with it
    odder = subscribe(url=receiver.url + "/é x?q=ü")
    good = subscribe(url=receiver.url)
    for n, subscription in enumerate((odd, odder, good)):
        raise_test_alert(subscription, n=n)
    assert Clock().round()["sent"] == 3
    assert sorted(r.path for r in receiver.requests) == [
        "/hooks/newsroom", "/hooks/newsroom/%C3%A9", "/hooks/newsroom/%C3%A9%20x?q=%C3%BC"
    ]  # fmt: skip


def test_a_unicode_host_is_looked_up_and_named_in_ascii():
    target = check_url("http://①②③.④/", allow_private=True)  # NFKC and IDNA: 123.4, that is 123.0.0.4
    assert target.host == "123.4" and target.addresses == ("123.0.0.4",)
    assert webhooks._host_header(target).isascii()
    public = [(2, 1, 6, "", ("93.184.215.14", 8080))]
    with mock.patch("socket.getaddrinfo", return_value=public) as lookup:
        assert check_url("http://bücher.example:8080/", allow_private=False).host == "xn--bcher-kva.example"
    assert lookup.call_args.args[0] == "xn--bcher-kva.example"


def test_a_delivery_that_breaks_is_logged_and_the_round_goes_on(receiver: Receiver, monkeypatch):
    broken = subscribe(url=receiver.url + "/broken")
    good = subscribe(url=receiver.url)
    raise_test_alert(broken)
    raise_test_alert(good, n=2)
    real = webhooks.attempt

    def attempt(delivery: AlertDelivery, subscription: AlertSubscription) -> webhooks.Answer:
        if subscription.pk == broken.pk:
            raise UnicodeEncodeError("ascii", "é", 0, 1, "ordinal not in range(128)")
        return real(delivery, subscription)

    monkeypatch.setattr(webhooks, "attempt", attempt)
    result = Clock().round()
    assert result["sent"] == 1 and result["failed"] == 1
    assert AlertDelivery.objects.get(subscription=good).sent_at is not None
    failed = AlertDelivery.objects.get(subscription=broken)
    assert failed.sent_at is None and failed.given_up_at is None and failed.claimed_until is None
    assert failed.attempts == 1 and "UnicodeEncodeError" in failed.attempt_log.get().error


def test_an_answer_with_a_nul_byte_is_logged_without_it(receiver: Receiver, django_capture_on_commit_callbacks):
    """PostgreSQL refuses a NUL in text: the answer is kept without it (and the round is not stopped)."""
    receiver.replies = [Reply(500, body="bad\x00answer" + "x" * 600)]
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscribe(url=receiver.url))
    delivery = AlertDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_error == "HTTP 500"
    excerpt = delivery.attempt_log.get().response_excerpt
    assert excerpt.startswith("badanswer") and "\x00" not in excerpt and len(excerpt) == webhooks.RESPONSE_KEPT


# M3: the alert whose failure pauses the endpoint waits for the resume -----------------------------------------


def test_the_alert_retried_into_a_pause_goes_out_on_resume(receiver: Receiver, django_capture_on_commit_callbacks):
    receiver.replies = [Reply(500)] * PAUSE_AFTER
    subscription = subscribe(url=receiver.url)
    raise_test_alert(subscription)
    clock = Clock()
    for _ in range(PAUSE_AFTER):
        clock.round()
    subscription.refresh_from_db()
    delivery = AlertDelivery.objects.get()
    assert subscription.paused_at is not None and delivery.given_up_at is None and delivery.attempts == PAUSE_AFTER
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_subscription_resume(subscription=subscription)
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and len(receiver.requests) == PAUSE_AFTER + 1


# M7: claims made just before each request, rounds that end before their claims ------------------------------


def test_each_claim_is_made_when_its_request_starts_and_a_long_round_stops(receiver: Receiver, settings):
    subscriptions = [subscribe(url=f"{receiver.url}/{n}") for n in range(30)]
    for n, subscription in enumerate(subscriptions):
        raise_test_alert(subscription, n=n)
    clock = {"now": timezone.now()}
    margins: list[float] = []

    def slow_attempt(delivery: AlertDelivery, subscription: AlertSubscription) -> webhooks.Answer:
        clock["now"] += dt.timedelta(seconds=5)  # each endpoint takes the whole timeout
        claimed = AlertDelivery.objects.get(pk=delivery.pk).claimed_until
        assert claimed is not None
        margins.append((claimed - clock["now"]).total_seconds())
        return webhooks.Answer(status=200)

    with (
        mock.patch.object(webhooks, "timezone", SimpleNamespace(now=lambda: clock["now"])),
        mock.patch.object(webhooks, "attempt", slow_attempt),
    ):
        result = webhooks.send_due()
        assert min(margins) > 0  # no claim had run out while its request was under way
        assert result.more and result.sent == webhooks.ROUND_FOR.total_seconds() // 5
        while result.more:  # the task enqueues the next round
            result = webhooks.send_due()
    assert min(margins) > 0 and len(margins) == 30
    assert AlertDelivery.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("value", "used"), [(5, 5.0), (0.3, 0.3), (0, 5.0), (-1, 5.0), (float("nan"), 5.0), (1e9, 60.0), ("x", 5.0)]
)
def test_the_timeout_is_kept_below_the_claim(settings, value: object, used: float):
    settings.ALERTS_WEBHOOK_TIMEOUT = value
    assert webhooks.webhook_timeout() == used
    assert webhooks.CLAIM_FOR.total_seconds() > webhooks.TIMEOUT_MAX


# Lows --------------------------------------------------------------------------------------------------------


def test_an_alert_the_endpoint_keeps_refusing_backs_off_on_its_own(receiver: Receiver):
    """Other alerts succeeding in between reset the endpoint's count; the alert refused for the fourth time still
    waits its own fourth step, not 30 s."""
    subscription = subscribe(url=receiver.url)
    raise_test_alert(subscription)
    AlertDelivery.objects.update(attempts=3)  # refused three times already
    receiver.replies = [Reply(422)]
    Clock().round()
    delivery = AlertDelivery.objects.get()
    subscription.refresh_from_db()
    assert subscription.failures == 1 and delivery.attempts == 4
    assert delivery.send_after is not None
    assert delivery.send_after - delivery.attempt_log.get().at >= webhooks.RETRY_AFTER[3]
