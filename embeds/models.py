"""The sites that embed our comment section on their own pages, and the readers they sign in."""

from __future__ import annotations

import secrets

from django.db import models

from commenters.models import Commenter


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class SiteQuerySet(models.QuerySet["Site"]):
    def active(self) -> SiteQuerySet:
        return self.filter(is_active=True)


class Site(models.Model):
    """A newsroom's own site, registered by an editor: its pages may embed the comment section, sign their
    readers in (single sign-on) and push their stories' text, signed with the secret."""

    name = models.CharField(max_length=120, help_text="The newsroom's name, as readers know it.")
    origin = models.CharField(
        max_length=255,
        unique=True,
        help_text="Where its pages are: scheme, host and port if not the default, e.g. https://paper.example",
    )
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        help_text="Signs its readers' sign-in tokens and its story pushes. Keep it on the newsroom's server only.",
    )
    is_active = models.BooleanField(default=True, help_text="Untick to stop its pages loading the comments.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.origin})"


class SiteReader(models.Model):
    """A reader a site signed in (single sign-on): the site's own id for them, and the commenter they are here,
    on every device, with their history and sanctions."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="readers")
    external_id = models.CharField(max_length=255, help_text="The site's own id for this reader.")
    commenter = models.ForeignKey(Commenter, on_delete=models.PROTECT, related_name="site_readers")
    display_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_in_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "external_id"], name="site_reader_unique_id")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.site.name})"

    @property
    def email(self) -> str:
        return self.commenter.email


class UsedSignInToken(models.Model):
    """A sign-in token spent: each is good once, so a copied token cannot sign anyone in again."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE)
    token_id = models.CharField(max_length=64, unique=True)  # sha256 of the token's jti, or of the token
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
