"""Citizens' pages: the result search, a record, a subject's records, a task's 抽查结果公告, open data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, make_response, render_template, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from htmx_flask import request  # flask's request, typed with its htmx headers
from markupsafe import Markup, escape

from ..auth.territory import county_names
from ..checklists.text import LocalText
from ..extensions import limiter
from ..core.i18n import select_locale
from ..core.params import query_args
from ..core.token_pages import TOKEN_CONTEXT, Page
from . import exports, page_cache, queries
from .categories import categories, result_choices
from .forms import parse_search
from .generation import current as current_generation
from .routes import bp, record_versions_or_404, task_records_or_404
from ..plans.display import KIND_WORDS
from .snapshot import list_hash, task_kind_label


@bp.app_template_global()
def county_name(code: str | None) -> str:
    return county_names().get(code or "", code or "")


@bp.app_template_filter("task_kind_label")
def _task_kind_label(kind: str) -> str:
    return task_kind_label(kind)


@bp.app_template_filter("kind_words")
def _kind_words(kind: str) -> str:
    """定向 / 不定向 in the page's language (printed documents: task_kind_label)."""
    return str(KIND_WORDS.get(kind, kind))


@bp.app_template_filter("result_text")
def _result_text(record) -> str:
    """A published record's result in the page's language (the printed documents keep the Chinese)."""
    field = record.get if isinstance(record, dict) else lambda name: getattr(record, name, "")
    return LocalText(field("result_label") or "", field("result_label_en") or "").get()


def _search_limit() -> str:
    return current_app.config["PUBLIC_SEARCH_LIMIT"]


def _export_limit() -> str:
    return current_app.config["OPEN_DATA_LIMIT"]


@bp.get("/public/results")
@limiter.limit(_search_limit)
def public_results():
    """The search; a page already cached is usually answered before Flask (:mod:`.early_hits`)."""
    store = page_cache.cache()
    generation = current_generation()  # before any data the page shows (see .generation)
    fragment = page_cache.is_fragment(request.headers.get("HX-Request"), request.headers.get("HX-Target"))
    locale = select_locale()
    # A visitor who is not signed in gets the same page as everyone with this query and language.
    shared = generation is not None and not current_user.is_authenticated and not session.get("_flashes")
    raw = session.get("csrf_token")
    if shared and raw and request.if_none_match:
        tag = page_cache.etag(generation, locale, fragment, str(raw))
        if request.if_none_match.contains_weak(tag):  # nothing changed since this browser's copy
            return _cacheable(make_response("", 304), tag)
    key = page_cache.page_key(request.environ.get("QUERY_STRING", ""), locale, fragment)
    page = store.page(generation, key) if shared else None
    if page is None:
        options = store.options(generation, _search_options)
        filters, errors = parse_search(request.args, options.counties)
        if not shared or errors:
            return _search_page(filters, errors, options, fragment)
        page = Page.of(_search_page(filters, errors, options, fragment, shared_as=(generation, locale)))
        store.keep(generation, key, page)
    token = generate_csrf()
    response = make_response(page.with_token(token))
    return _cacheable(response, page_cache.etag(generation, locale, fragment, str(session["csrf_token"])))


def _cacheable(response, tag: str):
    response.set_etag(tag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config.get("PUBLIC_PAGE_MAX_AGE", 30)
    return response


def _search_options() -> page_cache.SearchOptions:
    choices = queries.filter_choices()
    tasks, counties = choices["tasks"], dict(county_names())
    html = {
        "task": page_cache.options_html((t.id, f"{t.plan_year} · {t.number}. {_shorten(t.name)}") for t in tasks),
        "division": page_cache.options_html(counties.items()),
        "year": page_cache.options_html((y, y) for y in choices["years"]),
        **{f"result.{locale}": _result_options(locale) for locale in current_app.config["LANGUAGES"]},
        "notices": Markup("").join(
            Markup('<li><a href="{}">{} · {}. {}</a></li>').format(
                url_for("publication.public_task", task_id=t.id), t.plan_year, t.number, t.name
            )
            for t in tasks
        ),
    }
    return page_cache.SearchOptions(tasks=tasks, years=choices["years"], counties=counties, html=html)


def _result_options(locale: str) -> Markup:
    """The result select's options in ``locale``: a finer category indented under the one it is part
    of (choosing 发现问题待后续处理 finds the records of every category under it too)."""
    return page_cache.options_html(result_choices(locale))


def in_language(options: page_cache.SearchOptions, locale: str) -> page_cache.SearchOptions:
    """``options`` with the result select's options in ``locale`` (the others are names and codes)."""
    return dataclasses.replace(options, html={**options.html, "result": options.html[f"result.{locale}"]})


def _shorten(text: str, length: int = 40, leeway: int = 5) -> str:
    """As Jinja's ``truncate(length, True, "…")``."""
    return text if len(text) <= length + leeway else text[: length - 1] + "…"


@bp.app_template_filter("with_selected")
def _with_selected(options, value):
    return page_cache.with_selected(options, value)


def _search_page(filters, errors, options, fragment: bool, shared_as: tuple[int | None, str] | None = None) -> str:
    """The page (or the htmx fragment). ``shared_as`` (generation, language): a page for every
    visitor who is not signed in, with the CSRF placeholder, filled into the language's frame."""
    token = TOKEN_CONTEXT if shared_as else None
    options = in_language(options, shared_as[1] if shared_as else select_locale())
    page = queries.search(filters)
    args = query_args("page", "after", "before")
    endpoint = "publication.public_results"
    context = {
        "prev_url": url_for(endpoint, **args, before=page.prev_cursor, page=max(page.page - 1, 1))
        if page.has_prev
        else None,
        "next_url": url_for(endpoint, **args, after=page.next_cursor, page=page.page + 1) if page.has_next else None,
        "record_url": url_for("publication.public_record", public_id="-").removesuffix("-"),
        "filters": filters,
        "errors": errors,
        "page": page,
        "categories": categories(),
        "counties": options.counties,
        **(token or {}),  # TOKEN_CONTEXT: a placeholder for the visitor's CSRF token
    }
    results = render_template("publication/_results.html", **context)
    if fragment:
        return results
    links = {
        "open_data_csv": url_for("publication.open_data_csv", **args),
        "open_data_json": url_for("publication.open_data_json", **args),
    }
    if not shared_as:  # a signed-in user's page or one with messages: the whole template
        return render_template(
            "publication/public_results.html", choices=options, results=Markup(results), **links, **context
        )
    values = {
        "q": escape(filters.q),
        "task": page_cache.with_selected(options.html["task"], filters.task_id),
        "division": page_cache.with_selected(options.html["division"], filters.division_code),
        "year": page_cache.with_selected(options.html["year"], filters.year),
        "result": page_cache.with_selected(options.html["result"], filters.result_code),
        "results": results,
        "next": escape(request.full_path.rstrip("?")),
        **{name: escape(url) for name, url in links.items()},
    }
    frame = page_cache.cache().frame(*shared_as, lambda: _frame(options))
    return frame.fill({name: str(value) for name, value in values.items()})


class _FrameRequest:
    """What base.html reads of the request, for a frame: the endpoint, and a slot for the path."""

    endpoint = "publication.public_results"
    full_path = page_cache.SLOT.format("next")


def _frame(options) -> page_cache.Frame:
    """The full page of a visitor who is not signed in with slots for the query's own parts."""
    html = {**options.html, **{name: page_cache.slot(name) for name in ("task", "division", "year", "result")}}
    frame = page_cache.Frame.of(
        render_template(
            "publication/public_results.html",
            choices=dataclasses.replace(options, html=html),
            filters=queries.SearchFilters(q=page_cache.SLOT.format("q")),
            results=page_cache.slot("results"),
            open_data_csv=page_cache.slot("open_data_csv"),
            open_data_json=page_cache.slot("open_data_json"),
            request=_FrameRequest(),
            **TOKEN_CONTEXT,
        )
    )
    assert frame.names == FRAME_SLOTS, frame.names  # every part of the query has its slot
    return frame


FRAME_SLOTS = frozenset(
    {"q", "task", "division", "year", "result", "results", "next", "open_data_csv", "open_data_json"}
)


@bp.get("/public/results/<public_id>")
def public_record(public_id: str):
    versions = record_versions_or_404(public_id)
    current = versions[0]
    checked = (request.args.get("h") or "").strip().lower()
    matched = next((v for v in versions if checked and v.short_hash == checked), None)
    return render_template(
        "publication/public_record.html", record=current, versions=versions, checked=checked, matched=matched
    )


@bp.get("/public/subjects/<ident>")
def public_subject(ident: str):
    records = queries.subject_records(ident.strip().upper())
    if not records:
        abort(404)
    return render_template("publication/public_subject.html", records=records, subject=records[0])


@bp.get("/public/tasks/<int:task_id>/results")
def public_task(task_id: int):
    task, records = task_records_or_404(task_id)
    return render_template("publication/public_task.html", task=task, records=records, list_hash=list_hash(records))


def _open_data(response: Callable) -> Any:
    """An open-data download of the records the search filters select (CSV or JSON)."""
    filters, _ = parse_search(request.args)
    base = url_for("publication.public_results", _external=True).rsplit("/public/", 1)[0]
    return response(lambda: queries.iter_current(filters), base)


def _export_name(ext: str) -> str:
    return f"spot-check-results.{ext}"


@bp.get("/public/results.csv")
@limiter.limit(_export_limit)
def open_data_csv():
    return _open_data(lambda rows, base: exports.csv_response(rows, base, _export_name("csv")))


@bp.get("/public/results.json")
@limiter.limit(_export_limit)
def open_data_json():
    return _open_data(lambda rows, base: exports.json_response(rows, base, _export_name("json")))
