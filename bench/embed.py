"""What the embedded comment section weighs and how soon it shows, beside our own article page.

    .venv/bin/python bench/embed.py [--comments 200] [--repeat 10] [--no-browser]

Weight: everything a host page transfers for the section, compressed (gzip, level 6, as a web server
sends it): ``embed.js``, the styles it adopts into its shadow root, and the first page of comments; and
the same for our own article page (its HTML, styles and script). SQL queries: the section's fragment
against our article page, for a story of ``--comments`` comments.

First paint (skipped without Chromium, or with ``--no-browser``): a real Chromium opens a plain host page
on a second origin (127.0.0.2) that embeds the story, and our own article page, in turn; the time from
navigation until the first comment is in the document with its styles loaded (the embed adopts its styles
before it shows the section), median of ``--repeat`` first visits each, on loopback. The site
runs under ``manage.py runserver`` on a throwaway SQLite file (development settings: static files served
by WhiteNoise from the source tree, uncompressed on the wire).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import _django
import _results

ROOT = Path(__file__).resolve().parent.parent
HOST_ORIGIN_HOST = "127.0.0.2"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def packed(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def weigh(client: Any, url: str, **headers: str) -> tuple[int, int, int]:
    """Raw bytes, compressed bytes and SQL queries of one GET."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return len(body), packed(body), len(queries)


def linked_assets(html: str) -> list[str]:
    """The stylesheets and scripts a page of ours links to (on this site)."""
    found = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="(/[^"]+)"', html)
    found += re.findall(r'<script[^>]+src="(/[^"]+)"', html)
    return list(dict.fromkeys(found))


def host_page(site_url: str, story_url: str, title: str) -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>A newsroom's own page.</p>
<div id="newsroom-comments" data-story-url="{story_url}" data-story-title="{title}"></div>
<script src="{site_url}/embed.js" async></script></body></html>""".encode()


def serve_host(page: bytes, port: int) -> http.server.HTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer((HOST_ORIGIN_HOST, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def chromium() -> str | None:
    return next((p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None)


def first_paint(site_url: str, host_url: str, page_url: str, repeat: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    shown = {
        "embed": "() => { const h = document.getElementById('newsroom-comments');"
        " return h && h.shadowRoot && h.shadowRoot.querySelector('.nr-comment') ? performance.now() : false; }",
        "page": "() => document.querySelector('.nr-comment')"
        " && [...document.querySelectorAll('link[rel=stylesheet]')].every(l => l.sheet) ? performance.now() : false",
    }
    times: dict[str, list[float]] = {"embed": [], "page": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--headless=new", "--no-sandbox"])
        for run in range(repeat + 1):  # the first round warms the server's caches and is not counted
            for kind, url in (("embed", host_url), ("page", page_url)):
                context = browser.new_context()  # a first visit each time: nothing cached in the browser
                page = context.new_page()
                page.goto(url, wait_until="commit")
                at = page.wait_for_function(shown[kind], polling="raf", timeout=30_000).json_value()
                if run:
                    times[kind].append(float(at))
                context.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    database = _django.setup()
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"

    from django.test import Client
    from page import fill

    from embeds.models import Site
    from embeds.services import story_for_url

    site_port, host_port = free_port(), free_port(HOST_ORIGIN_HOST)
    site_url, host_origin = f"http://127.0.0.1:{site_port}", f"http://{HOST_ORIGIN_HOST}:{host_port}"
    site = Site.objects.create(name="Bench paper", origin=host_origin)
    title = "US seeks Pakistan's help for intra-Afghan dialogue"
    story_url = f"{host_origin}/2020/05/10/us-pakistan"
    story = story_for_url(site=site, url=story_url, title=title)
    fill(story, args.comments, random.Random(7))

    client = Client()
    origin = {"Origin": host_origin, "Accept-Encoding": "gzip"}
    section_url = f"/embed/v1/section?url={story_url}&title=x"
    embed_parts = {
        "embed.js": weigh(client, "/embed.js", **origin),
        "styles": weigh(client, "/embed/v1/styles.css", **origin),
        "first page of comments": weigh(client, section_url, **origin),
    }
    embed_parts["first page of comments"] = weigh(client, section_url, **origin)  # as a returning reader's
    page_html = client.get(story.get_absolute_url()).content.decode()
    page_parts = {"article page (HTML)": weigh(client, story.get_absolute_url())}
    for asset in linked_assets(page_html):
        page_parts[asset.rsplit("/", 1)[-1]] = weigh(client, asset)

    def total(parts: dict[str, tuple[int, int, int]], index: int) -> int:
        return sum(p[index] for p in parts.values())

    print(f"database: {database.split('://')[0]}; a story of {args.comments:,} comments")
    for label, parts in (("embed", embed_parts), ("own page", page_parts)):
        for name, (raw, gz, queries) in parts.items():
            print(f"  {label:8} {name:28} {raw / 1024:8.1f} KB  {gz / 1024:7.1f} KB gzip  {queries:2} queries")
        print(f"  {label:8} {'total':28} {total(parts, 0) / 1024:8.1f} KB  {total(parts, 1) / 1024:7.1f} KB gzip")
    paint: dict[str, Any] = {}
    if not args.no_browser and chromium():
        env = {**os.environ, "DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost", "COMMENTS_RATE_PER_IP": ""}
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{site_port}", "--noreload", "--nothreading"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        host = serve_host(host_page(site_url, story_url, title), host_port)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", site_port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            times = first_paint(site_url, f"{host_origin}/", f"{site_url}{story.get_absolute_url()}", args.repeat)
        finally:
            server.terminate()
            server.wait(timeout=10)
            host.shutdown()
        paint = {kind: statistics.median(values) for kind, values in times.items()}
        print(f"  first comment shown, styled, median of {args.repeat} first visits: embed {paint['embed']:.0f} ms, "
              f"our page {paint['page']:.0f} ms")  # fmt: skip
    else:
        print("  first paint not measured (no Chromium, or --no-browser)")
    _results.write(
        "embed",
        args,
        {
            "database": database.split("://")[0],
            "comments": args.comments,
            "embed": {name: {"bytes": raw, "gzip": gz, "queries": q} for name, (raw, gz, q) in embed_parts.items()},
            "page": {name: {"bytes": raw, "gzip": gz, "queries": q} for name, (raw, gz, q) in page_parts.items()},
            "embed_gzip_total": total(embed_parts, 1),
            "page_gzip_total": total(page_parts, 1),
            "first_paint_ms": paint,
            "goal_gzip_kb": 60,
        },
    )


if __name__ == "__main__":
    main()
