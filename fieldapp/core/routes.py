"""Home page, health check and language switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ..auth.session import is_safe_next
from ..extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return render_template("core/index.html", user=current_user)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """The database and the job queue, each ``ok`` or the reason it is not; 503 when either is down."""
    from ..jobs.health import queue_health

    report: dict[str, Any] = {}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as exc:  # the reason is reported, the app keeps running
        db.session.rollback()
        report["database"] = "unavailable"
        report["database_reason"] = type(exc).__name__ + ": " + str(exc)[:200]
    report["queue"] = queue_health()
    healthy = report["database"] == "ok" and report["queue"]["status"] == "ok"
    report["status"] = "ok" if healthy else "error"
    return jsonify(report), 200 if healthy else 503


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    from flask import current_app

    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if target is not None and is_safe_next(target) else url_for("core.index"))
