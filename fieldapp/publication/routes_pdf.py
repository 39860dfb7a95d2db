"""PDF records: a published result and a task's 抽查结果公示表 (public), the published plan (public),
and a visit's 现场检查记录 (supervisors who read its work: ``access.may_read_work``)."""

from __future__ import annotations

from flask import Response, abort, render_template, url_for
from flask_login import current_user

from ..auth import access
from ..auth.access import role_required
from ..extensions import db
from ..plans import queries as plan_queries
from ..plans.routes_public import public_choice, requested_plan_id
from ..visits.models import Visit
from .pdf import records as pdf_records
from .pdf.cache import cached_pdf
from .pdf.render import qr_data_uri, render_pdf
from .routes import bp, record_versions_or_404, task_records_or_404
from .categories import category
from .snapshot import list_hash


@bp.app_template_global()
def category_label(code: str) -> str:
    return category(code).zh


def _pdf(body: bytes, filename: str, public: bool) -> Response:
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "public, max-age=300" if public else "private, no-store",
    }
    return Response(body, mimetype="application/pdf", headers=headers)


def record_url(record) -> str:
    return url_for("publication.public_record", public_id=record.public_id, h=record.short_hash, _external=True)


@bp.get("/public/results/<public_id>.pdf")
def public_record_pdf(public_id: str):
    versions = record_versions_or_404(public_id)
    record = versions[0]
    url = record_url(record)
    template = "publication/pdf/record.html"
    body = cached_pdf(
        template,
        f"{url}|{len(versions)}",
        lambda: render_pdf(
            template, record=record, versions=versions, url=url, qr=qr_data_uri(url), check_code=record.short_hash
        ),
    )
    return _pdf(body, f"result-{public_id}-v{record.version}.pdf", public=True)


@bp.get("/public/tasks/<int:task_id>/results.pdf")
def public_task_pdf(task_id: int):
    """From the cache, else drawn by the worker: the answer is a page that reloads until it is there."""
    from .notice_job import finished_notice, notice_file, request_notice

    task, records = task_records_or_404(task_id)
    url = url_for("publication.public_task", task_id=task_id, h=list_hash(records), _external=True)
    path = notice_file(url, task)
    if path is not None and path.is_file():
        return _pdf(path.read_bytes(), f"task-{task_id}-results.pdf", public=True)
    job = request_notice(task_id, url)
    body = finished_notice(job)  # ready at once when jobs run inline
    if body is not None:
        return _pdf(body, f"task-{task_id}-results.pdf", public=True)
    page = render_template("publication/notice_pending.html", task=task, failed=job.status == "failed")
    return page, 202, {"Cache-Control": "no-store", "Retry-After": "3"}


@bp.get("/public/plan/<int:year>.pdf")
def public_plan_pdf(year: int):
    """The city bureau's published plan of ``year`` (the page is ``plans.public_plan``)."""
    return _plan_pdf(plan_queries.public_plans(year))


@bp.get("/public/plan/<int:year>/<unit_code>.pdf")
def public_unit_plan_pdf(year: int, unit_code: str):
    """Another bureau's published plan (the page is ``plans.public_unit_plan``)."""
    unit = plan_queries.public_plan_unit(unit_code)
    return _plan_pdf(plan_queries.public_plans(year, unit) if unit else [])


def _plan_pdf(plans):
    """The plan ``?plan=ID`` names, or the only one; several and none named: the page to choose from."""
    plan = plan_queries.chosen_plan(plans, requested_plan_id())
    if plan is None:
        if len(plans) > 1 and requested_plan_id() is None:
            return public_choice(plans)
        abort(404)
    digest = pdf_records.plan_hash(plan)
    endpoint, values = plan_queries.public_url_args(plan)
    url = url_for(endpoint, **values, h=digest, _external=True)
    template = "publication/pdf/plan.html"
    body = cached_pdf(
        template,
        url,
        lambda: render_pdf(template, plan=plan, plan_hash=digest, url=url, qr=qr_data_uri(url), check_code=digest),
    )
    return _pdf(body, f"plan-{plan.year}-{plan.unit.code}-{plan.id}-v{plan.version}.pdf", public=True)


@bp.get("/publication/visits/<int:visit_id>/record.pdf")
@role_required("supervisor")
def visit_record_pdf(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    if not access.may_read_work(current_user, visit):  # its photos and signatures: as on review's pages
        abort(404)
    data = pdf_records.visit_record(visit)
    if data["submission"] is None:
        abort(404)
    links = [(r, record_url(r)) for r in data["published"]]
    url = check_code = None
    if len(links) == 1:
        url, check_code = links[0][1], links[0][0].short_hash
    elif links:
        url = url_for("publication.public_subject", ident=links[0][0].subject_ident, _external=True)
    media_paths = data.pop("media_paths")
    body = render_pdf(
        "publication/pdf/visit_record.html",
        media_paths=media_paths,
        links=links,
        url=url,
        check_code=check_code,
        qr=qr_data_uri(url) if url else None,
        **data,
    )
    return _pdf(body, f"visit-{visit_id}-record.pdf", public=False)
