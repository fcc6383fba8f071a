"""Staff calls: token auth, the desk's permissions, the queue, decisions (audited, refused when stale), sanctions."""

import datetime as dt

import pytest
from django.utils import timezone

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke, key_hash
from commenters.models import ControlEvent, Sanction
from comments.models import Comment, ModerationEvent
from comments.services import Seen, comment_decide, comment_report
from factories import HOLD_ALL, make_comment, make_seed_article

from .conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def test_no_token_a_wrong_one_a_revoked_or_expired_one_is_401(moderator, staff_api):
    assert staff_api.get("/api/v1/queue").status_code == 200
    body = assert_problem(ApiClient().get("/api/v1/queue"), 401)
    assert "Authorization: Bearer" in body["detail"]
    assert ApiClient().get("/api/v1/queue")["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer nr_wrong", "Bearer", "Basic bW9kOnB3", "nr_x", "Bearer " + "nr_" + "x" * 5000):
        assert_problem(ApiClient(Authorization=header).get("/api/v1/queue"), 401)
    revoked, key = api_token_create(user=moderator, name="old")
    api_token_revoke(token=revoked)
    assert_problem(ApiClient(Authorization=f"Bearer {key}").get("/api/v1/queue"), 401)
    _expired, key = api_token_create(user=moderator, name="x", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_problem(ApiClient(Authorization=f"Bearer {key}").get("/api/v1/queue"), 401)
    moderator.is_staff = False  # no longer staff: their tokens stop with them
    moderator.save()
    assert_problem(staff_api.get("/api/v1/queue"), 401)


def test_the_key_is_stored_only_as_its_hash(moderator):
    token, key = api_token_create(user=moderator, name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == key_hash(key) and key not in str(stored.__dict__)
    assert key.startswith(stored.prefix) and len(stored.prefix) == 10
    assert stored.last_used_at is None
    ApiClient(Authorization=f"Bearer {key}").get("/api/v1/queue")
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_staff_without_the_permission_get_403_and_nothing_is_done(django_user_model):
    nobody = django_user_model.objects.create_user("nobody", is_staff=True)
    _token, key = api_token_create(user=nobody, name="x")
    client = ApiClient(Authorization=f"Bearer {key}")
    held = make_comment(make_seed_article(), policy=HOLD_ALL)
    assert "comments.can_moderate" in assert_problem(client.get("/api/v1/queue"), 403)["detail"]
    assert_problem(client.post(f"/api/v1/queue/{held.pk}/decision", {"action": "approve", "seen": "held:0"}), 403)
    assert_problem(client.get(f"/api/v1/commenters/{held.author_email}"), 403)
    assert_problem(client.post(f"/api/v1/commenters/{held.author_email}/sanctions",
                               {"kind": "ban", "reason": "x"}), 403)  # fmt: skip
    assert Comment.objects.get().status == Comment.Status.HELD
    assert not Sanction.objects.exists() and not ModerationEvent.objects.exclude(action="auto").exists()


def test_a_moderator_without_sanctioning_may_decide_but_not_sanction(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("decider", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="can_moderate"))
    _token, key = api_token_create(user=user, name="x")
    client = ApiClient(Authorization=f"Bearer {key}")
    assert client.get("/api/v1/queue").status_code == 200
    body = assert_problem(
        client.post("/api/v1/commenters/a@example.com/sanctions", {"kind": "warn", "reason": "x"}), 403
    )
    assert "commenters.can_sanction" in body["detail"]
    assert not Sanction.objects.exists()


def test_the_queue_lists_what_waits_with_reasons_scores_reports_and_seen(staff_api):
    article = make_seed_article()
    held = make_comment(article, body="Honestly, you are a brainless idiot about the talks.", policy=HOLD_ALL,
                        minutes_ago=5)  # fmt: skip
    reported = make_comment(article, minutes_ago=3)
    comment_report(comment=reported, reason="spam", note="An advert.")
    make_comment(article)  # published, nothing to review
    body = staff_api.get("/api/v1/queue").json()
    assert body["tab"] == "review" and body["page"] == 1 and body["pages"] == 1
    tabs = {t["key"]: t["count"] for t in body["tabs"]}
    assert tabs["review"] == 2 and tabs["held"] == 1 and tabs["reported"] == 1
    assert [item["id"] for item in body["items"]] == [held.pk, reported.pk]  # oldest first
    first, second = body["items"]
    assert first["status"] == "held" and first["author_email"] == held.author_email
    assert first["seen"] == Seen.of(Comment.objects.get(pk=held.pk)).token
    assert first["story"]["id"] == article.pk
    assert second["reports"][0]["reason"] == "spam" and second["reports"][0]["note"] == "An advert."
    assert second["status_label"] == "Reported"
    assert isinstance(first["scores"], dict) and isinstance(first["reasons"], list)
    assert [i["id"] for i in staff_api.get("/api/v1/queue?tab=held").json()["items"]] == [held.pk]
    assert [i["id"] for i in staff_api.get("/api/v1/queue?tab=reported").json()["items"]] == [reported.pk]
    assert len(staff_api.get("/api/v1/queue?tab=recent").json()["items"]) == 3
    assert staff_api.get(f"/api/v1/queue?page={10**15}").json()["page"] == 1
    assert assert_problem(staff_api.get("/api/v1/queue?tab=everything"), 400)["errors"][0]["field"] == "query.tab"


def test_approve_and_reject_are_audited_as_the_moderator(staff_api, moderator):
    article = make_seed_article()
    first, second = (make_comment(article, policy=HOLD_ALL) for _ in range(2))
    seen = Seen.of(first).token
    response = staff_api.post(f"/api/v1/queue/{first.pk}/decision", {"action": "approve", "seen": seen})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "published" and body["message"] == "Comment approved." and body["actor"] == "moderator1"
    event = ModerationEvent.objects.get(comment=first, action="approve")
    assert event.actor == moderator and (event.old_status, event.new_status) == ("held", "published")
    assert body["seen"] == Seen.of(Comment.objects.get(pk=first.pk)).token
    response = staff_api.post(
        f"/api/v1/queue/{second.pk}/decision",
        {"action": "reject", "reason": "abusive", "note": "Name-calling.", "seen": Seen.of(second).token},
    )
    assert response.json()["message"] == "Comment rejected (abusive)."
    event = ModerationEvent.objects.get(comment=second, action="reject")
    assert (event.actor, event.reason, event.note) == (moderator, "abusive", "Name-calling.")
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.REJECTED


def test_a_stale_seen_is_409_saying_who_did_what_and_nothing_changes(staff_api, django_user_model):
    other = django_user_model.objects.create_user("moderator2", is_staff=True)
    comment = make_comment(make_seed_article(), policy=HOLD_ALL)
    seen = Seen.of(comment).token
    comment_decide(comment=Comment.objects.get(pk=comment.pk), actor=other, decision="reject", reason="spam")
    before = ModerationEvent.objects.count()
    body = assert_problem(staff_api.post(f"/api/v1/queue/{comment.pk}/decision", {"action": "approve", "seen": seen}),
                          409)  # fmt: skip
    assert body["detail"].startswith("moderator2 rejected this ") and " s ago" in body["detail"]
    assert "nothing was changed" in body["detail"]
    assert ModerationEvent.objects.count() == before
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"action": "delete"}, 400),
        ({"action": "reject", "reason": "rude"}, 400),
        ({"action": "reject", "reason": "other"}, 400),  # "other" needs a note
        ({"action": "approve", "seen": "garbage"}, 400),
        ({"action": "approve", "seen": 7}, 400),
    ],
)
def test_bad_decisions_are_400_and_change_nothing(staff_api, data, status):
    comment = make_comment(make_seed_article(), policy=HOLD_ALL)
    assert_problem(staff_api.post(f"/api/v1/queue/{comment.pk}/decision", data), status)
    assert Comment.objects.get().status == Comment.Status.HELD
    assert not ModerationEvent.objects.exclude(action="auto").exists()


def test_deciding_on_nothing(staff_api):
    for missing in (999999, 10**30):
        assert_problem(
            staff_api.post(f"/api/v1/queue/{missing}/decision", {"action": "approve", "seen": "held:0"}), 404
        )
    published = make_comment(make_seed_article())
    decision = {"action": "approve", "seen": Seen.of(published).token}
    assert (
        "already published"
        in assert_problem(staff_api.post(f"/api/v1/queue/{published.pk}/decision", decision), 409)["detail"]
    )


def test_a_commenters_record_and_sanctions(staff_api, moderator):
    article = make_seed_article()
    comment = make_comment(article)
    make_comment(article, policy=HOLD_ALL)
    email = comment.author_email
    Sanction.objects.create(email=email, kind=Sanction.Kind.WARN, reason="old", lifted_at=timezone.now())
    body = staff_api.get(f"/api/v1/commenters/{email.upper()}").json()
    assert body["email"] == email and body["counts"]["published"] == 1 and body["counts"]["held"] == 0
    assert [c["id"] for c in body["recent"]] == [comment.pk]
    assert body["sanctions"][0]["in_force"] is False and body["active_sanctions"] == []

    response = staff_api.post(
        f"/api/v1/commenters/{email}/sanctions", {"kind": "suspend", "reason": "Abuse.", "days": 3}
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["kind"] == "suspend" and made["in_force"] and made["created_by"] == "moderator1"
    sanction = Sanction.objects.get(pk=made["id"])
    assert sanction.created_by == moderator and sanction.email == email
    assert ControlEvent.objects.filter(action="sanction", actor=moderator).exists()
    assert [s["id"] for s in staff_api.get(f"/api/v1/commenters/{email}").json()["active_sanctions"]] == [sanction.pk]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "suspend", "reason": "No end."},  # a suspension needs days
        {"kind": "ban", "reason": "  "},
        {"kind": "exile", "reason": "x"},
        {"kind": "suspend", "reason": "x", "days": 0},
        {"kind": "suspend", "reason": "x", "days": 10**20},
        {"kind": "suspend", "reason": "x", "days": "many"},
    ],
)
def test_refused_sanctions_are_400_and_not_written(staff_api, data):
    assert_problem(staff_api.post("/api/v1/commenters/a@example.com/sanctions", data), 400)
    assert not Sanction.objects.exists() and not ControlEvent.objects.exists()


def test_the_admin_shows_a_new_key_once(admin_client, admin_user):
    response = admin_client.post("/admin/api/apitoken/add/", {"user": admin_user.pk, "name": "Night desk"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get()
    page = response.content.decode()
    shown = page[page.index(token.prefix) :].split(" ")[0]
    assert key_hash(shown) == token.key_hash  # the full key, once
    listing = admin_client.get("/admin/api/apitoken/").content.decode()
    assert token.prefix in listing and shown not in listing
    admin_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert ApiToken.objects.get().revoked_at is not None
    assert_problem(ApiClient(Authorization=f"Bearer {shown}").get("/api/v1/queue"), 401)


def test_staff_see_and_make_only_their_own_tokens(client, moderator, django_user_model):
    from django.contrib.auth.models import Permission

    moderator.user_permissions.add(*Permission.objects.filter(content_type__app_label="api"))
    someone = django_user_model.objects.create_user("someone", is_staff=True)
    api_token_create(user=someone, name="theirs")
    client.force_login(moderator)
    assert "theirs" not in client.get("/admin/api/apitoken/").content.decode()
    client.post("/admin/api/apitoken/add/", {"user": someone.pk, "name": "mine"})
    assert ApiToken.objects.get(name="mine").user == moderator


def test_a_moderator_makes_their_own_token_in_the_admin_and_the_key_works_once_shown(client):
    from django.contrib.auth.models import User

    from desk.roles import ensure_moderators_group

    moderator = User.objects.create_user("night-desk", password="pw-night-123", is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    client.force_login(moderator)
    response = client.post("/admin/api/apitoken/add/", {"name": "my script"}, follow=True)
    assert response.status_code == 200
    key = next(m.message for m in response.context["messages"] if "nrt_" in m.message or "key" in m.message.lower())
    token = next(word for word in key.replace("“", " ").replace("”", " ").split() if len(word) > 30).strip(".,:;")
    client.logout()
    queue = client.get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"})
    assert queue.status_code == 200, queue.content
