"""Sessions in the database, as Django keeps them, without the read that each new session made first.

Django draws a new session's key, asks the table whether the key is taken, then inserts the row with
``must_create``, which fails on a taken key and makes ``create()`` draw again. The ask is a statement on every
reader's first response that writes a session (a first post, a first report), and it can never change the
outcome: 32 characters drawn from 36 do not clash, and if they did, the insert is refused and a new key drawn.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    async def _aget_new_session_key(self) -> str:
        return self._get_new_session_key()
