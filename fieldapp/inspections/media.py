"""Content-addressed media storage under ``MEDIA_ROOT``: files are named by their SHA-256.

A file arrives in pieces into ``partial/`` and moves to ``ab/cd/<sha256>`` only when its bytes hash
to the announced value, so anything under the hashed path is complete and verified. The same photo
sent twice (a resend, or the same evidence in a resubmission) is stored once.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from flask import current_app

from ..errors import InvalidInput

CHUNK = 1024 * 1024


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def storage_key(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def stored_path(sha256: str) -> Path:
    return media_root() / storage_key(sha256)


def partial_path(submission_uuid: str, sha256: str) -> Path:
    return media_root() / "partial" / f"{submission_uuid}-{sha256}.part"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def has_complete(sha256: str, size: int) -> bool:
    """The verified file is already stored (deduplication across submissions)."""
    path = stored_path(sha256)
    return path.is_file() and path.stat().st_size == size


def write_at(path: Path, offset: int, data: bytes) -> None:
    """Write ``data`` at ``offset``, discarding anything beyond it left by an interrupted request."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "r+b" if path.exists() else "w+b"
    with path.open(mode) as fh:
        fh.truncate(offset)
        fh.seek(offset)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def promote(partial: Path, sha256: str) -> bool:
    """Move a finished partial file into place if its hash matches; delete it either way."""
    if file_sha256(partial) != sha256:
        partial.unlink(missing_ok=True)
        return False
    final = stored_path(sha256)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        partial.unlink(missing_ok=True)
    else:
        os.replace(partial, final)
    return True


def store_bytes(data: bytes) -> str:
    """Store a whole file (the no-JavaScript form posts photos in one go); returns its SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    final = stored_path(sha256)
    if not final.exists():
        tmp = media_root() / "partial" / f"direct-{sha256}.part"
        write_at(tmp, 0, data)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
    return sha256


PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


class ImageRejected(InvalidInput):
    """Not a photo we take: the message says why, in the user's language."""


def open_image(data: bytes, formats: tuple[str, ...] = PHOTO_FORMATS):
    """Open image bytes for decoding only after checking their size, format and pixel count
    (read from the header): a small file that decodes to a huge bitmap is refused unread."""
    from flask_babel import gettext as _
    from PIL import Image, UnidentifiedImageError

    max_bytes = current_app.config["MEDIA_MAX_BYTES"]
    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    Image.MAX_IMAGE_PIXELS = max_pixels
    if len(data) > max_bytes:
        raise ImageRejected(_("A photo is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    too_many = _("A photo has too many pixels; take it again at the phone's normal size.")
    try:
        img = Image.open(io.BytesIO(data), formats=list(formats))
    except Image.DecompressionBombError:
        raise ImageRejected(too_many) from None
    except (UnidentifiedImageError, OSError):
        raise ImageRejected(_("Only JPEG, PNG or WebP images can be used as photos.")) from None
    width, height = img.size
    if width * height > max_pixels:
        img.close()
        raise ImageRejected(too_many)
    return img


def refused_image(path: Path) -> str | None:
    """Why the file at ``path`` is no photo the app takes (``open_image``'s words), or None when it is one."""
    try:
        open_image(path.read_bytes()).close()
    except ImageRejected as exc:
        return exc.text()
    return None
