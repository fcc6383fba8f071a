"""Run every public test split once for this release, and keep its figures beside every earlier release's.

    .venv/bin/python bench/releases.py [--dry-run]

Everything about the filter is chosen on validation data (``bench/evaluate.py``, ``bench/spans.py``
and ``bench/topic.py`` read validation records by default, ``bench/spam.py`` its tuning part). A test
split read again and again stops being a test: whatever is kept because it scored well on it has been
tuned on it. So the test splits are read here, once per release, and the figures are appended to
``bench/results/releases.json``, which keeps every release's and is never rewritten. A version already
in the file is refused: a new measurement is a new release (raise ``version`` in ``pyproject.toml``).

The tests, each run as its own script with its own results kept in a scratch folder:

- abuse: ``bench/evaluate.py --split test`` (HateXplain's and OLID 2019's test splits, shipped in
  ``moderation/data/public-test.jsonl``, and Davidson 2017, never trained on);
- spam: ``bench/spam.py --part test`` (the YouTube comments no spam pattern was built from);
- highlights: ``bench/spans.py --split test`` (HateXplain's test split, marked words);
- topic: ``bench/topic.py --part test`` (the topics the calibration never saw).

The highlights' and the topic's test figures are also kept as ``bench/results/spans-test.json`` and
``topic.json``, which the docs' blocks render. ``--dry-run`` runs them and prints the entry without keeping
anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _results  # noqa: E402

# The runs whose test figures the docs show (their blocks render these files): kept in bench/results too.
SHOWN = ("spans-test", "topic")

RUNS = {
    "abuse": (["bench/evaluate.py", "--split", "test"], "evaluate"),
    "spam": (["bench/spam.py", "--part", "test"], "spam"),
    "highlights": (["bench/spans.py", "--split", "test"], "spans-test"),
    "topic": (["bench/topic.py", "--part", "test"], "topic"),
}


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "--short=12", "HEAD") or None,
        "uncommitted_changes": bool(git("status", "--porcelain")),
    }


def earlier(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["figures"]["releases"])


def run(name: str, argv: list[str], results: str, scratch: Path) -> dict[str, Any]:
    print(f"== {name}: {' '.join(argv)}", flush=True)
    env = {**os.environ, "BENCH_RESULTS_DIR": str(scratch)}
    subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, check=True)
    return dict(json.loads((scratch / f"{results}.json").read_text(encoding="utf-8"))["figures"])


def summary(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The few figures a reader compares release to release; the whole of each run is kept beside them."""
    abuse = figures["abuse"]["public"]["variants"]
    model = {row["source"]: row for row in abuse.get("model", abuse.get("rules", []))}
    out: dict[str, Any] = {
        "abuse": {
            source: {
                "comments": row["comments"],
                "auc_model": row["auc_model"],
                "auc_combined": row["auc_combined"],
                "precision": row["precision"],
                "recall": row["recall"],
            }
            for source, row in sorted(model.items())
        }
    }
    spam = figures["spam"]["parts"]["test"]
    out["spam"] = {key: spam[key] for key in ("spam", "clean", "spam_called_spam", "clean_called_spam") if key in spam}
    spans = figures["highlights"]
    out["highlights"] = {"posts": spans["posts"], "f1": spans["f1"]["all"]}
    topic = figures["topic"]["held_out"]
    out["topic"] = {
        key: topic[key]
        for key in ("probes", "auc", "genuine_held", "genuine_flagged", "foreign_held", "foreign_flagged")
        if key in topic
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="run the tests and print the entry; keep nothing")
    args = parser.parse_args()
    path = _results.results_dir() / "releases.json"
    releases = earlier(path)
    this = version()
    if any(entry["version"] == this for entry in releases) and not args.dry_run:
        sys.exit(
            f"Release {this} is already in {path}: its test splits were run. A new measurement is a new release: "
            "raise the version in pyproject.toml first."
        )
    measured_on = commit()  # before the runs: the files they keep would read as changes
    with tempfile.TemporaryDirectory(prefix="newsroom-release-") as scratch:
        figures = {name: run(name, argv, results, Path(scratch)) for name, (argv, results) in RUNS.items()}
        if not args.dry_run:
            for name in SHOWN:
                shutil.copyfile(Path(scratch) / f"{name}.json", _results.results_dir() / f"{name}.json")
    entry = {
        "version": this,
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        **measured_on,
        "summary": summary(figures),
        "runs": figures,
    }
    print(json.dumps(entry["summary"], indent=2))
    if args.dry_run:
        print("(dry run: nothing kept)")
        return
    _results.write("releases", args, {"releases": [*releases, entry]})
    print(f"Release {this} kept in {path} ({len(releases) + 1} releases).")


if __name__ == "__main__":
    main()
