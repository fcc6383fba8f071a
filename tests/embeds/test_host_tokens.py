"""The lines a host writes to sign a reader in (docs/embedding.md) make tokens that sign the reader in."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from embeds.models import Site
from embeds.services import sso_sign_in

pytestmark = pytest.mark.django_db
GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "embedding.md").read_text(encoding="utf-8")


def snippet(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", GUIDE.split("**The lines a host writes.**")[1], re.S)
    assert blocks, f"no {language} block under 'The lines a host writes'"
    return str(blocks[0])


@pytest.fixture
def site() -> Site:
    return Site.objects.create(name="The Paper", origin="https://paper.example")


def test_the_python_lines_sign_a_reader_in(site):
    scope: dict[str, object] = {}
    exec(snippet("python"), scope)  # noqa: S102 - our own guide's code
    user = SimpleNamespace(id=42, display_name="Ayesha Khan", email="ayesha@paper.example")
    reader = sso_sign_in(site=site, token=scope["newsroom_token"](user, site.secret))  # type: ignore[operator]
    assert (reader.external_id, reader.display_name, reader.email) == ("42", "Ayesha Khan", "ayesha@paper.example")


def test_the_javascript_lines_sign_a_reader_in(site):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the guide's JavaScript lines cannot be run here.")
    user = {"id": 7, "displayName": "Chen Wei", "email": "chen@paper.example"}
    program = snippet("js") + f"\nprocess.stdout.write(newsroomToken({json.dumps(user)}, {json.dumps(site.secret)}));"
    token = subprocess.run([node, "-e", program], capture_output=True, text=True, check=True, timeout=30).stdout
    reader = sso_sign_in(site=site, token=token)
    assert (reader.external_id, reader.display_name, reader.email) == ("7", "Chen Wei", "chen@paper.example")
