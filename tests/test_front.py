"""``dev.py prod`` serves behind nginx (deploy/nginx.conf): slow clients cannot stall gunicorn's sync workers.

Runs ``dev.py prod`` itself, on a throwaway SQLite database with two workers and the front's client timeout
at 2 seconds (FRONT_TIMEOUT), then trickles requests at it. Where nginx is not installed these tests skip and
say so, except under CI (CI=true), where .ci/run must have installed it. Every process started here is
stopped at the end.
"""

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
ARTICLE = "/articles/us-seeks-pakistans-help-for-intra-afghan-dialogue/"
POST_PATH = "/articles/us-seeks-pakistans-help-for-intra-afghan-dialogue/comments/"
TIMEOUT = 2  # FRONT_TIMEOUT: seconds the front lets a client stall
PER_CLIENT = 30  # FRONT_CONNECTIONS_PER_CLIENT: above what these tests open from one address


def need_nginx() -> None:
    if NGINX:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but nginx is not installed: .ci/run must install Debian's nginx package.")
    pytest.skip("nginx is not installed (apt-get install nginx): dev.py prod serves behind it.")


def prod_env(tmp: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "BEHIND_PROXY", "FRONT", "NGINX", "TLS_CERT", "TLS_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        NEWSROOM_VAR_DIR=str(tmp),
        WEB_CONCURRENCY="2",
        PER_PROCESS_LIMITS="1",
        BIND=f"127.0.0.1:{port}",
        FRONT_TIMEOUT=str(TIMEOUT),
        FRONT_CONNECTIONS_PER_CLIENT=str(PER_CLIENT),
        LOG_LEVEL="WARNING",
    )
    return env


class Site:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.log = tmp / "prod.log"
        self.process = subprocess.Popen(
            [sys.executable, "dev.py", "prod"],
            cwd=ROOT,
            env=prod_env(tmp, self.port),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: whatever it leaves behind can be found and stopped
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"dev.py prod stopped (exit {self.process.returncode}):\n{self.tail()}")
            try:
                if get(self.port, ARTICLE, timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"dev.py prod did not serve the article page within 180 s:\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    def left(self) -> list[int]:
        """The processes still in dev.py prod's group (gunicorn, its workers, nginx, the task worker)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # only what SIGTERM did not stop
        self.process.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    need_nginx()
    running = Site(tmp_path_factory.mktemp("front"))
    yield running
    running.stop()


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def open_post(port: int, length: int = 10_000) -> socket.socket:
    """A socket that has sent a POST's head, promising ``length`` bytes of body, and no body yet. It carries a
    CSRF cookie, so that the app reads the body for the form's token (without one it refuses unread)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(
        f"POST {POST_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: csrftoken={'a' * 32}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n".encode()
    )
    return sock


def cut_off(sock: socket.socket) -> bytes | None:
    """What the front did to a stalled client: its answer (b"" for a closed connection), or None if the
    connection was still open after 30 seconds."""
    sock.settimeout(30)
    try:
        return sock.recv(4096)
    except ConnectionResetError:
        return b""
    except TimeoutError:
        return None


def test_the_page_is_served_while_20_clients_trickle_their_bodies(site):
    """Twenty clients send a body a byte every half second: without the front they would hold both workers
    (until gunicorn's 30-second timeout killed each); with it, the page comes back."""
    stop = threading.Event()
    sockets = [open_post(site.port) for _ in range(20)]
    still_open = []

    def trickle(sock: socket.socket) -> None:
        try:
            while not stop.wait(0.5):
                sock.sendall(b"a")
            still_open.append(sock)
        except OSError:
            pass

    threads = [threading.Thread(target=trickle, args=(s,)) for s in sockets]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)  # every trickler has its connection and is sending
        # Three times as many reads as there are workers, each given 20 seconds: time enough for a page
        # (a fraction of a second), not for gunicorn to kill a held worker (30 seconds).
        statuses = [get(site.port, ARTICLE, timeout=20)[0] for _ in range(6)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for sock in sockets:
            sock.close()
    assert statuses == [200] * 6
    assert len(still_open) == 20  # the front kept every trickler waiting, and none of them in a worker


def test_the_fronts_access_log_keeps_every_line_in_a_file_the_shell_opened(site):
    """dev.py prod > prod.log: nginx's lines and the app's went to one file at two offsets of their own, each
    writing over the other's (found by an attack). Requests the app logs (a form it refuses, one line each)
    and requests nginx logs alternate: every line of both is whole."""
    marker = f"/from-the-log-test-{secrets.token_hex(4)}/"
    for _ in range(5):
        get(site.port, marker, timeout=20)
        sock = socket.create_connection(("127.0.0.1", site.port), timeout=20)
        body = "name=a&body=b".encode("utf-16")
        sock.sendall(
            f"POST {marker} HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\nCookie: csrftoken={'a' * 32}\r\n"
            f"Content-Type: application/x-www-form-urlencoded; charset=utf-16\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")
        sock.close()
    time.sleep(1)
    lines = site.log.read_text(errors="replace").splitlines()
    got = [line for line in lines if f'"GET {marker} HTTP/1.1" ' in line]
    assert len(got) == 5 and all(line.startswith("127.0.0.1 - ") for line in got)
    refused = [line for line in lines if "a form in utf-16, not UTF-8" in line and marker in line]
    assert len(refused) == 5, "\n".join(lines[-30:])


def test_a_client_that_stalls_in_its_body_is_cut_off_by_the_front(site):
    sock = open_post(site.port)
    sock.sendall(b"name=slow")
    started = time.monotonic()
    answer = cut_off(sock)
    sock.close()
    assert answer is not None, "the front left a stalled body open for 30 seconds"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert time.monotonic() - started >= TIMEOUT - 0.5  # not before the timeout


def test_a_client_that_stalls_in_its_request_head_is_cut_off_by_the_front(site):
    sock = socket.create_connection(("127.0.0.1", site.port), timeout=60)
    sock.sendall(f"GET {ARTICLE} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a".encode())
    answer = cut_off(sock)
    sock.close()
    assert answer is not None, "the front left a stalled request head open for 30 seconds"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:100]


def test_a_body_over_the_apps_limit_is_refused_by_the_front_unread(site):
    sock = open_post(site.port, length=5 * 1024 * 1024)  # the app takes at most 4 MB outside the admin
    sock.settimeout(30)
    answer = sock.recv(4096)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


def test_stopping_dev_py_prod_stops_nginx_gunicorn_and_the_worker(tmp_path):
    need_nginx()
    running = Site(tmp_path)
    try:
        assert len(running.left()) >= 4  # gunicorn and its workers, nginx and its workers, the task worker
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while running.left() and time.monotonic() < deadline:  # the task worker ends its task in hand first
            time.sleep(0.2)
        assert running.left() == []
        with pytest.raises(OSError):
            get(running.port, ARTICLE, timeout=5)
    finally:
        running.stop()


def test_without_nginx_prod_refuses_before_any_set_up_and_says_what_to_do(tmp_path):
    env = prod_env(tmp_path, free_port())
    env["NGINX"] = str(tmp_path / "no-nginx-here")
    done = subprocess.run(
        [sys.executable, "dev.py", "prod"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "apt-get install nginx" in done.stderr and "FRONT=none" in done.stderr
    assert "+ " not in done.stdout  # nothing was run: no migration, no server
    assert not (tmp_path / "db.sqlite3").exists()
