"""Locale selection: zh_CN by default, English on request; the choice is kept in the session."""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask.globals import _cv_app
from flask_babel import Domain

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The session's choice in a request; the default (zh_CN) in commands and jobs."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def html_lang() -> str:
    return "zh-CN" if select_locale() == "zh_CN" else "en"


class RequestTranslations(Domain):
    """Flask-Babel's message domain, with the translations looked up once per request (or forced
    locale) instead of once per message: a page of 60 visit cards has hundreds of messages, and the
    per-message lookup through the context proxies was a fifth of its time."""

    def get_translations(self):
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return super().get_translations()
        ns = app_ctx.g.__dict__.get("_flask_babel")
        if ns is not None:
            cached = ns.__dict__.get("fieldapp_translations")
            if cached is not None and cached[0] is ns.__dict__.get("babel_locale"):
                return cached[1]
        translations = super().get_translations()
        ns = app_ctx.g._flask_babel
        ns.fieldapp_translations = (ns.__dict__.get("babel_locale"), translations)
        return translations


def install_request_translations(babel) -> None:
    babel.__dict__["domain_instance"] = RequestTranslations()  # the default "messages" domain
