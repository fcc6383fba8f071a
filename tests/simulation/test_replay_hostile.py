"""A replay file is read defensively (issue 23): each hostile record is one bad line, named and skipped (or, with
strict, the one clear error), and no input is anything else. The memory of a 200 MB record is measured in
tests/moderation/test_files.py."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.replay import ReplayError, ReplayFileError, parse_records, read_records
from simulation.stream import StreamItem

HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FINE = b'{"text": "A fine comment on Doha."}\n'

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
replay_like = st.fixed_dictionaries(
    {},
    optional={
        name: json_values | st.text(max_size=20)
        for name in ("id", "text", "author", "parent_id", "article_title", "article_text", "abusive", "at")
    },
)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (b"[" * 100_000, "nested too deeply"),
        (b'{"text": "\\ud800"}', "lone surrogate"),
        (b'{"text": "ok", "author": {"\\udc00": 1}}', "lone surrogate"),
        (b'{"text": "\xff\xfe"}', "not UTF-8 text"),
        (b'{"text": "' + b"x" * 2_500_000 + b'"}', "the record is longer than 2,000,000 bytes"),
    ],
)
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_each_hostile_line_is_one_bad_record(tmp_path, line, fragment, suffix):
    path = tmp_path / f"r{suffix}"
    if suffix == ".csv":
        line = line.replace(b'{"text": "', b'"').replace(b'"}', b'"')
        path.write_bytes(b"text\nA fine comment on Doha.\n" + line + b"\nAnother fine one.\n")
    else:
        path.write_bytes(FINE + line + b'\n{"text": "Another fine one."}\n')
    items, errors = read_records(path)
    if suffix == ".csv" and fragment in ("nested too deeply", "lone surrogate"):
        assert not errors or "more fields" in errors[0].message  # CSV is not JSON: brackets and escapes are text
        return
    number = 3 if suffix == ".csv" else 2  # after the CSV header
    assert [i.text for i in items] == ["A fine comment on Doha.", "Another fine one."]
    assert len(errors) == 1 and errors[0].line == number and fragment in errors[0].message
    with pytest.raises(ReplayError, match=f"line {number}: .*{fragment}"):
        read_records(path, strict=True)


def test_a_raw_line_separator_inside_a_record_does_not_split_it():
    items, errors = parse_records(json.dumps({"text": "one\u2028two"}, ensure_ascii=False), "jsonl")
    assert not errors and items[0].text == "one\u2028two"


def test_a_folder_or_an_unreadable_file_is_a_file_error(tmp_path):
    with pytest.raises(ReplayFileError, match="not a regular file"):
        read_records(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ReplayFileError, match="not a regular file"):
        read_records(fifo)


def check(result):
    items, errors = result
    assert all(isinstance(i, StreamItem) and i.text.strip() for i in items)
    assert all(e.line >= 1 and e.message for e in errors)


@HOSTILE
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".jsonl", ".csv"]), strict=st.booleans())
def test_random_bytes_are_records_or_named_errors(tmp_path, data, suffix, strict):
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    try:
        check(read_records(path, strict=strict))
    except ReplayError as exc:
        assert strict and exc.error.line >= 1


@HOSTILE
@given(rows=st.lists(replay_like | json_values, max_size=5), strict=st.booleans())
def test_random_json_is_records_or_named_errors(tmp_path, rows, strict):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    try:
        check(read_records(path, strict=strict))
    except ReplayError as exc:
        assert strict and exc.error.line >= 1


@HOSTILE
@given(text=st.text(max_size=300), kind=st.sampled_from(["jsonl", "csv"]))
def test_random_text_parses_to_records_or_named_errors(text, kind):
    check(parse_records(text, kind))
