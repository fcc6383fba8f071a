import datetime as dt

import pytest

from articles.importer import ArticleFormatError, decode_article_bytes, parse_article
from factories import seed_text

SEED = seed_text()


def test_seed_every_field():
    parsed = parse_article(seed_text())
    assert parsed.headline == "US seeks Pakistan's help for intra-Afghan dialogue"
    assert parsed.standfirst == (
        "Khalilzad also sought Islamabad's assistance in helping obtain freedom of an abducted American national"
    )
    assert parsed.source == "Anadolu Agency"
    assert parsed.published_on == dt.date(2020, 5, 10)
    assert parsed.photo_caption == (
        "US envoy for peace in Afghanistan Zalmay Khalilzad (R) and Foreign Minister Shah Mahmood Qureshi attend "
        "the international conference on the future of Afghan refugees living in Pakistan."
    )
    assert parsed.photo_credit == "REUTERS/FILE"
    assert parsed.dateline == "KARACHI"
    assert len(parsed.paragraphs) == 10
    assert parsed.paragraphs[0].startswith("The US has asked Pakistan to use its influence")
    assert parsed.paragraphs[-1] == (
        "Khalilzad had also raised the issue in his meeting with Qatar-based Taliban leaders, "
        "who denied holding the missing US contractor."
    )
    assert [(r.after_paragraph, r.headline) for r in parsed.related] == [
        (4, "Khalilzad meets Gen Qamar amid deadlock in Afghan peace process")
    ]
    # The comment block is page furniture, never body text.
    assert not any("COMMENTS" in p or "Replying to" in p or "moderated" in p for p in parsed.paragraphs)


VARIANT = """Flood defences breached as river hits record level

Residents of three villages were told to leave their homes overnight

Reuters Sept. 3, 2021

NEW YORK: Water poured over the barriers shortly after midnight, officials said.

The river rose 40 centimetres in two hours.

Mayor warns of further evacuations

Emergency crews worked through the night to shore up the banks.

Insurers count the cost of a wet summer

Schools in the area will stay closed on Monday.
"""


def test_variant_without_photo_with_several_related_links():
    parsed = parse_article(VARIANT)
    assert parsed.source == "Reuters"
    assert parsed.published_on == dt.date(2021, 9, 3)
    assert parsed.dateline == "NEW YORK"
    assert parsed.photo_caption == "" and parsed.photo_credit == ""
    assert parsed.paragraphs[0] == "Water poured over the barriers shortly after midnight, officials said."
    assert len(parsed.paragraphs) == 4
    assert [(r.after_paragraph, r.headline) for r in parsed.related] == [
        (2, "Mayor warns of further evacuations"),
        (3, "Insurers count the cost of a wet summer"),
    ]


def test_no_standfirst_crlf_and_multi_word_source():
    text = (
        "Budget passes after all-night session\r\n\r\n"
        "The Associated Press January 15, 2019\r\n"
        "Lawmakers applaud the vote. PHOTO: AP\r\n\r\n"
        "WASHINGTON, D.C.: The bill passed 51 to 49.\r\n\r\n"
        "COMMENTS\r\n\r\nComments are moderated.\r\n"
    )
    parsed = parse_article(text)
    assert parsed.standfirst == ""
    assert parsed.source == "The Associated Press"
    assert parsed.photo_credit == "AP"
    assert parsed.dateline == "WASHINGTON, D.C."
    assert parsed.paragraphs == ["The bill passed 51 to 49."]


def test_article_without_dateline_keeps_first_paragraph_whole():
    parsed = parse_article("Headline here\n\nBBC March 1, 2022\n\nNo city opens this paragraph: it just starts.\n")
    assert parsed.dateline == ""
    assert parsed.paragraphs == ["No city opens this paragraph: it just starts."]


def test_short_final_line_is_a_paragraph_not_a_link():
    parsed = parse_article("Headline\n\nBBC March 1, 2022\n\nLONDON: One.\n\nThe end of the story")
    assert parsed.related == []
    assert parsed.paragraphs == ["One.", "The end of the story"]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "empty"),
        ("\n\n  \n", 1, "empty"),
        ("Headline\nsecond line\nthird line\n\nLONDON: Text.", 2, "source and date"),
        ("Headline\n\nStandfirst\n\nNo date here\n\nLONDON: Text.", 3, "source and date"),
        ("Headline\n\nBBC February 30, 2020\n\nLONDON: Text.", 3, "not a real date"),
        ("Headline\n\nMay 1, 2020\n\nLONDON: Text.", 3, "names no source"),
        ("Headline\n\nBBC May 1, 2020\nA caption without credit marker\n\nLONDON: Text.", 4, "photo caption"),
        ("Headline\n\nBBC May 1, 2020\nA caption. PHOTO:\n\nLONDON: Text.", 4, "no credit"),
        ("Headline\n\nBBC May 1, 2020\n", 4, "no body"),
        ("BBC May 1, 2020\n\nLONDON: Text.", 1, "headline must come first"),
        ("x" * 300 + "\n\nBBC May 1, 2020\n\nLONDON: Text.", 1, "at most 255"),
        ("Headline\n\n" + "Agency " * 30 + "May 1, 2020\n\nLONDON: Text.", 3, "at most 120"),
    ],
)
def test_malformed_files_name_the_line(text, line, fragment):
    with pytest.raises(ArticleFormatError) as excinfo:
        parse_article(text)
    assert excinfo.value.line == line
    assert fragment in str(excinfo.value)


def test_non_utf8_bytes_name_the_line():
    with pytest.raises(ArticleFormatError) as excinfo:
        decode_article_bytes(b"Headline\n\nBBC May 1, 2020\n\nLONDON: caf\xe9 text")
    assert excinfo.value.line == 5
    assert "UTF-8" in str(excinfo.value)


def test_nul_bytes_are_refused():
    with pytest.raises(ArticleFormatError):
        parse_article("Headline\x00\n\nBBC May 1, 2020\n\nLONDON: Text.")


def test_date_line_with_a_time_and_a_credit_in_title_case():
    parsed = parse_article(
        "Port strike ends\n\nDawn | Jan 5, 2023 10:32 PM PKT\nDockers return to work. Photo: AFP\n\nKARACHI: Work resumed."
    )
    assert parsed.source == "Dawn"
    assert parsed.published_on == dt.date(2023, 1, 5)
    assert (parsed.photo_caption, parsed.photo_credit) == ("Dockers return to work.", "AFP")


def test_header_lines_without_blank_lines_between():
    parsed = parse_article("Budget passes\nA late-night vote\nThe Guardian March 3, 2021\n\nLONDON: It passed.\n")
    assert (parsed.headline, parsed.standfirst, parsed.source) == ("Budget passes", "A late-night vote", "The Guardian")
    spaced = parse_article("Budget passes\n\nA late-night vote\nThe Guardian March 3, 2021\n\nLONDON: It passed.\n")
    assert (spaced.standfirst, spaced.source) == ("A late-night vote", "The Guardian")
    bare = parse_article("Budget passes\nBBC March 3, 2021\nMPs vote. PHOTO: PA\n\nLONDON: It passed.\n")
    assert (bare.standfirst, bare.source, bare.photo_credit) == ("", "BBC", "PA")


def test_the_importers_patterns_are_bounded_on_their_worst_cases():
    import contextlib
    import time

    from articles.importer import DATELINE_RE, _source_date

    worst = {
        "dateline": lambda: DATELINE_RE.match("A," * 50_000 + "x"),
        "source and date": lambda: _source_date("x" + " " * 100_000 + "y"),
        "whole article": lambda: parse_article(
            "Headline\n\nAnadolu Agency May 10, 2020\n\n" + "A," * 50_000 + "\n\nA second paragraph.\n"
        ),
    }
    ordinary = "The talks in Doha matter for Pakistan, and the US wants them to go on. " * 1_400

    def seconds(run) -> float:
        started = time.perf_counter()
        with contextlib.suppress(ArticleFormatError):
            run()
        return time.perf_counter() - started

    # Against an ordinary article of the same length, read in the same process: a busy machine slows both;
    # a pattern that backtracks over 100,000 characters costs thousands of times more.
    reference = min(
        seconds(lambda: parse_article("Headline\n\nAnadolu Agency May 10, 2020\n\n" + ordinary)) for _ in range(3)
    )
    for name, run in worst.items():
        assert min(seconds(run) for _ in range(3)) < 100 * reference + 0.1, name  # the fastest of three


def test_terminal_escape_codes_are_not_stored():
    text = SEED.replace("US seeks Pakistan", "\x1b[31mUS seeks Pakistan", 1)
    parsed = parse_article(text)
    assert "\x1b" not in parsed.headline and parsed.headline.startswith("[31mUS seeks")


@pytest.mark.django_db
def test_a_colliding_or_non_latin_headline_never_overwrites_another_story():
    from articles.services import article_import

    first, _ = article_import(parsed=parse_article(SEED))
    arabic = SEED.replace(
        "US seeks Pakistan's help for intra-Afghan dialogue", "الولايات المتحدة تطلب مساعدة باكستان", 1
    )
    chinese = SEED.replace("US seeks Pakistan's help for intra-Afghan dialogue", "美国寻求巴基斯坦帮助", 1)
    one, _ = article_import(parsed=parse_article(arabic))
    two, _ = article_import(parsed=parse_article(chinese))
    assert len({first.slug, one.slug, two.slug}) == 3 and one.slug.startswith("article-")
    punctuated = SEED.replace(
        "US seeks Pakistan's help for intra-Afghan dialogue", "US seeks Pakistan’s help for intra-Afghan dialogue!", 1
    )
    other, created = article_import(parsed=parse_article(punctuated))
    assert created and other.slug == f"{first.slug}-2"
    first.refresh_from_db()
    assert first.headline == "US seeks Pakistan's help for intra-Afghan dialogue"
    again, created = article_import(parsed=parse_article(SEED))  # the same story again: updated in place
    assert not created and again.pk == first.pk
