"""Web routes for inspections."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inspections", __name__)
