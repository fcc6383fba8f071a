from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from articles.models import Article
from comments.models import Comment, CommentReport
from comments.sanitize import clean_text, has_visible_text
from comments.services import NO_VISIBLE_NAME, Submission
from newsroom import limits

TIMESTAMP_SALT = "comments.form-started"
# A form older than this has a stale timestamp: the reader is asked to send it again.
MAX_FORM_AGE = 60 * 60 * 24


def signed_start(token: str, at: float | None = None) -> str:
    """When a form was served (to the millisecond: the bot check compares it with a second or two),
    signed together with its token."""
    return signing.Signer(salt=TIMESTAMP_SALT).sign(f"{token}@{time.time() if at is None else at:.3f}")


def validate_mailable(value: str) -> None:
    """An address this site can both store and send to. Django's check of its shape says yes to some it
    cannot: those failed later, in a moderator's decision or the sending of an email."""
    local, _, domain = value.rpartition("@")
    if not local.isascii():
        # Django's mailer has no SMTPUTF8: it would send to a mangled address (and its validator refuses it).
        raise ValidationError(
            "We cannot email an address with letters other than a–z before the @ yet: please give another.",
            code="unicode_local",
        )
    validate_email(value)
    if len(value) > limits.EMAIL_MAX_LENGTH:
        return  # the field's own limit says so
    try:  # as the mailer writes it: an internationalised domain in its "xn--" form
        written = f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # a part of over 63 characters so written cannot exist
        raise ValidationError("Enter a valid email address: part of its domain is too long.", code="invalid") from None
    # RFC 5321's limit, on what mail servers are sent. It bounds what is stored too: lower case can be longer
    # ("İ" is "i̇"), but only in the domain, whose "xn--" form is longer still.
    if len(written) > limits.EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"This address is too long to email: written for mail servers it has {len(written)} characters, "
            f"and they take at most {limits.EMAIL_MAX_LENGTH} characters.",
            code="max_length",
        )


class MailableEmailField(forms.EmailField):
    default_validators = [validate_mailable]


@dataclass(frozen=True)
class Identity:
    """A commenter whose name and address another site vouches for (it signed its reader in): the form asks
    for neither, and the address needs no confirmation email. The comments app is given it, never looks it up."""

    name: str
    email: str


class CommentForm(forms.Form):
    name = forms.CharField(label="Name", max_length=limits.NAME_MAX_LENGTH)
    email = MailableEmailField(
        label="Email",
        max_length=limits.EMAIL_MAX_LENGTH,
        help_text=(
            "Never shown. We email it a link to confirm it is yours, then, once it is confirmed, a moderator's "
            "decision if your comment is held; replies only if you ask below. Each email has a link to stop them."
        ),
    )
    body = forms.CharField(
        label="Comment",
        max_length=limits.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Up to {limits.BODY_MAX_LENGTH:,} characters.",
    )
    notify = forms.BooleanField(required=False, label="Tell me when someone replies (by e-mail)")
    remember = forms.BooleanField(required=False, label="Remember me on this browser")
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    # Hidden from people by CSS; bots that fill every field fill this one too.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, article: Article, identity: Identity | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.article = article
        self.identity = identity
        if identity is not None:
            for name in ("name", "email", "remember"):
                del self.fields[name]
        self.parent_comment: Comment | None = None
        self.seconds_taken: float | None = None
        if not self.is_bound:
            token = self.initial.setdefault("token", uuid.uuid4().hex)
            self.initial.setdefault("started", signed_start(token))
        self.helper = FormHelper()
        self.helper.form_id = "comment-form"
        self.helper.attrs = {"novalidate": ""}
        asked = [] if identity else [Field("name", autocomplete="name"), Field("email", autocomplete="email")]
        self.helper.layout = Layout(
            Field("parent"),
            Field("token"),
            Field("started"),
            Field("website", wrapper_class="nr-hp"),
            *asked,
            Field("body"),
            Field("notify"),
            *([] if identity else [Field("remember")]),
            Submit("submit", "Post comment", css_class="btn-primary"),
        )

    def clean_name(self) -> str:
        name: str = clean_text(self.cleaned_data["name"], single_line=True).strip()
        if not name:
            raise forms.ValidationError("Give a name to post under.")
        if not has_visible_text(name):
            raise forms.ValidationError(NO_VISIBLE_NAME)
        return name

    def clean_body(self) -> str:
        body: str = clean_text(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError("Write a comment first.")
        return body.strip("\n\r")

    def clean_parent(self) -> int | None:
        """Which comment it answers; whether it may be answered is the service's rule."""
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        self.parent_comment = Comment.objects.real().filter(pk=parent_id).first()
        parent_id = self.parent_comment.pk if self.parent_comment else None
        if self.parent_comment is None:
            raise forms.ValidationError(
                "The comment you are replying to is not on this article. Your text is kept below; post it as a new comment."
            )
        return parent_id

    def clean_started(self) -> str:
        started: str = self.cleaned_data.get("started") or ""
        try:
            token, _, stamp = signing.Signer(salt=TIMESTAMP_SALT).unsign(started).rpartition("@")
            # The timestamp is signed with this form's token: it cannot be lifted into another form.
            if token != (self.cleaned_data.get("token") or ""):
                raise signing.BadSignature("signed for another form")
            age = time.time() - float(stamp)
            if not math.isfinite(age) or age < -60:  # not a time this site wrote (a clock a minute ahead at most)
                raise signing.BadSignature("not a time")
        except (signing.BadSignature, ValueError):
            self._fresh_timestamp()
            raise forms.ValidationError(
                "This form could not be checked. Your text is kept: press Post comment again."
            ) from None
        if age > MAX_FORM_AGE:
            self._fresh_timestamp()
            raise forms.ValidationError("This form was open for too long. Your text is kept: press Post comment again.")
        self.seconds_taken = max(age, 0.0)
        return started

    def fresh_token(self) -> None:
        token = uuid.uuid4().hex
        fresh = {self.add_prefix("token"): token, self.add_prefix("started"): signed_start(token)}
        self.data = {**dict(self.data.items()), **fresh}

    def forget_parent(self) -> None:
        self.parent_comment = None
        self.data = {**dict(self.data.items()), self.add_prefix("parent"): ""}

    def _fresh_timestamp(self) -> None:
        token = self.data.get(self.add_prefix("token")) or uuid.uuid4().hex
        fresh = {self.add_prefix("token"): token, self.add_prefix("started"): signed_start(token)}
        self.data = {**dict(self.data.items()), **fresh}

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # Errors on hidden fields would be invisible next to them: show them above the form.
        for name in ("parent", "token", "started"):
            for error in self.errors.pop(name, []):
                self.add_error(None, error)
        if self.identity is not None and cleaned is not None:
            cleaned.update(name=self.identity.name, email=self.identity.email)
        return cleaned

    def submission(self, *, ip_address: str | None, verified_email: str | None = None) -> Submission:
        """How this form was sent: the signs of a program among it are judged by the filter's bot check."""
        return Submission(
            ip_address=ip_address,
            token=self.cleaned_data.get("token") or None,
            honeypot_filled=bool(self.cleaned_data.get("website")),
            seconds_to_write=self.seconds_taken,
            verified_email=verified_email,
        )


# The reader's name and email, kept on their browser when they ask (a signed cookie: tamper-proof,
# unreadable to scripts, sent only to this site). Nothing is kept on the server for it.
REMEMBER_COOKIE = "nr_commenter"
REMEMBER_SALT = "comments.remember"
REMEMBER_SECONDS = 365 * 24 * 60 * 60


def remembered(cookie: str | None) -> dict[str, str]:
    """The name and email a remember-me cookie holds, or nothing if it is missing, old or tampered with."""
    if not cookie:
        return {}
    try:
        data = signing.loads(cookie, salt=REMEMBER_SALT, max_age=REMEMBER_SECONDS)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    name, email = data.get("name"), data.get("email")
    if not isinstance(name, str) or not isinstance(email, str):
        return {}
    return {"name": name[: limits.NAME_MAX_LENGTH], "email": email[: limits.EMAIL_MAX_LENGTH]}


# The address this browser confirmed by opening the emailed link: signed, HTTP-only, a year.
IDENTITY_COOKIE = "nr_identity"
IDENTITY_SALT = "comments.identity"


def identity_cookie(email: str) -> str:
    return signing.dumps(email, salt=IDENTITY_SALT)


def confirmed_email(cookie: str | None) -> str | None:
    if not cookie:
        return None
    try:
        email = signing.loads(cookie, salt=IDENTITY_SALT, max_age=REMEMBER_SECONDS)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


def remember_cookie(name: str, email: str) -> str:
    return signing.dumps({"name": name, "email": email}, salt=REMEMBER_SALT, compress=True)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=CommentReport.Reason.choices, label="Why should a moderator look at this?")
    note = forms.CharField(required=False, max_length=limits.REPORT_NOTE_MAX_LENGTH, label="Anything to add (optional)")
