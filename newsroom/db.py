"""Helpers for the database itself, below every app."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence, Sized
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


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


# Hand-written reads --------------------------------------------------------------------------------------
# Every post makes a handful of small reads by index. Measured on this project's 2-core machine, Django takes
# about 0.4 ms to build the SQL of such a query and 0.03 ms to run it on SQLite: the reads a post makes on
# every request are written out once here instead (``comments.selectors``, ``commenters.selectors``), with
# the same filters and order as the querysets they replace, so that they follow the same indexes
# (``tests/comments/test_story_shape_plans.py``).


def table(model: type[Model]) -> str:
    """A model's table name, quoted for the database in use."""
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[Model], alias: str = "") -> str:
    """A model's columns (of the table named ``alias``, if given), named and quoted, for a hand-written SELECT:
    never ``*``, whose result a prepared statement fixes (a column added by a migration then fails every
    connection that prepared it)."""
    return _columns(connection.vendor, model, alias)


@functools.cache
def _columns(vendor: str, model: type[Model], alias: str) -> str:
    # Worked out once a process: a post names a model's columns in a statement of its own.
    on = f"{connection.ops.quote_name(alias)}." if alias else ""
    return ", ".join(on + connection.ops.quote_name(f.column) for f in model._meta.concrete_fields if f.column)


def converter(model: type[Model], name: str) -> Callable[[Any], Any]:
    """What turns a column's value as the database gives it into the field's (Django's own converters: SQLite
    gives a date and time without its time zone, a UUID as hex), for values read with :func:`rows`."""
    return _converters(connection.vendor, model)[name]


def instances(model: type[M], found: Iterable[Sequence[Any]]) -> list[M]:
    """Instances of ``model`` from rows read as :func:`columns` names them, converted as a queryset would: without
    a raw queryset's cost (it works out the columns' order and converters for every read, which a post felt)."""
    converts = _converters(connection.vendor, model)
    names = [field.attname for field in model._meta.concrete_fields if field.column]
    alias = connection.alias
    return [
        model.from_db(alias, names, [convert(value) for convert, value in zip(converts.values(), row, strict=True)])
        for row in found
    ]


@functools.cache
def _converters(vendor: str, model: type[Model]) -> dict[str, Callable[[Any], Any]]:
    """Each column's converter, by field name, in :func:`columns`' order: worked out once a process for each kind
    of database (on every post, working them out was half a millisecond). The steps read what they depend on
    (the time zone setting) when they run; ``vendor`` keys the cache."""
    found: dict[str, Callable[[Any], Any]] = {}
    for field in model._meta.concrete_fields:
        if not field.column:
            continue
        column = field.get_col(model._meta.db_table)
        steps = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
        found[field.name] = _steps(steps, column) if steps else _as_given
    return found


def _steps(steps: list[Any], column: Any) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        for step in steps:
            value = step(value, column, connection)
        return value

    return convert


def _as_given(value: Any) -> Any:
    return value


def when(value: Any) -> Any:
    """A date and time as the database in use stores it (naive UTC text on SQLite, as Django writes it)."""
    return connection.ops.adapt_datetimefield_value(value)


def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run a write; the rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def lock(key: str) -> None:
    """Hold ``key`` until the transaction ends, against every other transaction that asks for it (PostgreSQL's
    advisory lock; on SQLite the transaction holds the database's write lock from its start, settings'
    IMMEDIATE, which is this already)."""
    if connection.vendor == "postgresql":
        execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def placeholders(values: Sized) -> str:
    """``%s, %s, …``: one a value (at least one, so that ``IN ()`` is never written)."""
    return ", ".join(["%s"] * max(len(values), 1))
