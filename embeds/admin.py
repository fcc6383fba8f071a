from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from embeds.models import Site, SiteReader
from embeds.services import normalise_origin
from newsroom.admin import AuditAdmin


class SiteForm(forms.ModelForm[Site]):
    class Meta:
        model = Site
        fields = ["name", "origin", "secret", "is_active"]

    def clean_origin(self) -> str:
        try:
            origin = normalise_origin(self.cleaned_data.get("origin") or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if Site.objects.filter(origin=origin).exclude(pk=self.instance.pk).exists():
            raise ValidationError(f"{origin} is registered already.")
        return origin

    def clean_secret(self) -> str:
        secret = (self.cleaned_data.get("secret") or "").strip()
        if len(secret) < 32:
            raise ValidationError("Use at least 32 characters (the one offered is 43 random ones).")
        return secret


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    """The newsroom sites whose pages may embed the comments, sign their readers in and push their stories."""

    form = SiteForm
    list_display = ["name", "origin", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "origin"]
    readonly_fields = ["snippet"]
    fields = ["name", "origin", "secret", "is_active", "snippet"]

    @admin.display(description="Paste on a story page")
    def snippet(self, obj: Site) -> SafeString:
        if obj.pk is None:
            return format_html("{}", "Save the site to see the snippet to paste.")
        return format_html(
            '<code>&lt;div id="newsroom-comments" data-story-url="{}/…the story\'s address…"&gt;&lt;/div&gt;'
            '&lt;script src="{}" async&gt;&lt;/script&gt;</code>',
            obj.origin,
            f"{settings.SITE_URL}/embed.js",
        )


@admin.register(SiteReader)
class SiteReaderAdmin(AuditAdmin[SiteReader]):
    """Readers a site signed in: read-only (they come from the sites' sign-in tokens)."""

    list_display = ["display_name", "site", "external_id", "commenter", "signed_in_at"]
    list_filter = ["site"]
    search_fields = ["display_name", "external_id", "commenter__email"]
    list_select_related = ["site", "commenter"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["site", "external_id", "commenter", "display_name", "created_at", "signed_in_at"]
