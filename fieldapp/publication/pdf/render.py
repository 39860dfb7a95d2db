"""Render a template to PDF with WeasyPrint (CJK font through fontconfig, restricted fetcher)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, render_template

if TYPE_CHECKING:
    from .fetcher import RestrictedFetcher

# WeasyPrint and segno are imported where used: loading WeasyPrint (Pango through cffi) costs about
# a second of CPU, which every command and process start would otherwise pay.


def qr_data_uri(url: str) -> str:
    """A QR code (SVG data URI) for ``url``; medium error correction survives a creased printout."""
    import segno

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def static_url(filename: str) -> str:
    """A file URL into the app's static folder (what the fetcher allows)."""
    return (Path(current_app.static_folder) / filename).resolve().as_uri()


def media_url(storage_key: str) -> str:
    return (Path(current_app.config["MEDIA_ROOT"]) / storage_key).resolve().as_uri()


def html_to_pdf(html: str, media_paths: list[str | Path] = (), fetcher: RestrictedFetcher | None = None) -> bytes:
    from weasyprint import HTML

    from .fetcher import RestrictedFetcher

    fetcher = fetcher or RestrictedFetcher(current_app.static_folder, media_paths)
    base = Path(current_app.static_folder).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf()


def render_pdf(template: str, media_paths: list[str | Path] = (), **context) -> bytes:
    html = render_template(template, static_url=static_url, **context)
    return html_to_pdf(html, media_paths)
