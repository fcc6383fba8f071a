"""Every write: a body too large for Django is 413, not 500; only this site's pages and registered sites' pages
may write from a browser; a body is JSON or 415; a decision names the state it saw; a sanction names an
address; a reused comment token is told what to send."""

import json
from unittest import mock

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent

from commenters.models import Sanction
from comments.models import Comment, CommentReport, ModerationEvent
from comments.services import Seen
from embeds.models import SiteReader
from factories import HOLD_ALL, make_comment, make_seed_article

from .conftest import ApiClient, assert_problem
from .test_sites import STORY, signed, token

pytestmark = pytest.mark.django_db

ON_TOPIC = "Khalilzad is right to press Pakistan on the intra-Afghan talks."
BIG = 1_100_000  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB), under MAX_REQUEST_BYTES (4 MiB)


def comment_data(**fields):
    return {"name": "Amina", "email": "amina@example.com", "body": ON_TOPIC} | fields


def nothing_written():
    return (
        Comment.objects.count(),
        CommentReport.objects.count(),
        Sanction.objects.count(),
        SiteReader.objects.count(),
        ModerationEvent.objects.exclude(action="auto").count(),
    )


@pytest.fixture
def writes(site, staff_api):
    """Every write endpoint, with a valid JSON body and the client that may send it."""
    article = make_seed_article()
    published = make_comment(article)
    held = make_comment(article, policy=HOLD_ALL)
    decision = {"action": "approve", "seen": Seen.of(held).token}
    story_body = json.dumps(STORY).encode()
    return [
        ("post", f"/api/v1/stories/{article.pk}/comments", comment_data(), ApiClient(), {}),
        ("post", "/api/v1/comments", comment_data(story_url=article.slug), ApiClient(), {}),
        ("post", f"/api/v1/comments/{published.pk}/reports", {"reason": "spam"}, ApiClient(), {}),
        ("put", "/api/v1/stories", json.loads(story_body), ApiClient(), signed(story_body)),
        ("post", "/api/v1/sign-in", {"token": token(), "site": "https://paper.example"}, ApiClient(), {}),
        ("post", f"/api/v1/queue/{held.pk}/decision", decision, staff_api, {}),
        ("post", "/api/v1/commenters/ben@example.com/sanctions", {"kind": "ban", "reason": "Spam."}, staff_api, {}),
    ]


def padded(data, size=BIG):
    """The body as JSON, padded with whitespace (still valid JSON) to ``size`` bytes."""
    raw = json.dumps(data)
    return raw + " " * (size - len(raw))


# 1. A body Django will not read is 413, on every write.


def test_a_body_over_one_mebibyte_is_413_on_every_write(writes):
    before = nothing_written()
    for method, path, data, client, headers in writes:
        response = client.call(method, path, raw=padded(data), headers=headers)
        body = assert_problem(response, 413)
        assert body["type"] == "urn:newsroom:problem:request-too-large", (path, body)
        assert "of at most 1,048,576 bytes" in body["detail"]
    assert nothing_written() == before


def test_every_write_accepts_its_body_when_it_is_small(writes):
    """The same requests, unpadded: the 413s above are the size, not the request."""
    for method, path, data, client, headers in writes:
        response = client.call(method, path, data, headers=headers)
        assert response.status_code in (200, 201), (path, response.content)


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (RequestDataTooBig("too big"), 413, "request-too-large"),
        (TooManyFieldsSent("too many"), 400, "bad-request"),
        (SuspiciousOperation("odd"), 400, "bad-request"),
    ],
)
def test_djangos_refusals_of_a_request_are_problems_not_500(reader, error, status, kind):
    article = make_seed_article()
    with mock.patch("api.readers.comment_section", side_effect=error):
        body = assert_problem(reader.get(f"/api/v1/stories/{article.pk}/comments"), status)
    assert body["type"] == f"urn:newsroom:problem:{kind}"


# 2. Pages on other origins: only registered sites' may write; a body is JSON.


def test_a_page_on_an_unregistered_origin_cannot_post_through_its_visitors_browser(site):
    article = make_seed_article()
    path = f"/api/v1/stories/{article.pk}/comments"
    evil = ApiClient(Origin="https://evil.example")
    # fetch(..., {mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: JSON.stringify(...)})
    body = assert_problem(evil.post(path, comment_data(), content_type="text/plain;charset=UTF-8"), 403)
    assert body["type"] == "urn:newsroom:problem:origin-not-allowed"
    assert "Only pages of a site registered with this comment service may post here" in body["detail"]
    assert_problem(evil.post(path, comment_data()), 403)  # as JSON too (its preflight fails, but still)
    assert_problem(ApiClient(Origin="null").post(path, comment_data()), 403)  # a sandboxed frame, a file
    assert not Comment.objects.exists()
    # Reading is not writing: anyone may read (their page just cannot see the answer without CORS).
    assert evil.get(path).status_code == 200


def test_a_registered_site_this_site_and_servers_may_post(site, settings):
    settings.SITE_URL = "https://news.example"
    article = make_seed_article()
    path = f"/api/v1/stories/{article.pk}/comments"
    for number, client in enumerate(
        [
            ApiClient(Origin="https://paper.example"),  # a registered site's page
            ApiClient(Origin="HTTPS://Paper.Example:443"),  # the same, written otherwise
            ApiClient(Origin="http://testserver"),  # this site's own page, as the request reached it
            ApiClient(Origin="https://news.example"),  # this site as readers reach it (behind a proxy)
            ApiClient(),  # a server or curl: no Origin
        ]
    ):
        response = client.post(path, comment_data(body=f"{ON_TOPIC} ({number})"))
        assert response.status_code == 201, (number, response.content)
    assert Comment.objects.count() == 5


def test_a_retired_site_may_no_longer_post(site):
    article = make_seed_article()
    site.is_active = False
    site.save()
    client = ApiClient(Origin="https://paper.example")
    assert_problem(client.post(f"/api/v1/stories/{article.pk}/comments", comment_data()), 403)
    assert_problem(client.post("/api/v1/sign-in", {"token": token()}), 403)
    assert not Comment.objects.exists() and not SiteReader.objects.exists()


def test_every_write_refuses_an_unregistered_origin(writes):
    before = nothing_written()
    for method, path, data, _client, headers in writes:
        client = ApiClient(**_client.headers, Origin="https://evil.example")
        body = assert_problem(client.call(method, path, data, headers=headers), 403)
        assert body["type"] == "urn:newsroom:problem:origin-not-allowed", path
    assert nothing_written() == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data"],
)
def test_every_write_refuses_a_body_that_is_not_json_with_415(writes, content_type):
    before = nothing_written()
    for method, path, data, client, headers in writes:
        response = client.call(method, path, raw=json.dumps(data), headers=headers, content_type=content_type)
        body = assert_problem(response, 415)
        assert "application/json" in body["detail"], path
    assert nothing_written() == before


def test_the_django_test_clients_default_form_post_is_415(reader):
    article = make_seed_article()
    response = reader.client.post(f"/api/v1/stories/{article.pk}/comments", comment_data())  # multipart
    assert_problem(response, 415)
    assert not Comment.objects.exists()


def test_json_with_a_charset_is_json(reader):
    article = make_seed_article()
    path = f"/api/v1/stories/{article.pk}/comments"
    response = reader.post(path, comment_data(), content_type="application/json; charset=utf-8")
    assert response.status_code == 201, response.content


# 3. A decision names the state it saw.


def test_a_decision_without_seen_is_400_and_changes_nothing(staff_api):
    comment = make_comment(make_seed_article(), policy=HOLD_ALL)
    response = staff_api.post(f"/api/v1/queue/{comment.pk}/decision", {"action": "reject", "reason": "abusive"})
    body = assert_problem(response, 400)
    assert body["errors"][0]["field"] == "body.seen"
    assert "send the 'seen' token of the queue item" in body["detail"]
    assert Comment.objects.get().status == Comment.Status.HELD
    assert not ModerationEvent.objects.exclude(action="auto").exists()
    for empty in ("", None):
        data = {"action": "approve", "seen": empty}
        assert_problem(staff_api.post(f"/api/v1/queue/{comment.pk}/decision", data), 400)
    assert Comment.objects.get().status == Comment.Status.HELD


def test_two_moderators_cannot_both_win(staff_api, django_user_model):
    from api.services import api_token_create
    from desk.roles import ensure_moderators_group

    other = django_user_model.objects.create_user("moderator2", is_staff=True)
    other.groups.add(ensure_moderators_group())
    other_api = ApiClient(Authorization=f"Bearer {api_token_create(user=other, name='x')[1]}")
    comment = make_comment(make_seed_article(), policy=HOLD_ALL)
    item = staff_api.get("/api/v1/queue?tab=held").json()["items"][0]
    also = other_api.get("/api/v1/queue?tab=held").json()["items"][0]
    first = staff_api.post(f"/api/v1/queue/{comment.pk}/decision", {"action": "approve", "seen": item["seen"]})
    assert first.status_code == 200
    data = {"action": "reject", "reason": "abusive", "seen": also["seen"]}
    assert_problem(other_api.post(f"/api/v1/queue/{comment.pk}/decision", data), 409)
    assert Comment.objects.get().status == Comment.Status.PUBLISHED


def test_the_openapi_document_says_seen_is_required(reader):
    schemas = reader.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "seen" in schemas["DecisionIn"]["required"]


# 4. A commenter is named by an address.


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "%ED%A0%80", "a@b", "@example.com", "amina@", "a" * 250 + "@example.com", "a%00b@example.com"],
)
def test_a_path_that_is_not_an_address_is_400_and_nothing_is_stored(staff_api, email):
    body = assert_problem(staff_api.get(f"/api/v1/commenters/{email}"), 400)
    assert body["errors"][0]["field"] == "path.email"
    data = {"kind": "ban", "reason": "Spam."}
    assert_problem(staff_api.post(f"/api/v1/commenters/{email}/sanctions", data), 400)
    assert not Sanction.objects.exists()


def test_an_address_in_any_case_is_that_address(staff_api):
    response = staff_api.post("/api/v1/commenters/Ben@Example.com/sanctions", {"kind": "warn", "reason": "Careful."})
    assert response.status_code == 201, response.content
    assert Sanction.objects.get().email == "ben@example.com"
    assert staff_api.get("/api/v1/commenters/ben@example.com").json()["email"] == "ben@example.com"


# 5. A reused token is told what an API client should do.


def test_a_token_reused_for_other_words_says_to_send_a_new_uuid(reader):
    article = make_seed_article()
    path = f"/api/v1/stories/{article.pk}/comments"
    assert reader.post(path, comment_data(token="fixed")).status_code == 201
    body = assert_problem(ApiClient().post(path, comment_data(token="fixed", body="Other words on Doha.")), 409)
    assert body["type"] == "urn:newsroom:problem:token-used"
    assert "UUID" in body["detail"] and "Press" not in body["detail"] and "form" not in body["detail"]


@pytest.mark.parametrize("refused", ["host", "fields"])
def test_what_django_refuses_before_any_view_is_a_problem_with_the_sites_handler400(settings, refused):
    settings.ROOT_URLCONF = "tests.api.urls_handler400"  # newsroom/urls.py: handler400 = "api.problems.bad_request"
    article = make_seed_article()
    path = f"/api/v1/stories/{article.pk}/comments"
    if refused == "host":
        response = ApiClient().get(path, headers={"Host": "bad host"})
    else:
        response = ApiClient().get(path + "?" + "&".join(f"x{i}=1" for i in range(1100)))
    assert assert_problem(response, 400)["type"] == "urn:newsroom:problem:bad-request"
    page = ApiClient().get("/", headers={"Host": "bad host"})  # the site's own pages keep their 400 page
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


# 7. The OpenAPI document says what each operation can answer besides success.


def test_the_openapi_document_declares_the_problems_and_the_readers_header(reader):
    document = reader.get("/api/v1/openapi.json").json()
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses["500"]["content"]["application/problem+json"] == problem, (method, path)
            if method in ("post", "put"):
                assert {"403", "413", "415"} <= set(responses), (method, path)
            if "security" in operation:
                assert "401" in responses, (method, path)
    posting = document["paths"]["/api/v1/stories/{story_id}/comments"]["post"]
    assert {"409", "429"} <= set(posting["responses"])
    assert "X-Newsroom-Reader" in posting["responses"]["201"]["headers"]
    assert "X-Newsroom-Reader" in [p["name"] for p in posting["parameters"] if p["in"] == "header"]
    queue = document["paths"]["/api/v1/queue"]["get"]
    assert "X-Newsroom-Reader" not in [p["name"] for p in queue.get("parameters", [])]


# 6. The docs list every type of problem the code gives, and no other.


def test_the_docs_list_every_type_of_problem_the_api_gives():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "\n".join(path.read_text() for path in sorted((root / "api").glob("*.py")))
    given = set(re.findall(r'kind="([a-z-]+)"', code)) | set(re.findall(r'kind="[a-z-]+" if .* else "([a-z-]+)"', code))
    passed_on = re.search(r"if code in \(([^)]*)\)", code)  # the service's own codes, given as they are
    assert passed_on is not None
    given |= {name.strip(" \"'") for name in passed_on[1].split(",")}
    embeds = (root / "embeds" / "services.py").read_text()  # a push's or sign-in's refusals, by their code
    given |= {found.replace("_", "-") for found in re.findall(r'code="([a-z_]+)"', embeds)}
    given |= {"method-not-allowed", "bad-request"}  # ninja's 405 and a body that is not JSON, named by status
    docs = (root / "docs" / "api.md").read_text()
    table = docs[docs.index("these are all of them") :].split("\n\n")[1]
    listed = {name for row in table.splitlines()[2:] for name in re.findall(r"`([a-z-]+)`", row.split("|")[1])}
    assert given == listed, (sorted(given - listed), sorted(listed - given))
