"""Web routes for publication. The views live in three modules registered on this blueprint:
``routes_public`` (citizens' pages and open data), ``routes_publish`` (supervisors), ``routes_pdf``."""

from __future__ import annotations

import re

from flask import Blueprint, abort

from ..extensions import db
from ..plans.models import Task
from . import queries

bp = Blueprint("publication", __name__)

PUBLIC_ID = re.compile(r"^[0-9a-f]{12}$")


def check_public_id(public_id: str) -> str:
    if not PUBLIC_ID.match(public_id):
        abort(404)
    return public_id


def record_versions_or_404(public_id: str) -> list:
    """The versions of a public record, the current one first; 404 for a malformed or unknown id."""
    versions = queries.record_versions(check_public_id(public_id))
    if not versions:
        abort(404)
    return versions


def task_records_or_404(task_id: int) -> tuple[Task, list]:
    """A task and its current public records; 404 when it has none."""
    task = db.session.get(Task, task_id)
    records = queries.task_records(task_id) if task else []
    if task is None or not records:
        abort(404)
    return task, records


from . import routes_pdf, routes_public, routes_publish  # noqa: E402,F401  (register the views)
