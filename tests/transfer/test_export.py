"""The export: the API's comment shape with what an import needs, filtered by story and date, addresses only
when asked; and an export read back into a fresh database exports the very same lines."""

import json
from typing import Any

import pytest
from django.core.management import CommandError

from articles.models import Article
from comments.models import Comment
from comments.services import comment_approve, comment_reject
from factories import HOLD_ALL, make_article, make_comment
from transfer.stories import own_story_url

from .conftest import DISQUS, WXR, run

pytestmark = pytest.mark.django_db

TALKS = "https://paper.example/2024/01/talks-in-doha/"


def lines(path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_line_is_the_api_comment_with_its_story_parent_and_ids(tmp_path):
    run("import_comments", str(DISQUS))
    out = tmp_path / "comments.jsonl"
    result = run("export_comments", "--output", str(out))
    exported = {line["source_id"]: line for line in lines(out)}
    assert "Wrote 5 comments to" in result.stderr
    omar = exported["9004"]
    assert set(omar) >= {"id", "parent_id", "author_name", "created_at", "body", "depth", "replying_to", "status"}
    assert omar["story"] == {"url": TALKS, "title": "Talks in Doha resume after a week"}
    assert omar["parent"] == {"source": "disqus", "source_id": "9001"}
    assert omar["parent_id"] == exported["9001"]["id"]
    assert omar["replying_to"] == "Amina"
    assert omar["created_at"] == "2024-01-02T11:15:00Z"
    assert exported["9003"]["status"] == "removed"
    assert {line["author_email"] for line in exported.values()} == {""}  # addresses only with --emails


def test_addresses_are_exported_only_when_asked(tmp_path):
    run("import_comments", str(DISQUS))
    out = tmp_path / "comments.jsonl"
    run("export_comments", "--output", str(out), "--emails")
    assert {line["author_email"] for line in lines(out)} == {"amina@example.com", "omar@example.org", ""}


def test_a_native_comment_is_named_by_this_site(tmp_path):
    article = make_article()
    comment = make_comment(article, body="Posted here.")
    out = tmp_path / "comments.jsonl"
    run("export_comments", "--output", str(out))
    (line,) = lines(out)
    assert (line["source"], line["source_id"], line["id"]) == ("newsroom", str(comment.pk), comment.pk)
    assert line["story"] == {"url": own_story_url(article), "title": article.headline}


def test_story_and_since_choose_what_is_exported(tmp_path):
    run("import_comments", str(DISQUS))
    run("import_comments", str(WXR))
    out = tmp_path / "comments.jsonl"
    run("export_comments", "--output", str(out), "--story", "http://paper.example/2024/01/talks-in-doha")
    assert {line["source_id"] for line in lines(out)} == {"9001", "9002", "9003", "9004"}
    run("export_comments", "--output", str(out), "--since", "2024-03-02T08:30:00+00:00")
    assert {line["source_id"] for line in lines(out)} == {f"blog.paper.example:{n}" for n in (302, 303, 304)}
    run("export_comments", "--output", str(out), "--since", "2024-02-01")
    assert len(lines(out)) == 5  # Lena's on the budget, and WordPress's four


def test_a_bad_since_or_story_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match=r"--since 'last week' is not a date: write it as 2024-05-01"):
        run("export_comments", "--since", "last week")
    with pytest.raises(CommandError, match="no story has that address or slug"):
        run("export_comments", "--story", "https://paper.example/nowhere/")


def test_to_standard_output():
    run("import_comments", str(WXR))
    result = run("export_comments")
    assert len(result.stdout.splitlines()) == 4


def test_an_export_read_back_into_a_fresh_database_exports_the_same_lines(tmp_path, django_user_model):
    moderator = django_user_model.objects.create_user("moderator", is_staff=True)
    run("import_comments", str(DISQUS))
    run("import_comments", str(WXR))
    article = make_article(headline="Our own story")
    top = make_comment(article, body="A thread started here.", name="Dana")
    reply = make_comment(article, body="A reply, held then approved.", parent=top, policy=HOLD_ALL)
    comment_approve(comment=reply, actor=moderator)
    gone = make_comment(article, body="Taken down.", parent=reply)
    comment_reject(comment=gone, actor=moderator, reason="abusive")
    answer = make_comment(  # a reader here answers an imported comment
        Article.objects.get(canonical_url=TALKS), body="Answering Amina from here.",
        parent=Comment.objects.get(source_id="9001"),
    )  # fmt: skip
    first = tmp_path / "first.jsonl"
    run("export_comments", "--output", str(first), "--emails")

    Comment.objects.all().delete()  # a fresh database: no comments, no stories
    Article.objects.all().delete()
    imported = run("import_comments", str(first))
    assert "13 comments imported" in imported.stdout
    second = tmp_path / "second.jsonl"
    run("export_comments", "--output", str(second), "--emails")

    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert Comment.objects.get(pk=answer.pk).source == "newsroom"  # ids kept, where they were free
    again = run("import_comments", str(first))
    assert "0 comments imported" in again.stdout and "13 already here" in again.stdout


def test_an_export_read_back_into_the_same_database_stores_nothing(tmp_path):
    article = make_article()
    make_comment(article, body="Posted here.")
    out = tmp_path / "comments.jsonl"
    run("export_comments", "--output", str(out))
    result = run("import_comments", str(out))
    assert Comment.objects.count() == 1
    assert "1 already here" in result.stdout


def test_a_damaged_line_is_refused_or_skipped_with_its_line(tmp_path):
    run("import_comments", str(WXR))
    out = tmp_path / "comments.jsonl"
    run("export_comments", "--output", str(out))
    text = out.read_text(encoding="utf-8").splitlines()
    Comment.objects.all().delete()
    wrong = json.loads(text[1])
    wrong["status"] = "approved"
    skipped = tmp_path / "skipped.jsonl"
    skipped.write_text("\n".join([text[0], json.dumps(wrong), *text[2:]]) + "\n", encoding="utf-8")
    result = run("import_comments", str(skipped))
    assert "line 2: skipped: status: Input should be 'published', 'held', 'rejected' or 'removed'." in result.stderr
    assert Comment.objects.count() == 3
    Comment.objects.all().delete()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(text)[:-20], encoding="utf-8")
    with pytest.raises(CommandError, match="line 4: the last line is cut short"):
        run("import_comments", str(cut))
    assert Comment.objects.count() == 0
