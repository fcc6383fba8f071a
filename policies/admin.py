from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from moderation.policy import GENERAL, RULES, SETTINGS, THRESHOLDS
from newsroom.admin import AuditAdmin, actor
from newsroom.staff import STAFF_ENDPOINTS
from policies import services
from policies.models import LearnedModel, ModelEvent, ModerationPolicy
from policies.selectors import forget_active_policy, model_summary


class PolicyForm(forms.ModelForm[ModerationPolicy]):
    class Meta:
        model = ModerationPolicy
        fields = "__all__"

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        # Checked as a policy file is: a threshold past 1, say, would silently turn its check off. Named, never ignored.
        for setting in SETTINGS.values():
            if data.get(setting.name) is not None:
                try:
                    setting.clean(data[setting.name])
                except ValueError as exc:
                    self.add_error(setting.name, f"{exc}.")
        return data


def settings_in(group: str) -> tuple[str, ...]:
    """The names of the policy's settings its page shows in this group, in the order they are declared."""
    return tuple(setting.name for setting in SETTINGS.values() if setting.group == group)


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin[ModerationPolicy]):
    """Policies: the live one (read-only here), drafts (edited freely, changing nothing live), and a shadow."""

    form = PolicyForm
    list_display = ["name", "state", "mode", "abuse_hold", "model_hold", "off_topic_hold", "hold_first_comments"]
    readonly_fields = ["state", "live_model"]
    actions = ["copy_to_draft", "shadow_live", "stop_shadowing"]
    fieldsets = [
        (None, {"fields": ["name", "state", "summary", *settings_in(GENERAL)]}),
        (THRESHOLDS, {"fields": settings_in(THRESHOLDS)}),
        ("Learned model", {"fields": ["live_model"]}),
        (RULES, {"fields": settings_in(RULES)}),
    ]

    @admin.display(description="state")
    def state(self, obj: ModerationPolicy | None = None) -> str:
        if obj is None or obj.pk is None:
            return "Draft"
        if obj.is_active:
            return "Live (read-only: copy it to a draft to change it)"
        return "Draft, shadowing the live policy" if obj.is_shadow else "Draft"

    @admin.display(description="Model in use")
    def live_model(self, obj: ModerationPolicy | None = None) -> str:
        return model_summary()

    def has_change_permission(self, request: HttpRequest, obj: ModerationPolicy | None = None) -> bool:
        # Editing the live policy in place would change the site unseen: it changes only by making a draft live.
        # Without the change permission on it, its page is the admin's view-only page: no Save buttons.
        if obj is not None and obj.is_active:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ModerationPolicy | None = None) -> bool:
        if obj is not None and obj.is_active:  # the site would fall back to "default", unseen
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self) -> list[Any]:
        activate = self.admin_site.admin_view(self.activate_view)
        return [path("<int:pk>/activate/", activate, name="policies_moderationpolicy_activate"), *super().get_urls()]

    def activate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Make a draft live: first the difference from the live policy, then an explicit confirmation."""
        if not request.user.has_perm(STAFF_ENDPOINTS["admin:policies_moderationpolicy_activate"]):
            raise PermissionDenied
        draft = get_object_or_404(ModerationPolicy, pk=pk)
        live = ModerationPolicy.objects.filter(is_active=True).first()
        if request.method == "POST":
            services.policy_activate(policy=draft, actor=actor(request))
            self.message_user(request, f"{draft.name} is now the live policy.", messages.SUCCESS)
            return redirect("admin:policies_moderationpolicy_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Make {draft.name} the live policy?",
            "draft": draft,
            "live": live,
            "changes": services.policy_difference(live, draft),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/policies/moderationpolicy/activate.html", context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        if request.method == "POST" and self.has_view_permission(request):
            policy = self.get_object(request, unquote(object_id))
            if policy is not None and policy.is_active:
                # A form sent from an old tab, or by hand: nothing is saved, and the page says so rather than
                # the admin's bare refusal (or, worse, its "changed successfully").
                self.message_user(
                    request,
                    f"Nothing changed: {policy.name} is the live policy, which is read-only. "
                    "Copy it to a draft to change it, then make the draft live.",
                    messages.WARNING,
                )
                return redirect(request.path)
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_activate": True})

    @admin.action(description="Copy to a new draft")
    def copy_to_draft(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        for policy in queryset:
            policy.pk, policy.is_active, policy.is_shadow = None, False, False
            policy.name = f"{policy.name}-draft-{timezone.now():%Y%m%d%H%M%S}"[:50]
            policy.save()
        self.message_user(request, "Copied: edit the drafts freely, nothing changes on the site.", messages.SUCCESS)

    @admin.action(description="Shadow the live policy with this draft")
    def shadow_live(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, "Choose exactly one draft to shadow the live policy.", messages.ERROR)
            return
        try:
            services.policy_shadow(policy=chosen[0], actor=actor(request))
        except services.PolicyError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return
        self.message_user(request, f"{chosen[0].name} now judges every comment beside the live policy.")

    @admin.action(description="Stop shadowing")
    def stop_shadowing(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        services.policy_shadow(policy=None, actor=actor(request))
        self.message_user(request, "No policy shadows the live one now.")

    def save_model(self, request: HttpRequest, obj: ModerationPolicy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_active_policy()  # a shadowing draft's new thresholds are read afresh


LEARNED_MODEL_FIELDS = (
    "name", "state", "path", "sha256", "created_at", "created_by", "trained_at", "live_since", "previous",
    "decisions", "error", "task_id", "model_card", "compared",
)  # fmt: skip


@admin.register(LearnedModel)
class LearnedModelAdmin(AuditAdmin[LearnedModel]):
    """The learned model files and where each stands, read-only: they are trained, shadowed, made live and rolled
    back on the Model training page (/staff/models/), through the services, which audit it."""

    list_display = ["name", "state", "created_at", "created_by", "live_since", "decisions", "short_sha256"]
    list_filter = ["state"]
    search_fields = ["name", "path", "sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    fields = readonly_fields = LEARNED_MODEL_FIELDS

    @admin.display(description="SHA-256")
    def short_sha256(self, obj: LearnedModel) -> str:
        return obj.sha256[:12]

    @admin.display(description="model card")
    def model_card(self, obj: LearnedModel) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.card, indent=1, sort_keys=True))

    @admin.display(description="comparison with the live model")
    def compared(self, obj: LearnedModel) -> str:
        figures = obj.comparison
        if not figures.get("candidate"):
            return figures.get("error", "") or "not compared"
        return (
            f"On {figures['held_out']} held-out moderator decisions: AUC {figures['live']['auc']} (live, "
            f"{figures['live_name']}) and {figures['candidate']['auc']} (this one); "
            f"{figures['published_by_candidate']} held now would be published, "
            f"{figures['held_by_candidate']} published now would be held."
        )


@admin.register(ModelEvent)
class ModelEventAdmin(AuditAdmin[ModelEvent]):
    """Who trained, shadowed, made live or rolled back which learned model, and when."""

    list_display = ["created_at", "action", "model", "actor", "detail"]
    list_filter = ["action"]
    search_fields = ["detail", "model__name"]
    date_hierarchy = "created_at"
    list_select_related = ["model", "actor"]
