"""Readers' reactions to published comments: one kind (``settings.COMMENTS_REACTION_LABEL``, "Respect"), one a
reader a comment, given and taken back. Appreciation only: nothing here reads or changes a comment's status, its
place in the queue, or anything the filter sees.

The count is kept on the comment (``Comment.reaction_count``), changed in the same transaction as the row that
says who reacted, and only when that row was written or deleted: two clicks at once from one reader make one
reaction (the database's unique constraint decides), and the count always equals the rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from commenters.mailboxes import mailbox_key
from comments.models import Comment, Reaction
from newsroom import db


class ReactionError(Exception):
    """A reaction refused, with why, in a sentence for the reader."""


@dataclass(frozen=True)
class Reacted:
    count: int
    reacted: bool


def reader_key(*, site_reader: int | None = None, email: str | None = None, session: str | None = None) -> str:
    """Who reacts, as the reaction is kept: the reader their site signed in, else their confirmed address (by
    its mailbox, however spelled), else this browser's session. A keyed hash: no address is stored."""
    if site_reader is not None:
        who = f"site:{site_reader}"
    elif email:
        who = f"mail:{mailbox_key(email)}"
    elif session:
        who = f"session:{session}"
    else:
        raise ValueError("a reader is needed")
    return salted_hmac("comments.reaction", who).hexdigest()[:40]


def comment_react(*, comment: Comment, reader: str, own: Collection[int] = ()) -> Reacted:
    """``reader`` reacts to ``comment`` (nothing changes if they did already)."""
    if comment.status != Comment.Status.PUBLISHED or comment.simulation_id is not None:
        raise ReactionError("Only a published comment can be reacted to.")
    if comment.pk in own:
        raise ReactionError("That is your own comment.")
    with transaction.atomic():
        written = db.rows(
            f'INSERT INTO {db.table(Reaction)} ("comment_id", "reader", "created_at") VALUES (%s, %s, %s) '  # noqa: S608
            'ON CONFLICT ("comment_id", "reader") DO NOTHING RETURNING "id"',
            [comment.pk, reader, db.when(timezone.now())],
        )
        if written:
            Comment.objects.filter(pk=comment.pk).update(reaction_count=F("reaction_count") + 1)
    return Reacted(count=_count(comment.pk), reacted=True)


def comment_unreact(*, comment: Comment, reader: str) -> Reacted:
    """``reader`` takes their reaction back (nothing changes if they had none)."""
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(comment=comment, reader=reader).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk, reaction_count__gt=0).update(reaction_count=F("reaction_count") - 1)
    return Reacted(count=_count(comment.pk), reacted=False)


def _count(pk: int) -> int:
    return int(Comment.objects.filter(pk=pk).values_list("reaction_count", flat=True).get())
