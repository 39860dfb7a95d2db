"""Web routes for publication."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("publication", __name__)
