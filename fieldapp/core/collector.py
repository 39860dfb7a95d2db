"""Python's cyclic garbage collector paused around work that allocates very many short-lived objects
none of which form cycles (a draw over a million subjects, a WeasyPrint render): the collector would
otherwise rescan every object of the app again and again. Reference counting still frees them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the block and on again afterwards (left off if something else had
    turned it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
