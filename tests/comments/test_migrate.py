"""``manage.py migrate`` run by several servers at once on one new PostgreSQL database: each ends well,
and the schema is made once."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SERVER = os.environ.get("CARRY_OVER_POSTGRES", "postgres://postgres@127.0.0.1:5432")


@pytest.fixture
def new_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {SERVER}: {exc}")
    name = f"migrate_test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_three_servers_migrating_one_new_database_at_once_all_succeed(new_database, tmp_path):
    env = {**os.environ, "DATABASE_URL": new_database, "DEBUG": "1", "NEWSROOM_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], "\n".join(outputs)
    import psycopg

    with psycopg.connect(new_database) as db:
        applied = db.execute("SELECT app, name, count(*) FROM django_migrations GROUP BY app, name").fetchall()
        # Each migration recorded once, and nothing left: a later migrate --check agrees.
        assert applied and all(count == 1 for _, _, count in applied)
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_check_does_not_wait_behind_a_migration_and_a_waiting_migrate_says_why(new_database, tmp_path):
    import psycopg

    from comments.management.commands.migrate import MIGRATE_LOCK

    env = {**os.environ, "DATABASE_URL": new_database, "DEBUG": "1", "NEWSROOM_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    with psycopg.connect(new_database, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])  # a migration under way elsewhere
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env, capture_output=True, timeout=60
        )
        assert check.returncode == 1  # answered at once: migrations not applied yet
        waiting = subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with contextlib.suppress(subprocess.TimeoutExpired):
            waiting.wait(timeout=8)
        assert waiting.returncode is None  # still waiting its turn
        holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
    _out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "Another migrate is running on this database" in err
