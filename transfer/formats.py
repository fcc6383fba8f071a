"""Read another comment system's export as a stream of stories, comments and skipped records.

Three formats, told apart by their first bytes and root element:

- a **Disqus** export (``<disqus xmlns="http://disqus.com">``, internals in ``http://disqus.com/disqus-internals``):
  ``<thread>`` elements, then ``<post>`` elements naming their thread and parent by ``dsq:id``;
- a **WordPress WXR** export (``<rss>`` with the ``http://wordpress.org/export/1.2/`` namespace): each ``<item>``
  a post, holding its ``<wp:comment>`` elements;
- this site's own export (``manage.py export_comments``): JSON lines, one comment a line.

``read_export(stream)`` yields :class:`Story`, :class:`Post` and :class:`Skip` in file order, holding one record
at a time: the XML is read with defusedxml's ``iterparse`` and each record's element is dropped once read, so
a 500 MB file costs the memory of one record. A file that cannot be read to its end raises
:class:`ExportError` naming the line. It touches no database: the importer decides what to write.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, iterparse
from pydantic import ValidationError

from transfer.schemas import ExportedComment

DISQUS_NS = "http://disqus.com"
DSQ_NS = "http://disqus.com/disqus-internals"
WXR_NS = re.compile(r"^http://wordpress\.org/export/1\.[0-2]/$")
# Every element a record starts with, in every format: known before the root says which format it is, since
# the parser has read a whole chunk of the file by the time the root's event is seen.
RECORDS = frozenset(
    {f"{{{DISQUS_NS}}}thread", f"{{{DISQUS_NS}}}post", "item"}
    | {f"{{http://wordpress.org/export/1.{minor}/}}comment" for minor in range(3)}
)
D = f"{{{DISQUS_NS}}}"
DSQ_ID = f"{{{DSQ_NS}}}id"

# Where a record starts, noted on its element as the parser meets it (the pull parser reports elements a
# chunk at a time, when the position has moved on).
LINE = "{urn:newsroom:transfer}line"

PUBLISHED, HELD, REJECTED, REMOVED = "published", "held", "rejected", "removed"
# WordPress's comment_approved: approved, awaiting moderation, marked as spam, in the bin.
# Ids this site's export may keep: positive, and within what every database's integer column holds.
ID_LIMIT = 2**62
# "post-trashed": a comment on a post the blog moved to its trash (WordPress keeps its state before in meta).
WXR_STATES = {
    "1": PUBLISHED, "approve": PUBLISHED, "0": HELD, "hold": HELD, "spam": REJECTED, "trash": REMOVED,
    "post-trashed": REMOVED,
}  # fmt: skip
# comment_type for a reader's comment ("" before WordPress 5.5); pingbacks, trackbacks and plugins' notes
# (WooCommerce's order notes among them) are not readers' comments.
WXR_COMMENT_TYPES = {"", "comment"}


@dataclass(frozen=True)
class Story:
    """A thread of the export: the page its comments were on."""

    key: str  # the export's id for it, which its comments name
    url: str
    title: str
    line: int
    published: dt.datetime | None = None


@dataclass(frozen=True)
class Post:
    """One comment, in the states of this site (``Comment.Status`` values)."""

    line: int
    source: str
    source_id: str
    story: str  # its Story's key
    author_name: str
    author_email: str
    created_at: dt.datetime
    body: str
    status: str
    parent_source: str = ""
    parent_source_id: str = ""
    # Only in this site's own export: the id it had in the database it was exported from (kept where it is free).
    exported_id: int | None = None


@dataclass(frozen=True)
class Skip:
    line: int
    reason: str


Record = Story | Post | Skip


class ByteStream(Protocol):
    """What the import reads from: a binary file, or one that counts what is read of it."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self) -> bytes: ...


class ExportError(ValueError):
    """A file that cannot be imported at all: the message is one line for the person running the import."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def read_export(stream: ByteStream) -> Iterator[Record]:
    """The records of an export, whichever of the three formats it is (see the module's docstring)."""
    head = stream.read(64)
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    rest = _Prefixed(head, stream)
    if first == b"<":
        yield from _read_xml(rest)
    elif first == b"{":
        yield from _read_lines(rest)
    elif not first:
        raise ExportError(1, "the file is empty.")
    else:
        raise ExportError(1, "this is neither an XML export (Disqus, WordPress WXR) nor this site's JSON lines export.")


class _Prefixed:
    """The stream with the bytes already read to tell its format put back in front."""

    def __init__(self, head: bytes, stream: ByteStream) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data, self.head = self.head, b""
            return data
        return self.stream.read(size)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def readline(self) -> bytes:
        if self.head:
            newline = self.head.find(b"\n")
            if newline >= 0:
                line, self.head = self.head[: newline + 1], self.head[newline + 1 :]
                return line
            line, self.head = self.head, b""
            return line + self.stream.readline()
        return self.stream.readline()


# --- XML ---------------------------------------------------------------------------------------------------------


class _LineNoting(DefusedXMLParser):  # type: ignore[misc]
    """defusedxml's parser (no entities, no external references), noting the line each record starts on."""

    def _start(self, tag: str, attr_list: list[str]) -> Element:
        element: Element = super()._start(tag, attr_list)
        if element.tag in RECORDS:
            element.set(LINE, str(self.parser.CurrentLineNumber))
        return element


def _read_xml(stream: Any) -> Iterator[Record]:
    parser = _LineNoting(target=TreeBuilder())
    reader: _Reader | None = None
    stack: list[Element] = []
    namespaces: set[str] = set()
    try:
        for event, item in iterparse(stream, events=("start-ns", "start", "end"), parser=parser):
            if event == "start-ns":
                namespaces.add(item[1])
                continue
            if event == "start":
                if reader is None:
                    reader = _reader_for(item, namespaces, parser)
                stack.append(item)
                continue
            stack.pop()
            assert reader is not None
            yield from reader.end(item, stack)
    except ParseError as error:
        line = error.position[0]
        reason = str(error).split(":")[0]
        raise ExportError(line, f"the file is not well-formed XML ({reason}): it is damaged or cut short") from None
    except EntitiesForbidden:
        raise ExportError(
            _line(parser),
            "the file declares XML entities (<!ENTITY …>), which no export needs and an “XML bomb” uses to "
            "blow up in memory: refused.",
        ) from None
    except ExternalReferenceForbidden:
        raise ExportError(
            _line(parser), "the file refers to an external XML entity (a file or URL): refused."
        ) from None
    except DefusedXmlException as error:
        raise ExportError(_line(parser), f"the XML is refused as unsafe ({type(error).__name__}).") from None
    except LookupError as error:  # an encoding Python does not know, named in the XML declaration
        raise ExportError(1, f"the file's XML declaration names an encoding this site cannot read ({error}).") from None
    if reader is None:
        raise ExportError(1, "the file holds no XML element.")


def _line(parser: _LineNoting) -> int:
    return int(parser.parser.CurrentLineNumber)


def _reader_for(root: Element, namespaces: set[str], parser: _LineNoting) -> _Reader:
    """The reader for the format the root element names; any other XML is refused at once."""
    if root.tag == f"{D}disqus":
        return _Disqus()
    if root.tag == "rss" and (wxr := next((ns for ns in namespaces if WXR_NS.match(ns)), None)):
        return _Wxr(wxr)
    found = root.tag.replace("{", "<").replace("}", ">") if root.tag.startswith("{") else root.tag
    raise ExportError(
        _line(parser),
        f'the root element is <{found}>: expected a Disqus export (<disqus xmlns="{DISQUS_NS}">) or a WordPress '
        "WXR export (<rss> with the http://wordpress.org/export/1.2/ namespace).",
    )


class _Reader:
    def end(self, element: Element, stack: list[Element]) -> Iterator[Record]:
        raise NotImplementedError


def _text(element: Element | None, name: str) -> str:
    found = element.find(name) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _line_of(element: Element) -> int:
    return int(element.get(LINE, "0"))


def _drop(element: Element, stack: list[Element]) -> None:
    """Forget a record once read: its parent lets go of it, so nothing read piles up."""
    element.clear()
    if stack:
        stack[-1].remove(element)


class _Disqus(_Reader):
    def end(self, element: Element, stack: list[Element]) -> Iterator[Record]:
        if len(stack) != 1:  # only the root's children are records; the rest are their parts
            return
        tag = element.tag
        if tag == f"{D}thread":
            yield self._thread(element)
        elif tag == f"{D}post":
            yield self._post(element)
        _drop(element, stack)

    def _thread(self, element: Element) -> Record:
        line = _line_of(element)
        key = element.get(DSQ_ID, "").strip()
        if not key:
            return Skip(line, "a thread without a dsq:id: its comments could not name it.")
        created = _iso_date(_text(element, f"{D}createdAt"))
        return Story(key, _text(element, f"{D}link"), _text(element, f"{D}title"), line, created)

    def _post(self, element: Element) -> Record:
        line = _line_of(element)
        source_id = element.get(DSQ_ID, "").strip()
        if not source_id:
            return Skip(line, "a post without a dsq:id.")
        thread = element.find(f"{D}thread")
        story = thread.get(DSQ_ID, "").strip() if thread is not None else ""
        if not story:
            return Skip(line, f"post {source_id} names no thread.")
        created = _iso_date(_text(element, f"{D}createdAt"))
        if created is None:
            return Skip(line, f"post {source_id} has no readable date ({_text(element, f'{D}createdAt')[:40]!r}).")
        author = element.find(f"{D}author")
        name = _text(author, f"{D}name") or _text(author, f"{D}username")
        if _text(element, f"{D}isSpam") == "true":
            status = REJECTED
        elif _text(element, f"{D}isDeleted") == "true":
            status = REMOVED
        else:
            status = PUBLISHED
        parent = element.find(f"{D}parent")
        parent_id = parent.get(DSQ_ID, "").strip() if parent is not None else ""
        message = element.find(f"{D}message")
        return Post(
            line=line, source="disqus", source_id=source_id, story=story, author_name=name,
            author_email=_text(author, f"{D}email"), created_at=created,
            body=html_to_text(message.text or "" if message is not None else ""), status=status,
            parent_source="disqus" if parent_id else "", parent_source_id=parent_id,
        )  # fmt: skip


class _Wxr(_Reader):
    def __init__(self, namespace: str) -> None:
        self.wp = f"{{{namespace}}}"
        self.site = ""
        self.story: Story | None = None  # the item being read, once one of its comments is

    def end(self, element: Element, stack: list[Element]) -> Iterator[Record]:
        wp, tag = self.wp, element.tag
        if tag == f"{wp}base_site_url" or (tag == "link" and len(stack) == 2 and not self.site):
            self.site = _host((element.text or "").strip())
        elif tag == "channel":
            self.site = ""  # the next channel is another blog, numbered from 1 again
        elif tag == f"{wp}comment" and stack and stack[-1].tag == "item":
            item = stack[-1]
            if self.story is None:
                self.story = self._story(item)
                yield self.story
            yield self._comment(element, self.story)
            _drop(element, stack)
        elif tag == "item":
            self.story = None
            _drop(element, stack)

    def _id(self, value: str) -> str:
        value = value.strip()
        # WordPress numbers posts and comments per site: the site's host keeps two blogs' "5" apart.
        return f"{self.site}:{value}" if self.site else value

    def _story(self, item: Element) -> Story:
        wp = self.wp
        published = _wp_date(_text(item, f"{wp}post_date_gmt")) or _rfc822_date(_text(item, "pubDate"))
        key = self._id(_text(item, f"{wp}post_id") or _text(item, "guid"))
        return Story(key, _text(item, "link"), html.unescape(_text(item, "title")), _line_of(item), published)

    def _comment(self, element: Element, story: Story) -> Record:
        wp = self.wp
        line = _line_of(element)
        raw_id = _text(element, f"{wp}comment_id")
        if not raw_id:
            return Skip(line, "a comment without a wp:comment_id.")
        kind = _text(element, f"{wp}comment_type")
        if kind not in WXR_COMMENT_TYPES:
            return Skip(line, f"comment {raw_id} is a {kind}, not a reader's comment.")
        approved = _text(element, f"{wp}comment_approved")
        status = WXR_STATES.get(approved)
        if status is None:
            return Skip(line, f"comment {raw_id} has an unknown wp:comment_approved {approved[:20]!r}.")
        created = _wp_date(_text(element, f"{wp}comment_date_gmt")) or _wp_date(_text(element, f"{wp}comment_date"))
        if created is None:
            return Skip(line, f"comment {raw_id} has no readable date.")
        parent = _text(element, f"{wp}comment_parent")
        has_parent = parent not in ("", "0")
        return Post(
            line=line, source="wordpress", source_id=self._id(raw_id), story=story.key,
            author_name=_text(element, f"{wp}comment_author"), author_email=_text(element, f"{wp}comment_author_email"),
            created_at=created, body=html_to_text(_text(element, f"{wp}comment_content")), status=status,
            parent_source="wordpress" if has_parent else "", parent_source_id=self._id(parent) if has_parent else "",
        )  # fmt: skip


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:  # "https://[bad": an unclosed IPv6 bracket
        return ""


def in_range(moment: dt.datetime | None) -> dt.datetime | None:
    """A date a comment can have: in UTC, within years 1970 to 9000 (a year-1 date overflows when the database
    stores it in UTC; nothing was commented before 1970)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        moment = moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None
    return moment if 1970 <= moment.year <= 9000 else None


def _iso_date(value: str) -> dt.datetime | None:
    try:
        return in_range(dt.datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _wp_date(value: str) -> dt.datetime | None:
    """WordPress's "2024-01-02 11:00:00", in UTC when it is a ``_gmt`` field; "0000-00-00 00:00:00" is none."""
    try:
        return in_range(dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC))
    except ValueError:
        return None


def _rfc822_date(value: str) -> dt.datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        return in_range(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


# --- HTML to the plain text comments are stored as ---------------------------------------------------------------

BLOCKS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """A comment's HTML as the plain text readers typed: paragraphs apart by a blank line, tags gone (a link
    keeps its words), entities read. The page escapes what it shows, so nothing here is trusted markup."""
    if "<" not in markup and "&" not in markup:
        text = markup
    else:
        parser = _TextOf()
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- This site's own export ----------------------------------------------------------------------------------------


def _read_lines(stream: Any) -> Iterator[Record]:
    stories: set[str] = set()  # the stories' addresses: a few thousand strings, not the comments
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark an editor may have written
        if not raw.strip():
            continue
        try:
            line = ExportedComment.model_validate_json(raw)
        except ValidationError as error:
            problem = error.errors()[0]
            if problem["type"] == "json_invalid" and not raw.endswith(b"\n"):
                raise ExportError(number, "the last line is cut short: the file is incomplete.") from None
            if problem["type"] == "json_invalid":
                raise ExportError(number, f"not a JSON line ({problem['msg']}).") from None
            where = ".".join(str(part) for part in problem["loc"]) or "the line"
            yield Skip(number, f"{where}: {problem['msg']}.")
            continue
        created = in_range(line.created_at)
        if created is None:
            yield Skip(number, f"created_at: {line.created_at.isoformat()[:40]} is not a date a comment can have.")
            continue
        if line.story.url not in stories:
            stories.add(line.story.url)
            yield Story(line.story.url, line.story.url, line.story.title, number)
        yield Post(
            line=number, source=line.source, source_id=line.source_id, story=line.story.url,
            author_name=line.author_name, author_email=line.author_email, created_at=created,
            body=line.body, status=line.status,
            parent_source=line.parent.source if line.parent else "",
            parent_source_id=line.parent.source_id if line.parent else "",
            exported_id=line.id if 0 < line.id < ID_LIMIT else None,
        )  # fmt: skip


def dumps(comment: ExportedComment) -> str:
    """One line of the export: keys in the schema's order, non-ASCII as is, no spaces to spare."""
    return json.dumps(comment.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
