"""The app as ``make run`` serves it, plus a bare Flask endpoint at ``/bare/`` in the same server."""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from fieldapp import create_app

bare = Flask("bare")


@bare.get("/")
def bare_endpoint():
    return "<!doctype html><title>bare</title><p>ok</p>"


# Rate limits are per client address; the bench is one address standing in for many citizens.
fieldapp = create_app({"RATELIMIT_ENABLED": False})
app = DispatcherMiddleware(fieldapp, {"/bare": bare})
