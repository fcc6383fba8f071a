import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, RelatedLink
from factories import SEED_PATH

pytestmark = pytest.mark.django_db


def test_import_creates_then_updates_without_duplicating(tmp_path, capsys):
    call_command("import_article", SEED_PATH)
    article = Article.objects.get()
    assert article.slug == "us-seeks-pakistans-help-for-intra-afghan-dialogue"
    assert article.related_links.count() == 1
    first_id = article.pk

    call_command("import_article", SEED_PATH)
    assert Article.objects.count() == 1
    assert RelatedLink.objects.count() == 1
    assert Article.objects.get().pk == first_id
    assert "Updated" in capsys.readouterr().out


def test_reimport_applies_changes(tmp_path):
    source = tmp_path / "story.txt"
    source.write_text("Headline one\n\nBBC May 1, 2020\n\nLONDON: Old text.\n", encoding="utf-8")
    call_command("import_article", str(source))
    source.write_text("Headline one\n\nBBC May 2, 2020\n\nLONDON: New text.\n", encoding="utf-8")
    call_command("import_article", str(source))
    article = Article.objects.get()
    assert article.body == "New text."
    assert article.published_on.day == 2


def test_malformed_file_names_line_and_writes_nothing(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Good story\n\nBBC May 1, 2020\n\nLONDON: Fine.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("Bad story\n\nBBC February 31, 2020\n\nLONDON: Text.\n", encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_article", str(good), str(bad))
    message = str(excinfo.value)
    assert "bad.txt" in message and "line 3" in message and "not a real date" in message
    assert Article.objects.count() == 0


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_article", str(tmp_path / "nope.txt"))


def test_dry_run_prints_and_writes_nothing(capsys):
    call_command("import_article", SEED_PATH, "--dry-run")
    out = capsys.readouterr().out
    assert "KARACHI" in out and "Anadolu Agency" in out and "2020-05-10" in out
    assert "Khalilzad meets Gen Qamar" in out
    assert Article.objects.count() == 0


def test_import_refuses_a_fifo_and_an_oversized_file(tmp_path):
    import os

    from django.core.management import CommandError, call_command

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(CommandError, match="not a regular file"):
        call_command("import_article", str(fifo))
    big = tmp_path / "big.txt"
    big.write_bytes(b"Headline\n\n" + b"x" * 1_100_000)
    with pytest.raises(CommandError, match="larger than 1 MB"):
        call_command("import_article", str(big))
