"""Shared set-up for the benchmarks: Django on a throwaway database unless told otherwise."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database_url: str | None = None) -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    if database_url is None:
        database_url = os.environ.get("BENCH_DATABASE_URL") or (
            f"sqlite:///{tempfile.mkdtemp(prefix='newsroom-bench-')}/bench.sqlite3"
        )
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database_url
