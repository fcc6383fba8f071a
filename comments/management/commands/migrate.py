"""Django's ``migrate``, which first refuses a database of the previous release with the way forward, and
which runs one at a time on a shared database.

Why: a database made by the previous release (one ``comments`` app) must be carried over to this
release's apps by ``carry_over_database`` before it migrates. Left alone, Django stops with a
traceback about an inconsistent migration history; an operator upgrading deserves the command to run.

And several app servers started at once on one new PostgreSQL database (``dev.py prod`` migrates as it
starts) would each create the same tables, and all but one die on a duplicate key. On PostgreSQL the
command holds an advisory lock for its whole run: the second server waits for the first, then finds
nothing left to do. SQLite is one machine's database, and its file lock already serializes writers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

from comments.management.commands.carry_over_database import OLD_APP, OLD_MIGRATIONS

# pg_advisory_lock's key: any number of our own, the same on every server ("newsroom" read as a number).
MIGRATE_LOCK = 0x6E657773726F6F6D


@contextmanager
def one_at_a_time(connection: BaseDatabaseWrapper, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the database's migrate lock (PostgreSQL: a session-level advisory lock; elsewhere nothing), saying
    so when another migrate holds it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK])
        if not cursor.fetchone()[0]:
            say("Another migrate is running on this database (another server starting?): waiting for it.")
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if options.get("check_unapplied") or options.get("plan"):
            # Only reading what is applied: a readiness check never waits behind a long migration.
            self._refuse_previous_release(connection)
            super().handle(*args, **options)
            return
        with one_at_a_time(connection, lambda words: self.stderr.write(words)):
            self._refuse_previous_release(connection)
            super().handle(*args, **options)

    def _refuse_previous_release(self, connection: BaseDatabaseWrapper) -> None:
        recorder = MigrationRecorder(connection)
        previous = {(OLD_APP, name) for name in OLD_MIGRATIONS[1:]}
        if recorder.has_table() and previous & set(recorder.applied_migrations()):
            raise CommandError(
                "This database was made by the previous release (one `comments` app). Carry it over first: "
                "`manage.py carry_over_database`, then `manage.py migrate`. Nothing was changed."
            )
