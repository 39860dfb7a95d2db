"""Dashboard and review-queue response times on a city-sized year, and the working-day arithmetic.

Builds (once) ``bench/out/dashboards.sqlite``: ``BENCH_DASH_SUBJECTS`` subjects (default 100,000)
in the seven counties, one plan year with 5 tasks and ``BENCH_DASH_RESULTS`` approved results
(default 20,000; a tenth with open follow-up cases), then times the city and a county dashboard and
a county supervisor's queue through the app, beside a bare Flask endpoint in the same run.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
SUBJECTS = int(os.environ.get("BENCH_DASH_SUBJECTS", "100000"))
RESULTS = int(os.environ.get("BENCH_DASH_RESULTS", "20000"))
REPEAT = 7


def build(app) -> None:
    from sqlalchemy import insert, select

    from fieldapp.auth.models import Unit, User
    from fieldapp.auth.organisation import ensure_units
    from fieldapp.auth.territory import county_names
    from fieldapp.calendar.workdays import publication_due
    from fieldapp.extensions import db
    from fieldapp.inspections.models import Submission
    from fieldapp.plans.models import Plan, Task
    from fieldapp.review.models import FollowUpCase, InspectionResult
    from fieldapp.subjects.models import Subject
    from fieldapp.visits.models import Visit, VisitTask

    rng = random.Random(7)
    db.create_all()
    units = ensure_units()
    sup = User(username="bench-sup", name="bench", role="supervisor", unit=units["140602"])
    sup.set_password("bench-password")
    db.session.add(sup)
    plan = Plan(year=2026, unit=units["city"], title="bench")
    db.session.add(plan)
    db.session.flush()
    tasks = [
        Task(plan_id=plan.id, number=i, name=f"任务{i}", window_start_month=3 + i, window_end_month=6 + i)
        for i in range(1, 6)
    ]
    db.session.add_all(tasks)
    db.session.commit()
    codes = list(county_names())
    db.session.execute(
        insert(Subject),
        [
            {
                "ident": f"S{i:017d}",
                "name": f"企业{i}",
                "kind": "enterprise" if i % 3 else "individual",
                "division_code": codes[i % len(codes)],
                "status": "在业",
            }
            for i in range(SUBJECTS)
        ],
    )
    db.session.commit()
    subject_ids = db.session.scalars(select(Subject.id)).all()
    county_unit = {c: db.session.scalar(select(Unit.id).where(Unit.division_code == c)) for c in codes}
    division_of = dict(db.session.execute(select(Subject.id, Subject.division_code)).all())
    chosen = rng.sample(subject_ids, RESULTS)
    visits, links, subs, results, cases = [], [], [], [], []
    for n, sid in enumerate(chosen, start=1):
        div = division_of[sid]
        task = tasks[n % len(tasks)]
        day = date(2026, 3, 1) + timedelta(days=rng.randrange(250))
        due, fb = publication_due(day)
        visits.append(
            {
                "id": n,
                "subject_id": sid,
                "executing_unit_id": county_unit[div],
                "division_code": div,
                "status": "approved",
            }
        )
        links.append({"visit_id": n, "task_id": task.id})
        state = "submitted" if n % 20 == 0 else "approved"
        subs.append(
            {
                "id": n,
                "uuid": f"{n:036d}",
                "body_sha256": "0" * 64,
                "visit_id": n,
                "state": state,
                "body": {},
                "inspected_on": datetime.combine(day, datetime.min.time()),
                "lock_version": 1,
                "version": 1,
            }
        )
        results.append(
            {
                "id": n,
                "visit_id": n,
                "task_id": task.id,
                "subject_id": sid,
                "division_code": div,
                "submission_id": n,
                "inspecting_unit_id": county_unit[div],
                "task_kind": "targeted",
                "inspected_on": day,
                "check_methods": ["实地检查"],
                "result_code": "1" if n % 10 else "A",
                "follow_up_measures": [],
                "findings": [],
                "publication_due": due,
                "due_by_fallback_calendar": fb,
            }
        )
        if n % 10 == 0:
            cases.append(
                {
                    "result_id": n,
                    "subject_id": sid,
                    "assigned_unit_id": county_unit[div],
                    "status": "open",
                    "measures": [],
                    "findings": [],
                    "lock_version": 1,
                }
            )
    for model, rows in (
        (Visit, visits),
        (VisitTask, links),
        (Submission, subs),
        (InspectionResult, results),
        (FollowUpCase, cases),
    ):
        db.session.execute(insert(model), rows)
    db.session.commit()


def timed(client, url: str) -> tuple[float, float]:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"dashboards-{SUBJECTS}-{RESULTS}.sqlite"
    fresh = not path.exists()
    from fieldapp import create_app
    from fieldapp.calendar import workdays
    from fieldapp import clock

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )

    @app.get("/bench-bare")
    def bare():
        return "ok"

    with app.app_context():
        if fresh:
            started = time.perf_counter()
            build(app)
            print(
                f"   built {SUBJECTS:,} subjects, {RESULTS:,} results in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    clock._frozen = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # a fixed "today" so runs compare
    client = app.test_client()
    client.post("/login", data={"username": "bench-sup", "password": "bench-password"})
    print(f"   {SUBJECTS:,} subjects, {RESULTS:,} results, median / max of {REPEAT} requests:")
    for label, url in (
        ("bare Flask endpoint", "/bench-bare"),
        ("county dashboard", "/dashboard/?year=2026"),
        ("review queue, county", "/review/?state=submitted"),
        ("review queue, due-by filter", "/review/?state=submitted&due_by=2026-09-30"),
    ):
        median, worst = timed(client, url)
        print(f"   {label:32s} {median:8.1f} ms  (max {worst:.1f} ms)", flush=True)
    # The city view: every county's numbers.
    with app.app_context():
        from fieldapp.auth.models import Unit, User
        from fieldapp.extensions import db
        from sqlalchemy import select

        db.session.scalar(select(User).where(User.username == "bench-sup")).unit_id = db.session.scalar(
            select(Unit.id).where(Unit.code == "city")
        )
        db.session.commit()
    median, worst = timed(client, "/dashboard/?year=2026")
    print(f"   {'city dashboard':32s} {median:8.1f} ms  (max {worst:.1f} ms)", flush=True)
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "bench-sup")).unit_id = db.session.scalar(
            select(Unit.id).where(Unit.code == "140602")
        )
        db.session.commit()
    started = time.perf_counter()
    n = 20000
    for i in range(n):
        workdays.add_working_days(date(2026, 1, 1) + timedelta(days=i % 330), 20, overrides={})
    print(f"   add_working_days(d, 20): {n / (time.perf_counter() - started):,.0f} per second", flush=True)


if __name__ == "__main__":
    main()
