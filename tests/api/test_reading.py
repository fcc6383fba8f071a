"""Reading a story's comments through the API: the page's selector, its pages and sorts, its query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from factories import make_article, make_comment, make_seed_article

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_a_page_of_threads_with_their_first_replies_and_no_addresses(reader, settings):
    settings.COMMENTS_REPLIES_WITH_THREAD = 2
    article = make_seed_article()
    first = make_comment(article, name="Amina", minutes_ago=30)
    replies = [make_comment(article, parent=first, name=f"Ben {n}", minutes_ago=20 - n) for n in range(3)]
    make_comment(article, name="Held Hal", status=Comment.Status.HELD, minutes_ago=10)
    second = make_comment(article, name="Cara", minutes_ago=5)

    response = reader.get(f"/api/v1/stories/{article.pk}/comments")
    assert response.status_code == 200
    body = response.json()
    assert body["story"] == {
        "id": article.pk, "title": article.headline, "url": None, "page_url": article.get_absolute_url()
    }  # fmt: skip
    assert body["count"] == 5 and body["page"] == 1 and body["pages"] == 1 and body["sort"] == "oldest"
    assert [t["comment"]["id"] for t in body["threads"]] == [first.pk, second.pk]
    thread = body["threads"][0]
    assert thread["comment"]["author_name"] == "Amina" and thread["comment"]["reply_count"] == 3
    assert [r["id"] for r in thread["replies"]] == [replies[0].pk, replies[1].pk]
    assert thread["has_more_replies"] is True
    assert thread["replies"][0] | {"created_at": None} == {
        "id": replies[0].pk, "parent_id": first.pk, "author_name": "Ben 0", "created_at": None,
        "body": replies[0].body, "depth": 1, "replying_to": "Amina", "removed": False, "status": "published",
        "notice": "", "reasons": [], "reply_count": 0, "ignored": False, "reactions": 0, "reacted": False,
        "featured": False, "statement": None,
    }  # fmt: skip
    text = response.content.decode()
    assert "Held Hal" not in text  # someone else's held comment
    assert "@example.com" not in text and "127.0.0.1" not in text  # never an address, mail or IP


def test_sorts_and_pages_are_the_pages(reader, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    article = make_seed_article()
    old = make_comment(article, minutes_ago=30)
    mid = make_comment(article, minutes_ago=20)
    new = make_comment(article, minutes_ago=10)
    make_comment(article, parent=mid)
    ids = lambda r: [t["comment"]["id"] for t in r.json()["threads"]]  # noqa: E731
    assert ids(reader.get(f"/api/v1/stories/{article.pk}/comments?sort=newest")) == [new.pk, mid.pk]
    assert ids(reader.get(f"/api/v1/stories/{article.pk}/comments?sort=replies")) == [mid.pk, old.pk]
    second = reader.get(f"/api/v1/stories/{article.pk}/comments?page=2")
    assert ids(second) == [new.pk] and second.json()["pages"] == 2
    # Past the end, the last page, as the page does; an unknown sort is a refusal that names the field.
    assert ids(reader.get(f"/api/v1/stories/{article.pk}/comments?page={10**12}")) == [new.pk]
    body = assert_problem(reader.get(f"/api/v1/stories/{article.pk}/comments?sort=best"), 400)
    assert body["errors"][0]["field"] == "query.sort"


def test_a_story_by_its_address_or_slug(reader, site):
    embedded = make_article(canonical_url="https://paper.example/2024/doha", body="")
    make_comment(embedded, body="About Doha.")
    for given in ("https://paper.example/2024/doha", "https://PAPER.example/2024/doha#comments", embedded.slug):
        response = reader.client.get("/api/v1/comments", {"story_url": given})
        assert response.status_code == 200, given
        assert response.json()["story"]["id"] == embedded.pk
        assert response.json()["threads"][0]["comment"]["body"] == "About Doha."
    assert_problem(reader.client.get("/api/v1/comments", {"story_url": "https://paper.example/nothing"}), 404)
    assert_problem(reader.client.get("/api/v1/comments"), 400)


def test_unknown_and_unpublished_stories_are_not_found(reader):
    hidden = make_article(is_published=False)
    for story in (hidden.pk, 999999, 2**63, 10**30):
        assert_problem(reader.get(f"/api/v1/stories/{story}/comments"), 404)


def test_one_thread_its_replies_paged(reader, settings):
    import comments.selectors

    settings.COMMENTS_REPLIES_WITH_THREAD = 1
    article = make_seed_article()
    root = make_comment(article, name="Amina", minutes_ago=60)
    replies = [make_comment(article, parent=root, minutes_ago=50 - n) for n in range(25)]
    first = reader.get(f"/api/v1/threads/{root.pk}").json()
    assert first["page"] == 1 and first["thread"]["comment"]["id"] == root.pk
    assert [r["id"] for r in first["thread"]["replies"]] == [
        r.pk for r in replies[: comments.selectors.REPLIES_PER_PAGE]
    ]
    assert first["thread"]["has_more_replies"] is True
    second = reader.get(f"/api/v1/threads/{root.pk}?page=2").json()
    assert [r["id"] for r in second["thread"]["replies"]] == [r.pk for r in replies[20:]]
    assert second["thread"]["has_more_replies"] is False and second["thread"]["comment"]["id"] == root.pk
    # A reply names its thread; a held thread is nobody's to read.
    assert reader.get(f"/api/v1/threads/{replies[3].pk}").json()["thread"]["comment"]["id"] == root.pk
    held = make_comment(article, status=Comment.Status.HELD)
    for missing in (held.pk, 999999, 10**20):
        assert_problem(reader.get(f"/api/v1/threads/{missing}"), 404)


def test_a_removed_thread_with_replies_shows_no_name_and_no_text(reader):
    article = make_seed_article()
    root = make_comment(article, name="Gone Gary", body="Words a moderator removed.")
    make_comment(article, parent=root, name="Dora")
    Comment.objects.filter(pk=root.pk).update(status=Comment.Status.REMOVED)
    thread = reader.get(f"/api/v1/stories/{article.pk}/comments").json()["threads"][0]
    assert thread["comment"] | {"created_at": None} == {
        "id": root.pk, "parent_id": None, "author_name": "", "created_at": None, "body": "", "depth": 0,
        "replying_to": "", "removed": True, "status": "removed", "notice": "", "reasons": [], "reply_count": 1,
        "ignored": False, "reactions": 0, "reacted": False, "featured": False, "statement": None,
    }  # fmt: skip
    assert thread["replies"][0]["author_name"] == "Dora"


def fill(article, threads):
    for n in range(threads):
        root = make_comment(article, minutes_ago=100 - n)
        for _ in range(2):
            make_comment(article, parent=root)
    make_comment(article, status=Comment.Status.HELD)


@pytest.mark.parametrize("path", ["/api/v1/stories/{pk}/comments", "/api/v1/stories/{pk}/comments?sort=replies&page=2"])
def test_the_same_number_of_queries_whatever_the_story_size(reader, path, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 3
    small, large = make_article(), make_article()
    fill(small, 6)  # 6 threads, 18 comments
    fill(large, 60)  # 60 threads, 180 comments
    # The reader has comments of their own (held ones shown to them alone) on both.
    for article in (small, large):
        response = reader.post(f"/api/v1/stories/{article.pk}/comments",
                               {"name": "Me", "email": "me@example.com", "body": "Honestly, you are a brainless idiot."})  # fmt: skip
        assert response.status_code == 201
    counts = []
    for article in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(path.format(pk=article.pk))
        assert response.status_code == 200
        assert len(response.json()["threads"]) == 3 and response.json()["own_pending"]
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10
