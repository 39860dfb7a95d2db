"""The administrator's organisation page (``/organisation``): upload an organisation file, see what
loading it would change, and load it on confirming. Plain form posts (htmx is not needed): the
confirming form carries the file back, and it is read and checked again before anything is written."""

from __future__ import annotations

import base64
import binascii
from pathlib import PureWindowsPath

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Conflict, DomainError, form_status
from ..extensions import db
from . import territory
from .access import role_required
from .models import Role
from .organisation_changes import Preview, load_previewed, preview_organisation
from .organisation_yaml import MAX_BYTES, OrganisationError
from .routes import bp


def _page(status: int = 200, **context) -> ResponseReturnValue:
    return render_template(
        "auth/organisation.html", bureau=territory.bureau_of(current_user.unit), max_mb=MAX_BYTES >> 20, **context
    ), status


def _display_name(filename: str) -> str:
    """The upload's own name (a Windows browser may send the whole path), as shown and audited."""
    return PureWindowsPath(filename).name[:100]


@bp.get("/organisation")
@role_required(Role.ADMIN)
def organisation():
    return _page()


@bp.post("/organisation/preview")
@role_required(Role.ADMIN)
def organisation_preview():
    """The uploaded file read and checked: what loading it would change, or why it cannot be loaded."""
    upload = request.files.get("file")  # a body over MAX_CONTENT_LENGTH is the app's 413 page
    if upload is None or not upload.filename:
        return _page(form_status(), error=_("Choose an organisation file (.yaml)."))
    return _previewed(upload.stream.read(MAX_BYTES + 1), _display_name(upload.filename))


def _previewed(raw: bytes, filename: str, refusal: DomainError | None = None) -> ResponseReturnValue:
    """The page with what loading ``raw`` would change (422 when it cannot be loaded)."""
    try:
        preview = preview_organisation(raw, current_user)
    except OrganisationError as exc:
        return _page(form_status(), error=exc.text(), filename=filename)
    status = refusal.status if refusal else form_status(bool(preview.problems))
    return _page(
        status,
        preview=preview,
        filename=filename,
        content=base64.b64encode(raw).decode("ascii"),
        error=refusal.text() if refusal else None,
    )


@bp.post("/organisation/load")
@role_required(Role.ADMIN)
def organisation_load():
    """Load the file the administrator saw the preview of, when it still changes what it showed."""
    try:
        raw = base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400)  # the form's own hidden field, tampered with
    filename = _display_name(request.form.get("filename", ""))
    try:
        preview = preview_organisation(raw, current_user)
    except OrganisationError as exc:
        return _page(form_status(), error=exc.text(), filename=filename)
    if preview.problems:
        return _previewed(raw, filename)
    if not preview.has_changes:
        flash(_("Nothing was loaded: the units already are as the file says."), "info")
        return redirect(url_for("auth.organisation"))
    if preview.digest != request.form.get("digest"):
        message = _(
            "The units have changed since this file was read (another file was loaded?): check what it "
            "would change now and confirm again."
        )
        changed = Conflict(message)
        return _previewed(raw, filename, changed)
    try:
        load_previewed(raw, filename, preview, current_user)
    except OrganisationError as exc:
        db.session.rollback()
        return _previewed(raw, filename, exc)
    db.session.commit()
    flash(_loaded(preview), "success")
    return redirect(url_for("auth.organisation"))


def _loaded(preview: Preview) -> str:
    return _(
        "Loaded: %(added)s units added, %(renamed)s renamed, %(moved)s moved, %(changed)s changed otherwise.",
        added=len(preview.added),
        renamed=len(preview.renamed),
        moved=len(preview.moved),
        changed=len(preview.changed),
    )
