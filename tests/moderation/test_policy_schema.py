"""The policy's settings are declared once, as fields of Policy: their defaults are the core's, and a policy
file is checked against them, every bad value refused by name."""

from dataclasses import fields

import pytest

from moderation.policy import SETTINGS, Kind, Mode, Policy

NOT_SETTINGS = {"min_seconds_to_write", "model"}  # the site's setting and the loaded model, never a policy's


def test_every_field_of_the_policy_is_a_declared_setting_with_its_default():
    assert {f.name for f in fields(Policy)} == set(SETTINGS) | NOT_SETTINGS
    for name, setting in SETTINGS.items():
        assert getattr(Policy(), name) == setting.default, name
        assert setting.help and setting.clean(setting.default) == setting.default, name


def test_the_defaults_are_the_ones_the_filter_was_tuned_with():
    policy = Policy()
    assert (policy.mode, policy.abuse_hold, policy.abuse_reject, policy.model_hold, policy.model_reject) == (
        Mode.AUTO, 0.5, 0.9, 0.61, 0.96,
    )  # fmt: skip
    # Topic holds only on strong evidence (issue 29), and flags from 0.15: the calibrated chance is seldom strong,
    # and a sentence of unrelated chatter is about 0.3 (bench/topic.py).
    assert (policy.off_topic_hold, policy.off_topic_flag, policy.off_topic_action) == (0.8, 0.15, "hold")
    assert (policy.spam_hold, policy.spam_reject) == (0.5, 0.9)
    assert (policy.shouting_hold, policy.max_links, policy.blocked_words, policy.hold_first_comments) == (0.8, 2, (), 0)
    assert (policy.premoderate_rejected_share, policy.duplicate_window_minutes, policy.auto_close_days) == (0.3, 10, 0)


def test_a_policy_file_sets_what_it_names_and_keeps_the_rest():
    policy = Policy.from_dict(
        {"mode": "hold_all", "abuse_hold": 1, "max_links": 3.0, "blocked_words": [" grifter ", ""],
         "allowed_words": "Scunthorpe\n\nshiitake\n"}
    )  # fmt: skip
    assert policy.mode == "hold_all" and policy.abuse_hold == 1.0 and isinstance(policy.abuse_hold, float)
    assert policy.max_links == 3 and isinstance(policy.max_links, int)
    assert policy.blocked_words == ("grifter",) and policy.allowed_words == ("Scunthorpe", "shiitake")
    assert policy.abuse_reject == Policy().abuse_reject


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"abuse_hodl": 0.3}, "unknown policy field 'abuse_hodl' (did you mean 'abuse_hold'?)"),
        ({"min_seconds_to_write": 0}, "unknown policy field 'min_seconds_to_write'"),
        ({"model": None}, "unknown policy field 'model'"),
        ({"abuse_hold": 1.5}, "abuse_hold is a chance between 0 and 1, not 1.5"),
        ({"premoderate_rejected_share": -0.1}, "premoderate_rejected_share is a chance between 0 and 1, not -0.1"),
        ({"spam_hold": "0.5"}, "spam_hold must be a number between 0 and 1, not '0.5'"),
        ({"abuse_hold": float("nan")}, "abuse_hold must be a number between 0 and 1, not nan"),
        ({"model_hold": True}, "model_hold must be a number between 0 and 1, not True"),
        ({"max_links": -1}, "max_links must be a whole number of 0 or more, not -1"),
        ({"hold_first_comments": 2.5}, "hold_first_comments must be a whole number of 0 or more, not 2.5"),
        ({"mode": "everything"}, "mode must be one of 'auto', 'hold_all', 'publish_all', not 'everything'"),
        ({"off_topic_action": ["flag"]}, "off_topic_action must be one of 'hold', 'flag', not ['flag']"),
        ({"blocked_words": {"idiot": True}}, "blocked_words must be a list of words (or a text of one a line)"),
        ({"allowed_words": ["fine", 3]}, "allowed_words must be a list of words"),
        (["abuse_hold", 0.3], "a policy is an object of settings by name, not list"),
    ],
)
def test_a_policy_file_with_a_bad_value_is_refused_by_name(data, message):
    with pytest.raises(ValueError) as refused:
        Policy.from_dict(data)
    assert message in str(refused.value)


@pytest.mark.parametrize("name", [name for name, s in SETTINGS.items() if s.kind is Kind.CHANCE])
def test_every_chance_is_held_between_0_and_1(name):
    assert getattr(Policy.from_dict({name: 0}), name) == 0.0
    for wrong in (1.01, -1, 7):
        with pytest.raises(ValueError, match=f"^{name} is a chance between 0 and 1"):
            Policy.from_dict({name: wrong})
