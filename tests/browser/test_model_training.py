"""The training page in Chromium: an editor trains a candidate, makes it live in one click, and rolls back."""

import json

import pytest

from desk.roles import ensure_editors_group
from policies.models import LearnedModel, ModelEvent
from policies.selectors import forget_model, model_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASES = [
    "The parliament vote on the budget will decide what happens next",
    "Talks in Doha matter for the peace process",
    "Khalilzad's visit to Pakistan was useful",
]


def test_an_editor_trains_a_candidate_makes_it_live_and_rolls_back(live_server, page, django_user_model, settings,
                                                                  tmp_path):  # fmt: skip
    settings.VAR_DIR = tmp_path
    forget_model()
    (tmp_path / "training").mkdir()
    with (tmp_path / "training" / "zorblax.jsonl").open("w", encoding="utf-8") as out:
        for n in range(30):
            base = BASES[n % len(BASES)]
            out.write(json.dumps({"text": f"{base}, point {n}.", "abusive": False}) + "\n")
            out.write(json.dumps({"text": f"Zorblax! {base}, zorblax {n}.", "abusive": True}) + "\n")
    editor = django_user_model.objects.create_user("editor", password="a-long-test-password", is_staff=True)
    editor.groups.add(ensure_editors_group())
    page.goto(live_server.url + "/admin/login/?next=/staff/models/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/staff/models/")
    assert "Live model: newsroom-abuse" in page.locator("#live-model h2").inner_text()

    form = page.locator("#train-form")
    form.get_by_label("Name (optional)").fill("site-zorblax")
    form.get_by_label("zorblax.jsonl").check()
    form.get_by_role("button", name="Train a candidate").click()  # the tests' task backend trains at once
    page.wait_for_url("**/staff/models/?model=*", timeout=120_000)
    assert "Training site-zorblax in the background" in page.locator(".nr-messages").inner_text()
    row = page.locator("#model-list tr", has_text="site-zorblax")
    assert "Candidate" in row.inner_text()

    row.get_by_role("button", name="Make live").click()
    page.wait_for_selector(".nr-messages")
    assert "site-zorblax is now the live model" in page.locator(".nr-messages").inner_text()
    assert "Live model: site-zorblax" in page.locator("#live-model h2").inner_text()
    live = model_status().model
    assert live is not None and live.name == "site-zorblax"

    page.get_by_role("button", name="Roll back to newsroom-abuse").click()
    page.wait_for_selector(".nr-messages")
    assert "Rolled back: newsroom-abuse" in page.locator(".nr-messages").inner_text()
    assert "Live model: newsroom-abuse" in page.locator("#live-model h2").inner_text()
    assert LearnedModel.objects.get(name="site-zorblax").state == LearnedModel.State.RETIRED
    history = page.locator("#model-events").inner_text()
    assert "Rolled back" in history and "Made live" in history and "editor" in history
    assert list(ModelEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "train", "trained", "live", "rollback",
    ]  # fmt: skip
    assert not page.console_errors
    forget_model()
