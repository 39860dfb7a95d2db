"""A phone whose clock is hours off: the server dates the inspection by its own clock, keeps how far
it moved the phone's times with the submission, and the supervisor's review page says so (a
corrected time is never passed off as the phone's own)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.inspections.models import Submission
from factories.inspection import API_HEADERS, jpeg_bytes, png_bytes, sha, submission_body
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)


def send(client, body, files, phone_now=None) -> None:
    headers = dict(API_HEADERS, **{"Idempotency-Key": body["uuid"]})
    if phone_now is not None:
        headers["X-Fieldapp-Client-Time"] = phone_now.isoformat()
    assert client.post("/api/v1/submissions", json=body, headers=headers).status_code == 201
    for data in files.values():
        put = dict(API_HEADERS, **{"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
        assert (
            client.put(f"/api/v1/submissions/{body['uuid']}/media/{sha(data)}", data=data, headers=put).status_code
            == 200
        )


def review_note(client_request, submission_id: int) -> str:
    client_request.logout()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    page = client_request.get("review.submission", submission_id=submission_id)
    note = page.select_one("#phone-clock")
    return note.get_text(strip=True) if note else ""


@pytest.mark.parametrize(
    ("hours", "sent_header", "expected"),
    [
        (-9, True, "手机时钟比服务器慢 9 小时 0 分钟：时间已按服务器时钟校正。"),
        (30, True, "手机时钟比服务器快 30 小时 0 分钟：时间已按服务器时钟校正。"),
        (5, False, "手机时钟比服务器快 5 小时 0 分钟：时间已按服务器时钟校正。"),  # later than now: never kept
        (0, True, ""),
    ],
)
def test_a_phone_clock_hours_off_is_corrected_and_the_supervisor_is_told(
    world, client, client_request, db, frozen_clock, hours, sent_header, expected
):
    frozen_clock.beijing(2026, 11, 27, 8, 30)
    phone_now = clock.now() + timedelta(hours=hours)
    files = {"photo": jpeg_bytes(1), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files, client_submitted_at=phone_now.isoformat())
    send(client, body, files, phone_now if sent_header else None)
    submission = db.session.scalar(select(Submission))
    assert submission.state == "submitted"
    assert clock.as_utc(submission.inspected_on) == clock.now()
    assert submission.body.get("phone_clock_corrected_seconds", 0) == -hours * 3600
    assert review_note(client_request, submission.id) == expected


@pytest.mark.parametrize(
    ("phone_then", "doubted"), [((2019, 6, 1, 9, 0), True), ((2020, 12, 31, 23, 0), True), ((2021, 1, 1, 9, 0), False)]
)
def test_a_phone_time_before_its_plans_year_is_not_the_inspections_date(
    world, client, client_request, db, frozen_clock, phone_then, doubted
):
    """The phone lost power offline and restarted with an old date; at the next signal it set its
    clock right, so the time it sends the work with says nothing is off. A moment before the year of
    the visit's plan (2021) cannot be when it was inspected: the inspection is dated the day it
    arrived, and the supervisor is told what the phone said. A phone time in the plan's year is kept."""
    frozen_clock.beijing(2026, 11, 27, 8, 30)
    said = datetime(*phone_then, tzinfo=clock.BEIJING)
    files = {"photo": jpeg_bytes(1), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files, client_submitted_at=said.isoformat(), started_at=said.isoformat())
    send(client, body, files, clock.now())
    submission = db.session.scalar(select(Submission))
    assert submission.state == "submitted"
    note = review_note(client_request, submission.id)
    if doubted:
        assert clock.as_utc(submission.inspected_on) == clock.now()
        assert clock.as_utc(submission.visit.started_at) == clock.now()
        shown = said.strftime("%Y-%m-%d %H:%M")
        assert (
            note
            == f"手机记录此次检查的时间为 {shown}，早于其抽查计划的年度：手机时钟当时有误。检查日期按提交到达的日期记录，请与检查人员核实。"
        )
    else:
        assert clock.as_utc(submission.inspected_on) == said
        assert note == ""
