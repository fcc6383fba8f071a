"""A policy file is read defensively (issue 23): bounded, strictly UTF-8, nested at most 32 deep, every setting
checked against its kind (choices against their choices, words as a list), and anything else one clear error."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.runner import POLICY_FILE_BYTES, SimulationSetupError, resolve_policy
from moderation.policy import SETTINGS, Policy

HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
policy_like = st.dictionaries(
    st.sampled_from(sorted(SETTINGS)), json_values | st.sampled_from(["auto", "hold", "flag"])
)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"mode": ' + b"[" * 100_000 + b"}", "nested too deeply"),
        (b'{"blocked_words": ["\\ud800"]}', "lone surrogate"),
        (b'{"blocked_words": ["caf\xe9"]}', "not UTF-8"),
        (b" " * (POLICY_FILE_BYTES + 1), "larger than 1,000,000 bytes"),
        (b'{"mode": "everything"}', "mode must be one of 'auto', 'hold_all', 'publish_all', not 'everything'"),
        (b'{"off_topic_action": "explode"}', "off_topic_action must be one of 'hold', 'flag', not 'explode'"),
        (b'{"mode": ["auto"]}', "mode must be one of"),
        (b'{"blocked_words": {"idiot": 1}}', "blocked_words must be a list of words"),
        (b'{"blocked_words": ["ok", 3]}', "blocked_words must be a list of words"),
        (b'{"max_links": 1e400}', "max_links must be a whole number"),
        (b'{"duplicate_window_minutes": 1' + b"0" * 400 + b"}", "duplicate_window_minutes must be a whole number"),
        (b'{"max_links": 32768}', r"max_links must be a whole number of 0 or more, not 32768 \(at most 32767\)"),
        (b'{"spam_hold": 1' + b"0" * 400 + b"}", "spam_hold is a chance between 0 and 1"),
        (b'["mode", "auto"]', "a policy is an object of settings by name"),
    ],
)
def test_a_hostile_policy_file_is_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "p.json"
    path.write_bytes(content)
    with pytest.raises(SimulationSetupError, match=f"policy file .*{fragment}"):
        resolve_policy(str(path))


def test_a_fifo_named_as_a_policy_file_is_not_read(tmp_path):
    fifo = tmp_path / "p.json"
    os.mkfifo(fifo)
    with pytest.raises(SimulationSetupError, match="not a regular file"):
        resolve_policy(str(fifo))


@pytest.mark.django_db  # which model is live is read from the database
def test_a_byte_order_mark_is_allowed(tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(b'\xef\xbb\xbf{"mode": "hold_all"}')
    assert resolve_policy(str(path))[1].mode == "hold_all"


@HOSTILE
@given(data=st.binary(max_size=300))
def test_random_bytes_are_a_policy_or_one_clear_error(tmp_path, data):
    path = tmp_path / "p.json"
    path.write_bytes(data)
    try:
        _, policy = resolve_policy(str(path))
    except SimulationSetupError as exc:
        assert str(path) in str(exc)
    else:
        assert isinstance(policy, Policy)


@pytest.mark.django_db  # which model is live is read from the database
@HOSTILE
@given(data=policy_like | json_values)
def test_random_json_is_a_checked_policy_or_one_clear_error(tmp_path, data):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        _, policy = resolve_policy(str(path))
    except SimulationSetupError as exc:
        assert str(path) in str(exc)
        return
    for name, setting in SETTINGS.items():
        value = getattr(policy, name)
        if setting.choices:
            assert value in [option for option, _ in setting.choices]
        elif isinstance(value, tuple):
            assert all(isinstance(word, str) and word.strip() == word and word for word in value)
        else:
            assert isinstance(value, int | float) and value >= 0
