from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from articles.models import Article

from . import limits
from .moderation import Family

REAL = Q(simulation__isnull=True)


class CommentQuerySet(models.QuerySet["Comment"]):
    def real(self) -> CommentQuerySet:
        """Readers' comments, without the simulator's: what every page, count and live context reads."""
        return self.filter(REAL)

    def published(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.PUBLISHED)

    def held(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.HELD)

    def top_level(self) -> CommentQuerySet:
        return self.filter(parent__isnull=True)

    def needing_review(self) -> CommentQuerySet:
        """The review queue: held comments, published ones a reader reported, and published ones the filter flagged."""
        return self.filter(
            Q(status=Comment.Status.HELD)
            | Q(status=Comment.Status.PUBLISHED, open_reports__gt=0)
            | Q(status=Comment.Status.PUBLISHED, flagged=True)
        )


class Comment(models.Model):
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

    author_name = models.CharField(max_length=limits.NAME_MAX_LENGTH)
    # Stored lower-cased, so "this reader's comments" is an exact, indexed match.
    author_email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.HELD, db_index=True)

    # What the auto-filter said, kept as it was said: the decision, the reason codes,
    # a score per check and the spans of text that triggered each reason.
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    explanation = models.JSONField(default=list, blank=True)

    # The key of the text's words (moderation.normalize.fingerprint_key): the duplicate check finds the same
    # words again in one indexed read. And whether it taught the article its readers' vocabulary
    # (published and clearly on-topic when decided): the conversation sample is an indexed read too.
    fingerprint = models.CharField(max_length=32, blank=True, default="")
    in_conversation = models.BooleanField(default=False)

    open_reports = models.PositiveIntegerField(default=0)
    # Published at once but listed for a moderator (a "publish and flag" topic policy); a decision clears it.
    flagged = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # A token the form carries: the same form sent twice (a double click) stores one comment.
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
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
        "comments.SimulationRun", null=True, blank=True, on_delete=models.CASCADE, related_name="comments",
        db_index=False,
    )
    ground_truth = models.JSONField(default=dict, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        # Readers' pages and the live moderation context read real comments only: their indexes leave
        # the simulator's out, so the planner can answer from the index alone.
        indexes = [
            models.Index(fields=["article", "parent", "status", "created_at"], condition=REAL, name="comment_thread_idx"),
            # Counting a page's threads (published, or tombstones with replies) from the index alone.
            models.Index(
                fields=["article", "parent", "status", "reply_count"], condition=REAL, name="comment_thread_count_idx"
            ),
            models.Index(fields=["article", "parent", "created_at"], condition=REAL, name="comment_threads_by_date_idx"),
            models.Index(
                fields=["article", "parent", "-reply_count", "created_at"], condition=REAL, name="comment_threads_by_replies_idx"
            ),
            models.Index(fields=["article", "status", "created_at"], condition=REAL, name="comment_article_status_idx"),
            models.Index(fields=["root", "created_at"], condition=REAL, name="comment_replies_idx"),
            models.Index(fields=["author_email", "created_at"]),
            models.Index(fields=["simulation"], condition=Q(simulation__isnull=False), name="comment_simulated_idx"),
            models.Index(fields=["author_email", "status"], condition=REAL, name="comment_author_status_idx"),
            models.Index(fields=["article", "fingerprint", "created_at"], condition=REAL, name="comment_same_words_idx"),
            models.Index(
                fields=["article", "in_conversation", "created_at"], condition=REAL, name="comment_conversation_idx"
            ),
        ]
        permissions = [("can_moderate", "Can moderate comments (approve, reject, remove)")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:60]}"


class ReviewQueueItem(Comment):
    """Held and reported comments, oldest first: what a moderator works through."""

    class Meta:
        proxy = True
        verbose_name = "review queue item"
        verbose_name_plural = "review queue"


class ModerationEventQuerySet(models.QuerySet["ModerationEvent"]):
    def by_moderators(self, *, dismissals: bool = False) -> ModerationEventQuerySet:
        """Decisions people made on comments: approvals, rejections, removals (and, if asked, reports
        dismissed, which keep a comment published); not the filter's, not readers' reports."""
        actions = [ModerationEvent.Action.APPROVE, ModerationEvent.Action.REJECT, ModerationEvent.Action.REMOVE]
        if dismissals:
            actions.append(ModerationEvent.Action.DISMISS_REPORTS)
        return self.filter(actor__isnull=False, action__in=actions)


class ModerationEvent(models.Model):
    """The audit trail: one row for every decision on a comment, automatic or human."""

    class Action(models.TextChoices):
        AUTO = "auto", "Automatic decision"
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REMOVE = "remove", "Removed"
        REPORT = "report", "Reported by a reader"
        DISMISS_REPORTS = "dismiss_reports", "Reports dismissed"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    old_status = models.CharField(max_length=12, choices=Comment.Status.choices, blank=True)
    new_status = models.CharField(max_length=12, choices=Comment.Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ModerationEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor else "system"
        return f"{self.get_action_display()} by {who}"

    @property
    def actor_label(self) -> str:
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

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on #{self.comment_id}"


class ModerationPolicy(models.Model):
    """The comment policy as data: what readers are told is what the filter enforces."""

    class Mode(models.TextChoices):
        AUTO = "auto", "Automatic: publish, hold or reject by the checks"
        HOLD_ALL = "hold_all", "Hold every comment for review"
        PUBLISH_ALL = "publish_all", "Publish everything (no filtering)"

    name = models.SlugField(max_length=50, unique=True)
    is_active = models.BooleanField(
        default=False, help_text="The policy the site uses (only one). Others are drafts: editing them changes nothing."
    )
    is_shadow = models.BooleanField(
        default=False,
        help_text="A draft that judges every real comment beside the live policy (which alone decides), "
        "so the lab can show where they differ. Only one.",
    )
    summary = models.TextField(
        default="Comments are moderated and generally will be posted if they are on-topic and not abusive."
    )
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.AUTO)
    abuse_hold = models.FloatField(default=0.5, help_text="Abuse score at which a comment is held (0-1).")
    abuse_reject = models.FloatField(default=0.9, help_text="Abuse score at which a comment is rejected (0-1).")
    model_hold = models.FloatField(
        default=0.61, help_text="The learned model's abuse probability at which a comment is held (0-1)."
    )
    model_reject = models.FloatField(
        default=0.96, help_text="The learned model's abuse probability at which a comment is rejected (0-1)."
    )
    class TopicAction(models.TextChoices):
        HOLD = "hold", "Hold it for review"
        FLAG = "flag", "Publish it and flag it for moderators"

    off_topic_hold = models.FloatField(
        default=0.5,
        help_text="Calibrated chance that a comment is off-topic (0-1) at which it is held or flagged. "
        "Off-topic alone never rejects.",
    )
    off_topic_action = models.CharField(
        max_length=8, choices=TopicAction.choices, default=TopicAction.HOLD,
        help_text="What happens to a likely off-topic comment.",
    )  # fmt: skip
    spam_hold = models.FloatField(default=0.5)
    spam_reject = models.FloatField(default=0.9)
    shouting_hold = models.FloatField(default=0.8)
    max_links = models.PositiveSmallIntegerField(default=2, help_text="More links than this and a comment is held.")
    blocked_words = models.TextField(blank=True, help_text="Extra words to treat as profanity, one per line.")
    allowed_words = models.TextField(blank=True, help_text="Words never to flag, one per line.")
    hold_first_comments = models.PositiveSmallIntegerField(
        default=0, help_text="Hold a new commenter's first N comments for review (0 = off; Coral uses 2)."
    )
    premoderate_rejected_share = models.FloatField(
        default=0.3,
        help_text="Pre-moderate a commenter when this share of their last week's comments (3 or more) "
        "was not published (0-1; 0: never).",
    )
    auto_close_days = models.PositiveSmallIntegerField(
        default=0,
        help_text="Close a story's comments this many days after it was published (0: never). A story may override it.",
    )
    duplicate_window_minutes = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "moderation policies"
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy")
        ]

    def __str__(self) -> str:
        return self.name


class SimulationRun(models.Model):
    """One run of the simulator: its parameters and the report it produced."""

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    label = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label


class OutboundEmail(models.Model):
    """An email to a reader, written in the same transaction as what it tells of, sent later by
    ``manage.py send_outbox`` (an outbox: a request never waits on a mail server, a failed send is
    tried again, and nothing about the comment depends on it)."""

    class Kind(models.TextChoices):
        DECISION = "decision", "A moderator decided on their held comment"
        REPLY = "reply", "Someone replied to their comment"
        CONFIRM = "confirm", "Confirm the address they commented with"

    to = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    unsubscribe_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it may next be tried (a failure pushes it back), and until when a sender has claimed it.
    send_after = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["send_after", "id"]
        indexes = [models.Index(fields=["sent_at", "send_after"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"


class EmailOptOut(models.Model):
    """An address that asked for no more emails (the unsubscribe link in each one)."""

    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email


class StorySettings(models.Model):
    """One story's comment controls, set by an editor or a moderator: open or closed, when it closes by
    itself, and how its comments are moderated (overriding the site's policy)."""

    class Mode(models.TextChoices):
        SITE = "", "As the site's policy says"
        AUTO = "auto", "Automatic: publish, hold or reject by the checks"
        HOLD_ALL = "hold_all", "Hold every comment for review (pre-moderate)"
        PUBLISH_ALL = "publish_all", "Publish everything"

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="comment_settings")
    comments_open = models.BooleanField(default=True)
    closed_message = models.CharField(
        max_length=300, blank=True, help_text="What readers are told when comments are closed (optional)."
    )
    close_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Close comments this many days after publication; empty: the policy's default."
    )
    mode = models.CharField(max_length=12, choices=Mode.choices, blank=True, default=Mode.SITE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "story comment settings"
        verbose_name_plural = "story comment settings"
        permissions = [("can_close_comments", "Can open and close a story's comments, and pause them site-wide")]

    def __str__(self) -> str:
        return f"Comments on {self.article}"


class SiteSwitch(models.Model):
    """The site-wide pause: no new comments anywhere (a night with no moderator). One row."""

    comments_paused = models.BooleanField(default=False)
    message = models.CharField(
        max_length=300, blank=True, default="Comments are paused for now and will reopen when moderators are back."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site-wide comment pause"
        verbose_name_plural = "site-wide comment pause"

    def __str__(self) -> str:
        return "Comments paused site-wide" if self.comments_paused else "Comments open site-wide"


class ControlEvent(models.Model):
    """The audit of what is not a decision on one comment: a story opened or closed or set to another
    mode, the site-wide pause switched, a commenter sanctioned or a sanction lifted."""

    class Action(models.TextChoices):
        STORY_SETTINGS = "story_settings", "Story comment settings changed"
        SITE_PAUSE = "site_pause", "Comments paused site-wide"
        SITE_RESUME = "site_resume", "Comments resumed site-wide"
        POLICY_ACTIVATE = "policy_activate", "Policy made live"
        POLICY_SHADOW = "policy_shadow", "Shadow policy set"
        SANCTION = "sanction", "Commenter sanctioned"
        LIFT = "lift", "Sanction lifted"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=20, choices=Action.choices)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor else "system"
        return f"{self.get_action_display()} by {who}"


class Sanction(models.Model):
    """What a moderator did about a commenter: a warning, pre-moderation, a suspension or a ban, with a reason
    and (except a warning) an end. By address, or for a ban also by email domain (throwaway addresses)."""

    class Kind(models.TextChoices):
        WARN = "warn", "Warning (shown on their next post)"
        PREMODERATE = "premoderate", "Pre-moderate every comment"
        SUSPEND = "suspend", "Suspend (no posting until it ends)"
        BAN = "ban", "Ban"

    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, blank=True, db_index=True)
    domain = models.CharField(max_length=253, blank=True, db_index=True, help_text="Ban a whole email domain.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until lifted.")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seen_at = models.DateTimeField(null=True, blank=True)  # a warning, once shown to the commenter

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("can_sanction", "Can warn, pre-moderate, suspend and ban commenters, and lift it")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email or '@' + self.domain}"


class Commenter(models.Model):
    """An email address that has commented, and whether its owner confirmed it. A browser that opened the
    confirmation link carries a signed cookie naming the address; only comments from such a browser count
    as that commenter's (their record of published comments lifts the new-commenter hold). Typing a
    regular's address elsewhere gains nothing."""

    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email


class LabRun(models.Model):
    """One comparison in the policy lab: a draft against the live policy on one stream, run in the background."""

    class Stream(models.TextChoices):
        GENERATED = "generated", "Generated traffic for an article"
        REPLAY = "replay", "A replay file (uploaded)"
        REAL = "real", "The last N real comments of an article"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    draft = models.ForeignKey(ModerationPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    live_name = models.CharField(max_length=50)
    draft_name = models.CharField(max_length=50)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)
    stream = models.CharField(max_length=10, choices=Stream.choices)
    parameters = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.draft_name} vs {self.live_name} ({self.get_stream_display()})"
