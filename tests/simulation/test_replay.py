import json

import pytest

from simulation.replay import ReplayError, parse_records, read_records


def jsonl(*records):
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records)


def test_good_records_with_truth_parents_and_article_text():
    text = jsonl(
        {"id": "a", "text": "First", "author": "Ann", "abusive": False, "on_topic": "yes", "spam": 0},
        {"id": "b", "text": "Reply", "parent_id": "a", "article_title": "T", "article_text": "Body"},
        {"text": "No id"},
    )
    items, errors = parse_records(text, "jsonl")
    assert errors == []
    assert [i.id for i in items] == ["a", "b", "line-3"]
    assert items[0].truth.abusive is False and items[0].truth.on_topic is True and items[0].truth.spam is False
    assert items[1].parent_id == "a" and items[1].article_text == "T\nBody"
    assert items[2].truth.abusive is None


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"id": "x"}), "'text' is missing or empty"),
        (json.dumps({"text": "   "}), "'text' is missing or empty"),
        (json.dumps({"id": "a", "text": "again"}), "was used by an earlier record"),
        (json.dumps({"text": "orphan", "parent_id": "zzz"}), "is not the id of an earlier record"),
        (json.dumps({"text": "t", "abusive": "maybe"}), "'abusive' must be true or false"),
        (json.dumps({"text": "t", "at": "noon"}), "'at' must be a number"),
        (json.dumps({"text": "t", "article_text": 5}), "must be text"),
        (json.dumps({"text": "x" * 100_001}), "longer than"),
    ],
)
def test_each_bad_record_is_reported_with_its_line_and_skipped(line, fragment):
    text = jsonl({"id": "a", "text": "fine"}, line, {"id": "z", "text": "also fine"})
    items, errors = parse_records(text, "jsonl")
    assert [i.id for i in items] == ["a", "z"]
    assert len(errors) == 1 and errors[0].line == 2 and fragment in errors[0].message


def test_strict_stops_at_the_first_bad_record():
    with pytest.raises(ReplayError) as excinfo:
        parse_records(jsonl({"text": "ok"}, {"text": ""}, {"text": "never read"}), "jsonl", strict=True)
    assert excinfo.value.error.line == 2


def test_csv_records_and_errors(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text('id,text,abusive\n1,"Hello, world",false\n2,,true\n3,"Too, many",false,extra\n4,"ok",1\n')
    items, errors = read_records(path)
    assert [i.id for i in items] == ["1", "4"] and items[1].truth.abusive is True
    assert [(e.line, e.message) for e in errors] == [
        (3, "'text' is missing or empty"),
        (4, "the row has more fields than the header"),
    ]
    headerless = tmp_path / "bad.csv"
    headerless.write_text("id,body\n1,hi\n")
    assert read_records(headerless)[1][0].message == "the CSV header has no 'text' column"


def test_a_line_that_is_not_utf8_is_a_bad_record(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n{"text": "also ok"}\n')
    items, errors = read_records(path)
    assert [i.text for i in items] == ["ok", "also ok"]
    assert [str(e) for e in errors] == ["line 2: not UTF-8 text (byte 14 of the line: invalid continuation byte)"]
    with pytest.raises(ReplayError, match="line 2: not UTF-8"):
        read_records(path, strict=True)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('{"text": "Far in the future.", "at": 1e13}', "'at' must be between 0"),
        ('{"text": "Not a number.", "at": NaN}', "'at' must be between 0"),
        ('{"text": "Forever.", "at": Infinity}', "'at' must be between 0"),
        ('{"text": "Before the story.", "at": -5}', "'at' must be between 0"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_records_are_named_and_skipped(line, fragment):
    items, errors = parse_records('{"text": "A fine comment on Doha."}\n' + line + "\n", "jsonl")
    assert len(items) == 1
    assert errors and errors[0].line == 2 and fragment in errors[0].message


def test_an_oversized_csv_field_is_one_bad_line_not_a_crash():
    text = "text,abusive\nfirst fine comment,false\n" + '"' + "x" * 600_000 + '",false\nlast fine comment,true\n'
    items, errors = parse_records(text, "csv")
    assert [i.text for i in items] == ["first fine comment", "last fine comment"]
    assert len(errors) == 1 and errors[0].line == 3


def test_a_fifo_is_refused_as_a_file(tmp_path):
    import os

    from simulation.replay import ReplayFileError, read_records

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(ReplayFileError, match="not a regular file"):
        read_records(fifo)


def test_a_file_written_thread_by_thread_is_read_in_time_order(tmp_path):
    """Each thread's top comment, then its replies hours later, then the next thread: judged and queued as the
    comments came, not as the file lists them; equal times keep the file's order."""
    rows = []
    for thread in range(3):
        rows.append({"id": f"t{thread}", "text": f"Top {thread}.", "at": thread * 600})
        rows += [{"id": f"t{thread}r{k}", "text": f"Reply {k}.", "parent_id": f"t{thread}", "at": 3600 * (k + 1)}
                 for k in range(2)]  # fmt: skip
    rows.append({"id": "same-a", "text": "Same time, first.", "at": 60})
    rows.append({"id": "same-b", "text": "Same time, second.", "at": 60})
    path = tmp_path / "threads.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    items, errors = read_records(path)
    assert errors == []
    times = [item.at for item in items]
    assert times == sorted(times)
    assert [item.id for item in items][:5] == ["t0", "same-a", "same-b", "t1", "t2"]
