"""Checklist engine: loading every checklist file, evaluating a big answer set, rendering the form.

Goals: the app validates all checklists at start-up in well under a second; a station with 60
dispensers × 12 nozzles evaluates in under 0.5 s (the server validates every submission); the phone
form of 10 dispensers × 4 nozzles (about 400 items) renders in under 1 s.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _answers(dispensers: int, nozzles: int) -> dict:
    return {
        "pledge": "符合",
        "dispenser": [
            {
                "serial": f"D{d}",
                "verified": "符合",
                "certificate_valid_until": "2021-12-31",
                "nozzle": [{"nozzle_no": str(n), "error_pct": f"{(n % 7 - 3) / 10:.2f}"} for n in range(nozzles)],
            }
            for d in range(dispensers)
        ],
    }


def main() -> None:
    from fieldapp import create_app
    from fieldapp.checklists import evaluate, get_checklist
    from fieldapp.checklists.definition import load_directory
    from fieldapp.checklists.catalog import known_tags
    from fieldapp.checklists.results import result_table

    tags = known_tags(ROOT / "data" / "tags.yaml")
    codes = set(result_table().categories)
    started = time.perf_counter()
    found = load_directory(ROOT / "checklists", tags, codes)
    items = sum(len(c.by_id) for c in found.values())
    print(f"   load + validate {len(found)} checklists ({items} items): {time.perf_counter() - started:.3f} s")

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "LOGIN_DISABLED": True,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "bench.local",
        }
    )
    with app.test_request_context("/"):
        checklist = get_checklist("fuel-dispensers")
        if checklist is None:
            print("   fuel-dispensers not in checklists/: evaluation skipped")
            return
        answers = _answers(60, 12)
        started = time.perf_counter()
        ev = evaluate(checklist, answers, date(2021, 6, 10))
        print(
            f"   evaluate 60 dispensers × 12 nozzles ({len(ev.results)} answers, {len(ev.findings)} findings): "
            f"{time.perf_counter() - started:.3f} s"
        )
        from flask import render_template_string

        answers = _answers(10, 4)
        started = time.perf_counter()
        html = render_template_string(
            '{% from "checklists/_form.html" import render_checklist %}{{ render_checklist(c, a, {}, "p-") }}',
            c=checklist,
            a=answers,
        )
        print(
            f"   render the form, 10 dispensers × 4 nozzles ({len(html) // 1024} KiB): "
            f"{time.perf_counter() - started:.3f} s"
        )


if __name__ == "__main__":
    main()
