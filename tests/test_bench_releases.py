"""bench/releases.py: a release's test splits are run once; a version already kept is refused, and nothing changes.

Run as a subprocess: tests and benchmarks do not import each other.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "releases.py"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def kept(version: str) -> dict[str, object]:
    entry = {"version": version, "date": "2026-01-02T03:04:05+00:00", "commit": "abc", "summary": {}, "runs": {}}
    return {"script": "bench/releases.py", "command": "x", "arguments": {}, "date": "", "machine": {}, "figures": {"releases": [entry]}}  # fmt: skip


def test_a_version_already_kept_is_refused_and_the_file_is_left_as_it_was(tmp_path: Path) -> None:
    results = tmp_path / "releases.json"
    text = json.dumps(kept(VERSION))
    results.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=ROOT,
        env={"BENCH_RESULTS_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"Release {VERSION} is already in" in done.stderr
    assert "raise the version in pyproject.toml" in done.stderr
    assert results.read_text(encoding="utf-8") == text


def test_every_kept_release_has_its_test_figures_and_the_current_version_is_one_of_them() -> None:
    releases = json.loads((ROOT / "bench" / "results" / "releases.json").read_text(encoding="utf-8"))["figures"][
        "releases"
    ]
    versions = [entry["version"] for entry in releases]
    assert len(versions) == len(set(versions))
    assert VERSION in versions
    for entry in releases:
        summary = entry["summary"]
        assert {"abuse", "spam", "highlights", "topic"} <= set(summary)
        assert {"hatexplain", "olid2019"} <= set(summary["abuse"])
