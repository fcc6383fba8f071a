"""Load on the production server: nothing accepted may be lost, nothing may fail.

    .venv/bin/python bench/load.py [--clients 16] [--posts 40] [--seconds 60] [--workers 4] [--only sqlite|postgres]
                                   [--faults none,kill-worker,kill-db,kill-redis,slow-bodies] [--slow 50]
    .venv/bin/python bench/load.py --servers 2 [--faults none,kill-server,kill-worker,kill-db] [--clients ...]

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

Several app servers (``--servers N``, PostgreSQL only: SQLite is one machine's): N
gunicorn masters, each in a process group, on a port and a var folder of its own (as on
N machines), and the task-queue worker (``manage.py worker``), sharing a fresh PostgreSQL
database, a Redis database (``LOAD_REDIS``, default 127.0.0.1:6379, databases 12 and 13)
and one SECRET_KEY. The clients stand in for the load balancer: each sends its requests
to the servers in turn (a form read from one is posted to another; a double click sends
its copies to two at once), with its address in X-Forwarded-For, and passes over a
server that dropped a connection for 10 s, sending the request that died once more to
the next. The posting limits are lowered to 5 an hour per address and per email (each
load post comes from an address and an email of its own), and before the load it checks
that one reader is refused at the same count on one server and across all of them, by
address and by email (posts sent one after another, and at the same instant), and that a
ban and the site-wide pause, made in the admin on one server with the session opened on
another, hold on every server from the next post. After the load: every accepted post
stored once, no 5xx, and the worker has sent every email the posts queued. Results go to
``load-servers.json``. Its fault, ``kill-server``: a third of the way through, the first
server's master and workers are killed together (SIGKILL), and the clients fail over.
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


class Balancer:
    """Where the clients' requests go: the app servers' ports in turn, as a load balancer in front of several
    machines sends them. A server that refused or dropped a connection is passed over for ``FAIL_TIMEOUT``
    seconds, then tried again (nginx's passive health check, ``max_fails=1 fail_timeout=10s``); with one server
    there is nowhere else, so it is tried again at once."""

    FAIL_TIMEOUT = 10.0

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.down: dict[int, float] = {}  # port: when it failed (time.monotonic())
        self.lock = threading.Lock()

    def port(self, turn: int) -> int:
        now = time.monotonic()
        with self.lock:
            up = [p for p in self.ports if now - self.down.get(p, -self.FAIL_TIMEOUT) >= self.FAIL_TIMEOUT]
        up = up or self.ports
        return up[turn % len(up)]

    def failed(self, port: int) -> None:
        if len(self.ports) > 1:
            with self.lock:
                self.down[port] = time.monotonic()


class Client:
    """One browser: its cookies, and its requests sent to the servers in turn (``turn``). ``address``: the
    client's address as a load balancer in front would append it to X-Forwarded-For (the app trusts one proxy)."""

    def __init__(self, balancer: Balancer | int, turn: int = 0, address: str = "") -> None:
        self.balancer = balancer if isinstance(balancer, Balancer) else Balancer([balancer])
        self.turn = turn
        self.address = address
        self.conns: dict[int, http.client.HTTPConnection] = {}
        self.cookies: dict[str, str] = {}
        self.retries = 0
        self.by_port: dict[int, int] = {}  # requests answered, by server

    def request(
        self, method: str, path: str, body: str | None = None, port: int | None = None
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if port is not None and not attempt:
                target = port
            else:
                target = self.balancer.port(self.turn)
                self.turn += 1
            conn = self.conns.get(target) or self.conns.setdefault(
                target, http.client.HTTPConnection("127.0.0.1", target, timeout=30)
            )
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                # A server that died mid-request: send it once more, as a browser would (to another server,
                # if there is one: the balancer takes this one out).
                conn.close()
                self.balancer.failed(target)
                self.retries += 1
                if attempt:
                    return 0, "", {}  # no answer at all
        self.by_port[target] = self.by_port.get(target, 0) + 1
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
        self.by_port: dict[int, int] = {}  # requests answered, by server

    def posted(self) -> int:
        with self.lock:
            return len(self.post_times)

    def merge(self, client: Client) -> None:
        """A finished client's resends, and its requests answered by each server."""
        with self.lock:
            self.retries += client.retries
            for port, count in client.by_port.items():
                self.by_port[port] = self.by_port.get(port, 0) + count

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


def client_loop(balancer: Balancer, posts: int, deadline: float, stats: Stats, index: int, spread: bool) -> None:
    """One reader posting ``posts`` comments. ``spread`` (several servers): the reader's requests go to the
    servers in turn, so each form is posted to another server than the one that served it, and each post comes
    from an address and an email of its own (the run's rate limits are low enough for one reader to reach)."""
    client = Client(balancer, turn=index)
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
        if spread:
            client.address = f"10.{index % 250}.{n // 250}.{n % 250 + 1}"
        form = {
            "csrfmiddlewaretoken": csrf.group(1),
            "name": f"Load {index}",
            "email": f"load{index}-{n}@example.com" if spread else f"load{index}@example.com",
            "body": f"{BODIES[n % len(BODIES)]} ({index}-{n})",
            "parent": ids[-1] if ids and n % 3 == 1 else "",
            "token": token,
            "started": started.group(1),
            "website": "",
        }
        body = urlencode(form)
        if n % 10 == 5:
            # A double click: the same form from a second connection at the same moment (to the other server,
            # if there are several).
            twin = Client(balancer, turn=client.turn + 1, address=client.address)
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
    stats.merge(client)


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
    stats.merge(client)


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
    fault: str,
    stats: Stats,
    expected: int,
    servers: list[subprocess.Popen[bytes]],
    database_url: str,
    redis: subprocess.Popen[bytes] | None,
) -> None:
    """Strike ``fault`` a third (and, but for Redis and a whole server, two thirds) of the way through the posts,
    on the first server."""
    marks = (1 / 3,) if fault in ("kill-redis", "kill-server") else (1 / 3, 2 / 3)
    for mark in marks:
        while stats.posted() < expected * mark:
            if stats.done.is_set():
                return
            time.sleep(0.02)
        if fault == "kill-worker":
            victims = workers_of(servers[0].pid)
            if victims:
                os.kill(victims[0], signal.SIGKILL)
            what = f"killed worker {victims[0] if victims else '(none found)'}"
        elif fault == "kill-server":
            # The whole machine gone: the master and its workers at once (its own process group), no goodbye.
            workers = workers_of(servers[0].pid)
            os.killpg(servers[0].pid, signal.SIGKILL)
            servers[0].wait()
            what = f"killed server 1 (gunicorn master {servers[0].pid} and its {len(workers)} workers, SIGKILL)"
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
            threading.Thread(target=client_loop, args=(Balancer([port]), args.posts, deadline, stats, i, False))
            for i in range(args.clients)
        ]
        if fault not in ("none", "slow-bodies"):
            expected = args.clients * args.posts
            threads.append(
                threading.Thread(target=inject, args=(fault, stats, expected, [server], database_url, redis))
            )
        run_to_the_end(threads, args.clients, stats)
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


# --- Several app servers (--servers N): separate gunicorn masters sharing PostgreSQL and Redis -----------------

# The posting limits of a multi-server run: low enough for one reader to reach in a few posts, so the bench can
# see that N servers refuse at the same count as one; each load client posts from a fresh address and email.
SERVERS_LIMIT = 5
SERVERS_FAULTS = ("none", "kill-server", "kill-worker", "kill-db")


def redis_url_for(index: int) -> str:
    """A Redis database of the bench's own (LOAD_REDIS, default 127.0.0.1:6379, databases 12 and 13 in turn),
    emptied: the shared cache of one run."""
    import redis

    base = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379").rstrip("/")
    url = f"{base}/{12 + index % 2}"
    redis.Redis.from_url(url, socket_connect_timeout=3).flushdb()
    return url


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """One app server as on a machine of its own: gunicorn's master (its own process group, so that it and its
    workers can be killed together) from dev.py's command line."""
    args = [PY, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning", "--access-logfile", "/dev/null"]  # fmt: skip
    print("+", " ".join(args), flush=True)
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stderr=log.open("wb"), start_new_session=True, preexec_fn=dev._stop_with_parent
    )


def page_form(client: Client, port: int | None = None) -> dict[str, str]:
    """The comment form's hidden fields, from the article page (served by ``port``, or the next server)."""
    status, html, _ = client.request("GET", f"/articles/{SLUG}/", port=port)
    csrf, started, token = CSRF_RE.search(html), STARTED_RE.search(html), TOKEN_RE.search(html)
    if status != 200 or not csrf or not started or not token:
        raise RuntimeError(f"the article page came back {status} without its form")
    return {"csrfmiddlewaretoken": csrf[1], "started": started[1], "token": token[1], "website": "", "parent": ""}


def post_comment(
    client: Client,
    port: int,
    email: str,
    body: str,
    accepted: list[str] | None = None,
    form: dict[str, str] | None = None,
) -> int:
    """A comment posted to ``port``, its form read from another server; the answer's status. Its token is added
    to ``accepted`` if it was (the load's check finds it stored once)."""
    ports = client.balancer.ports
    form = form or page_form(client, ports[(ports.index(port) + 1) % len(ports)])
    status, _, _ = client.request(
        "POST", f"/articles/{SLUG}/comments/", urlencode({**form, "name": "Reader", "email": email, "body": body}), port
    )
    if status == 302 and accepted is not None:
        accepted.append(form["token"])
    return status


def run_to_the_end(threads: list[threading.Thread], clients: int, stats: Stats) -> None:
    """Start the clients (the first ``clients`` threads) and the fault beside them; once every client is done,
    tell the fault (``stats.done``) and wait for it."""
    for thread in threads:
        thread.start()
    for thread in threads[:clients]:
        thread.join()
    stats.done.set()
    for thread in threads[clients:]:
        thread.join()


def limit_reached(label: str, statuses: list[int], judged: bool = True) -> dict[str, Any]:
    let_through = sum(1 for s in statuses if s in (200, 302))
    refused = statuses.count(429)
    ok = let_through == SERVERS_LIMIT and refused == len(statuses) - SERVERS_LIMIT
    verdict = "OK" if ok else "FAILED" if judged else "over the limit (posts racing each other: not judged)"
    print(f"  rate limit, {label}: {let_through} let through, {refused} refused (429) of {len(statuses)} "
          f"(limit {SERVERS_LIMIT}): {verdict}", flush=True)  # fmt: skip
    return {"what": label, "sent": len(statuses), "let_through": let_through, "refused": refused, "ok": ok,
            "judged": judged}  # fmt: skip


def rate_limit_checks(ports: list[int], accepted: list[str]) -> list[dict[str, Any]]:
    """One reader sending more posts than the limit: all to one server, then split across the servers (by
    address, then by email), one after the other; and all at once, split across the servers."""
    sent = SERVERS_LIMIT + 3
    checks = []
    one = Client(Balancer(ports), address="10.251.0.1")
    statuses = [post_comment(one, ports[0], f"limit-one-{k}@example.com", f"{BODIES[k % 4]} (one {k})", accepted)
                for k in range(sent)]  # fmt: skip
    checks.append(limit_reached("one address, one server", statuses))
    split = Client(Balancer(ports), address="10.251.0.2")
    statuses = [post_comment(split, ports[k % len(ports)], f"limit-ip-{k}@example.com", f"{BODIES[k % 4]} (ip {k})",
                             accepted) for k in range(sent)]  # fmt: skip
    checks.append(limit_reached(f"one address, {len(ports)} servers in turn", statuses))
    by_email = Client(Balancer(ports))
    statuses = []
    for k in range(sent):
        by_email.address = f"10.252.0.{k + 1}"
        statuses.append(post_comment(by_email, ports[k % len(ports)], "limit-email@example.com",
                                     f"{BODIES[k % 4]} (email {k})", accepted))  # fmt: skip
    checks.append(limit_reached(f"one email, {len(ports)} servers in turn", statuses))
    # At once: on Redis one script reads and records the limit's log (comments/ratelimit.py), so posts racing
    # each other are counted one at a time, on one server's workers as on several servers.
    for targets, address in (([ports[0]], "10.251.0.3"), (ports, "10.251.0.4")):
        where = "one server" if len(targets) == 1 else f"across {len(targets)} servers"
        answers = at_once(ports, targets, address, sent, accepted)
        checks.append(limit_reached(f"one address, {sent} posts at once, {where}", answers))
    return checks


def at_once(ports: list[int], targets: list[int], address: str, count: int, accepted: list[str]) -> list[int]:
    """``count`` posts from one address sent at the same moment, to ``targets`` in turn; their statuses."""
    reader = Client(Balancer(ports), address=address)
    forms = [page_form(reader) for _ in range(count)]
    answers: list[int] = []

    def send(k: int) -> None:
        copy = Client(Balancer(ports), address=address)
        copy.cookies = dict(reader.cookies)
        email, body = f"limit-{address}-{k}@example.com", f"{BODIES[k % 4]} (at once {address} {k})"
        answers.append(post_comment(copy, targets[k % len(targets)], email, body, accepted, forms[k]))

    threads = [threading.Thread(target=send, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def admin_login(client: Client, ports: list[int], password: str) -> None:
    """Log in to the admin: the log-in page from one server, the form posted to another."""
    status, html, _ = client.request("GET", "/admin/login/", port=ports[0])
    csrf = CSRF_RE.search(html)
    assert status == 200 and csrf, f"admin log-in page: {status}"
    form = {"csrfmiddlewaretoken": csrf[1], "username": "bench", "password": password, "next": "/admin/"}
    status, _, headers = client.request("POST", "/admin/login/", urlencode(form), port=ports[-1])
    if status != 302:
        raise RuntimeError(f"admin log-in refused: {status}")


def admin_form(editor: Client, path: str, port: int, fields: dict[str, str]) -> int:
    """An admin form read from ``port`` and sent with ``fields`` to the next server; the answer's status."""
    ports = editor.balancer.ports
    status, html, _ = editor.request("GET", path, port=port)
    csrf = CSRF_RE.search(html)
    if status != 200 or not csrf:
        raise RuntimeError(f"{path} came back {status} without its form (did the session cross servers?)")
    answer, _, _ = editor.request(
        "POST", path, urlencode({"csrfmiddlewaretoken": csrf[1], **fields}), ports[(ports.index(port) + 1) % len(ports)]
    )
    return answer


def controls_check(ports: list[int], password: str, accepted: list[str]) -> dict[str, Any]:
    """A moderator's controls, made in the admin on one server (logged in through another), hold on every server
    from the next post: a ban of a reader's address (read from the database), and the site-wide pause (read
    through the shared cache: a server with a cache of its own would go on taking comments for a minute)."""
    email = "banned-reader@example.com"
    reader = Client(Balancer(ports), address="10.253.0.1")
    before = post_comment(reader, ports[0], email, "Before the ban: the talks in Doha will take months.", accepted)
    editor = Client(Balancer(ports))
    admin_login(editor, ports, password)
    ban = {"email": email, "domain": "", "kind": "ban", "reason": "bench: spam", "days": ""}
    banned = admin_form(editor, "/admin/commenters/sanction/add/", ports[0], ban)
    after = [post_comment(reader, port, email, f"After the ban, to server {i + 1}.") for i, port in enumerate(ports)]
    ban_ok = before == 302 and banned == 302 and all(s == 403 for s in after)
    print(f"  a ban made in the admin on server 2 (its form read from server 1, the editor logged in through "
          f"both): the reader's post before it got {before}; after it, {after} from servers 1..{len(ports)}: "
          f"{'OK' if ban_ok else 'FAILED'}", flush=True)  # fmt: skip
    other = Client(Balancer(ports), address="10.253.0.2")
    switch = "/admin/commenters/siteswitch/1/change/"
    open_forms = [page_form(other, port) for port in ports]  # pages read before the pause, posted after it
    paused = admin_form(editor, switch, ports[0], {"comments_paused": "on", "message": "bench: paused", "_save": "1"})
    while_paused = [
        post_comment(other, port, f"paused-{i}@example.com", f"While paused, to server {i + 1}.", form=open_forms[i])
        for i, port in enumerate(ports)
    ]
    pages_without_form = [
        not TOKEN_RE.search(other.request("GET", f"/articles/{SLUG}/", port=port)[1]) for port in ports
    ]
    resumed = admin_form(editor, switch, ports[-1], {"message": "", "_save": "1"})
    after_resume = [post_comment(other, port, f"resumed-{i}@example.com", f"Resumed, to server {i + 1}.", accepted)
                    for i, port in enumerate(ports)]  # fmt: skip
    pause_ok = paused == 302 and resumed == 302 and all(s == 403 for s in while_paused) and all(pages_without_form)
    pause_ok = pause_ok and all(s == 302 for s in after_resume)
    print(f"  the site paused in the admin on server 2: forms read before it and posted to servers 1..{len(ports)} "
          f"got {while_paused}, the page without its form: {pages_without_form}; "
          f"resumed on server 1: {after_resume}: {'OK' if pause_ok else 'FAILED'}", flush=True)  # fmt: skip
    return {
        "ban": {"before": before, "made": banned, "after": after, "ok": ban_ok},
        "pause": {"made": paused, "while_paused": while_paused, "pages_without_form": pages_without_form,
                  "resumed": resumed, "after": after_resume,
                  "ok": pause_ok},
        "ok": ban_ok and pause_ok,
    }  # fmt: skip


def queue_state(database_url: str) -> dict[str, Any]:
    """The task queue and the outbox, read from the database: emails queued and unsent, tasks by status, and
    those due but not run."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        queued, unsent = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE sent_at IS NULL) FROM outbox_outboundemail"
        ).fetchone() or (0, 0)
        statuses: dict[str, int] = dict(
            conn.execute("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status").fetchall()
        )
        (due,) = conn.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING') "
            "AND run_after <= now()"
        ).fetchone() or (0,)
    return {"emails": queued, "unsent": unsent, "tasks": statuses, "due": due}


def wait_for_queue(database_url: str, worker: subprocess.Popen[bytes], seconds: float = 180) -> dict[str, Any]:
    """Until the worker has sent every email and run every task that is due (or ``seconds`` pass)."""
    t0 = time.perf_counter()
    while True:
        state = queue_state(database_url)
        if (state["unsent"] == 0 and state["due"] == 0) or time.perf_counter() - t0 > seconds:
            break
        time.sleep(1)
    state["seconds"] = time.perf_counter() - t0
    state["worker_running"] = worker.poll() is None
    state["ok"] = state["unsent"] == 0 and state["due"] == 0 and state["worker_running"]
    print(f"  the task queue after the load: {state['emails']} emails queued, {state['unsent']} unsent; tasks "
          f"{dict(sorted(state['tasks'].items()))}, {state['due']} due and not done; drained in "
          f"{state['seconds']:.0f} s: {'OK' if state['ok'] else 'FAILED'}", flush=True)  # fmt: skip
    return state


def run_servers(database_url: str, args: argparse.Namespace, fault: str, index: int) -> dict[str, Any]:
    """``args.servers`` app servers, each a gunicorn master of its own on its own port and folder (as on its own
    machine), and the task-queue worker, sharing one PostgreSQL, one Redis and one SECRET_KEY."""
    var = Path(tempfile.mkdtemp(prefix="newsroom-load-servers-"))
    password = secrets.token_urlsafe(24)
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url_for(index),
        # A load balancer in front appends the client's address to X-Forwarded-For (the clients write it here).
        BEHIND_PROXY="1",
        COMMENTS_RATE_PER_IP=f"{SERVERS_LIMIT}/h",
        COMMENTS_RATE_PER_EMAIL=f"{SERVERS_LIMIT}/h",
        COMMENTS_MIN_SECONDS_TO_WRITE="0",
        LOG_LEVEL="ERROR",
        NEWSROOM_VAR_DIR=str(var / "shared"),
        DJANGO_SUPERUSER_PASSWORD=password,
    )
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "PER_PROCESS_LIMITS", "WEB_CONCURRENCY"):
        env.pop(name, None)
    # Once for all servers, as a deploy does: migrations, the live policy, an editor.
    manage(env, "migrate", "--noinput")
    manage(env, "setup_demo", "--no-user")
    manage(env, "createsuperuser", "--noinput", "--username", "bench", "--email", "bench@example.com")
    env.pop("DJANGO_SUPERUSER_PASSWORD")
    envs = []
    for n in range(args.servers):
        server_env = {**env, "NEWSROOM_VAR_DIR": str(var / f"server{n + 1}")}
        manage(server_env, "collectstatic", "--noinput")  # each machine its own static files
        envs.append(server_env)
    ports = [free_port() for _ in range(args.servers)]
    label = "PostgreSQL" if fault == "none" else f"PostgreSQL, {fault}"
    print(f"{label}, {args.servers} app servers + the task-queue worker:", flush=True)
    servers = [start_server(e, p, args.workers, var / f"server{n + 1}.log") for n, (e, p) in enumerate(zip(envs, ports, strict=True))]  # fmt: skip
    worker_log = var / "worker.log"
    worker = subprocess.Popen(
        [PY, "manage.py", "worker"], cwd=ROOT, env={**env, "NEWSROOM_VAR_DIR": str(var / "worker")},
        stdout=worker_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=dev._stop_with_parent,
    )  # fmt: skip
    try:
        for port in ports:
            wait_for_port(port)
        checked: list[str] = []  # the tokens of the checks' accepted posts: each must be stored once too
        limits = rate_limit_checks(ports, checked)
        controls = controls_check(ports, password, checked)
        stats = Stats()
        stats.accepted.extend(checked)
        balancer = Balancer(ports)
        deadline = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client_loop, args=(balancer, args.posts, deadline, stats, i, True))
            for i in range(args.clients)
        ]
        if fault != "none":
            threads.append(
                threading.Thread(
                    target=inject, args=(fault, stats, args.clients * args.posts, servers, database_url, None)
                )
            )
        run_to_the_end(threads, args.clients, stats)
        elapsed = time.perf_counter() - started
        queue = wait_for_queue(database_url, worker)
    finally:
        dev.stop(*servers, worker)
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the run's limits and cache, left for no one
    env.pop("REDIS_URL", None)  # the check reads the database only
    env["PER_PROCESS_LIMITS"] = "1"
    figures = report(env, stats, elapsed, fault)
    by_server = [stats.by_port.get(port, 0) for port in ports]
    print(f"  requests answered by each server: {', '.join(map(str, by_server))}")
    logs = [f for f in sorted(var.glob("server*.log")) if f.stat().st_size]
    judged = [c for c in limits if c.get("judged", True)]
    ok = figures["ok"] and all(c["ok"] for c in judged) and controls["ok"] and queue["ok"]
    if not ok and figures["ok"]:
        print("  FAILED: a cross-server check above")
    figures["ok"] = ok
    if ok and not figures["errors_5xx"]:
        shutil.rmtree(var, ignore_errors=True)
    else:  # the tracebacks of failed requests, the worker's output
        print(f"  the servers' and the worker's logs: {', '.join(map(str, logs))}, {var / 'worker.log'}")
    return {
        "database": "PostgreSQL",
        "fault": fault,
        "servers": args.servers,
        **figures,
        "by_server": by_server,
        "rate_limits": limits,
        "controls": controls,
        "queue": queue,
    }


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
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (per server)")
    parser.add_argument("--servers", type=int, default=1, help="app servers sharing PostgreSQL and Redis (default 1)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--slow", type=int, default=50, help="slow-bodies: clients trickling a body")
    parser.add_argument(
        "--faults", default="none", help=f"comma-separated, run in turn: {', '.join(FAULTS)} (default: none)"
    )
    args = parser.parse_args()
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    allowed = SERVERS_FAULTS if args.servers > 1 else FAULTS
    unknown = sorted(set(faults) - set(allowed))
    if args.servers < 1:
        parser.error("--servers: at least 1")
    if unknown:
        parser.error(f"unknown fault {', '.join(unknown)}: choose from {', '.join(allowed)}"
                     + (f" (with --servers {args.servers})" if args.servers > 1 else ""))  # fmt: skip
    if args.servers > 1 and args.only == "sqlite":
        parser.error("several app servers share one PostgreSQL: SQLite is one machine's database")
    if "kill-redis" in faults and not shutil.which("redis-server"):
        parser.error("kill-redis needs redis-server on the PATH")
    if "slow-bodies" in faults and not dev.nginx_binary():
        parser.error("slow-bodies serves behind nginx, as dev.py prod does: apt-get install nginx")
    if args.servers > 1:
        servers(args, faults)
    results: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    print(
        f"{args.clients} clients x up to {args.posts} posts each, gunicorn with {args.workers} workers, loopback only"
    )
    for fault in faults:
        if args.only in (None, "sqlite"):
            if fault == "kill-db":
                print(
                    "SQLite (WAL), kill-db: skipped (SQLite has no connections to cut: it is a file each process opens)"
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


def servers(args: argparse.Namespace, faults: list[str]) -> None:
    """The multi-server runs (PostgreSQL only), written to ``load-servers.json``; exits."""
    print(f"{args.servers} app servers x {args.workers} gunicorn workers and the task-queue worker, sharing "
          f"PostgreSQL and Redis; {args.clients} clients x up to {args.posts} posts each, loopback only")  # fmt: skip
    results: list[dict[str, Any]] = []
    for index, fault in enumerate(faults):
        url = postgres_url()
        if not url:
            sys.exit(f"--servers {args.servers} needs PostgreSQL: {POSTGRES_SKIPPED[-1]}")
        try:
            results.append(run_servers(url, args, fault, index))
        finally:
            drop_postgres(url)
    print_servers_table(results)
    ok = all(r["ok"] for r in results)
    _results.write(
        "load-servers",
        args,
        {
            "servers": args.servers,
            "clients": args.clients,
            "posts_per_client": args.posts,
            "seconds_cap": args.seconds,
            "workers": args.workers,
            "limit": SERVERS_LIMIT,
            "runs": results,
            "ok": ok,
        },
        script="load",
    )
    sys.exit(0 if ok else 1)


def print_servers_table(results: list[dict[str, Any]]) -> None:
    rows = [
        (
            "run",
            "requests",
            "by server",
            "accepted/stored",
            "lost/doubled",
            "5xx",
            "limits",
            "ban/pause",
            "queue",
            "check",
        )
    ]
    for r in results:
        judged = [c for c in r["rate_limits"] if c.get("judged", True)]
        rows.append((
            r["fault"], str(r["requests"]), "/".join(map(str, r["by_server"])), f"{r['accepted']}/{r['stored']}",
            f"{r['missing']}/{r['stored_twice']}", str(r["errors_5xx"]),
            f"{sum(c['ok'] for c in judged)}/{len(judged)} OK", "/".join("OK" if r["controls"][c]["ok"] else "FAILED" for c in ("ban", "pause")),
            f"{r['queue']['emails'] - r['queue']['unsent']}/{r['queue']['emails']} sent",
            "OK" if r["ok"] else "FAILED",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
