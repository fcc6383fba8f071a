"""Background work through the real worker: ``manage.py worker`` in its own process, against a real database.

pytest-django's SQLite database lives in this process's memory, where no other process can see it; so these
tests set up a database of their own (a SQLite file, or a fresh PostgreSQL database beside the one the suite
was given in DATABASE_URL), migrate it, and do everything in processes of their own: the site's side (a
request, a command) enqueues, the worker runs, a last process reads what came of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent.parent

# Run first in each process: Django set up, and what the snippets read with.
PRELUDE = """
import json, datetime as dt
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from lab.models import LabRun, SimulationRun
from outbox.models import OutboundEmail
"""


class Site:
    """A migrated database of its own, and the environment that points Django's processes at it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env}, capture_output=True,
            text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def python(self, code: str, **env: str) -> Any:
        """Run ``code`` in a process of its own; what it leaves in ``result`` comes back (through JSON)."""
        script = PRELUDE + textwrap.dedent(code) + "\nprint('RESULT=' + json.dumps(result, default=str))\n"
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT="))
        return json.loads(line.removeprefix("RESULT="))

    def worker_batch(self, **env: str) -> float:
        """Run the worker until nothing is due; how long it took, start to exit."""
        started = time.monotonic()
        self.manage("worker", "--batch", **env)
        return time.monotonic() - started


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worker-site")
    given = os.environ.get("DATABASE_URL", "")
    dropped: list[str] = []
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(given)
        name = f"newsroom_worker_{uuid.uuid4().hex[:8]}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        dropped.append(name)
        url = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        admin = ""
        url = f"sqlite:///{folder / 'db.sqlite3'}"
    env = {
        **os.environ, "DATABASE_URL": url, "NEWSROOM_VAR_DIR": str(folder), "DEBUG": "1", "HTTPS": "0",
        "ALLOWED_HOSTS": "testserver,localhost", "COMMENTS_RATE_PER_IP": "", "COMMENTS_RATE_PER_EMAIL": "",
        "REPORTS_RATE_PER_IP": "", "PYTHONPATH": str(ROOT), "EMAIL_BACKEND": "",
    }  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    site = Site(env)
    site.manage("migrate", "--noinput", "-v", "0")
    site.python(
        """
        from factories import make_seed_article
        result = make_seed_article().slug
        """
    )
    yield site
    if dropped:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{dropped[0]}" WITH (FORCE)')


def test_a_lab_run_started_on_the_page_is_run_by_the_worker(site):
    started = site.python(
        """
        from django.contrib.auth import get_user_model
        from django.test import Client
        from articles.models import Article
        from policies.models import ModerationPolicy

        editor = get_user_model().objects.create_superuser("editor-lab", "e@example.com", "a-long-password")
        draft = ModerationPolicy.objects.create(name="waits-lab", mode="hold_all")
        client = Client()
        client.force_login(editor)
        response = client.post("/staff/lab/", {"draft": draft.pk, "stream": "generated", "comments": 300, "seed": 3,
                                               "article": Article.objects.get().pk, "moderators": 1, "review_seconds": 30})
        run = LabRun.objects.get(draft_name="waits-lab")
        page = client.get(f"/staff/lab/{run.pk}/").content.decode()
        task = DBTaskResult.objects.get(id=run.task_id)
        result = {"status": response.status_code, "pk": run.pk, "state": run.state, "task": task.status,
                  "path": task.task_path, "waiting": "the worker takes it next" in page}
        """
    )
    # The request stored the run and its task; nothing ran it yet.
    assert started["status"] == 302 and started["state"] == "queued" and started["waiting"]
    assert (started["task"], started["path"]) == ("READY", "lab.tasks.lab_run")
    site.worker_batch()
    done = site.python(
        f"""
        run = LabRun.objects.get(pk={started["pk"]})
        task = DBTaskResult.objects.get(id=run.task_id)
        result = {{"state": run.state, "progress": run.progress, "comments": run.result.get("comments"),
                   "beat": run.heartbeat_at is not None, "task": task.status, "returned": task.return_value}}
        """
    )
    assert done == {"state": "done", "progress": 1.0, "comments": 300, "beat": True, "task": "SUCCESSFUL",
                    "returned": "done"}  # fmt: skip


def test_emails_are_sent_by_the_worker_and_a_failure_is_tried_again_at_its_time(site, smtp, settings):
    down = free_port()  # nothing listens there: the mail server is down
    queued = site.python(
        """
        from articles.models import Article
        from commenters.models import Commenter
        from commenters.services import commenter_record
        from comments.services import comment_approve
        from django.contrib.auth import get_user_model
        from factories import HOLD_ALL, make_comment

        moderator = get_user_model().objects.create_user("mod-mail", password="a-long-password", is_staff=True)
        comment = make_comment(Article.objects.get(), name="Ana", body="The Doha talks need Pakistan.", policy=HOLD_ALL)
        # Decisions go to confirmed addresses (its commenter is recorded by the worker's task, so here at once).
        Commenter.objects.filter(pk=commenter_record(email=comment.author_email)).update(confirmed_at=timezone.now())
        comment_approve(comment=comment, actor=moderator)
        email = OutboundEmail.objects.get(kind="decision", comment=comment)
        result = {"pk": email.pk, "to": email.to,
                  "tasks": DBTaskResult.objects.ready().filter(task_path="outbox.tasks.send_due").count()}
        """
    )
    assert queued["tasks"] >= 1  # enqueued when the decision committed
    mail = {"EMAIL_HOST": "127.0.0.1", "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    site.worker_batch(EMAIL_PORT=str(down), **mail)
    failed = site.python(
        f"""
        email = OutboundEmail.objects.get(pk={queued["pk"]})
        # Waiting tasks (ready() means due now): this round's retry, and the worker's own look a claim later.
        retry = DBTaskResult.objects.filter(status="READY", task_path="outbox.tasks.send_due",
                                            run_after__gt=timezone.now(), run_after__lt=dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc))
        wait = min((t.run_after for t in retry), default=None)
        result = {{"sent": email.sent_at is not None, "attempts": email.attempts, "error": email.last_error,
                   "retry_in": (wait - timezone.now()).total_seconds() if wait else None,
                   "send_after": (email.send_after - timezone.now()).total_seconds()}}
        """
    )
    assert not failed["sent"] and failed["attempts"] == 1 and "Error" in failed["error"]
    # Tried again by a task that waits for the same backoff as before (a minute after the first failure).
    assert failed["retry_in"] is not None and 40 < failed["retry_in"] <= 60
    assert failed["send_after"] <= failed["retry_in"]
    assert smtp.messages == []
    # A minute passes, and the mail server is back.
    site.python(
        f"""
        OutboundEmail.objects.filter(pk={queued["pk"]}).update(send_after=timezone.now())
        DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now(),
                                    run_after__lt=timezone.now() + dt.timedelta(seconds=65)).update(run_after=timezone.now())
        result = None
        """
    )
    site.worker_batch(EMAIL_PORT=str(settings.EMAIL_PORT), **mail)
    assert [m["X-Envelope-To"] for m in smtp.news()] == [queued["to"]]
    sent = site.python(
        f"email = OutboundEmail.objects.get(pk={queued['pk']})\nresult = [email.attempts, bool(email.sent_at)]"
    )
    assert sent == [2, True]


def test_a_simulation_into_the_database_runs_in_the_background(site):
    slug = site.python("from articles.models import Article\nresult = Article.objects.get().slug")
    queued = site.manage("simulate", "--article", slug, "--comments", "400", "--seed", "4", "--background")
    assert "Queued as simulation #" in queued.stdout and "manage.py worker" in queued.stdout
    pk = int(queued.stdout.split("Queued as simulation #")[1].split()[0])
    before = site.python(f"run = SimulationRun.objects.get(pk={pk})\nresult = [run.state, run.comments.count()]")
    assert before == ["queued", 0]
    took = site.worker_batch()
    after = site.python(
        f"""
        run = SimulationRun.objects.get(pk={pk})
        task = DBTaskResult.objects.get(id=run.task_id)
        result = {{"state": run.state, "progress": run.progress, "total": run.report.get("total"),
                   "comments": run.comments.count(), "task": task.status, "printed": task.return_value}}
        """
    )
    assert (after["state"], after["progress"], after["total"], after["comments"]) == ("done", 1.0, 400, 400)
    assert after["task"] == "SUCCESSFUL" and f"Stored as simulation #{pk}" in after["printed"]
    print(f"worker ran a 400-comment database simulation in {took:.1f} s (process start to exit)")


def test_retraining_runs_in_the_background(site, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"text": f"civil remark {i} about the talks", "abusive": i % 2 == 1}) + "\n" for i in range(40)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "m.nrm"
    queued = site.manage("train_filter", "--data", str(data), "--out", str(out), "--background")
    assert "Queued as task" in queued.stdout and not out.exists()
    site.worker_batch()
    assert out.exists()
    task = site.python(
        """
        task = DBTaskResult.objects.filter(task_path="lab.tasks.retrain").get()
        result = [task.status, task.return_value]
        """
    )
    assert task[0] == "SUCCESSFUL" and f"Wrote {out}" in task[1]


def test_a_worker_killed_mid_run_leaves_no_job_running_forever(site):
    pk = site.python(
        """
        from articles.models import Article
        from lab import runs, tasks
        from policies.models import ModerationPolicy

        draft = ModerationPolicy.objects.create(name="waits-kill", mode="hold_all")
        with transaction.atomic():
            run = LabRun.objects.create(draft=draft, draft_name=draft.name, live_name="default", stream="generated",
                                        article=Article.objects.get(), parameters={"comments": 100000, "seed": 1})
            tasks.lab_run_start(run)
        result = run.pk
        """
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=ROOT, env=site.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            state = site.python(f"run = LabRun.objects.get(pk={pk})\nresult = [run.state, run.progress]")
            if state[0] == "running" and state[1] > 0:
                break
            time.sleep(0.5)
        assert state[0] == "running" and state[1] > 0, state
    finally:
        worker.send_signal(signal.SIGKILL)  # no chance to say anything
        worker.wait(timeout=10)
    left = site.python(
        f"""
        run = LabRun.objects.get(pk={pk})
        result = [run.state, DBTaskResult.objects.get(id=run.task_id).status]
        """
    )
    assert left == ["running", "RUNNING"]  # what a killed worker leaves behind
    # Minutes pass without a heartbeat; the next worker to start marks it failed, and its task row with it.
    site.python(
        f"LabRun.objects.filter(pk={pk}).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=6))\nresult = 0"
    )
    site.worker_batch()
    after = site.python(
        f"""
        run = LabRun.objects.get(pk={pk})
        task = DBTaskResult.objects.get(id=run.task_id)
        result = [run.state, run.error, task.status, task.traceback]
        """
    )
    assert after[0] == "failed" and after[1] == "interrupted: the worker stopped; start it again"
    assert after[2] == "FAILED" and "interrupted" in after[3]


def wait_for(check, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("not in time")


def queue_lab_run(site, comments: int) -> int:
    return int(
        site.python(
            f"""
            from articles.models import Article
            from lab import tasks
            from policies.models import ModerationPolicy

            draft = ModerationPolicy.objects.create(name=f"waits-{{LabRun.objects.count()}}", mode="hold_all")
            with transaction.atomic():
                run = LabRun.objects.create(draft=draft, draft_name=draft.name, live_name="default", stream="generated",
                                            article=Article.objects.get(), parameters={{"comments": {comments}, "seed": 1}})
                tasks.lab_run_start(run)
            result = run.pk
            """
        )
    )


def test_sigterm_lets_the_task_in_hand_finish_then_the_worker_exits(site):
    pk = queue_lab_run(site, 4000)
    worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=ROOT, env=site.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(lambda: site.python(f"result = LabRun.objects.get(pk={pk}).state == 'running'"))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=120) == 0
    finally:
        worker.kill()
    assert site.python(f"result = LabRun.objects.get(pk={pk}).state") == "done"


def test_the_worker_stops_when_the_process_that_started_it_ends(site, tmp_path):
    """dev.py starts the worker, then becomes the server; when the server ends, however, the worker ends too."""
    log = tmp_path / "worker.log"
    parent = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            import subprocess, sys, time
            with open({str(log)!r}, "w") as log:
                worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--with-parent"], stdout=log, stderr=log)
            print(worker.pid)
            for _ in range(300):  # the server's life: until the worker is up
                if "Starting worker" in open({str(log)!r}).read():
                    break
                time.sleep(0.1)
        """)],
        cwd=ROOT, env=site.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    pid = int(parent.stdout.split()[0])
    assert "Starting worker" in log.read_text()

    def ended() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    try:
        wait_for(ended, seconds=15)
    finally:
        if not ended():
            os.kill(pid, signal.SIGKILL)
    assert "shutting down gracefully" in log.read_text()
