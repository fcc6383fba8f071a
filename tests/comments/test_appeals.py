"""Statements of reasons and appeals (comments/appeals.py): what the author of a hidden comment is told, the
appeal they make once a decision, and the desk's answer by another moderator, audited and told back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commenters.models import Commenter
from comments import appeals
from comments.appeals import AppealError, appeal_file, appeal_token, statement_of_reasons
from comments.models import Appeal, Comment, ModerationEvent
from comments.services import DecisionRefused, Seen, comment_decide, comment_undo
from factories import HOLD_ALL, comment_form_data, make_comment, make_seed_article
from moderation import Policy
from outbox.models import OutboundEmail
from policies.selectors import live_policy

pytestmark = pytest.mark.django_db

POLICY = Policy()  # the defaults: appeals for 182 days, a hold hidden after 24 hours


@pytest.fixture
def mods(django_user_model):
    return [django_user_model.objects.create_user(f"moderator{n}", is_staff=True) for n in (1, 2)]


def confirmed(comment: Comment) -> Comment:
    Commenter.objects.update_or_create(email=comment.author_email, defaults={"confirmed_at": timezone.now()})
    return comment


def rejected_by(moderator, article, **kwargs) -> Comment:
    comment = make_comment(article, policy=HOLD_ALL, **kwargs)
    comment_decide(comment=comment, actor=moderator, decision="reject", reason="abusive", note="Name-calling.")
    comment.refresh_from_db()
    return comment


def auto_rejected(client: Client, article) -> Comment:
    """Rejected by the filter as it is posted: a swear word at someone, and the field people cannot see filled."""
    client.post(
        f"/articles/{article.slug}/comments/",
        comment_form_data(website="http://spam.example", body="Fuck you, Khalilzad fan."),
    )
    comment = Comment.objects.get(body="Fuck you, Khalilzad fan.")
    assert comment.status == Comment.Status.REJECTED
    return comment


def test_the_filters_rejection_is_stated_as_automatic_with_what_it_found_and_the_appeal_period(client):
    comment = auto_rejected(client, make_seed_article())
    statement = statement_of_reasons(comment, policy=POLICY)
    assert statement is not None and not statement.by_person
    assert statement.decided == "Not published" and statement.by == "automatically, by the comment filter"
    assert "swears at someone" in statement.ground
    assert statement.appeal_until == statement.decision.created_at + dt.timedelta(days=182)
    assert statement.can_appeal()


def test_a_moderators_removal_is_stated_with_their_reason_and_note(mods):
    article = make_seed_article()
    comment = make_comment(article)
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="off_topic", note="About football.")
    comment.refresh_from_db()
    statement = statement_of_reasons(comment, policy=POLICY)
    assert statement is not None and statement.by_person
    assert statement.decided == "Removed after it was published"
    assert statement.ground == "Off-topic. The moderator's note: “About football.”"


def test_a_hold_is_a_hidden_decision_only_once_it_has_waited_longer_than_the_policy_says():
    article = make_seed_article()
    fresh = make_comment(article, policy=HOLD_ALL)
    assert statement_of_reasons(fresh, policy=POLICY) is None  # held an hour: not yet
    waited = make_comment(article, policy=HOLD_ALL, minutes_ago=25 * 60)
    statement = statement_of_reasons(waited, policy=POLICY)
    assert statement is not None and statement.decided == "Held for review, and still waiting"
    assert statement.appeal_until == waited.created_at + dt.timedelta(hours=24, days=182)
    assert statement_of_reasons(waited, policy=replace(POLICY, held_notice_hours=0)) is None
    assert statement_of_reasons(make_comment(article), policy=POLICY) is None  # published: nothing hidden


def test_an_appeal_is_made_once_a_decision_with_a_note_within_the_period_and_audited(mods):
    comment = rejected_by(mods[0], make_seed_article())
    with pytest.raises(AppealError, match="Say in a few words"):
        appeal_file(comment=comment, note="   ", policy=POLICY)
    with pytest.raises(AppealError, match="under 2000 characters"):
        appeal_file(comment=comment, note="x" * 2001, policy=POLICY)
    later = timezone.now() + dt.timedelta(days=183)
    with pytest.raises(AppealError, match="The time to appeal this decision ended") as too_late:
        appeal_file(comment=comment, note="I was quoting him.", policy=POLICY, now=later)
    assert too_late.value.code == "too_late"
    with pytest.raises(AppealError, match="takes no appeals"):
        appeal_file(comment=comment, note="I was quoting him.", policy=replace(POLICY, appeal_days=0))
    appeal = appeal_file(comment=comment, note="I was quoting him.", policy=POLICY)
    assert (appeal.status, appeal.decision.actor, appeal.note) == ("open", mods[0], "I was quoting him.")
    with pytest.raises(AppealError, match="appealed this decision already"):
        appeal_file(comment=comment, note="Again.", policy=POLICY)
    assert comment.events.filter(action=ModerationEvent.Action.APPEAL, note="I was quoting him.").count() == 1
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED  # appealing decides nothing


def test_a_published_comment_has_nothing_to_appeal():
    with pytest.raises(AppealError, match="nothing to appeal") as refused:
        appeal_file(comment=make_comment(make_seed_article()), note="Why?", policy=POLICY)
    assert refused.value.code == "shown"


def test_the_moderator_who_decided_may_not_answer_the_appeal_another_overturns_it_and_it_is_audited(mods):
    comment = confirmed(rejected_by(mods[0], make_seed_article()))
    appeal = appeal_file(comment=comment, note="I was quoting him.", policy=POLICY)
    with pytest.raises(DecisionRefused, match="another moderator decides the appeal") as refused:
        comment_decide(comment=comment, actor=mods[0], decision="approve", seen=Seen.of(comment))
    assert refused.value.code == "own_decision"
    event = comment_decide(
        comment=comment, actor=mods[1], decision="approve", seen=Seen.of(comment), undo_window=dt.timedelta(seconds=10)
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolution) == (Appeal.Status.OVERTURNED, event)
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    assert (event.action, event.actor, event.old_status) == ("approve", mods[1], "rejected")
    # The author hears it, once the decision can no longer be undone.
    (email,) = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DECISION, comment=comment).exclude(
        subject__contains="was not published"
    )
    assert event.undo_until is not None
    assert "changed the decision" in email.body and email.send_after >= event.undo_until
    # Published again, it has nothing to appeal; removed later by someone, that is a new decision to appeal.
    assert statement_of_reasons(Comment.objects.get(pk=comment.pk), policy=POLICY) is None


def test_an_upheld_appeal_keeps_the_comment_hidden_gives_the_reason_and_cannot_be_appealed_again(mods):
    article = make_seed_article()
    comment = make_comment(article)
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="abusive")  # removed
    comment.refresh_from_db()
    confirmed(comment)
    appeal = appeal_file(comment=comment, note="It was a joke.", policy=POLICY)
    event = comment_decide(
        comment=comment, actor=mods[1], decision="reject", reason="abusive", note="Jokes about death are not.",
        seen=Seen.of(comment),
    )  # fmt: skip
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and (event.old_status, event.new_status) == ("removed", "removed")
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.DECISION, comment=comment, subject__contains="stands")
    assert "Reason: Abusive or hateful." in email.body and "Jokes about death are not." in email.body
    statement = statement_of_reasons(Comment.objects.get(pk=comment.pk), policy=POLICY)
    assert statement is not None and statement.decision.actor == mods[0]  # still the decision appealed
    assert statement.appeal == appeal and not statement.can_appeal()
    with pytest.raises(AppealError, match="appealed this decision already"):
        appeal_file(comment=comment, note="Please.", policy=POLICY)


def test_without_an_appeal_a_removed_comment_stays_removed(mods):
    comment = make_comment(make_seed_article())
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam")
    comment.refresh_from_db()
    with pytest.raises(DecisionRefused, match="stays removed"):
        comment_decide(comment=comment, actor=mods[1], decision="approve", seen=Seen.of(comment))


def test_undoing_the_answer_opens_the_appeal_again_and_its_email_is_never_sent(mods):
    comment = confirmed(rejected_by(mods[0], make_seed_article()))
    appeal = appeal_file(comment=comment, note="I was quoting him.", policy=POLICY)
    event = comment_decide(
        comment=comment, actor=mods[1], decision="approve", seen=Seen.of(comment), undo_window=dt.timedelta(seconds=10)
    )
    comment_undo(event=event, actor=mods[1])
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolution, appeal.decided_at) == (Appeal.Status.OPEN, None, None)
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED
    assert not OutboundEmail.objects.filter(comment=comment, subject__contains="appeal").exists()


def test_a_long_hold_appealed_is_answered_by_the_moderators_decision(mods):
    comment = make_comment(make_seed_article(), policy=HOLD_ALL, minutes_ago=30 * 60)
    appeal = appeal_file(comment=comment, note="A day and a half now.", policy=POLICY)
    assert appeal.decision.action == ModerationEvent.Action.AUTO  # the filter's hold
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam", seen=Seen.of(comment))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED


def test_the_decision_email_says_how_to_appeal_and_its_link_opens_the_appeal_page(mods, client):
    article = make_seed_article()
    comment = confirmed(make_comment(article, policy=HOLD_ALL))
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam", note="Links to a shop.")
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.DECISION, comment=comment)
    assert "you can appeal it, once, until" in email.body
    link = next(line for line in email.body.splitlines() if "/comments/appeal/" in line)
    page = client.get(urlsplit(link.strip()).path)
    text = page.content.decode()
    assert page.status_code == 200 and "Spam or advertising" in text and "Links to a shop." in text
    assert "A moderator" in text and "Send my appeal" in text


def test_removing_a_published_comment_tells_its_confirmed_author_why_and_how_to_appeal(mods):
    comment = confirmed(make_comment(make_seed_article()))
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="off_topic")
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.DECISION, comment=comment)
    assert "was removed" in email.subject and "removed it after it was published" in email.body
    assert "Reason: Off-topic." in email.body and "/comments/appeal/" in email.body


def test_the_appeal_page_keeps_a_refused_note_refuses_a_second_appeal_and_a_forged_link(mods, client):
    comment = rejected_by(mods[0], make_seed_article())
    url = f"/comments/appeal/{appeal_token(comment)}/"
    assert client.post(url, {"note": ""}).status_code == 400
    long = client.post(url, {"note": "Because " * 300})
    assert long.status_code == 400 and "under 2000 characters" in long.content.decode()
    assert "Because Because" in long.content.decode()  # the text is given back
    sent = client.post(url, {"note": "I quoted the minister."}, follow=True)
    assert "Your appeal is sent" in sent.content.decode() and "You appealed on" in sent.content.decode()
    again = client.post(url, {"note": "Once more."})
    assert again.status_code == 400 and "appealed this decision already" in again.content.decode()
    assert Appeal.objects.count() == 1
    assert client.get("/comments/appeal/forged/").status_code == 404
    other = make_comment(make_seed_article())
    forged = appeal_token(other)[:-2] + "xx"
    assert client.get(f"/comments/appeal/{forged}/").status_code == 404


def test_the_author_sees_why_and_the_appeal_link_beside_their_comment_and_nobody_else_does(client):
    article = make_seed_article()
    comment = auto_rejected(client, article)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Decided automatically, by the comment filter." in page
    assert f"/comments/appeal/{appeal_token(comment)}/" in page and "Why, and how to appeal" in page
    stranger = Client().get(article.get_absolute_url()).content.decode()
    assert "/comments/appeal/" not in stranger and "Fuck you" not in stranger


def test_appeals_wait_in_the_desks_appeals_tab_with_the_note_and_whose_decision(mods, admin_client):
    comment = rejected_by(mods[0], make_seed_article())
    appeal_file(comment=comment, note="I was quoting him.", policy=POLICY)
    page = admin_client.get("/admin/desk/reviewqueueitem/?queue=appeals").content.decode()
    assert "I was quoting him." in page and "against moderator1&#x27;s decision" in page
    assert "Overturn: publish" in page and ">Uphold</button>" in page
    assert f'data-comment="{comment.pk}"' in page


def test_the_quality_page_counts_appeals_and_the_filters_overturned_decisions(mods, client, admin_client):
    article = make_seed_article()
    filtered = auto_rejected(client, article)
    appeal_file(comment=filtered, note="Quoting.", policy=live_policy())
    comment_decide(comment=filtered, actor=mods[1], decision="approve")
    by_person = rejected_by(mods[0], article)
    appeal_file(comment=by_person, note="Unfair.", policy=live_policy())
    counts = appeals.appeal_counts()
    assert counts == {
        "filed": 2, "open": 1, "upheld": 0, "overturned": 1, "overturned_filter": 1, "overturned_moderator": 0,
    }  # fmt: skip
    page = admin_client.get(reverse("desk:quality")).content.decode()
    assert "authors appealed <strong>2</strong> decisions" in page and "1 of the filter's" in page


def test_an_overturned_decision_of_the_filter_is_a_clean_comment_the_training_data_learns_from(mods, client):
    from policies.selectors import decision_records

    comment = auto_rejected(client, make_seed_article())
    appeal_file(comment=comment, note="Quoting.", policy=live_policy())
    comment_decide(comment=comment, actor=mods[0], decision="approve")
    assert [(r.text, r.abusive) for r in decision_records()] == [("Fuck you, Khalilzad fan.", False)]


def test_the_emailed_outcome_is_sent_by_the_outbox(mods, settings):
    comment = confirmed(rejected_by(mods[0], make_seed_article()))
    appeal_file(comment=comment, note="Quoting.", policy=POLICY)
    mail.outbox.clear()
    comment_decide(comment=comment, actor=mods[1], decision="approve")
    call_command("send_outbox")
    assert [m.subject for m in mail.outbox if "appeal" in m.subject] == [
        "Your appeal on “US seeks Pakistan's help for intra-Afghan dialogue”: your comment is published"
    ]


def test_a_confirmed_readers_comment_the_filter_rejects_is_emailed_with_its_statement_at_once():
    from comments.services import Submission, comment_post

    article = make_seed_article()
    result = comment_post(
        article=article, author_name="Amina", author_email="amina@example.com", body="Fuck you, Khalilzad fan.",
        submission=Submission(verified_email="amina@example.com", honeypot_filled=True),
    )  # fmt: skip
    assert result.comment.status == Comment.Status.REJECTED
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.DECISION, comment=result.comment)
    assert email.subject.endswith("was not published") and email.send_after <= timezone.now()
    assert "The comment filter did not publish it, automatically, because it swears at someone" in email.body
    assert "/comments/appeal/" in email.body


def test_a_confirmed_readers_long_hold_is_emailed_when_it_becomes_long_unless_a_moderator_decides_first(mods):
    from comments.services import Submission, comment_post

    article = make_seed_article()

    def post(body):
        with mock.patch("comments.services.live_policy", return_value=replace(HOLD_ALL, held_notice_hours=24)):
            return comment_post(
                article=article, author_name="Amina", author_email="amina@example.com", body=body,
                submission=Submission(verified_email="amina@example.com"),
            ).comment  # fmt: skip

    Commenter.objects.create(email="amina@example.com", mailbox="amina@example.com", confirmed_at=timezone.now())
    waiting = post("The Doha talks need Pakistan's help, and the envoy knows it.")
    (email,) = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DECISION, comment=waiting)
    assert email.send_after == waiting.created_at + dt.timedelta(hours=24)
    assert "has waited for a moderator for 24 hours" in email.subject and "/comments/appeal/" in email.body
    comment_decide(comment=waiting, actor=mods[0], decision="approve")
    (told,) = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DECISION, comment=waiting)
    assert told.subject.endswith("is published")  # the waiting notice was replaced by the decision


# Found by a review of the first version -------------------------------------------------------------------------


def test_an_appeal_changes_what_a_moderator_decides_on_so_a_stale_row_and_an_undo_are_refused(mods):
    comment = make_comment(make_seed_article())
    comment_decide(
        comment=comment, actor=mods[0], decision="reject", reason="spam", undo_window=dt.timedelta(seconds=10)
    )
    removal = ModerationEvent.objects.get(comment=comment, action="remove")
    comment.refresh_from_db()
    listed = Seen.of(comment)  # the row as a moderator saw it before the appeal
    appeal_file(comment=comment, note="It was a quote.", policy=POLICY)
    with pytest.raises(DecisionRefused, match="its author appealed this") as stale:
        comment_decide(comment=comment, actor=mods[1], decision="approve", seen=listed)
    assert stale.value.conflict
    with pytest.raises(DecisionRefused):  # the decision appealed is not taken back under the appeal
        comment_undo(event=removal, actor=mods[0])
    assert Appeal.objects.get().status == Appeal.Status.OPEN
    assert ModerationEvent.objects.get(action="appeal").actor_label == "its author"


def test_a_long_hold_rejected_on_appeal_is_a_new_decision_with_its_own_statement_and_appeal(mods):
    comment = confirmed(make_comment(make_seed_article(), policy=HOLD_ALL, minutes_ago=30 * 60))
    first = appeal_file(comment=comment, note="A day and a half now.", policy=POLICY)
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam", note="A shop's links.")
    comment.refresh_from_db()
    statement = statement_of_reasons(comment, policy=POLICY)
    assert statement is not None and statement.by_person and statement.can_appeal()
    assert statement.ground == "Spam or advertising. The moderator's note: “A shop's links.”"
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.DECISION, comment=comment)
    assert "did not publish it" in email.body and "/comments/appeal/" in email.body and "stays" not in email.body
    second = appeal_file(comment=comment, note="They are my sources.", policy=POLICY)
    assert second.decision != first.decision and Appeal.objects.get(pk=first.pk).status == Appeal.Status.UPHELD


def test_the_appeal_page_speaks_of_the_decision_that_hides_it_now(mods, client):
    comment = rejected_by(mods[0], make_seed_article())
    appeal_file(comment=comment, note="I was quoting him.", policy=POLICY)
    comment_decide(comment=Comment.objects.get(pk=comment.pk), actor=mods[1], decision="approve")
    url = f"/comments/appeal/{appeal_token(comment)}/"
    assert "Your appeal was accepted" in client.get(url).content.decode()
    comment_decide(comment=Comment.objects.get(pk=comment.pk), actor=mods[0], decision="reject", reason="off_topic")
    page = client.get(url).content.decode()
    assert "Your appeal was accepted" not in page and "Removed after it was published" in page
    assert "Send my appeal" in page  # a new decision: a new appeal


def test_a_note_with_control_characters_is_cleaned_not_a_server_error(mods, client):
    comment = rejected_by(mods[0], make_seed_article())
    response = client.post(f"/comments/appeal/{appeal_token(comment)}/", {"note": "I quoted\x00 him.\u202e"})
    assert response.status_code == 302
    assert Appeal.objects.get().note == "I quoted him."


def test_a_removed_reply_published_again_on_appeal_is_not_featured_nor_sent_twice(mods):
    from comments.services import comment_feature

    article = make_seed_article()
    parent = make_comment(article)
    Comment.objects.filter(pk=parent.pk).update(notify_replies=True)
    confirmed(parent)
    reply = make_comment(article, parent=Comment.objects.get(pk=parent.pk))
    OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).update(sent_at=timezone.now())  # it went out
    comment_feature(comment=reply, actor=mods[0])
    comment_decide(comment=reply, actor=mods[0], decision="reject", reason="abusive")
    appeal_file(comment=Comment.objects.get(pk=reply.pk), note="No insult there.", policy=POLICY)
    comment_decide(comment=Comment.objects.get(pk=reply.pk), actor=mods[1], decision="approve")
    restored = Comment.objects.get(pk=reply.pk)
    assert restored.status == Comment.Status.PUBLISHED and restored.featured_at is None
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 1


def test_a_hold_by_rule_overturned_is_not_counted_as_the_filters_mistake(mods):
    held_by_rule = make_comment(make_seed_article(), policy=HOLD_ALL, minutes_ago=30 * 60)
    assert not [c for c in held_by_rule.reasons if not c.startswith("policy")]
    appeal_file(comment=held_by_rule, note="Waiting long.", policy=POLICY)
    comment_decide(comment=Comment.objects.get(pk=held_by_rule.pk), actor=mods[0], decision="approve")
    counts = appeals.appeal_counts()
    assert (counts["overturned"], counts["overturned_filter"]) == (1, 0)


def test_the_admin_index_says_appeals_wait_and_the_comments_own_page_answers_them(mods, admin_client):
    comment = make_comment(make_seed_article())
    comment_decide(comment=comment, actor=mods[0], decision="reject", reason="spam")
    appeal_file(comment=Comment.objects.get(pk=comment.pk), note="It was a quote.", policy=POLICY)
    index = admin_client.get("/admin/").content.decode()
    assert '<strong class="appeals-count">1</strong> appeal waiting' in index
    page = admin_client.get(f"/admin/desk/reviewqueueitem/{comment.pk}/change/").content.decode()
    assert ">Overturn: publish</button>" in page and ">Uphold</button>" in page
