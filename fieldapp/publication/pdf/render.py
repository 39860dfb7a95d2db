"""Render a template to PDF with WeasyPrint (CJK font through fontconfig, restricted fetcher).

What does not change between two records is built once: the print stylesheet is parsed once per
process (again only when its file changes) and each thread keeps its WeasyPrint font configuration,
so a render pays for its own document only. Fonts stay subset: only the glyphs used are embedded.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flask import render_template

from ...core.collector import collector_paused
from ...core.web import static_folder

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from .fetcher import RestrictedFetcher

# WeasyPrint and segno are imported where used: loading WeasyPrint (Pango through cffi) costs about
# a second of CPU, which every command and process start would otherwise pay.

STYLESHEET = "css/publication-pdf.css"

_stylesheets: dict[tuple[str, int], CSS] = {}
# Pango's font map is not safe to share between threads: one font configuration per thread.
_local = threading.local()


def qr_data_uri(url: str) -> str:
    """A QR code for ``url`` as a PNG of one pixel per module (a few hundred bytes), printed 30 mm
    wide without smoothing (``image-rendering: pixelated``): a vector QR code took WeasyPrint a
    thousand path segments to draw. Medium error correction survives a creased printout."""
    import segno

    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=2)


def font_config() -> FontConfiguration:
    """This thread's font configuration (no @font-face is ever added: the CJK font is fontconfig's)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
        atexit.register(_local.__dict__.pop, "font_config", None)  # freed before the interpreter's teardown
    return config


def stylesheet() -> CSS:
    """The print stylesheet, parsed once per process and again when the file changes."""
    from weasyprint import CSS

    path = (Path(static_folder()) / STYLESHEET).resolve()
    key = (str(path), path.stat().st_mtime_ns)
    css = _stylesheets.get(key)
    if css is None:
        _stylesheets.clear()
        css = _stylesheets[key] = CSS(string=path.read_text(encoding="utf-8"), base_url=path.as_uri())
    return css


def html_to_pdf(html: str, media_paths: Sequence[str | Path] = (), fetcher: RestrictedFetcher | None = None) -> bytes:
    from weasyprint import HTML

    from .fetcher import RestrictedFetcher
    from .glyphs import printable

    html = printable(html)  # no empty boxes for characters no installed font has
    fetcher = fetcher or RestrictedFetcher(static_folder(), media_paths)
    base = Path(static_folder()).resolve().as_uri() + "/"
    with collector_paused():
        document = HTML(string=html, base_url=base, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[stylesheet()], font_config=font_config())


def render_pdf(template: str, media_paths: Sequence[str | Path] = (), **context) -> bytes:
    html = render_template(template, **context)
    return html_to_pdf(html, media_paths)
