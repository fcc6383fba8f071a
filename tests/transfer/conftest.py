"""Helpers for the import and export tests: the sample exports in ``data/`` (written for these tests, in the
shape Disqus's and WordPress 6's exports have), small Disqus files built to order, and the commands run as a
newsroom runs them."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command

DATA = Path(__file__).parent / "data"
DISQUS = DATA / "disqus.xml"
WXR = DATA / "wxr.xml"

DISQUS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
)


@dataclass
class Output:
    stdout: str
    stderr: str


def run(command: str, *args: str) -> Output:
    stdout, stderr = StringIO(), StringIO()
    call_command(command, *args, stdout=stdout, stderr=stderr)
    return Output(stdout.getvalue(), stderr.getvalue())


def disqus_thread(key: str, link: str, title: str = "A story") -> str:
    return (
        f'  <thread dsq:id="{key}">\n    <link>{link}</link>\n    <title>{title}</title>\n'
        f"    <createdAt>2024-05-01T08:00:00Z</createdAt>\n    <isDeleted>false</isDeleted>\n  </thread>\n"
    )


def disqus_post(key: str, thread: str, *, name: str, message: str, parent: str | None = None, minute: int = 0) -> str:
    parent_element = f'    <parent dsq:id="{parent}"/>\n' if parent else ""
    return (
        f'  <post dsq:id="{key}">\n    <message><![CDATA[<p>{message}</p>]]></message>\n'
        f"    <createdAt>2024-05-01T09:{minute:02d}:00Z</createdAt>\n"
        f"    <isDeleted>false</isDeleted>\n    <isSpam>false</isSpam>\n"
        f"    <author><name>{name}</name><isAnonymous>true</isAnonymous></author>\n"
        f'    <thread dsq:id="{thread}"/>\n{parent_element}  </post>\n'
    )


def disqus_file(path: Path, *parts: str) -> Path:
    path.write_text(DISQUS_HEAD + "".join(parts) + "</disqus>\n", encoding="utf-8")
    return path
