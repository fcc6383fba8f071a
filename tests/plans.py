"""The plan the database makes for a query, for tests that assert a read follows an index and sorts nothing."""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from psycopg.sql import Literal


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test's tables are small enough that reading them whole is cheapest; with that ruled out
            # (and sorting too, where anything else can do), the plan shows whether an index answers in order.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def generic_plan(sql: str, params: Sequence[Any]) -> str:
    """On PostgreSQL, the plan it keeps for a prepared statement whatever its values (a generic plan: what its
    own plan cache mode, ``auto``, may run a statement by once it has run five times), for a read as the
    request ran it (``%s`` placeholders and their values)."""
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub(r"%s", lambda _: f"${next(numbered)}", sql)
    with connection.cursor() as cursor:
        raw = cursor.connection
        values = ", ".join(Literal(value).as_string(raw) for value in params)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE newsroom_generic AS {prepared}")
        try:
            cursor.execute(
                f"EXPLAIN EXECUTE newsroom_generic({values})" if params else "EXPLAIN EXECUTE newsroom_generic"
            )
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE newsroom_generic")


@contextmanager
def statements() -> Iterator[list[tuple[str, Sequence[Any]]]]:
    """Each statement run within, with its parameters, as the request passed them to the database."""
    ran: list[tuple[str, Sequence[Any]]] = []

    def keep(execute, sql, params, many, context):
        ran.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        yield ran
