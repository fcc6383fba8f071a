"""gunicorn settings for Newsroom: ``gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi``.

The app is loaded once in the master before the workers fork, so the moderation
word lists (a couple of seconds to build) are built once and shared, and no
reader's first comment waits for them.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
if workers > 1 and not os.environ.get("REDIS_URL"):
    # Each worker would keep its own rate-limit counters: every limit multiplied by the worker count.
    if os.environ.get("PER_PROCESS_LIMITS") != "1":
        raise SystemExit(
            f"Refusing to start {workers} workers without a shared cache: set REDIS_URL (rate limits are counted "
            "in the cache), or WEB_CONCURRENCY=1 for a single worker (or PER_PROCESS_LIMITS=1 to accept limits "
            "multiplied by the number of workers)."
        )
    print(f"WARNING: {workers} workers without REDIS_URL: every rate limit is multiplied by {workers}.", flush=True)
preload_app = True
timeout = 30
graceful_timeout = 20
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") == "1" else None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn's control socket (gunicornc) is one path per user by default: two sites on one machine would
# share it, and each command would reach whichever started last. Off, unless given a path of its own.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
