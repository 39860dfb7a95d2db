"""Test data factories, one module per area; shared helpers live here.

- ``factories.inspection``: a drawn visit with two inspectors (``build_world``), submission bodies, photos.
- ``factories.review``: plans, subjects, visits and submissions made directly (review, follow-up, dashboards).
- ``factories.publication``: an approved result with media and notes that must never reach a public page.
- ``factories.draws``: plans, tasks with scope rules, subject pools, inspector teams, the draw-day clock.
- ``factories.plans``: plan tables from the printed 2021 seed (CSV, .xlsx, shuffled, another layout).
- ``factories.subjects``: the subject import file's header and registration codes good and bad.
- ``factories.organisation``: the two-city organisation file, a plan drawn in it, a province's results.
- ``factories.cli``: English words left in a command's zh-CN output.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.extensions import db
from fieldapp.inspections.models import MediaFile, Submission

PASSWORD = "correct horse battery staple"
MEDIA_SUFFIXES = {"image/jpeg": "jpg", "image/png": "png"}


def unit(code: str) -> Unit:
    """The organisation unit with this code (units are loaded for every test)."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    assert unit is not None, f"no unit {code!r}"
    return unit


def stored_media(
    submission: Submission, payload: bytes, *, kind: str, content_type: str, folder: str, media_root: str | Path
) -> MediaFile:
    """A complete media file of ``submission``: ``payload`` written to ``media_root/folder/<sha256>.<type>``
    and its row (flushed)."""
    sha = hashlib.sha256(payload).hexdigest()
    key = f"{folder}/{sha}.{MEDIA_SUFFIXES[content_type]}"
    path = Path(media_root) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    media = MediaFile(
        submission=submission,
        sha256=sha,
        kind=kind,
        content_type=content_type,
        size=len(payload),
        received=len(payload),
        complete=True,
        storage_key=key,
    )
    db.session.add(media)
    db.session.flush()
    return media
