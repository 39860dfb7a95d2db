"""Public pages: every draw and every commitment, a draw's details, its pool file and bundle."""

from __future__ import annotations

import json

from flask import Response, abort, render_template, request

from ..extensions import db
from . import queries
from .bundle import build_bundle, selection_is_public
from .models import Draw
from .operations import pool_bytes
from .routes import bp


def _draw(draw_id: int) -> Draw:
    draw = db.session.get(Draw, draw_id)
    if draw is None:
        abort(404)
    return draw


@bp.get("/public/draws")
def public_index():
    page = request.args.get("page", 1, type=int)
    return render_template(
        "draws/public_index.html",
        draws=queries.public_draws(page),
        commitments=queries.public_commitments(request.args.get("cpage", 1, type=int)),
    )


@bp.get("/public/draws/<int:draw_id>")
def public_detail(draw_id: int):
    draw = _draw(draw_id)
    reveal = selection_is_public(draw)
    return render_template("draws/public_detail.html", draw=draw, bundle=build_bundle(draw, reveal), reveal=reveal)


@bp.get("/public/draws/<int:draw_id>/pool.txt")
def public_pool(draw_id: int):
    draw = _draw(draw_id)
    response = Response(pool_bytes(draw), mimetype="text/plain")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=draw-{draw.id}-pool.txt"
    response.headers["X-Content-SHA256"] = draw.pool_sha256
    return response


@bp.get("/public/draws/<int:draw_id>/bundle.json")
def public_bundle(draw_id: int):
    draw = _draw(draw_id)
    body = json.dumps(build_bundle(draw), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f"attachment; filename=draw-{draw.id}-bundle.json"
    return response
