"""Check the review queue's wait and send the alert webhooks that are due: ``manage.py check_alerts``.

Why, when a held comment already enqueues its own check for M minutes later? For a task backend that cannot
defer a task, for a worker that was down when a check was due, and as a safety net from cron (every few
minutes is plenty). It runs the same check as the worker (``settings.ALERTS_QUEUE_CHECK``, named there because
the queue is the comments' app, above this one); an episode already alerted is not alerted again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from outbox.tasks import deliver_due


class Command(BaseCommand):
    help = "Check how long the review queue has waited (alerting once an episode) and send due alert webhooks."

    def handle(self, *args: Any, **options: Any) -> None:
        checked = import_string(settings.ALERTS_QUEUE_CHECK)()
        sent = deliver_due.call()
        if int(options["verbosity"]) > 0:
            self.stdout.write(
                f"queue: {checked['alerted']} alerted, {checked['ended']} episodes ended; webhooks: sent "
                f"{sent['sent']}, failed {sent['failed']}, given up {sent['given_up']}, paused {sent['paused']}"
            )
