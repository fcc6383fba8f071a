"""Files that cannot be imported are refused with one line naming where, and nothing of them is written: a file
cut short, another format, XML entities (an "XML bomb", an external entity), an empty file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError

from articles.models import Article
from comments.models import Comment
from transfer import services
from transfer.models import PendingParent

from .conftest import DISQUS, disqus_file, disqus_post, disqus_thread, run

pytestmark = pytest.mark.django_db

BOMB = """<?xml version="1.0"?>
<!DOCTYPE disqus [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<disqus xmlns="http://disqus.com"><post><message>&lol3;</message></post></disqus>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE disqus [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<disqus xmlns="http://disqus.com"><post><message>&secret;</message></post></disqus>
"""


def refused(path: Path) -> str:
    stories = Article.objects.count()
    with pytest.raises(CommandError) as error:
        run("import_comments", str(path))
    assert Comment.objects.count() == 0
    assert Article.objects.count() == stories
    assert not PendingParent.objects.exists()
    message = str(error.value)
    assert "\n" not in message
    assert message.endswith("nothing was imported.")
    return message


def long_export(path: Path) -> Path:
    posts = [disqus_post(str(n), "1", name=f"Reader {n}", message=f"Comment number {n}.") for n in range(1, 40)]
    return disqus_file(path, disqus_thread("1", "https://paper.example/long/"), *posts)


def test_a_file_cut_short_is_refused_naming_its_line_and_nothing_stays_written(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 5)  # several batches are stored before the end is reached
    whole = long_export(tmp_path / "whole.xml").read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(whole[: len(whole) * 3 // 4], encoding="utf-8")
    line = whole[: len(whole) * 3 // 4].count("\n") + 1
    message = refused(cut)
    assert f"line {line}: the file is not well-formed XML" in message
    assert "cut short" in message


def test_broken_xml_in_the_middle_is_refused_naming_its_line(tmp_path):
    text = DISQUS.read_text(encoding="utf-8").replace("<isSpam>true</isSpam>", "<isSpam>true</isspam>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    assert "line 76: the file is not well-formed XML (mismatched tag)" in refused(broken)


def test_another_xml_format_is_refused_naming_its_root(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>A feed</title></channel></rss>\n')
    message = refused(feed)
    assert "line 2: the root element is <rss>: expected a Disqus export" in message


def test_a_file_that_is_not_xml_nor_json_lines_is_refused(tmp_path):
    table = tmp_path / "comments.csv"
    table.write_text("id,author,message\n1,Amina,Hello\n")
    assert "line 1: this is neither an XML export" in refused(table)


def test_an_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text("")
    assert "the file is empty" in refused(empty)


def test_an_xml_bomb_is_refused_before_it_expands(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(BOMB)
    assert "line 3: the file declares XML entities" in refused(bomb)


def test_an_external_entity_is_refused(tmp_path):
    external = tmp_path / "external.xml"
    external.write_text(EXTERNAL)
    message = refused(external)
    assert "line 3: the file declares XML entities" in message
    assert "passwd" not in message


def test_a_missing_file_is_one_line_too(tmp_path):
    with pytest.raises(CommandError, match=r"^Cannot read .*missing\.xml: No such file or directory\.$"):
        run("import_comments", str(tmp_path / "missing.xml"))


def test_the_command_prints_one_line_and_no_traceback(tmp_path):
    """As a newsroom runs it: the error is one line on stderr, and the exit status says it failed."""
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(BOMB)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "DEBUG": "1"}
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    done = subprocess.run(
        [sys.executable, str(manage), "import_comments", str(bomb), "--verbosity", "0"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("CommandError: ")
