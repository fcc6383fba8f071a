"""Alert subscriptions in the admin: editors' alone, hostile addresses refused with a reason, the secret shown
once, every change in the admin's history."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User

from desk.roles import ensure_moderators_group
from outbox.models import AlertDelivery, AlertSubscription, DeliveryAttempt, OutboundEmail
from outbox.selectors import alert_subscriptions
from tests.outbox.alerting import Receiver, an_editor, raise_test_alert, receiver, subscribe

pytestmark = pytest.mark.django_db
__all__ = ["receiver"]

ADD = "/admin/outbox/alertsubscription/add/"


def form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "label": "Night desk", "channel": "webhook", "email": "", "url": "", "events": ["comment.held"],
        "burst_threshold": 5, "waiting_minutes": 30, "is_active": "on",
    }  # fmt: skip
    data.update(fields)
    return data


@pytest.fixture
def editor_client(client):
    client.force_login(an_editor())
    return client


def test_an_editor_opens_every_alert_page(editor_client, receiver: Receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription)
    delivery = AlertDelivery.objects.get()
    for url in (
        "/admin/outbox/alertsubscription/", ADD, f"/admin/outbox/alertsubscription/{subscription.pk}/change/",
        f"/admin/outbox/alertsubscription/{subscription.pk}/history/", "/admin/outbox/alertdelivery/",
        f"/admin/outbox/alertdelivery/{delivery.pk}/change/",
    ):  # fmt: skip
        assert editor_client.get(url).status_code == 200, url
    page = editor_client.get(f"/admin/outbox/alertdelivery/{delivery.pk}/change/").content.decode()
    assert "comment.held" in page and DeliveryAttempt.objects.get().response_excerpt in page
    # The log is the sender's: nobody edits or deletes it.
    assert editor_client.post(f"/admin/outbox/alertdelivery/{delivery.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_moderator_is_refused(client, django_user_model):
    moderator = django_user_model.objects.create_user("moira", is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    client.force_login(moderator)
    for url in ("/admin/outbox/alertsubscription/", ADD, "/admin/outbox/alertdelivery/"):
        assert client.get(url).status_code == 403, url
    assert "/admin/outbox/alertsubscription/" not in client.get("/admin/").content.decode()


SECRET = "/admin/outbox/alertsubscription/secret/"


def test_a_new_webhook_shows_its_secret_once_and_is_audited(editor_client, receiver: Receiver):
    answer = editor_client.post(ADD, form(url=receiver.url))
    assert answer.status_code == 302 and answer["Location"].startswith(SECRET)  # reloading it saves nothing again
    subscription = AlertSubscription.objects.get()
    assert subscription.editor.username == "eddie"
    html = editor_client.get(answer["Location"]).content.decode()
    assert f'<code class="alert-secret">{subscription.secret}</code>' in html and "not shown again" in html
    assert receiver.url not in html  # the page names the host, not the hook's path
    # Shown once: a reload (or another editor, or later) gets no secret, and no second subscription.
    again = editor_client.get(answer["Location"]).content.decode()
    assert subscription.secret not in again and "There is no secret to show" in again
    assert AlertSubscription.objects.count() == 1
    change = editor_client.get(f"/admin/outbox/alertsubscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in change and f"…{subscription.secret[-4:]}" in change
    assert LogEntry.objects.filter(object_id=str(subscription.pk), action_flag=1).exists()
    # Renewing: a new secret, shown once, logged.
    old = subscription.secret
    renewed = editor_client.post(
        "/admin/outbox/alertsubscription/", {"action": "renew_secret", "_selected_action": [subscription.pk]}
    )
    subscription.refresh_from_db()
    assert renewed.status_code == 302
    assert subscription.secret != old and subscription.secret in editor_client.get(renewed["Location"]).content.decode()
    assert LogEntry.objects.filter(
        object_id=str(subscription.pk), change_message="Renewed the signing secret."
    ).exists()


def test_an_email_subscription_saves_like_any_other(editor_client):
    answer = editor_client.post(ADD, form(channel="email", email="desk@news.example"))
    assert answer.status_code == 302
    assert [s.pk for s in alert_subscriptions("comment.held")] == [AlertSubscription.objects.get().pk]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://files.example/x", "Only http and https"),
        ("http://user:pass@127.0.0.1/", "Leave the user name and password out"),
        ("http://127.0.0.1/", "127.0.0.1, a loopback address"),
        ("http://[::1]/", "a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://10.0.0.1/", "a private address"),
        ("http://2130706433/", "resolves to 127.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address"),
    ],
)
def test_a_hostile_address_is_refused_at_save_with_the_reason(editor_client, settings, url, says):
    settings.ALERTS_ALLOW_PRIVATE_HOSTS = False
    answer = editor_client.post(ADD, form(url=url))
    assert answer.status_code == 200
    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.content.decode(), re.S))
    assert says in errors.replace("&#x27;", "'")
    assert not AlertSubscription.objects.exists()


def test_a_change_is_audited_and_the_posting_path_sees_it_at_once(editor_client, receiver: Receiver):
    subscription = subscribe(url=receiver.url, events=["comment.held"], editor=User.objects.get(username="eddie"))
    assert [s.pk for s in alert_subscriptions("comment.held")] == [subscription.pk]  # now cached
    answer = editor_client.post(
        f"/admin/outbox/alertsubscription/{subscription.pk}/change/",
        form(url=receiver.url, events=["comment.reported"]),
    )
    assert answer.status_code == 302
    assert alert_subscriptions("comment.held") == []
    assert LogEntry.objects.filter(object_id=str(subscription.pk), action_flag=2).exists()


def test_an_email_subscription_turned_webhook_shows_its_new_secret_once(editor_client, receiver: Receiver):
    subscription = subscribe(email="desk@news.example", editor=User.objects.get(username="eddie"))
    old = subscription.secret
    answer = editor_client.post(
        f"/admin/outbox/alertsubscription/{subscription.pk}/change/", form(url=receiver.url, email="desk@news.example")
    )
    assert answer.status_code == 302 and answer["Location"].startswith(SECRET)
    subscription.refresh_from_db()
    assert subscription.channel == "webhook" and subscription.secret != old and subscription.email == ""
    assert (
        f'<code class="alert-secret">{subscription.secret}</code>'
        in editor_client.get(answer["Location"]).content.decode()
    )
    assert subscription.secret not in editor_client.get(answer["Location"]).content.decode()
    # A change that keeps the channel shows nothing and renews nothing.
    kept = subscription.secret
    answer = editor_client.post(f"/admin/outbox/alertsubscription/{subscription.pk}/change/", form(url=receiver.url))
    subscription.refresh_from_db()
    assert answer["Location"] == "/admin/outbox/alertsubscription/" and subscription.secret == kept


def test_the_secret_page_shows_nothing_after_a_few_minutes(editor_client, receiver: Receiver):
    from outbox.admin import REVEAL_FOR

    answer = editor_client.post(ADD, form(url=receiver.url))
    session = editor_client.session
    session["outbox:reveal-secret"] = {k: v - REVEAL_FOR.total_seconds() - 1 for k, v in
                                       session["outbox:reveal-secret"].items()}  # fmt: skip
    session.save()
    assert AlertSubscription.objects.get().secret not in editor_client.get(answer["Location"]).content.decode()


def test_the_unused_field_is_cleared_and_never_checked(editor_client, settings):
    settings.ALERTS_ALLOW_PRIVATE_HOSTS = False
    answer = editor_client.post(ADD, form(channel="email", email="desk@news.example", url="http://127.0.0.1/x"))
    assert answer.status_code == 302  # the URL goes nowhere: not refused, and not kept
    subscription = AlertSubscription.objects.get()
    assert subscription.email == "desk@news.example" and subscription.url == ""


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [("waiting_minutes", 10080, True), ("waiting_minutes", 10081, False), ("waiting_minutes", 9223372036854775807, False),
     ("waiting_minutes", 0, False), ("burst_threshold", 10000, True), ("burst_threshold", 10001, False)],
)  # fmt: skip
def test_thresholds_are_bounded(editor_client, field: str, value: int, ok: bool):
    answer = editor_client.post(ADD, form(channel="email", email="desk@news.example", **{field: value}))
    assert (answer.status_code == 302) is ok
    assert AlertSubscription.objects.exists() is ok


def test_an_editor_without_an_email_is_warned_when_saving_a_webhook(client, receiver: Receiver):
    client.force_login(an_editor("noemail", email=""))
    answer = client.post(ADD, form(url=receiver.url), follow=True)
    assert "nobody will be emailed if the site pauses this webhook" in answer.content.decode()


HOOK_PATH = "/services/T000/B000/XXXXSECRETPATH?token=hunter2"


def test_the_webhook_url_shows_only_on_its_editors_page(client, receiver: Receiver, smtp, django_user_model,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    """A hook's path is its credential: the pause email (which moderators can read in Outbound emails), the
    delivery log, the list and the admin index name the subscription by its host and id."""
    from outbox.services import alert_subscription_pause

    editor = an_editor()
    subscription = subscribe(url=receiver.url + HOOK_PATH, editor=editor)
    with django_capture_on_commit_callbacks(execute=True):
        raise_test_alert(subscription)
        alert_subscription_pause(subscription=subscription, reason="Paused after 5 failed attempts in a row")
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ALERT_PAUSED)
    assert f"subscription {subscription.pk}" in email.subject and "127.0.0.1" in email.subject
    delivery = AlertDelivery.objects.get()
    moderator = django_user_model.objects.create_user("moira", is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    outbox = [f"/admin/outbox/outboundemail/{email.pk}/change/", "/admin/outbox/outboundemail/"]
    alerts = ["/admin/", "/admin/outbox/alertsubscription/", "/admin/outbox/alertdelivery/",
              f"/admin/outbox/alertdelivery/{delivery.pk}/change/"]  # fmt: skip
    for who, pages in ((moderator, outbox), (editor, outbox + alerts)):
        client.force_login(who)
        for url in pages:
            answer = client.get(url)
            assert answer.status_code == 200, (who.username, url)
            assert "XXXXSECRETPATH" not in answer.content.decode() and "hunter2" not in answer.content.decode(), url
    assert "XXXXSECRETPATH" not in email.body and "XXXXSECRETPATH" not in email.subject
    # Its editors' own page shows it: they may change it.
    client.force_login(editor)
    assert "XXXXSECRETPATH" in client.get(f"/admin/outbox/alertsubscription/{subscription.pk}/change/").content.decode()


def test_deleting_a_subscription_keeps_its_delivery_log(editor_client, receiver: Receiver):
    subscription = subscribe(url=receiver.url, label="Night desk chat", editor=User.objects.get(username="eddie"))
    raise_test_alert(subscription)
    answer = editor_client.post(f"/admin/outbox/alertsubscription/{subscription.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not AlertSubscription.objects.exists()
    delivery = AlertDelivery.objects.get()
    assert (
        delivery.subscription is None
        and delivery.subscription_name == f"“Night desk chat” (subscription {subscription.pk})"
    )
    assert delivery.given_up_at is not None and delivery.last_error == "The subscription was deleted."
    page = editor_client.get(f"/admin/outbox/alertdelivery/{delivery.pk}/change/").content.decode()
    assert "Night desk chat" in page and "(deleted)" in page
    assert editor_client.get("/admin/outbox/alertdelivery/").status_code == 200
