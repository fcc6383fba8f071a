from __future__ import annotations

import time
import uuid
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.core import signing

from articles.models import Article

from . import limits
from .models import Comment, CommentReport
from .sanitize import clean_text
from .services import Submission

TIMESTAMP_SALT = "comments.form-started"
# A form older than this has a stale timestamp: the reader is asked to send it again.
MAX_FORM_AGE = 60 * 60 * 24


def signed_start(token: str) -> str:
    """When a form was served, signed together with its token."""
    return signing.TimestampSigner(salt=TIMESTAMP_SALT).sign(token)


class CommentForm(forms.Form):
    name = forms.CharField(label="Name", max_length=limits.NAME_MAX_LENGTH)
    email = forms.EmailField(
        label="Email",
        max_length=limits.EMAIL_MAX_LENGTH,
        help_text="Never shown. Used only if a moderator needs to reach you.",
    )
    body = forms.CharField(
        label="Comment",
        max_length=limits.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    # Hidden from people by CSS; bots that fill every field fill this one too.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, article: Article, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.article = article
        self.parent_comment: Comment | None = None
        self.seconds_taken: float | None = None
        if not self.is_bound:
            token = self.initial.setdefault("token", uuid.uuid4().hex)
            self.initial.setdefault("started", signed_start(token))
        self.helper = FormHelper()
        self.helper.form_id = "comment-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("parent"),
            Field("token"),
            Field("started"),
            Field("website", wrapper_class="nr-hp"),
            Field("name", autocomplete="name"),
            Field("email", autocomplete="email"),
            Field("body"),
            Submit("submit", "Post comment", css_class="btn-primary"),
        )

    def clean_name(self) -> str:
        name: str = clean_text(self.cleaned_data["name"], single_line=True).strip()
        if not name:
            raise forms.ValidationError("Give a name to post under.")
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
        signer = signing.TimestampSigner(salt=TIMESTAMP_SALT)
        try:
            # The timestamp is signed with this form's token: it cannot be lifted into another form.
            if signer.unsign(started, max_age=MAX_FORM_AGE) != (self.cleaned_data.get("token") or ""):
                raise signing.BadSignature("signed for another form")
        except signing.SignatureExpired:
            self._fresh_timestamp()
            raise forms.ValidationError(
                "This form was open for too long. Your text is kept: press Post comment again."
            ) from None
        except signing.BadSignature:
            self._fresh_timestamp()
            raise forms.ValidationError(
                "This form could not be checked. Your text is kept: press Post comment again."
            ) from None
        # The signature holds; the timestamp inside it says when the form was served.
        stamp = signing.Signer.unsign(signer, started).rsplit(signer.sep, 1)[1]
        self.seconds_taken = time.time() - signing.b62_decode(stamp)
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
        return cleaned

    def submission(self, *, ip_address: str | None) -> Submission:
        """How this form was sent: the signs of a program among it are judged by the filter's bot check."""
        return Submission(
            ip_address=ip_address,
            token=self.cleaned_data.get("token") or None,
            honeypot_filled=bool(self.cleaned_data.get("website")),
            seconds_to_write=self.seconds_taken,
        )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=CommentReport.Reason.choices, label="Why should a moderator look at this?")
    note = forms.CharField(
        required=False, max_length=limits.REPORT_NOTE_MAX_LENGTH, label="Anything to add (optional)"
    )
