"""Django's PostgreSQL backend, with its parameters bound by the server (``DB_PREPARE_THRESHOLD``), held to what
one statement may bind.

Bound by the server, a statement carries at most 65,535 parameters (the protocol counts them in 16 bits); bound
by the client, as Django does by default, it had no such limit, and Django 5.2 does not batch for it. So
``bulk_create`` and ``bulk_update``, and a deletion's collector (which looks for the rows that point at the rows
it deletes, a batch at a time), take batches that fit: deleting a simulation of a million comments, or
importing a large export, runs in several statements instead of failing in one.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations

# The most parameters one statement may bind on the server.
MAX_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields: Any, objs: Any) -> int:
        # Twice the fields Django names: ``bulk_update`` binds two values a row and a field (the row's id in its
        # WHEN, and the value) and the ids once more, but names its fields and the id twice.
        return max(1, min(len(objs), MAX_PARAMETERS // (2 * max(1, len(fields)))))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
