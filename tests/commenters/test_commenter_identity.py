"""A commenter is someone: an address confirmed by email, and the browser that confirmed it."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from commenters.models import Commenter
from comments.forms import IDENTITY_COOKIE
from comments.models import Comment
from factories import comment_form_data, make_comment, make_seed_article
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = pytest.mark.django_db


def confirm_link(message) -> str:
    found = re.search(r"https://news\.example(/comments/confirm/[^/\s]+/)", message.get_content())
    assert found, message.get_content()
    return found[1]


def post(client, article, body, email="wen@example.com"):
    return client.post(f"/articles/{article.slug}/comments/", comment_form_data(name="Wen", email=email, body=body))


def test_the_first_comment_asks_once_a_day_to_confirm_and_the_link_confirms_this_browser(smtp):
    article = make_seed_article()
    reader = Client()
    post(reader, article, "My first words on the Doha talks.")
    post(reader, article, "My second words on the Doha talks.")
    call_command("send_outbox")
    asks = smtp.confirmations()
    assert [m["X-Envelope-To"] for m in asks] == ["wen@example.com"]  # once, not once a comment
    link = confirm_link(asks[0])
    page = reader.get(link)
    assert page.status_code == 200 and "Confirm my address" in page.content.decode()
    assert Commenter.objects.get(email="wen@example.com").confirmed_at is None  # a visit confirms nothing
    done = reader.post(link)
    assert done.status_code == 200 and IDENTITY_COOKIE in done.cookies and done.cookies[IDENTITY_COOKIE]["httponly"]
    assert Commenter.objects.get(email="wen@example.com").confirmed_at is not None
    assert Client().get(link[:-6] + "xxxxx/").status_code == 400


def test_typing_a_regulars_address_elsewhere_earns_nothing(smtp):
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "hold_first_comments": 2})
    forget_active_policy()
    article = make_seed_article()
    for n in range(3):  # the regular's record: three published comments
        earlier = make_comment(article, body=f"Earlier remark {n} on Doha.")
        Comment.objects.filter(pk=earlier.pk).update(author_email="wen@example.com", mailbox="wen@example.com")
    regular = Client()
    post(regular, article, "First from this browser.")
    assert Comment.objects.get(body="First from this browser.").reasons == ["new_commenter"]  # not yet confirmed
    call_command("send_outbox")
    ask = next(m for m in smtp.confirmations() if m["X-Envelope-To"] == "wen@example.com")
    link = confirm_link(ask)
    regular.post(link)
    post(regular, article, "Now from the confirmed browser.")
    assert Comment.objects.get(body="Now from the confirmed browser.").status == Comment.Status.PUBLISHED
    impostor = Client()
    post(impostor, article, "Pretending to be the regular.")
    pretended = Comment.objects.get(body="Pretending to be the regular.")
    assert pretended.status == Comment.Status.HELD and pretended.reasons == ["new_commenter"]


def test_a_confirmation_link_confirms_once(client, smtp):
    article = make_seed_article()
    post(client, article, "My words on the Doha talks.", email="once@example.com")
    call_command("send_outbox")
    (message,) = smtp.confirmations()
    path = confirm_link(message)
    assert client.post(path).status_code == 200  # the reader's browser
    forwarded = Client()  # the same link, forwarded or copied: it makes no other browser the reader's
    again = forwarded.post(path)
    assert again.status_code == 400 and "This link has been used already" in again.content.decode()
    assert IDENTITY_COOKIE in client.cookies and IDENTITY_COOKIE not in again.cookies
    assert Comment.objects.count() == 1
