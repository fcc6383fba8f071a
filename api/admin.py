"""Personal API tokens, made and revoked in the admin. The key is shown once, in the message after saving;
a staff member sees and makes only their own tokens, a superuser anyone's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke


class ApiTokenForm(forms.ModelForm[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    form = ApiTokenForm
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(user__pk=request.user.pk or 0)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
        return ["user", "name", "expires_at"] if request.user.is_superuser else ["name", "expires_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # the list's revoke action only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, not deleted: when it was last used stays on record

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        owner = form.cleaned_data.get("user") if request.user.is_superuser else None
        user = owner if isinstance(owner, User) else request.user
        assert isinstance(user, User)
        token, key = api_token_create(user=user, name=obj.name, expires_at=obj.expires_at)
        obj.pk = token.pk
        messages.warning(
            request,
            f"The key of “{token.name}” is {key} — copy it now: it is shown only this once. "
            "Send it as 'Authorization: Bearer <key>'.",
        )

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(
            request, ngettext("%d token revoked.", "%d tokens revoked.", len(tokens)) % len(tokens), messages.SUCCESS
        )
