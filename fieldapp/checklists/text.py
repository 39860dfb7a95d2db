"""Bilingual text from checklist files, definition problems, and user-facing answer messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def locale_key(locale: Any) -> str:
    """'en' for any English locale, else 'zh' (Chinese is the default language)."""
    return "en" if str(locale or "").lower().startswith("en") else "zh"


def current_locale_key() -> str:
    from flask import has_request_context

    if not has_request_context():
        return "zh"
    try:
        from flask_babel import get_locale

        return locale_key(get_locale())
    except Exception:  # outside an app context
        return "zh"


@dataclass(frozen=True)
class LocalText:
    """A ``{zh, en}`` pair from a checklist file; ``str()`` gives the current language."""

    zh: str
    en: str

    def get(self, locale: Any = None) -> str:
        key = locale_key(locale) if locale is not None else current_locale_key()
        return (self.en or self.zh) if key == "en" else (self.zh or self.en)

    def __str__(self) -> str:
        return self.get()

    def as_dict(self) -> dict:
        return {"zh": self.zh, "en": self.en}


def message_text(message: Any, locale: Any = None) -> str:
    """A message (LocalText or a lazy gettext string) in ``locale`` (default: the current one)."""
    if isinstance(message, LocalText):
        return message.get(locale)
    if locale is None:
        from flask import has_request_context

        if has_request_context():
            return str(message)
        locale = "zh"
    try:
        from flask_babel import force_locale

        with force_locale("en" if locale_key(locale) == "en" else "zh_CN"):
            return str(message)
    except Exception:
        return str(message)


@dataclass
class Problem:
    file: str
    where: str  # "item error_pct (dispensers › dispenser › nozzle)" or "checklist"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass
class Problems:
    """Collects every problem of one checklist file, so that all are reported at once."""

    file: str
    items: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(Problem(self.file, where, message))

    def __bool__(self) -> bool:
        return bool(self.items)


class ChecklistInvalid(RuntimeError):
    """One or more checklist files do not validate; the message names file, item and problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = [str(p) for p in problems]
        super().__init__("checklist files do not validate:\n  " + "\n  ".join(lines))


def read_local_text(raw: Any, problems: Problems, where: str, name: str, required: bool = True, max_length: int = 500):
    """Read ``{zh, en}`` (both non-empty text); report what is wrong."""
    if raw is None:
        if required:
            problems.add(where, f"'{name}' is missing (it needs zh and en)")
        return None
    if not isinstance(raw, dict):
        problems.add(where, f"'{name}' must be {{zh: …, en: …}}")
        return None
    extra = set(raw) - {"zh", "en"}
    if extra:
        problems.add(where, f"'{name}' has unknown keys {sorted(extra)} (only zh and en)")
    values = {}
    for lang in ("zh", "en"):
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            problems.add(where, f"'{name}.{lang}' must be non-empty text")
            values[lang] = ""
        elif len(value) > max_length:
            problems.add(where, f"'{name}.{lang}' is longer than {max_length} characters")
            values[lang] = value
        else:
            values[lang] = value.strip()
    return LocalText(values["zh"], values["en"])
