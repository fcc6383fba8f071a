"""Posting, reporting and one's own comments through the API: the page's service, rules and limits."""

import datetime as dt
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from commenters.models import Commenter, Sanction, StorySettings
from comments.models import Comment, CommentReport, ModerationEvent
from embeds.models import SiteReader
from factories import make_article, make_comment, make_seed_article

from .conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db

ON_TOPIC = "Khalilzad is right to press Pakistan on the intra-Afghan talks."
INSULT = "Honestly, you are a brainless idiot about the talks."


def post(client, article, **fields):
    data = {"name": "Amina", "email": "amina@example.com", "body": ON_TOPIC} | fields
    return client.post(f"/api/v1/stories/{article.pk}/comments", data)


def test_an_on_topic_comment_is_published_and_audited(reader):
    article = make_seed_article()
    response = post(reader, article)
    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get()
    assert body["decision"] == "published" and body["reasons"] == [] and body["message"] == "Your comment is published."
    assert body["comment"]["id"] == comment.pk and body["comment"]["author_name"] == "Amina"
    assert body["comment"]["status"] == "published"
    assert "amina@example.com" not in response.content.decode()
    assert comment.ip_address == "127.0.0.1"
    assert ModerationEvent.objects.filter(comment=comment, action="auto", new_status="published").exists()
    listed = reader.get(f"/api/v1/stories/{article.pk}/comments").json()
    assert listed["threads"][0]["comment"]["body"] == ON_TOPIC


def test_a_held_comment_says_why_and_only_its_author_sees_it_by_their_header(reader):
    article = make_seed_article()
    response = post(reader, article, body=INSULT)
    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "held"
    assert "insults someone directly" in body["reasons"]
    assert body["message"].startswith("Awaiting moderation — only you can see this. It was held because it")
    assert reader.reader  # the answer carries the reader's header: their comments are theirs by it
    mine = reader.get(f"/api/v1/stories/{article.pk}/comments").json()["own_pending"]
    assert [c["id"] for c in mine] == [body["comment"]["id"]]
    assert mine[0]["status"] == "held" and mine[0]["notice"] == body["message"]
    assert mine[0]["reasons"] == body["reasons"]
    # Without the header (another reader, or a forged one) nothing of it shows.
    for stranger in (ApiClient(), ApiClient(**{"X-Newsroom-Reader": reader.reader[:-2] + "xx"})):
        section = stranger.get(f"/api/v1/stories/{article.pk}/comments").json()
        assert section["own_pending"] == [] and INSULT not in str(section)
    own = reader.get("/api/v1/me/comments").json()
    assert own["signed_in_as"] is None
    assert [(c["id"], c["status"], c["story"]["id"]) for c in own["comments"]] == [
        (body["comment"]["id"], "held", article.pk)
    ]
    assert ApiClient().get("/api/v1/me/comments").json()["comments"] == []


def test_a_rejected_comment_gives_the_reasons_and_stays_its_authors(reader):
    article = make_seed_article()
    response = post(reader, article, body="Fuck you, Khalilzad fan.")
    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "rejected" and "swears at someone" in body["reasons"]
    assert body["message"].startswith("Your comment was not published because it swears at someone")
    assert body["message"].endswith("You can edit it and try again.")
    assert Comment.objects.get().status == Comment.Status.REJECTED
    mine = reader.get(f"/api/v1/stories/{article.pk}/comments").json()["own_pending"]
    assert mine[0]["status"] == "rejected" and mine[0]["notice"].startswith("Not published because it swears")
    assert ApiClient().get(f"/api/v1/stories/{article.pk}/comments").json()["own_pending"] == []


def test_a_reply_names_whom_it_answers(reader):
    article = make_seed_article()
    parent = make_comment(article, name="Ben")
    response = post(reader, article, parent=parent.pk)
    assert response.status_code == 201
    assert response.json()["comment"] | {"created_at": None, "id": None} == {
        "id": None, "parent_id": parent.pk, "author_name": "Amina", "created_at": None, "body": ON_TOPIC,
        "depth": 1, "replying_to": "Ben", "removed": False, "status": "published", "notice": "", "reasons": [],
        "reply_count": 0, "ignored": False, "reactions": 0, "reacted": False, "featured": False, "statement": None,
    }  # fmt: skip
    other = make_article()
    elsewhere = make_comment(other)
    body = assert_problem(post(reader, article, parent=elsewhere.pk), 400)
    assert body["errors"] == [{"field": "parent", "message": "The comment you are replying to is not on this article."}]
    body = assert_problem(post(reader, article, parent=999999), 400)
    assert body["errors"][0]["field"] == "parent"
    assert_problem(post(reader, article, parent=10**30), 400)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "x" * 51}, "name", "at most 50 characters"),
        ({"name": "  \u202e "}, "name", "Give a name"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"email": "jürgen@example.com"}, "email", "letters other than a–z before the @"),
        ({"email": ""}, "email", "Give your email address"),
        ({"body": "x" * 3001}, "body", "under 3000 characters"),
        ({"body": "   \n "}, "body", "Write a comment first"),
    ],
)
def test_invalid_requests_are_400_with_field_errors_and_nothing_stored(reader, fields, field, message):
    article = make_seed_article()
    body = assert_problem(post(reader, article, **fields), 400)
    assert body["errors"][0]["field"] == field and message in body["errors"][0]["message"], body
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"name": "A", "email": "a@example.com"},  # no body
        {"name": "A", "email": "a@example.com", "body": 42},
        {"name": ["A"], "email": "a@example.com", "body": "Doha"},
        {"name": "A", "email": "a@example.com", "body": "Doha", "parent": "first"},
        {"name": "A", "email": "a@example.com", "body": "Doha", "token": "t" * 65},
        {"name": "A", "email": "a@example.com", "body": "Doha \ud800 talks"},
        [],
        "a string",
        None,
    ],
)
def test_wrong_shapes_and_types_are_400_not_500(reader, data):
    article = make_seed_article()
    response = reader.post(f"/api/v1/stories/{article.pk}/comments", raw=__import__("json").dumps(data))
    assert_problem(response, 400)
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,
        b'{"parent": 1e400, "body": "x"}',
        b"{",
        b"\xff\xfe",
        b'{"name": "A", "body": "x" ',
        b"\x00",
        b'{"body": "\\ud800"}',
    ],
)
def test_junk_bodies_are_400(reader, raw):
    article = make_seed_article()
    assert_problem(reader.post(f"/api/v1/stories/{article.pk}/comments", raw=raw), 400)
    assert Comment.objects.count() == 0


def test_nul_and_controls_are_cleaned_as_the_form_cleans_them(reader):
    article = make_seed_article()
    response = post(reader, article, name="Ami\x00na", body="Pakistan\x00 matters in Doha.")
    assert response.status_code == 201
    comment = Comment.objects.get()
    assert comment.author_name == "Amina" and comment.body == "Pakistan matters in Doha."


def test_the_same_token_twice_stores_one_comment(reader):
    article = make_seed_article()
    first = post(reader, article, token="form-1")
    second = post(reader, article, token="form-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["duplicate"] is True and second.json()["comment"]["id"] == first.json()["comment"]["id"]
    assert Comment.objects.count() == 1
    # Someone else's words under that token are not that comment.
    body = assert_problem(post(ApiClient(), article, token="form-1", email="ben@example.com", body="Ben on Doha."), 409)
    assert "already used" in body["detail"]
    assert Comment.objects.count() == 1


def test_a_closed_story_and_a_banned_commenter_are_403_with_the_reason(reader):
    article = make_seed_article()
    StorySettings.objects.create(article=article, comments_open=False, closed_message="Closed for the night.")
    body = assert_problem(post(reader, article), 403)
    assert body["detail"] == "Closed for the night."
    open_story = make_article()
    Sanction.objects.create(email="amina@example.com", kind=Sanction.Kind.BAN, reason="repeated abuse")
    body = assert_problem(post(reader, open_story), 403)
    assert "banned this address (repeated abuse)" in body["detail"]
    Sanction.objects.create(
        email="ben@example.com", kind=Sanction.Kind.SUSPEND, reason="a cooling-off",
        ends_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    body = assert_problem(post(reader, open_story, email="ben@example.com"), 403)
    assert "suspended" in body["detail"]
    assert Comment.objects.count() == 0


def test_too_fast_is_429_with_retry_after(reader, settings):
    settings.COMMENTS_RATE_PER_IP = "1/h"
    article = make_seed_article()
    assert post(reader, article).status_code == 201
    body = assert_problem(post(reader, article, body="Pakistan and Doha, again."), 429)
    assert "faster than we allow" in body["detail"]
    response = post(reader, article, body="Pakistan and Doha, a third time.")
    assert 3500 <= int(response["Retry-After"]) <= 3601
    assert Comment.objects.count() == 1
    # The same comment sent again (its token) is not "too fast": it was posted.
    settings.COMMENTS_RATE_PER_IP = ""
    first = post(reader, article, token="tok", body="Doha, with a token.")
    settings.COMMENTS_RATE_PER_IP = "1/h"
    assert (
        post(reader, article, token="tok", body="Doha, with a token.").json()["comment"]["id"]
        == (first.json()["comment"]["id"])
    )


def test_a_lost_database_connection_is_503_and_nothing_half_written(reader):
    article = make_seed_article()
    with mock.patch("api.readers.comment_post", side_effect=OperationalError("server closed the connection")):
        body = assert_problem(post(reader, article), 503)
    assert "it will not be posted twice" in body["detail"]
    assert Comment.objects.count() == 0


def test_a_reader_signed_in_by_their_site_posts_as_the_site_says(reader, site):
    commenter = Commenter.objects.create(email="real.name@paper.example", confirmed_at=timezone.now())
    signed = SiteReader.objects.create(
        site=site, external_id="u-1", commenter=commenter, display_name="Real Name", signed_in_at=timezone.now()
    )
    session = reader.client.session  # sign them in as /sign-in does, then carry the jar in the header
    from embeds.middleware import dump_jar
    from embeds.readers import SESSION_KEY

    session[SESSION_KEY] = signed.pk
    session.save()
    reader.reader = dump_jar({"sessionid": session.session_key})
    article = make_seed_article()
    response = post(reader, article, name="Someone Else", email="else@example.com")
    assert response.status_code == 201
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email) == ("Real Name", "real.name@paper.example")
    mine = reader.get("/api/v1/me/comments").json()
    assert mine["signed_in_as"] == "Real Name" and [c["id"] for c in mine["comments"]] == [comment.pk]
    # Their comments from any device: every comment of the address the site vouched for.
    other_device = make_comment(article, body="From my phone about Doha.")
    Comment.objects.filter(pk=other_device.pk).update(
        author_email="real.name@paper.example", mailbox="real.name@paper.example"
    )
    assert len(reader.get("/api/v1/me/comments").json()["comments"]) == 2
    # Before their site first signed them in, anyone could have typed the address: that is not theirs.
    before = make_comment(article, body="Typed by someone else, before, about Doha.")
    Comment.objects.filter(pk=before.pk).update(
        author_email="real.name@paper.example",
        mailbox="real.name@paper.example",
        created_at=signed.created_at - dt.timedelta(days=1),
    )
    assert len(reader.get("/api/v1/me/comments").json()["comments"]) == 2


def test_reporting_a_comment(reader, settings):
    article = make_seed_article()
    comment = make_comment(article)
    response = reader.post(f"/api/v1/comments/{comment.pk}/reports", {"reason": "spam", "note": "An advert."})
    assert response.status_code == 201 and "moderator will look" in response.json()["message"]
    report = CommentReport.objects.get()
    assert (report.reason, report.note, report.ip_address) == ("spam", "An advert.", "127.0.0.1")
    assert ModerationEvent.objects.filter(comment=comment, action="report").exists()
    # Twice from one address: refused, said why.
    assert "already reported" in assert_problem(reader.post(f"/api/v1/comments/{comment.pk}/reports",
                                                            {"reason": "spam"}), 400)["detail"]  # fmt: skip
    body = assert_problem(reader.post(f"/api/v1/comments/{comment.pk}/reports", {"reason": "ugly"}), 400)
    assert body["errors"][0]["field"] == "reason"
    held = make_comment(article, status=Comment.Status.HELD)
    for missing in (held.pk, 999999, 10**25):
        assert_problem(reader.post(f"/api/v1/comments/{missing}/reports", {"reason": "spam"}), 404)
    settings.REPORTS_RATE_PER_IP = "1/h"
    other = make_comment(article)
    assert reader.post(f"/api/v1/comments/{other.pk}/reports", {"reason": "abusive"}).status_code == 201
    limited = reader.post(f"/api/v1/comments/{make_comment(article).pk}/reports", {"reason": "abusive"})
    assert_problem(limited, 429)
    assert int(limited["Retry-After"]) > 0
    assert CommentReport.objects.count() == 2


def test_post_by_story_address(reader, site):
    embedded = make_article(canonical_url="https://paper.example/2024/doha")
    response = reader.post(
        "/api/v1/comments",
        {"story_url": "https://paper.example/2024/doha", "name": "Amina", "email": "a@example.com", "body": ON_TOPIC},
    )
    assert response.status_code == 201
    assert Comment.objects.get().article == embedded
    assert_problem(reader.post("/api/v1/comments", {"story_url": "https://paper.example/x", "name": "A",
                                                    "email": "a@example.com", "body": "x"}), 404)  # fmt: skip


def test_a_warning_is_shown_once_and_pre_moderation_holds(reader):
    article = make_seed_article()
    Sanction.objects.create(email="amina@example.com", kind=Sanction.Kind.WARN, reason="mind your language")
    first = post(reader, article).json()
    assert first["warnings"] == ["A moderator has warned you: mind your language. Please keep to the comments policy."]
    assert post(reader, article, body="Pakistan and Doha, once more.").json()["warnings"] == []
    Sanction.objects.create(email="ben@example.com", kind=Sanction.Kind.PREMODERATE, reason="new here")
    held = post(ApiClient(), article, email="ben@example.com").json()
    assert held["decision"] == "held" and any("a moderator reads first" in r for r in held["reasons"]), held
