from __future__ import annotations

from django.conf import settings
from django.db import models

from articles.models import Article
from commenters.mailboxes import KEY_MAX_LENGTH
from newsroom import limits


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
    # The mailbox the address delivers to (commenters.mailboxes): what the sanction is looked up by, so a
    # "+tag", a dot at Gmail or full-width letters don't evade it. Set by the service.
    mailbox = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, default="", db_index=True)
    # Stored as DNS knows it (IDNA, folded); a ban covers the domain and every domain under it.
    domain = models.CharField(
        max_length=253, blank=True, db_index=True, help_text="Ban a whole email domain (and its subdomains)."
    )
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
    # The mailbox the address delivers to (commenters.mailboxes): another spelling of a signed-in reader's
    # address is still theirs.
    mailbox = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # A newsroom's site signs this reader in (single sign-on) and vouches for the address: only a browser that
    # proved it (signed in by the site, or opened the confirmation link) may comment with it. Anyone else
    # typing it would be taken for that reader, and a sanction on what they wrote would fall on the reader.
    signed_in_by_site = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.email
