"""Files kept under the var folder (``NEWSROOM_VAR_DIR``), named in the database relative to it.

A job a web server queues is run by a worker, maybe on another machine whose shared folder is mounted
elsewhere: a path stored whole would name the web server's own disk. Stored relative to the var folder,
it is found under each machine's own.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def stored(path: Path) -> str:
    """How to keep ``path`` in the database: relative to the var folder when under it, else whole."""
    # Spelled out, not resolved: a subfolder that is a link to a shared mount is still under the var folder.
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(settings.VAR_DIR)).as_posix()
    except ValueError:
        return str(path)


def found(name: str) -> Path:
    """The file a stored name means on this machine (an absolute path, kept by an earlier release, as is)."""
    path = Path(name)
    return path if path.is_absolute() else Path(settings.VAR_DIR) / path
