"""Every error is a problem document; no input is a 500; the OpenAPI document and the docs page are served
whole by this site; only registered sites may call the API from their pages."""

import json
import re

import pytest

from factories import make_comment, make_seed_article

from .conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_every_endpoint(reader):
    response = reader.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.") and document["info"]["title"] == "Newsroom API"
    assert document["info"]["version"] == "1"
    paths = document["paths"]
    expected = {
        "/api/v1/stories/{story_id}/comments": {"get", "post"},
        "/api/v1/comments": {"get", "post"},
        "/api/v1/threads/{comment_id}": {"get"},
        "/api/v1/comments/{comment_id}/reports": {"post"},
        "/api/v1/me/comments": {"get"},
        "/api/v1/stories": {"put"},
        "/api/v1/sign-in": {"post"},
        "/api/v1/queue": {"get"},
        "/api/v1/queue/{comment_id}/decision": {"post"},
        "/api/v1/commenters/{email}": {"get"},
        "/api/v1/commenters/{email}/sanctions": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    assert paths["/api/v1/queue"]["get"]["security"] == [{"StaffToken": []}]
    assert "security" not in paths["/api/v1/stories/{story_id}/comments"]["get"]


def test_the_docs_page_loads_nothing_from_another_origin(reader):
    page = reader.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/v1/docs/assets/") for s in sources), sources
    assert "<script>" not in html  # the Content-Security-Policy allows no inline script
    assert "'self'" in page["Content-Security-Policy"]
    for source in sources:
        asset = reader.client.get(source)
        assert asset.status_code == 200, source
        content = b"".join(asset.streaming_content)
        assert len(content) > 100
    assert '"validatorUrl": null' in html  # Swagger UI's badge would send the document to swagger.io
    assert_problem(reader.get("/api/v1/docs/assets/..%2Fsettings.py"), 404)
    assert_problem(reader.get("/api/v1/docs/assets/swagger.html"), 404)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nothing-here", 404),
        ("get", "/api/v1/", 404),
        ("get", "/api/v1/stories/abc/comments", 400),
        ("delete", "/api/v1/stories/1/comments", 405),
        ("get", "/api/v1/sign-in", 405),
        ("post", "/api/v1/queue", 405),
        ("get", "/api/v1/threads/-1", 404),
        ("get", "/api/v1/stories/1/comments?page=0", 400),
        ("get", "/api/v1/stories/1/comments?page=" + "9" * 400, 400),
    ],
)
def test_refusals_are_problem_documents(reader, method, path, status):
    make_seed_article()
    body = assert_problem(reader.call(method, path), status)
    if status == 405:
        assert "not allowed" in body["detail"]


def test_validation_errors_are_400_with_one_entry_per_field(reader):
    article = make_seed_article()
    body = assert_problem(reader.post(f"/api/v1/stories/{article.pk}/comments", {"name": 1, "email": []}), 400)
    fields = {e["field"] for e in body["errors"]}
    assert {"body.name", "body.email", "body.body"} <= fields, body
    assert all(e["message"] for e in body["errors"])


def test_a_form_encoded_body_is_415_not_500(reader):
    article = make_seed_article()
    response = reader.post(f"/api/v1/stories/{article.pk}/comments", raw="name=A&body=B",
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert_problem(response, 415)


def test_hostile_query_strings_are_not_500(reader):
    article = make_seed_article()
    make_comment(article)
    for query in ("sort=%ud800", "page=1e9", "page=-5", "sort=oldest&sort=newest&page=1&page=2", "page=%F0%9F%98%80"):
        response = reader.get(f"/api/v1/stories/{article.pk}/comments?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)
        if response.status_code == 400:
            assert_problem(response, 400)
    for url in ("story_url=%ED%A0%80", "story_url=" + "x" * 5000, "story_url=javascript:alert(1)"):
        response = reader.get(f"/api/v1/comments?{url}")
        assert response.status_code in (400, 404), url


def test_registered_sites_get_cors_and_others_do_not(reader, site):
    article = make_seed_article()
    allowed = ApiClient(Origin="https://paper.example").get(f"/api/v1/stories/{article.pk}/comments")
    assert allowed["Access-Control-Allow-Origin"] == "https://paper.example"
    assert "x-newsroom-reader" in allowed["Access-Control-Expose-Headers"].lower()
    refused = ApiClient(Origin="https://evil.example").get(f"/api/v1/stories/{article.pk}/comments")
    assert refused.status_code == 200 and "Access-Control-Allow-Origin" not in refused
    preflight = ApiClient(Origin="https://paper.example").call(
        "options", "/api/v1/sign-in",
        headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert preflight["Access-Control-Allow-Origin"] == "https://paper.example"
    site.is_active = False
    site.save()
    gone = ApiClient(Origin="https://paper.example").get(f"/api/v1/stories/{article.pk}/comments")
    assert "Access-Control-Allow-Origin" not in gone


# The site's walls answer before any view: under /api/ they answer as the API does.
def test_a_body_too_large_is_a_problem_document(reader, settings):
    settings.MAX_REQUEST_BYTES = 1000
    article = make_seed_article()
    response = reader.post(
        f"/api/v1/stories/{article.pk}/comments", {"name": "A", "email": "a@b.c", "body": "x" * 2000}
    )
    assert_problem(response, 413)


def test_a_nul_in_the_query_string_is_a_problem_document(reader):
    article = make_seed_article()
    assert_problem(reader.get(f"/api/v1/stories/{article.pk}/comments?sort=%00"), 400)


def test_the_walls_refuse_before_anything_is_written(reader, settings):
    from comments.models import Comment

    settings.MAX_REQUEST_BYTES = 1000
    article = make_seed_article()
    response = reader.post(
        f"/api/v1/stories/{article.pk}/comments", {"name": "A", "email": "a@b.c", "body": "x" * 2000}
    )
    assert response.status_code == 413
    assert reader.get(f"/api/v1/stories/{article.pk}/comments?sort=%00").status_code == 400
    assert not Comment.objects.exists()


def test_a_post_to_no_endpoint_is_404_not_a_csrf_page(reader):
    assert_problem(reader.post("/api/v1/nothing", {"a": 1}), 404)


def test_a_lost_database_connection_on_a_read_is_503(reader):
    from unittest import mock

    from django.db import OperationalError

    article = make_seed_article()
    with mock.patch("api.readers.comment_section", side_effect=OperationalError("server closed the connection")):
        response = reader.get(f"/api/v1/stories/{article.pk}/comments")
    assert_problem(response, 503)
    assert response["Retry-After"] == "5"


def test_a_crash_is_a_problem_document_that_says_nothing_of_the_code(reader):
    from unittest import mock

    article = make_seed_article()
    with mock.patch("api.readers.comment_section", side_effect=RuntimeError("secret detail")):
        response = reader.get(f"/api/v1/stories/{article.pk}/comments")
    body = assert_problem(response, 500)
    assert "secret detail" not in response.content.decode() and "logged" in body["detail"]


def test_a_field_the_api_does_not_know_is_refused_by_name_and_nothing_is_posted(reader):
    from comments.models import Comment

    article = make_seed_article()
    body = {"name": "Q", "email": "q@example.com", "body": "A reply on the Doha talks.", "parent_id": 7}
    response = reader.post(f"/api/v1/stories/{article.pk}/comments", body)
    assert_problem(response, 400)
    assert "parent_id" in response.content.decode()
    not_a_yes = {**body, "notify": "yes"}
    del not_a_yes["parent_id"]
    assert_problem(reader.post(f"/api/v1/stories/{article.pk}/comments", not_a_yes), 400)
    assert not Comment.objects.exists()
