"""Web routes for inspectors."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inspectors", __name__)
