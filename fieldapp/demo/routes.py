"""Web routes for demo."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("demo", __name__)
