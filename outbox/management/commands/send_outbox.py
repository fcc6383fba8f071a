"""Send the emails waiting in the outbox: ``manage.py send_outbox [--loop] [--interval 5]``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outbox.sending import send_due


class Command(BaseCommand):
    help = "Send the emails to readers that are due; with --loop, keep doing it every few seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sending until stopped (Ctrl+C)")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds with --loop")
        parser.add_argument("--limit", type=int, default=100, help="emails at most per round")

    def handle(self, *args: Any, loop: bool, interval: float, limit: int, **options: Any) -> None:
        if interval <= 0 or limit <= 0:
            self.stderr.write("--interval and --limit must be more than 0.")
            raise SystemExit(2)
        try:
            while True:
                result = send_due(limit=limit)
                if result.sent or result.failed or result.given_up or not loop:
                    self.stdout.write(
                        f"sent {result.sent}, failed {result.failed} (tried again later), given up {result.given_up}"
                    )
                if not loop:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            return
