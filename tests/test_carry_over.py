"""A database made by the previous release is carried over: ``carry_over_database`` and then ``migrate``.

The previous release (commit 3e185b2) kept every model in ``comments`` (migrations 0001-0016). Its database
is here as dumps made once from that release (``tests/data/release-1.sql`` for SQLite and
``release-1.postgresql.sql``: ``migrate`` plus the rows of ``RELEASE_1_ROWS`` below), so no git is needed.
Remake them with ``python -m tests.test_carry_over --remake`` (needs git and a local PostgreSQL).

The commands run in their own processes, on a temporary database named by ``DATABASE_URL``, as an operator
runs them. The checks: the rows and their ids are in the new apps' tables and the ORM follows every foreign
key; groups keep their permissions under the new apps' labels with no second content type; nothing is left
to migrate or to make; the schema is the one fresh migrations make (tables, columns, indexes, constraints,
on SQLite and PostgreSQL); a database short of the previous release's last migration is refused untouched;
a second run, a new database and an empty one are left alone.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SQLITE_DUMP = DATA / "release-1.sql"
POSTGRES_DUMP = DATA / "release-1.postgresql.sql"
POSTGRES_SERVER = os.environ.get("CARRY_OVER_POSTGRES", "postgres://postgres@127.0.0.1:5432")
PREVIOUS_RELEASE = "3e185b2"

# Run in the previous release's ``manage.py shell`` after its ``migrate`` to make the dumps' rows.
RELEASE_1_ROWS = """
from datetime import date, datetime, timezone as tz

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from articles.models import Article
from comments.models import (
    Comment, CommentReport, ControlEvent, EmailOptOut, LabRun, ModerationEvent, ModerationPolicy, OutboundEmail,
    Sanction, SimulationRun, StorySettings,
)
from comments.roles import ensure_editors_group, ensure_moderators_group

T = datetime(2026, 11, 30, 9, 0, tzinfo=tz.utc)
moira = User.objects.create_user("moira", "moira@news.example", password=None, is_staff=True)
moira.groups.add(ensure_moderators_group())
eddie = User.objects.create_user("eddie", "eddie@news.example", password=None, is_staff=True)
eddie.groups.add(ensure_editors_group())
article = Article.objects.create(
    id=3, headline="US seeks Pakistan's help in Doha talks", slug="us-seeks-pakistan-help",
    published_on=date(2026, 11, 29), body="Washington asked Islamabad to help.\\n\\nTalks resume on Monday.",
)
live = ModerationPolicy.objects.create(id=2, name="default", is_active=True)
draft = ModerationPolicy.objects.create(id=5, name="stricter", is_shadow=True, abuse_hold=0.4, max_links=1)
top = Comment.objects.create(
    id=101, article=article, author_name="Ayesha", author_email="ayesha@example.com", created_at=T,
    body="Islamabad's role in Doha matters most.", status="published", decision="publish", reply_count=2,
    reasons=[], scores={"abuse": 0.02}, notify_replies=True, submission_token="tok-101",
)
reply = Comment.objects.create(
    id=102, article=article, parent=top, root=top, depth=1, author_name="Ben", author_email="ben@example.com",
    created_at=T.replace(minute=5), body="Agreed, and Qatar's too.", status="published", decision="publish",
)
held = Comment.objects.create(
    id=103, article=article, parent=top, root=top, depth=1, author_name="Troll", author_email="troll@spam.example",
    created_at=T.replace(minute=9), body="You are all idiots", status="held", decision="hold",
    reasons=["abuse"], scores={"abuse": 0.7}, open_reports=1, shadow_decision="reject", shadow_policy="stricter",
)
ModerationEvent.objects.create(comment=held, action="auto", reason="abuse", old_status="", new_status="held")
ModerationEvent.objects.create(comment=held, action="report", reason="abusive")
CommentReport.objects.create(comment=held, reason="abusive", note="insults readers", ip_address="192.0.2.7")
Sanction.objects.create(id=7, email="troll@spam.example", kind="premoderate", reason="insults", created_by=moira)
StorySettings.objects.create(article=article, comments_open=True, close_after_days=3, mode="hold_all")
ControlEvent.objects.create(actor=eddie, action="story_settings", article=article, detail="held all comments")
LabRun.objects.create(
    id=4, draft=draft, live_name="default", draft_name="stricter", article=article, stream="real",
    parameters={"last": 50}, state="done", progress=1.0, result={"differ": 1}, created_by=eddie, finished_at=T,
)
run = SimulationRun.objects.create(id=9, article=article, label="Doha, 40 comments", parameters={"n": 40}, report={"f1": 0.8})
for n in range(3):
    Comment.objects.create(
        id=201 + n, article=article, simulation=run, author_name=f"Sim {n}", author_email=f"sim{n}@sim.example",
        created_at=T, body=f"Simulated comment {n}", status="published", ground_truth={"abusive": n == 2},
    )
OutboundEmail.objects.create(
    id=11, to="ayesha@example.com", kind="reply", comment=top, subject="Ben replied to your comment",
    body="Agreed, and Qatar's too.", send_after=T, sent_at=T,
)
EmailOptOut.objects.create(email="quiet@example.com")
LogEntry.objects.log_action(
    eddie.pk, ContentType.objects.get_for_model(Sanction).pk, 7, "troll@spam.example", CHANGE, "Changed reason."
)
LogEntry.objects.log_action(
    eddie.pk, ContentType.objects.get_for_model(ModerationPolicy).pk, 5, "stricter", CHANGE, "Changed abuse_hold."
)
# The ids given above, as if the database had handed them out (PostgreSQL's sequences move on past them).
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
with connection.cursor() as cursor:
    for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
        cursor.execute(sql)
"""

# Run in this release's ``manage.py shell`` on a carried-over database: what the ORM reads there, as JSON.
# The rows it adds (to see the ids go on past the old ones) are rolled back.
READ_BACK = """
import json
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from commenters.models import Commenter, ControlEvent, Sanction, SiteSwitch, StorySettings
from comments.models import Comment, CommentReport
from desk.models import ReviewQueueItem
from desk.roles import EDITOR_PERMISSIONS, MODERATOR_PERMISSIONS
GRANTED_SINCE = {("outbox", "view_outboundemail"), ("api", "view_apitoken"), ("api", "add_apitoken"),
                 ("api", "change_apitoken"), ("embeds", "view_site"), ("embeds", "add_site"), ("embeds", "change_site"),
                 ("embeds", "view_sitereader"), ("policies", "view_learnedmodel"), ("policies", "view_modelevent"),
                 ("outbox", "view_alertsubscription"), ("outbox", "add_alertsubscription"),
                 ("outbox", "change_alertsubscription"), ("outbox", "delete_alertsubscription"),
                 ("outbox", "view_alertdelivery"), ("outbox", "view_deliveryattempt")}
from lab.models import LabRun, SimulationRun
from outbox.models import EmailOptOut, OutboundEmail
from policies.models import ModerationPolicy

top = Comment.objects.get(pk=101)
sanction = Sanction.objects.get(pk=7)
lab = LabRun.objects.get(pk=4)
email = OutboundEmail.objects.get(pk=11)
story = StorySettings.objects.get()
event = ControlEvent.objects.get()
users = {u.username: u for u in User.objects.all()}
facts = {
    "replies": sorted(top.replies.values_list("pk", flat=True)),
    "thread": sorted(top.thread_comments.values_list("pk", flat=True)),
    "held_events": sorted(Comment.objects.get(pk=103).events.values_list("action", flat=True)),
    "reports": list(CommentReport.objects.values_list("comment_id", "reason")),
    "review_queue": list(ReviewQueueItem.objects.filter(status="held").values_list("pk", flat=True)),
    "simulated": sorted([c.pk, c.simulation.pk, c.simulation.label] for c in Comment.objects.filter(simulation__isnull=False)),
    "run_comments": sorted(SimulationRun.objects.get(pk=9).comments.values_list("pk", flat=True)),
    "sanction": [sanction.email, sanction.kind, sanction.created_by.username],
    "story": [story.article.slug, story.mode, story.close_after_days, story.article.comment_settings.pk == story.pk],
    "control_event": [event.actor.username, event.article.pk, event.action],
    "policies": sorted([p.pk, p.name, p.is_active, p.is_shadow] for p in ModerationPolicy.objects.all()),
    "lab": [lab.draft.name, lab.article.slug, lab.created_by.username, lab.result],
    "email": [email.comment.pk, list(top.emails.values_list("pk", flat=True))],
    "opt_outs": list(EmailOptOut.objects.values_list("email", flat=True)),
    "site_switch": list(SiteSwitch.objects.values_list("pk", flat=True)),
    "groups": {g.name: sorted([p.content_type.app_label, p.codename] for p in g.permissions.all()) for g in Group.objects.all()},
    # The previous release's grants, under their new apps: what desk.roles gives today, less what was granted
    # since (setup_demo and dev.py prod grant that when they next run).
    "groups_expected": {
        name: sorted(list(p) for p in grants if p not in GRANTED_SINCE)
        for name, grants in (("Moderators", MODERATOR_PERMISSIONS), ("Editors", EDITOR_PERMISSIONS))
    },
    "can": {
        "moira": [users["moira"].has_perm(p) for p in ("comments.can_moderate", "commenters.can_sanction", "desk.view_reviewqueueitem")],
        "eddie": [users["eddie"].has_perm(p) for p in ("policies.change_moderationpolicy", "lab.view_simulationrun", "commenters.view_sanction")],
    },
    "content_types_twice": list(ContentType.objects.values("model").annotate(n=Count("pk")).filter(n__gt=1).values_list("model", flat=True)),
    "permissions_twice": list(Permission.objects.values("codename").annotate(n=Count("pk")).filter(n__gt=1).values_list("codename", flat=True)),
    "comments_content_types": sorted(ContentType.objects.filter(app_label="comments").values_list("model", flat=True)),
    "log": sorted([e.content_type.app_label, e.content_type.model, str(e.get_edited_object())] for e in LogEntry.objects.all()),
}
with transaction.atomic():
    facts["new_ids"] = [
        Sanction.objects.create(email="new@example.com", kind="warn", reason="test").pk,
        SimulationRun.objects.create(label="new").pk,
        ModerationPolicy.objects.create(name="newer").pk,
        OutboundEmail.objects.create(to="a@example.com", kind="reply", subject="s", body="b", send_after=top.created_at).pk,
        Commenter.objects.create(email="c@example.com").pk,
    ]
    transaction.set_rollback(True)
print("FACTS " + json.dumps(facts))
"""


def manage(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``manage.py ARGS`` in a process of its own, on the database at ``database_url``."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def read_back(database_url: str) -> dict[str, Any]:
    output = manage(database_url, "shell", "-v", "0", "-c", READ_BACK).stdout
    line = next(line for line in output.splitlines() if line.startswith("FACTS "))
    facts: dict[str, Any] = json.loads(line.removeprefix("FACTS "))
    return facts


# -- schemas, read the same way from a carried-over database and a freshly migrated one -------------------------


def split_definitions(body: str) -> list[str]:
    """The comma-separated parts of a CREATE TABLE's body (commas inside parentheses are not separators)."""
    parts, depth, current = [], 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if current.strip() else parts


def sqlite_schema(path: Path) -> dict[str, Any]:
    """Each table's columns (name -> its definition, so type, NULL, default, CHECK and REFERENCES, whatever their
    order), its table constraints, and each index's name and definition."""
    schema: dict[str, Any] = {}
    with sqlite3.connect(path) as db:
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ):
            columns: dict[str, str] = {}
            for part in split_definitions(sql[sql.index("(") + 1 : sql.rindex(")")]):
                match = re.match(r'"([^"]+)"\s+(.*)', part, re.S)
                columns[match.group(1) if match else part] = match.group(2) if match else ""
            schema[f"table {name}"] = columns
        for name, table, sql in db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"):
            schema[f"index {name}"] = [table, sql]
    return schema


def postgres_schema(url: str) -> dict[str, Any]:
    """Each column's type, size, NULL, default and identity; each index's definition; each constraint's; and
    the sequences (their names)."""
    import psycopg

    schema: dict[str, Any] = {}
    with psycopg.connect(url) as db:
        for row in db.execute(
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, "
            "is_identity, identity_generation FROM information_schema.columns WHERE table_schema = 'public'"
        ):
            schema[f"column {row[0]}.{row[1]}"] = list(row[2:])
        for table, name, definition in db.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ):
            schema[f"index {name}"] = [table, definition]
        for table, name, kind, definition in db.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace"
        ):
            schema[f"constraint {name}"] = [table, kind, definition]
        for (name,) in db.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
        ):
            schema[f"sequence {name}"] = []
    return schema


def differences(carried: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    return [
        f"{key}:\n  carried over: {carried.get(key)}\n  fresh:        {fresh.get(key)}"
        for key in sorted(set(carried) | set(fresh))
        if carried.get(key) != fresh.get(key)
    ]


def sqlite_dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


def load_sqlite(path: Path) -> str:
    with sqlite3.connect(path) as db:
        db.executescript(SQLITE_DUMP.read_text(encoding="utf-8"))
    return f"sqlite:///{path}"


# -- SQLite ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def carried(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The previous release's database, after a dry run, ``carry_over_database`` and ``migrate``."""
    path = tmp_path_factory.mktemp("carry") / "release-1.sqlite3"
    url = load_sqlite(path)
    before = sqlite_dump(path)
    dry = manage(url, "carry_over_database", "--dry-run")
    dry_run_wrote = sqlite_dump(path) != before
    carry = manage(url, "carry_over_database")
    migrate = manage(url, "migrate")
    yield {
        "path": path,
        "url": url,
        "dry": dry.stdout,
        "dry_run_wrote": dry_run_wrote,
        "carry": carry.stdout,
        "migrate": migrate.stdout,
    }


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(carried):
    assert not carried["dry_run_wrote"]
    out = carried["dry"]
    assert 'ALTER TABLE "comments_sanction" RENAME TO "commenters_sanction"' in out
    assert "comments.reviewqueueitem -> desk.reviewqueueitem" in out
    assert "commenters.0002_one_site_switch" in out
    assert "Nothing was written" in out


def test_rows_keep_their_ids_in_the_new_tables_and_every_foreign_key_is_followed(carried):
    assert "Carried over: 10 tables renamed, 11 content types moved, 7 migrations recorded" in carried["carry"]
    facts = read_back(carried["url"])
    assert facts["replies"] == [102, 103] and facts["thread"] == [102, 103]
    assert facts["held_events"] == ["auto", "report"]
    assert facts["reports"] == [[103, "abusive"]]
    assert facts["review_queue"] == [103]
    assert facts["simulated"] == [
        [201, 9, "Doha, 40 comments"],
        [202, 9, "Doha, 40 comments"],
        [203, 9, "Doha, 40 comments"],
    ]
    assert facts["run_comments"] == [201, 202, 203]
    assert facts["sanction"] == ["troll@spam.example", "premoderate", "moira"]
    assert facts["story"] == ["us-seeks-pakistan-help", "hold_all", 3, True]
    assert facts["control_event"] == ["eddie", 3, "story_settings"]
    assert facts["policies"] == [[2, "default", True, False], [5, "stricter", False, True]]
    assert facts["lab"] == ["stricter", "us-seeks-pakistan-help", "eddie", {"differ": 1}]
    assert facts["email"] == [101, [11]]
    assert facts["opt_outs"] == ["quiet@example.com"]
    assert facts["site_switch"] == [1]
    # New rows take ids after the old ones (sanction 7, simulation run 9, policy 5, email 11, no commenter yet).
    sanction, run, policy, email, commenter = facts["new_ids"]
    assert sanction > 7 and run > 9 and policy > 5 and email > 11 and commenter >= 1


def test_groups_keep_their_permissions_under_the_new_apps_with_one_content_type_each(carried):
    facts = read_back(carried["url"])
    assert facts["groups"] == facts["groups_expected"]  # exactly the grants they had, no more, no fewer
    assert ["commenters", "can_sanction"] in facts["groups"]["Moderators"]
    assert ["comments", "can_moderate"] in facts["groups"]["Moderators"]
    assert ["policies", "change_moderationpolicy"] in facts["groups"]["Editors"]
    assert facts["can"] == {"moira": [True, True, True], "eddie": [True, True, True]}
    assert facts["content_types_twice"] == [] and facts["permissions_twice"] == []
    assert facts["comments_content_types"] == ["appeal", "comment", "commentreport", "moderationevent", "reaction"]
    # The admin's history of a sanction and a policy still opens them.
    assert facts["log"] == [
        ["commenters", "sanction", "Pre-moderate every comment: troll@spam.example"],
        ["policies", "moderationpolicy", "stricter"],
    ]


def test_nothing_is_left_to_migrate_or_to_make(carried):
    manage(carried["url"], "migrate", "--check")
    manage(carried["url"], "makemigrations", "--check", "--dry-run")
    with sqlite3.connect(carried["path"]) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_the_schema_is_the_one_fresh_migrations_make(carried, tmp_path):
    fresh = tmp_path / "fresh.sqlite3"
    manage(f"sqlite:///{fresh}", "migrate")
    assert differences(sqlite_schema(carried["path"]), sqlite_schema(fresh)) == []


def test_a_second_run_does_nothing(carried):
    before = sqlite_dump(carried["path"])
    second = manage(carried["url"], "carry_over_database")
    assert "Nothing to carry over: this database is already on this release's apps" in second.stdout
    assert sqlite_dump(carried["path"]) == before


def test_migrate_before_the_carry_over_is_refused_untouched(tmp_path):
    path = tmp_path / "release-1.sqlite3"
    url = load_sqlite(path)
    before = sqlite_dump(path)
    refused = manage(url, "migrate", check=False)
    assert refused.returncode != 0
    assert "Carry it over first: `manage.py carry_over_database`" in refused.stderr
    assert sqlite_dump(path) == before


def test_a_database_short_of_the_previous_release_is_refused_untouched(tmp_path):
    path = tmp_path / "half.sqlite3"
    url = load_sqlite(path)
    with sqlite3.connect(path) as db:  # as if the previous release's last two migrations had not run
        db.execute("DELETE FROM django_migrations WHERE app = 'comments' AND name >= '0015'")
    before = sqlite_dump(path)
    for args in (["--dry-run"], []):
        refused = manage(url, "carry_over_database", *args, check=False)
        assert refused.returncode == 1
        assert (
            "not at the previous release's last migration (comments.0016_model_thresholds_for_the_marked_words_model)"
            in refused.stderr
        )
        assert "Migrate it with the previous release first" in refused.stderr
        assert "Nothing was changed" in refused.stderr
    assert sqlite_dump(path) == before


def test_a_content_type_this_release_already_made_is_refused_untouched(tmp_path):
    path = tmp_path / "touched.sqlite3"
    url = load_sqlite(path)
    with sqlite3.connect(path) as db:  # this release's code asked for Sanction's content type before the carry-over
        db.execute("INSERT INTO django_content_type (app_label, model) VALUES ('commenters', 'sanction')")
    before = sqlite_dump(path)
    refused = manage(url, "carry_over_database", check=False)
    assert refused.returncode == 1
    assert "Content types of this release already exist (commenters.sanction)" in refused.stderr
    assert sqlite_dump(path) == before


def test_a_new_database_and_an_empty_one_are_left_alone(tmp_path):
    new = tmp_path / "new.sqlite3"
    manage(f"sqlite:///{new}", "migrate")
    before = sqlite_dump(new)
    out = manage(f"sqlite:///{new}", "carry_over_database").stdout
    assert "Nothing to carry over: this database is already on this release's apps" in out
    assert sqlite_dump(new) == before

    empty = tmp_path / "empty.sqlite3"
    out = manage(f"sqlite:///{empty}", "carry_over_database").stdout
    assert "Nothing to carry over: this database has no migrations yet" in out
    with sqlite3.connect(empty) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


# -- PostgreSQL --------------------------------------------------------------------------------------------


@pytest.fixture
def postgres() -> Iterator[tuple[str, str]]:
    """Two scratch databases on the local server (dropped after): one for the dump, one migrated fresh."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {POSTGRES_SERVER}: {exc}")
    names = [f"carry_test_{uuid.uuid4().hex[:10]}_{side}" for side in ("a", "b")]
    with admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield (f"{POSTGRES_SERVER}/{names[0]}", f"{POSTGRES_SERVER}/{names[1]}")
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_carry_over(postgres):
    import psycopg

    carried_url, fresh_url = postgres
    with psycopg.connect(carried_url, autocommit=True) as db:
        db.execute(POSTGRES_DUMP.read_text(encoding="utf-8"))  # plain INSERTs (pg_dump --inserts): no psql needed
    before = postgres_schema(carried_url)
    assert "Nothing was written" in manage(carried_url, "carry_over_database", "--dry-run").stdout
    assert postgres_schema(carried_url) == before
    assert "Carried over" in manage(carried_url, "carry_over_database").stdout
    manage(carried_url, "migrate")
    manage(carried_url, "migrate", "--check")
    assert "already on this release's apps" in manage(carried_url, "carry_over_database").stdout

    facts = read_back(carried_url)
    assert facts["replies"] == [102, 103]
    assert facts["simulated"][0] == [201, 9, "Doha, 40 comments"]
    assert facts["groups"] == facts["groups_expected"]
    assert facts["content_types_twice"] == [] and facts["permissions_twice"] == []
    assert facts["email"] == [101, [11]] and facts["lab"][0] == "stricter"
    sanction, run, policy, email, _ = facts["new_ids"]  # the renamed sequences go on where they were
    assert sanction > 7 and run > 9 and policy > 5 and email > 11

    manage(fresh_url, "migrate")
    assert differences(postgres_schema(carried_url), postgres_schema(fresh_url)) == []


# -- making the dumps (once, from the previous release) ------------------------------------------------------


def remake_dumps() -> None:  # pragma: no cover - run by hand: python -m tests.test_carry_over --remake
    import shutil
    import tempfile

    import psycopg

    work = Path(tempfile.mkdtemp(prefix="release-1-"))
    tree = work / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), PREVIOUS_RELEASE], cwd=ROOT, check=True)
    try:
        database = f"carry_release_1_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            for url in (f"sqlite:///{work / 'release-1.sqlite3'}", f"{POSTGRES_SERVER}/{database}"):
                env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "NEWSROOM_VAR_DIR": str(work / "var")}
                for args in (["migrate", "-v", "0"], ["shell", "-v", "0", "-c", RELEASE_1_ROWS]):
                    subprocess.run([sys.executable, "manage.py", *args], cwd=tree, env=env, check=True)
            SQLITE_DUMP.write_text(sqlite_dump(work / "release-1.sqlite3") + "\n", encoding="utf-8")
            dump = subprocess.run(
                [
                    "pg_dump",
                    "--no-owner",
                    "--no-privileges",
                    "--no-comments",
                    "--inserts",
                    f"{POSTGRES_SERVER}/{database}",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            # psql's \restrict lines (new in 2025's releases) are for psql alone; the dump is loaded without it.
            POSTGRES_DUMP.write_text(
                "".join(
                    line
                    for line in dump.splitlines(keepends=True)
                    if not line.startswith(("\\restrict", "\\unrestrict"))
                ),
                encoding="utf-8",
            )
        finally:
            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__" and sys.argv[1:] == ["--remake"]:  # pragma: no cover
    remake_dumps()
