"""The review queue: a view of comments, with its own place in the admin."""

from __future__ import annotations

from comments.models import Comment


class ReviewQueueItem(Comment):
    """Held and reported comments, oldest first: what a moderator works through."""

    class Meta:
        proxy = True
        verbose_name = "review queue item"
        verbose_name_plural = "review queue"
