"""Read real comments to replay: JSON Lines or CSV, one comment a record.

Fields: ``text`` (required); optional ``id``, ``author``, ``parent_id`` (an
earlier record's id), ``article_title`` and ``article_text``, and the ground-truth
booleans ``abusive``, ``on_topic`` and ``spam``. A bad record is reported with its
line number and skipped, or, with ``strict``, stops the reading. The file is read a line at a time
(``moderation.files``): a line of more than ``MAX_RECORD_BYTES`` (2 MB), one that is not UTF-8 or holds a lone
surrogate, and JSON nested more than ``MAX_DEPTH`` (32) deep are bad records like any other.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from moderation.files import MAX_RECORD_BYTES, FileFormatError, json_lines, open_regular, text_lines
from simulation.metrics import Truth
from simulation.stream import StreamItem

TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f"}
KNOWN = {"id", "text", "author", "parent_id", "article_title", "article_text", "abusive", "on_topic", "spam", "at"}
MAX_TEXT = 100_000
# A replay spans a story's life, not more: a year of seconds. (The report's timeline is hour by hour.)
MAX_AT = 366 * 24 * 3600
MAX_FILE_BYTES = 200_000_000


@dataclass(frozen=True)
class RecordError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ReplayError(ValueError):
    def __init__(self, error: RecordError) -> None:
        self.error = error
        super().__init__(str(error))


class ReplayFileError(ValueError):
    """The file as a whole cannot be replayed (not a regular file, too large)."""


def _boolean(value: Any, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise ValueError(f"'{name}' must be true or false, not {value!r}")


Records = Iterable[tuple[int, dict[str, Any] | str]]


def _csv_records(handle: IO[bytes]) -> Records:
    csv.field_size_limit(max(csv.field_size_limit(), 4 * MAX_TEXT))  # longer fields: an error for that line
    refused: list[tuple[int, str]] = []

    def lines() -> Iterator[str]:
        for number, text, error in text_lines(handle, max_bytes=MAX_RECORD_BYTES):
            if error is not None:
                refused.append((number, error))
                yield "\n"  # an empty line in its place keeps the reader's line numbers right
            else:
                assert text is not None
                yield text

    reader = csv.DictReader(lines())
    try:
        fields = reader.fieldnames
    except csv.Error as exc:
        yield 1, f"the CSV header cannot be read ({exc})"
        return
    if refused and refused[0][0] == 1:
        yield refused[0]
        return
    if not fields or "text" not in fields:
        yield 1, "the CSV header has no 'text' column"
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            yield from refused
            return
        except csv.Error as exc:
            yield from refused
            refused.clear()
            yield reader.line_num + 1, f"the row cannot be read as CSV ({exc})"
            continue
        yield from refused
        refused.clear()
        if None in row:
            yield reader.line_num, "the row has more fields than the header"
            continue
        yield reader.line_num, dict(row)


def _jsonl_records(handle: IO[bytes]) -> Records:
    for line in json_lines(handle, max_bytes=MAX_RECORD_BYTES):
        if line.error is not None:
            yield line.number, line.error
        elif not isinstance(line.value, dict):
            yield line.number, "a record must be a JSON object"
        else:
            yield line.number, line.value


def _records(handle: IO[bytes], kind: str) -> Records:
    return _csv_records(handle) if kind == "csv" else _jsonl_records(handle)


def parse_records(text: str, kind: str, *, strict: bool = False) -> tuple[list[StreamItem], list[RecordError]]:
    """Parse replay text; returns the good records and one error per bad one."""
    # Read as a file is: a lone surrogate in the text is a line that is not UTF-8.
    return _parse(_records(io.BytesIO(text.encode("utf-8", "surrogatepass")), kind), strict=strict)


def _parse(records: Records, *, strict: bool) -> tuple[list[StreamItem], list[RecordError]]:
    items: list[StreamItem] = []
    errors: list[RecordError] = []
    seen: set[str] = set()

    def fail(line: int, message: str) -> None:
        error = RecordError(line, message)
        if strict:
            raise ReplayError(error)
        errors.append(error)

    for line, record in records:
        if isinstance(record, str):
            fail(line, record)
            continue
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            fail(line, "'text' is missing or empty")
            continue
        if len(body) > MAX_TEXT:
            fail(line, f"'text' is longer than {MAX_TEXT:,} characters")
            continue
        ident = record.get("id")
        ident = str(ident).strip() if ident not in (None, "") else f"line-{line}"
        if ident in seen:
            fail(line, f"the id {ident!r} was used by an earlier record")
            continue
        parent = record.get("parent_id")
        parent = str(parent).strip() if parent not in (None, "") else None
        if parent is not None and parent not in seen:
            fail(line, f"parent_id {parent!r} is not the id of an earlier record")
            continue
        try:
            truth = Truth(
                abusive=_boolean(record.get("abusive"), "abusive"),
                on_topic=_boolean(record.get("on_topic"), "on_topic"),
                spam=_boolean(record.get("spam"), "spam"),
            )
            at = float(record["at"]) if record.get("at") not in (None, "") else float(len(items) * 60)
            if not 0 <= at <= MAX_AT:  # also NaN, which compares false
                raise ValueError(f"'at' must be between 0 and {MAX_AT:,} seconds, not {record.get('at')!r}")
        except (ValueError, TypeError, OverflowError) as exc:
            fail(
                line,
                str(exc) if "must be" in str(exc) else f"'at' must be a number of seconds, not {record.get('at')!r}",
            )
            continue
        title, article = record.get("article_title") or "", record.get("article_text") or ""
        if not isinstance(title, str) or not isinstance(article, str):
            fail(line, "'article_title' and 'article_text' must be text")
            continue
        author = record.get("author")
        author = str(author).strip()[:100] if author not in (None, "") else f"reader-{line}"
        items.append(
            StreamItem(
                id=ident,
                text=body,
                author=author,
                email=f"{author.lower().replace(' ', '.')}@replay.example",
                parent_id=parent,
                at=at,
                persona="replay",
                truth=truth,
                article_text="\n".join(p for p in (title, article) if p) or None,
                line=line,
            )
        )
        seen.add(ident)
    return items, errors


def read_records(path: Path, *, strict: bool = False) -> tuple[list[StreamItem], list[RecordError]]:
    """The file's good records, in time order (``at``; a file's own order where times are equal or absent), and
    one error per bad one, read a line at a time (``moderation.files``): a record longer than
    ``MAX_RECORD_BYTES``, not UTF-8 or nested too deep is one bad line. An export is often written thread by
    thread, each comment followed by its replies: judged and queued in that order, a thread's late replies would
    arrive before the next thread's early comments. FileNotFoundError if there is no such file;
    ReplayFileError if it cannot be read at all."""
    kind = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    try:
        handle = open_regular(path, max_bytes=MAX_FILE_BYTES)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ReplayFileError(f"cannot read it ({exc.strerror or exc})") from None
    except FileFormatError as exc:
        raise ReplayFileError(str(exc)) from None
    with handle:
        try:
            items, errors = _parse(_records(handle, kind), strict=strict)
        except OSError as exc:
            raise ReplayFileError(f"cannot read it ({exc.strerror or exc})") from None
    items.sort(key=lambda item: item.at)  # stable: the file's order where times are equal
    return items, errors
