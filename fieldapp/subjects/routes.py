"""Web routes for subjects."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("subjects", __name__)
