"""Helpers for the database itself, below every app."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def refresh_planner_statistics(*models: type[Model]) -> None:
    """Rows were just written in bulk: let the planner see them now.

    PostgreSQL plans from statistics that autovacuum refreshes only some time after a bulk load; until then a
    table it believes empty is read whole. SQLite keeps no statistics unless asked (``ANALYZE``), and its
    plans for our reads follow the indexes alone, so there is nothing to refresh there.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
