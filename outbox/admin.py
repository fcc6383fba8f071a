from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from outbox.models import EmailOptOut, OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin[OutboundEmail]):
    """What the site emailed readers, or is still trying to: read-only, the sender keeps it."""

    list_display = ["created_at", "to", "kind", "subject", "sent_at", "attempts", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "mailbox", "subject"]
    raw_id_fields = ["comment"]
    # Moderators and editors read it (desk.roles); its read-only page still builds the form, whose URL field would
    # warn of Django 6's https default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin[EmailOptOut]):
    list_display = ["email", "mailbox", "created_at"]
    search_fields = ["email", "mailbox"]
