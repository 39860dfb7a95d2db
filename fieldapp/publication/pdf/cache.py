"""A disk cache for public PDFs, keyed by what they show.

A public PDF is fully determined by its check code (which covers every public field), its address
(in the QR code) and the templates and stylesheet that draw it, so the key is a hash of those: a
correction, a newly published record in a task's list or a new template version makes a new key,
and nothing is ever invalidated by hand. Internal PDFs (a visit's 现场检查记录) are never cached.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from ...core.web import static_folder

ROOT = Path(__file__).resolve().parent.parent.parent.parent


def _design_stamp(template: str) -> str:
    files = [
        ROOT / "templates" / template,
        ROOT / "templates" / "publication" / "pdf" / "_base.html",
        Path(static_folder()) / "css" / "publication-pdf.css",
    ]
    return ";".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in files if p.exists())


def cache_file(template: str, identity: str) -> Path | None:
    """Where the PDF for ``identity`` drawn with ``template`` is kept (None when caching is off)."""
    if not current_app.config["PDF_CACHE"]:
        return None
    key = hashlib.sha256(f"{template}|{identity}|{_design_stamp(template)}".encode()).hexdigest()[:32]
    folder = Path(current_app.config["PDF_CACHE_DIR"])
    return folder / f"{key}.pdf"


def store(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    os.replace(temporary, path)  # atomic: a concurrent reader sees the whole file or none


def cached_pdf(template: str, identity: str, render: Callable[[], bytes]) -> bytes:
    """The PDF for ``identity`` (check code and address) drawn with ``template``, rendered once."""
    path = cache_file(template, identity)
    if path is None:
        return render()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    body = render()
    store(path, body)
    return body
