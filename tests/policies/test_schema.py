"""Every reader of a policy takes its settings from the one declaration (moderation.policy.SETTINGS): the model's
columns, the admin's page and its checks, the core's Policy from a row, and a policy file for the simulator.
A new setting declared there and nowhere else fails here."""

import json

import pytest
from django.db import models

from lab.runner import SimulationSetupError, resolve_policy
from moderation.policy import SETTINGS, Kind, Policy
from policies.admin import ModerationPolicyAdmin, PolicyForm
from policies.models import ModerationPolicy
from policies.selectors import policy_from_record

# The model's fields that are not settings: its name, what readers are told, and its bookkeeping.
NOT_SETTINGS = {"id", "name", "summary", "is_active", "is_shadow", "updated_at"}
COLUMN = {
    Kind.CHANCE: models.FloatField,
    Kind.COUNT: models.PositiveSmallIntegerField,
    Kind.CHOICE: models.CharField,
    Kind.WORDS: models.TextField,
}
# A value other than its default for each kind of setting, as the form or the database holds it.
OTHER = {Kind.CHANCE: 0.42, Kind.COUNT: 7, Kind.WORDS: "grifter\n shill \n"}


def other_value(name):
    setting = SETTINGS[name]
    if setting.kind is Kind.CHOICE:
        return next(value for value, _ in setting.choices if value != setting.default)
    return OTHER[setting.kind]


def test_every_setting_is_a_column_made_from_its_declaration():
    columns = {f.name: f for f in ModerationPolicy._meta.concrete_fields}
    assert set(columns) == set(SETTINGS) | NOT_SETTINGS
    for name, setting in SETTINGS.items():
        column = columns[name]
        assert type(column) is COLUMN[setting.kind], name
        assert setting.from_stored(column.get_default()) == setting.default, name
        assert column.help_text == setting.help, name
        assert list(column.choices or []) == list(setting.choices), name


def test_every_setting_is_on_the_admin_page_once_and_in_its_group():
    fieldsets = ModerationPolicyAdmin.fieldsets
    groups = [(title or "", [str(name) for name in options["fields"]]) for title, options in fieldsets]
    shown = [name for _, names in groups for name in names if name in SETTINGS]
    assert sorted(shown) == sorted(SETTINGS)
    assert all(SETTINGS[name].group == title for title, names in groups for name in names if name in SETTINGS)
    assert set(SETTINGS) <= set(PolicyForm.base_fields)


def form_data(**changes):
    data: dict[str, object] = {"name": "draft", "summary": "Civil comments only."}
    for name, setting in SETTINGS.items():
        data[name] = "" if setting.kind is Kind.WORDS else setting.default  # no word is listed by default
    return {**data, **changes}


@pytest.mark.django_db
def test_the_admin_form_takes_every_setting_and_refuses_each_out_of_bounds_by_name():
    assert PolicyForm(data=form_data(**{name: other_value(name) for name in SETTINGS})).is_valid()
    for name, setting in SETTINGS.items():
        if setting.kind is Kind.CHANCE:
            form = PolicyForm(data=form_data(**{name: 1.5}))
            assert not form.is_valid()
            assert form.errors[name] == [f"{name} is a chance between 0 and 1, not 1.5."]


@pytest.mark.django_db  # which model is live is read from the database
def test_the_core_policy_of_a_row_has_every_setting_of_the_row():
    assert all(getattr(policy_from_record(ModerationPolicy()), n) == s.default for n, s in SETTINGS.items())
    record = ModerationPolicy(**{name: other_value(name) for name in SETTINGS})
    policy = policy_from_record(record)
    for name, setting in SETTINGS.items():
        expected = ("grifter", "shill") if setting.kind is Kind.WORDS else other_value(name)
        assert getattr(policy, name) == expected, name


@pytest.mark.django_db  # which model is live is read from the database
def test_a_policy_file_for_the_simulator_is_checked_setting_by_setting(tmp_path):
    path = tmp_path / "strict.json"
    path.write_text(json.dumps({name: other_value(name) for name in SETTINGS}), encoding="utf-8")
    label, policy = resolve_policy(str(path))
    assert label == "strict" and policy == Policy.from_dict({name: other_value(name) for name in SETTINGS})
    for content, message in [
        ({"mode": "everything"}, "policy file .*: mode must be one of 'auto', 'hold_all', 'publish_all'"),
        ({"blocked_words": {"idiot": 1}}, "policy file .*: blocked_words must be a list of words"),
        ({"shouting_hold": 80}, "policy file .*: shouting_hold is a chance between 0 and 1, not 80"),
        ({"max_links": "2"}, "policy file .*: max_links must be a whole number of 0 or more, not '2'"),
        ({"spam_hodl": 0.4}, "did you mean 'spam_hold'"),
    ]:
        path.write_text(json.dumps(content), encoding="utf-8")
        with pytest.raises(SimulationSetupError, match=message):
            resolve_policy(str(path))
    path.write_text("{mode: auto}", encoding="utf-8")
    with pytest.raises(SimulationSetupError, match="policy file .*: not valid JSON"):
        resolve_policy(str(path))
