"""Reading the files the project is given (training records, replays, policy files, model headers) defensively.

Use it like this::

    from moderation.files import FileFormatError, json_lines, read_json, open_regular

    with open_regular(path) as handle:                     # OSError or FileFormatError if it is no plain file
        for line in json_lines(handle, max_bytes=MAX_RECORD_BYTES):
            if line.error:                                 # "longer than 2,000,000 bytes", "not UTF-8", ...
                print(f"line {line.number}: {line.error}")
            else:
                use(line.value)                            # a JSON value, nested at most MAX_DEPTH deep

    settings = read_json(path, max_bytes=1_000_000)       # one JSON document; FileFormatError naming the problem

Each line is read with a limit: a longer one is skipped in chunks up to its end and reported by number, so one
200 MB record costs about the limit in memory, not 200 MB. Lines are decoded strictly as UTF-8; a lone surrogate
(``"\\ud800"``, which JSON's escapes allow and no text holds) is refused like invalid bytes, since it cannot be
written back out as UTF-8 (to a database, a page, a model file). Nesting is limited to ``MAX_DEPTH``: real records
are a few levels deep, and a value nested a thousand deep is a ``RecursionError`` in the first code that walks it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# Real records are an object holding lists or objects a level or two deep (HateXplain's "annotators"); 32 leaves
# room for any metadata while staying far from Python's recursion limit (about 1,000).
MAX_DEPTH = 32
# A JSON-lines record: a comment of 100,000 characters (the replay's MAX_TEXT) with its article, escaped (\uXXXX is six
# bytes a character), fits with room to spare.
MAX_RECORD_BYTES = 2_000_000
CHUNK_BYTES = 1 << 16
BOM = b"\xef\xbb\xbf"


class FileFormatError(ValueError):
    """A file, or one of its lines, that cannot be read as what it should be."""


@dataclass(frozen=True)
class Line:
    number: int
    value: Any = None
    error: str | None = None


def open_regular(path: str | Path, *, max_bytes: int | None = None) -> IO[bytes]:
    """The file opened for binary reading, if it is a regular file (a FIFO or a device would be read forever)."""
    path = Path(path)
    _check_file(path.stat(), max_bytes)  # before opening: opening a FIFO waits for a writer
    handle = path.open("rb")
    try:
        _check_file(os.fstat(handle.fileno()), max_bytes)  # what was opened, should the path have changed
    except BaseException:
        handle.close()
        raise
    return handle


def _check_file(info: os.stat_result, max_bytes: int | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileFormatError("not a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise FileFormatError(f"larger than {max_bytes:,} bytes")


def text_lines(handle: IO[bytes], *, max_bytes: int) -> Iterator[tuple[int, str | None, str | None]]:
    """(number, text, None) for each line, or (number, None, why) for one too long or not UTF-8.

    A line longer than ``max_bytes`` is never held whole: the rest of it is read and dropped in chunks.
    The text keeps its line ending; a byte-order mark at the start of the file is dropped.
    """
    number = 0
    while True:
        raw = handle.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            del raw
            while True:
                rest = handle.readline(CHUNK_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None, f"the record is longer than {max_bytes:,} bytes"
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, f"not UTF-8 text (byte {exc.start + 1} of the line: {exc.reason})"
            continue
        yield number, text, None


def json_lines(handle: IO[bytes], *, max_bytes: int = MAX_RECORD_BYTES, max_depth: int = MAX_DEPTH) -> Iterator[Line]:
    """Each non-blank line's JSON value, or why it has none."""
    for number, text, error in text_lines(handle, max_bytes=max_bytes):
        if error is not None:
            yield Line(number, error=error)
            continue
        assert text is not None
        if not text.strip():
            continue
        try:
            yield Line(number, loads(text, max_depth=max_depth))
        except FileFormatError as exc:
            yield Line(number, error=str(exc))


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """One JSON value: invalid JSON, nesting deeper than ``max_depth`` or a lone surrogate is a FileFormatError."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"not UTF-8 text (byte {exc.start + 1}: {exc.reason})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise FileFormatError(f"the JSON is nested too deeply (more than {max_depth} levels)") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise FileFormatError(f"not valid JSON ({exc})") from None
    _check(value, max_depth)
    return value


def _check(value: Any, max_depth: int) -> None:
    """Walks the value without recursing: no deeper than ``max_depth``, no string that is not UTF-8-able."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, list | dict):
            if depth > max_depth:
                raise FileFormatError(f"the JSON is nested too deeply (more than {max_depth} levels)")
            if isinstance(item, dict):
                for key, inner in item.items():
                    _text(key)
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)


def _text(value: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FileFormatError("a string holds a lone surrogate (\\ud800-\\udfff), which is not text") from None


def read_json(path: str | Path, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The one JSON document a small file holds (a policy file). OSError if it cannot be opened."""
    with open_regular(path, max_bytes=max_bytes) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew since it was measured
        raise FileFormatError(f"larger than {max_bytes:,} bytes")
    return loads(data.removeprefix(BOM), max_depth=max_depth)
