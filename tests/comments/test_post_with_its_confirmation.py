"""A comment is stored with its confirmation email, or not at all.

Found by an attack on PostgreSQL with connections dropped every 50 ms: a comment was committed, then the
connection was lost before its confirmation email was queued; the reader got the 503 page, resent, was answered
with the comment stored already, and never got the link that confirms their address.
"""

import pytest
from django.db import OperationalError

from comments import emails
from comments.models import Comment
from comments.services import Submission, comment_post
from factories import make_seed_article
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def post(article, token):
    return comment_post(
        article=article, author_name="Amina", author_email="amina@example.com",
        body="Pakistan's role in the intra-Afghan talks deserves more attention.", submission=Submission(token=token),
    )  # fmt: skip


def test_a_connection_lost_before_the_confirmation_is_queued_stores_nothing_and_the_resend_stores_both(
    monkeypatch,
):
    article = make_seed_article()
    queue_confirmation = emails.queue_confirmation

    def lost(**kwargs):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(emails, "queue_confirmation", lost)
    with pytest.raises(OperationalError):
        post(article, "form-1")
    assert not Comment.objects.exists()  # nothing half-stored: the resend is a first post, not "the same form"
    monkeypatch.setattr(emails, "queue_confirmation", queue_confirmation)
    result = post(article, "form-1")
    assert not result.duplicate_submission
    assert Comment.objects.count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.CONFIRM, to="amina@example.com").count() == 1
