"""The production configuration refuses to start unsafe, and is clean when set up right."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3y-" + "x9Qw2Zp7LmN4vB8cR1tY6uI0oP5aS3dF" * 2


def run_manage(env_overrides, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_manage({"DEBUG": "0", "ALLOWED_HOSTS": "example.com"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_with_the_development_key_refuses():
    result = run_manage(
        {
            "DEBUG": "0",
            "ALLOWED_HOSTS": "example.com",
            "SECRET_KEY": "django-insecure-newsroom-development-only-key-do-not-use-in-production",
        },
        "check",
    )
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_without_allowed_hosts_refuses():
    result = run_manage({"DEBUG": "0", "SECRET_KEY": STRONG_KEY}, "check")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_bad_boolean_is_named():
    result = run_manage({"DEBUG": "maybe"}, "check")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_production_settings_pass_check_deploy():
    result = run_manage(
        {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "news.example.com"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_development_runs_without_any_configuration():
    result = run_manage({"DEBUG": "1"}, "check")
    assert result.returncode == 0, result.stderr


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    result = run_manage(
        {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])",
    )
    assert result.returncode == 0, result.stderr
    mode, timeout = result.stdout.split()[-2:]
    assert mode == "wal" and int(timeout) >= 5000


def test_sqlite_keeps_its_file_open_from_one_request_to_the_next_unless_told_not_to(tmp_path):
    # What a server does as each request begins and ends (Django's close_old_connections), between two requests.
    two_requests = (
        "from django.db import close_old_connections, connection; connection.cursor(); first = connection.connection; "
        "close_old_connections(); connection.cursor(); print(connection.connection is first)"
    )
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    kept = run_manage({"DEBUG": "1", "DATABASE_URL": url}, "shell", "-c", two_requests)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.split()[-1] == "True"
    each = run_manage({"DEBUG": "1", "DATABASE_URL": url, "CONN_MAX_AGE": "0"}, "shell", "-c", two_requests)
    assert each.stdout.split()[-1] == "False", each.stderr


def test_redis_url_selects_the_shared_cache():
    result = run_manage(
        {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/15"},
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
    )
    assert result.stdout.split()[-1] == "django.core.cache.backends.redis.RedisCache"


def test_production_setup_creates_no_demo_account(tmp_path):
    env = {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "x.example", "HTTPS": "0",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}  # fmt: skip
    assert run_manage(env, "migrate", "-v", "0").returncode == 0
    refused = run_manage(env, "setup_demo")
    assert refused.returncode != 0 and "only created with DEBUG=1" in refused.stderr
    assert run_manage(env, "setup_demo", "--no-user").returncode == 0
    count = run_manage(env, "shell", "-c", "from django.contrib.auth.models import User; print(User.objects.count())")
    assert count.stdout.split()[-1] == "0"


def test_production_setup_locks_demo_accounts_that_development_left(tmp_path):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "HTTPS": "0"}
    development = {**database, "DEBUG": "1"}
    assert run_manage(development, "migrate", "-v", "0").returncode == 0
    assert run_manage(development, "setup_demo").returncode == 0
    production = {**database, "DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "x.example"}
    locked = run_manage(production, "setup_demo", "--no-user")
    assert locked.returncode == 0 and "Locked the demo account 'moderator'" in locked.stdout
    check = (
        "from django.contrib.auth.models import User; "
        "print([User.objects.get(username=u).is_active or User.objects.get(username=u).check_password(p) "
        "for u, p in [('moderator', 'moderate-me'), ('editor', 'edit-me')]])"
    )
    assert run_manage(production, "shell", "-v", "0", "-c", check).stdout.strip().splitlines()[-1] == "[False, False]"


def test_gunicorn_refuses_several_workers_without_a_shared_cache():
    import os
    import subprocess
    import sys

    conf = "exec(open('newsroom/gunicorn.conf.py').read())"
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PER_PROCESS_LIMITS"}}
    refused = subprocess.run([sys.executable, "-c", conf], env={**env, "WEB_CONCURRENCY": "4"}, capture_output=True,
                             text=True)  # fmt: skip
    assert refused.returncode != 0 and "without a shared cache" in refused.stderr
    for extra in ({"WEB_CONCURRENCY": "1"}, {"WEB_CONCURRENCY": "4", "REDIS_URL": "redis://127.0.0.1:6379/0"}):
        assert subprocess.run([sys.executable, "-c", conf], env={**env, **extra}).returncode == 0


def test_a_wait_is_said_as_a_person_says_it():
    from newsroom.rates import wait_words

    assert [wait_words(s) for s in (0, 1, 5, 89, 90, 3003, 5400, 7200)] == [
        "1 second", "1 second", "5 seconds", "89 seconds", "about 2 minutes", "about 50 minutes", "about 2 hours",
        "about 2 hours",
    ]  # fmt: skip


def test_postgresql_binds_on_the_server_and_prepares_repeated_statements_unless_turned_off():
    shown = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"
    url = "postgres://newsroom@127.0.0.1:5432/newsroom?sslmode=disable"
    on = run_manage({"DEBUG": "1", "DATABASE_URL": url}, "shell", "-c", shown)
    assert on.returncode == 0, on.stderr
    options = on.stdout.strip().splitlines()[-1]
    assert "'server_side_binding': True" in options and "'prepare_threshold': 5" in options
    assert "'sslmode': 'disable'" in options  # the address's own options are kept
    off = run_manage({"DEBUG": "1", "DATABASE_URL": url, "DB_PREPARE_THRESHOLD": "0"}, "shell", "-c", shown)
    assert "server_side_binding" not in off.stdout and "prepare_threshold" not in off.stdout
    bad = run_manage({"DEBUG": "1", "DATABASE_URL": url, "DB_PREPARE_THRESHOLD": "often"}, "shell", "-c", shown)
    assert bad.returncode != 0 and "DB_PREPARE_THRESHOLD must be a whole number" in bad.stderr


def test_postgresql_keeps_a_prepared_statements_plan_as_it_does_by_default_unless_told_otherwise():
    shown = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    url = "postgres://newsroom@127.0.0.1:5432/newsroom"
    default = run_manage({"DEBUG": "1", "DATABASE_URL": url}, "shell", "-c", shown)
    assert default.stdout.strip().splitlines()[-1] == "-c plan_cache_mode=auto", default.stderr
    custom = run_manage(
        {"DEBUG": "1", "DATABASE_URL": url, "DB_PLAN_CACHE_MODE": "force_custom_plan"}, "shell", "-c", shown
    )
    assert custom.stdout.strip().splitlines()[-1] == "-c plan_cache_mode=force_custom_plan", custom.stderr
    bad = run_manage({"DEBUG": "1", "DATABASE_URL": url, "DB_PLAN_CACHE_MODE": "sometimes"}, "shell", "-c", shown)
    assert bad.returncode != 0 and "DB_PLAN_CACHE_MODE must be one of auto" in bad.stderr


@pytest.mark.django_db
def test_on_postgresql_a_statement_run_often_is_prepared_once_on_the_server():
    from django.db import connection

    from comments.models import Comment

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    for token in range(8):
        list(Comment.objects.filter(submission_token=f"token-{token}").values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert len([sql for sql in prepared if '"submission_token" = $1' in sql]) == 1, prepared
