"""Parse an article written in the seed's plain-text format.

The format, as the newsroom's feed writes it::

    Headline
    <blank>
    Standfirst (optional)
    <blank>
    Source Month D, YYYY
    Photo caption. PHOTO: CREDIT          (optional, directly after the date line)
    <blank>
    CITY: First paragraph ...
    <blank>
    More paragraphs, separated by blank lines ...
    <blank>
    A Lone Headline-Like Line              (a related-story link)
    <blank>
    ...
    COMMENTS                               (page furniture from here on: ignored)

``parse_article(text)`` returns a :class:`ParsedArticle` or raises
:class:`ArticleFormatError` naming the line and the problem. It touches no
database, so a file can be checked completely before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
SOURCE_DATE_RE = re.compile(
    rf"^(?P<source>.*?)\s*\b(?P<month>{_MONTH_ALT})\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
    r"(?:\s*[,|]?\s*\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?\s*$",
    re.IGNORECASE,
)
# "PHOTO:" (or "PHOTOS:", "PHOTO -") separates a caption from its credit.
# A source-and-date line is short; longer lines are not tried (the pattern is not linear in length).
SOURCE_DATE_MAX = 400
# C0/C1 controls but tab and newline (terminal escape codes among them), and bidi overrides.
CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _source_date(line: str) -> re.Match[str] | None:
    return SOURCE_DATE_RE.match(line) if len(line) <= SOURCE_DATE_MAX else None


PHOTO_RE = re.compile(r"\b(?:PHOTOS?|Photos?)\s*[:\-–]\s*")
# An upper-case place name and a colon open the first paragraph: "KARACHI:", "NEW YORK:",
# "WASHINGTON, D.C.:", "SÃO PAULO:". At most six words, so a shouted sentence is not taken for one.
# Possessive: each word is read once, so a long run like "A,A,A,..." fails at once instead of being split
# every possible way.
DATELINE_RE = re.compile(
    r"^(?P<city>[^\W\d_a-z][^\sa-z:]*+(?:[ ,]++[^\W\d_a-z][^\sa-z:]*+){0,5}+)\s*+:\s+(?P<rest>\S.*)$"
)
FURNITURE_RE = re.compile(r"^\s*COMMENTS\s*$", re.IGNORECASE)
# What a paragraph's last character is: sentence ends, quotes, brackets. A related-story
# headline ends with a word or a number instead.
SENTENCE_END = tuple(".!?:;\"'”’»)]…")

MAX_HEADLINE = 255
MAX_SOURCE = 120
MAX_DATELINE = 120
MAX_CREDIT = 200
MAX_RELATED_WORDS = 25


class ArticleFormatError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class RelatedStory:
    after_paragraph: int
    headline: str


@dataclass
class ParsedArticle:
    headline: str
    standfirst: str
    source: str
    published_on: dt.date
    dateline: str
    paragraphs: list[str]
    photo_caption: str = ""
    photo_credit: str = ""
    related: list[RelatedStory] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def text(self) -> str:
        """Everything a reader reads of the story: what a comment is judged on-topic against."""
        return "\n".join(
            [self.headline, self.standfirst, self.photo_caption, self.dateline, self.body]
            + [r.headline for r in self.related]
        )


@dataclass
class _Block:
    line: int  # 1-based number of the block's first line
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines)


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            if current is None:
                current = _Block(number, [])
                blocks.append(current)
            current.lines.append(raw)
        else:
            current = None
    return blocks


def _split_header(blocks: list[_Block]) -> list[_Block]:
    """Read the header line by line when blank lines are missing between its parts.

    The headline is always its own block; a block holding the standfirst and the date
    line together is split before the date line.
    """
    head, *rest = blocks
    pieces = [_Block(head.line, head.lines[:1])]
    if len(head.lines) > 1:
        rest = [_Block(head.line + 1, head.lines[1:]), *rest]
    for index, block in enumerate(rest):
        if index >= 2:
            pieces.extend(rest[index:])
            break
        split = next((i for i, line in enumerate(block.lines) if i and _source_date(line.strip())), None)
        if split is None:
            pieces.append(block)
        else:
            pieces.append(_Block(block.line, block.lines[:split]))
            pieces.append(_Block(block.line + split, block.lines[split:]))
    return pieces


def _parse_date(match: re.Match[str], line: int) -> dt.date:
    month = MONTHS[match["month"].lower()]
    try:
        return dt.date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        raise ArticleFormatError(
            line, f"'{match['month']} {match['day']}, {match['year']}' is not a real date."
        ) from None


def _is_related_headline(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= MAX_RELATED_WORDS
        and len(text) <= MAX_HEADLINE
        and not text.endswith(SENTENCE_END)
        and (text[0].isupper() or text[0].isdigit())
    )


def parse_article(text: str) -> ParsedArticle:
    if "\x00" in text:
        raise ArticleFormatError(None, "the file contains NUL bytes; it is not a text article.")
    text = CONTROLS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    # Everything from a lone "COMMENTS" line on is the page's comment block, not the story.
    for index, line in enumerate(lines):
        if FURNITURE_RE.match(line):
            lines = lines[:index]
            break
    blocks = _blocks(lines)
    if not blocks:
        raise ArticleFormatError(1, "the file is empty: expected a headline on the first line.")

    blocks = _split_header(blocks)
    headline_block = blocks[0]
    headline = headline_block.text
    if _source_date(headline):
        raise ArticleFormatError(
            headline_block.line, "the first line looks like a source and date; a headline must come first."
        )
    if len(headline) > MAX_HEADLINE:
        raise ArticleFormatError(
            headline_block.line, f"the headline is {len(headline)} characters; at most {MAX_HEADLINE}."
        )

    # The source/date line comes either second (no standfirst) or third.
    standfirst = ""
    date_index = None
    for candidate in (1, 2):
        if candidate < len(blocks) and _source_date(blocks[candidate].lines[0].strip()):
            date_index = candidate
            break
    if date_index is None:
        where = blocks[1].line if len(blocks) > 1 else headline_block.line + 1
        raise ArticleFormatError(
            where,
            "expected a source and date line such as 'Anadolu Agency May 10, 2020' "
            "after the headline (and the optional standfirst).",
        )
    if date_index == 2:
        standfirst = blocks[1].text

    date_block = blocks[date_index]
    date_match = _source_date(date_block.lines[0].strip())
    assert date_match is not None
    source = date_match["source"].strip(" ,-–|")
    if not source:
        raise ArticleFormatError(date_block.line, "the date line names no source before the date.")
    if len(source) > MAX_SOURCE:
        raise ArticleFormatError(date_block.line, f"the source is {len(source)} characters; at most {MAX_SOURCE}.")
    published_on = _parse_date(date_match, date_block.line)

    caption, credit = "", ""
    extra = date_block.lines[1:]
    if extra:
        caption_text = " ".join(line.strip() for line in extra)
        photo = PHOTO_RE.search(caption_text)
        if not photo:
            raise ArticleFormatError(
                date_block.line + 1,
                "a line directly under the date line must be a photo caption ending 'PHOTO: CREDIT'.",
            )
        caption = caption_text[: photo.start()].strip()
        credit = caption_text[photo.end() :].strip()
        if not credit:
            raise ArticleFormatError(date_block.line + 1, "the photo caption has 'PHOTO:' but no credit after it.")

    body_blocks = blocks[date_index + 1 :]
    # A caption may also stand alone as the first block after the date line.
    if body_blocks and not extra:
        photo = PHOTO_RE.search(body_blocks[0].text)
        if photo and not DATELINE_RE.match(body_blocks[0].text):
            caption = body_blocks[0].text[: photo.start()].strip()
            credit = body_blocks[0].text[photo.end() :].strip()
            if not credit:
                raise ArticleFormatError(body_blocks[0].line, "the photo caption has 'PHOTO:' but no credit after it.")
            body_blocks = body_blocks[1:]
    if not body_blocks:
        raise ArticleFormatError(
            len(lines) if lines else 1, "the article has no body: expected paragraphs after the source and date line."
        )

    dateline = ""
    paragraphs: list[str] = []
    related: list[RelatedStory] = []
    first = body_blocks[0].text
    match = DATELINE_RE.match(first)
    if match:
        dateline = match["city"].strip(" ,")
        first = match["rest"].strip()
    paragraphs.append(first)
    for position, block in enumerate(body_blocks[1:], start=1):
        text = block.text
        is_last = position == len(body_blocks) - 1
        if len(block.lines) == 1 and not is_last and _is_related_headline(text):
            related.append(RelatedStory(after_paragraph=len(paragraphs), headline=text))
        else:
            paragraphs.append(text)

    if len(credit) > MAX_CREDIT:
        raise ArticleFormatError(date_block.line + 1, f"the photo credit is longer than {MAX_CREDIT} characters.")
    if len(dateline) > MAX_DATELINE:
        raise ArticleFormatError(body_blocks[0].line, f"the dateline is longer than {MAX_DATELINE} characters.")
    return ParsedArticle(
        headline=headline,
        standfirst=standfirst,
        source=source,
        published_on=published_on,
        dateline=dateline,
        paragraphs=paragraphs,
        photo_caption=caption,
        photo_credit=credit,
        related=related,
    )


def decode_article_bytes(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleFormatError(line, f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read).") from None
