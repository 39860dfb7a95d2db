"""Rendered pages kept per process with a placeholder where the session's CSRF token goes, so one
rendering serves many requests and each gets its own token (the public search's page cache, the
inspector's list). A template rendered with :data:`TOKEN_CONTEXT` writes the placeholder."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

CSRF_PLACEHOLDER = "__fieldapp_csrf_placeholder__"
TOKEN_CONTEXT = {"csrf_token": lambda: CSRF_PLACEHOLDER}  # template context: the placeholder for the token


@dataclass(frozen=True)
class Page:
    """A page as bytes, cut where the visitor's CSRF token goes."""

    parts: tuple[bytes, ...]

    @classmethod
    def of(cls, body: str) -> Page:
        return cls(tuple(body.encode().split(CSRF_PLACEHOLDER.encode())))

    def with_token(self, token: str) -> bytes:
        return token.encode().join(self.parts)


class LatestPages:
    """Each owner's (e.g. user's) latest page with the key it was made under; ``size`` owners at
    most, the least recently used forgotten first. A page is found only under an equal key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._pages: OrderedDict[Any, tuple[Any, Page]] = OrderedDict()
        self.hits = 0

    def page(self, owner: Any, key: Any) -> Page | None:
        with self._lock:
            found = self._pages.get(owner)
            if found is None or found[0] != key:
                return None
            self._pages.move_to_end(owner)
            self.hits += 1
            return found[1]

    def holds(self, owner: Any) -> bool:
        """Whether a page of ``owner``'s is kept, under any key (nothing to look up otherwise)."""
        return owner in self._pages

    def keep(self, owner: Any, key: Any, page: Page) -> None:
        if not self.size:
            return
        with self._lock:
            self._pages[owner] = (key, page)
            self._pages.move_to_end(owner)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
