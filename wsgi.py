"""WSGI entry point: ``flask --app wsgi …`` and production servers."""

from fieldapp import create_app

app = create_app()
