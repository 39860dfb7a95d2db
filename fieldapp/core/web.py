"""App-wide web behaviour: security headers, htmx caching hints, error pages, template globals."""

from __future__ import annotations

from flask import Flask, abort, current_app, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .. import clock
from ..errors import DomainError
from .i18n import LANGUAGE_NAMES, html_lang, select_locale
from .nav import nav_links


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS (or the config says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def static_folder() -> str:
    """The current app's static folder (``create_app`` always gives it one)."""
    folder = current_app.static_folder
    assert folder is not None, "create_app always sets the static folder"
    return folder


def security_header_pairs(config, secure: bool) -> list[tuple[str, str]]:
    """The headers every answer carries (HSTS only over HTTPS); pages served before Flask
    (``publication/early_hits.py``) send the same."""
    pairs = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
    ]
    if secure and config.get("HSTS_SECONDS"):
        pairs.append(("Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}"))
    return pairs


def init_web(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        for name, value in security_header_pairs(app.config, request.is_secure):
            headers.setdefault(name, value)
        # Pages that answer htmx requests with a fragment must not be cached as the full page.
        response.vary.add("HX-Request")
        return response

    app.session_interface = HttpsAwareSessionInterface()

    @app.before_request
    def refuse_nul_characters():
        """U+0000 in an address, a query or a posted form field is never meant (no text column can
        store it; PostgreSQL refuses it with an error): a 400 with the app's own page, never a 500."""
        if _holds_nul(request.path, request.args):
            abort(400)
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if _holds_nul("", request.form):
                abort(400)
        elif request.is_json and not request.path.startswith("/api/"):
            # Pages take forms; JSON is the phone API's. Flask-WTF would read a JSON body as the form, and
            # a list, a number or a lone surrogate ("\ud800": valid JSON, no text) in it was a 500.
            abort(415)

    _init_templates(app)
    _init_error_pages(app)


def _init_templates(app: Flask) -> None:
    """What every template sees: the language, navigation and Beijing-time filters."""

    @app.context_processor
    def template_globals():
        return {
            "current_locale": select_locale(),
            "html_lang": html_lang(),
            "language_names": LANGUAGE_NAMES,
            "nav_links": nav_links,
            "time_zone": clock.BEIJING.key,
        }

    @app.template_filter("local_date")
    def local_date(moment):
        """A stored moment's date in Beijing, ``YYYY-MM-DD`` (empty for None)."""
        return clock.local_date(moment).isoformat() if moment else ""

    @app.template_filter("local_time")
    def local_time(moment, label: bool = False, seconds: bool = False):
        """A stored moment in Beijing time, ``YYYY-MM-DD HH:MM``; ``label`` adds "Beijing time"."""
        if not moment:
            return ""
        text = clock.local(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
        if not label:
            return text
        beijing = _("Beijing time")  # (outside the f-string, where the message extractor finds it)
        return f"{text} {beijing}"


def _init_error_pages(app: Flask) -> None:
    """The app's own error pages (and JSON for the API): never a bare or developer's page."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Your form expired or was sent from another page. Please reload the page and try again.")
        return error_page(400, message)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        """A domain error no view caught: its message, with its status (never a 500)."""
        default = {404: _("This page does not exist."), 403: _("You do not have access to this page.")}
        message = error.text() or default.get(error.status) or _("This request cannot be carried out.")
        return error_page(error.status, message, error=message, field=error.field)

    def simple_error(code: int, message):
        def handler(error):
            return error_page(code, str(message))

        return handler

    app.register_error_handler(403, simple_error(403, _l("You do not have access to this page.")))
    app.register_error_handler(404, simple_error(404, _l("This page does not exist.")))
    app.register_error_handler(413, simple_error(413, _l("The file is too large.")))
    app.register_error_handler(
        429, simple_error(429, _l("Too many attempts. Please wait a few minutes and try again."))
    )
    app.register_error_handler(HTTPException, any_http_error)
    app.register_error_handler(InternalServerError, server_error)


def _holds_nul(path: str, values) -> bool:
    return "\x00" in path or any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


ERROR_MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered and try again."),
    405: _l("This page cannot be used that way."),
    410: _l("This page is no longer available."),
    415: _l("This page takes what its form sends; the data sent is of another kind."),
    416: _l("The requested range is not available."),
}


def any_http_error(error: HTTPException):
    """Every other HTTP error: the app's own page in the user's language (never Werkzeug's)."""
    code = error.code or 500
    if code >= 500:
        return server_error(error)
    message = ERROR_MESSAGES.get(code, _l("The request could not be handled."))
    if isinstance(error, SecurityError):  # an untrusted Host: no URL can be built for it
        return render_template(
            "errors/bare.html", code=code, message=_("This site is not served under that name.")
        ), code
    page, code = error_page(code, str(message))
    kept = {k: v for k, v in error.get_response().headers.items() if k in ("Allow", "Retry-After")}
    return page, code, kept


def server_error(error):
    return error_page(500, _("Something went wrong on our side. Please try again later."))


def error_page(code: int, message: str, **extra):
    """The app's error answer: its page in the user's language, or for the phone's API (and a client
    asking for JSON) problem+json with the same words as its title — the phone shows the title, and an
    HTML page there (a 404, 405 or 413 before any API view ran) showed as a bare "HTTP 404"."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify({"status": code, "title": message, **extra})
        response.mimetype = "application/problem+json"
        return response, code
    return render_template("errors/error.html", code=code, message=message), code
