"""Messages between a process and the helper process it started: msgpack, each prefixed by its length.

The simulator runs two such helpers (``moderation.ahead`` scores the next batch, ``simulation.feed``
generates the stream); both speak this.
"""

from __future__ import annotations

import struct
from typing import IO, Any

_LENGTH = struct.Struct("<Q")


def write_message(sink: IO[bytes], message: Any) -> None:
    import msgpack

    payload = msgpack.packb(message)
    sink.write(_LENGTH.pack(len(payload)) + payload)
    sink.flush()


def read_message(source: IO[bytes]) -> Any:
    """The next message, or None at the end (or at a message cut short); ValueError if it is not msgpack."""
    import msgpack

    head = source.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    payload = source.read(length)
    if len(payload) != length:
        return None
    return msgpack.unpackb(payload, raw=False, strict_map_key=False)
