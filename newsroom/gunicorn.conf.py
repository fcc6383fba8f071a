"""gunicorn settings for Newsroom: ``gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi``.

The app is loaded once in the master before the workers fork, so the moderation
word lists (a couple of seconds to build) are built once and shared, and no
reader's first comment waits for them.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
preload_app = True
timeout = 30
graceful_timeout = 20
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") == "1" else None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
