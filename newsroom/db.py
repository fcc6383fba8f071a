"""Helpers for the database itself, below every app."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def refresh_planner_statistics(*models: type[Model]) -> None:
    """Rows were just written in bulk (an import, a simulation run, a benchmark's fill): let the planner
    see them now.

    PostgreSQL plans from statistics that autovacuum refreshes only some time after a bulk load; until then a
    table it believes empty is read whole: ``ANALYZE``.

    SQLite is left on its defaults, under which each of our reads follows the index made for it; any
    statistics an earlier ``ANALYZE`` left for these tables are dropped. Measured on a story of 50,000
    comments: without SQLite's optional histograms (STAT4), ``ANALYZE`` records only rows per distinct value,
    so ``parent_id IS NULL`` (most of a story: its threads) looks as rare as one comment's replies, and the
    page of threads was planned through (article, parent) and sorted every thread of the story behind it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return  # never analysed: nothing to drop
            tables = [model._meta.db_table for model in models]
            cursor.execute(
                f"DELETE FROM sqlite_stat1 WHERE tbl IN ({', '.join(['%s'] * len(tables))})",  # noqa: S608
                tables,
            )
            cursor.execute("ANALYZE sqlite_master")  # the planner reloads what is left: only that
