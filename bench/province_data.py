"""A province-sized directory on PostgreSQL for ``bench_province.py``, bulk-loaded with COPY.

- ``write_org(path)``: an organisation file of a province bureau over Shanxi's 11 cities, each with
  a department and ``COUNTIES_PER_CITY`` county bureaus (synthetic names, real city codes).
- ``load_subjects``: the demo generator's subjects for that file (``generate_subjects``, the same
  rows ``flask demo generate --org`` imports), each parsed by the subject importer's own ``parse``
  and written with COPY; the table's secondary indexes are dropped first and built again after.
- ``load_results``: one province plan with ``TASKS`` tasks; approved visits with one result per
  task, ``PUBLISHED_SHARE`` of them published, the rest on their 20-working-day clock; a follow-up
  case for every result with findings.
"""

from __future__ import annotations

import enum
import json
import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import yaml

CITIES = [
    ("ty", "太原市", "140100"),
    ("dt", "大同市", "140200"),
    ("yq", "阳泉市", "140300"),
    ("cz", "长治市", "140400"),
    ("jc", "晋城市", "140500"),
    ("sz", "朔州市", "140600"),
    ("jz", "晋中市", "140700"),
    ("yc", "运城市", "140800"),
    ("xz", "忻州市", "140900"),
    ("lf", "临汾市", "141000"),
    ("ll", "吕梁市", "141100"),
]
COUNTIES_PER_CITY = 10
NUMERALS = "一二三四五六七八九十"
TASKS = 5
PUBLISHED_SHARE = 0.9


def write_org(path: Path) -> Path:
    cities = []
    for code, area, division in CITIES:
        short = area.removesuffix("市")
        counties = [
            {
                "code": f"{code}-{n + 1:02d}",
                "name": f"{short}{NUMERALS[n]}区市场监督管理局",
                "kind": "county_bureau",
                "division": f"{division[:4]}{n + 2:02d}",
                "area": f"{short}{NUMERALS[n]}区",
            }
            for n in range(COUNTIES_PER_CITY)
        ]
        department = {"code": f"{code}-metrology", "name": f"{short}市局计量科", "kind": "department"}
        cities.append(
            {
                "code": code,
                "name": f"{area}市场监督管理局（基准）",
                "kind": "city_bureau",
                "division": division,
                "area": area,
                "children": [department, *counties],
            }
        )
    org = {
        "name": "山西省市场监督管理局（基准）",
        "demo": {"province": "山西省", "accounts": []},
        "units": [
            {
                "code": "sx",
                "name": "山西省市场监督管理局（基准）",
                "kind": "province_bureau",
                "division": "140000",
                "area": "山西省",
                "children": cities,
            }
        ],
    }
    path.write_text(yaml.safe_dump(org, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- COPY --------------------------------------------------------------------------------------


def _defaults(table, given: Iterable[str]) -> dict:
    """Values for the NOT NULL columns a row leaves out and the server cannot fill (COPY applies
    only server defaults)."""
    out = {}
    for column in table.columns:
        if column.name in given or column.nullable or column.server_default is not None or column.primary_key:
            continue
        default = column.default
        if default is None:
            continue
        out[column.name] = default.arg if default.is_scalar else default.arg(None)
    return out


def _cell(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def copy_rows(connection, table, rows: Iterator[dict]) -> int:
    """COPY ``rows`` (dicts with the same keys) into ``table``; returns the count."""
    first = next(rows, None)
    if first is None:
        return 0
    extra = _defaults(table, first)
    columns = [*first, *extra]
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in _chain(first, rows):
                copy.write_row([_cell(row.get(c, extra.get(c))) for c in columns])
                count += 1
    return count


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def secondary_indexes(connection, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (tables,),
        )
        return list(cursor.fetchall())


def reset_sequences(connection, tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )


# --- the directory -----------------------------------------------------------------------------


def load_subjects(raw, importer, org_path: Path, n: int, seed: int = 2021) -> int:
    """``n`` generated subjects of the organisation, parsed by ``importer`` (a ``SubjectImporter``
    over the generator's header), by COPY."""
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects
    from fieldapp.demo.org import demo_org
    from fieldapp.search_objects import search_key
    from fieldapp.subjects.rows import DATA_FIELDS, NEW_DEFAULTS
    from fieldapp.subjects.models import Subject, subject_tag

    # The subject columns COPY writes: its keys, then the fields an import fills, and the name's
    # search form (COPY applies no Python default: as the model's column default sets it).
    columns = ("id", "ident", "uscc", "registration_number", *DATA_FIELDS, "name_key")
    tag_rows: list[dict] = []

    def rows() -> Iterator[dict]:
        for number, generated in enumerate(generate_subjects(n, seed, demo_org(org_path)), start=1):
            parsed, reasons = importer.parse([generated[h] for h in SUBJECT_HEADER])
            if reasons:
                raise SystemExit(f"generated subject {number} refused: {reasons}")
            tag_rows.extend({"subject_id": number, "tag_id": importer.tag_ids[t]} for t in parsed.get("tags", ()))
            row = {**NEW_DEFAULTS, **parsed, "id": number, "name_key": search_key(parsed["name"])}
            yield {c: row.get(c) for c in columns}

    count = copy_rows(raw, Subject.__table__, rows())
    copy_rows(raw, subject_tag, iter(tag_rows))
    raw.commit()
    return count


def load_results(db, raw, subjects: int, results: int, seed: int = 7) -> dict:
    """A province plan and ``results`` inspection results on ``subjects`` subjects (ids 1…n)."""
    from sqlalchemy import select

    from fieldapp import clock
    from fieldapp.auth.models import Unit
    from fieldapp.calendar.workdays import publication_due
    from fieldapp.inspections.models import Submission
    from fieldapp.plans.models import Plan, Task
    from fieldapp.publication.models import PublishedResult
    from fieldapp.publication.snapshot import short_hash
    from fieldapp.search_objects import search_key
    from fieldapp.review.models import FollowUpCase, InspectionResult
    from fieldapp.subjects.models import Subject
    from fieldapp.visits.models import Visit, VisitTask

    today = clock.today()
    year = today.year
    province = db.session.scalar(select(Unit).where(Unit.code == "sx"))
    plan = Plan(year=year, unit=province, title=f"{year}年度全省双随机抽查计划", status="published")
    tasks = [
        Task(plan=plan, number=n + 1, name=f"全省抽查任务{n + 1}", kind="targeted", window_start_month=3)
        for n in range(TASKS)
    ]
    db.session.add_all([plan, *tasks])
    db.session.commit()
    task_ids, task_names = [t.id for t in tasks], [t.name for t in tasks]
    county_units = {u.division_code: u for u in db.session.scalars(select(Unit)) if u.division_code}
    for u in county_units.values():
        db.session.expunge(u)  # plain values from here on: nothing is loaded again mid-COPY
    rng = random.Random(seed)
    visits = -(-results // TASKS)
    chosen = sorted(rng.sample(range(1, subjects + 1), visits))
    subject_rows = {}
    for start in range(0, len(chosen), 20_000):
        part = chosen[start : start + 20_000]
        for sid, division, name, ident, uscc in db.session.execute(
            select(Subject.id, Subject.division_code, Subject.name, Subject.ident, Subject.uscc).where(
                Subject.id.in_(part)
            )
        ):
            subject_rows[sid] = (division, name, ident, uscc)
    start_day, span = date(year, 3, 1), max(1, (today - date(year, 3, 1)).days - 5)
    due_cache: dict[date, tuple[date, bool]] = {}

    def due(day: date) -> tuple[date, bool]:
        if day not in due_cache:
            due_cache[day] = publication_due(day)
        return due_cache[day]

    plan_rows = [(v + 1, sid, subject_rows[sid]) for v, sid in enumerate(chosen)]
    copy_rows(
        raw,
        Visit.__table__,
        (
            {"id": v, "subject_id": sid, "executing_unit_id": county_units[s[0]].id, "division_code": s[0]}
            | {"status": "approved"}
            for v, sid, s in plan_rows
        ),
    )
    copy_rows(raw, VisitTask.__table__, ({"visit_id": v, "task_id": t} for v, _, _ in plan_rows for t in task_ids))
    copy_rows(
        raw,
        Submission.__table__,
        (
            {"id": v, "uuid": f"00000000-0000-4000-8000-{v:012d}", "body_sha256": "0" * 64, "visit_id": v}
            | {"body": {}, "state": "approved"}
            for v, _, _ in plan_rows
        ),
    )
    counts = {"published": 0, "pending": 0, "cases": 0}

    def result_rows() -> Iterator[dict]:
        n = 0
        for v, sid, (division, _name, _ident, _uscc) in plan_rows:
            day = start_day + timedelta(days=(v * 7919) % span)
            due_on, fallback = due(day)
            for t in task_ids:
                n += 1
                if n > results:
                    return
                code = "A" if n % 40 == 0 else "1"
                yield {
                    "id": n,
                    "visit_id": v,
                    "task_id": t,
                    "subject_id": sid,
                    "division_code": division,
                    "submission_id": v,
                    "inspecting_unit_id": county_units[division].id,
                    "task_kind": "targeted",
                    "inspected_on": day,
                    "result_code": code,
                    "check_methods": ["实地检查"],
                    "follow_up_measures": [],
                    "findings": [],
                    "publication_due": due_on,
                    "due_by_fallback_calendar": fallback,
                }

    copy_rows(raw, InspectionResult.__table__, result_rows())
    by_visit = {v: (sid, s) for v, sid, s in plan_rows}

    def published_rows() -> Iterator[dict]:
        for n in range(1, results + 1):
            if (n * 2654435761) % 1000 >= PUBLISHED_SHARE * 1000:
                counts["pending"] += 1
                continue
            v, t = (n - 1) // TASKS + 1, (n - 1) % TASKS
            sid, (division, name, ident, uscc) = by_visit[v]
            day = start_day + timedelta(days=(v * 7919) % span)
            code = "A" if n % 40 == 0 else "1"
            unit = county_units[division]
            fields = {
                "subject_name": name,
                "subject_ident": ident,
                "inspecting_unit_name": unit.name,
                "task_kind": "targeted",
                "task_name": task_names[t],
                "inspected_on": day,
                "result_code": code,
                "result_label": code,
                "follow_up_public": "",
                "published_on": day + timedelta(days=10),
            }
            public_id = f"{n:012x}"
            counts["published"] += 1
            yield {
                "id": n,
                "public_id": public_id,
                "version": 1,
                "is_current": True,
                "inspection_result_id": n,
                "task_id": task_ids[t],
                "subject_id": sid,
                "inspecting_unit_id": unit.id,
                "division_code": division,
                "uscc": uscc,
                "plan_year": year,
                "result_label_en": "",
                "short_hash": short_hash(public_id, 1, fields),
                "subject_name_key": search_key(name),  # as PublishedResult sets it (bulk rows skip the model)
                **fields,
            }

    copy_rows(raw, PublishedResult.__table__, published_rows())

    def case_rows() -> Iterator[dict]:
        for n in range(40, results + 1, 40):
            sid, (division, *_rest) = by_visit[(n - 1) // TASKS + 1]
            counts["cases"] += 1
            yield {"result_id": n, "subject_id": sid, "assigned_unit_id": county_units[division].id}

    copy_rows(raw, FollowUpCase.__table__, case_rows())
    raw.commit()
    return {"task_id": task_ids[0], "year": year, "visits": visits, **counts}
