"""The apps have a direction: each imports only the apps below it, never one above.

From the bottom up: the shared helpers of ``newsroom`` and ``articles``; the pure cores
``moderation`` and ``simulation`` (no Django); ``commenters`` and ``outbox``; ``policies``;
``comments``; ``desk`` and ``lab``; ``embeds`` (another site's pages) and, at the top, ``api``, which
nothing imports. ``newsroom``'s
``urls.py`` and ``wsgi.py`` put the site together, so they alone may import any app.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What each app may import, besides itself.
MAY_IMPORT = {
    "newsroom": set(),
    "articles": {"newsroom"},
    "moderation": set(),
    "simulation": {"moderation"},
    "commenters": {"newsroom", "articles"},
    "outbox": {"newsroom"},
    "policies": {"newsroom", "articles", "moderation", "commenters"},
    "comments": {"newsroom", "articles", "moderation", "commenters", "outbox", "policies"},
    "desk": {"newsroom", "articles", "moderation", "simulation", "commenters", "outbox", "policies", "comments"},
    "lab": {"newsroom", "articles", "moderation", "simulation", "commenters", "outbox", "policies", "comments"},
    "embeds": {"newsroom", "articles", "moderation", "commenters", "outbox", "policies", "comments"},
    "api": {"newsroom", "articles", "moderation", "commenters", "outbox", "policies", "comments", "desk", "embeds"},
    "transfer": {"newsroom", "articles", "moderation", "commenters", "outbox", "policies", "comments", "api"},
}
COMPOSITION_ROOT = {ROOT / "newsroom" / "urls.py", ROOT / "newsroom" / "wsgi.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_every_app_imports_only_the_apps_below_it():
    offenders = {}
    for app, allowed in MAY_IMPORT.items():
        for path in (ROOT / app).rglob("*.py"):
            if path in COMPOSITION_ROOT or "migrations" in path.parts:
                continue
            climbing = {
                m
                for m in imported_modules(path)
                if m.split(".")[0] in MAY_IMPORT and m.split(".")[0] not in allowed | {app}
            }
            if climbing:
                offenders[str(path.relative_to(ROOT))] = sorted(climbing)
    assert not offenders


def test_the_pure_cores_import_no_django():
    for package in ("moderation", "simulation"):
        for path in (ROOT / package).rglob("*.py"):
            assert not any(m.split(".")[0] == "django" for m in imported_modules(path)), path


def test_benchmarks_and_tests_do_not_import_each_other():
    """Both build their data with ``factories`` and measure with the apps' own code; a test may run a
    bench script as a program (the docs' figures are checked that way), never import it."""
    bench_imports = {m for path in (ROOT / "bench").rglob("*.py") for m in imported_modules(path)}
    assert not {m for m in bench_imports if m.split(".")[0] == "tests"}
    test_files = [p for p in (ROOT / "tests").rglob("*.py") if p != Path(__file__)]
    assert not [p for p in test_files if any(m.split(".")[0] in {"bench", "evaluate"} for m in imported_modules(p))]
    assert not [p for p in test_files if "spec_from_file_location" in p.read_text(encoding="utf-8")]
