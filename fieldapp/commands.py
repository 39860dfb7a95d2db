"""Command-line pieces shared by the packages' ``cli.py`` groups (beside the packages: auth, the lowest, uses
them too): the language a command speaks (``--lang``, zh_CN by default), its refusals in that language, and
the idempotent 'ensure' commands."""

from __future__ import annotations

from collections.abc import Callable, Sized
from functools import wraps
from typing import IO, Any

import click
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .extensions import db


def in_language(command):
    """Messages in the language asked for (--lang), outside of any web request."""

    @click.option(
        "--lang",
        type=click.Choice(["zh_CN", "en"]),
        default="zh_CN",
        show_default=True,
        help="Language of the output and of the errors",
    )
    @wraps(command)
    def wrapped(*args, lang: str, **kwargs):
        with current_app.test_request_context(), force_locale(lang):
            return command(*args, **kwargs)

    return wrapped


class CommandError(click.ClickException):
    """A command's refusal (exit status 1), worded in the command's language: click's own ``Error:``
    before the message is English, so the whole line is made here, where the language is known."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.said = _("Error: %(message)s", message=message)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.said, file=file, err=file is None)

    @classmethod
    def in_file(cls, name: str, error: object) -> CommandError:
        """The refusal of a file: its name, then what is wrong with it."""
        return cls(_("%(file)s: %(error)s", file=name, error=error))


def ensure_command(name: str, ensure: Callable[[], Sized], said: Callable[[int], str], what: str) -> click.Command:
    """A command that runs ``ensure`` (it creates what is missing from its source, so the command is
    safe to run again), commits, and says how many there are: ``said(count)``, in the command's language."""

    @in_language
    def command() -> None:
        count = len(ensure())
        db.session.commit()
        click.echo(said(count))

    return click.Command(name, callback=command, params=command.__click_params__, help=f"{what} (safe to run again).")
