"""The plan the database makes for a query, for tests that assert a read follows an index and sorts nothing."""

from django.db import connection


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
