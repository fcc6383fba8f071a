"""Emails to readers, sent through a real SMTP server the test starts (aiosmtpd)."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from commenters.models import Commenter
from comments.models import Comment
from comments.services import comment_approve, comment_post, comment_reject
from factories import HOLD_ALL, comment_form_data, make_comment, make_seed_article
from outbox.models import EmailOptOut, OutboundEmail
from outbox.sending import MAX_ATTEMPTS
from outbox.services import unsubscribe_token
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def held(article, **kwargs) -> Comment:
    """A held comment from an address its owner confirmed: only those hear a moderator's decision."""
    comment = make_comment(article, policy=HOLD_ALL, **kwargs)
    Commenter.objects.filter(email=comment.author_email).update(confirmed_at=timezone.now())
    return comment


def test_a_decision_is_emailed_only_after_it_is_stored_and_says_why(smtp, admin_user):
    article = make_seed_article()
    kept = held(article, name="Ana", body="The Doha talks need Pakistan.")
    turned_down = held(article, name="Ben", body="Khalilzad is a clown and so are you.")
    comment_approve(comment=kept, actor=admin_user)
    comment_reject(comment=turned_down, actor=admin_user, reason="abusive", note="Please argue with the point.")
    assert OutboundEmail.objects.exclude(kind="confirm").count() == 2
    assert smtp.messages == []  # written with the decision; nothing sent during the request
    call_command("send_outbox")
    assert len(smtp.news()) == 2
    published, rejected = sorted(smtp.news(), key=lambda m: "not published" in m["Subject"])
    assert (
        published["Subject"].strip()
        == "Your comment on “US seeks Pakistan's help for intra-Afghan dialogue” is published"
    )
    assert published["X-Envelope-To"] == kept.author_email
    text = rejected.get_content()
    assert "did not publish it" in text and "Reason: Abusive or hateful." in text
    assert "Their note: Please argue with the point." in text
    assert "Khalilzad is a clown and so are you." in text  # the text is given back to be fixed
    assert rejected["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert rejected["List-Unsubscribe"].strip().startswith("<https://news.example/comments/unsubscribe/")
    assert all(e.sent_at for e in OutboundEmail.objects.all())
    call_command("send_outbox")
    assert len(smtp.news()) == 2  # sent once


def test_replies_are_emailed_to_those_who_asked(smtp, client):
    article = make_seed_article()
    client.post(
        f"/articles/{article.slug}/comments/",
        comment_form_data(name="Cem", email="cem@example.com", body="Islamabad holds the key.", notify="on"),
    )
    asked = Comment.objects.get()
    assert asked.notify_replies
    silent = make_comment(article, name="Dia", body="Kabul holds the key.")
    make_comment(article, name="Eda", body="Not only Islamabad: Doha too.", parent=asked)
    make_comment(article, name="Fay", body="Kabul, surely.", parent=silent)
    comment_post(
        article=article, author_name="Cem", author_email="cem@example.com", body="And Rawalpindi.", parent=asked
    )  # answering oneself is not news
    call_command("send_outbox")
    assert [m["X-Envelope-To"] for m in smtp.news()] == ["cem@example.com"]
    message = smtp.news()[0]
    assert message["Subject"].strip().startswith("Eda replied to your comment")
    body = smtp.bodies()[0]
    assert "Not only Islamabad: Doha too." in body and "https://news.example/articles/" in body


def test_a_held_reply_reaches_its_parent_when_approved(smtp, admin_user):
    article = make_seed_article()
    parent = make_comment(article, name="Gus", body="Doha matters.")
    Comment.objects.filter(pk=parent.pk).update(notify_replies=True)
    parent.refresh_from_db()
    reply = held(article, name="Hal", body="It does, for the prisoners.", parent=parent)
    assert not OutboundEmail.objects.filter(to=parent.author_email, kind="reply").exists()
    comment_approve(comment=reply, actor=admin_user)
    call_command("send_outbox")
    assert sorted(m["X-Envelope-To"] for m in smtp.news()) == sorted([parent.author_email, reply.author_email])


def test_one_click_unsubscribe_needs_no_login_and_stops_everything(smtp, admin_user):
    article = make_seed_article()
    first, second = held(article, body="One on Doha."), held(article, body="Two on Doha.")
    Comment.objects.filter(pk=second.pk).update(author_email=first.author_email)  # the same reader
    second.refresh_from_db()
    comment_approve(comment=first, actor=admin_user)
    token = unsubscribe_token(first.author_email)
    page = Client().get(f"/comments/unsubscribe/{token}/")
    assert page.status_code == 200 and "Stop these emails" in page.content.decode()
    # A mail program's one-click POST: no cookie, no CSRF token.
    done = Client(enforce_csrf_checks=True).post(f"/comments/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more emails" in done.content.decode()
    assert EmailOptOut.objects.filter(email=first.author_email).exists()
    comment_approve(comment=second, actor=admin_user)
    call_command("send_outbox")
    assert smtp.news() == []  # the waiting one was dropped, the next one never written
    forged = Client().get(f"/comments/unsubscribe/{token[:-4]}abcd/")
    assert forged.status_code == 400


def test_a_failed_send_is_tried_again_and_never_touches_the_comment(smtp, settings, admin_user):
    article = make_seed_article()
    comment = held(article, body="Pakistan and the Doha talks.")
    working = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the mail server is down
    comment_approve(comment=comment, actor=admin_user)
    call_command("send_outbox")
    email = OutboundEmail.objects.get(kind="decision")
    assert email.sent_at is None and email.attempts == 1 and "Error" in email.last_error
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    call_command("send_outbox")  # not due yet: it waits a minute before the next try
    assert OutboundEmail.objects.get(kind="decision").attempts == 1
    OutboundEmail.objects.update(send_after=email.created_at)
    settings.EMAIL_PORT = working  # the mail server is back
    call_command("send_outbox")
    assert len(smtp.news()) == 1 and OutboundEmail.objects.get(kind="decision").sent_at is not None


def test_it_gives_up_after_the_last_attempt(settings, admin_user):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    article = make_seed_article()
    comment_approve(comment=held(article), actor=admin_user)
    for _ in range(MAX_ATTEMPTS + 2):
        OutboundEmail.objects.update(send_after=OutboundEmail.objects.get(kind="decision").created_at)
        call_command("send_outbox")
    assert OutboundEmail.objects.get(kind="decision").attempts == MAX_ATTEMPTS
