"""Web routes for review."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__)
