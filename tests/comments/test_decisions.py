"""Moderators' decisions: one per state of a comment, undone within their window, told only once final."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from commenters.models import Commenter
from comments.models import Comment, CommentReport, ModerationEvent
from comments.services import (
    SEND_MARGIN,
    UNDO_WINDOW,
    DecisionRefused,
    Seen,
    comment_decide,
    comment_report,
    comment_undo,
)
from factories import HOLD_ALL, make_comment, make_seed_article
from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def mods(django_user_model):
    return [django_user_model.objects.create_user(f"moderator{n}", is_staff=True) for n in (1, 2)]


def held(article, *, confirmed: bool = True, **kwargs) -> Comment:
    comment = make_comment(article, policy=HOLD_ALL, **kwargs)
    if confirmed:
        Commenter.objects.filter(email=comment.author_email).update(confirmed_at=timezone.now())
    return comment


def decisions(comment: Comment) -> list[ModerationEvent]:
    return list(ModerationEvent.objects.filter(comment=comment).exclude(action__in=["auto", "report"]))


def waiting(comment: Comment) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(comment=comment).exclude(kind="confirm"))


def test_a_decision_on_a_state_that_has_changed_is_refused_and_says_what_changed(mods):
    comment = held(make_seed_article())
    seen = Seen.of(comment)
    comment_decide(comment=comment, actor=mods[1], decision="reject", reason="abusive", seen=seen)
    with pytest.raises(DecisionRefused) as refused:
        comment_decide(comment=Comment.objects.get(pk=comment.pk), actor=mods[0], decision="approve", seen=seen)
    assert refused.value.conflict
    assert refused.value.messages[0].startswith("moderator2 rejected this 0 s ago — abusive. It is now rejected")
    assert refused.value.comment.status == Comment.Status.REJECTED
    assert [e.action for e in decisions(comment)] == ["reject"]  # the refusal is not logged


def test_a_decision_that_changes_nothing_is_refused_not_logged(mods):
    article = make_seed_article()
    published = make_comment(article)
    with pytest.raises(DecisionRefused, match="already published"):
        comment_decide(comment=published, actor=mods[0], decision="approve", seen=Seen.of(published))
    comment = held(article)
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam", seen=Seen.of(comment))
    with pytest.raises(DecisionRefused, match="already rejected"):  # the same decision twice, on the new state
        comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam", seen=Seen.of(comment))
    assert decisions(published) == [] and len(decisions(comment)) == 1
    # A reported comment kept published is a change: its reports close.
    comment_report(comment=published, reason="abusive")
    published.refresh_from_db()
    event = comment_decide(comment=published, actor=mods[0], decision="approve", seen=Seen.of(published))
    assert event.action == "dismiss_reports" and not CommentReport.objects.filter(resolved=False).exists()


def test_the_email_waits_for_the_window_and_an_undone_decision_sends_nothing(mods, smtp):
    article = make_seed_article()
    kept, undone = held(article, body="Kept on Doha."), held(article, body="Undone on Doha.")
    event = comment_decide(comment=kept, actor=mods[0], decision="approve", seen=Seen.of(kept), undo_window=UNDO_WINDOW)
    (email,) = waiting(kept)
    assert event.undo_until is not None
    assert email.send_after == event.undo_until + SEND_MARGIN
    assert abs(event.undo_until - (event.created_at + UNDO_WINDOW)) < dt.timedelta(seconds=1)
    other = comment_decide(
        comment=undone, actor=mods[0], decision="reject", reason="spam", seen=Seen.of(undone), undo_window=UNDO_WINDOW
    )
    call_command("send_outbox")
    assert smtp.news() == []  # nothing goes out while a decision can be undone
    comment_undo(event=other, actor=mods[0])
    assert waiting(undone) == []
    OutboundEmail.objects.update(send_after=timezone.now())  # the window has passed
    call_command("send_outbox")
    assert [m["X-Envelope-To"] for m in smtp.news()] == [kept.author_email]


def test_undo_restores_the_state_and_counts_and_is_audited(mods):
    article = make_seed_article()
    root = make_comment(article)
    reply = make_comment(article, parent=root)
    comment_report(comment=reply, reason="abusive")
    Comment.objects.filter(pk=reply.pk).update(flagged=True)
    reply.refresh_from_db()
    root.refresh_from_db()
    assert root.reply_count == 1
    event = comment_decide(
        comment=reply, actor=mods[0], decision="reject", reason="abusive", seen=Seen.of(reply), undo_window=UNDO_WINDOW
    )
    root.refresh_from_db()
    assert (reply.status, root.reply_count) == (Comment.Status.REMOVED, 0)
    assert ModerationEvent.objects.by_moderators().filter(pk=event.pk).exists()
    undo = comment_undo(event=event, actor=mods[0])
    reply.refresh_from_db()
    root.refresh_from_db()
    assert (reply.status, reply.open_reports, reply.flagged, root.reply_count) == ("published", 1, True, 1)
    assert CommentReport.objects.get(comment=reply).resolved is False
    assert (undo.action, undo.old_status, undo.new_status, undo.undoes) == ("undo", "removed", "published", event)
    assert not ModerationEvent.objects.by_moderators().filter(pk=event.pk).exists()  # it decided nothing
    with pytest.raises(DecisionRefused, match="already undone"):
        comment_undo(event=event, actor=mods[0])


def test_undo_is_refused_after_the_window_by_others_and_after_a_later_change(mods):
    article = make_seed_article()
    comment = held(article)
    event = comment_decide(
        comment=comment, actor=mods[0], decision="approve", seen=Seen.of(comment), undo_window=UNDO_WINDOW
    )
    with pytest.raises(DecisionRefused, match="Only the moderator who made a decision"):
        comment_undo(event=event, actor=mods[1])
    assert event.undo_until is not None
    late = event.undo_until + dt.timedelta(milliseconds=1)
    with pytest.raises(DecisionRefused, match="Too late to undo: a decision can be undone for 10 seconds"):
        comment_undo(event=event, actor=mods[0], now=late)
    second = held(article)
    first = comment_decide(
        comment=second, actor=mods[0], decision="approve", seen=Seen.of(second), undo_window=UNDO_WINDOW
    )
    comment_decide(comment=second, actor=mods[1], decision="reject", reason="spam", seen=Seen.of(second))
    with pytest.raises(DecisionRefused, match="moderator2 removed this"):
        comment_undo(event=first, actor=mods[0])
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED


def test_only_the_final_state_is_emailed(mods):
    comment = held(make_seed_article(), body="Doha again.")
    comment_decide(comment=comment, actor=mods[0], decision="approve", seen=Seen.of(comment), undo_window=UNDO_WINDOW)
    # Within the first decision's window a colleague takes it down: the author hears only of that.
    comment_decide(
        comment=comment, actor=mods[1], decision="reject", reason="abusive", seen=Seen.of(comment),
        undo_window=UNDO_WINDOW,
    )  # fmt: skip
    (email,) = waiting(comment)
    assert "was removed" in email.subject and "Abusive or hateful" in email.body  # it was published a moment


def test_decision_emails_go_to_confirmed_addresses_only_and_the_page_still_tells(mods, client):
    article = make_seed_article()
    stranger = held(article, confirmed=False, body="Someone typed an address here.")
    comment_decide(comment=stranger, actor=mods[0], decision="reject", reason="spam", seen=Seen.of(stranger))
    assert waiting(stranger) == []
    from comments.selectors import author_notice

    kind, notice = author_notice(stranger, ModerationEvent.objects.get(comment=stranger, action="reject"))
    assert kind == "rejected" and "Spam" in notice


def test_a_permissionless_staff_user_learns_nothing_from_the_decide_endpoint(django_user_model):
    comment = held(make_seed_article())
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    client = Client()
    client.force_login(viewer)
    answer = client.post(
        f"/admin/desk/reviewqueueitem/{comment.pk}/decide/", {"decide": "approve"}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 403 and answer.json() == {
        "ok": False,
        "message": "You do not have permission to moderate.",
    }
    missing = client.post(
        "/admin/desk/reviewqueueitem/99999/decide/", {"decide": "approve"}, HTTP_ACCEPT="application/json"
    )
    assert missing.status_code == 403  # nor whether a comment exists
    assert client.post(f"/admin/desk/reviewqueueitem/{comment.pk}/decide/", {"decide": "approve"}).status_code == 403


ROUNDS = 25


def _race(actions: list[Callable[[], object]]) -> list[object]:
    """Run the actions at the same instant, each in its own thread (and database connection)."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = actions[n]()
        except Exception as exc:  # noqa: BLE001 - the refusal is the result
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_once_one_wins(mods):
    """Two moderators' conflicting decisions on one state, at the same instant, many times over: exactly one is
    applied and audited, the other is refused with the winner's decision, and the one email waiting tells
    of the final state. Threads need a database that takes concurrent connections: PostgreSQL (CI runs it)."""
    if connection.vendor == "sqlite":
        pytest.skip("Concurrent connections need PostgreSQL; the sequential conflict is tested on every database.")
    article = make_seed_article()
    for n in range(ROUNDS):
        comment = held(article, body=f"Round {n} on the Doha talks.")
        seen = Seen.of(comment)

        def approve(pk: int = comment.pk, seen: Seen = seen) -> ModerationEvent:
            return comment_decide(
                comment=Comment.objects.get(pk=pk), actor=mods[0], decision="approve", seen=seen,
                undo_window=UNDO_WINDOW,
            )  # fmt: skip

        def reject(pk: int = comment.pk, seen: Seen = seen) -> ModerationEvent:
            return comment_decide(
                comment=Comment.objects.get(pk=pk), actor=mods[1], decision="reject", reason="abusive", seen=seen,
                undo_window=UNDO_WINDOW,
            )  # fmt: skip

        results = _race([approve, reject] if n % 2 else [reject, approve])
        won = [r for r in results if isinstance(r, ModerationEvent)]
        lost = [r for r in results if isinstance(r, DecisionRefused)]
        assert len(won) == 1 and len(lost) == 1, results
        assert lost[0].conflict and lost[0].comment.status == won[0].new_status
        winner = "moderator1 approved" if won[0].action == "approve" else "moderator2 rejected"
        assert lost[0].messages[0].startswith(winner)
        comment.refresh_from_db()
        assert comment.status == won[0].new_status and comment.version == seen.version + 1
        assert [e.pk for e in decisions(comment)] == [won[0].pk]
        (email,) = waiting(comment)
        assert ("is published" in email.subject) == (comment.status == Comment.Status.PUBLISHED)
        # The winner's undo against a third decision on the state it left: again exactly one.
        after = Seen.of(comment)
        owner = mods[0] if won[0].action == "approve" else mods[1]

        def undo(event: ModerationEvent = won[0], who=owner) -> ModerationEvent:
            return comment_undo(event=event, actor=who)

        def decide_again(pk: int = comment.pk, seen_now: Seen = after, owner=owner) -> ModerationEvent:
            decision = "reject" if seen_now.status == Comment.Status.PUBLISHED else "approve"
            return comment_decide(
                comment=Comment.objects.get(pk=pk), actor=mods[1 - mods.index(owner)], decision=decision,
                reason="spam", seen=seen_now,
            )  # fmt: skip

        results = _race([undo, decide_again])
        assert sum(isinstance(r, ModerationEvent) for r in results) == 1, results
        assert sum(isinstance(r, DecisionRefused) for r in results) == 1, results
        comment.refresh_from_db()
        assert len(decisions(comment)) == 2 and comment.version == seen.version + 2
        if isinstance(results[0], ModerationEvent):  # undone: nothing to tell
            assert comment.status == Comment.Status.HELD and waiting(comment) == []
        else:
            assert comment.status != Comment.Status.HELD


def test_after_an_undo_the_author_is_told_the_decision_that_stands(mods):
    from comments.selectors import Entry, _tell_authors

    comment = held(make_seed_article())
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam", seen=Seen.of(comment))
    comment.refresh_from_db()
    published = comment_decide(
        comment=comment, actor=mods[1], decision="approve", seen=Seen.of(comment), undo_window=UNDO_WINDOW
    )
    comment_undo(event=published, actor=mods[1])
    comment.refresh_from_db()
    entry = Entry(comment=comment, depth=0)
    _tell_authors([entry])
    assert comment.status == Comment.Status.REJECTED
    assert entry.notice_kind == "rejected" and "A moderator did not publish your comment" in entry.notice
    assert "Spam" in entry.notice
