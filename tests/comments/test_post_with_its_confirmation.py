"""A comment is stored with its confirmation email (the task that queues it), or not at all.

Found by an attack on PostgreSQL with connections dropped every 50 ms: a comment was committed, then the
connection was lost before its confirmation email was queued; the reader got the 503 page, resent, was answered
with the comment stored already, and never got the link that confirms their address.
"""

import pytest
from django.db import OperationalError

from comments import tasks
from comments.models import Comment
from comments.services import Submission, comment_post
from factories import DATABASE_TASKS, make_seed_article
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def post(article, token):
    return comment_post(
        article=article, author_name="Amina", author_email="amina@example.com",
        body="Pakistan's role in the intra-Afghan talks deserves more attention.", submission=Submission(token=token),
    )  # fmt: skip


def test_a_connection_lost_before_the_confirmation_is_enqueued_stores_nothing_and_the_resend_stores_both(
    monkeypatch,
):
    article = make_seed_article()
    ask_to_confirm = tasks.ask_to_confirm

    def lost(**kwargs):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(tasks, "ask_to_confirm", lost)
    with pytest.raises(OperationalError):
        post(article, "form-1")
    assert not Comment.objects.exists()  # nothing half-stored: the resend is a first post, not "the same form"
    monkeypatch.setattr(tasks, "ask_to_confirm", ask_to_confirm)
    result = post(article, "form-1")
    assert not result.duplicate_submission
    assert Comment.objects.count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.CONFIRM, to="amina@example.com").count() == 1


def test_the_confirmation_is_a_task_stored_with_the_comment_and_the_worker_queues_its_email(settings):
    from django_tasks_db.models import DBTaskResult

    from commenters.models import Commenter

    settings.TASKS = DATABASE_TASKS
    comment = post(make_seed_article(), "form-1").comment
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "comments.tasks.confirm_address" and task.args_kwargs["args"] == [
        comment.pk,
        "amina@example.com",
    ]
    assert not OutboundEmail.objects.exists() and not Commenter.objects.exists()
    assert task.task.call(*task.args_kwargs["args"]) is True  # what the worker runs
    assert Commenter.objects.get(email="amina@example.com").confirmation_sent_at is not None
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.CONFIRM)
    assert email.comment_id == comment.pk and "/comments/confirm/" in email.body
    assert task.task.call(*task.args_kwargs["args"]) is False  # a second run: sent today already
    assert tasks.confirm_address.call(comment.pk + 999, "amina@example.com") is False  # the comment is gone


@pytest.mark.django_db(transaction=True)
def test_two_spellings_of_one_mailbox_posted_at_once_both_store_and_send_one_confirmation():
    """Found by a review: each post recorded its own spelling's commenter (a row lock), then locked every row of
    the mailbox for the claim; two at once each held the row the other waited for, and PostgreSQL killed one
    of them as a deadlock (a 503 to its reader). A post now takes the mailbox's turn first."""
    import threading

    from django.db import connection

    from commenters.models import Commenter

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file or server")
    article = make_seed_article()
    spellings = ["reader+one@example.com", "Reader+Two@example.com"]
    for spelling in spellings:  # both known already: their rows exist, as for a returning reader
        Commenter.objects.create(email=spelling.lower(), mailbox="reader@example.com")
    for round_ in range(8):
        Commenter.objects.update(confirmation_sent_at=None)
        OutboundEmail.objects.all().delete()
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        def post(
            spelling: str, n: int = round_, start: threading.Barrier = start, failures: list[BaseException] = failures
        ) -> None:
            start.wait()
            try:
                comment_post(
                    article=article, author_name="Reader", author_email=spelling,
                    body=f"Round {n}: the Doha talks need Pakistan at the table ({spelling}).",
                )  # fmt: skip
            except BaseException as exc:  # noqa: BLE001 - reported below, whatever it is
                failures.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(spelling,)) for spelling in spellings]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == [], failures
        assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.CONFIRM).count() == 1, round_
    assert Comment.objects.count() == 16
