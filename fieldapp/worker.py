"""The job worker's entry point: ``huey_consumer fieldapp.worker.huey`` (``make run`` starts it).

Importing this module builds the app (settings from the environment, as the web server's) and binds
it to the jobs, so each job runs in an app context of its own."""

from __future__ import annotations

from . import create_app
from .extensions import huey
from .jobs.runtime import bind_app

app = create_app()
bind_app(app)

__all__ = ["app", "huey"]
