"""Load on the production server: nothing accepted may be lost, nothing may fail.

    .venv/bin/python bench/load.py [--clients 16] [--posts 40] [--seconds 60] [--workers 4] [--only sqlite|postgres]

Starts gunicorn (DEBUG off, whitenoise, several workers) on 127.0.0.1 against a
fresh SQLite file and a fresh PostgreSQL database (127.0.0.1:5432, skipped with a
note if none answers), then runs concurrent clients that read the article page,
post comments and replies, and now and then send the same form twice at once (a
double click). Every request stays on loopback and the run is bounded in count
and time. Afterwards the database is checked: every post answered as accepted is
stored exactly once, each double-sent form once, and no request got a 5xx.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
SLUG = "us-seeks-pakistans-help-for-intra-afghan-dialogue"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
COMMENT_RE = re.compile(r'id="comment-(\d+)"')
BODIES = (
    "Pakistan's leverage over the Taliban is the key to the intra-Afghan talks.",
    "Khalilzad has been patient, but the prisoner releases are far behind schedule.",
    "The army chief in Rawalpindi holds the cards here, not the civilian government.",
    "Doha was always going to be the easy part; Kabul is the hard part.",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, dict[str, str]]:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.post_times: list[float] = []
        self.read_times: list[float] = []
        self.statuses: dict[int, int] = {}
        self.accepted: list[str] = []  # tokens answered with a redirect
        self.doubled: list[str] = []

    def record(self, kind: str, status: int, seconds: float, token: str | None = None) -> None:
        with self.lock:
            (self.post_times if kind == "post" else self.read_times).append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if token and status == 302:
                self.accepted.append(token)


def client_loop(port: int, posts: int, deadline: float, stats: Stats, index: int) -> None:
    client = Client(port)
    page_path = f"/articles/{SLUG}/"
    post_path = f"/articles/{SLUG}/comments/"
    t0 = time.perf_counter()
    status, html, _ = client.request("GET", page_path)
    stats.record("read", status, time.perf_counter() - t0)
    for n in range(posts):
        if time.monotonic() > deadline:
            return
        csrf = CSRF_RE.search(html)
        started = STARTED_RE.search(html)
        page_token = TOKEN_RE.search(html)
        if not csrf or not started or not page_token:
            raise RuntimeError(f"client {index}: no form on the page (status {status})")
        ids = COMMENT_RE.findall(html)
        token = page_token.group(1)  # the timestamp is signed with the page's own token
        form = {
            "csrfmiddlewaretoken": csrf.group(1),
            "name": f"Load {index}",
            "email": f"load{index}@example.com",
            "body": f"{BODIES[n % len(BODIES)]} ({index}-{n})",
            "parent": ids[-1] if ids and n % 3 == 1 else "",
            "token": token,
            "started": started.group(1),
            "website": "",
        }
        body = urlencode(form)
        if n % 10 == 5:
            # A double click: the same form from a second connection at the same moment.
            twin = Client(port)
            twin.cookies = dict(client.cookies)
            thread = threading.Thread(target=post_twin, args=(twin, post_path, body, token, stats))
            thread.start()
            stats.doubled.append(token)
            status, seconds = timed(client, "POST", post_path, body)
            thread.join()
        else:
            status, seconds = timed(client, "POST", post_path, body)
        stats.record("post", status, seconds, token)
        t0 = time.perf_counter()
        status, html, _ = client.request("GET", page_path)
        stats.record("read", status, time.perf_counter() - t0)


def post_twin(client: Client, path: str, body: str, token: str, stats: Stats) -> None:
    stats.record("post", *timed(client, "POST", path, body), token)


def timed(client: Client, method: str, path: str, body: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    status, _, _ = client.request(method, path, body)
    return status, time.perf_counter() - t0


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def run(label: str, database_url: str, args: argparse.Namespace) -> bool:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        DATABASE_URL=database_url,
        NEWSROOM_VAR_DIR=tempfile.mkdtemp(prefix="newsroom-load-"),
        COMMENTS_RATE_PER_IP="",
        COMMENTS_RATE_PER_EMAIL="",
        COMMENTS_MIN_SECONDS_TO_WRITE="0",
        PER_PROCESS_LIMITS="1",  # the limits are off for the load anyway
        LOG_LEVEL="ERROR",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "setup_demo", "--no-user")
    port = free_port()
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "-c",
            "newsroom/gunicorn.conf.py",
            "newsroom.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        stats = Stats()
        deadline = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client_loop, args=(port, args.posts, deadline, stats, i))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return report(label, env, stats, elapsed)


def report(label: str, env: dict[str, str], stats: Stats, elapsed: float) -> bool:
    check = subprocess.run(
        [PY, str(ROOT / "bench" / "_load_check.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    result = json.loads(check.stdout.strip().splitlines()[-1])
    stored, bad_threads = result["tokens"], result["bad_threads"]
    accepted = set(stats.accepted)
    missing = [t for t in accepted if stored.get(t, 0) == 0]
    duplicated = [t for t, n in stored.items() if n > 1]
    errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    posts, reads = stats.post_times, stats.read_times

    def ms(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0

    print(f"{label}:")
    print(f"  {len(posts) + len(reads)} requests in {elapsed:.1f}s = {(len(posts) + len(reads)) / elapsed:.0f} req/s; "
          f"statuses {dict(sorted(stats.statuses.items()))}")  # fmt: skip
    print(f"  posting: {len(posts)} posts, {len(posts) / elapsed:.0f}/s, "
          f"p50 {statistics.median(posts) * 1000:.0f} ms, p99 {ms(posts, 0.99):.0f} ms")  # fmt: skip
    print(f"  reading the article page: {len(reads)} reads, p50 {statistics.median(reads) * 1000:.0f} ms, "
          f"p99 {ms(reads, 0.99):.0f} ms")  # fmt: skip
    print(f"  accepted {len(accepted)} distinct posts; stored {sum(stored.values())} comments; "
          f"missing {len(missing)}; stored twice {len(duplicated)}; double-sent forms {len(stats.doubled)}; 5xx {errors}")  # fmt: skip
    print(f"  replies stored {result['replies']}; with a wrong thread root or depth: {len(bad_threads)}")
    ok = not missing and not duplicated and errors == 0 and not bad_threads
    print(f"  {'OK: nothing lost, nothing doubled, no 5xx' if ok else 'FAILED'}")
    return ok


def postgres_url() -> str | None:
    base = os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"newsroom_load_{os.getpid()}"
    try:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"PostgreSQL: skipped ({exc.__class__.__name__}: {exc})")
        return None
    return f"{base}/{name}"


def drop_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--posts", type=int, default=40, help="posts per client")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop posting after this long")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    results = []
    print(
        f"{args.clients} clients x up to {args.posts} posts each, gunicorn with {args.workers} workers, loopback only"
    )
    if args.only in (None, "sqlite"):
        db = Path(tempfile.mkdtemp(prefix="newsroom-load-")) / "load.sqlite3"
        results.append(run("SQLite (WAL)", f"sqlite:///{db}", args))
    if args.only in (None, "postgres"):
        url = postgres_url()
        if url:
            try:
                results.append(run("PostgreSQL", url, args))
            finally:
                drop_postgres(url)
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
