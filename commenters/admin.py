from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from commenters import services
from commenters.models import ControlEvent, Sanction, SiteSwitch, StorySettings
from newsroom.admin import AuditAdmin, GatedAdmin, actor


class SanctionForm(forms.ModelForm[Sanction]):
    days = forms.IntegerField(
        required=False, min_value=1, max_value=services.MAX_DAYS,
        help_text="How long (a suspension needs it); empty: until lifted.",
        error_messages={"max_value": services.TOO_MANY_DAYS},
    )  # fmt: skip

    class Meta:
        model = Sanction
        fields = ["email", "domain", "kind", "reason"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if self.has_error("days"):
            return data  # the field's own error says what to change; without a number the rules cannot be read
        try:
            services.sanction_check(
                kind=data.get("kind") or "", reason=data.get("reason") or "", email=data.get("email") or "",
                domain=data.get("domain") or "", days=data.get("days"),
            )  # fmt: skip
        except services.SanctionError as exc:
            raise ValidationError(exc.messages[0]) from exc
        return data


@admin.register(Sanction)
class SanctionAdmin(GatedAdmin[Sanction]):
    """Warn, pre-moderate, suspend or ban a commenter; every one, and every lifting, audited."""

    permission = "commenters.can_sanction"
    form = SanctionForm
    list_display = ["created_at", "kind", "email", "domain", "reason", "ends_at", "lifted_at", "created_by"]
    list_filter = ["kind", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "domain", "reason"]
    actions = ["lift"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # the list's actions only

    def has_can_sanction_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"email": request.GET.get("email", ""), "kind": Sanction.Kind.WARN}

    def save_model(self, request: HttpRequest, obj: Sanction, form: Any, change: bool) -> None:
        saved = services.sanction_add(
            kind=obj.kind, reason=obj.reason, actor=actor(request), email=obj.email, domain=obj.domain,
            days=form.cleaned_data.get("days"),
        )  # fmt: skip
        obj.pk = saved.pk

    @admin.action(description="Lift the selected sanctions", permissions=["can_sanction"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        for sanction in queryset.filter(lifted_at__isnull=True):
            services.sanction_lift(sanction=sanction, actor=actor(request))
        self.message_user(request, "Lifted.", messages.SUCCESS)


@admin.register(StorySettings)
class StorySettingsAdmin(GatedAdmin[StorySettings]):
    """One story's comments: open or closed (with what readers are told), when they close by themselves,
    and its own moderation mode. Saved through the service, so every change is audited."""

    permission = "commenters.can_close_comments"
    list_display = ["article", "comments_open", "mode", "close_after_days", "updated_at"]
    list_filter = ["comments_open", "mode"]
    autocomplete_fields = ["article"]
    fields = ["article", "comments_open", "closed_message", "mode", "close_after_days"]

    def save_model(self, request: HttpRequest, obj: StorySettings, form: Any, change: bool) -> None:
        services.story_settings_save(story=obj, actor=actor(request))


@admin.register(SiteSwitch)
class SiteSwitchAdmin(GatedAdmin[SiteSwitch]):
    """The site-wide pause: one switch (made by a migration), audited."""

    permission = "commenters.can_close_comments"
    fields = ["comments_paused", "message"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        SiteSwitch.objects.get_or_create(pk=1)
        return redirect("admin:commenters_siteswitch_change", 1)

    def save_model(self, request: HttpRequest, obj: SiteSwitch, form: Any, change: bool) -> None:
        services.site_pause(paused=obj.comments_paused, message=obj.message, actor=actor(request))


@admin.register(ControlEvent)
class ControlEventAdmin(AuditAdmin[ControlEvent]):
    list_display = ["created_at", "action", "article", "actor", "detail"]
    list_filter = ["action", "actor"]
