"""Loaded with ``-p`` before Django's settings: the test run's environment defaults.

Tests run the development configuration (a throwaway key); the checks of the
production configuration start their own processes with their own environment.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HTTPS", "0")
# Playwright's synchronous API runs an event loop in the test thread; Django's
# ORM calls made beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests post many comments from one address in a second; the limits have tests of their own.
os.environ.setdefault("COMMENTS_RATE_PER_IP", "")
os.environ.setdefault("COMMENTS_RATE_PER_EMAIL", "")
os.environ.setdefault("REPORTS_RATE_PER_IP", "")
os.environ.setdefault("ADMIN_LOGIN_FAILURES", "5/15m")
