"""fieldapp: 双随机、一公开 spot checks from plan to public record."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

# Feature packages, each optionally with ``routes.py`` (a blueprint ``bp``), ``cli.py`` (a click
# group ``cli``), ``jobs.py`` (background jobs), ``subscribers.py`` (``subscribe()`` connects its
# receivers of ``fieldapp.events``) and ``translations/``.
FEATURES = (
    "core",
    "auth",
    "plans",
    "subjects",
    "inspectors",
    "checklists",
    "draws",
    "visits",
    "inspections",
    "calendar",
    "review",
    "publication",
    "dashboards",
    "demo",
    "jobs",
)


def create_app(config: dict | None = None) -> Flask:
    app = _new_app(config)
    _init_extensions(app)
    from .checklists.catalog import init_app as load_checklists

    load_checklists(app)  # the checklist registry: every checklist file, validated once
    _register_features(app)
    from .core.web import init_web

    init_web(app)
    _install_wsgi_layers(app)
    return app


def _new_app(config: dict | None) -> Flask:
    """The Flask app with its folders and configuration (the defaults, then ``config``)."""
    from .config import default_config, instance_folder

    app = Flask(
        __name__,
        instance_path=str(instance_folder()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    if config:
        app.config.update(config)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers every model with the metadata)
    from .auth.session import init_login
    from .core.i18n import install_request_translations, select_locale
    from .core.migrations import init_migrations
    from .core.params import init_params
    from .extensions import babel, csrf, db, htmx, huey, limiter, login_manager

    db.init_app(app)
    init_migrations(app, db, directory=str(ROOT / "migrations"))  # compare_type, render_as_batch: its defaults
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    huey.configure(app.config)
    babel.init_app(app, locale_selector=select_locale)
    install_request_translations(babel)
    init_login(app, login_manager)
    init_params(app)  # after htmx sets its request class, before any <int:…> rule is made


def _register_features(app: Flask) -> None:
    """Each feature package's blueprint, commands, background jobs and event subscribers."""
    for name in FEATURES:
        routes = _optional_module(f"fieldapp.{name}.routes")
        if routes is not None:
            app.register_blueprint(routes.bp)
        cli = _optional_module(f"fieldapp.{name}.cli")
        if cli is not None:
            for group in getattr(cli, "COMMANDS", (cli.cli,)):
                app.cli.add_command(group)
        _optional_module(f"fieldapp.{name}.jobs")  # registers the feature's background jobs
        subscribers = _optional_module(f"fieldapp.{name}.subscribers")
        if subscribers is not None:
            subscribers.subscribe()  # what the feature does when a lower package sends an event


def _install_wsgi_layers(app: Flask) -> None:
    """The layers in front of Flask: kept pages answered early, then (outermost) the proxy fix."""
    from .core.early import install as answer_kept_pages_early
    from .inspections.list_page import ENDPOINT as MY_LIST, MyListAnswers
    from .publication.early_hits import ENDPOINT as PUBLIC_SEARCH, PublicSearchAnswers

    # Pages each worker keeps, answered before Flask while they hold: the public search, the inspector's list.
    answer_kept_pages_early(app, {PUBLIC_SEARCH: PublicSearchAnswers, MY_LIST: MyListAnswers})
    if app.config["TRUSTED_PROXIES"]:  # outermost: every layer sees the client's address, scheme and host
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _optional_module(name: str):
    from importlib import import_module

    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
