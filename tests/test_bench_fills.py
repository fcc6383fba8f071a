"""The story benchmarks still run: their fills write every column of a comment, so a new column (reactions,
featuring) must not break them (it did: the fill listed the columns it knew, and a new one was a KeyError).

Run as subprocesses at tiny sizes, on a throwaway SQLite file each: tests and benchmarks do not import each other.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        ("page.py", ["--sizes", "30,60", "--repeat", "2"]),
        ("post.py", ["--sizes", "30,60", "--posts", "2"]),
        ("api_pages.py", ["--sizes", "30,60", "--repeat", "2"]),
    ],
)
def test_a_story_benchmark_fills_both_shapes_and_writes_its_results(script, arguments, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_DATABASE_URL", "REDIS_URL")}
    env["BENCH_RESULTS_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    [written] = list(tmp_path.glob("*.json"))
    figures = json.loads(written.read_text())["figures"]
    assert figures, written
