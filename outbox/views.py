from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from outbox.services import recipient_for_token, unsubscribe


@csrf_exempt  # the signed token is the key; mail programs POST here for one-click unsubscribe (RFC 8058)
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """Stop emails to the mailbox the link was made for (every spelling of its address): a button to confirm,
    or a mail program's POST."""
    recipient = recipient_for_token(token)
    if recipient is None:
        return render(request, "outbox/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        unsubscribe(email=recipient.email, mailbox=recipient.mailbox)
        return render(request, "outbox/unsubscribe.html", {"email": recipient.email, "done": True})
    return render(request, "outbox/unsubscribe.html", {"email": recipient.email})
