"""bench/render.py: the docs' figure blocks are rendered from bench/results, and a stale block is caught.

Run as a subprocess: tests and benchmarks do not import each other.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "bench" / "render.py"

DOC = """# Title

Prose before, kept as it is.

<!-- bench:simulate -->
| run | time |
| --- | --- |
| hand-typed | 14.7 s |
<!-- /bench:simulate -->

Prose between.

<!-- bench:filter -->
old
<!-- /bench:filter -->

Prose after.
"""

SIMULATE = {
    "script": "bench/simulate.py",
    "command": ".venv/bin/python bench/simulate.py --dry-run-comments 1000 --db-comments 100",
    "arguments": {"dry_run_comments": 1000, "db_comments": 100},
    "date": "2026-01-02T03:04:05+00:00",
    "machine": {
        "python": "3.11.7",
        "implementation": "CPython",
        "system": "Linux",
        "platform": "Linux-6-x86_64",
        "machine": "x86_64",
        "cpu_count": 2,
    },
    "figures": {
        "database": "sqlite",
        "runs": [
            {
                "run": "dry run",
                "comments": 100,
                "model": True,
                "seconds": 0.5,
                "per_second": 200.0,
                "target_seconds": 60,
                "summary": "",
            },
            {
                "run": "dry run",
                "comments": 1000,
                "model": True,
                "seconds": 2.0,
                "per_second": 500.0,
                "target_seconds": 60,
                "summary": "",
            },
            {
                "run": "dry run",
                "comments": 1000,
                "model": False,
                "seconds": 1.0,
                "per_second": 1000.0,
                "target_seconds": 20,
                "summary": "",
            },
            {
                "run": "database",
                "comments": 100,
                "model": True,
                "seconds": 0.25,
                "per_second": 400.0,
                "target_seconds": 60,
                "summary": "",
            },
        ],  # fmt: skip
        "stored_by_database_run": 100,
        "per_comment_cost_ratio": {"large": 1000, "small": 100, "ratio": 0.4, "target": 1.2},
    },
}


def render(tmp_path, *args):
    return subprocess.run(
        [sys.executable, str(RENDER), "--results", str(tmp_path / "results"), *args, str(tmp_path / "doc.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_blocks_are_rendered_from_the_results_and_the_rest_is_kept(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "simulate.json").write_text(json.dumps(SIMULATE), encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text(DOC, encoding="utf-8")

    assert render(tmp_path, "--check").returncode == 1  # hand-typed figures differ from the results
    assert doc.read_text(encoding="utf-8") == DOC  # --check changes nothing

    done = render(tmp_path)
    assert done.returncode == 0, done.stderr
    text = doc.read_text(encoding="utf-8")
    assert "hand-typed" not in text and "14.7 s" not in text
    assert "| 1,000 | `--dry-run`, rules alone | 1.0 s | 1,000 | - | < 20 s (met) |" in text  # no memory figure in it
    assert "0.40×" in text  # the ratio of the run
    assert "`.venv/bin/python bench/simulate.py --dry-run-comments 1000 --db-comments 100`" in text
    assert "2026-01-02 03:04 UTC" in text and "2 CPUs" in text
    # A script without a results file: its block says to run it.
    assert "_No results yet: run `.venv/bin/python bench/filter.py`" in text
    for kept in ("# Title", "Prose before, kept as it is.", "Prose between.", "Prose after."):
        assert kept in text
    assert text.count("<!-- bench:") == 2 and text.count("<!-- /bench:") == 2

    assert render(tmp_path, "--check").returncode == 0
    assert render(tmp_path).returncode == 0
    assert doc.read_text(encoding="utf-8") == text  # rendering again changes nothing


def test_check_catches_a_stale_block(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "simulate.json").write_text(json.dumps(SIMULATE), encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text(DOC, encoding="utf-8")
    assert render(tmp_path).returncode == 0
    # A new run of the script, the doc not rendered again.
    newer = json.loads(json.dumps(SIMULATE))
    newer["figures"]["runs"][2]["seconds"] = 1.5
    (tmp_path / "results" / "simulate.json").write_text(json.dumps(newer), encoding="utf-8")
    stale = render(tmp_path, "--check")
    assert stale.returncode == 1
    assert "stale (simulate)" in stale.stdout


def test_the_docs_match_the_results_in_the_tree():
    """Every bench block in docs/ is what bench/results renders: rerun bench/render.py after a bench script."""
    done = subprocess.run(
        [sys.executable, str(RENDER), "--check"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
