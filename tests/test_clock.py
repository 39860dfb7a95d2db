"""The one clock (fieldapp/clock.py): Beijing dates, aware UTC moments, and no second copy."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from fieldapp import clock

SOURCE = Path(__file__).resolve().parent.parent / "fieldapp"


def _clock_copies(path: Path) -> list[str]:
    """Calls that read the real clock or name the bureau's zone, other than through fieldapp.clock."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in {"utcnow", "utcfromtimestamp"}:
            found.append(f"{where} .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in {("datetime", "now"), ("date", "today"), ("datetime", "today")}:
                found.append(f"{where} {name}.{node.func.attr}()")
            elif (name, node.func.attr) in {("time", "time"), ("time", "localtime")}:
                found.append(f"{where} {name}.{node.func.attr}()")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "today"
            and isinstance(node.value, ast.Name)
            and node.value.id in {"date", "datetime"}
        ):
            found.append(f"{where} {node.value.id}.today")  # e.g. a form field's default=date.today
        elif isinstance(node, ast.Name) and node.id == "ZoneInfo":
            found.append(f"{where} ZoneInfo")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "Asia/Shanghai" in node.value:
            found.append(f"{where} 'Asia/Shanghai'")
    return found


def test_no_clock_outside_clock_py():
    copies = [
        hit for path in sorted(SOURCE.rglob("*.py")) if path != SOURCE / "clock.py" for hit in _clock_copies(path)
    ]
    assert copies == [], "use fieldapp.clock (now/today/local) instead of: " + ", ".join(copies)


def test_the_scan_finds_a_copy(tmp_path):
    # The scanner itself must be able to fail.
    bad = tmp_path / "probe.py"
    bad.write_text(
        "from datetime import date, datetime\nfrom zoneinfo import ZoneInfo\n"
        "a = datetime.now()\nb = date.today()\nc = datetime.utcnow()\nd = ZoneInfo('Asia/Shanghai')\n",
        encoding="utf-8",
    )
    hits = _clock_copies(bad)
    assert len(hits) == 6, hits


def test_today_is_the_beijing_date():
    # 00:30 in Beijing is 16:30 UTC of the day before.
    clock._frozen = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    try:
        assert clock.today() == date(2026, 11, 27)
        assert clock.now() == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    finally:
        clock._frozen = None


def test_local_reads_naive_values_as_utc():
    assert clock.local(datetime(2026, 11, 26, 16, 30)).isoformat() == "2026-11-27T00:30:00+08:00"
    assert clock.local_date(datetime(2026, 11, 26, 16, 30, tzinfo=UTC)) == date(2026, 11, 27)
    assert clock.local_date(date(2026, 11, 26)) == date(2026, 11, 26)
    assert clock.parse_instant("2026-11-27T00:30:00+08:00") == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    assert clock.parse_instant("2026-11-26T16:30:00Z") == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    assert clock.parse_instant("yesterday") is None


def test_frozen_clock_pins_now_today_and_the_stored_defaults(frozen_clock, app, db):
    from fieldapp.calendar.models import CalendarDay

    frozen_clock.beijing(2026, 11, 27, 0, 30)
    assert clock.now() == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 11, 27)
    day = CalendarDay(day=date(2030, 1, 2), is_workday=False, note="test")
    db.session.add(day)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(CalendarDay, day.id)
    # Stored timestamps come back aware, in UTC, and are the frozen moment.
    assert stored.created_at == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    assert stored.created_at.tzinfo is not None
