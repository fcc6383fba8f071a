"""Floods, bots and hostile text: a clear answer every time, never a 500, nothing lost."""

import pytest
from django.test import Client
from django.test.utils import override_settings

from comments.models import Comment, CommentReport
from comments.sanitize import clean_text
from factories import comment_form_data, make_comment, make_seed_article

pytestmark = pytest.mark.django_db


def post_url(article):
    return f"/articles/{article.slug}/comments/"


@override_settings(COMMENTS_RATE_PER_IP="1/5s,30/h", COMMENTS_RATE_PER_EMAIL="1/5s")
def test_posting_too_fast_is_429_and_keeps_the_text(client):
    article = make_seed_article()
    assert client.post(post_url(article), comment_form_data(body="First thoughts on Doha.")).status_code == 302
    response = client.post(post_url(article), comment_form_data(body="Second thoughts, too soon."))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert "Second thoughts, too soon." in html and "faster than we allow" in html
    assert Comment.objects.count() == 1


@override_settings(COMMENTS_RATE_PER_IP="", COMMENTS_RATE_PER_EMAIL="1/5s")
def test_email_limit_applies_across_addresses():
    article = make_seed_article()
    first = Client(REMOTE_ADDR="10.0.0.1").post(post_url(article), comment_form_data(email="same@example.com"))
    second = Client(REMOTE_ADDR="10.0.0.2").post(post_url(article), comment_form_data(email="same@example.com"))
    assert (first.status_code, second.status_code) == (302, 429)


@override_settings(COMMENTS_RATE_PER_IP="1/5s")
def test_a_double_submitted_form_is_not_rate_limited_and_stores_one(client):
    article = make_seed_article()
    data = comment_form_data()
    assert client.post(post_url(article), data).status_code == 302
    assert client.post(post_url(article), data).status_code == 302
    assert Comment.objects.count() == 1


@override_settings(REPORTS_RATE_PER_IP="2/m")
def test_reports_are_rate_limited(client):
    article = make_seed_article()
    comments = [make_comment(article, body=f"Remark {n} on Doha.") for n in range(3)]
    codes = [client.post(f"/comments/{c.pk}/report/", {"reason": "spam"}).status_code for c in comments]
    assert codes == [302, 302, 429]
    assert CommentReport.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("x" * 3001, "at most 3000 characters"),
        ("null\x00byte", "Null characters are not allowed"),
        ("a" + "\u0301" * 10_000, "at most 3000 characters"),
    ],
)
def test_bad_bodies_get_a_clear_message(client, body, fragment):
    article = make_seed_article()
    response = client.post(post_url(article), comment_form_data(body=body))
    assert response.status_code == 400
    assert fragment in response.content.decode()
    assert Comment.objects.count() == 0


def test_control_characters_rtl_overrides_and_zalgo_are_cleaned(client):
    article = make_seed_article()
    body = "Kabul\u202e and Doha\x07 talks" + "e" + "\u0301" * 20 + "\nnext line"
    client.post(post_url(article), comment_form_data(name="Eve\u202egnp.exe", body=body))
    comment = Comment.objects.get()
    assert comment.author_name == "Evegnp.exe"
    assert "\u202e" not in comment.body and "\x07" not in comment.body
    assert comment.body.count("\u0301") == 3 and "\nnext line" in comment.body


def test_invalid_utf8_and_huge_posts_are_not_500(client):
    article = make_seed_article()
    raw = client.post(
        post_url(article),
        data=b"name=%FF%FE&email=a%40example.com&body=caf%E9+%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert raw.status_code in (302, 400)
    huge = client.post(post_url(article), comment_form_data(body="x" * 2_000_000))
    assert huge.status_code == 400
    assert "too large" in huge.content.decode()


@pytest.mark.parametrize(
    "path", ["/articles/%00/", "/articles/x/comments/", "/comments/abc/report/", "/?page=-1&q=%00"]
)
def test_odd_urls_are_not_500(client, path):
    assert client.get(path).status_code in (200, 400, 404, 405)


def test_sanitize_is_idempotent_and_keeps_plain_text():
    text = "Plain text, with newlines\nand tabs\tstays."
    assert clean_text(text) == text
    dirty = "a\u202eb\x00c" + "o" + "\u0308" * 9
    assert clean_text(clean_text(dirty)) == clean_text(dirty)


def test_admin_actions_need_csrf(admin_user):
    article = make_seed_article()
    comment = make_comment(article, status=Comment.Status.HELD)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/admin/desk/reviewqueueitem/", {"action": "approve", "_selected_action": [comment.pk]})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD


@override_settings(AXES_FAILURE_LIMIT=3)
def test_admin_login_is_throttled(django_user_model):
    django_user_model.objects.create_user("mod", password="the-right-password-123", is_staff=True)
    client = Client()
    codes = [client.post("/admin/login/", {"username": "mod", "password": "wrong"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    blocked = client.post("/admin/login/", {"username": "mod", "password": "the-right-password-123"})
    assert blocked.status_code == 429 and "log-in attempts" in blocked.content.decode()
    # The full-width spelling is the same user to the log-in form, and to the throttle.
    wide = Client(REMOTE_ADDR="10.8.8.8")
    for _ in range(2):
        wide.post("/admin/login/", {"username": "mod", "password": "wrong"})
    assert wide.post("/admin/login/", {"username": "ｍｏｄ", "password": "wrong"}).status_code == 429
    # Someone guessing from one address does not lock the moderator out from theirs.
    other = Client(REMOTE_ADDR="10.9.9.9").post(
        "/admin/login/", {"username": "mod", "password": "the-right-password-123"}
    )
    assert other.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_one_address_cannot_guess_many_usernames(django_user_model):
    client = Client()
    codes = [client.post("/admin/login/", {"username": f"user{n}", "password": "x"}).status_code for n in range(4)]
    assert codes == [200, 200, 429, 429]


@override_settings(AXES_FAILURE_LIMIT=3, BEHIND_PROXY=1)
def test_the_login_throttle_reads_the_address_our_proxy_wrote(django_user_model):
    # Behind the proxy every request comes from its address; the client's is the last X-Forwarded-For entry.
    attacker = Client(HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.20")
    for n in range(3):
        attacker.post(
            "/admin/login/", {"username": "mod", "password": "x"}, HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 198.51.100.20"
        )
    assert attacker.post("/admin/login/", {"username": "mod", "password": "x"}).status_code == 429
    django_user_model.objects.create_user("mod", password="the-right-password-123", is_staff=True)
    moderator = Client(HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert moderator.post("/admin/login/", {"username": "mod", "password": "the-right-password-123"}).status_code == 302


def test_successful_login_is_not_counted(django_user_model):
    django_user_model.objects.create_user("mod", password="the-right-password-123", is_staff=True)
    client = Client()
    for _ in range(8):
        response = client.post("/admin/login/", {"username": "mod", "password": "the-right-password-123"})
        assert response.status_code == 302
        client.logout()


@override_settings(BEHIND_PROXY=1)
def test_a_forged_forwarded_for_header_is_not_stored_or_a_500(client):
    article = make_seed_article()
    # What the client wrote comes first; our proxy appended the address it saw.
    response = client.post(post_url(article), comment_form_data(), HTTP_X_FORWARDED_FOR="<script>, 1.2.3.4")
    assert response.status_code == 302
    assert Comment.objects.get().ip_address == "1.2.3.4"
    client.post(post_url(article), comment_form_data(body="Second on Doha."), HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert Comment.objects.filter(ip_address="203.0.113.9").exists()
    client.post(post_url(article), comment_form_data(body="Third on Doha."), HTTP_X_FORWARDED_FOR="not an address")
    assert Comment.objects.filter(body="Third on Doha.", ip_address="127.0.0.1").exists()


@override_settings(BEHIND_PROXY=1, COMMENTS_RATE_PER_IP="1/h", COMMENTS_RATE_PER_EMAIL="")
def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(client):
    article = make_seed_article()
    statuses = [
        client.post(
            post_url(article), comment_form_data(email=f"r{n}@example.com", body=f"Remark {n} on the Doha talks."),
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7",
        ).status_code
        for n in range(5)
    ]  # fmt: skip
    assert statuses == [302, 429, 429, 429, 429]
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


@override_settings(BEHIND_PROXY=2)
def test_two_trusted_proxies_read_the_second_entry_from_the_right(client):
    article = make_seed_article()
    client.post(post_url(article), comment_form_data(), HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.8, 10.0.0.1")
    assert Comment.objects.get().ip_address == "198.51.100.8"


def test_the_service_refuses_nul_instead_of_failing_in_the_database():
    from comments.services import CommentError, comment_post

    article = make_seed_article()
    with pytest.raises(CommentError, match="NUL"):
        comment_post(article=article, author_name="A", author_email="a@example.com", body="bad\x00text")


@override_settings(COMMENTS_RATE_PER_IP="", COMMENTS_RATE_PER_EMAIL="1/h")
def test_tagged_and_dotted_variants_of_an_address_share_its_limit(client):
    article = make_seed_article()
    addresses = ["j.smith@gmail.com", "jsmith+news@gmail.com", "J.S.mith@GMAIL.com", "jsmith@example.org"]
    codes = [
        client.post(post_url(article), comment_form_data(email=a, body=f"Remark {n} on the talks.")).status_code
        for n, a in enumerate(addresses)
    ]
    assert codes == [302, 429, 429, 302]


@pytest.mark.parametrize("field", ["name", "body"])
def test_invisible_only_names_and_bodies_are_refused_with_the_text_kept(client, field):
    article = make_seed_article()
    data = comment_form_data(**{field: "\u200b\u200d\u2060 \ufeff"})
    response = client.post(post_url(article), data)
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_related_links_lead_only_to_http_or_this_site():
    from django.core.exceptions import ValidationError

    from articles.models import validate_link

    for bad in ["javascript:alert(1)", "//evil.example/x", "data:text/html,x", "/\\\\evil.example"]:
        with pytest.raises(ValidationError):
            validate_link(bad)
    for good in ["https://www.aa.com.tr/en/asia-pacific/x", "/articles/other-story/", ""]:
        validate_link(good)


def test_a_stored_unsafe_related_link_is_never_rendered(client):
    from articles.models import RelatedLink

    article = make_seed_article()
    RelatedLink.objects.create(article=article, after_paragraph=1, headline="Click me", url="javascript:alert(1)")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Click me" in html and "javascript:" not in html


def test_the_same_words_twice_are_caught_however_busy_the_window(client, settings):
    settings.COMMENTS_RATE_PER_IP = settings.COMMENTS_RATE_PER_EMAIL = ""
    article = make_seed_article()
    for n in range(250):  # a busy window: more than the 200 comments the check reads
        make_comment(article, body=f"Busy remark {n} about the Doha talks and Pakistan.")
    text = "Pakistan must push the Taliban harder before the Doha talks collapse."
    client.post(post_url(article), comment_form_data(email="dup@example.com", body=text))
    client.post(post_url(article), comment_form_data(email="dup@example.com", body=text))
    first, second = Comment.objects.filter(author_email="dup@example.com").order_by("pk")
    assert first.status == Comment.Status.PUBLISHED
    assert second.status != Comment.Status.PUBLISHED and "spam.duplicate" in second.reasons


def test_a_huge_multipart_upload_is_refused_before_it_is_read(client):
    article = make_seed_article()
    response = client.generic(
        "POST", post_url(article), b"x", content_type="multipart/form-data; boundary=zz",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )  # fmt: skip
    assert response.status_code == 413


def test_a_double_click_racing_itself_is_not_told_too_fast(client):
    from unittest import mock

    from comments.services import Submission, comment_post

    article = make_seed_article()
    data = comment_form_data(body="Pakistan can bring the Taliban to the table.")

    def the_other_click_wins(claim, limits, *, read=()):
        comment_post(article=article, author_name=data["name"], author_email=data["email"], body=data["body"],
                     submission=Submission(token=data["token"]))  # fmt: skip
        return True, 5  # this request claimed the form (the other's claim ran out), and is told to wait

    with mock.patch("comments.ratelimit.claim_and_hit", side_effect=the_other_click_wins):
        response = client.post(post_url(article), data)
    assert response.status_code == 302 and Comment.objects.count() == 1


def test_a_dropped_database_connection_keeps_the_text_and_a_resend_stores_once(client):
    from django.db import OperationalError, connection

    article = make_seed_article()
    form = comment_form_data(body="Doha needs Islamabad at the table.")

    def drop_the_insert(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and "comments_comment" in sql:
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_the_insert):
        failed = client.post(post_url(article), form)
    assert failed.status_code == 503
    page = failed.content.decode()
    assert "lost the connection to our database" in page and "Doha needs Islamabad at the table." in page
    assert not Comment.objects.exists()
    # The reader presses Post again (the same form, the same token) — twice, as a worried reader would.
    assert [client.post(post_url(article), form).status_code for _ in range(2)] == [302, 302]
    assert Comment.objects.filter(body="Doha needs Islamabad at the table.").count() == 1
