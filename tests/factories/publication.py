"""Test data for publication: a plan, a task, a subject, a visit, its submission with media, an approved result."""

from __future__ import annotations

import io
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from stdnum.cn import uscc as uscc_mod

from factories import stored_media, unit
from fieldapp.auth.models import User
from fieldapp.checklists import get_checklist
from fieldapp.extensions import db
from fieldapp.inspections.models import MediaFile, Submission
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import Plan, Task
from fieldapp.review.models import InspectionResult
from fieldapp.subjects.models import Subject
from fieldapp.visits.models import Visit, VisitInspector, VisitTask

# Things that must never appear on a public page.
SECRET_NOTE = "内部备注：负责人态度恶劣-INTERNAL"
INSPECTOR_NAME = "王检查员"
INSPECTOR_CERT = "晋执法14060212345"
INSPECTOR_PHONE = "13900001111"
LATITUDE = "39.331234"
FINDING_TEXT = "3号加油机计量示值误差超差-FINDING"
LEGAL_REPRESENTATIVE = "李法人"
SECRETS = (SECRET_NOTE, INSPECTOR_NAME, INSPECTOR_CERT, INSPECTOR_PHONE, LATITUDE, FINDING_TEXT, LEGAL_REPRESENTATIVE)


def make_uscc(seq: int, area: str = "140602") -> str:
    body = f"91{area}MA{seq:07d}"
    body = body.replace("I", "1")
    return body + uscc_mod.calc_check_digit(body)


def plan(year: int = 2021, unit_code: str = "city") -> Plan:
    existing = db.session.scalar(select(Plan).where(Plan.year == year, Plan.unit_id == unit(unit_code).id))
    if existing:
        return existing
    p = Plan(
        year=year,
        unit=unit(unit_code),
        title=f"朔州市市场监管局{year}年度双随机抽查工作计划",
        status="published",
        doc_number=f"朔市监〔{year}〕26号",
    )
    db.session.add(p)
    db.session.flush()
    return p


def task(number: int = 7, name: str = "加油站计量监督检查", year: int = 2021, kind: str = "targeted") -> Task:
    p = plan(year)
    existing = db.session.scalar(select(Task).where(Task.plan_id == p.id, Task.number == number))
    if existing:
        return existing
    t = Task(
        plan=p,
        number=number,
        name=name,
        kind=kind,
        executor="县区局",
        executes_county=True,
        scope="辖区内加油站",
        window_start_month=4,
        window_end_month=11,
    )
    db.session.add(t)
    db.session.flush()
    return t


def subject(
    seq: int = 1, name: str = "朔州市朔城区中石化民福加油站", division: str = "140602", with_uscc: bool = True
) -> Subject:
    code = make_uscc(seq, division) if with_uscc else None
    reg = None if with_uscc else f"1406{seq:011d}"
    s = Subject(
        ident=code or reg,
        uscc=code,
        registration_number=reg,
        name=name,
        kind="enterprise",
        legal_representative=LEGAL_REPRESENTATIVE,
        address="朔城区民福街1号",
        division_code=division,
        contact="13800002222",
    )
    db.session.add(s)
    db.session.flush()
    return s


def _png(colour=(200, 30, 30)) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make("photo").save(out, kind="png", scale=4, dark=colour)
    return out.getvalue()


def media(submission: Submission, kind: str, payload: bytes) -> MediaFile:
    """A PNG ``payload`` stored as the submission's ``kind`` under the app's media root."""
    return stored_media(
        submission,
        payload,
        kind=kind,
        content_type="image/png",
        folder=str(submission.id),
        media_root=current_app.config["MEDIA_ROOT"],
    )


def approved_result(
    subj: Subject | None = None,
    tsk: Task | None = None,
    unit_code: str | None = None,
    result_code: str = "E",
    follow_up: list | None = None,
    inspected_on: date = date(2021, 6, 15),
) -> InspectionResult:
    """An approved dispenser inspection with a finding, with photos, signatures, a position and notes."""
    subj = subj or subject()
    tsk = tsk or task()
    executing = unit(unit_code or subj.division_code)
    visit = Visit(
        subject=subj,
        executing_unit=executing,
        division_code=subj.division_code,
        status="approved",
        start_position={"lat": float(LATITUDE), "lng": 112.43, "accuracy": 8},
    )
    db.session.add(visit)
    db.session.flush()
    db.session.add(VisitTask(visit=visit, task=tsk))
    inspector = Inspector(
        name=INSPECTOR_NAME, certificate_number=f"{INSPECTOR_CERT}-{visit.id}", unit=executing, phone=INSPECTOR_PHONE
    )
    db.session.add(inspector)
    db.session.flush()
    db.session.add(VisitInspector(visit=visit, inspector=inspector, role="lead", position=0))
    body = {
        "tasks": [
            {
                "task_id": tsk.id,
                "answer_sets": [
                    {
                        "checklist_id": "fuel-dispensers",
                        # the version in force: its labels are what the record prints
                        "checklist_version": get_checklist("fuel-dispensers").version,
                        "definition_sha256": "",
                        "answers": {"pledge": "符合", "metrology_rules": "不符合", "complaints_count": 2},
                    }
                ],
                "findings": [
                    {"item": "metrology_rules", "text": FINDING_TEXT, "severity": "major", "follow_up": "责令改正"}
                ],
                "check_methods": ["实地检查", "检验检测"],
                "result_code": result_code,
            }
        ],
        "position": {"lat": float(LATITUDE), "lng": 112.43, "accuracy": 8},
        "inspectors": [{"name": INSPECTOR_NAME, "certificate": INSPECTOR_CERT, "phone": INSPECTOR_PHONE}],
        "internal_note": SECRET_NOTE,
    }
    sub = Submission(
        uuid=f"00000000-0000-4000-8000-{visit.id:012d}",
        body_sha256="0" * 64,
        visit=visit,
        state="approved",
        body=body,
        result_code=result_code,
        inspected_on=datetime.combine(inspected_on, datetime.min.time()),
    )
    db.session.add(sub)
    db.session.flush()
    media(sub, "photo", _png())
    media(sub, "signature", _png((0, 0, 0)))
    result = InspectionResult(
        visit=visit,
        task=tsk,
        subject=subj,
        submission=sub,
        inspecting_unit=executing,
        task_kind=tsk.kind,
        inspected_on=inspected_on,
        check_methods=["实地检查", "检验检测"],
        result_code=result_code,
        follow_up_measures=follow_up if follow_up is not None else ["责令改正"],
        findings=[
            {"item": "加油机示值误差是否在允许范围内", "text": FINDING_TEXT, "severity": "major", "follow_up": True}
        ],
        publication_due=date(2021, 7, 13),
        internal_note=SECRET_NOTE,
    )
    db.session.add(result)
    db.session.flush()
    return result


def supervisor(unit_code: str, username: str | None = None) -> User:
    """A supervisor of the unit (made once): who publishes and corrects in these tests."""
    username = username or f"sup-{unit_code}"
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, name=username, role="supervisor", unit=unit(unit_code))
        user.set_password("x" * 12)
        db.session.add(user)
        db.session.flush()
    return user
