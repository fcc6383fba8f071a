#!/usr/bin/env python3
"""Set up and run Newsroom with one command.

    python3 dev.py serve   # venv, install, migrate, demo article + moderator, serve on 127.0.0.1:8000
                           # (and a demo newsroom's page embedding the comments on http://localhost:8001/)
    python3 dev.py test    # venv, install (with test tools), lint, the whole test suite
    python3 dev.py prod    # production: migrate, collect static files, serve with gunicorn (DEBUG off)

Needs only Python 3.11+. Everything goes into .venv/ beside this file; the
install step is skipped when pyproject.toml has not changed since the last one.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True, env=env)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Newsroom needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(str(PY), "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def dev_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    return env


def serve(argv: list[str]) -> None:
    if argv and argv[0] in ("-h", "--help", "help"):
        print("python3 dev.py serve [ADDRESS]   serve the site for development on ADDRESS "
              "(default 127.0.0.1:8000; e.g. 127.0.0.1:8001 or 0.0.0.0:8000), and a demo newsroom's page "
              "embedding its comments on the next port of localhost")  # fmt: skip
        return
    address = argv[0] if argv else "127.0.0.1:8000"
    port_in_use(address)
    ensure_venv("")
    env = dev_env()
    manage = [str(PY), "manage.py"]
    run(*manage, "migrate", "--noinput", "-v", "0", env=env)
    host, _, port = address.rpartition(":")
    demo_port = int(port) + 1
    demo_origin = f"http://localhost:{demo_port}" if address_free("127.0.0.1", demo_port) else None
    run(*manage, "setup_demo", *(["--demo-site", demo_origin] if demo_origin else []), env=env)
    env.setdefault("SITE_URL", f"http://{address}")
    start_worker(env)
    print(f"\nNewsroom is at http://{address}/  (Ctrl+C stops it)", flush=True)
    if demo_origin:
        ours = "127.0.0.1" if host.strip("[]") in ("0.0.0.0", "::", "") else host
        start_demo_host(demo_port, f"http://{ours}:{port}")
        print(f"A newsroom's page embedding its comments, on another origin: {demo_origin}/", flush=True)
    else:
        print(f"(no demo newsroom page: port {demo_port} is taken)", flush=True)
    print(flush=True)
    os.execve(str(PY), [str(PY), "manage.py", "runserver", address], env)


def port_in_use(address: str) -> None:
    """Stop with a clear message, before any set-up, if the address is not one to serve on or is taken."""
    host, _, port = address.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"dev.py serve: {address!r} is not an address to serve on; write it like 127.0.0.1:8000.")
    with socket.socket(socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: only a listener stops it
        try:
            probe.bind((host.strip("[]") or "127.0.0.1", int(port)))
        except OSError as exc:
            sys.exit(
                f"dev.py serve: cannot serve on {address} ({exc.strerror}): another program is using it, or the "
                f"address is not this machine's. Give another, e.g.: python3 dev.py serve 127.0.0.1:{int(port) + 1}"
            )


def address_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# The demo newsroom's story page: its own origin, our comments embedded. Its Content-Security-Policy allows
# our origin for scripts and requests only (and its own little style): the embed needs nothing more.
DEMO_STYLE = "body{font:1.05rem/1.6 Georgia,serif;max-width:44rem;margin:2rem auto;padding:0 1rem}"
DEMO_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {site}; connect-src {site}; \
img-src data:; style-src 'sha256-{style_hash}'">
<link rel="icon" href="data:,">
<title>US seeks Pakistan's help in Afghan peace talks</title>
<style>{style}</style>
</head>
<body>
<p><strong>The Demo Newsroom</strong> &middot; a newsroom's own site, on another origin than the comments</p>
<h1>US seeks Pakistan's help in Afghan peace talks</h1>
<p>Washington's envoy for Afghan reconciliation, Zalmay Khalilzad, asked Pakistan to press the Taliban to join
talks with the Afghan government, as the US prepares to withdraw its troops under the Doha agreement.</p>
<div id="newsroom-comments" data-story-url="{story_url}"></div>
<script src="{site}/embed.js" async></script>
</body>
</html>
"""


def start_demo_host(port: int, site: str) -> None:
    """The demo newsroom's page, served beside the site (this file, run as ``dev.py demo-host``). It stops
    with the server, as the worker does."""
    subprocess.Popen([sys.executable, __file__, "demo-host", str(port), site, str(os.getpid())])


def demo_host(argv: list[str]) -> None:
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    port, site, parent = int(argv[0]), argv[1], int(argv[2])
    origin = f"http://localhost:{port}"
    page = DEMO_PAGE.format(
        site=html.escape(site),
        story_url=f"{origin}/2020/05/10/us-seeks-pakistans-help",
        style=DEMO_STYLE,
        style_hash=base64.b64encode(hashlib.sha256(DEMO_STYLE.encode()).digest()).decode(),
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            found = self.path != "/favicon.ico"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while os.getppid() == parent:  # the server stopped, however: so does its demo page
        time.sleep(1)


def start_worker(env: dict[str, str]) -> None:
    """Background work (lab runs, simulations, readers' emails, retraining) waits as tasks in the database;
    a worker beside the server runs them (emails are printed on the console in development). It stops
    with the server: Ctrl+C reaches both, and --with-parent stops it when the server ends any other way.
    Either way it finishes the task in hand first."""
    subprocess.Popen([str(PY), "manage.py", "worker", "--with-parent"], env=env)


def chromium_available() -> bool:
    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))


def test(argv: list[str]) -> None:
    ensure_venv("dev")
    env = dict(os.environ)
    if not chromium_available():
        print("note: no Chromium found; browser tests will be skipped (apt-get install chromium).", flush=True)
    run(str(PY), "-m", "ruff", "check", ".")
    run(str(PY), "-m", "ruff", "format", "--check", ".")
    # The type checker's Django plugin reads the settings: the development ones will do.
    run(str(PY), "-m", "mypy", env={**env, "DEBUG": "1"})
    run(str(PY), "-m", "pytest", *argv, env=env)


def prod(argv: list[str]) -> None:
    """Production: needs SECRET_KEY and ALLOWED_HOSTS in the environment; creates no demo account."""
    ensure_venv("")
    env = dict(os.environ)
    env.setdefault("DEBUG", "0")
    manage = [str(PY), "manage.py"]
    run(*manage, "check", "--deploy", "--fail-level", "ERROR", env=env)
    run(*manage, "migrate", "--noinput", env=env)
    run(*manage, "collectstatic", "--noinput", "-v", "0", env=env)
    run(*manage, "setup_demo", "--no-user", env=env)
    gunicorn = VENV / "bin" / "gunicorn"
    args = [str(gunicorn), "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi", *argv]
    print("+", " ".join(args), flush=True)
    start_worker(env)
    os.execve(str(gunicorn), args, env)


def main() -> None:
    commands = {"serve": serve, "test": test, "prod": prod, "demo-host": demo_host}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    try:
        commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
