"""Shared by the benchmarks: write a run's figures to ``bench/results/<name>.json``.

Each file holds the command that produced it, its arguments, the machine and the
date, and the figures as structured data; ``bench/render.py`` renders the docs'
tables from these files. ``BENCH_RESULTS_DIR`` writes elsewhere (a trial run that
should not replace the figures the docs cite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def results_dir() -> Path:
    return Path(os.environ.get("BENCH_RESULTS_DIR") or RESULTS)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": platform.system(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def plain(value: Any) -> Any:
    """Arguments as JSON: paths as strings, relative to the project when they are in or beside it."""
    if isinstance(value, Path):
        path = value.resolve()
        # Inside the project or beside it (../shared/data): relative to the project, as the docs give it.
        return os.path.relpath(path, ROOT) if path.is_relative_to(ROOT.parent) else str(path)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def write(name: str, args: argparse.Namespace | None, figures: dict[str, Any], *, script: str = "") -> Path:
    """Write ``figures`` for ``bench/<script or name>.py`` run with ``args`` to ``<name>.json``; returns the file."""
    script = f"bench/{script or name}.py"
    command = shlex.join([".venv/bin/python", script, *sys.argv[1:]])
    record = {
        "script": script,
        "command": command,
        "arguments": {k: plain(v) for k, v in sorted(vars(args).items())} if args is not None else {},
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": machine(),
        "figures": figures,
    }
    directory = results_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"results: {path}")
    return path
