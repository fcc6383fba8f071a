"""Who the reader in an embed is: signed in by their site (single sign-on), or not."""

from __future__ import annotations

from django.http import HttpRequest

from embeds.models import SiteReader

SESSION_KEY = "embeds.reader"


def signed_in_reader(request: HttpRequest) -> SiteReader | None:
    pk = request.session.get(SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return SiteReader.objects.select_related("commenter", "site").filter(pk=pk, site__is_active=True).first()


def remember_sign_in(request: HttpRequest, reader: SiteReader) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = reader.pk


def forget_sign_in(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
