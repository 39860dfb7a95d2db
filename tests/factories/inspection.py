"""Test data for the inspector app: a drawn visit to a filling station with two inspectors, and the
fixtures a test module imports to use them (``app_config`` with the test checklists, ``world`` with
its lead inspector signed in)."""

from __future__ import annotations

import hashlib
import io
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import InspectionItem, Plan, Task
from fieldapp.subjects.models import Subject, Tag
from fieldapp.visits.models import Visit, VisitInspector, VisitTask

CHECKLIST_DIR = Path(__file__).parent.parent / "data" / "inspections" / "checklists"


@dataclass
class World:
    lead_user: object
    member_user: object
    visit: Visit
    task: Task
    subject: Subject
    lead: Inspector
    member: Inspector
    marks: Task | None = None  # the merged tasks, once add_merged_tasks has made them
    certs: Task | None = None


def build_world(auth, *, lead="zhang", member="li", division="140602", window_end: date | None = None) -> World:
    lead_user = auth.create(lead, "inspector", division, name="张检查")
    member_user = auth.create(member, "inspector", division, name="李协查")
    unit = lead_user.unit
    plan = Plan(year=2021, unit=unit, title="2021年度双随机抽查工作计划")
    task = Task(plan=plan, number=3, name="加油站在用计量器具监督检查", executes_county=True)
    task.items.append(InspectionItem(number=1, text="加油站在用强检计量器具"))
    tag = db.session.query(Tag).filter_by(name="加油站").one_or_none() or Tag(name="加油站")
    n = db.session.query(Subject).count() + 1
    subject = Subject(
        ident=f"91140602MA0K{n:05d}X",
        uscc=f"91140602MA0K{n:05d}X",
        name=f"朔州市第{n}加油站有限公司",
        kind="enterprise",
        legal_representative="王五",
        address="朔城区开发北路1号",
        division_code=division,
        contact="0349-2020123",
        tags=[tag],
    )
    lead_inspector = Inspector(name="张检查", certificate_number=f"14060200{n}1", unit=unit, user_id=lead_user.id)
    member_inspector = Inspector(name="李协查", certificate_number=f"14060200{n}2", unit=unit, user_id=member_user.id)
    visit = Visit(
        subject=subject,
        executing_unit=unit,
        division_code=division,
        window_start=date.today() - timedelta(days=10),
        window_end=window_end or date.today() + timedelta(days=30),
    )
    visit.tasks.append(VisitTask(task=task))
    visit.inspectors.append(VisitInspector(inspector=lead_inspector, role="lead", position=0))
    visit.inspectors.append(VisitInspector(inspector=member_inspector, role="member", position=1))
    db.session.add_all([plan, subject, visit])
    db.session.commit()
    return World(lead_user, member_user, visit, task, subject, lead_inspector, member_inspector)


def jpeg_bytes(seed: int = 0, size=(640, 480)) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (30 + seed * 20 % 200, 90, 140))
    draw = ImageDraw.Draw(img)
    draw.rectangle([20 + seed, 20, 200 + seed, 200], fill=(240, 200, 30))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def png_bytes(seed: int = 0) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 160), "white")
    ImageDraw.Draw(img).line([(10, 100), (150 + seed, 40), (300, 120)], fill="black", width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submission_body(world: World, files: dict[str, bytes] | None = None, **overrides) -> dict:
    """A complete, valid body with one photo and three signatures (bytes in ``files`` by role)."""
    files = files or {"photo": jpeg_bytes(1), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    t = world.task.id
    media = [
        {
            "sha256": sha(files["photo"]),
            "size": len(files["photo"]),
            "kind": "photo",
            "content_type": "image/jpeg",
            "field": f"photo.a.{t}.fuel-dispensers-test.pledge",
        },
        {
            "sha256": sha(files["lead"]),
            "size": len(files["lead"]),
            "kind": "signature",
            "content_type": "image/png",
            "field": "sig.lead.0",
        },
        {
            "sha256": sha(files["member"]),
            "size": len(files["member"]),
            "kind": "signature",
            "content_type": "image/png",
            "field": "sig.member.1",
        },
        {
            "sha256": sha(files["rep"]),
            "size": len(files["rep"]),
            "kind": "signature",
            "content_type": "image/png",
            "field": "sig.representative",
        },
    ]
    body = {
        "uuid": str(uuidlib.uuid4()),
        "visit_id": world.visit.id,
        "replaces": None,
        "check_methods": ["实地检查"],
        "task_ids": [t],
        "answers": {
            f"a.{t}.fuel-dispensers-test.pledge": "符合",
            f"a.{t}.fuel-dispensers-test.seals": "符合",
            f"a.{t}.fuel-dispensers-test.dispenser-0-_block": "1",
            f"a.{t}.fuel-dispensers-test.dispenser-0-serial": "JJ-001",
            f"a.{t}.fuel-dispensers-test.dispenser-0-error_pct": "0.12",
        },
        "photos": {f"a.{t}.fuel-dispensers-test.pledge": [sha(files["photo"])]},
        "position": {"lat": 39.33, "lng": 112.43, "accuracy": 12},
        "signatures": [
            {"role": "lead", "inspector_id": world.lead.id, "name": "张检查", "sha256": sha(files["lead"])},
            {"role": "member", "inspector_id": world.member.id, "name": "李协查", "sha256": sha(files["member"])},
            {"role": "representative", "name": "王五", "sha256": sha(files["rep"]), "refused": False, "reason": ""},
        ],
        "findings": [],
        "suggested_result": "1",
        "result_code": "1",
        "override_reason": "",
        "client_submitted_at": "2021-06-01T03:00:00Z",
        "media": media,
    }
    body.update(overrides)
    return body


def form_fields(world: World, uuid: str | None = None, *, seals: str = "符合") -> dict:
    """The no-JavaScript form's fields for the fuel-dispenser task: its answers, a representative who
    refused to sign, and both inspectors' signature files (fresh streams: build them again to post again)."""
    p = f"a.{world.task.id}.fuel-dispensers-test."
    return {
        "uuid": uuid or str(uuidlib.uuid4()),
        "check_methods": ["实地检查"],
        p + "pledge": "符合",
        p + "seals": seals,
        p + "dispenser-0-_block": "1",
        p + "dispenser-0-serial": "JJ-001",
        p + "dispenser-0-error_pct": "0.12",
        "rep_name": "王五",
        "rep_refused": "1",
        "rep_reason": "负责人外出",
        "sigfile.lead.0": (io.BytesIO(png_bytes(1)), "lead.png"),
        "sigfile.member.1": (io.BytesIO(png_bytes(2)), "member.png"),
    }


API_HEADERS = {"X-Fieldapp-Client": "pwa"}


def add_visit(world: World, *, name: str, window_end: date | None = None, status: str = "planned") -> Visit:
    """Another visit for the same two inspectors (same task), to another filling station."""
    n = db.session.query(Subject).count() + 1
    subject = Subject(
        ident=f"91140602MA0K{n:05d}X",
        uscc=f"91140602MA0K{n:05d}X",
        name=name,
        kind="enterprise",
        legal_representative="赵六",
        address=f"朔城区民福街{n}号",
        division_code=world.visit.division_code,
        tags=list(world.subject.tags),
    )
    visit = Visit(
        subject=subject,
        executing_unit=world.visit.executing_unit,
        division_code=world.visit.division_code,
        window_start=date.today() - timedelta(days=40),
        window_end=window_end,
        status=status,
    )
    visit.tasks.append(VisitTask(task=world.task))
    visit.inspectors.append(VisitInspector(inspector=world.lead, role="lead", position=0))
    visit.inspectors.append(VisitInspector(inspector=world.member, role="member", position=1))
    db.session.add(visit)
    db.session.commit()
    return visit


def list_changes(world: World) -> list[tuple[Callable[[], None], str]]:
    """Edits to what an inspector's list shows (a name, an address, a window, the user's unit), each
    with the text the list then shows; the caller commits after each."""
    from fieldapp.auth.models import Unit

    def unit() -> Unit:
        found = db.session.get(Unit, world.lead_user.unit_id)
        assert found is not None
        return found

    return [
        (lambda: setattr(world.subject, "name", "朔州市改名加油站"), "朔州市改名加油站"),
        (lambda: setattr(world.subject, "address", "朔城区新建路9号"), "朔城区新建路9号"),
        (lambda: setattr(world.task, "name", "加油机计量检查（改）"), "加油机计量检查（改）"),
        (lambda: setattr(world.member, "name", "李改名"), "李改名"),
        (lambda: setattr(world.visit, "window_end", date(2026, 12, 31)), "2026-12-31"),
        (lambda: setattr(world.lead_user, "name", "张改名"), "张改名"),
        (lambda: setattr(unit(), "name", "朔城区改名局"), "朔城区改名局"),
        (lambda: setattr(unit(), "area_name", "新朔城"), "新朔城"),
    ]


def add_task(world: World, *, number: int, name: str, item: str) -> Task:
    """Another task of the same plan merged into the world's visit (进一次门、查多项事)."""
    task = Task(plan=world.task.plan, number=number, name=name, executes_county=True)
    task.items.append(InspectionItem(number=1, text=item))
    db.session.add(task)
    world.visit.tasks.append(VisitTask(task=task))
    db.session.commit()
    return task


def add_merged_tasks(world: World) -> World:
    """The trademark (``world.marks``) and certification (``world.certs``) tasks merged into the visit."""
    world.marks = add_task(
        world, number=7, name="集体商标、证明商标使用行为的检查", item="集体商标、证明商标使用行为的检查"
    )
    world.certs = add_task(
        world, number=9, name="认证活动和认证证书使用行为的检查", item="认证活动和认证证书使用行为的检查"
    )
    return world


@pytest.fixture
def app_config():
    """The app on the test checklists (overrides conftest's ``app_config`` in a module that imports it)."""
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


@pytest.fixture
def world(app, auth, client):
    """The world with its lead inspector signed in through ``auth`` (the ``client`` fixture's session)."""
    w = build_world(auth)
    auth.login("zhang", "inspector", "140602")
    return w
