"""Photos and signatures at the size they are printed, made once and kept.

The phone sends photos of up to 1600 px, which printed 40 mm wide is over 1000 dpi: embedding them
whole made a visit record megabytes large and slow to write and to open. Each is scaled to 300 dpi
at the size the record prints it (``static/css/publication-pdf.css``: photos 40 × 30 mm, cropped to
fill; signatures at most 60 × 18 mm) and kept under ``PDF_CACHE_DIR/print-media``, named by the
original's SHA-256, so the next record that prints it reads the small copy.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import current_app

from ...inspections.media import ImageRejected, open_image
from .cache import store

PRINT_DPI = 300
# The printed boxes in millimetres, as in the stylesheet; "cover" fills the box, "contain" fits in it.
BOXES = {"photo": ((40, 30), "cover"), "signature": ((60, 18), "contain")}
# Part of each copy's name: a change to the sizes above makes new copies.
VERSION = "300dpi-1"
ORIENTATION = 0x0112  # the EXIF tag
SHA256 = re.compile(r"[0-9a-f]{64}")


def _pixels(millimetres: float) -> int:
    return round(millimetres / 25.4 * PRINT_DPI)


def target_size(kind: str, width: int, height: int) -> tuple[int, int] | None:
    """The printed size in pixels of a ``width`` × ``height`` image of ``kind``, or None when it is
    already no larger (never scaled up)."""
    (box_w, box_h), fit = BOXES.get(kind, BOXES["photo"])
    scales = (_pixels(box_w) / width, _pixels(box_h) / height)
    scale = max(scales) if fit == "cover" else min(scales)
    if scale >= 1:
        return None
    return max(1, round(width * scale)), max(1, round(height * scale))


class NotPrintable(Exception):
    """A file that is no photo the app takes (``inspections.media.open_image``): it is neither decoded
    nor handed to WeasyPrint, which draws what Pillow cannot open as SVG."""


def _scaled(source: Path, kind: str) -> bytes | None:
    """The scaled image as JPEG, or None when it needs no scaling or its pixels cannot be decoded.
    Raises NotPrintable, from its header, for a file of another format or with too many pixels."""
    from PIL import Image, ImageOps

    try:
        data = source.read_bytes()
    except OSError:
        return None  # no file: the fetcher refuses it
    try:
        opened = open_image(data)
    except ImageRejected:
        raise NotPrintable from None
    try:
        with opened as image:
            turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)  # printed upright, as WeasyPrint does
            width, height = (image.height, image.width) if turned else image.size
            size = target_size(kind, width, height)
            if size is None:
                return None
            image.draft("RGB", (size[1], size[0]) if turned else size)  # JPEG: decode at a fraction, fast
            small = _flat(ImageOps.exif_transpose(image).resize(size, Image.Resampling.LANCZOS), kind)
    except (OSError, ValueError):
        return None
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=85 if kind == "photo" else 90, optimize=True)
    return out.getvalue()


def _flat(image, kind: str):
    """The copy to embed, as JPEG: WeasyPrint copies a JPEG into the PDF as it is but decodes and
    encodes a PNG again on every render. Signatures (black ink on white) go grey on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(white, image)
    return image.convert("L" if kind == "signature" else "RGB")


def print_copy(source: Path, sha256: str, kind: str) -> Path | None:
    """``source`` at its printed size (the original when it is small enough or its pixels cannot be
    decoded), or None for a file that is no photo the app takes, which the record does not print. The
    phone's API keeps a file's bytes as sent (measured: 236 KB of PNG claiming 9000 × 9000 pixels took
    21 s and 780 MB to print; 2 KB of SVG nesting <use> four deep, 22 s, five deep, minutes)."""
    copy = Path(current_app.config["PDF_CACHE_DIR"]) / "print-media" / f"{sha256}-{kind}-{VERSION}.jpg"
    if SHA256.fullmatch(sha256) and copy.is_file():
        return copy
    try:
        body = _scaled(source, kind)
    except NotPrintable:
        return None
    if body is None or not SHA256.fullmatch(sha256):  # only a content hash names a copy
        return source
    store(copy, body)
    return copy
