"""The upload page of a background import (the subject directory, the inspector roster): the file
is handed to the import's ``start`` (which saves it into a new job and checks its header) and the
browser goes on to the job's progress page; a missing or unreadable file is shown on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import InvalidInput, form_status
from .models import Job


def import_page(template: str, start: Callable[[Any, Any], Job]) -> ResponseReturnValue:
    """GET: the page; POST: start the import with the uploaded ``file`` (up to ``IMPORT_MAX_BYTES``)."""
    error = None
    if request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = _("Choose a CSV or Excel (.xlsx, .xls) file.")
        else:
            try:
                job = start(upload, current_user)
            except InvalidInput as exc:  # the file as a whole cannot be imported: nothing queued
                error = exc.text()
            else:
                return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template(template, error=error), form_status(bool(error))
