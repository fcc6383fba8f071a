"""The policy lab: a draft against the live policy as a background job, and shadow mode."""

import pytest

from comments.models import Comment
from comments.services import comment_approve, comment_post, comment_report
from factories import make_comment, make_seed_article
from lab import runs
from lab.models import LabRun
from policies.models import ModerationPolicy
from policies.services import policy_shadow

pytestmark = pytest.mark.django_db


def test_a_comparison_runs_as_a_job_and_keeps_its_result(admin_client, django_capture_on_commit_callbacks):
    article = make_seed_article()
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    with django_capture_on_commit_callbacks(execute=False) as started:
        response = admin_client.post(
            "/staff/lab/",
            {"draft": draft.pk, "stream": "generated", "article": article.pk, "comments": 300, "seed": 3,
             "moderators": 1, "review_seconds": 30},
        )  # fmt: skip
    run = LabRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/lab/{run.pk}/"
    assert len(started) == 1  # the job starts once the run is stored, not during the request
    waiting = admin_client.get(f"/staff/lab/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in waiting and 'id="lab-progress"' in waiting
    runs.run(run.pk)  # what its task does, in the worker
    run.refresh_from_db()
    assert run.state == LabRun.State.DONE and run.progress == 1.0
    table = {name: (a, b) for name, a, b, _ in run.result["table"]}
    assert table["published"][1] == "0" and table["held"][1] == "300"
    assert run.result["changed"] == int(table["published"][0]) + int(table["rejected"][0])
    page = admin_client.get(f"/staff/lab/{run.pk}/").content.decode()
    assert "refresh" not in page and "change fate" in page and 'id="lab-changes"' in page
    assert "everything-waits vs default" in admin_client.get("/staff/lab/").content.decode()  # listed, reopenable


def test_the_last_real_comments_carry_the_moderators_decisions(admin_user, admin_client):
    article = make_seed_article()
    kept = make_comment(article, body="The Doha talks need Pakistan.")
    make_comment(article, body="Another remark on Kabul.")
    comment_approve(comment=kept, actor=admin_user)
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    run = LabRun.objects.create(draft=draft, draft_name=draft.name, live_name="default", article=article,
                                stream="real", parameters={"comments": 10})  # fmt: skip
    runs.run(run.pk)
    run.refresh_from_db()
    assert run.state == "done" and run.result["comments"] == 2
    assert {c["id"] for c in run.result["changes"]} == {str(c.pk) for c in Comment.objects.all()}
    assert (
        f"/admin/desk/reviewqueueitem/{kept.pk}/change/" in admin_client.get(f"/staff/lab/{run.pk}/").content.decode()
    )


def test_bad_lab_input_is_named_and_nothing_runs(admin_client):
    draft = ModerationPolicy.objects.create(name="d")
    page = admin_client.post("/staff/lab/", {"draft": draft.pk, "stream": "replay", "comments": 10, "seed": 1,
                                             "moderators": 1, "review_seconds": 30})  # fmt: skip
    assert (
        page.status_code == 400 and "Upload the file to replay, or choose one on the server." in page.content.decode()
    )
    assert not LabRun.objects.exists()


def test_a_moderator_cannot_open_the_lab(client, django_user_model):
    from desk.roles import ensure_moderators_group

    mod = django_user_model.objects.create_user("m", password="x-long-password", is_staff=True)
    mod.groups.add(ensure_moderators_group())
    client.force_login(mod)
    assert client.get("/staff/lab/").status_code == 403


def test_shadow_mode_judges_beside_the_live_policy_and_learns_who_was_right(admin_user, admin_client):
    article = make_seed_article()
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    policy_shadow(policy=draft, actor=admin_user)
    posted = comment_post(article=article, author_name="A", author_email="a@example.com",
                          body="Pakistan's role in the Doha talks is central.").comment  # fmt: skip
    assert posted.status == Comment.Status.PUBLISHED  # the live policy alone decides
    assert (posted.shadow_decision, posted.shadow_policy) == ("hold", "everything-waits")
    record = runs.shadow_record()
    assert record is not None
    assert (record.judged, record.disagreed, record.decided) == (1, 1, 0)
    comment_report(comment=posted, reason="off_topic")  # a reader disagrees with the live policy
    comment_approve(comment=posted, actor=admin_user)  # a moderator keeps it: publishing was right
    record = runs.shadow_record()
    assert record is not None
    assert (record.decided, record.live_right, record.shadow_right) == (1, 1, 0)
    page = admin_client.get("/staff/lab/").content.decode()
    assert "the live policy was right on 1, the shadow on 0" in page


def test_a_replay_file_uploaded_or_on_the_server(admin_client, settings, tmp_path):
    import json

    settings.VAR_DIR = tmp_path
    (tmp_path / "replays").mkdir()
    lines = [json.dumps({"text": t, "abusive": a}) for t, a in [("Doha matters.", False), ("You idiot.", True)]] * 5
    (tmp_path / "replays" / "night.jsonl").write_text("\n".join(lines) + "\n")
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    form = admin_client.get("/staff/lab/").content.decode()
    assert '<option value="night.jsonl">night.jsonl</option>' in form
    fields = {"draft": draft.pk, "stream": "replay", "comments": 10, "seed": 1, "moderators": 1, "review_seconds": 30}
    admin_client.post("/staff/lab/", {**fields, "replay_on_disk": "night.jsonl"})
    with (tmp_path / "replays" / "night.jsonl").open("rb") as upload:
        admin_client.post("/staff/lab/", {**fields, "replay": upload})
    for run in LabRun.objects.order_by("id"):
        runs.run(run.pk)
        run.refresh_from_db()
        assert run.state == "done" and run.result["comments"] == 10, run.error
    refused = admin_client.post("/staff/lab/", {**fields, "replay_on_disk": "../db.sqlite3"})
    assert refused.status_code == 400 and LabRun.objects.count() == 2


def test_a_replay_uploaded_on_one_machine_is_run_by_a_worker_whose_shared_folder_is_mounted_elsewhere(
    admin_client, settings, tmp_path
):
    """The upload is named relative to the var folder, so a worker on another machine, with the same shared
    folder mounted at another path, finds it."""
    import json
    import shutil

    settings.VAR_DIR = tmp_path / "web"
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    lines = [json.dumps({"text": t, "abusive": a}) for t, a in [("Doha matters.", False), ("You idiot.", True)]] * 3
    upload = tmp_path / "night.jsonl"
    upload.write_text("\n".join(lines) + "\n")
    fields = {"draft": draft.pk, "stream": "replay", "comments": 6, "seed": 1, "moderators": 1, "review_seconds": 30}
    with upload.open("rb") as sent:
        assert admin_client.post("/staff/lab/", {**fields, "replay": sent}).status_code == 302
    shutil.move(tmp_path / "web", tmp_path / "worker")  # the same folder, where the worker's machine mounts it
    settings.VAR_DIR = tmp_path / "worker"
    run = LabRun.objects.get()
    runs.run(run.pk)
    run.refresh_from_db()
    assert run.state == "done" and run.result["comments"] == 6, run.error


def test_a_lab_with_no_draft_says_how_to_make_one(admin_client):
    make_seed_article()
    page = admin_client.get("/staff/lab/").content.decode()
    assert 'id="no-drafts"' in page and "Copy to a new draft" in page
    ModerationPolicy.objects.create(name="a-draft", mode="hold_all")
    assert 'id="no-drafts"' not in admin_client.get("/staff/lab/").content.decode()


def test_an_editor_may_have_only_so_many_runs_waiting_or_running(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.LAB_RUNS_PER_EDITOR = 2
    article = make_seed_article()
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    form = {"draft": draft.pk, "stream": "generated", "article": article.pk, "comments": 300, "seed": 3,
            "moderators": 1, "review_seconds": 30}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):  # stored, not yet run: they wait
        assert [admin_client.post("/staff/lab/", form).status_code for _ in range(2)] == [302, 302]
        refused = admin_client.post("/staff/lab/", form)
    assert refused.status_code == 400 and "2 lab runs waiting or running" in refused.content.decode()
    assert LabRun.objects.count() == 2
    LabRun.objects.update(state=LabRun.State.DONE)  # once they are done, another may start
    with django_capture_on_commit_callbacks(execute=False):
        assert admin_client.post("/staff/lab/", form).status_code == 302
