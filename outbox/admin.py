from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext

from newsroom.admin import AuditAdmin, actor
from outbox import services, webhooks
from outbox.models import AlertDelivery, AlertEvent, AlertSubscription, DeliveryAttempt, EmailOptOut, OutboundEmail


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


class AlertSubscriptionForm(forms.ModelForm[AlertSubscription]):
    events = forms.MultipleChoiceField(choices=AlertEvent.choices, widget=forms.CheckboxSelectMultiple)
    url = forms.CharField(
        required=False, max_length=1000, label="Webhook URL",
        help_text="http or https, on a public address. Requests are signed with the subscription's secret.",
    )  # fmt: skip

    class Meta:
        model = AlertSubscription
        fields = ["label", "channel", "email", "url", "events", "burst_threshold", "waiting_minutes", "is_active"]

    def clean(self) -> dict[str, Any]:
        """The channel's own field is required and checked; the other is cleared (and a URL left in it is not
        checked: it goes nowhere)."""
        data = super().clean() or {}
        channel = data.get("channel")
        if channel == AlertSubscription.Channel.EMAIL:
            data["url"] = ""
            self.errors.pop("url", None)
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Give the address to email the alerts to.")
        elif channel == AlertSubscription.Channel.WEBHOOK:
            data["email"] = ""
            self.errors.pop("email", None)
            url = (data.get("url") or "").strip()
            data["url"] = url
            if not url and "url" not in self.errors:
                self.add_error("url", "Give the address to post the alerts to.")
            elif url:
                try:
                    webhooks.check_url(url)
                except webhooks.UnsafeURL as exc:
                    self.add_error("url", str(exc))
        return data


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin[AlertSubscription]):
    """Editors' alert subscriptions. Saving goes through the services (which check a webhook's address again
    and drop the cached list the posting path reads); the admin's history records who changed what."""

    form = AlertSubscriptionForm
    list_display = ["__str__", "channel", "endpoint", "event_list", "state", "editor", "created_at"]
    list_filter = ["channel", "is_active", ("paused_at", admin.EmptyFieldListFilter)]
    search_fields = ["label", "email", "url"]
    editable = ("label", "channel", "email", "url", "events", "burst_threshold", "waiting_minutes", "is_active")
    readonly_fields = ("editor", "signing_secret", "state", "failures", "paused_reason", "created_at")
    actions = ["resume", "renew_secret"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # What the site keeps (its editor, the pause) shows once there is something to show.
        return self.editable if obj is None else (*self.editable, *self.readonly_fields)

    @admin.display(description="events")
    def event_list(self, obj: AlertSubscription) -> str:
        return ", ".join(obj.events or [])

    @admin.display(description="state")
    def state(self, obj: AlertSubscription) -> str:
        if obj.paused_at is not None:
            return format_html(
                '<strong class="errornote" title="{}">Paused after {} failures</strong>',
                obj.paused_reason,
                obj.failures,
            )
        if not obj.is_active:
            return "Off"
        if obj.failures:
            return (
                ngettext("Failing (%d attempt in a row)", "Failing (%d attempts in a row)", obj.failures) % obj.failures
            )
        return "Active"

    @admin.display(description="signing secret")
    def signing_secret(self, obj: AlertSubscription) -> str:
        if obj.channel != AlertSubscription.Channel.WEBHOOK:
            return "—"
        return (
            f"…{obj.secret[-4:]} (shown in full once, when made or renewed: the list's action “Renew the secret "
            "of the selected webhooks” shows a new one)"
        )

    def save_model(self, request: HttpRequest, obj: AlertSubscription, form: Any, change: bool) -> None:
        editor = actor(request)
        if not change and editor is not None:  # the admin lets only signed-in staff this far
            obj.editor = editor
        services.alert_subscription_save(subscription=obj)
        if change and "channel" in form.changed_data and obj.channel == AlertSubscription.Channel.WEBHOOK:
            # An email subscription turned webhook: its secret was never shown, so it gets a new one, shown once.
            services.alert_subscription_renew_secret(subscription=obj)
            _may_reveal(request, [obj])
        if obj.channel == AlertSubscription.Channel.WEBHOOK and not obj.editor.email:
            self.message_user(
                request,
                f"{obj.editor.get_username()} has no email address: nobody will be emailed if the site pauses this "
                "webhook. The admin's index will show it.",
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: AlertSubscription) -> None:
        services.alert_subscription_delete(subscription=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AlertSubscription]) -> None:
        for subscription in queryset:
            services.alert_subscription_delete(subscription=subscription)

    def response_add(
        self, request: HttpRequest, obj: AlertSubscription, post_url_continue: str | None = None
    ) -> HttpResponse:
        if obj.channel == AlertSubscription.Channel.WEBHOOK:
            _may_reveal(request, [obj])
            return self._to_secrets(made=True)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: AlertSubscription) -> HttpResponse:
        if _REVEAL in request.session and str(obj.pk) in request.session[_REVEAL]:
            return self._to_secrets(made=True)
        return super().response_change(request, obj)

    def get_urls(self) -> list[URLPattern]:
        secret = path("secret/", self.admin_site.admin_view(self.secret_view), name="outbox_alertsubscription_secret")
        return [secret, *super().get_urls()]

    def _to_secrets(self, *, made: bool) -> HttpResponse:
        # A redirect answers the POST: reloading the page that shows the secret does not save (or renew) again.
        return HttpResponseRedirect(reverse("admin:outbox_alertsubscription_secret") + ("?made=1" if made else ""))

    def secret_view(self, request: HttpRequest) -> HttpResponse:
        """The secrets this editor's last save or renewal made, shown once: within ``REVEAL_FOR`` of it, on this
        session alone (which holds which subscriptions, never a secret), then gone."""
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        pending = request.session.pop(_REVEAL, {})
        now = timezone.now().timestamp()
        ids = [int(pk) for pk, until in pending.items() if until >= now]
        subscriptions = list(
            AlertSubscription.objects.filter(pk__in=ids, channel=AlertSubscription.Channel.WEBHOOK).order_by("pk")
        )
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "subscriptions": subscriptions,
            "made": request.GET.get("made") == "1", "title": "Copy the signing secret",
        }  # fmt: skip
        return TemplateResponse(request, "admin/outbox/alertsubscription/secret.html", context)

    @admin.action(description="Resume the selected paused webhooks", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[AlertSubscription]) -> None:
        done = 0
        for subscription in queryset:
            if services.alert_subscription_resume(subscription=subscription):
                self.log_change(request, subscription, "Resumed after a pause.")
                done += 1
        self.message_user(
            request, ngettext("%d subscription resumed.", "%d subscriptions resumed.", done) % done, messages.SUCCESS
        )

    @admin.action(description="Renew the secret of the selected webhooks", permissions=["change"])
    def renew_secret(self, request: HttpRequest, queryset: QuerySet[AlertSubscription]) -> HttpResponse | None:
        renewed = []
        for subscription in queryset.filter(channel=AlertSubscription.Channel.WEBHOOK):
            services.alert_subscription_renew_secret(subscription=subscription)
            self.log_change(request, subscription, "Renewed the signing secret.")
            renewed.append(subscription)
        if not renewed:
            self.message_user(request, "Only webhooks have a secret.", messages.WARNING)
            return None
        _may_reveal(request, renewed)
        return self._to_secrets(made=False)


# The session key naming the subscriptions whose secret this editor may see once, and for how long.
_REVEAL = "outbox:reveal-secret"
REVEAL_FOR = dt.timedelta(minutes=5)


def _may_reveal(request: HttpRequest, subscriptions: list[AlertSubscription]) -> None:
    until = (timezone.now() + REVEAL_FOR).timestamp()
    request.session[_REVEAL] = {**request.session.get(_REVEAL, {}), **{str(s.pk): until for s in subscriptions}}


class DeliveryAttemptInline(admin.TabularInline[DeliveryAttempt, AlertDelivery]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "status_code", "duration_ms", "error", "response_excerpt")
    verbose_name_plural = "attempts"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(AuditAdmin[AlertDelivery]):
    """The delivery log: each alert to each subscription, and each attempt at a webhook, as the endpoint
    answered it. Written by the sender alone."""

    list_display = ["created_at", "sent_to", "event", "outcome", "attempts", "last_error"]
    list_filter = ["event", "subscription", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["subscription", "email"]
    fields = readonly_fields = (
        "created_at", "sent_to", "event", "key", "outcome", "attempts", "send_after", "last_error", "email",
        "payload_text",
    )  # fmt: skip
    inlines = [DeliveryAttemptInline]

    @admin.display(description="subscription")
    def sent_to(self, obj: AlertDelivery) -> str:
        """Its name (label or host, and id), never its URL: the log is read by whoever may read deliveries."""
        if obj.subscription is None:
            return f"{obj.subscription_name or 'a subscription'} (deleted)"
        return obj.subscription.name

    @admin.display(description="outcome")
    def outcome(self, obj: AlertDelivery) -> str:
        if obj.email_id is not None:
            return "emailed" if obj.email and obj.email.sent_at else "email waiting in the outbox"
        if obj.sent_at:
            return "delivered"
        if obj.given_up_at:
            return "given up"
        return "waiting"

    @admin.display(description="payload")
    def payload_text(self, obj: AlertDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))
