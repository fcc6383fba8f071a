"""Load on the production server: nothing accepted may be lost, nothing may fail.

    .venv/bin/python bench/load.py [--clients 16] [--posts 40] [--seconds 60] [--workers 4] [--only sqlite|postgres]
                                   [--faults none,kill-worker,kill-db,kill-redis,slow-bodies] [--slow 50]

Starts gunicorn (DEBUG off, whitenoise, several workers) on 127.0.0.1 against a
fresh SQLite file and a fresh PostgreSQL database (127.0.0.1:5432, skipped with a
note if none answers), then runs concurrent clients that read the article page,
post comments and replies, and now and then send the same form twice at once (a
double click). Every request stays on loopback and the run is bounded in count
and time. Afterwards the database is checked: every post answered as accepted is
stored exactly once, each double-sent form once, and no request got a 5xx.

Fault scenarios (``--faults``, each a run of its own, after the plain one):

- ``kill-worker``: a third and two thirds of the way through, one gunicorn worker is
  killed (SIGKILL) mid-load; the master starts another. A client whose request died
  with it sends it once more, as a browser's retry would (the form's token makes a
  resent post count once).
- ``kill-db``: at the same points every database connection the app holds is
  terminated (PostgreSQL's ``pg_terminate_backend``; SQLite has none to cut).
- ``kill-redis``: the app uses a Redis of its own (REDIS_URL, rate limits on but
  high enough not to refuse the load); a third of the way through it is killed and
  stays down for the rest of the run.
- ``slow-bodies``: the site is served as ``dev.py prod`` serves it, nginx (deploy/nginx.conf)
  in front of gunicorn, and for the whole run ``--slow`` clients (50) send a comment's
  head, then its body a byte a second, and a fifth as many more send their request head
  a byte a second (cut off by the front after 10 s, they connect again). They carry a
  CSRF cookie, so the app would read their bodies. Afterwards the same slow clients go
  straight to gunicorn's own port for contrast, while one reader tries the page three
  times, 20 seconds each.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _results

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402 - the repository's dev.py: the front, started as dev.py prod starts it

PY = sys.executable
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
SLUG = "us-seeks-pakistans-help-for-intra-afghan-dialogue"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
COMMENT_RE = re.compile(r'id="comment-(\d+)"')
FAULTS = ("none", "kill-worker", "kill-db", "kill-redis", "slow-bodies")
BODIES = (
    "Pakistan's leverage over the Taliban is the key to the intra-Afghan talks.",
    "Khalilzad has been patient, but the prisoner releases are far behind schedule.",
    "The army chief in Rawalpindi holds the cards here, not the civilian government.",
    "Doha was always going to be the easy part; Kabul is the hard part.",
)


free_port = dev.free_port


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.retries = 0

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
            except (http.client.HTTPException, OSError):
                # A server that died mid-request: send it once more, as a browser would.
                self.conn.close()
                self.retries += 1
                if attempt:
                    return 0, "", {}  # no answer at all
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.post_times: list[float] = []
        self.post_statuses: list[int] = []
        self.read_times: list[float] = []
        self.statuses: dict[int, int] = {}
        self.accepted: list[str] = []  # tokens answered with a redirect
        self.doubled: list[str] = []
        self.retries = 0
        self.done = threading.Event()
        self.fault_at: list[float] = []  # when each fault struck (perf_counter)
        self.faults: list[str] = []  # what each fault did
        self.after_fault: dict[int, int] = {}  # statuses of requests that ended after the first fault

    def posted(self) -> int:
        with self.lock:
            return len(self.post_times)

    def record(self, kind: str, status: int, seconds: float, token: str | None = None) -> None:
        with self.lock:
            (self.post_times if kind == "post" else self.read_times).append(seconds)
            if kind == "post":
                self.post_statuses.append(status)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if self.fault_at:
                self.after_fault[status] = self.after_fault.get(status, 0) + 1
            if token and status == 302:
                self.accepted.append(token)


def client_loop(port: int, posts: int, deadline: float, stats: Stats, index: int) -> None:
    client = Client(port)
    page_path = f"/articles/{SLUG}/"
    post_path = f"/articles/{SLUG}/comments/"
    status, html = read_page(client, page_path, stats)
    for n in range(posts):
        if time.monotonic() > deadline:
            break
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
        status, html = read_page(client, page_path, stats)
    with stats.lock:
        stats.retries += client.retries


def read_page(client: Client, path: str, stats: Stats) -> tuple[int, str]:
    """The article page, read until it comes back whole (a failed read is counted, then tried again)."""
    for _ in range(20):
        t0 = time.perf_counter()
        status, html, _ = client.request("GET", path)
        stats.record("read", status, time.perf_counter() - t0)
        if status == 200:
            return status, html
        time.sleep(0.2)
    raise RuntimeError(f"the article page did not come back: status {status}")


def post_twin(client: Client, path: str, body: str, token: str, stats: Stats) -> None:
    stats.record("post", *timed(client, "POST", path, body), token)
    with stats.lock:
        stats.retries += client.retries


def timed(client: Client, method: str, path: str, body: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    status, _, _ = client.request(method, path, body)
    return status, time.perf_counter() - t0


class Slow:
    """What the slow clients did: connections made, connections the server closed on them, bytes trickled,
    and the status lines of any answers they got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections = 0
        self.cut_off = 0
        self.bytes = 0
        self.answers: dict[str, int] = {}

    def figures(self) -> dict[str, Any]:
        with self.lock:
            return {"connections": self.connections, "cut_off": self.cut_off, "bytes": self.bytes,
                    "answers": dict(sorted(self.answers.items()))}  # fmt: skip


SLOW_BODY_HEAD = (
    f"POST /articles/{SLUG}/comments/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken={'a' * 32}\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
)
SLOW_HEAD_START = f"GET /articles/{SLUG}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def trickle(port: int, what: str, stop: threading.Event, slow: Slow) -> None:
    """One slow client until ``stop``: the head of a POST, then its body a byte a second (``what`` "body"),
    or a request head a byte a second ("head"). Cut off, it connects again."""
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            stop.wait(1)
            continue
        with slow.lock:
            slow.connections += 1
        try:
            sock.sendall((SLOW_BODY_HEAD if what == "body" else SLOW_HEAD_START).encode())
            while not stop.wait(1):
                if select.select([sock], [], [], 0)[0]:  # an answer, or the connection closed
                    answer = sock.recv(4096)
                    with slow.lock:
                        slow.cut_off += 1
                        if answer:
                            line = answer.split(b"\r\n", 1)[0].decode("latin-1")
                            slow.answers[line] = slow.answers.get(line, 0) + 1
                    break
                sock.sendall(b"a")
                with slow.lock:
                    slow.bytes += 1
        except OSError:
            with slow.lock:
                slow.cut_off += 1
        finally:
            sock.close()


def start_slow(port: int, count: int, stop: threading.Event, slow: Slow) -> list[threading.Thread]:
    kinds = ["body"] * count + ["head"] * (count // 5)
    threads = [threading.Thread(target=trickle, args=(port, kind, stop, slow), daemon=True) for kind in kinds]
    for thread in threads:
        thread.start()
    return threads


def without_front(port: int, count: int, tries: int = 3, timeout: float = 20) -> dict[str, Any]:
    """The contrast: the same slow clients straight at gunicorn (``port``), and one reader trying the page."""
    stop, slow = threading.Event(), Slow()
    threads = start_slow(port, count, stop, slow)
    time.sleep(2)  # the slow clients are in, as an attacker's would be
    times: list[float | None] = []
    try:
        for _ in range(tries):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            t0 = time.perf_counter()
            try:
                conn.request("GET", f"/articles/{SLUG}/", headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                times.append(time.perf_counter() - t0 if response.status == 200 else None)
            except (http.client.HTTPException, OSError):
                times.append(None)
            finally:
                conn.close()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return {"tries": tries, "timeout_s": timeout, "answered": sum(t is not None for t in times), "seconds": times}


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return server, f"redis://127.0.0.1:{port}/0"


def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def workers_of(master: int) -> list[int]:
    """The gunicorn workers: the master's child processes, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return children


def terminate_db_connections(database_url: str) -> int:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def inject(
    fault: str, stats: Stats, expected: int, master: int, database_url: str, redis: subprocess.Popen[bytes] | None
) -> None:
    """Strike ``fault`` a third (and, but for Redis, two thirds) of the way through the posts."""
    marks = (1 / 3,) if fault == "kill-redis" else (1 / 3, 2 / 3)
    for mark in marks:
        while stats.posted() < expected * mark:
            if stats.done.is_set():
                return
            time.sleep(0.02)
        if fault == "kill-worker":
            victims = workers_of(master)
            if victims:
                os.kill(victims[0], signal.SIGKILL)
            what = f"killed worker {victims[0] if victims else '(none found)'}"
        elif fault == "kill-db":
            what = f"terminated {terminate_db_connections(database_url)} database connections"
        else:
            assert redis is not None
            redis.kill()
            redis.wait()
            what = "killed Redis (down for the rest of the run)"
        with stats.lock:
            stats.fault_at.append(time.perf_counter())
            stats.faults.append(what)
        print(f"  after {stats.posted()} posts: {what}", flush=True)


def run(label: str, database_url: str, args: argparse.Namespace, fault: str = "none") -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        DATABASE_URL=database_url,
        NEWSROOM_VAR_DIR=tempfile.mkdtemp(prefix="newsroom-load-"),
        # The limits count (in the cache) but are set high enough never to refuse the load.
        COMMENTS_RATE_PER_IP="100000/h",
        COMMENTS_RATE_PER_EMAIL="10000/h",
        COMMENTS_MIN_SECONDS_TO_WRITE="0",
        LOG_LEVEL="ERROR",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("REDIS_URL", None)
    redis = None
    if fault == "kill-redis":
        redis, env["REDIS_URL"] = start_redis()
    else:
        env["PER_PROCESS_LIMITS"] = "1"  # one machine, no Redis: per-worker counts are fine for a bench
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "setup_demo", "--no-user")
    front = fault == "slow-bodies"  # served as dev.py prod serves it: nginx in front of gunicorn
    if front:
        env.update(BEHIND_PROXY="1", ACCESS_LOG="0")
    port = free_port()
    upstream = free_port() if front else port
    server_log = Path(env["NEWSROOM_VAR_DIR"]) / "server.log"
    server = dev.start_gunicorn(
        env,
        f"127.0.0.1:{upstream}",
        ["--workers", str(args.workers), "--log-level", "warning", "--access-logfile", "/dev/null"],
        stderr=server_log.open("wb"),  # the tracebacks of failed requests, if any: named in the report
    )
    processes = [server]
    prefix = Path(tempfile.mkdtemp(prefix="newsroom-load-nginx-"))
    database = label
    label = label if fault == "none" else f"{label}, {fault}"
    print(f"{label}:", flush=True)
    slow, stop_slow, contrast = Slow(), threading.Event(), None
    slow_threads: list[threading.Thread] = []
    try:
        wait_for_port(upstream)
        if front:
            nginx = dev.nginx_binary()
            assert nginx
            processes.append(dev.start_nginx(env, f"127.0.0.1:{port}", f"127.0.0.1:{upstream}", nginx, prefix))
            wait_for_port(port)
            slow_threads = start_slow(port, args.slow, stop_slow, slow)
            time.sleep(2)  # the slow clients are in before the readers come
        stats = Stats()
        deadline = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client_loop, args=(port, args.posts, deadline, stats, i))
            for i in range(args.clients)
        ]
        if fault not in ("none", "slow-bodies"):
            expected = args.clients * args.posts
            threads.append(
                threading.Thread(target=inject, args=(fault, stats, expected, server.pid, database_url, redis))
            )
        for thread in threads:
            thread.start()
        for thread in threads[: args.clients]:
            thread.join()
        stats.done.set()
        for thread in threads[args.clients :]:
            thread.join()
        elapsed = time.perf_counter() - started
        stop_slow.set()
        for thread in slow_threads:
            thread.join()
        if front:
            contrast = without_front(upstream, args.slow)
    finally:
        stop_slow.set()
        dev.stop(*processes)
        shutil.rmtree(prefix, ignore_errors=True)
        if redis and redis.poll() is None:
            redis.kill()
            redis.wait()
    env.pop("REDIS_URL", None)  # the check reads the database only
    env["PER_PROCESS_LIMITS"] = "1"
    figures = report(env, stats, elapsed, fault)
    if any(status >= 500 for status in stats.statuses):
        print(f"  the server's log of those errors: {server_log}")
    extra: dict[str, Any] = {"front": "nginx" if front else "none"}
    if front:
        extra["slow"] = {"bodies": args.slow, "heads": args.slow // 5, **slow.figures()}
        extra["without_front"] = contrast
        print(f"  slow clients: {args.slow} trickling bodies, {args.slow // 5} trickling heads; "
              f"{slow.connections} connections, {slow.cut_off} cut off by the front, {slow.bytes} bytes sent")  # fmt: skip
        assert contrast is not None
        print(f"  without the front (the same slow clients straight at gunicorn): the page answered "
              f"{contrast['answered']} of {contrast['tries']} times within {contrast['timeout_s']:.0f} s")  # fmt: skip
    return {"database": database, "fault": fault, **figures, **extra}


def report(env: dict[str, str], stats: Stats, elapsed: float, fault: str) -> dict[str, Any]:
    """Print the run's figures and check the database; the figures, with ``ok`` for the verdict."""
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
    failed_posts = sum(1 for status in stats.post_statuses if status >= 500)
    posts, reads = stats.post_times, stats.read_times

    def ms(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0

    print(f"  {len(posts) + len(reads)} requests in {elapsed:.1f}s = {(len(posts) + len(reads)) / elapsed:.0f} req/s; "
          f"statuses {dict(sorted(stats.statuses.items()))}")  # fmt: skip
    print(f"  posting: {len(posts)} posts, {len(posts) / elapsed:.0f}/s, "
          f"p50 {statistics.median(posts) * 1000:.0f} ms, p99 {ms(posts, 0.99):.0f} ms")  # fmt: skip
    print(f"  reading the article page: {len(reads)} reads, p50 {statistics.median(reads) * 1000:.0f} ms, "
          f"p99 {ms(reads, 0.99):.0f} ms")  # fmt: skip
    print(f"  accepted {len(accepted)} distinct posts; stored {sum(stored.values())} comments; "
          f"missing {len(missing)}; stored twice {len(duplicated)}; double-sent forms {len(stats.doubled)}; "
          f"5xx {errors} ({failed_posts} of them posts)")  # fmt: skip
    print(f"  replies stored {result['replies']}; with a wrong thread root or depth: {len(bad_threads)}")
    if fault not in ("none", "slow-bodies"):  # the slow clients are there from the start
        unanswered = stats.statuses.get(0, 0)
        print(f"  after the first fault: statuses {dict(sorted(stats.after_fault.items()))}; "
              f"requests resent after a dropped connection {stats.retries}; never answered {unanswered}")  # fmt: skip
    # Cutting the database's connections may fail the requests that were using them (reported above);
    # everything else must come through whole.
    ok = not missing and not duplicated and not bad_threads and (errors == 0 or fault == "kill-db")
    print(f"  {'OK: nothing lost, nothing doubled' + (', no 5xx' if errors == 0 else '') if ok else 'FAILED'}")
    return {
        "ok": ok,
        "seconds": elapsed,
        "requests": len(posts) + len(reads),
        "requests_per_second": (len(posts) + len(reads)) / elapsed,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "posts": {"count": len(posts), "per_second": len(posts) / elapsed,
                  "p50_ms": statistics.median(posts) * 1000 if posts else None, "p99_ms": ms(posts, 0.99)},
        "reads": {"count": len(reads), "p50_ms": statistics.median(reads) * 1000 if reads else None,
                  "p99_ms": ms(reads, 0.99)},
        "accepted": len(accepted),
        "stored": sum(stored.values()),
        "missing": len(missing),
        "stored_twice": len(duplicated),
        "double_sent": len(stats.doubled),
        "errors_5xx": errors,
        "failed_posts_5xx": failed_posts,
        "replies": result["replies"],
        "bad_threads": len(bad_threads),
        "faults": list(stats.faults),
        "after_fault_statuses": {str(k): v for k, v in sorted(stats.after_fault.items())} if stats.fault_at else None,
        "resent": stats.retries,
        "never_answered": stats.statuses.get(0, 0),
    }  # fmt: skip


POSTGRES_SKIPPED: list[str] = []  # why PostgreSQL was skipped, if it was


def postgres_url() -> str | None:
    base = os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"newsroom_load_{os.getpid()}"
    try:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        why = f"{exc.__class__.__name__}: {exc}"
        print(f"PostgreSQL: skipped ({why})")
        POSTGRES_SKIPPED.append(why.strip())
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
    parser.add_argument("--slow", type=int, default=50, help="slow-bodies: clients trickling a body")
    parser.add_argument(
        "--faults", default="none", help=f"comma-separated, run in turn: {', '.join(FAULTS)} (default: none)"
    )
    args = parser.parse_args()
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = sorted(set(faults) - set(FAULTS))
    if unknown:
        parser.error(f"unknown fault {', '.join(unknown)}: choose from {', '.join(FAULTS)}")
    if "kill-redis" in faults and not shutil.which("redis-server"):
        parser.error("kill-redis needs redis-server on the PATH")
    if "slow-bodies" in faults and not dev.nginx_binary():
        parser.error("slow-bodies serves behind nginx, as dev.py prod does: apt-get install nginx")
    results: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    print(
        f"{args.clients} clients x up to {args.posts} posts each, gunicorn with {args.workers} workers, loopback only"
    )
    for fault in faults:
        if args.only in (None, "sqlite"):
            if fault == "kill-db":
                print(
                    "SQLite (WAL), kill-db: skipped (SQLite has no connections to cut; the file is opened per request)"
                )
                skipped.append({"database": "SQLite (WAL)", "fault": fault, "why": "SQLite has no connections to cut"})
            else:
                db = Path(tempfile.mkdtemp(prefix="newsroom-load-")) / "load.sqlite3"
                results.append(run("SQLite (WAL)", f"sqlite:///{db}", args, fault))
        if args.only in (None, "postgres"):
            url = postgres_url()
            if not url:
                skipped.append({"database": "PostgreSQL", "fault": fault, "why": POSTGRES_SKIPPED[-1]})
            else:
                try:
                    results.append(run("PostgreSQL", url, args, fault))
                finally:
                    drop_postgres(url)
    ok = all(r["ok"] for r in results)
    _results.write(
        "load",
        args,
        {
            "clients": args.clients,
            "posts_per_client": args.posts,
            "seconds_cap": args.seconds,
            "workers": args.workers,
            "runs": results,
            "skipped": skipped,
            "ok": ok,
        },
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
