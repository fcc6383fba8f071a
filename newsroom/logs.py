"""What the console says: a refusal is a line, a crash keeps its traceback."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A 403 is the site refusing on purpose (a page or action the user has no permission for), not a crash:
    Django logs it with the ``PermissionDenied`` traceback attached, forty lines a newcomer takes for an
    error. Its one line stays; the traceback goes. Every other record passes as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
