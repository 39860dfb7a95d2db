"""Rendering shared by the pages whose list an htmx request refreshes in place."""

from __future__ import annotations

from flask import render_template
from htmx_flask import request  # flask's request, typed with its htmx headers


def page_or_part(page: str, part: str, **context) -> str:
    """The template ``page``, or only ``part`` (the piece of it that an htmx request swaps in); a
    boosted link is a navigation, answered with the whole page."""
    return render_template(part if request.htmx and not request.htmx.boosted else page, **context)
