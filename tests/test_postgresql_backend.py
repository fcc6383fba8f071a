"""PostgreSQL with server-bound parameters (newsroom/postgresql): a statement binds 65,535 values at most, so
bulk writes and deletions go in batches that fit. Found by a review: deleting a simulation of 32,768 comments
or more failed in one statement."""

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's limit on bound parameters")
    if connection.settings_dict["ENGINE"] != "newsroom.postgresql":
        pytest.skip("parameters bound by the client (DB_PREPARE_THRESHOLD=0)")


def test_17000_comments_are_updated_in_bulk_in_batches_that_fit():
    article = make_article()
    now = timezone.now()
    Comment.objects.bulk_create(
        Comment(
            article=article, author_name="Reader", author_email="r@example.com", body=f"Comment {n}", created_at=now
        )  # fmt: skip
        for n in range(17_000)
    )
    comments = list(Comment.objects.filter(article=article).only("pk", "body", "author_name"))
    for comment in comments:
        comment.body, comment.author_name = comment.body.upper(), "Anonymous"
    # Three values a row and a field, and the rows' ids: some 85,000 values, in batches that fit.
    Comment.objects.bulk_update(comments, ["body", "author_name"])
    assert Comment.objects.filter(author_name="Anonymous", body__startswith="COMMENT").count() == 17_000
    Article.objects.filter(pk=article.pk).delete()
    assert not Comment.objects.exists()


def test_the_lab_reads_what_moderators_decided_of_70000_comments_in_batches():
    from lab.runs import _moderators_truth

    assert _moderators_truth(list(range(1, 70_001))) == {}


def test_a_batch_holds_as_many_rows_as_their_values_fit_in_one_statement():
    fields = list(range(30))
    assert connection.ops.bulk_batch_size(fields, list(range(100_000))) == 65_535 // 60
    assert connection.ops.bulk_batch_size(fields, list(range(10))) == 10
    assert connection.ops.bulk_batch_size([], list(range(10))) == 10
