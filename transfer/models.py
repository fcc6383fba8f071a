from __future__ import annotations

from django.db import models

from comments.models import Comment


class PendingParent(models.Model):
    """A reply imported before its parent was known: a Disqus export may list a reply before the comment it
    answers. The link is made once the whole file is stored, in batches, and the row deleted in the same
    transaction; a row left here would mean an import that did not finish, which its rollback rules out."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="+")
    parent_source = models.CharField(max_length=12)
    parent_source_id = models.CharField(max_length=200)
    line = models.PositiveIntegerField(help_text="Where the reply is in the file, to report a parent not found.")

    def __str__(self) -> str:
        return f"#{self.comment_id} answers {self.parent_source}:{self.parent_source_id}"
