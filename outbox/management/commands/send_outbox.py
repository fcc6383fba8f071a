"""Send the emails waiting in the outbox now, once: ``manage.py send_outbox [--limit 100]``.

Why, when the worker sends them (``outbox.tasks.send_due``)? To empty the outbox by hand: on a site
whose worker is down, after fixing a mail server, in a test. It runs the task's own code, here and now:
the claim on each row keeps it from sending an email the worker sends at the same moment, and a failed
email's next try is enqueued for the worker as after any round.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outbox.tasks import send_due


class Command(BaseCommand):
    help = "Send the emails to readers that are due, once (the worker sends them as they are queued)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="emails at most")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        if limit <= 0:
            raise CommandError("--limit must be more than 0.")
        result = send_due.call(limit=limit)
        if int(options["verbosity"]) > 0:
            self.stdout.write(
                f"sent {result['sent']}, failed {result['failed']} (tried again later), given up {result['given_up']}"
            )
