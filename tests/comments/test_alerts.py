"""Moderator alerts raised by readers' comments: held, reported, a burst on a story, a long wait in the queue;
never by the simulator's; payloads without the author's address; nothing read on the posting path without
subscriptions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments import alerts
from comments.models import Comment
from comments.services import Simulated, comment_approve, comment_post, comment_post_simulated, comment_report
from factories import DATABASE_TASKS, HOLD_ALL, make_article, make_comment, make_seed_article
from lab.models import SimulationRun
from moderation import Context
from moderation.reasons import label_of
from outbox.models import AlertDelivery, AlertEvent, AlertSubscription, OutboundEmail
from outbox.selectors import alert_subscriptions
from tests.outbox.alerting import Receiver, receiver, subscribe

pytestmark = pytest.mark.django_db
__all__ = ["receiver"]


def held(article, **kwargs) -> Comment:
    return make_comment(article, policy=HOLD_ALL, **kwargs)


def deliveries(event: AlertEvent) -> list[AlertDelivery]:
    return list(AlertDelivery.objects.filter(event=event.value).order_by("id"))


def test_a_held_comment_is_posted_to_a_webhook_with_what_a_moderator_needs(receiver: Receiver, settings,
                                                                           django_capture_on_commit_callbacks):  # fmt: skip
    settings.SITE_URL = "https://news.example"
    subscribe(url=receiver.url, events=["comment.held"])
    article = make_seed_article()
    with django_capture_on_commit_callbacks(execute=True):
        comment = held(article, body="Khalilzad is right about the talks in Doha.")
    (payload,) = receiver.payloads()
    assert payload["event"] == "comment.held"
    assert payload["comment"]["id"] == comment.pk and payload["comment"]["status"] == "held"
    assert payload["comment"]["excerpt"] == "Khalilzad is right about the talks in Doha."
    assert payload["comment"]["desk_url"] == f"https://news.example/admin/desk/reviewqueueitem/{comment.pk}/change/"
    assert payload["story"] == {
        "id": article.pk, "title": article.headline, "url": f"https://news.example{article.get_absolute_url()}"
    }  # fmt: skip
    reasons = payload["comment"]["reasons"]
    assert reasons == [{"code": r["code"], "label": label_of(r["code"])} for r in comment.explanation]
    assert reasons and all(r["label"] for r in reasons)


def test_payloads_carry_no_email_or_ip_address():
    subscribe(email="desk@news.example")
    article = make_seed_article()
    comment = comment_post(
        article=article, author_name="Ana", author_email="ana.private@example.com",
        body="A comment for the desk about the Doha talks.", submission=None,
    ).comment  # fmt: skip
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PUBLISHED)
    comment.refresh_from_db()
    comment_report(comment=comment, reason="abusive", note="my email is reporter@example.com", ip_address="203.0.113.9")
    forced = make_comment(article, policy=HOLD_ALL, name="Ben")
    Comment.objects.filter(pk=forced.pk).update(ip_address="198.51.100.7")
    stored = json.dumps([d.payload for d in AlertDelivery.objects.all()]) + "".join(
        e.body for e in OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ALERT)
    )
    assert AlertDelivery.objects.filter(event="comment.reported").exists()
    assert AlertDelivery.objects.filter(event="comment.held").exists()
    for secret in ("ana.private@example.com", forced.author_email, "reporter@example.com", "203.0.113.9",
                   "198.51.100.7", "@example.com"):  # fmt: skip
        assert secret not in stored


def test_a_report_raises_an_alert_with_its_reason():
    subscription = subscribe(email="desk@news.example", events=["comment.reported"])
    comment = make_comment(make_seed_article())
    comment_report(comment=comment, reason="spam", ip_address="203.0.113.9")
    (delivery,) = deliveries(AlertEvent.COMMENT_REPORTED)
    assert delivery.subscription == subscription
    assert delivery.payload["report"] == {"reason": "spam", "reason_label": "Spam or advertising"}
    assert delivery.payload["comment"]["id"] == comment.pk
    assert not deliveries(AlertEvent.COMMENT_HELD)


def test_email_alerts_go_through_the_outbox(smtp, django_capture_on_commit_callbacks):
    subscribe(email="Desk@News.example", events=["comment.held"])
    article = make_seed_article()
    with django_capture_on_commit_callbacks(execute=True):
        comment = held(article, body="The Doha talks, held for a moderator.")
    (message,) = [m for m in smtp.messages if m["X-Envelope-To"] == "desk@news.example"]
    assert str(message["Subject"]).strip().startswith("Comment held for review on “US seeks Pakistan")
    text = message.get_content()
    assert f"/admin/desk/reviewqueueitem/{comment.pk}/change/" in text
    assert "subscribed this address to moderator alerts" in text and "you commented" not in text
    assert comment.author_email not in text
    (delivery,) = deliveries(AlertEvent.COMMENT_HELD)
    assert delivery.email is not None and delivery.email.sent_at is not None


def test_an_address_that_opted_out_gets_no_alert_and_the_log_says_so():
    from outbox.services import unsubscribe

    unsubscribe(email="desk@news.example")
    subscribe(email="desk@news.example", events=["comment.held"])
    held(make_seed_article())
    (delivery,) = deliveries(AlertEvent.COMMENT_HELD)
    assert delivery.email is None and delivery.given_up_at is not None
    assert delivery.last_error == "The address asked for no more emails."


def test_simulated_comments_raise_nothing():
    subscribe(email="desk@news.example")
    article = make_seed_article()
    run = SimulationRun.objects.create(label="sim", article=article)
    for n in range(8):
        comment_post_simulated(
            article=article, author_name=f"Sim {n}", author_email=f"sim{n}@example.com", body=f"Simulated {n}.",
            parent=None, simulated=Simulated(run_id=run.pk, created_at=timezone.now(), policy=HOLD_ALL, context=Context()),
        )  # fmt: skip
    Comment.objects.filter(simulation=run).update(created_at=timezone.now() - dt.timedelta(hours=3))
    call_command("check_alerts", verbosity=0)
    assert Comment.objects.filter(status=Comment.Status.HELD).count() == 8
    assert not AlertDelivery.objects.exists()


def test_a_burst_alerts_once_per_crossing_per_story():
    subscription = subscribe(email="desk@news.example", events=["story.held_burst"], burst_threshold=3)
    story, other = make_seed_article(), make_article()
    held(story), held(story)
    assert not deliveries(AlertEvent.STORY_HELD_BURST)
    held(story)
    (burst,) = deliveries(AlertEvent.STORY_HELD_BURST)
    assert burst.payload["held_in_last_hour"] == 3 and burst.payload["threshold"] == 3
    assert burst.payload["story"]["id"] == story.pk and burst.subscription == subscription
    held(story), held(story)  # further held comments within the hour say nothing more
    held(other), held(other), held(other)  # another story crosses on its own
    assert [d.payload["story"]["id"] for d in deliveries(AlertEvent.STORY_HELD_BURST)] == [story.pk, other.pk]
    # An hour on: the old held comments have left the window, and a new crossing alerts again.
    hour_ago = timezone.now() - dt.timedelta(minutes=61)
    Comment.objects.update(created_at=hour_ago)
    AlertDelivery.objects.update(created_at=hour_ago)
    held(story), held(story)
    assert len(deliveries(AlertEvent.STORY_HELD_BURST)) == 2
    held(story)
    assert [d.payload["story"]["id"] for d in deliveries(AlertEvent.STORY_HELD_BURST)] == [story.pk, other.pk, story.pk]


def test_each_subscription_has_its_own_threshold():
    low = subscribe(email="low@news.example", events=["story.held_burst"], burst_threshold=2)
    high = subscribe(email="high@news.example", events=["story.held_burst"], burst_threshold=4)
    story = make_seed_article()
    for _ in range(4):
        held(story)
    assert [d.subscription for d in deliveries(AlertEvent.STORY_HELD_BURST)] == [low, high]


def wait(minutes: float) -> None:
    """Everything in the queue has waited ``minutes`` longer than it had."""
    for comment in Comment.objects.all():
        Comment.objects.filter(pk=comment.pk).update(created_at=comment.created_at - dt.timedelta(minutes=minutes))


def test_a_long_wait_alerts_once_per_episode(admin_user, django_capture_on_commit_callbacks):
    subscription = subscribe(email="desk@news.example", events=["queue.waiting"], waiting_minutes=30)
    article = make_seed_article()
    first = held(article)
    call_command("check_alerts", verbosity=0)
    assert not deliveries(AlertEvent.QUEUE_WAITING)  # 0 minutes
    wait(31)
    call_command("check_alerts", verbosity=0)
    (alert,) = deliveries(AlertEvent.QUEUE_WAITING)
    assert alert.payload["threshold_minutes"] == 30 and alert.payload["waited_minutes"] >= 31
    assert alert.payload["waiting"] == 1
    second = held(article)
    wait(40)
    call_command("check_alerts", verbosity=0)
    assert len(deliveries(AlertEvent.QUEUE_WAITING)) == 1  # the same episode
    # The desk works the queue down: the decision's check ends the episode.
    with django_capture_on_commit_callbacks(execute=True):
        comment_approve(comment=first, actor=admin_user)
        comment_approve(comment=second, actor=admin_user)
    subscription.refresh_from_db()
    assert subscription.waiting_alerted_at is None
    held(article)
    wait(45)
    call_command("check_alerts", verbosity=0)
    assert len(deliveries(AlertEvent.QUEUE_WAITING)) == 2  # a new episode


def test_a_reported_comment_waits_from_its_report():
    subscribe(email="desk@news.example", events=["queue.waiting"], waiting_minutes=10)
    comment = make_comment(make_seed_article(), minutes_ago=600)  # published long ago: not waiting
    call_command("check_alerts", verbosity=0)
    assert not deliveries(AlertEvent.QUEUE_WAITING)
    comment_report(comment=comment, reason="abusive")
    call_command("check_alerts", verbosity=0)
    assert not deliveries(AlertEvent.QUEUE_WAITING)  # reported just now
    from comments.models import CommentReport

    CommentReport.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    call_command("check_alerts", verbosity=0)
    assert len(deliveries(AlertEvent.QUEUE_WAITING)) == 1


def test_a_held_comment_enqueues_the_check_for_when_it_will_have_waited(settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    subscribe(email="a@news.example", events=["queue.waiting"], waiting_minutes=30)
    subscribe(email="b@news.example", events=["queue.waiting"], waiting_minutes=30)
    subscribe(email="c@news.example", events=["queue.waiting"], waiting_minutes=90)
    with django_capture_on_commit_callbacks(execute=True):
        comment = held(make_seed_article())
    checks = DBTaskResult.objects.filter(task_path="comments.alerts.check_queue_task").order_by("run_after")
    assert [c.run_after for c in checks] == [
        comment.created_at + dt.timedelta(minutes=30),
        comment.created_at + dt.timedelta(minutes=90),
    ]  # one a threshold, not one a subscription


def test_the_immediate_backend_cannot_wait_so_cron_checks():
    assert alerts.check_queue_later(at=timezone.now() + dt.timedelta(minutes=5)) is False


def test_a_paused_or_inactive_subscription_raises_nothing():
    paused = subscribe(email="a@news.example", events=["comment.held"])
    off = subscribe(email="b@news.example", events=["comment.held"], is_active=False)
    AlertSubscription.objects.filter(pk=paused.pk).update(paused_at=timezone.now())
    from outbox.selectors import forget_alert_subscriptions

    forget_alert_subscriptions()
    held(make_seed_article())
    assert not AlertDelivery.objects.exists() and off.pk


def alert_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "outbox_alert" in q["sql"]]


def test_posting_reads_no_alert_table_once_the_answer_is_cached():
    article = make_seed_article()
    held(article)  # reads the (empty) list of subscriptions once, and caches it
    with CaptureQueriesContext(connection) as no_subscriptions:
        held(article)
        make_comment(article)
    assert alert_queries(no_subscriptions) == []
    subscribe(email="desk@news.example", events=["comment.reported"])  # for another event: the list is re-read once
    held(article)
    with CaptureQueriesContext(connection) as other_event:
        held(article)
    assert alert_queries(other_event) == []


@pytest.mark.django_db(transaction=True)
def test_two_comments_crossing_a_burst_at_once_alert_once():
    """Both see the story at its threshold; the subscription's row lock lets the second see the first's alert.
    Threads need a database that takes concurrent connections: PostgreSQL."""
    if connection.vendor == "sqlite":
        pytest.skip("Concurrent connections need PostgreSQL; the sequential burst is tested on every database.")
    import threading
    from unittest import mock

    subscribe(email="desk@news.example", events=["story.held_burst"], burst_threshold=2)
    barrier = threading.Barrier(2)

    def post(article_id: int, n: int) -> None:
        try:
            barrier.wait()
            comment_post(
                article=Article.objects.get(pk=article_id), author_name=f"Racer {n}",
                author_email=f"racer{n}@example.com", body=f"Racing comment {n} on the Doha talks.",
            )  # fmt: skip
        finally:
            connection.close()

    # Patched once for both threads: patching in each would race on the module's attribute.
    with mock.patch("comments.services.live_policy", return_value=HOLD_ALL):
        for round_ in range(10):
            article = make_article()
            threads = [threading.Thread(target=post, args=(article.pk, 2 * round_ + n)) for n in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert Comment.objects.filter(article=article, status=Comment.Status.HELD).count() == 2
            assert AlertDelivery.objects.filter(event="story.held_burst", key=f"story:{article.pk}").count() == 1


def test_a_moderators_sanction_note_never_leaves_in_an_alert(smtp, django_capture_on_commit_callbacks):
    """A premoderated commenter's comment is held with the premoderation as its reason; the sanction's note is the
    moderator's own words (here a person's name and address): the alert carries the reason's code and label."""
    from commenters.models import Sanction

    subscribe(email="desk@news.example", events=["comment.held"])
    note = "Ana Lopez's second address, see ana.l@example.org"
    Sanction.objects.create(email="ana@example.com", kind=Sanction.Kind.PREMODERATE, reason=note)
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(
            article=make_seed_article(), author_name="Ana", author_email="ana@example.com",
            body="The talks in Doha matter for the peace process.",
        ).comment  # fmt: skip
    assert comment.status == Comment.Status.HELD and note in json.dumps(comment.explanation)  # the desk sees it
    (delivery,) = deliveries(AlertEvent.COMMENT_HELD)
    assert delivery.payload["comment"]["reasons"] and all(
        set(r) == {"code", "label"} for r in delivery.payload["comment"]["reasons"]
    )
    sent = json.dumps(delivery.payload) + "".join(m.get_content() for m in smtp.messages)
    assert "Ana Lopez" not in sent and "ana.l@example.org" not in sent


def imported(comment: Comment, *, years_ago: int = 3) -> Comment:
    """The comment as the importer leaves it: from another system, posted long ago."""
    Comment.objects.filter(pk=comment.pk).update(
        source=Comment.Source.DISQUS, source_id=f"disqus-{comment.pk}",
        created_at=timezone.now() - dt.timedelta(days=365 * years_ago),
    )  # fmt: skip
    comment.refresh_from_db()
    return comment


def test_imported_comments_raise_nothing_and_count_for_nothing():
    subscribe(email="desk@news.example", burst_threshold=2, waiting_minutes=30)  # every event
    story = make_seed_article()
    old = imported(held(story))
    AlertDelivery.objects.all().delete()  # what posting it here raised; the importer stores it already imported
    # Held, years in the queue: no held alert, no wait.
    alerts.comment_stored(comment=old)
    call_command("check_alerts", verbosity=0)
    assert not AlertDelivery.objects.exists()
    assert alerts.oldest_waiting() == (None, 0)
    # Not counted toward a burst: one reader's held comment with it is one, under the threshold of two.
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now())
    held(story)
    assert not deliveries(AlertEvent.STORY_HELD_BURST)
    assert alerts.raises_alerts(old) is False
    assert Comment.objects.filter(alerts.RAISES).count() == 1


def test_a_waiting_time_past_any_clock_never_costs_a_reader_their_comment(django_capture_on_commit_callbacks):
    """A row written past the form's bound (9223372036854775807 minutes, which SQLite keeps) is used at the
    bound: the held comment and its deferred check are stored."""
    subscription = subscribe(email="desk@news.example", events=["queue.waiting"])
    # SQLite keeps any integer in the column; PostgreSQL's smallint stops at 32767 (past the bound all the same).
    huge = 9223372036854775807 if connection.vendor == "sqlite" else 32767
    AlertSubscription.objects.filter(pk=subscription.pk).update(waiting_minutes=huge)
    from outbox.selectors import forget_alert_subscriptions

    forget_alert_subscriptions()
    with django_capture_on_commit_callbacks(execute=True):
        comment = held(make_seed_article())
    assert Comment.objects.filter(pk=comment.pk, status=Comment.Status.HELD).exists()
    (subscribed,) = alert_subscriptions("queue.waiting")
    assert subscribed.waiting_minutes == 7 * 24 * 60


def test_a_failing_alert_never_costs_a_reader_their_comment_or_report(monkeypatch, caplog):
    subscribe(email="desk@news.example")

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the alert broke")

    monkeypatch.setattr(alerts, "alert_raise", broken)
    monkeypatch.setattr(alerts, "alert_subscriptions_lock", broken)
    article = make_seed_article()
    comment = held(article, body="Held, and its alert fails.")  # through comment_post, which returns normally
    assert Comment.objects.filter(pk=comment.pk, status=Comment.Status.HELD).exists()
    published = make_comment(article)
    report = comment_report(comment=published, reason="spam")
    assert report.pk is not None and published.reports.count() == 1
    assert not AlertDelivery.objects.exists()
    assert "Moderator alerts for comment" in caplog.text and "Moderator alerts for the report" in caplog.text
