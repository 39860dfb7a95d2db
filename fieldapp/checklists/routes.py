"""Web routes for checklists."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checklists", __name__)
