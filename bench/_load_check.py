"""Run by bench/load.py in the server's environment: what the database holds after the load.

Prints one JSON line: comments stored per submission token, and the replies whose
thread root or depth disagrees with their parent's.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402

from comments.models import Comment  # noqa: E402

tokens = {r["submission_token"]: r["n"] for r in Comment.objects.values("submission_token").annotate(n=Count("id"))}
bad_threads = [
    c.pk
    for c in Comment.objects.filter(parent__isnull=False).select_related("parent")
    if c.parent is None or c.root_id != (c.parent.root_id or c.parent_id) or c.depth != c.parent.depth + 1
]
print(
    json.dumps({"tokens": tokens, "bad_threads": bad_threads, "replies": Comment.objects.exclude(parent=None).count()})
)
