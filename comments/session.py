"""What this browser keeps of its reader: the comments it wrote (an author sees their own held comments,
nobody else does), and the commenters its reader chose not to see."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

KEY = "comments.own"
LIMIT = 50
IGNORED = "comments.ignored"
IGNORED_LIMIT = 100


def own_comment_ids(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in request.session.get(KEY, []) if str(pk).isdigit()]


def remember_own_comment(request: HttpRequest, pk: int) -> None:
    ids = [i for i in own_comment_ids(request) if i != pk]
    request.session[KEY] = [*ids[-(LIMIT - 1) :], pk]


@dataclass(frozen=True)
class Ignored:
    """A commenter this reader does not want to see: by their mailbox (``mailbox_key``, so another spelling of
    the address is still them), kept on the server in the reader's session, and the name to show in the list."""

    mailbox: str
    name: str

    @property
    def key(self) -> str:
        """What names them in a form or the API without telling their address."""
        return salted_hmac("comments.ignored", self.mailbox).hexdigest()[:16]


def ignored_commenters(request: HttpRequest) -> list[Ignored]:
    kept = request.session.get(IGNORED, [])
    return [
        Ignored(mailbox=str(row[0]), name=str(row[1]))
        for row in kept if isinstance(row, list | tuple) and len(row) == 2
    ]  # fmt: skip


def ignore_commenter(request: HttpRequest, *, mailbox: str, name: str) -> Ignored:
    """From now on this reader sees none of this mailbox's comments (the oldest of ``IGNORED_LIMIT`` is let go)."""
    ignored = Ignored(mailbox=mailbox, name=name)
    rest = [i for i in ignored_commenters(request) if i.mailbox != mailbox]
    request.session[IGNORED] = [[i.mailbox, i.name] for i in [*rest[-(IGNORED_LIMIT - 1) :], ignored]]
    return ignored


def stop_ignoring(request: HttpRequest, key: str) -> Ignored | None:
    """See this commenter's comments again; the one it was, or None if this reader did not ignore them."""
    ignored = ignored_commenters(request)
    found = next((i for i in ignored if i.key == key), None)
    if found is not None:
        request.session[IGNORED] = [[i.mailbox, i.name] for i in ignored if i is not found]
    return found
