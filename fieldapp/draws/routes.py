"""Web routes for draws."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("draws", __name__)
