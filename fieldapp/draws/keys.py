"""HMAC-SHA256 keys that rank subjects and inspectors in a draw (see docs/draw-algorithm.md)."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

# From this many HMACs on, KeyMaker.many_parallel computes half in a forked process. The draw itself
# computes its keys in one process: a forked child's resident memory counts again in the process
# tree, and the CPU time is the same.
PARALLEL_MIN = 200_000


class KeyMaker:
    """HMAC-SHA256 with a fixed key, fast for many messages (the pad states are computed once)."""

    def __init__(self, key: bytes):
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def many(self, messages: Iterable[str]) -> list[bytes]:
        """HMACs of many UTF-8 strings (the loop is inlined: this is the draw's hot path)."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        keys = []
        append = keys.append
        for message in messages:
            inner = inner_copy()
            inner.update(message.encode("utf-8"))
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest())
        return keys

    def with_prefix(self, prefix: bytes, suffixes: Iterable[bytes]) -> list[bytes]:
        """HMACs of ``prefix + suffix`` for each suffix, the prefix hashed once (the same keys as
        :meth:`many` of the whole messages)."""
        inner = self._inner.copy()
        inner.update(prefix)
        inner_copy, outer_copy = inner.copy, self._outer.copy
        keys = []
        append = keys.append
        for suffix in suffixes:
            state = inner_copy()
            state.update(suffix)
            outer = outer_copy()
            outer.update(state.digest())
            append(outer.digest())
        return keys

    def many_parallel(self, messages: list[str]) -> list[bytes]:
        """:meth:`many`, computed half in a forked child process where that is worth it (a
        large pool on a machine with several cores); exactly the same result."""
        if len(messages) < PARALLEL_MIN or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return self.many(messages)
        middle = len(messages) // 2
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return self.many(messages)
        if pid == 0:  # the child: its half, as one blob of 32-byte keys, then leave at once
            status = 1
            try:
                os.close(read_end)
                blob = b"".join(self.many(messages[middle:]))
                view = memoryview(blob)
                while view:
                    written = os.write(write_end, view)
                    view = view[written:]
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        first = self.many(messages[:middle])
        chunks = []
        while chunk := os.read(read_end, 1 << 20):
            chunks.append(chunk)
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        blob = b"".join(chunks)
        if status != 0 or len(blob) != 32 * (len(messages) - middle):
            return first + self.many(messages[middle:])
        return first + [blob[i : i + 32] for i in range(0, len(blob), 32)]


def subject_key(e: bytes, ident: str) -> bytes:
    return hmac.new(e, ident.encode("utf-8"), hashlib.sha256).digest()


def inspector_message(ident: str, certificate: str) -> bytes:
    return f"inspector|{ident}|{certificate}".encode()


def inspector_key(e: bytes, ident: str, certificate: str) -> bytes:
    return hmac.new(e, inspector_message(ident, certificate), hashlib.sha256).digest()
