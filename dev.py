#!/usr/bin/env python3
"""Set up and run Newsroom with one command.

    python3 dev.py serve   # venv, install, migrate, demo article + moderator, serve on 127.0.0.1:8000
                           # (and a demo newsroom's page embedding the comments on http://localhost:8001/)
    python3 dev.py test    # venv, install (with test tools), lint, the whole test suite
    python3 dev.py prod    # production: migrate, collect static files, serve with nginx in front of gunicorn
                           # (DEBUG off; nginx from deploy/nginx.conf, or FRONT=none for gunicorn alone)

Needs only Python 3.11+. Everything goes into .venv/ beside this file; the
install step is skipped when pyproject.toml has not changed since the last one.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import venv
from pathlib import Path
from typing import IO

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
    if not extras and installed_with("dev"):  # the test tools' install holds everything else too
        return
    run(str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(str(PY), "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def installed_with(extras: str) -> bool:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras}"
    return stamp.exists() and stamp.read_text() == digest


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
    """Production: needs SECRET_KEY and ALLOWED_HOSTS in the environment; creates no demo account. Serves with
    nginx in front of gunicorn (FRONT=none: gunicorn alone, for a buffering proxy of your own)."""
    front = os.environ.get("FRONT", "nginx").strip().lower() or "nginx"
    if front not in ("nginx", "none"):
        sys.exit(f"dev.py prod: FRONT={front!r}: choose nginx (the default) or none.")
    nginx = nginx_binary()
    if front == "nginx" and not nginx:
        where = f"NGINX={os.environ['NGINX']} is not a program" if os.environ.get("NGINX") else "nginx is not installed"
        sys.exit(
            f"dev.py prod: {where}. gunicorn's sync workers must not face clients directly (a client "
            "that sends its request a byte a second holds a worker), so prod serves behind nginx.\n"
            "  Install it (Debian, Ubuntu): apt-get install nginx\n"
            "  or, with a buffering proxy of your own in front: FRONT=none python3 dev.py prod"
        )
    ensure_venv("")
    env = dict(os.environ)
    env.setdefault("DEBUG", "0")
    if front == "nginx":
        env.setdefault("BEHIND_PROXY", "1")  # the client's address is the one nginx appends to X-Forwarded-For
    manage = [str(PY), "manage.py"]
    run(*manage, "check", "--deploy", "--fail-level", "ERROR", env=env)
    run(*manage, "migrate", "--noinput", env=env)
    run(*manage, "collectstatic", "--noinput", "-v", "0", env=env)
    run(*manage, "setup_demo", "--no-user", env=env)
    if front == "none":
        gunicorn = VENV / "bin" / "gunicorn"
        args = [str(gunicorn), "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi", *argv]
        print("+", " ".join(args), flush=True)
        start_worker(env)
        os.execve(str(gunicorn), args, env)
    assert nginx
    public = env.get("BIND", "127.0.0.1:8000")
    upstream = f"127.0.0.1:{free_port()}"
    start_worker(env)
    sys.exit(supervise(env, public, upstream, argv, nginx))


# The front: nginx from deploy/nginx.conf in front of gunicorn. dev.py prod runs it, and so does bench/load.py.

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    """NGINX if set (the program's path), else nginx on the PATH or where Debian puts it (/usr/sbin, often not
    on a user's PATH)."""
    if os.environ.get("NGINX"):
        return shutil.which(os.environ["NGINX"])
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_conf(prefix: Path, public: str, upstream: str, env: dict[str, str]) -> str:
    """deploy/nginx.conf with its @NAMES@ filled: listening on ``public`` (BIND: one or more addresses, comma-
    separated), passing to gunicorn at ``upstream``."""
    timeout = env.get("FRONT_TIMEOUT", "10")
    if not timeout.isdigit() or int(timeout) < 1:
        sys.exit(f"dev.py prod: FRONT_TIMEOUT={timeout!r}: give whole seconds, e.g. 10.")
    per_client = env.get("FRONT_CONNECTIONS_PER_CLIENT", "100")
    if not per_client.isdigit():
        sys.exit(f"dev.py prod: FRONT_CONNECTIONS_PER_CLIENT={per_client!r}: give a whole number (0: no limit).")
    cert, key = env.get("TLS_CERT", ""), env.get("TLS_KEY", "")
    if bool(cert) != bool(key):
        sys.exit("dev.py prod: set both TLS_CERT and TLS_KEY (the certificate chain and its key), or neither.")
    addresses = [a.strip() for a in public.replace(" ", ",").split(",") if a.strip()]
    listen = [f"listen {address}{' ssl' if cert else ''};" for address in addresses]
    if cert:
        listen += [f"ssl_certificate {Path(cert).resolve()};", f"ssl_certificate_key {Path(key).resolve()};"]
    hops = env.get("BEHIND_PROXY", "1")
    user = ""
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # started as root, its workers should not be
        import grp
        import pwd

        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
    names = {
        "@USER@": user,
        "@PREFIX@": str(prefix),
        "@LISTEN@": "\n        ".join(listen),
        "@UPSTREAM@": upstream,
        "@CLIENT_TIMEOUT@": timeout,
        "@ACCESS_LOG@": "/dev/stdout" if env.get("ACCESS_LOG", "1") == "1" else "off",
        # A proxy we trust in front of ours (BEHIND_PROXY=2 or more) tells the scheme its client used.
        "@FORWARDED_PROTO@": "$outer_proto" if hops.isdigit() and int(hops) > 1 else "$scheme",
        # Facing clients directly, one address may hold so many connections and no more (a CDN or a proxy in
        # front would be one address for all its clients: then the limit is left to it).
        "@PER_CLIENT@": (
            f"limit_conn per_client {per_client};"
            if per_client != "0" and not (hops.isdigit() and int(hops) > 1)
            else ""
        ),
    }
    text = NGINX_CONF.read_text(encoding="utf-8")
    for name, value in names.items():
        text = text.replace(name, value)
    left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if left:
        sys.exit(f"dev.py: {NGINX_CONF} has names dev.py does not fill: {', '.join(left)}")
    return text


def _stop_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the process that started it dies (Linux), so nothing is
    left serving if the supervisor is killed outright."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_gunicorn(
    env: dict[str, str], bind: str, argv: list[str], stderr: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    args = [str(PY), "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi", "--bind", bind, *argv]
    print("+", " ".join(args), flush=True)
    return subprocess.Popen(args, cwd=ROOT, env=env, stderr=stderr, preexec_fn=_stop_with_parent)


def start_nginx(
    env: dict[str, str], public: str, upstream: str, nginx: str, prefix: Path, stderr: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """nginx from deploy/nginx.conf, its configuration and temporary files in ``prefix`` (made readable: its
    workers, as nobody under root, use it)."""
    prefix.chmod(0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(prefix, public, upstream, env), encoding="utf-8")
    args = [nginx, "-p", str(prefix), "-c", str(conf), "-e", "stderr"]
    print("+", " ".join(args), flush=True)
    # nginx opens its access log, /dev/stdout, afresh. Were that a file the shell opened with ">", nginx's lines
    # and ours would be written at two offsets of their own, each over the other's: it gets a pipe, copied
    # here to our standard output, where all of dev.py's processes write at one offset.
    process = subprocess.Popen(
        args, cwd=prefix, env=env, stdout=subprocess.PIPE, stderr=stderr, preexec_fn=_stop_with_parent
    )
    threading.Thread(target=_copy_out, args=(process.stdout,), name="nginx-access-log", daemon=True).start()
    return process


def _copy_out(pipe: IO[bytes] | None) -> None:
    if pipe is None:
        return
    out = sys.stdout.buffer
    for line in pipe:
        out.write(line)
        out.flush()


def wait_for(address: str, process: subprocess.Popen[bytes], seconds: float = 120) -> bool:
    """Until ``address`` (host:port) accepts a connection; False if ``process`` ends first."""
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn: graceful; nginx: at once), then SIGKILL what is still running after 30 seconds."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def supervise(env: dict[str, str], public: str, upstream: str, argv: list[str], nginx: str) -> int:
    """gunicorn on ``upstream`` (loopback), then nginx on ``public``. Both stop together: SIGTERM or SIGINT
    (Ctrl+C) stops both, and when either ends the other is stopped. Returns the exit code."""
    # nginx logs each request (ACCESS_LOG), with the client's own address; gunicorn would log nginx's.
    gunicorn = start_gunicorn({**env, "ACCESS_LOG": "0"}, upstream, argv)
    processes = [gunicorn]
    stopping: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    with tempfile.TemporaryDirectory(prefix="newsroom-nginx-") as prefix:
        try:
            if not wait_for(upstream, gunicorn) or stopping:
                return 0 if stopping else (gunicorn.poll() or 1)
            front = start_nginx(env, public, upstream, nginx, Path(prefix))
            processes.append(front)
            scheme = "https" if env.get("TLS_CERT") else "http"
            print(f"\nNewsroom is at {scheme}://{public}/ (nginx, in front of gunicorn on {upstream}); "
                  "Ctrl+C stops it\n", flush=True)  # fmt: skip
            while not stopping:
                ended = [p for p in processes if p.poll() is not None]
                if ended:
                    name = "gunicorn" if ended[0] is gunicorn else "nginx"
                    print(f"dev.py prod: {name} stopped (exit {ended[0].returncode}); stopping the rest.", flush=True)
                    return ended[0].returncode or 1
                time.sleep(0.2)
            return 0
        finally:
            stop(*processes)


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
