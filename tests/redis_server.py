"""A Redis server of the tests' own, on a free port, which a test may kill (whatever cache the run uses)."""

import socket
import subprocess
import time


def start(port: int, *options: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``redis-server`` on ``port`` (nothing kept on disk; ``options`` as its command line takes them) and
    wait till it answers: its URL and process."""
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *options],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0", server
