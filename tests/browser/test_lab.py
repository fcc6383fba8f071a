"""The policy lab end to end in Chromium: a draft against the live policy, run in the background."""

import pytest

from factories import make_seed_article
from lab.models import LabRun
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_runs_a_draft_against_the_live_policy_and_reopens_it(live_server, page, django_user_model):
    forget_active_policy()
    django_user_model.objects.create_superuser("editor", "editor@example.com", "a-long-test-password")
    article = make_seed_article()
    ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    page.goto(live_server.url + "/admin/login/?next=/staff/lab/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/staff/lab/")
    form = page.locator("#lab-form")
    form.get_by_label("Draft policy").select_option(label="everything-waits")
    form.get_by_label("Stream").select_option("generated")
    form.get_by_label("Article (generated or real)").select_option(label=article.headline)
    form.get_by_label("Comments", exact=True).fill("2000")
    form.get_by_role("button", name="Run the comparison").click()
    page.wait_for_url("**/staff/lab/*/")
    # The job runs in the background; the page shows its progress and reloads itself until it is done.
    page.wait_for_selector("#lab-table", timeout=120_000)
    assert "Done: 2000 comments" in page.locator("#lab-state").inner_text()
    held = page.locator("#lab-table tr", has_text="held share").inner_text()
    assert "100.0%" in held
    assert page.locator("#lab-changes tbody tr").count() > 0
    run = LabRun.objects.get()
    assert run.state == "done"
    page.goto(live_server.url + "/staff/lab/")
    page.get_by_role("link", name="everything-waits vs default").click()
    page.wait_for_selector("#lab-table")
    forget_active_policy()
