"""An opt-out and the once-a-day confirmation hold for the mailbox, not for one spelling of its address.

Found by an outside attack: posting as victim@example.com, unsubscribing with the one-click link, then
posting as victim+1@, victim+2@, VICTIM+3@ and victim+4@example.com sent all four confirmation emails to the
unsubscribed mailbox (the opt-out was per address, the throttle per ``Commenter`` row, one a spelling).
"""

import datetime as dt
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from commenters.mailboxes import KEY_MAX_LENGTH, mailbox_key
from commenters.models import Commenter
from comments.services import comment_approve, comment_post
from factories import HOLD_ALL, PUBLISH_ALL, comment_form_data, make_seed_article
from outbox.models import MAILBOX_MAX_LENGTH, EmailOptOut, OutboundEmail, Recipient
from outbox.services import email_queue, unsubscribe_token

pytestmark = pytest.mark.django_db

SPELLINGS = ["victim+1@example.com", "victim+2@example.com", "VICTIM+3@example.com", "victim+4@example.com"]


def post_as(article, email: str, body: str) -> None:
    """A comment through the page's form, from a browser of its own (none confirmed the address)."""
    response = Client().post(f"/articles/{article.slug}/comments/", comment_form_data(email=email, body=body))
    assert response.status_code == 302, response.content


def one_click_unsubscribe(email: OutboundEmail) -> None:
    """What a mail program does with the List-Unsubscribe header (RFC 8058): a POST, no cookie, no CSRF token."""
    path = urlsplit(email.unsubscribe_url).path
    done = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more emails" in done.content.decode()


def a_day_later() -> None:
    """The confirmation throttle's day has passed for everyone."""
    Commenter.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(days=2))


def test_the_attack_an_unsubscribed_mailbox_gets_no_confirmation_under_another_spelling(smtp):
    article = make_seed_article()
    post_as(article, "victim@example.com", "The Doha talks need Pakistan at the table.")
    first = OutboundEmail.objects.get(kind=OutboundEmail.Kind.CONFIRM)
    assert first.to == "victim@example.com" and first.unsubscribe_url
    call_command("send_outbox")
    assert [m["X-Envelope-To"] for m in smtp.confirmations()] == ["victim@example.com"]
    one_click_unsubscribe(first)
    for n, spelling in enumerate(SPELLINGS):
        post_as(article, spelling, f"Islamabad's part in the talks, point {n}.")
    call_command("send_outbox")
    assert len(smtp.confirmations()) == 1  # only the one before the unsubscribe
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    assert sorted(Commenter.objects.values_list("email", flat=True)) == sorted(
        ["victim@example.com", *(s.lower() for s in SPELLINGS)]
    )  # each address as typed, kept for mail


def test_an_opt_out_stops_every_kind_of_email_to_every_spelling_of_the_mailbox(smtp, admin_user):
    article = make_seed_article()
    # A reply notice waiting (unsent) for another spelling when the reader unsubscribes: it is dropped.
    with mock.patch("comments.services.live_policy", return_value=PUBLISH_ALL):
        asked = comment_post(
            article=article, author_name="Vic", author_email="Victim+replies@example.com", body="Doha matters.",
            notify_replies=True,
        ).comment  # fmt: skip
        comment_post(article=article, author_name="Ali", author_email="ali@example.com", body="It does.", parent=asked)
    waiting = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert waiting.to == "victim+replies@example.com" and waiting.sent_at is None
    with mock.patch("comments.services.live_policy", return_value=HOLD_ALL):
        held = comment_post(
            article=article, author_name="Vic", author_email="VICTIM+held@example.com", body="Held on Doha."
        ).comment
    Commenter.objects.filter(email="victim+held@example.com").update(confirmed_at=timezone.now())
    link = OutboundEmail.objects.filter(to="victim+replies@example.com", kind=OutboundEmail.Kind.CONFIRM).get()
    one_click_unsubscribe(link)
    assert EmailOptOut.objects.get().mailbox == "victim@example.com"
    assert not OutboundEmail.objects.filter(mailbox="victim@example.com", sent_at__isnull=True).exists()
    a_day_later()
    # A confirmation, a reply notice and a decision notice, each to a spelling never unsubscribed.
    post_as(article, "victim+new@example.com", "A new spelling on the talks.")
    with mock.patch("comments.services.live_policy", return_value=PUBLISH_ALL):
        comment_post(article=article, author_name="Bo", author_email="bo@example.com", body="Agreed.", parent=asked)
    comment_approve(comment=held, actor=admin_user)
    # The same kinds to another mailbox still go.
    post_as(article, "other@example.com", "Another reader on the talks.")
    call_command("send_outbox")
    sent_to = sorted(m["X-Envelope-To"] for m in smtp.messages)
    assert sent_to == ["ali@example.com", "bo@example.com", "other@example.com"]  # their confirmations only
    assert not OutboundEmail.objects.filter(mailbox="victim@example.com").exists()


def test_one_confirmation_email_a_day_a_mailbox_however_it_is_spelled(smtp):
    article = make_seed_article()
    for n, spelling in enumerate(["victim@example.com", *SPELLINGS]):
        post_as(article, spelling, f"On the Doha talks, take {n}.")
    post_as(article, "other@example.com", "Someone else on the talks.")  # another mailbox has its own day
    assert sorted(OutboundEmail.objects.filter(kind="confirm").values_list("to", flat=True)) == [
        "other@example.com",
        "victim@example.com",
    ]
    a_day_later()
    post_as(article, "Victim+5@example.com", "The next day, on the talks.")
    confirmations = OutboundEmail.objects.filter(kind="confirm", mailbox="victim@example.com")
    assert sorted(confirmations.values_list("to", flat=True)) == ["victim+5@example.com", "victim@example.com"]
    call_command("send_outbox")
    assert len(smtp.confirmations()) == 3


def test_a_link_from_before_the_mailbox_was_kept_still_unsubscribes_its_address(smtp):
    """An unsubscribe link names a ``Recipient`` row, which older rows have without a mailbox: the address
    it names stops all the same."""
    token = unsubscribe_token("old.reader@example.com")
    Client().post(f"/comments/unsubscribe/{token}/")
    assert EmailOptOut.objects.filter(email="old.reader@example.com", mailbox="").exists()
    assert email_queue(to="Old.Reader@example.com", mailbox="", kind="reply", subject="s", body="b") is None
    assert email_queue(to="someone@example.com", mailbox="someone@example.com", kind="reply", subject="s", body="b")


def test_the_outbox_column_is_as_wide_as_the_key():
    assert MAILBOX_MAX_LENGTH == KEY_MAX_LENGTH


@pytest.mark.django_db(transaction=True)
def test_opt_outs_and_emails_stored_before_are_given_their_mailboxes():
    """Migration 0003 fills the mailbox of the rows already stored: an old opt-out holds for every spelling."""
    executor = MigrationExecutor(connection)
    executor.migrate([("outbox", "0002_recipient")])
    old = executor.loader.project_state([("outbox", "0002_recipient")]).apps
    old.get_model("outbox", "EmailOptOut").objects.create(email="quiet+news@example.com")
    old.get_model("outbox", "Recipient").objects.create(email="Reader.One@Example.com")
    for _ in range(2):
        old.get_model("outbox", "OutboundEmail").objects.create(
            to="reader.one@example.com", kind="reply", subject="s", body="b", send_after=timezone.now()
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert EmailOptOut.objects.get().mailbox == "quiet@example.com"
    assert Recipient.objects.get().mailbox == "reader.one@example.com"
    assert set(OutboundEmail.objects.values_list("mailbox", flat=True)) == {"reader.one@example.com"}
    assert email_queue(to="QUIET@example.com", mailbox=mailbox_key("QUIET@example.com"), kind="reply",
                       subject="s", body="b") is None  # fmt: skip
