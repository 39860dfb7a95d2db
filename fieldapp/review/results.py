"""The official result records made when a submission is approved, and what they set in motion:
follow-up cases for the unit with jurisdiction, and 经营异常名录 proposals."""

from __future__ import annotations


from typing import Any

from sqlalchemy import and_, or_, select

from ..errors import InvalidInput
from ..auth.models import Unit
from ..auth.territory import top_units, unit_for_division
from ..calendar.workdays import add_working_days, publication_due
from ..checklists.results import choose_result, fitting_measures
from .. import clock
from ..extensions import db
from .. import audit
from .answers import text_of
from .body import inspected_on, item_path, task_answers
from .decisions import close_case
from .codes import UNREACHABLE, measure_labels, measures_for_findings, needs_follow_up, split_codes
from .models import AbnormalListingProposal, CaseStatus, FollowUpCase, InspectionResult
from .rectification import Term, give

LISTING_WORKING_DAYS = 10  # 经营异常名录: listed within 10 working days of verification


class MissingResult(InvalidInput):
    """The submission names no result for a task: it cannot be approved as it is."""

    def __init__(self, task_id: int):
        super().__init__(task_id)
        self.task_id = task_id


def normalise_findings(findings: list[dict]) -> list[dict]:
    out = []
    for f in findings:
        row: dict[str, Any] = {
            "item": item_path(str(f.get("item") or f.get("path") or "")),
            "label": text_of(f.get("label"), "zh"),
            "text": text_of(f.get("text"), "zh") or text_of(f.get("label"), "zh"),
            "severity": str(f.get("severity") or ""),
            "follow_up": str(f.get("follow_up") or ""),
        }
        if f.get("listing") is True:  # the checklist says this finding proposes the 经营异常名录
            row["listing"] = True
            row["result"] = str(f.get("result") or "")
        out.append(row)
    return out


def jurisdiction_unit(division_code: str | None) -> Unit:
    """谁管辖、谁负责: the county-level unit governing the subject's division, else the top bureau."""
    unit = unit_for_division(division_code) if division_code else None
    return unit if unit is not None else top_units()[0]


def record_results(submission, actor, term: Term | None = None) -> list[InspectionResult]:
    """Create or update one :class:`InspectionResult` per task of the submission's visit; a follow-up
    case it opens gets the deadline ``term`` (整改期限) when one is given."""
    visit = submission.visit
    done_on = inspected_on(submission.body, submission.inspected_on or submission.completed_at)
    due, fallback = publication_due(done_on)
    now = clock.now()
    results = []
    with db.session.no_autoflush:
        for visit_task in visit.tasks:
            answers = task_answers(submission.body, visit_task.task_id)
            code = (answers.result_code if answers else None) or submission.result_code or submission.suggested_result
            if not code:
                raise MissingResult(visit_task.task_id)
            result = db.session.scalar(
                select(InspectionResult).where(
                    InspectionResult.visit_id == visit.id, InspectionResult.task_id == visit_task.task_id
                )
            )
            if result is None:
                result = InspectionResult(visit_id=visit.id, task_id=visit_task.task_id)
                db.session.add(result)
            result.subject_id = visit.subject_id
            result.division_code = visit.division_code
            result.submission_id = submission.id
            result.inspecting_unit_id = visit.executing_unit_id
            result.task_kind = visit_task.task.kind
            result.inspected_on = done_on
            result.check_methods = list(answers.check_methods) if answers else []
            result.result_code = ",".join(split_codes(code))
            result.findings = normalise_findings(answers.findings if answers else [])
            chosen = answers.follow_up_measures if answers else []
            measures = measure_labels(chosen) if chosen else measures_for_findings(result.findings)
            # none that contradicts the result (a body sent before the phone was held to it)
            result.follow_up_measures = fitting_measures(result.result_code, measures, labels=True)
            result.publication_due = due
            result.due_by_fallback_calendar = fallback
            result.approved_at = now
            result.approved_by_id = getattr(actor, "id", None)
            results.append(result)
    db.session.flush()
    for result in results:
        open_follow_up(result, actor, term)
        propose_listing(result, actor)
    return results


def amend_result(result: InspectionResult, codes: str, reason: str, actor) -> bool:
    """Correct the result of an approved check (the follow-up found the problem corrected, or the
    result was recorded wrongly): the codes are checked as the inspector's choice is, ``reason``
    is kept in the audit log. True when the result changed (a listing is proposed if it calls for one,
    and the follow-up case kept in step: see :func:`follow_up_in_step`); its follow-up measures lose
    any the new result contradicts (``fitting_measures``: 未发现问题 keeps no measure acting on a
    problem, a problem still to be dealt with no "no follow-up needed")."""
    choice = choose_result(result.result_code, codes, reason)
    if not choice["overridden"]:  # the same codes, whatever their order
        return False
    before, result.result_code = result.result_code, choice["result"]
    result.follow_up_measures = fitting_measures(result.result_code, result.follow_up_measures, labels=True)
    db.session.flush()
    audit.record(
        "inspection_result", result.id, "amend", actor, from_state=before, to_state=result.result_code, reason=reason
    )
    follow_up_in_step(result, actor, reason)
    propose_listing(result, actor)
    return True


def follow_up_in_step(result: InspectionResult, actor, reason: str) -> FollowUpCase | None:
    """After a correction, the follow-up case as the result now calls for (the rule of approval):
    one opened if needed, an open one closed (:func:`close_case`, as a supervisor closes it) with
    the correction's reason if no longer needed; a case already closed (the problem rectified) stays
    as it is."""
    if needs_follow_up(result.result_code, result.follow_up_measures or [], result.findings or []):
        return open_follow_up(result, actor)
    case = db.session.scalar(select(FollowUpCase).where(FollowUpCase.result_id == result.id))
    if case is None or case.status != CaseStatus.OPEN:
        return case
    details = {"result_id": result.id, "result": result.result_code}
    return close_case(case.id, case.lock_version, actor, clock.today(), reason, details)


def open_follow_up(result: InspectionResult, actor, term: Term | None = None) -> FollowUpCase | None:
    """Open (or refresh) the follow-up case of a result whose findings need one; ``term``: its
    deadline, given to a case that has none yet (changing one needs a reason: ``rectification``)."""
    if not needs_follow_up(result.result_code, result.follow_up_measures or [], result.findings or []):
        return None
    case = db.session.scalar(select(FollowUpCase).where(FollowUpCase.result_id == result.id))
    unit = jurisdiction_unit(result.subject.division_code)
    if case is None:
        case = FollowUpCase(
            result_id=result.id, subject_id=result.subject_id, assigned_unit_id=unit.id, status=CaseStatus.OPEN
        )
        db.session.add(case)
        action = "open"
    elif case.status == CaseStatus.OPEN:
        action = "update"
    else:
        return case  # closed cases stay closed; a new finding needs a new approval cycle
    case.measures = list(result.follow_up_measures or [])
    case.findings = list(result.findings or [])
    case.result = result
    details = {"result_id": result.id, "unit": unit.name, "measures": case.measures}
    if term is not None and case.rectify_by is None:
        give(case, term)
        details["rectify_by"] = case.rectify_by.isoformat() if case.rectify_by else ""
    db.session.flush()
    audit.record("follow_up_case", case.id, action, actor, to_state=CaseStatus.OPEN, details=details)
    return case


def listing_reason(result: InspectionResult) -> str | None:
    """Why the result proposes the 经营异常名录, as a result code, or None.

    Result 6 (通过登记的住所无法联系), or a finding the checklist marks ``listing`` (《企业信息公示暂行条例》
    第十七条: an annual report not published in time, 公示信息隐瞒真实情况、弄虚作假), reasoned by its result code."""
    if UNREACHABLE in split_codes(result.result_code):
        return UNREACHABLE
    for finding in result.findings or []:
        if finding.get("listing") is True:
            return str(finding.get("result") or "") or split_codes(result.result_code)[0]
    return None


def propose_listing(result: InspectionResult, actor) -> AbnormalListingProposal | None:
    """Propose listing in the 经营异常名录 (see :func:`listing_reason`) for a supervisor to confirm:
    once per visit and reason — the tasks of one trip that each found the firm unreachable found it
    so once (进一次门), and the proposal of the first stands for them all."""
    reason = listing_reason(result)
    if reason is None:
        return None
    same_visit = select(InspectionResult.id).where(InspectionResult.visit_id == result.visit_id)
    existing = db.session.scalar(
        select(AbnormalListingProposal)
        .where(
            or_(
                AbnormalListingProposal.result_id == result.id,
                and_(
                    AbnormalListingProposal.result_id.in_(same_visit),
                    AbnormalListingProposal.reason_code == reason,
                ),
            )
        )
        .order_by(AbnormalListingProposal.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    unit = jurisdiction_unit(result.subject.division_code)
    decide_by, fallback = add_working_days(result.inspected_on, LISTING_WORKING_DAYS)
    proposal = AbnormalListingProposal(
        result_id=result.id,
        subject_id=result.subject_id,
        unit_id=unit.id,
        reason_code=reason,
        decide_by=decide_by,
        decide_by_fallback=fallback,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "abnormal_listing", proposal.id, "propose", actor, to_state="proposed", details={"result_id": result.id}
    )
    return proposal
