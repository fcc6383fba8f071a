from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from articles.models import Article
from commenters.mailboxes import KEY_MAX_LENGTH
from moderation import Family
from newsroom import limits

REAL = Q(simulation__isnull=True)
TOP_LEVEL = Q(parent__isnull=True)


class CommentQuerySet(models.QuerySet["Comment"]):
    def real(self) -> CommentQuerySet:
        """Readers' comments, without the simulator's: what every page, count and live context reads."""
        return self.filter(REAL)

    def published(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.PUBLISHED)

    def held(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.HELD)

    def top_level(self) -> CommentQuerySet:
        return self.filter(TOP_LEVEL)

    def needing_review(self) -> CommentQuerySet:
        """The review queue: held comments, published ones a reader reported, and published ones the filter flagged."""
        return self.filter(
            Q(status=Comment.Status.HELD)
            | Q(status=Comment.Status.PUBLISHED, open_reports__gt=0)
            | Q(status=Comment.Status.PUBLISHED, flagged=True)
        )


class Comment(models.Model):
    class Source(models.TextChoices):
        NATIVE = "", "Posted here"
        DISQUS = "disqus", "Imported from Disqus"
        WORDPRESS = "wordpress", "Imported from WordPress"
        NEWSROOM = "newsroom", "Imported from a Newsroom export"

    class Status(models.TextChoices):
        HELD = "held", "Held for review"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        REMOVED = "removed", "Removed"

    class Decision(models.TextChoices):
        PUBLISH = "publish", "Publish"
        HOLD = "hold", "Hold for review"
        REJECT = "reject", "Reject"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    # The thread's top-level comment (null for a top-level comment itself) and the
    # nesting depth are fixed when a comment is written, from its parent, which never
    # moves: a whole thread is then one indexed read, and concurrent replies can't skew it.
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread_comments")
    depth = models.PositiveSmallIntegerField(default=0)
    # On a thread's top-level comment: how many readers' replies in the thread are published. Kept by the
    # services as replies are posted and decided, so "most replies" and tombstones need no count per request.
    reply_count = models.PositiveIntegerField(default=0)
    # Readers' reactions to it (``Reaction``), kept by the services with each reaction given or taken back, so a
    # page shows them and "most reactions" sorts by them without a count per comment.
    reaction_count = models.PositiveIntegerField(default=0)
    # When a moderator featured it (the section's "Featured" tab lists these, newest first); None: not featured.
    featured_at = models.DateTimeField(null=True, blank=True)

    author_name = models.CharField(max_length=limits.NAME_MAX_LENGTH)
    # Stored lower-cased, so "this reader's comments" is an exact, indexed match.
    author_email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    # Who the author is: the mailbox the address delivers to (commenters.mailboxes), so another spelling of
    # one mailbox ("+tag", case, dots at Gmail, full-width letters) is the same commenter to the sanctions,
    # the week's record, the duplicate check and the new-commenter rule. Set by the services.
    mailbox = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, default="")
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)
    # Indexed in Meta, not here: a text column indexed here gets a second index on PostgreSQL, for LIKE, which no
    # read of a status makes, and which every comment stored paid for.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.HELD)

    # What the auto-filter said, kept as it was said: the decision, the reason codes,
    # a score per check and the spans of text that triggered each reason.
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    explanation = models.JSONField(default=list, blank=True)

    # The key of the text's words (moderation.normalize.fingerprint_key): the duplicate check finds the same
    # words again in one indexed read. And whether it taught the article its readers' vocabulary
    # (published and clearly on-topic when decided; cleared if it is taken down): the conversation sample is
    # an indexed read too.
    fingerprint = models.CharField(max_length=32, blank=True, default="")
    in_conversation = models.BooleanField(default=False)

    open_reports = models.PositiveIntegerField(default=0)
    # Counts every change a moderator's decision acts on (status, reports, flag, an undo): a decision names
    # the version it was made on, and one made on a state that has since changed is refused, not applied.
    version = models.PositiveIntegerField(default=0)
    # Published at once but listed for a moderator (a "publish and flag" topic policy); a decision clears it.
    flagged = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # A token the form carries: the same form sent twice (a double click) stores one comment. Unique where set
    # (Meta's constraint: no index of LIKE beside it, and none of the NULLs of imported and simulated comments).
    submission_token = models.CharField(max_length=64, null=True, blank=True)
    # The author asked, when posting, to be emailed when someone replies to it.
    notify_replies = models.BooleanField(default=False)
    # What the shadow policy (a draft tried on live traffic) would have done: it decides nothing.
    shadow_decision = models.CharField(max_length=10, blank=True, default="")
    shadow_reasons = models.JSONField(default=list, blank=True)
    shadow_policy = models.CharField(max_length=50, blank=True, default="")

    # Simulated traffic is kept apart from real readers' and carries its ground truth,
    # which moderators never see in the queue.
    # Indexed only where set (below): an index over all the NULLs of readers' comments would tempt the
    # planner into reading every comment for "readers' comments only".
    simulation = models.ForeignKey(
        "lab.SimulationRun",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    ground_truth = models.JSONField(default=dict, blank=True)

    # A comment brought from another comment system (transfer.import_comments): which one, and its id there,
    # so importing the same export again stores nothing twice. Empty and NULL for comments posted here.
    source = models.CharField(max_length=12, choices=Source.choices, blank=True, default=Source.NATIVE)
    source_id = models.CharField(max_length=200, null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        # Readers' pages and the live moderation context read real comments only: their indexes leave
        # the simulator's out, so the planner can answer from the index alone.
        indexes = [
            # The desk's queues by status, across stories.
            models.Index(fields=["status"], name="comment_status_idx"),
            models.Index(
                fields=["article", "parent", "status", "created_at"], condition=REAL, name="comment_thread_idx"
            ),
            # Counting a page's threads (published, or tombstones with replies) from the index alone.
            models.Index(
                fields=["article", "parent", "status", "reply_count"], condition=REAL, name="comment_thread_count_idx"
            ),
            # A page of threads in each sort, read in the index's order and cut at the page. Partial on
            # top-level comments, so the order is the index's own: PostgreSQL does not take "parent IS NULL"
            # as an equality, and would sort every thread of a story behind (article, parent, ...).
            models.Index(
                fields=["article", "created_at", "id"], condition=REAL & TOP_LEVEL, name="comment_threads_by_date_idx"
            ),
            models.Index(
                fields=["article", "-reply_count", "created_at", "id"],
                condition=REAL & TOP_LEVEL,
                name="comment_threads_by_replies_idx",
            ),
            models.Index(
                fields=["article", "-reaction_count", "created_at", "id"],
                condition=REAL & TOP_LEVEL,
                name="comment_threads_by_react_idx",
            ),
            models.Index(
                fields=["article", "-featured_at"],
                condition=REAL & Q(featured_at__isnull=False),
                name="comment_featured_idx",
            ),
            models.Index(fields=["article", "status", "created_at"], condition=REAL, name="comment_article_status_idx"),
            # A thread's replies in order, each thread's first few cut at their limit (selectors._replies_of).
            models.Index(fields=["root", "created_at", "id"], condition=REAL, name="comment_replies_idx"),
            models.Index(fields=["author_email", "created_at"]),
            models.Index(fields=["simulation"], condition=Q(simulation__isnull=False), name="comment_simulated_idx"),
            models.Index(fields=["author_email", "status"], condition=REAL, name="comment_author_status_idx"),
            models.Index(fields=["mailbox", "created_at"], condition=REAL, name="comment_mailbox_week_idx"),
            models.Index(fields=["mailbox", "status"], condition=REAL, name="comment_mailbox_status_idx"),
            # The duplicate check's read: the same words on the story, latest first, in the index's own order.
            models.Index(
                fields=["article", "fingerprint", "created_at", "id"], condition=REAL, name="comment_same_words_idx"
            ),
            # The story's latest comments that joined the conversation (the topic check's sample), read in order
            # and cut at the sample: partial on exactly those, so a story whose comments mostly did not join
            # (imported, old, flooded off-topic) is not walked through to find the few that did.
            models.Index(
                fields=["article", "created_at", "id"],
                condition=REAL & Q(in_conversation=True),
                name="comment_conversation_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_token"],
                condition=Q(submission_token__isnull=False),
                name="comment_submission_token_unique",
            ),
            # Partial, like the simulator's index: readers' own comments, all NULL here, are not in it.
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=Q(source_id__isnull=False), name="comment_source_id_unique"
            ),
        ]
        permissions = [("can_moderate", "Can moderate comments (approve, reject, remove)")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:60]}"


class ModerationEventQuerySet(models.QuerySet["ModerationEvent"]):
    def by_moderators(self, *, dismissals: bool = False) -> ModerationEventQuerySet:
        """Decisions people made on comments: approvals, rejections, removals (and, if asked, reports
        dismissed, which keep a comment published); not the filter's, not readers' reports."""
        actions = [ModerationEvent.Action.APPROVE, ModerationEvent.Action.REJECT, ModerationEvent.Action.REMOVE]
        if dismissals:
            actions.append(ModerationEvent.Action.DISMISS_REPORTS)
        # An undone decision was taken back within its window: it decided nothing.
        return self.filter(actor__isnull=False, action__in=actions, undone_by__isnull=True)


class ModerationEvent(models.Model):
    """The audit trail: one row for every decision on a comment, automatic or human."""

    class Action(models.TextChoices):
        AUTO = "auto", "Automatic decision"
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REMOVE = "remove", "Removed"
        REPORT = "report", "Reported by a reader"
        DISMISS_REPORTS = "dismiss_reports", "Reports dismissed"
        UNDO = "undo", "Decision undone"
        FEATURE = "feature", "Featured"
        UNFEATURE = "unfeature", "No longer featured"
        APPEAL = "appeal", "Appealed by its author"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    old_status = models.CharField(max_length=12, choices=Comment.Status.choices, blank=True)
    new_status = models.CharField(max_length=12, choices=Comment.Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A moderator's decision: the comment's version it produced, what it cleared (so an undo restores it),
    # and until when its moderator may take it back (its emails wait until then). An undo event names the
    # decision it took back.
    version = models.PositiveIntegerField(null=True, blank=True)
    old_open_reports = models.PositiveIntegerField(default=0)
    old_flagged = models.BooleanField(default=False)
    undo_until = models.DateTimeField(null=True, blank=True)
    undoes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by")

    objects = ModerationEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor else "system"
        return f"{self.get_action_display()} by {who}"

    @property
    def actor_label(self) -> str:
        if self.action == ModerationEvent.Action.APPEAL:
            return "its author"
        return self.actor.get_username() if self.actor else "system"


class CommentReport(models.Model):
    class Reason(models.TextChoices):
        ABUSIVE = Family.ABUSIVE.value, "Abusive or hateful"
        OFF_TOPIC = Family.OFF_TOPIC.value, "Off-topic"
        SPAM = Family.SPAM.value, "Spam or advertising"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=limits.REPORT_NOTE_MAX_LENGTH, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)
    # The decision that closed it: undoing that decision opens it again.
    resolved_by = models.ForeignKey(
        ModerationEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved_reports"
    )

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on #{self.comment_id}"


class Reaction(models.Model):
    """One reader's reaction to a published comment (the site's one kind, ``settings.COMMENTS_REACTION_LABEL``):
    appreciation, never a vote on moderation. A reader is a keyed hash of who they are (their confirmed address,
    else this browser's session; ``comments.session.reaction_reader``), never the address.
    One a reader a comment, which the database holds to, however many clicks arrive at once."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    reader = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "reader"], name="reaction_once_a_reader")]
        indexes = [models.Index(fields=["reader", "comment"], name="reaction_reader_idx")]

    def __str__(self) -> str:
        return f"Reaction to #{self.comment_id}"


class Appeal(models.Model):
    """An author contesting a decision that hid their comment (the EU's Digital Services Act, Art. 20): once a
    decision, within the policy's ``appeal_days``, with a note. Decided on the desk by a moderator other than the
    one who made the decision (``comments.appeals``): publishing it overturns the decision, keeping it hidden
    upholds it; the outcome and its reason go back to the author."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a moderator"
        UPHELD = "upheld", "Decision upheld"
        OVERTURNED = "overturned", "Decision overturned"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="appeals")
    # The decision appealed (the filter's, or a moderator's): one appeal each, which the database holds to.
    decision = models.OneToOneField(ModerationEvent, on_delete=models.CASCADE, related_name="appeal")
    note = models.TextField(max_length=limits.APPEAL_NOTE_MAX_LENGTH)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    # The moderator's decision that answered it (approve: overturned; reject: upheld); undoing it opens the
    # appeal again.
    resolution = models.OneToOneField(
        ModerationEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved_appeal"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], condition=Q(status="open"), name="appeal_open_idx")]

    def __str__(self) -> str:
        return f"Appeal on #{self.comment_id} ({self.get_status_display().lower()})"
