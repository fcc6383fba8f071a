"""Django's ``migrate``, which first refuses a database of the previous release with the way forward.

Why: a database made by the previous release (one ``comments`` app) must be carried over to this
release's apps by ``carry_over_database`` before it migrates. Left alone, Django stops with a
traceback about an inconsistent migration history; an operator upgrading deserves the command to run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from comments.management.commands.carry_over_database import OLD_APP, OLD_MIGRATIONS


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        recorder = MigrationRecorder(connections[options["database"]])
        previous = {(OLD_APP, name) for name in OLD_MIGRATIONS[1:]}
        if recorder.has_table() and previous & set(recorder.applied_migrations()):
            raise CommandError(
                "This database was made by the previous release (one `comments` app). Carry it over first: "
                "`manage.py carry_over_database`, then `manage.py migrate`. Nothing was changed."
            )
        super().handle(*args, **options)
