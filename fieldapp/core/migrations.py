"""Flask-Migrate, loaded when first used. Importing it imports Alembic (and Mako, Pygments, every
Alembic dialect): a tenth of a second that every ``flask`` command and every server process paid,
though only ``flask db …`` and the migration functions need it.

``app.extensions["migrate"]`` holds what Flask-Migrate's functions and ``migrations/env.py`` read
(``db``, ``directory``, ``configure_args``, ``migrate.get_config``); ``flask db`` is a group that
imports Flask-Migrate's own when it is invoked, listed or completed.
"""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from typing import Any

import click
from flask import Flask


class MigrateSettings:
    """What Flask-Migrate keeps per app, its ``Migrate`` object made on first use."""

    def __init__(self, db, directory: str, **configure_args: Any):
        self.db = db
        self.directory = directory
        self.configure_args = {"compare_type": True, "render_as_batch": True, **configure_args}

    @property
    def metadata(self):
        return self.db.metadata

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class LazyGroup(click.Group):
    """A click group imported only when it is used: ``target`` is ``"module:attribute"``."""

    def __init__(self, name: str, target: str, help: str):
        super().__init__(name, help=help)
        self.target = target

    def real(self) -> click.Group:
        module, _, attribute = self.target.partition(":")
        return getattr(import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self.real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.real().get_command(ctx, cmd_name)


def init_migrations(app: Flask, db, directory: str, **configure_args: Any) -> None:
    app.extensions["migrate"] = MigrateSettings(db, directory, **configure_args)
    app.cli.add_command(LazyGroup("db", "flask_migrate.cli:db", help="Perform database migrations."))
