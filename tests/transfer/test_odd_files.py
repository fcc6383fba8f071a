"""Files an outside attack on the importer tried: each once gave a traceback, or lost or misplaced comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError

from comments.models import Comment
from factories import make_article, make_comment

from .conftest import disqus_file, disqus_post, disqus_thread, run

pytestmark = pytest.mark.django_db

WXR_HEAD = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">'


def wxr_comment(comment_id: str, body: str, *, approved: str = "1", parent: str = "0") -> str:
    return (
        f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id><wp:comment_author>A</wp:comment_author>"
        f"<wp:comment_content><![CDATA[{body}]]></wp:comment_content><wp:comment_approved>{approved}"
        "</wp:comment_approved><wp:comment_date_gmt>2024-03-02 07:30:00</wp:comment_date_gmt>"
        f"<wp:comment_parent>{parent}</wp:comment_parent><wp:comment_type></wp:comment_type></wp:comment>"
    )


def wxr_channel(site: str, *comments: str, base: bool = True) -> str:
    base_url = f"<wp:base_site_url>{site}</wp:base_site_url>" if base else ""
    return (
        f"<channel><link>{site}</link>{base_url}<item><title>T</title><link>{site}/p1/</link>"
        f"<wp:post_id>1</wp:post_id>{''.join(comments)}</item></channel>"
    )


def export_line(**fields: object) -> str:
    line: dict[str, object] = {
        "id": 900000, "parent_id": None, "author_name": "N", "created_at": "2024-01-02T00:00:00Z", "body": "Words.",
        "depth": 0, "replying_to": "", "removed": False, "status": "published", "notice": "", "reasons": [],
        "reply_count": 0, "story": {"url": "https://y.example/s", "title": "S"}, "source": "disqus",
        "source_id": "j1", "parent": None, "author_email": "",
    }  # fmt: skip
    line.update(fields)
    return json.dumps(line) + "\n"


def test_dates_no_comment_can_have_are_skipped_not_a_traceback(tmp_path):
    post = disqus_post("p1", "T1", name="A", message="Old words.")
    year_one = disqus_file(tmp_path / "one.xml", disqus_thread("T1", "https://x.example/a/"),
                           post.replace("2024-05-01T09:00:00Z", "0001-01-01T00:00:00+01:00"))  # fmt: skip
    out = run("import_comments", str(year_one))
    assert "no readable date" in out.stderr and Comment.objects.count() == 0
    lines = tmp_path / "one.jsonl"
    lines.write_text(export_line(created_at="0001-01-01T00:00:00+05:00") + export_line(source_id="j2"))
    out = run("import_comments", str(lines))
    assert "line 1: skipped: created_at" in out.stderr
    assert list(Comment.objects.values_list("source_id", flat=True)) == ["j2"]


def test_a_broken_address_is_a_skipped_thread_and_an_unknown_story(tmp_path):
    broken = disqus_file(tmp_path / "b.xml", disqus_thread("T1", "http://[bad/"),
                         disqus_post("p1", "T1", name="A", message="Hello."))  # fmt: skip
    out = run("import_comments", str(broken))
    assert "no web address" in out.stderr and Comment.objects.count() == 0
    with pytest.raises(CommandError, match="no story has that address"):
        run("export_comments", "--story", "http://[bad")


def test_an_unknown_encoding_is_one_line(tmp_path):
    odd = tmp_path / "enc.xml"
    odd.write_text('<?xml version="1.0" encoding="x-nope"?><disqus/>')
    with pytest.raises(CommandError, match="encoding this site cannot read.*nothing was imported"):
        run("import_comments", str(odd))


def test_two_blogs_in_one_export_keep_their_comments_apart(tmp_path):
    """WordPress numbers each blog's comments from 1: the second channel's comment 1 is not the first's."""
    multi = tmp_path / "multi.xml"
    multi.write_text(
        WXR_HEAD + wxr_channel("https://b.example", wxr_comment("1", "one"))
        + wxr_channel("https://c.example", wxr_comment("1", "two"), base=False) + "</rss>"
    )  # fmt: skip
    run("import_comments", str(multi))
    assert sorted(Comment.objects.values_list("source_id", "body")) == [("b.example:1", "one"), ("c.example:1", "two")]


def test_a_comment_on_a_trashed_post_is_removed_not_skipped(tmp_path):
    trashed = tmp_path / "t.xml"
    trashed.write_text(
        WXR_HEAD + wxr_channel("https://b.example", wxr_comment("7", "x", approved="post-trashed")) + "</rss>"
    )
    run("import_comments", str(trashed))
    assert Comment.objects.get().status == Comment.Status.REMOVED


def test_an_id_twice_in_a_file_is_reported_and_ids_are_trimmed(tmp_path):
    twice = disqus_file(
        tmp_path / "twice.xml", disqus_thread("T1", "https://x.example/a/"),
        disqus_post("p1", "T1", name="A", message="First."), disqus_post(" p1 ", "T1", name="B", message="Second."),
    )  # fmt: skip
    dry = run("import_comments", str(twice), "--dry-run")
    assert "appears twice in the file" in dry.stderr and "1 comments would be imported" in dry.stdout
    out = run("import_comments", str(twice))
    assert "appears twice in the file" in out.stderr
    assert list(Comment.objects.values_list("source_id", "body")) == [("p1", "First.")]


def test_ids_of_our_own_export_that_clash_or_do_not_fit_get_new_ones(tmp_path):
    lines = tmp_path / "ids.jsonl"
    lines.write_text(
        "\ufeff" + export_line(source_id="a") + export_line(source_id="b")  # a byte-order mark, then one id twice
        + export_line(id=99999999999999999999, source_id="c") + export_line(id=0, source_id="d")
        + export_line(id=-3, source_id="e")
    )  # fmt: skip
    run("import_comments", str(lines))
    stored = {str(source_id): pk for source_id, pk in Comment.objects.values_list("source_id", "pk")}
    assert sorted(stored) == ["a", "b", "c", "d", "e"]
    assert stored["a"] == 900000 and len(set(stored.values())) == 5 and min(stored.values()) > 0


def test_a_comment_longer_than_any_page_should_show_is_skipped(tmp_path):
    huge = disqus_file(tmp_path / "huge.xml", disqus_thread("T1", "https://x.example/a/"),
                       disqus_post("p1", "T1", name="A", message="word " * 20_000),
                       disqus_post("p2", "T1", name="B", message="Short."))  # fmt: skip
    out = run("import_comments", str(huge))
    assert "characters long, over 30,000" in out.stderr
    assert list(Comment.objects.values_list("source_id", flat=True)) == ["p2"]


def test_our_own_export_read_back_finds_a_parent_posted_here(tmp_path):
    """Restoring a reply deleted by mistake from last night's export: it answers a comment posted here."""
    article = make_article()
    parent = make_comment(article, body="The first word on the talks.")
    reply = make_comment(article, body="A reply to it.", parent=parent)
    export = tmp_path / "own.jsonl"
    run("export_comments", "--output", str(export))
    reply.delete()
    run("import_comments", str(export))
    back = Comment.objects.get(body="A reply to it.")
    assert (back.parent_id, back.root_id, back.depth) == (parent.pk, parent.pk, 1)


def test_export_refuses_a_folder_and_an_empty_story(tmp_path: Path):
    with pytest.raises(CommandError, match="is a folder"):
        run("export_comments", "--output", str(tmp_path))
    with pytest.raises(CommandError, match="--story is empty"):
        run("export_comments", "--story", " ")
