"""The live filter's quality, read from moderators' decisions in the audit trail."""

import datetime as dt

import pytest

from comments.models import Comment, ModerationEvent
from comments.services import comment_approve, comment_reject, comment_report
from desk.quality import live_quality
from factories import HOLD_ALL, make_comment, make_seed_article
from moderation import Policy

pytestmark = pytest.mark.django_db


def held_for(article, reasons, **kwargs):
    comment = make_comment(article, policy=HOLD_ALL, **kwargs)
    Comment.objects.filter(pk=comment.pk).update(reasons=reasons)
    comment.refresh_from_db()
    return comment


def test_false_holds_true_holds_and_leaks_per_reason_and_week(admin_user, client):
    article = make_seed_article()
    insults = [held_for(article, ["abusive.insult"], body=f"Insult {n}.") for n in range(4)]
    topic = [held_for(article, ["off_topic"], body=f"Cake recipe {n}.") for n in range(2)]
    for comment in insults[:3]:
        comment_reject(comment=comment, actor=admin_user, reason="abusive")
    comment_approve(comment=insults[3], actor=admin_user)  # a false hold
    for comment in topic:
        comment_approve(comment=comment, actor=admin_user)  # both false holds
    leaked = make_comment(article, body="Published, then found abusive.")
    comment_report(comment=leaked, reason="abusive")
    comment_reject(comment=leaked, actor=admin_user, reason="abusive")  # removed after a report: a leak
    held_for(article, ["spam.links"])  # undecided: not counted
    report = live_quality()
    rows = {row.code: row for row in report.codes}
    assert (rows["abusive.insult"].held_decided, rows["abusive.insult"].rejected) == (4, 3)
    assert rows["abusive.insult"].precision == pytest.approx(0.75)
    assert (rows["off_topic"].approved, rows["off_topic"].precision) == (2, 0.0)
    assert "spam.links" not in rows
    assert report.leaks == 1 and report.leaks_by_reason == {"abusive": 1}
    (week,) = report.weeks
    assert (week.held_decided, week.rejected, week.leaks) == (6, 3, 1)
    # A decision made last month counts in its own week.
    ModerationEvent.objects.filter(comment=topic[0], action="approve").update(created_at=week_ago(5))
    assert len(live_quality().weeks) == 2
    client.force_login(admin_user)
    page = client.get("/staff/quality/").content.decode()
    assert "abusive.insult" in page and "75%" in page and '<strong id="leaks">1</strong>' in page
    assert page.count("data:image/svg+xml") == 3
    assert "How the filter does on this site" in client.get("/admin/").content.decode()


def week_ago(weeks):
    from django.utils import timezone

    return timezone.now() - dt.timedelta(weeks=weeks)


def test_holds_by_rule_are_not_the_filters_mistakes(admin_user, client):
    """Approving a comment held only because of who wrote it, or because everything is held, says nothing of
    the filter: such holds are counted apart, and a filter reason beside a rule's still counts."""
    article = make_seed_article()
    everything = make_comment(article, body="Doha matters.", policy=HOLD_ALL)  # the policy (or story) holds all
    newcomer = make_comment(article, body="My first word on Doha.", policy=Policy(hold_first_comments=3))
    premoderated = held_for(article, ["commenter.premoderated"], body="From a pre-moderated reader.")
    often = held_for(article, ["commenter.rejected_often"], body="From a reader rejected all week.")
    assert (everything.reasons, newcomer.reasons) == (["policy.hold_all"], ["new_commenter"])
    for comment in (everything, newcomer, premoderated, often):
        comment_approve(comment=comment, actor=admin_user)
    both = held_for(article, ["new_commenter", "abusive.insult"], body="An insult, and a newcomer's.")
    comment_reject(comment=both, actor=admin_user, reason="abusive")
    bot = held_for(article, ["bot.too_fast"], body="A fast typist.")
    comment_approve(comment=bot, actor=admin_user)  # the filter guessed a bot: its mistake
    report = live_quality()
    assert {row.code: (row.held_decided, row.approved) for row in report.codes} == {
        "abusive.insult": (1, 0),
        "bot.too_fast": (1, 1),
    }
    assert report.rule_holds == 4
    (week,) = report.weeks
    assert (week.held_decided, week.rejected, len(week.waits)) == (2, 1, 6)  # every hold's wait counts
    client.force_login(admin_user)
    page = client.get("/staff/quality/").content.decode()
    assert "<strong>4</strong> held comments decided that the filter did not judge" in page
    assert "<code>new_commenter</code>" not in page and "<code>policy.hold_all</code>" not in page
