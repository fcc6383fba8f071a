"""Sessions in the database, as Django keeps them, with two statements fewer a new session and one a save.

- **No read first.** Django draws a new session's key, asks the table whether the key is taken, then inserts
  the row, which fails on a taken key and makes ``create()`` draw again. The ask is a statement on every
  reader's first response that writes a session (a first post, a first report), and it can never change the
  outcome: 32 characters drawn from 36 do not clash, and if they did, the insert (``ON CONFLICT DO NOTHING``)
  leaves the taken row alone and a new key is drawn.
- **No transaction nor savepoint of its own.** Django wraps the insert (or update) in ``atomic()``, so that a
  refused insert does not break a transaction it runs within: outside one, a ``BEGIN`` and a ``COMMIT`` around
  one statement (two more round trips to PostgreSQL); within one, a savepoint (two more). One statement is
  atomic on its own; the insert is never refused (above); and the update is by filter, which finds no row
  without marking the transaction for rollback (the session was deleted meanwhile: within a transaction it
  is left to the save as the response goes out). A post saves its browser's session within the comment's
  own transaction: one commit, where the session's row was a commit of its own (a second wait for the disk).
- **Not written twice.** A session saved in this request and unchanged since (the post's, once its transaction
  committed) is not written again when the response goes out.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import connections, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    async def _aget_new_session_key(self) -> str:
        return self._get_new_session_key()

    # The session's key and a copy of its data as this request last wrote them (once committed); and a key whose
    # row this request inserted in a transaction not yet committed.
    _written: tuple[str, dict[str, Any]] | None = None
    _inserted_uncommitted: str | None = None

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        if not must_create and self._written == (self.session_key, data):
            return None  # written already, as it is now (a post's session, in the comment's transaction)
        using = router.db_for_write(self.model)
        obj = self.create_model_instance(data)
        if must_create:
            # A taken key leaves the row alone (and the caller's transaction usable, with no savepoint): drawn again.
            if not self._insert(obj, using):
                raise CreateError
            self._inserted_uncommitted = self.session_key
        else:
            # An update by filter (not the row's save, which marks a transaction it runs in for rollback when it
            # finds no row): a session gone never undoes the caller's work (a post's comment).
            found = self.model.objects.using(using).filter(session_key=self.session_key)
            if not found.update(session_data=obj.session_data, expire_date=obj.expire_date):
                if connections[using].in_atomic_block:
                    return None  # left to the save as the response goes out, which says what Django says
                if self._inserted_uncommitted == self.session_key:
                    # Its row was inserted in a transaction that was then rolled back (a post that failed after):
                    # a new session, as if it had never been saved.
                    return self.create()
                raise UpdateError  # deleted meanwhile (a sign-out in another tab): Django's answer
        written = (self.session_key, copy.deepcopy(data))
        transaction.on_commit(lambda: self._committed(written), using=using)  # at once outside a transaction
        return None

    def _committed(self, written: tuple[str, dict[str, Any]]) -> None:
        self._written = written
        self._inserted_uncommitted = None

    def _insert(self, obj: Any, using: str) -> bool:
        """The new session's row, unless its key is taken: whether it was inserted."""
        connection = connections[using]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                [obj.session_key, obj.session_data, connection.ops.adapt_datetimefield_value(obj.expire_date)],
            )
            return bool(cursor.rowcount)
