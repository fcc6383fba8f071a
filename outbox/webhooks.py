"""Sending alert webhooks: a signed JSON POST to an address an editor gave, which the site does not trust.

The address is checked when it is saved and again before every request (``check_url``): http or https, no
user name or password in it, and every address its host resolves to a public one (not loopback, private,
link-local, multicast, reserved or unspecified; IPv4-mapped and other IPv4-carrying IPv6 addresses are
judged by the IPv4 address they carry; a host spelled as a number, ``2130706433`` or ``0177.1``, is
judged by what it resolves to). The request then goes to the address that was checked, not to a second
lookup of the name, so a name that changes its answer between the check and the request (DNS rebinding)
does not reach an inner address. ``ALERTS_ALLOW_PRIVATE_HOSTS`` lifts the address rule (tests, a chat
server on the newsroom's own network).

Each request has one deadline (``ALERTS_WEBHOOK_TIMEOUT``, kept within a minute: ``webhook_timeout``) for
connecting, sending and reading the answer, so an endpoint that trickles its answer cannot hold a worker.
A host in another script is sent by its ASCII (IDNA) name, a path with non-ASCII characters percent-encoded. A redirect is not followed: it is a failed
attempt, like any answer outside 2xx.

Why the standard library's ``http.client`` rather than an HTTP package: the request must go to the checked
address while naming the host (its ``Host`` header, its TLS certificate and SNI), which ``http.client``
allows by opening the socket ourselves; a package would bring its own lookups, pools and redirects to undo.

Retries: a failed attempt is tried again at ``RETRY_AFTER``; the endpoint is backed off as a whole (its
other deliveries wait with it), so a dead endpoint gets a handful of requests however many alerts wait,
and is paused after ``PAUSE_AFTER`` failed attempts in a row (the delivery that paused it waits for the
resume). Nothing one delivery does (an answer, an address, a bug here) stops the round for the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import math
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox.models import AlertDelivery, AlertSubscription, DeliveryAttempt

logger = logging.getLogger(__name__)

RETRY_AFTER = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(hours=1))
# Failed attempts in a row (counted on the endpoint, across its deliveries) before it is paused: with the
# backoff above, an endpoint that fails every time is paused about 1 h 13 min after its first failure.
PAUSE_AFTER = len(RETRY_AFTER) + 1
# One delivery's attempts before it is given up (an endpoint that takes others but refuses this one).
MAX_ATTEMPTS = PAUSE_AFTER
# A delivery is claimed just before its request, for longer than any request may take (``TIMEOUT_MAX``), so
# no other worker (or ``check_alerts`` from cron) sends it meanwhile. A round stops claiming after
# ``ROUND_FOR`` and leaves the rest to the next round, which it enqueues.
CLAIM_FOR = dt.timedelta(minutes=2)
ROUND_FOR = CLAIM_FOR / 2
TIMEOUT_DEFAULT = 5.0
TIMEOUT_MAX = 60.0  # seconds; below CLAIM_FOR, so a claim outlives the request it covers
RESPONSE_KEPT = 500  # characters of an answer's body kept in the log
RESPONSE_READ = 64 * 1024  # bytes of an answer read at most
# Printable ASCII but the space: what a request line may carry as it is; anything else is percent-encoded.
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
# Special-purpose ranges (IANA registries) that ``is_global`` on Python 3.11 lets through, and a few more for
# safety: the site-local fec0::/10, documentation 3fff::/20, SRv6 5f00::/16, 192.0.0.0/24 (192.0.0.8 …), the
# 6to4 relay 192.88.99.0/24, benchmarking, TEST-NETs, 240/4.
DENIED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
        "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip


def webhook_timeout() -> float:
    """``ALERTS_WEBHOOK_TIMEOUT``, kept in (0, ``TIMEOUT_MAX``]: a zero, negative or not-a-number value from the
    environment falls back to the default, a huge one is cut to the maximum (a request must end before its
    claim does)."""
    raw = getattr(settings, "ALERTS_WEBHOOK_TIMEOUT", TIMEOUT_DEFAULT)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        logger.warning("ALERTS_WEBHOOK_TIMEOUT=%r is not a positive number of seconds: using %g.", raw, TIMEOUT_DEFAULT)
        return TIMEOUT_DEFAULT
    return min(value, TIMEOUT_MAX)


def kept(text: str, length: int = RESPONSE_KEPT) -> str:
    """Text fit for the log's columns: no NUL (PostgreSQL refuses it in text), cut to ``length``."""
    return text.replace("\x00", "")[:length]


class UnsafeURL(ValueError):
    """An address the site will not send to; the message says why, for the editor."""


def _carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64): a router may deliver there."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address is not a public one ("" when it is)."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = _carried_ipv4(address)
        if carried is not None:
            return refusal(carried)
    for kind, flag in (
        ("an unspecified", address.is_unspecified), ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local), ("a multicast", address.is_multicast),
        ("a private", address.is_private), ("a reserved", address.is_reserved),
        ("a non-public", not address.is_global),
    ):  # fmt: skip
        if flag:
            return f"{kind} address"
    if any(address in net for net in DENIED if net.version == address.version):
        return "a special-purpose address"
    return ""


@dataclass(frozen=True)
class Target:
    """A checked address: where to connect, and the host and path the request names."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_url(url: str, *, allow_private: bool | None = None) -> Target:
    """The address to send ``url``'s requests to, or ``UnsafeURL`` saying why not."""
    if allow_private is None:
        allow_private = settings.ALERTS_ALLOW_PRIVATE_HOSTS
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"This is not a web address ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL(f"Only http and https addresses can receive alerts, not {scheme or 'this'}.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeURL("Leave the user name and password out of the address: a webhook checks the signature.")
    given = parts.hostname or ""
    if not given:
        raise UnsafeURL("The address has no host name.")
    if any(c.isspace() or not c.isprintable() for c in given):
        raise UnsafeURL("The host name has a space or a control character in it.")
    try:  # the ASCII form (IDNA) is what the lookup, the Host header and SNI carry
        host = given if given.isascii() else given.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UnsafeURL(f"The host {given} is not a valid name ({exc}).") from None
    port = port or (443 if scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError) as exc:  # not found; a label too long; a NUL in the name
        raise UnsafeURL(f"The host {host} could not be found ({exc}).") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in found:
        text = str(sockaddr[0]).split("%", 1)[0]
        why = refusal(ipaddress.ip_address(text))
        if why and not allow_private:
            raise UnsafeURL(f"{host} resolves to {text}, {why}: alerts go only to public addresses.")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise UnsafeURL(f"The host {host} has no address.")
    # Non-ASCII, spaces and control characters percent-encoded (as UTF-8): http.client sends ASCII alone.
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_PATH_SAFE)
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def sign(secret: str, timestamp: int, delivery_id: int, body: bytes) -> str:
    """The ``X-Newsroom-Signature`` of a request: HMAC-SHA256 of ``<timestamp>.<delivery id>.<body>``, so neither
    the time nor the id a receiver drops repeats by can be changed without breaking it."""
    signed = f"{timestamp}.{delivery_id}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass
class Answer:
    status: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error


class _Connection(http.client.HTTPConnection):
    """A connection to a checked address, naming the host the editor gave."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = address

    def _open(self) -> socket.socket:
        return socket.create_connection((self.address, self.port), self.timeout)

    def connect(self) -> None:
        self.sock = self._open()


class _TLSConnection(_Connection):
    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open(), server_hostname=self.host)


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` to the first checked address, within ``timeout`` in all."""
    started = time.monotonic()
    answer = Answer()
    kind = _TLSConnection if target.scheme == "https" else _Connection
    connection = kind(target, target.addresses[0], timeout)
    # The socket's own timeout bounds each read; this bounds them all: at the deadline the socket is shut,
    # and whatever waits on it fails at once.
    deadline = threading.Timer(timeout, _shut, args=(connection,))
    deadline.daemon = True
    deadline.start()
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": _host_header(target)})
        response = connection.getresponse()
        answer.status = response.status
        answer.body = kept(response.read(RESPONSE_READ).decode("utf-8", "replace"))
        if 300 <= response.status < 400:
            where = response.getheader("Location", "")
            answer.error = f"Redirects are not followed (HTTP {response.status} to {where[:200]})."
        elif not answer.ok:
            answer.error = f"HTTP {response.status}"
    except Exception as exc:  # whatever the endpoint or its address makes of the request, it is a failed attempt
        late = isinstance(exc, TimeoutError) or time.monotonic() - started >= timeout
        answer.error = f"No answer within {timeout:g} s." if late else kept(f"{exc.__class__.__name__}: {exc}")
    finally:
        deadline.cancel()
        connection.close()
        answer.duration_ms = int((time.monotonic() - started) * 1000)
    return answer


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing waits on it
            sock.shutdown(socket.SHUT_RDWR)


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def body_of(delivery: AlertDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()


def attempt(delivery: AlertDelivery, subscription: AlertSubscription) -> Answer:
    """One request of a delivery: the address checked again now, then signed and sent."""
    try:
        target = check_url(subscription.url)
    except UnsafeURL as exc:
        return Answer(error=str(exc)[:500])
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Newsroom-Alerts/1",
        "X-Newsroom-Event": delivery.event,
        "X-Newsroom-Delivery": str(delivery.pk),
        "X-Newsroom-Timestamp": str(timestamp),
        "X-Newsroom-Signature": sign(subscription.secret, timestamp, delivery.pk, body),
    }
    return post(target, body=body, headers=headers, timeout=webhook_timeout())


@dataclass
class RoundResult:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    paused: list[int] = field(default_factory=list)  # subscriptions paused this round
    retry_at: list[dt.datetime] = field(default_factory=list)
    more: bool = False  # the round stopped at ROUND_FOR with deliveries left: run another


def due(now: dt.datetime) -> Q:
    """Webhook deliveries to send now: unsent, not given up, due, and their endpoint neither off, paused nor
    backing off."""
    return (
        Q(subscription__channel=AlertSubscription.Channel.WEBHOOK, sent_at__isnull=True, given_up_at__isnull=True,
          send_after__lte=now, subscription__is_active=True, subscription__paused_at__isnull=True)
        & (Q(subscription__retry_at__isnull=True) | Q(subscription__retry_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )  # fmt: skip


def send_due(*, limit: int = 50) -> RoundResult:
    """Send the webhook deliveries that are due; record each attempt; back off, give up or pause on failure.

    Each delivery is claimed just before its request, with the time then, and the round stops claiming after
    ``ROUND_FOR`` (``more``: the task enqueues another), so no claim runs out while its request is under way.
    Whatever goes wrong with one delivery is logged as its attempt and never stops the others."""
    result = RoundResult()
    began = timezone.now()
    failed_endpoints: set[int] = set()
    for pk in list(
        AlertDelivery.objects.filter(due(began)).order_by("send_after", "id").values_list("pk", flat=True)[:limit]
    ):
        now = timezone.now()
        if now - began >= ROUND_FOR:
            result.more = True
            break
        if not AlertDelivery.objects.filter(due(now), pk=pk).update(claimed_until=now + CLAIM_FOR):
            continue  # sent, or claimed by another worker, since the list was read
        try:
            delivery = AlertDelivery.objects.select_related("subscription").get(pk=pk)
            subscription = delivery.subscription
            assert subscription is not None  # due() follows the subscription
            if subscription.pk in failed_endpoints:  # it failed once this round: its backoff holds for all
                AlertDelivery.objects.filter(pk=pk).update(claimed_until=None)
                continue
            started = timezone.now()
            answer = attempt(delivery, subscription)
            _record(delivery, subscription, answer, started, result)
        except Exception as exc:
            logger.exception("Alert delivery %s could not be tried", pk)
            _record_crash(pk, exc, result)
            continue
        if not answer.ok:
            failed_endpoints.add(subscription.pk)
    return result


def _record_crash(pk: int, exc: Exception, result: RoundResult) -> None:
    """A delivery whose try broke (not the endpoint's answer: something here): logged as a failed attempt of
    its own, its claim released, tried again later and given up like any other; the round goes on."""
    now = timezone.now()
    error = kept(f"Could not be tried: {exc.__class__.__name__}: {exc}")
    try:
        with transaction.atomic():
            delivery = AlertDelivery.objects.select_for_update().get(pk=pk)
            attempts = delivery.attempts + 1
            given_up = attempts >= MAX_ATTEMPTS
            retry_at = now + RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
            DeliveryAttempt.objects.create(delivery_id=pk, at=now, error=error)
            AlertDelivery.objects.filter(pk=pk).update(
                attempts=attempts, claimed_until=None, last_error=error, send_after=retry_at,
                given_up_at=now if given_up else None,
            )  # fmt: skip
    except Exception:
        logger.exception("Alert delivery %s: its failed try could not be recorded either", pk)
        return
    if given_up:
        result.given_up += 1
    else:
        result.failed += 1
        result.retry_at.append(retry_at)


def _record(
    delivery: AlertDelivery, subscription: AlertSubscription, answer: Answer, started: dt.datetime,
    result: RoundResult,
) -> None:  # fmt: skip
    from outbox import services  # the pause emails through the services, which enqueue this module's task

    now = timezone.now()
    attempts = delivery.attempts + 1
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, at=started, status_code=answer.status, response_excerpt=kept(answer.body),
            error=kept(answer.error), duration_ms=answer.duration_ms,
        )  # fmt: skip
        if answer.ok:
            AlertDelivery.objects.filter(pk=delivery.pk).update(
                attempts=attempts, sent_at=now, claimed_until=None, last_error=""
            )
            AlertSubscription.objects.filter(pk=subscription.pk).update(failures=0, retry_at=None)
            result.sent += 1
            return
        # The endpoint's failures in a row, read under a lock: two workers failing at once count two.
        locked = AlertSubscription.objects.select_for_update().get(pk=subscription.pk)
        failures = locked.failures + 1
        # The longer of the endpoint's wait and this alert's own: an alert the endpoint keeps refusing while it
        # takes the others (which reset the endpoint's count) still backs off, rather than five tries 30 s apart.
        wait = RETRY_AFTER[min(max(failures, attempts), len(RETRY_AFTER)) - 1]
        retry_at = now + wait
        pausing = failures >= PAUSE_AFTER
        # A delivery whose failure pauses the endpoint waits with the others for the resume, not given up.
        given_up = attempts >= MAX_ATTEMPTS and not pausing
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts, claimed_until=None, last_error=kept(answer.error), send_after=retry_at,
            given_up_at=now if given_up else None,
        )  # fmt: skip
        AlertSubscription.objects.filter(pk=locked.pk).update(failures=failures, retry_at=retry_at)
        if given_up:
            result.given_up += 1
        else:
            result.failed += 1
        if pausing and locked.paused_at is None:
            services.alert_subscription_pause(
                subscription=locked,
                reason=kept(f"Paused after {failures} failed attempts in a row; last: {answer.error}", 300),
            )
            result.paused.append(locked.pk)
        else:
            result.retry_at.append(retry_at)
    logger.warning("Alert webhook %s failed (%d in a row): %s", subscription.pk, failures, answer.error)
