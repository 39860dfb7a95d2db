"""Web routes for visits."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("visits", __name__)
