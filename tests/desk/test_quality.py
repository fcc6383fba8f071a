"""The live filter's quality, read from moderators' decisions in the audit trail, and the learned model's
trade-off curve on the same decisions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment, ModerationEvent
from comments.services import comment_approve, comment_reject, comment_report, comment_undo
from desk.quality import decided_comments, live_quality
from desk.roles import ensure_editors_group, ensure_moderators_group
from factories import HOLD_ALL, make_comment, make_scored_comments, make_seed_article, spread
from lab.management.commands.train_filter import decision_count
from lab.models import SimulationRun
from moderation import Policy
from policies import shares
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record, forget_active_policy, forget_model

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
    assert page.count("data:image/svg+xml") == 4  # three week by week, and the learned model's trade-off
    assert "How the filter does on this site" in client.get("/admin/").content.decode()


def week_ago(weeks):

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


# -- the learned model's trade-off curve


@pytest.fixture
def fresh_curve():
    forget_model()
    forget_active_policy()
    shares.forget()
    yield
    forget_active_policy()


def staff(django_user_model, name, group):
    user = django_user_model.objects.create_user(name, is_staff=True)
    user.groups.add(group)
    return user


def recent(n):
    make_scored_comments(spread(n))


def decide(moderator, *, clean, abusive):
    article = make_seed_article()
    for n in range(clean):
        comment = make_comment(article, body=f"Pakistan's help matters for the Doha talks ({n}).", policy=HOLD_ALL)
        comment_approve(comment=comment, actor=moderator)
    for n in range(abusive):
        comment = make_comment(article, body=f"You brainless idiot, shut up ({n}).", policy=HOLD_ALL)
        comment_reject(comment=comment, actor=moderator, reason="abusive")


def test_the_quality_page_shows_the_curve_with_the_live_policys_point(client, django_user_model, fresh_curve):
    record = active_policy_record()
    ModerationPolicy.objects.filter(pk=record.pk).update(model_hold_share=0.1)
    forget_active_policy()
    moderator = staff(django_user_model, "moira", ensure_moderators_group())
    decide(moderator, clean=4, abusive=3)
    recent(300)
    client.force_login(moderator)
    page = client.get("/staff/quality/").content.decode()
    assert 'id="tradeoff-chart"' in page and 'id="tradeoff-table"' in page
    assert "Holds the top 10 % of comments by the learned model&#x27;s score: a score of 0.900" in page
    assert '<tr class="table-primary" id="tradeoff-live-row"><th scope="row">0.900 <strong>(the live policy)' in page
    assert "This site's decisions (4 clean, 3 abusive)" in page
    # A moderator reads it; keeping a point as a draft is an editor's, in the lab.
    assert 'id="curve-form"' not in page and 'id="tradeoff-editors"' in page
    editor = staff(django_user_model, "eddie", ensure_editors_group())
    client.force_login(editor)
    page = client.get("/staff/quality/").content.decode()
    assert 'id="curve-form"' in page and 'action="/staff/lab/"' in page
    # The quality page's form, as a browser sends it, makes the draft in the lab.
    sent = {"action": "draft-from-curve", "point": "0.800", "keep": "share", "share": ""}
    response = client.post("/staff/lab/", sent)
    draft = ModerationPolicy.objects.filter(is_active=False).values("id", "model_hold_share").get()
    assert response["Location"] == f"/admin/policies/moderationpolicy/{draft['id']}/change/"
    assert draft["model_hold_share"] == pytest.approx(0.2)


def test_without_a_model_the_quality_page_says_there_is_no_curve(admin_client, settings, tmp_path, fresh_curve):
    settings.MODERATION_MODEL = str(tmp_path / "gone.nrm")
    forget_model()
    page = admin_client.get("/staff/quality/").content.decode()
    assert "No learned model is loaded" in page and 'id="tradeoff-table"' not in page


def test_the_curve_reads_the_same_decisions_retraining_learns_from(admin_user):
    article = make_seed_article()
    clean = make_comment(article, body="Clean and approved.", policy=HOLD_ALL)
    comment_approve(comment=clean, actor=admin_user)
    abusive = make_comment(article, body="Rejected as abusive.", policy=HOLD_ALL)
    comment_reject(comment=abusive, actor=admin_user, reason="abusive")
    spam = make_comment(article, body="Rejected as spam.", policy=HOLD_ALL)
    comment_reject(comment=spam, actor=admin_user, reason="spam")  # says nothing about abuse
    kept = make_comment(article, body="Reported, kept published.")
    comment_report(comment=kept, reason="abusive")
    comment_approve(comment=kept, actor=admin_user)
    removed = make_comment(article, body="Published, then removed as abusive.")
    comment_reject(comment=removed, actor=admin_user, reason="abusive")
    changed_mind = make_comment(article, body="Approved, then rejected as abusive.", policy=HOLD_ALL)
    comment_approve(comment=changed_mind, actor=admin_user)
    comment_reject(comment=changed_mind, actor=admin_user, reason="abusive")  # the latest decision stands
    undone = make_comment(article, body="Rejected, then undone.", policy=HOLD_ALL)
    comment_reject(comment=undone, actor=admin_user, reason="abusive", undo_window=dt.timedelta(seconds=10))
    comment_undo(event=ModerationEvent.objects.filter(comment=undone).latest("id"), actor=admin_user)
    run = SimulationRun.objects.create(label="generated")
    simulated = make_comment(article, body="A simulated comment.", policy=HOLD_ALL)
    Comment.objects.filter(pk=simulated.pk).update(simulation=run)
    comment_reject(comment=simulated, actor=admin_user, reason="abusive")
    expected = {
        ("Clean and approved.", False), ("Rejected as abusive.", True), ("Reported, kept published.", False),
        ("Published, then removed as abusive.", True), ("Approved, then rejected as abusive.", True),
    }  # fmt: skip
    assert set(decided_comments()) == expected
    # The training page's count: the same decisions, counted without reading a comment's text.
    with CaptureQueriesContext(connection) as queries:
        assert decision_count() == len(expected)
    assert len(queries) == 1 and "body" not in queries[0]["sql"]


def test_the_curve_costs_the_quality_page_no_query_once_read(admin_client, admin_user, fresh_curve, monkeypatch):
    decide(admin_user, clean=3, abusive=2)
    recent(250)
    admin_client.get("/staff/quality/")  # the curve's series and the recent scores are read, then cached
    with CaptureQueriesContext(connection) as warm:
        assert admin_client.get("/staff/quality/").status_code == 200
    decide(admin_user, clean=12, abusive=12)

    def unread():
        raise AssertionError("read again while cached")

    monkeypatch.setattr(shares, "_read_recent", lambda now: unread())
    monkeypatch.setattr("desk.views.decided_comments", unread)
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get("/staff/quality/").status_code == 200
    assert len(more) == len(warm) <= 10
