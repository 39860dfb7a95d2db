"""HMAC-SHA256 keys that rank subjects and inspectors in a draw (see docs/draw-algorithm.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from itertools import count


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
        keys: list[bytes] = []
        append = keys.append
        for message in messages:
            inner = inner_copy()
            inner.update(message.encode("utf-8"))
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest())
        return keys

    def below(
        self, messages: Iterable[str], groups: Iterable[str], limits: dict[str, bytes]
    ) -> dict[str, list[tuple[bytes, int]]]:
        """By group, ``(key, index)`` for each message whose key is below its group's limit
        (messages and groups in parallel, ``index`` the message's place among them; ``limits``
        names every group): the keys of a whole pool in one pass, only the few kept held."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        kept: dict[str, list[tuple[bytes, int]]] = {group: [] for group in limits}
        for index, message, group in zip(count(), messages, groups):
            inner = inner_copy()
            inner.update(message.encode("utf-8"))
            outer = outer_copy()
            outer.update(inner.digest())
            key = outer.digest()
            if key < limits[group]:
                kept[group].append((key, index))
        return kept

    def with_prefix(self, prefix: bytes, suffixes: Iterable[bytes]) -> list[bytes]:
        """HMACs of ``prefix + suffix`` for each suffix, the prefix hashed once (the same keys as
        :meth:`many` of the whole messages)."""
        inner = self._inner.copy()
        inner.update(prefix)
        inner_copy, outer_copy = inner.copy, self._outer.copy
        keys: list[bytes] = []
        append = keys.append
        for suffix in suffixes:
            state = inner_copy()
            state.update(suffix)
            outer = outer_copy()
            outer.update(state.digest())
            append(outer.digest())
        return keys


def subject_key(e: bytes, ident: str) -> bytes:
    return hmac.new(e, ident.encode("utf-8"), hashlib.sha256).digest()


def inspector_message(ident: str, certificate: str) -> bytes:
    return f"inspector|{ident}|{certificate}".encode()


def inspector_key(e: bytes, ident: str, certificate: str) -> bytes:
    return hmac.new(e, inspector_message(ident, certificate), hashlib.sha256).digest()
