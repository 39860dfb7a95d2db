"""Public pages: every draw and every commitment, a draw's details, its pool file, inspector file
and bundle, the head of the public chain. The classed pool file is for staff and auditors only."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response, abort, render_template, request
from flask_login import current_user

from ..auth import access
from ..extensions import db
from . import chain, files, queries
from .algorithm import ALGORITHM_1
from .bundle import build_bundle, selection_is_public
from .commitments import abandoned_count
from .identity import rows_not_carrying
from .models import Draw
from .operations import pool_bytes, public_pool_bytes
from .routes import bp


def _draw(draw_id: int) -> Draw:
    draw = db.get_or_404(Draw, draw_id)
    return draw


def _file(data: bytes, name: str, sha256: str | None) -> Response:
    response = Response(data, mimetype="text/plain")  # text/plain; charset=utf-8
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    if sha256:
        response.headers["X-Content-SHA256"] = sha256
    return response


@bp.get("/public/draws")
def public_index():
    page = request.args.get("page", 1, type=int)
    return render_template(
        "draws/public_index.html",
        draws=queries.public_draws(page),
        commitments=queries.public_commitments(request.args.get("cpage", 1, type=int)),
        head=chain.head(),
    )


@bp.get("/public/draws/<int:draw_id>")
def public_detail(draw_id: int):
    draw = _draw(draw_id)
    reveal = selection_is_public(draw)
    return render_template(
        "draws/public_detail.html",
        draw=draw,
        bundle=build_bundle(draw, reveal),
        reveal=reveal,
        replacements=queries.replacements(draw) if reveal else (),
        record=chain.record_of_draw(draw.id),
        head=chain.head(),
        may_see_classes=access.may_see_draw_classes(current_user, draw),
        abandoned=abandoned_count(draw.task_id, draw.round, draw.unit_id),
        replacements_recorded=len(chain.replacement_records(draw.id)),
        not_carrying=rows_not_carrying(draw) if reveal else (set(), set()),
    )


# The stand-alone verifier and the algorithm it implements, served beside the files it checks: a
# citizen with only the public pages can check a draw on any machine with Python 3.
ROOT = Path(__file__).resolve().parents[2]
VERIFIER = {
    "verify_draw.py": ROOT / "tools" / "verify_draw.py",
    "verify_draw_2.py": ROOT / "tools" / "verify_draw_2.py",  # loaded by verify_draw.py from beside it
    "draw-algorithm.md": ROOT / "docs" / "draw-algorithm.md",
}


@bp.get("/public/draws/verifier/<any('verify_draw.py', 'verify_draw_2.py', 'draw-algorithm.md'):filename>")
def verifier_file(filename: str):
    data = VERIFIER[filename].read_bytes()
    return _file(data, filename, files.sha256_hex(data))


@bp.get("/public/draws/<int:draw_id>/pool.txt")
def public_pool(draw_id: int):
    draw = _draw(draw_id)
    sha256 = draw.pool_sha256 if draw.algorithm == ALGORITHM_1 else draw.pool_ids_sha256
    return _file(public_pool_bytes(draw), f"draw-{draw.id}-pool.txt", sha256)


@bp.get("/public/draws/<int:draw_id>/inspectors.txt")
def public_inspectors(draw_id: int):
    draw = _draw(draw_id)
    if draw.inspectors_file is None:
        abort(404)
    return _file(draw.inspectors_file, f"draw-{draw.id}-inspectors.txt", draw.inspectors_sha256)


@bp.get("/draws/<int:draw_id>/pool-classed.txt")
def classed_pool(draw_id: int):
    draw = _draw(draw_id)
    if not access.may_see_draw_classes(current_user, draw):
        abort(404)
    return _file(pool_bytes(draw), f"draw-{draw.id}-pool-classed.txt", draw.pool_sha256)


@bp.get("/public/draws/<int:draw_id>/bundle.json")
def public_bundle(draw_id: int):
    draw = _draw(draw_id)
    body = json.dumps(build_bundle(draw), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f"attachment; filename=draw-{draw.id}-bundle.json"
    return response
