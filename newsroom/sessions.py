"""Sessions in the database, as Django keeps them, with two statements fewer a new session and one a save.

- **No read first.** Django draws a new session's key, asks the table whether the key is taken, then inserts
  the row with ``must_create``, which fails on a taken key and makes ``create()`` draw again. The ask is a
  statement on every reader's first response that writes a session (a first post, a first report), and it can
  never change the outcome: 32 characters drawn from 36 do not clash, and if they did, the insert is refused
  and a new key drawn.
- **No transaction of its own outside one.** Django wraps the insert (or update) in ``atomic()``, so that a
  refused insert does not break a transaction it runs within. Outside one, that is a ``BEGIN`` and a
  ``COMMIT`` around one statement, two more round trips to PostgreSQL; and one statement is atomic on its own.
  Within a transaction, Django's way is kept (a savepoint).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    async def _aget_new_session_key(self) -> str:
        return self._get_new_session_key()

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        if connections[using].in_atomic_block:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session(no_load=must_create))  # type: ignore[attr-defined]
        try:
            obj.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError as exc:
            if must_create:
                raise CreateError from exc
            raise
        except DatabaseError as exc:
            if not must_create:  # "Forced update did not affect any rows": the session was deleted meanwhile
                raise UpdateError from exc
            raise
        return None
