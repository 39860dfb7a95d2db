"""Home page, health check and language switch."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ..extensions import csrf, db
from .i18n import is_safe_next

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return render_template("core/index.html", user=current_user)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # the reason is reported, the app keeps running
        db.session.rollback()
        return jsonify(status="error", database="unavailable", reason=type(exc).__name__ + ": " + str(exc)[:200]), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    from flask import current_app

    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.index"))

