"""The form without JavaScript: turn a multipart post into the same body the phone app sends.

Answers are the checklist engine's fields, prefixed ``a.<task>.<checklist>.`` (see
``checklist_source``); a photo item's files come as ``<field>-file``, evidence photos for any
item as ``photo.<field>``, signature images as ``sigfile.<role>.<n>``. Photos are scaled to at
most 1600 px JPEG here, as the phone does before storing them.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from PIL import Image, ImageOps

from .. import clock
from ..subjects.tables import display_name
from . import media as store

MAX_SIDE = 1600


def _jpeg(data: bytes) -> bytes:
    """A photo as JPEG of at most MAX_SIDE px; raises ``ImageRejected`` (format, bytes, pixels)."""
    try:
        with store.open_image(data) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, store.ImageRejected):
            raise
        raise store.ImageRejected(_("Only JPEG, PNG or WebP images can be used as photos.")) from None


def _png(data: bytes) -> bytes | None:
    try:
        with store.open_image(data, ("PNG", "JPEG", "WEBP")) as img:
            img.load()
            if img.format == "PNG":
                return data
            out = io.BytesIO()
            img.convert("RGB").save(out, "PNG")
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def task_results_from_form(visit, form) -> list[dict]:
    """Each task's result block: ``no_activity.<task>``, ``result_code.<task>`` (empty: the
    suggested one), ``override_reason.<task>`` and the measures ``follow_up.<task>``."""
    out = []
    for vt in visit.tasks:
        t = vt.task_id
        out.append(
            {
                "task_id": t,
                "no_activity": bool(form.get(f"no_activity.{t}")),
                "result_code": form.get(f"result_code.{t}") or "",
                "override_reason": form.get(f"override_reason.{t}", "").strip(),
                "follow_up_measures": form.getlist(f"follow_up.{t}"),
            }
        )
    return out


def body_from_form(visit, form, files, problems: list[str] | None = None) -> dict:
    """The body the phone would send; a file that cannot be taken adds its reason to ``problems``."""
    problems = [] if problems is None else problems
    answers: dict = {}
    for key in form:
        if key.startswith("a.") and not key.endswith(("._add", "._remove")):
            values = form.getlist(key)
            answers[key] = values if len(values) > 1 else values[0]
    media = _Media()
    photos = _take_photos(files, answers, media, problems)
    position = None
    if form.get("lat") and form.get("lng"):
        position = {"lat": form.get("lat"), "lng": form.get("lng"), "accuracy": form.get("accuracy") or 0}
    return {
        "uuid": form.get("uuid", ""),
        "visit_id": visit.id,
        "replaces": form.get("replaces") or None,
        "check_methods": form.getlist("check_methods"),
        "task_ids": [vt.task_id for vt in visit.tasks],
        "answers": answers,
        "photos": photos,
        "position": position,
        "signatures": _signatures(visit, form, files, media),
        "suggested_result": None,  # the server's evaluation decides
        "task_results": task_results_from_form(visit, form),
        "client_submitted_at": clock.now().isoformat(),
        "media": media.listed,
        "via": "form",
    }


class _Media:
    """The files a form's body lists, each stored once."""

    def __init__(self) -> None:
        self.listed: list[dict] = []

    def add(self, kind: str, data: bytes, content_type: str, field: str) -> str:
        sha = store.store_bytes(data)
        if not any(m["sha256"] == sha for m in self.listed):
            self.listed.append(
                {"sha256": sha, "size": len(data), "kind": kind, "content_type": content_type, "field": field}
            )
        return sha


def _take_photos(files, answers: dict, media: _Media, problems: list[str]) -> dict[str, list[str]]:
    """The photos sent: those of a field (``photo.…``) by field, those answering a photo item
    (``a.…-file``) added to its answer. One that is not an image adds its reason to ``problems``."""
    photos: dict[str, list[str]] = {}
    for key in files:
        if not (key.startswith("photo.") or (key.startswith("a.") and key.endswith("-file"))):
            continue
        for upload in files.getlist(key):
            raw = upload.read()
            if not raw:
                continue
            try:
                data = _jpeg(raw)
            except store.ImageRejected as exc:
                problems.append(f"{display_name(upload.filename) or key}: {exc}")
                continue
            if key.startswith("photo."):
                field = key[len("photo.") :]
                photos.setdefault(field, []).append(media.add("photo", data, "image/jpeg", key))
            else:
                field = key[: -len("-file")]
                sha = media.add("photo", data, "image/jpeg", field)
                existing = answers.get(field)
                refs = existing if isinstance(existing, list) else ([existing] if existing else [])
                answers[field] = refs + [sha]
    return photos


def _signatures(visit, form, files, media: _Media) -> list[dict]:
    """The inspectors' signatures in their order on the visit, then the representative's (or the refusal)."""
    signatures = []
    for index, vi in enumerate(visit.inspectors):
        role = "lead" if index == 0 else "member"
        upload = files.get(f"sigfile.{role}.{index}")
        signature = _png(upload.read()) if upload else None
        signed = media.add("signature", signature, "image/png", f"sig.{role}.{index}") if signature else None
        signatures.append({"role": role, "inspector_id": vi.inspector_id, "name": vi.inspector.name, "sha256": signed})
    refused = bool(form.get("rep_refused"))
    rep_upload = files.get("sigfile.representative")
    rep_data = _png(rep_upload.read()) if rep_upload and not refused else None
    signatures.append(
        {
            "role": "representative",
            "name": form.get("rep_name", "").strip(),
            "sha256": media.add("signature", rep_data, "image/png", "sig.representative") if rep_data else None,
            "refused": refused,
            "reason": form.get("rep_reason", "").strip() if refused else "",
        }
    )
    return signatures


def values_from_body(body: dict):
    """The form's fields as a returned version had them, so its correction starts from them
    (answers, check methods, the representative's name or refusal, result and reason)."""
    from werkzeug.datastructures import MultiDict

    pairs: list[tuple[str, str]] = []
    for name, value in (body.get("answers") or {}).items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((name, "" if v is None else str(v)))
    pairs += [("check_methods", m) for m in body.get("check_methods") or []]
    rep = next(
        (s for s in body.get("signatures") or [] if isinstance(s, dict) and s.get("role") == "representative"), {}
    )
    pairs += [("rep_name", str(rep.get("name") or "")), ("rep_reason", str(rep.get("reason") or ""))]
    if rep.get("refused"):
        pairs.append(("rep_refused", "1"))
    pairs += [
        ("result_code", str(body.get("result_code") or "")),
        ("override_reason", str(body.get("override_reason") or "")),
    ]
    return MultiDict(pairs)
