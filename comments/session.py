"""Which comments this browser wrote: an author sees their own held comments, nobody else does."""

from __future__ import annotations

from django.http import HttpRequest

KEY = "comments.own"
LIMIT = 50


def own_comment_ids(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in request.session.get(KEY, []) if str(pk).isdigit()]


def remember_own_comment(request: HttpRequest, pk: int) -> None:
    ids = [i for i in own_comment_ids(request) if i != pk]
    request.session[KEY] = [*ids[-(LIMIT - 1) :], pk]
