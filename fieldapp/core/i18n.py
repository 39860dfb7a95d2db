"""Locale selection: zh_CN by default, English on request; the choice is kept in the session."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The session's choice in a request; the default (zh_CN) in commands and jobs."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang() -> str:
    return "zh-CN" if select_locale() == "zh_CN" else "en"


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login or a language switch (no open redirects)."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target


def accept_language_hint() -> str | None:
    return request.accept_languages.best_match(current_app.config["LANGUAGES"])
