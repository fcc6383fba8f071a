"""The apps have a direction: comments may use articles, never the other way round."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_articles_imports_nothing_from_comments():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "comments")
        for path in (ROOT / "articles").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_the_moderation_core_imports_no_django():
    for path in (ROOT / "comments" / "moderation").rglob("*.py"):
        assert not any(m.split(".")[0] == "django" for m in imported_modules(path)), path
