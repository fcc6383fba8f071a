"""Every file the project reads is read defensively (issue 23): training records and model files here; replays in
tests/simulation/test_replay_hostile.py, policy files in tests/policies/test_policy_files.py."""

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.files import MAX_DEPTH, FileFormatError, json_lines, loads
from moderation.model import MAGIC, AbuseModel, Features, ModelError
from moderation.training import TrainingError, read_records

ROOT = Path(__file__).resolve().parents[2]
SMALL = Features(word_bits=8, char_bits=8)

# JSON values of any shape, as a hostile file might hold them.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
# Records that look like training records, with every field possibly of the wrong kind.
record_like = st.fixed_dictionaries(
    {},
    optional={
        "text": json_values | st.text(),
        "abusive": json_values | st.booleans(),
        "split": json_values | st.sampled_from(["train", "val", "test"]),
        "source": json_values,
        "abusive_share": json_values | st.floats(0, 1),
        "labels": json_values,
        "spans": json_values | st.lists(st.lists(st.integers(-2, 12), min_size=2, max_size=2)),
    },
)
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def lines_of(data: bytes, max_bytes: int = 100):
    return list(json_lines(io.BytesIO(data), max_bytes=max_bytes))


# --- The shared reader -----------------------------------------------------------------------------


def test_each_bad_line_is_named_and_the_good_ones_read():
    data = b"\n".join(
        [
            b'{"a": 1}',
            b"[" * 100_000,  # longer than the limit: skipped to its end, not held
            b'"caf\xe9"',  # not UTF-8
            b'"\\ud800"',  # a lone surrogate, as JSON's escapes allow
            b"[" * 40 + b"]" * 40,  # nested too deep
            b"",
            b'"\\ud83d\\ude00"',  # a surrogate pair is a character: fine
        ]
    )
    got = lines_of(data, max_bytes=1000)
    assert [(line.number, line.value) for line in got if line.error is None] == [(1, {"a": 1}), (7, "\U0001f600")]
    errors = {line.number: line.error for line in got if line.error}
    assert errors[2] == "the record is longer than 1,000 bytes"
    assert errors[3].startswith("not UTF-8 text")
    assert "lone surrogate" in errors[4]
    assert "nested too deeply" in errors[5]


def test_nesting_is_allowed_up_to_the_limit_and_deep_nesting_never_recurses():
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(FileFormatError, match="nested too deeply"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    for deep in ("[" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 900 + "]" * 900):
        with pytest.raises(FileFormatError, match="nested too deeply"):
            loads(deep)


def test_a_lone_surrogate_in_a_key_is_refused_too():
    with pytest.raises(FileFormatError, match="lone surrogate"):
        loads('{"\\udfff": 1}')


@HOSTILE
@given(data=st.binary(max_size=300))
def test_random_bytes_are_lines_or_named_errors(data):
    for line in lines_of(data):
        assert line.number >= 1
        assert (line.error is None) or isinstance(line.error, str)


# --- Training records --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"text": "a", "abusive": true}\n' + b"[" * 100_000 + b"\n", "line 2: the JSON is nested too deeply"),
        (b'{"text": "\\ud800", "abusive": true}\n', "line 1: a string holds a lone surrogate"),
        (b'{"text": "caf\xe9", "abusive": true}\n', "line 1: not UTF-8 text"),
        (b'{"text": "ok", "abusive": true, "split": 3}\n', "line 1: 'split' must be text"),
        (b'{"text": "ok", "abusive": true, "source": ["x"]}\n', "line 1: 'source' must be text"),
        (
            b'{"text": "ok", "abusive": false}\n{"text": "' + b"x" * 3_000_000 + b'", "abusive": true}\n',
            "line 2: the record is longer",
        ),
    ],
)
def test_hostile_training_files_are_refused_by_line(tmp_path, content, fragment):
    path = tmp_path / "t.jsonl"
    path.write_bytes(content)
    with pytest.raises(TrainingError, match=fragment):
        read_records(path)


def test_a_fifo_is_not_read_for_training(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(TrainingError, match="not a regular file"):
        read_records(fifo)


@HOSTILE
@given(data=st.binary(max_size=300))
def test_random_bytes_as_training_records_are_records_or_one_clear_error(tmp_path, data):
    path = tmp_path / "t.jsonl"
    path.write_bytes(data)
    try:
        assert read_records(path)
    except TrainingError as exc:
        assert str(path) in str(exc)


@HOSTILE
@given(rows=st.lists(record_like | json_values, min_size=1, max_size=4))
def test_random_json_as_training_records_is_records_or_one_clear_error(tmp_path, rows):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8", errors="surrogatepass")
    try:
        records = read_records(path)
    except TrainingError as exc:
        assert str(path) in str(exc)
    else:
        assert all(isinstance(r.text, str) and r.text.strip() and isinstance(r.abusive, bool) for r in records)


# --- Memory: one 200 MB record -----------------------------------------------------------------------

MEASURE = r"""
import resource, sys
from pathlib import Path
from moderation.training import TrainingError, read_records
from simulation.replay import read_records as read_replay

path, size, kind = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with path.open("wb") as out:  # written in pieces: the writer holds 1 MB at a time
    out.write(b'{"text": "fine", "abusive": false}\n{"text": "')
    chunk = b"x" * (1 << 20)
    for _ in range(size // len(chunk)):
        out.write(chunk)
    out.write(b'", "abusive": true}\n{"text": "fine too", "abusive": true}\n')
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if kind == "training":
    try:
        read_records(path)
    except TrainingError as exc:
        assert "line 2: the record is longer than" in str(exc), exc
    else:
        raise AssertionError("read")
else:
    items, errors = read_replay(path)
    assert [i.text for i in items] == ["fine", "fine too"] and errors[0].line == 2, errors
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024)  # ru_maxrss is in KB on Linux: the growth of the peak, in MB
"""


@pytest.mark.parametrize(
    ("kind", "size"),
    [("training", 200 * (1 << 20)), ("replay", 190 * (1 << 20))],  # a replay file may be at most 200,000,000 bytes
)
def test_one_200_mb_record_costs_under_100_mb(kind, size):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.jsonl"
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path), str(size), kind],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    grew_mb = float(done.stdout.strip())
    assert grew_mb < 100, f"reading a {size >> 20} MB record raised the peak memory by {grew_mb:.0f} MB"


# --- Model files -------------------------------------------------------------------------------------


def small_model(intercept: float = 0.0) -> AbuseModel:
    size = 1 << 8
    ones = np.ones(size, dtype=np.float32)
    return AbuseModel(SMALL, ones, ones * 0.5, ones, ones * -0.5, intercept, {"name": "small"})


def with_header(data: bytes, change) -> bytes:
    """The file with its header changed, and its checksum recomputed, as an attacker would."""
    (length,) = struct.unpack("<Q", data[len(MAGIC) : len(MAGIC) + 8])
    start = len(MAGIC) + 8
    header = json.loads(data[start : start + length])
    head = change(header)
    head = head if isinstance(head, bytes) else json.dumps(head).encode()
    body = MAGIC + struct.pack("<Q", len(head)) + head + data[start + length : -32]
    return body + hashlib.sha256(body).digest()


def test_a_model_scoring_everything_one_is_refused_whatever_its_checksum():
    data = small_model().to_bytes()
    assert AbuseModel.from_bytes(data).intercept == 0.0
    for intercept in (1e6, -1e6, 20.5):
        forged = with_header(data, lambda h, i=intercept: {**h, "intercept": i})
        with pytest.raises(ModelError, match="the intercept is .*outside -20 to 20"):
            AbuseModel.from_bytes(forged)
    with pytest.raises(ModelError, match="the intercept is not a number"):
        AbuseModel.from_bytes(with_header(data, lambda h: {**h, "intercept": True}))


def test_weights_outside_their_range_are_refused():
    model = small_model()
    model.char_coef = model.char_coef.copy()
    model.char_coef[3] = 1e6
    with pytest.raises(ModelError, match="array char_coef holds values outside -100 to 100"):
        AbuseModel.from_bytes(model.to_bytes())
    model = small_model()
    model.word_idf = model.word_idf * -1
    with pytest.raises(ModelError, match="array word_idf holds values outside 0 to 100"):
        AbuseModel.from_bytes(model.to_bytes())


def test_the_shipped_model_lies_within_the_ranges():
    AbuseModel.load(ROOT / "moderation" / "data" / "abuse-model.nrm")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda h: {**h, "metadata": None}, None),
        (lambda h: b'{"metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (lambda h: b'{"kind": "\\ud800"}', "lone surrogate"),
        (lambda h: b'{"kind": "caf\xe9"}', "not UTF-8"),
        (lambda h: b" " * 1_000_001, "more than the 1,000,000 any model needs"),
        (lambda h: {**h, "arrays": 5}, "array layout is not a list"),
        (lambda h: {**h, "features": {**h["features"], "word_bits": 1e400}}, "feature description is incomplete"),
        (lambda h: {**h, "features": "x"}, "feature description is incomplete"),
    ],
)
def test_a_hostile_header_is_a_model_error_not_a_crash(change, fragment):
    forged = with_header(small_model().to_bytes(), change)
    if fragment is None:
        AbuseModel.from_bytes(forged)  # metadata None: read as none
        return
    with pytest.raises(ModelError, match=fragment):
        AbuseModel.from_bytes(forged)


@HOSTILE
@given(data=st.binary(max_size=400))
def test_random_bytes_are_never_a_model(data):
    with pytest.raises(ModelError):
        AbuseModel.from_bytes(MAGIC + data if data[:1] == b"\x00" else data)


@HOSTILE
@given(header=json_values, keep=st.booleans())
def test_any_json_header_with_a_good_checksum_is_a_model_or_a_model_error(header, keep):
    good = small_model().to_bytes()

    def change(real):
        return {**real, "metadata": header} if keep else header

    try:
        forged = with_header(good, change)
    except (UnicodeEncodeError, ValueError):  # a lone surrogate or NaN json.dumps writes as it may
        return
    try:
        model = AbuseModel.from_bytes(forged)
    except ModelError:
        return
    assert 0.0 <= model.score("any text at all") <= 1.0
