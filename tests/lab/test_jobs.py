"""Lab jobs as tasks: enqueued once stored, their state on their own row, and never "running" forever.

Tasks run at once here (tests/conftest.py); tests/lab/test_worker.py runs them through the real worker.
"""

import datetime as dt
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from factories import DATABASE_TASKS, make_seed_article
from lab import runs, tasks
from lab.models import LabRun, SimulationRun
from policies.models import ModerationPolicy

pytestmark = pytest.mark.django_db


def lab_run(**fields) -> LabRun:
    draft = ModerationPolicy.objects.create(name=f"draft-{LabRun.objects.count()}", mode="hold_all")
    values = {"draft": draft, "draft_name": draft.name, "live_name": "default", "article": make_seed_article(),
              "stream": "generated", "parameters": {"comments": 50, "seed": 1}}  # fmt: skip
    return LabRun.objects.create(**{**values, **fields})


def test_starting_a_run_enqueues_its_task_once_the_run_is_stored(settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    run = lab_run()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.lab_run_start(run)
        assert not DBTaskResult.objects.exists()  # not before the commit
    task = DBTaskResult.objects.get()
    run.refresh_from_db()
    assert (task.task_path, task.status, task.args_kwargs["args"]) == ("lab.tasks.lab_run", "READY", [run.pk])
    assert run.task_id == str(task.id) and run.state == LabRun.State.QUEUED


def test_a_run_beats_as_it_goes_and_its_task_fails_with_it(django_capture_on_commit_callbacks):
    from lab import tasks

    run = lab_run()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.lab_run_start(run)  # the immediate backend runs it here
    run.refresh_from_db()
    assert run.state == "done" and run.heartbeat_at is not None and run.task_id
    broken = lab_run(parameters={"comments": 50, "seed": 1})
    assert broken.draft is not None
    broken.draft.delete()
    result = tasks.lab_run.enqueue(broken.pk)
    broken.refresh_from_db()
    assert broken.state == "failed" and broken.error == "the draft policy was deleted"
    assert result.status == "FAILED" and result.errors[0].exception_class_path == "lab.runs.JobFailed"


def test_a_run_cut_short_in_its_process_says_so_at_once():
    run = lab_run()
    with mock.patch.object(runs, "run_pipeline", side_effect=SystemExit(1)), pytest.raises(SystemExit):
        runs.run(run.pk)  # what the worker's second stop signal does to a task
    run.refresh_from_db()
    assert run.state == "failed" and run.error == runs.INTERRUPTED


def test_runs_whose_worker_stopped_are_marked_failed_when_the_lab_reads_them(admin_client):
    long_ago = timezone.now() - runs.STALE_AFTER - dt.timedelta(seconds=1)
    stale = lab_run(state="running", progress=0.4, heartbeat_at=long_ago)
    alive = lab_run(state="running", progress=0.4, heartbeat_at=timezone.now())
    before_heartbeats = lab_run(state="running")  # a run of the thread days, never beating
    LabRun.objects.filter(pk=before_heartbeats.pk).update(created_at=long_ago)
    simulation = SimulationRun.objects.create(label="s", state="running", heartbeat_at=long_ago)
    page = admin_client.get("/staff/lab/").content.decode()
    assert page.count("Failed") == 2 and page.count("Running") == 1
    states = dict(LabRun.objects.values_list("pk", "state"))
    assert (states[stale.pk], states[alive.pk], states[before_heartbeats.pk]) == ("failed", "running", "failed")
    assert LabRun.objects.get(pk=stale.pk).error == "interrupted: the worker stopped; start it again"
    failed = admin_client.get(f"/staff/simulations/{simulation.pk}/").content.decode()
    assert "It failed: interrupted: the worker stopped; start it again" in failed


def test_a_run_never_handed_to_the_queue_does_not_wait_for_ever():
    long_ago = timezone.now() - runs.STALE_AFTER - dt.timedelta(seconds=1)
    lost, waiting, just_stored = (
        lab_run(state="queued"),
        lab_run(state="queued", task_id="t-1"),
        lab_run(state="queued"),
    )
    LabRun.objects.filter(pk__in=[lost.pk, waiting.pk]).update(created_at=long_ago)
    assert runs.jobs_mark_interrupted() == 1
    states = dict(LabRun.objects.values_list("pk", "state"))
    # A run with its task waits for a worker however long; one stored a moment ago is being enqueued.
    assert (states[lost.pk], states[waiting.pk], states[just_stored.pk]) == ("failed", "queued", "queued")


def test_the_sweep_costs_one_query_a_kind_of_job_when_nothing_is_stale(django_assert_num_queries):
    lab_run(state="running", heartbeat_at=timezone.now())
    with django_assert_num_queries(2):
        assert runs.jobs_mark_interrupted() == 0


def test_a_simulation_in_the_background_is_queued_then_filled_by_its_task(django_capture_on_commit_callbacks, client,
                                                                          admin_user, settings):  # fmt: skip
    settings.DEBUG = True
    slug = make_seed_article().slug
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        call_command("simulate", "--article", slug, "--comments", "120", "--seed", "2", "--background", stdout=out)
    run = SimulationRun.objects.get()
    assert run.state == "queued" and not run.comments.exists() and len(queued) == 1
    assert f"Queued as simulation #{run.pk}" in out.getvalue()
    client.force_login(admin_user)
    waiting = client.get(f"/staff/simulations/{run.pk}/").content.decode()
    assert 'id="simulation-progress"' in waiting and 'http-equiv="refresh"' in waiting
    queued[0]()  # the commit: the task is enqueued (and, here, run at once)
    run.refresh_from_db()
    assert (run.state, run.progress, run.report["total"], run.comments.count()) == ("done", 1.0, 120, 120)
    assert run.heartbeat_at is not None and run.finished_at is not None
    done = client.get(f"/staff/simulations/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in done and 'id="confusion"' in done


def test_background_is_for_database_runs_only(settings):
    settings.DEBUG = True
    slug = make_seed_article().slug
    with pytest.raises(CommandError, match="not with --dry-run or --compare"):
        call_command("simulate", "--article", slug, "--background", "--dry-run", stdout=io.StringIO())
    assert not SimulationRun.objects.exists()


def test_retraining_in_the_background_checks_first_and_runs_the_same_command(tmp_path):
    import json

    with pytest.raises(CommandError, match="no such file; nothing was queued"):
        call_command("train_filter", "--data", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "m.nrm"),
                     "--background", stdout=io.StringIO())  # fmt: skip
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps({"text": f"remark {i} on the talks", "abusive": i % 2 == 1}) + "\n"
                            for i in range(40)), encoding="utf-8")  # fmt: skip
    out = io.StringIO()
    call_command("train_filter", "--data", str(data), "--out", str(tmp_path / "m.nrm"), "--background", stdout=out)
    assert "Queued as task" in out.getvalue() and (tmp_path / "m.nrm").exists()  # run at once here


def test_the_worker_fails_other_task_rows_left_running_long_ago():
    from django_tasks_db.models import DBTaskResult

    long_ago = timezone.now() - runs.TASK_STALE_AFTER - dt.timedelta(minutes=1)
    for path in ("outbox.tasks.send_due", "lab.tasks.retrain", "lab.tasks.lab_run"):
        DBTaskResult.objects.create(task_path=path, status="RUNNING", started_at=long_ago, backend_name="default",
                                    args_kwargs={"args": [], "kwargs": {}})  # fmt: skip
    DBTaskResult.objects.create(task_path="lab.tasks.retrain", status="RUNNING", started_at=timezone.now(),
                                backend_name="default", args_kwargs={"args": [], "kwargs": {}})  # fmt: skip
    runs.jobs_mark_interrupted()  # a page's sweep leaves task rows without a job alone
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 4
    runs.jobs_mark_interrupted(tasks=True)  # the worker's, at its start
    statuses = sorted(DBTaskResult.objects.values_list("task_path", "status"))
    assert statuses == [("lab.tasks.lab_run", "RUNNING"), ("lab.tasks.retrain", "FAILED"),
                        ("lab.tasks.retrain", "RUNNING"), ("outbox.tasks.send_due", "FAILED")]  # fmt: skip
    failed = DBTaskResult.objects.filter(status="FAILED").first()
    assert failed is not None and failed.task_result.errors[0].exception_class is runs.JobInterrupted


def test_the_simulations_page_lists_runs_without_a_report_yet(admin_client):
    for state in ("queued", "running", "failed"):
        SimulationRun.objects.create(label=f"a {state} run", state=state, heartbeat_at=timezone.now())
    page = admin_client.get("/staff/simulations/")
    assert page.status_code == 200
    assert all(f"a {state} run" in page.content.decode() for state in ("queued", "running", "failed"))
