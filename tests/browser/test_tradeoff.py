"""An editor chooses the learned model's hold level on its trade-off curve, in Chromium, and gets a draft."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from comments.models import Comment
from comments.services import comment_approve, comment_reject
from factories import HOLD_ALL, make_comment, make_seed_article
from policies import shares
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy, forget_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def assert_accessible(page, what):
    page.wait_for_load_state("load")
    results = Axe().run(page, options=WCAG_A_AA)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_an_editor_picks_a_point_of_the_curve_and_gets_a_draft(live_server, page, django_user_model):
    forget_model()
    forget_active_policy()
    shares.forget()
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "a-long-test-password")
    article = make_seed_article()
    for n, body in enumerate(["Pakistan's help matters in Doha.", "The Taliban talks are stalling.", "Good report."]):
        comment_approve(comment=make_comment(article, body=f"{body} ({n})", policy=HOLD_ALL), actor=editor)
    for n, body in enumerate(["You brainless idiot.", "Shut up, moron, nobody asked you.", "What a pathetic clown."]):
        comment_reject(
            comment=make_comment(article, body=f"{body} ({n})", policy=HOLD_ALL), actor=editor, reason="abusive"
        )
    now = timezone.now()
    Comment.objects.bulk_create(
        Comment(
            article=article,
            author_name="R",
            author_email="r@example.com",
            body=f"Remark {i}.",
            created_at=now - dt.timedelta(minutes=i),
            status=Comment.Status.PUBLISHED,
            scores={"model": round(i / 400, 3)},
        )  # fmt: skip
        for i in range(400)
    )
    page.goto(live_server.url + "/admin/login/?next=/staff/lab/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/staff/lab/")
    table = page.get_by_role("table", name="The learned model's hold levels")
    live = table.locator("#tradeoff-live-row")
    assert "(the live policy)" in live.inner_text()
    assert page.locator("#tradeoff-chart img").evaluate("img => img.complete && img.naturalWidth > 0")
    page.locator("#tradeoff").screenshot(path=str(page.shots / "tradeoff.png"))
    assert_accessible(page, "the lab with the curve, its table and its form")

    form = page.locator("#curve-form")
    form.get_by_role("button", name="Save as a draft").click()  # nothing chosen yet
    assert "Choose a point of the curve" in page.get_by_role("alert").inner_text()
    assert_accessible(page, "the curve's form with what was wrong")
    page.console_errors.clear()  # the page's own 400, the answer to the form sent empty
    form = page.locator("#curve-form")
    form.get_by_label("A point of the curve").select_option("0.800")
    form.get_by_label("the share of comments it holds now").check()
    form.get_by_role("button", name="Save as a draft").click()
    page.wait_for_url("**/admin/policies/moderationpolicy/*/change/")
    assert "saved: it holds the top 20 % of comments" in page.locator(".messagelist").inner_text()
    draft = ModerationPolicy.objects.filter(is_active=False).values("model_hold_share").get()
    assert draft["model_hold_share"] == pytest.approx(0.2)
    assert page.get_by_label("Model hold share").input_value() == "0.2"
    assert not page.console_errors
    forget_active_policy()
