#!/usr/bin/env python3
"""Set up and run Newsroom with one command.

    python3 dev.py serve   # venv, install, migrate, demo article + moderator, serve on 127.0.0.1:8000
    python3 dev.py test    # venv, install (with test tools), lint, the whole test suite
    python3 dev.py prod    # production: migrate, collect static files, serve with gunicorn (DEBUG off)

Needs only Python 3.11+. Everything goes into .venv/ beside this file; the
install step is skipped when pyproject.toml has not changed since the last one.
"""

from __future__ import annotations

import hashlib
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
              "(default 127.0.0.1:8000; e.g. 127.0.0.1:8001 or 0.0.0.0:8000)")  # fmt: skip
        return
    address = argv[0] if argv else "127.0.0.1:8000"
    port_in_use(address)
    ensure_venv("")
    env = dev_env()
    manage = [str(PY), "manage.py"]
    run(*manage, "migrate", "--noinput", "-v", "0", env=env)
    run(*manage, "setup_demo", env=env)
    env.setdefault("SITE_URL", f"http://{address}")
    start_worker(env)
    print(f"\nNewsroom is at http://{address}/  (Ctrl+C stops it)\n", flush=True)
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
    commands = {"serve": serve, "test": test, "prod": prod}
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
