"""The desk's decisions over HTTP: the state a row showed travels with each, a stale one gets 409, undo."""

import datetime as dt

import pytest

from comments.models import Comment, ModerationEvent
from comments.services import Seen, comment_decide
from desk.roles import ensure_moderators_group
from factories import HOLD_ALL, make_comment, make_seed_article

pytestmark = pytest.mark.django_db

QUEUE = "/admin/desk/reviewqueueitem/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def moderators(django_user_model):
    users = []
    for name in ("moderator1", "moderator2"):
        user = django_user_model.objects.create_user(name, password="pw-for-tests-only", is_staff=True)
        user.groups.add(ensure_moderators_group())
        users.append(user)
    return users


@pytest.fixture
def mod_client(client, moderators):
    client.force_login(moderators[0])
    return client


def held(article, **kwargs):
    return make_comment(article, policy=HOLD_ALL, **kwargs)


def test_each_row_carries_the_state_it_shows(mod_client):
    comment = held(make_seed_article())
    html = mod_client.get(QUEUE).content.decode()
    assert f'name="seen-{comment.pk}" class="desk-seen" value="held:0"' in html
    detail = mod_client.get(f"{QUEUE}{comment.pk}/change/").content.decode()
    assert '<input type="hidden" name="seen" value="held:0">' in detail


def test_a_decision_on_a_stale_row_gets_409_with_what_happened(mod_client, moderators):
    comment = held(make_seed_article())
    comment_decide(comment=comment, actor=moderators[1], decision="reject", reason="abusive", seen=Seen.of(comment))
    answer = mod_client.post(
        f"{QUEUE}{comment.pk}/decide/", {"decide": "approve", f"seen-{comment.pk}": "held:0"}, **JSON
    )
    body = answer.json()
    assert answer.status_code == 409 and body["conflict"] is True and body["ok"] is False
    assert body["message"].startswith("moderator2 rejected this 0 s ago — abusive. It is now rejected")
    assert (body["status"], body["seen"]) == ("rejected", "rejected:1")
    assert 'value="rejected:1"' in body["controls"] and "Publish</button>" in body["controls"]
    assert ModerationEvent.objects.filter(comment=comment, actor=moderators[0]).count() == 0
    # The same decision from a page (no script): refused with the same words, nothing written.
    page = mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"decide": "approve", "seen": "held:0"}, follow=True)
    assert "Moderator2 rejected this" in page.content.decode()  # capitalised by the admin's messages
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED
    # From the desk's row (no script), the refusal comes back to the same desk, its tab and filters kept.
    desk = f"http://testserver{QUEUE}?queue=held&traffic=all"
    refused = mod_client.post(
        f"{QUEUE}{comment.pk}/decide/", {"decide": "approve", f"seen-{comment.pk}": "held:0"}, HTTP_REFERER=desk
    )
    assert refused.status_code == 302 and refused["Location"].endswith("?queue=held&traffic=all")


def test_only_approve_or_reject_is_a_decision(mod_client):
    comment = held(make_seed_article())
    answer = mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"decide": "publish-it"}, **JSON)
    assert answer.status_code == 400 and answer.json()["message"] == "Approve or reject: nothing else is a decision."
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD


def test_a_no_op_is_refused(mod_client):
    comment = make_comment(make_seed_article())  # published, nothing reported
    answer = mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"decide": "approve"}, **JSON)
    assert answer.status_code == 409 and answer.json()["message"] == "It is already published: nothing to do."
    assert not ModerationEvent.objects.filter(comment=comment).exclude(action="auto").exists()


def test_undo_from_the_desk_within_the_window_and_not_after(mod_client, moderators):
    article = make_seed_article()
    comment = held(article)
    decided = mod_client.post(
        f"{QUEUE}{comment.pk}/decide/", {"decide": "reject", f"reason-{comment.pk}": "spam"}, **JSON
    ).json()
    undo = decided["undo"]
    # Someone else cannot take it back.
    other = mod_client.__class__()
    other.force_login(moderators[1])
    refused = other.post(undo["url"], {"event": undo["event"]}, **JSON)
    assert refused.status_code == 409 and "Only the moderator who made a decision" in refused.json()["message"]
    done = mod_client.post(undo["url"], {"event": undo["event"]}, **JSON)
    assert done.status_code == 200 and done.json()["message"] == "Undone: it is held for review again."
    assert done.json()["seen"] == "held:2" and "Approve and publish" in done.json()["controls"]
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD
    # Decided again, and the window lets pass.
    again = mod_client.post(
        f"{QUEUE}{comment.pk}/decide/", {"decide": "approve", f"seen-{comment.pk}": "held:2"}, **JSON
    ).json()
    ModerationEvent.objects.filter(pk=again["undo"]["event"]).update(
        undo_until=ModerationEvent.objects.get(pk=again["undo"]["event"]).created_at - dt.timedelta(seconds=1)
    )
    late = mod_client.post(undo["url"], {"event": again["undo"]["event"]}, **JSON)
    assert late.status_code == 409 and late.json()["message"].startswith(
        "Too late to undo: a decision can be undone for 10 seconds"
    )
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    assert list(ModerationEvent.objects.filter(comment=comment, actor=moderators[0]).values_list("action", flat=True)) == [
        "reject", "undo", "approve",
    ]  # fmt: skip


def test_a_page_decision_offers_undo_in_its_message(mod_client):
    comment = held(make_seed_article())
    page = mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"decide": "approve", "seen": "held:0"}, follow=True)
    html = page.content.decode()
    assert "Comment approved." in html and 'class="desk-undo-form"' in html
    event = ModerationEvent.objects.get(comment=comment, action="approve")
    assert f'name="event" value="{event.pk}"' in html
    mod_client.post(f"{QUEUE}undo/", {"event": event.pk})
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD


def test_bulk_rejects_each_for_the_reason_its_row_shows_and_refuses_stale_rows(mod_client, moderators):
    article = make_seed_article()
    a, b, c = held(article), held(article), held(article)
    comment_decide(comment=c, actor=moderators[1], decision="approve", seen=Seen.of(c))  # after the page loaded
    response = mod_client.post(
        QUEUE,
        {
            "action": "reject_as_shown", "_selected_action": [a.pk, b.pk, c.pk],
            f"reason-{a.pk}": "abusive", f"reason-{b.pk}": "spam", f"reason-{c.pk}": "spam",
            f"seen-{a.pk}": "held:0", f"seen-{b.pk}": "held:0", f"seen-{c.pk}": "held:0",
        },
        follow=True,
    )  # fmt: skip
    html = response.content.decode()
    assert "2 comments rejected as abusive, spam." in html
    assert "1 not changed" in html and "moderator2 approved this" in html
    reasons = dict(ModerationEvent.objects.filter(action="reject").values_list("comment_id", "reason"))
    assert reasons == {a.pk: "abusive", b.pk: "spam"}
    assert Comment.objects.get(pk=c.pk).status == Comment.Status.PUBLISHED
