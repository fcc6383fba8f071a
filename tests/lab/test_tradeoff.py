"""The learned model's trade-off curve in the policy lab, and a point of it kept as a draft policy."""

import re

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.services import comment_approve, comment_reject
from desk.roles import ensure_editors_group, ensure_moderators_group
from factories import HOLD_ALL, make_comment, make_scored_comments, make_seed_article, spread
from lab import runs
from lab.models import LabRun
from policies import shares
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record, forget_active_policy, forget_model

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_policy")]

CLEAN = "The talks in Doha need Pakistan's help, and the Taliban know it."
ABUSIVE = "You are a brainless idiot and everyone here is sick of your garbage."


def live(**settings):
    record = active_policy_record()
    ModerationPolicy.objects.filter(pk=record.pk).update(**settings)
    forget_active_policy()
    return ModerationPolicy.objects.get(pk=record.pk)


def stored(**lookup):
    """A policy's settings as saved (its columns are made from their declarations: read as data here)."""
    return ModerationPolicy.objects.filter(**lookup).values().get()


def recent(n, low=0.0, high=1.0):
    """Real comments scored by the model as the filter stores them: the site's recent traffic."""
    make_scored_comments(spread(n, low, high))


def decided(moderator, *, clean=3, abusive=2):
    article = make_seed_article()
    for n in range(clean):
        comment_approve(comment=make_comment(article, body=f"{CLEAN} ({n})", policy=HOLD_ALL), actor=moderator)
    for n in range(abusive):
        comment = make_comment(article, body=f"{ABUSIVE} ({n})", policy=HOLD_ALL)
        comment_reject(comment=comment, actor=moderator, reason="abusive")


def cell_texts(html, row_id="tradeoff-live-row"):
    row = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {row_id}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1))]


def test_the_lab_shows_the_curve_from_the_sites_decisions_and_the_public_sets(admin_client, admin_user):
    live(model_hold_share=0.0, model_hold=0.61)
    decided(admin_user)
    recent(400)
    page = admin_client.get("/staff/lab/").content.decode()
    assert 'id="tradeoff-chart"' in page and 'id="tradeoff-table"' in page
    assert "Holds at a fixed learned-model score of 0.610." in page
    level, traffic, site_clean, site_caught, public_clean, public_caught = cell_texts(page)
    assert level == "0.610 (the live policy)"
    assert traffic == "39.0 %"  # of the 400 recent scores spread over 0-1, those from 0.61
    # The shipped model on the public test sets at its fixed level (docs/moderation.md quotes these).
    assert (public_clean, public_caught) == ("9.5 %", "61.8 %")
    assert "This site's decisions (3 clean, 2 abusive)" in page
    assert site_caught == "100.0 %" and site_clean.endswith("%")
    assert 'action="/staff/lab/"' in page and 'name="action" value="draft-from-curve"' in page


def test_a_point_kept_as_a_share_becomes_a_draft_and_the_live_policy_is_untouched(admin_client, admin_user):
    before = live(model_hold_share=0.0, model_hold=0.61, spam_hold=0.4)
    recent(400)
    response = admin_client.post("/staff/lab/", {"action": "draft-from-curve", "point": "0.900", "keep": "share"})
    draft = stored(is_active=False)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/policies/moderationpolicy/{draft['id']}/change/"
    assert draft["model_hold_share"] == pytest.approx(0.1)  # the 40 of 400 recent comments from 0.9
    assert (draft["model_hold"], draft["spam_hold"], draft["is_shadow"]) == (0.61, 0.4, False)  # the rest copied
    assert draft["name"].startswith("default-top10pct-")
    after = stored(pk=before.pk)
    assert (after["is_active"], after["model_hold_share"], after["model_hold"]) == (True, 0.0, 0.61)
    entry = LogEntry.objects.get(object_id=str(draft["id"]))
    assert (entry.user, entry.action_flag) == (admin_user, ADDITION)
    assert "model_hold_share 0.1" in entry.change_message
    page = admin_client.get(response["Location"]).content.decode()
    assert "saved: it holds the top 10 % of comments" in page


def test_a_point_kept_as_a_score_or_a_typed_share_makes_its_draft(admin_client):
    live(model_hold_share=0.15, model_hold=0.61)
    admin_client.post("/staff/lab/", {"action": "draft-from-curve", "point": "0.550", "keep": "score"})
    at_score = stored(is_active=False)
    assert (at_score["model_hold"], at_score["model_hold_share"]) == (0.55, 0.0)
    ModerationPolicy.objects.filter(is_active=False).delete()
    # A typed share needs no recent comments: it holds at the fixed level until the site has enough.
    admin_client.post("/staff/lab/", {"action": "draft-from-curve", "point": "", "keep": "share", "share": "0.08"})
    typed = stored(is_active=False)
    assert (typed["model_hold"], typed["model_hold_share"]) == (0.61, 0.08)


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ({"share": "1.5"}, "A share is a number above 0 and at most 1 (0.15 holds the top 15 % of comments), not 1.5."),
        ({"share": "-0.1"}, "not -0.1"),
        ({"share": "0"}, "not 0."),
        ({"share": "lots"}, "Enter a number."),
        ({"point": "", "keep": "share"}, "Choose a point of the curve, or type a share of comments to hold."),
        ({}, "Choose a point of the curve"),
        ({"point": "0.333", "keep": "score"}, "That point is not on the curve (any more): choose one of the list."),
        ({"point": "<script>", "keep": "score"}, "That point is not on the curve"),
        # Too few recent comments for a share: 120 here.
        ({"point": "0.900", "keep": "share"}, "a share needs 200: keep this point as a fixed score."),
    ],
)
def test_bad_input_shows_the_form_again_with_what_is_wrong(admin_client, sent, said):
    recent(120)
    response = admin_client.post("/staff/lab/", {"action": "draft-from-curve", **sent})
    page = response.content.decode()
    assert response.status_code == 400
    assert said in page and 'id="curve-form"' in page and 'id="lab-form"' in page
    assert "<script>" not in page.split('id="curve-form"')[1].split("</form>")[0]
    assert not ModerationPolicy.objects.filter(is_active=False).exists()


def test_without_a_model_there_is_no_curve_and_a_point_is_refused(admin_client, settings, tmp_path):
    settings.MODERATION_MODEL = str(tmp_path / "gone.nrm")
    forget_model()
    page = admin_client.get("/staff/lab/").content.decode()
    assert "No learned model is loaded" in page and 'id="tradeoff-table"' not in page
    assert 'id="curve-form"' not in page
    response = admin_client.post("/staff/lab/", {"action": "draft-from-curve", "point": "0.500", "keep": "score"})
    assert response.status_code == 400
    assert not ModerationPolicy.objects.filter(is_active=False).exists()


def test_only_those_who_may_open_the_lab_may_keep_a_point(client, django_user_model):
    recent(300)
    moderator = django_user_model.objects.create_user("moira", is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    client.force_login(moderator)
    sent = {"action": "draft-from-curve", "point": "0.500", "keep": "score"}
    assert client.post("/staff/lab/", sent).status_code == 403
    client.logout()
    assert client.post("/staff/lab/", sent).status_code == 302  # to the admin's log-in
    editor = django_user_model.objects.create_user("eddie", is_staff=True)
    editor.groups.add(ensure_editors_group())
    client.force_login(editor)
    assert ModerationPolicy.objects.filter(is_active=False).count() == 0
    assert client.post("/staff/lab/", sent).status_code == 302
    assert stored(is_active=False)["model_hold"] == 0.5


def test_the_curve_costs_the_lab_page_no_query_once_read(admin_client, admin_user, monkeypatch):
    decided(admin_user)
    recent(300)
    admin_client.get("/staff/lab/")  # the curve's series and the recent scores are read, then cached
    with CaptureQueriesContext(connection) as warm:
        assert admin_client.get("/staff/lab/").status_code == 200
    decided(admin_user, clean=10, abusive=10)
    recent(300)

    def unread(*args):
        raise AssertionError("read again while cached")

    monkeypatch.setattr(shares, "_read_recent", unread)
    monkeypatch.setattr("lab.views.decision_records", unread)
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get("/staff/lab/").status_code == 200
    assert len(more) == len(warm) <= 12


def test_a_lab_run_says_at_what_level_each_policy_held(admin_client):
    recent(50)  # too few for a share
    article = make_seed_article()
    live(model_hold_share=0.0, model_hold=0.61)
    draft = ModerationPolicy.objects.create(name="top-tenth", model_hold_share=0.1)
    run = LabRun.objects.create(draft=draft, draft_name=draft.name, live_name="default", article=article,
                                stream="generated", parameters={"comments": 50, "seed": 1})  # fmt: skip
    runs.run(run.pk)
    run.refresh_from_db()
    assert run.state == "done", run.error
    assert run.result["hold_levels"]["live"] == "Holds at a fixed learned-model score of 0.610."
    assert "Set to hold the top 10 % of comments" in run.result["hold_levels"]["draft"]
    page = admin_client.get(f"/staff/lab/{run.pk}/").content.decode()
    assert 'id="lab-hold-levels"' in page and "a share needs 200" in page
