"""Citizens' pages: the result search, a record, a subject's records, a task's 抽查结果公告, open data."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from ..auth.organisation import county_names
from ..extensions import db, limiter
from ..plans.models import Task
from ..core.params import query_args
from . import exports, queries
from .categories import categories
from .forms import parse_search
from .routes import bp, check_public_id
from .snapshot import list_hash, task_kind_label


@bp.app_template_global()
def county_name(code: str | None) -> str:
    return county_names().get(code or "", code or "")


@bp.app_template_filter("task_kind_label")
def _task_kind_label(kind: str) -> str:
    return task_kind_label(kind)


def _search_limit() -> str:
    return current_app.config.get("PUBLIC_SEARCH_LIMIT", "120 per minute")


def _export_limit() -> str:
    return current_app.config.get("OPEN_DATA_LIMIT", "30 per hour")


@bp.get("/public/results")
@limiter.limit(_search_limit)
def public_results():
    filters, errors = parse_search(request.args)
    page = queries.search(filters)
    args = query_args("page")
    context = {
        "filter_args": args,
        "prev_url": url_for("publication.public_results", **args, page=page.page - 1) if page.page > 1 else None,
        "next_url": url_for("publication.public_results", **args, page=page.page + 1) if page.has_next else None,
        "filters": filters,
        "errors": errors,
        "page": page,
        "categories": categories(),
        "counties": county_names(),
    }
    if request.htmx and request.htmx.target == "results":
        return render_template("publication/_results.html", **context)  # the filter lists are not in it
    return render_template("publication/public_results.html", choices=queries.filter_choices(), **context)


@bp.get("/public/results/<public_id>")
def public_record(public_id: str):
    versions = queries.record_versions(check_public_id(public_id))
    if not versions:
        abort(404)
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
    task = db.session.get(Task, task_id)
    records = queries.task_records(task_id) if task else []
    if not records:
        abort(404)
    return render_template("publication/public_task.html", task=task, records=records, list_hash=list_hash(records))


def _export_name(ext: str) -> str:
    return f"spot-check-results.{ext}"


@bp.get("/public/results.csv")
@limiter.limit(_export_limit)
def open_data_csv():
    filters, _ = parse_search(request.args)
    base = url_for("publication.public_results", _external=True).rsplit("/public/", 1)[0]
    return exports.csv_response(lambda: queries.iter_current(filters), base, _export_name("csv"))


@bp.get("/public/results.json")
@limiter.limit(_export_limit)
def open_data_json():
    filters, _ = parse_search(request.args)
    base = url_for("publication.public_results", _external=True).rsplit("/public/", 1)[0]
    return exports.json_response(lambda: queries.iter_current(filters), base, _export_name("json"))
