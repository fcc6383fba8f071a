"""The console: a refusal (403) is one line, a crash keeps its traceback."""

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied

from newsroom.logs import RefusalsWithoutTraceback


def record(status_code: int, error: Exception) -> logging.LogRecord:
    try:
        raise error
    except type(error):
        exc_info = sys.exc_info()
    made = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden", (), exc_info)
    made.status_code = status_code
    return made


def test_a_refusal_is_logged_without_its_traceback_and_a_crash_with_it():
    refusal, crash = record(403, PermissionDenied()), record(500, ValueError("boom"))
    keep = RefusalsWithoutTraceback()
    assert keep.filter(refusal) and keep.filter(crash)
    assert refusal.exc_info is None and "Traceback" not in logging.Formatter().format(refusal)
    assert crash.exc_info is not None and "Traceback" in logging.Formatter().format(crash)


def test_the_console_handler_uses_it():
    config: dict[str, Any] = settings.LOGGING
    assert config["handlers"]["console"]["filters"] == ["refusals"]
    assert config["filters"]["refusals"]["()"] == "newsroom.logs.RefusalsWithoutTraceback"
