"""What this browser keeps of its reader: the comments it wrote (an author sees their own held comments,
nobody else does), and the commenters its reader chose not to see."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.http import HttpRequest

from commenters.mailboxes import mailbox_key
from comments.forms import IDENTITY_COOKIE, confirmed_email
from comments.models import Comment
from comments.reactions import reader_key

KEY = "comments.own"
LIMIT = 50
IGNORED = "comments.ignored"
IGNORED_LIMIT = 100


def own_comment_ids(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in request.session.get(KEY, []) if str(pk).isdigit()]


def remember_own_comment(request: HttpRequest, pk: int, *, save: bool = False) -> None:
    """This browser wrote comment ``pk``. ``save``: saved now (a post, in its comment's transaction), not only as
    the response goes out (which then finds it saved and unchanged: ``newsroom.sessions``)."""
    ids = [i for i in own_comment_ids(request) if i != pk]
    request.session[KEY] = [*ids[-(LIMIT - 1) :], pk]
    if save:
        request.session.save()


def reaction_reader(request: HttpRequest, *, create: bool = False) -> str | None:
    """Who reacts on this browser (``comments.reactions.reader_key``): the address it confirmed (on any of the
    reader's browsers, the same reader), else its session, made now with ``create`` for a first reaction; None
    for a browser with neither, which has reacted to nothing."""
    email = confirmed_email(request.COOKIES.get(IDENTITY_COOKIE))
    if email:
        return reader_key(email=email)
    if request.session.session_key is None and create:
        request.session.save()
    key = request.session.session_key
    return reader_key(session=key) if key else None


def own_comment(request: HttpRequest, comment: Comment) -> bool:
    """Written on this browser, or under the address it confirmed."""
    if comment.pk in own_comment_ids(request):
        return True
    email = confirmed_email(request.COOKIES.get(IDENTITY_COOKIE))
    return email is not None and mailbox_key(email) == comment.mailbox


@dataclass(frozen=True)
class Ignored:
    """A commenter this reader does not want to see, kept on the server in the reader's session: who they are
    (``comments.selectors.commenter_key``), the name to show in the list, and ``who``, a random name for this
    entry that forms and the API use to undo it (the same commenter has another for every reader)."""

    key: str
    name: str
    who: str


def ignored_commenters(request: HttpRequest) -> list[Ignored]:
    kept = request.session.get(IGNORED, [])
    return [
        Ignored(key=str(row[0]), name=str(row[1]), who=str(row[2]))
        for row in kept if isinstance(row, list | tuple) and len(row) == 3
    ]  # fmt: skip


def ignore_commenter(request: HttpRequest, *, key: str, name: str) -> Ignored:
    """From now on this reader sees none of this commenter's comments (the oldest of ``IGNORED_LIMIT`` is let go)."""
    kept = ignored_commenters(request)
    found = next((i for i in kept if i.key == key), None)
    ignored = found or Ignored(key=key, name=name, who=secrets.token_hex(8))
    rest = [i for i in kept if i.key != key]
    request.session[IGNORED] = [[i.key, i.name, i.who] for i in [*rest[-(IGNORED_LIMIT - 1) :], ignored]]
    return ignored


def stop_ignoring(request: HttpRequest, who: str) -> Ignored | None:
    """See this commenter's comments again; the one it was, or None if this reader did not ignore them."""
    ignored = ignored_commenters(request)
    found = next((i for i in ignored if i.who == who), None)
    if found is not None:
        request.session[IGNORED] = [[i.key, i.name, i.who] for i in ignored if i is not found]
    return found
