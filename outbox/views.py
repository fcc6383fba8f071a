from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from outbox.services import email_for_token, unsubscribe


@csrf_exempt  # the signed token is the key; mail programs POST here for one-click unsubscribe (RFC 8058)
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """Stop emails to the address the link was made for: a button to confirm, or a mail program's POST."""
    email = email_for_token(token)
    if email is None:
        return render(request, "outbox/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        unsubscribe(email)
        return render(request, "outbox/unsubscribe.html", {"email": email, "done": True})
    return render(request, "outbox/unsubscribe.html", {"email": email})
