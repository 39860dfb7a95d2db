"""Review: the queue and its county boundary, the submission page, approve and return."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from factories import review as rf
from fieldapp.review.models import AuditEvent, InspectionResult


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    """Pages compute legal clocks from today in China; pin it so the tests do not age."""
    frozen_clock.beijing(2026, 11, 27, 10, 0)


@pytest.fixture
def county_supervisor(auth):
    auth.login("shuocheng-sup", "supervisor", "140602")


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_queue_lists_submitted_work_and_refreshes_itself(client, county_supervisor, db):
    t, s, v, sub = rf.scenario()
    page = soup(client.get("/review/"))
    queue = page.select_one("#review-queue")
    assert queue["hx-trigger"] == "every 30s"
    assert queue["hx-get"].startswith("/review/")
    links = [a["href"] for a in queue.select("a.queue-item__link")]
    assert links == [f"/review/submissions/{sub.id}"]
    # The self-refresh asks for the partial only.
    partial = client.get("/review/", headers={"HX-Request": "true", "HX-Target": "review-queue"})
    html = partial.get_data(as_text=True)
    assert "<html" not in html and 'id="review-queue"' in html and s.name in html
    # The refresh keeps the filters and the page the supervisor is on.
    poll = soup(client.get("/review/", query_string={"state": "submitted", "page": 1})).select_one("#review-queue")[
        "hx-get"
    ]
    assert "state=submitted" in poll and "page=1" in poll


def test_queue_filters(client, county_supervisor, db):
    t1, s1, v1, sub1 = rf.scenario()
    t2 = rf.task(name="集贸市场计量监督检查")
    s2 = rf.subject(name="朔城区某集贸市场")
    other = rf.inspector("王五", "140602")
    v2 = rf.visit(s2, [t2], inspectors=[other])
    rf.submission(v2, rf.answers_body([t2]), inspected_on=date(2026, 10, 20))
    db.session.commit()

    def names(**params):
        page = soup(client.get("/review/", query_string=params))
        return {a.get_text(strip=True) for a in page.select("a.queue-item__link")}

    assert names() == {s1.name, s2.name}
    assert names(task=t2.id) == {s2.name}
    assert names(inspector=other.id) == {s2.name}
    assert names(state="approved") == set()
    # Publication due for 09-30 is 11-03; for 10-20 it is 11-17.
    assert names(due_by="2026-11-03") == {s1.name}
    assert names(due_by="2026-11-02") == set()
    assert names(due_by="2026-11-17") == {s1.name, s2.name}


def test_county_supervisors_see_only_their_county(client, auth, db):
    _, s_home, _, sub_home = rf.scenario("140602")
    _, s_away, _, sub_away = rf.scenario("140603")
    auth.login("shuocheng-sup", "supervisor", "140602")
    page = soup(client.get("/review/"))
    assert {a.get_text(strip=True) for a in page.select("a.queue-item__link")} == {s_home.name}
    assert client.get(f"/review/submissions/{sub_away.id}").status_code == 404
    assert client.get("/review/", query_string={"division": "140603"}).status_code == 404
    # By post, too: nothing changes.
    r = client.post(f"/review/submissions/{sub_away.id}/approve", data={"lock_version": sub_away.lock_version})
    assert r.status_code == 404
    r = client.post(f"/review/submissions/{sub_away.id}/return", data={"lock_version": 1, "comment": "x"})
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(sub_away), sub_away.id).state == "submitted"


def test_city_supervisor_sees_every_county(client, auth, db):
    rf.scenario("140602")
    rf.scenario("140603")
    auth.login("city-sup", "supervisor", "city")
    page = soup(client.get("/review/"))
    assert len(page.select("a.queue-item__link")) == 2


def test_inspectors_cannot_review(client, auth, db):
    _, _, _, sub = rf.scenario()
    auth.login("insp", "inspector", "140602")
    assert client.get("/review/").status_code == 403
    assert client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": 1}).status_code == 403


def test_submission_page_shows_answers_findings_position_photos_and_signatures(client, county_supervisor, db, app):
    t = rf.task()
    s = rf.subject()
    v = rf.visit(s, [t], inspectors=[rf.inspector()])
    sig_bytes = b"signature-png-bytes"
    import hashlib

    body = rf.answers_body(
        [t],
        answers={"pledge": "不符合", "dispenser": [{"serial": "A1", "error_pct": 0.5}]},
        result_code="A",
        measures=["违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"],
        findings=[
            {
                "item": "pledge",
                "text": {"zh": "未作出诚信计量承诺", "en": "No pledge"},
                "severity": "minor",
                "follow_up": "责令改正",
            }
        ],
        signatures=[{"role": "subject", "name": "赵六", "sha256": hashlib.sha256(sig_bytes).hexdigest()}],
    )
    sub = rf.submission(v, body)
    photo = rf.media(sub, app.config["MEDIA_ROOT"])
    sig = rf.media(sub, app.config["MEDIA_ROOT"], content=sig_bytes, kind="signature")
    db.session.commit()

    page = soup(client.get(f"/review/submissions/{sub.id}"))
    rows = {r["data-path"]: r for r in page.select("tr.answers__row")}
    assert "不符合" in rows["pledge"].get_text()
    assert "answers__row--finding" in rows["pledge"]["class"]
    assert "A1" in rows["dispenser.1.serial"].get_text()
    assert "未作出诚信计量承诺" in page.select_one(".findings").get_text()
    link = page.select_one("#map-link")
    assert link["href"].startswith("https://www.openstreetmap.org/?mlat=39.331234&mlon=112.432101")
    assert page.select_one(f'#photos img[src="/review/media/{photo.id}"]')
    assert page.select_one(f'#signatures img[src="/review/media/{sig.id}"]')
    assert "赵六" in page.select_one("#signatures").get_text()
    assert page.select_one("#publication-due").get_text().strip().startswith("2026-11-03")
    # No inline styles or scripts (CSP).
    assert not page.select("[style]") and not page.select("script:not([src])")

    r = client.get(f"/review/media/{photo.id}")
    assert r.status_code == 200 and r.data == b"\xff\xd8\xff fake jpeg"
    assert "no-store" in r.headers["Cache-Control"]


def test_photos_are_access_checked(client, auth, db, app):
    _, _, _, sub = rf.scenario("140603")
    photo = rf.media(sub, app.config["MEDIA_ROOT"])
    db.session.commit()
    auth.login("shuocheng-sup", "supervisor", "140602")
    assert client.get(f"/review/media/{photo.id}").status_code == 404
    auth.logout()
    assert client.get(f"/review/media/{photo.id}").status_code in (302, 401)


def test_approve_makes_the_result_records(client, county_supervisor, db):
    t, s, v, sub = rf.scenario()
    r = client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": sub.lock_version, "note": "ok"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).state == "approved"
    assert db.session.get(type(v), v.id).status == "approved"
    result = db.session.scalar(select(InspectionResult).where(InspectionResult.visit_id == v.id))
    assert result.task_id == t.id and result.subject_id == s.id
    assert result.inspecting_unit.division_code == "140602"
    assert result.task_kind == "targeted"
    assert result.inspected_on == date(2026, 9, 30)
    assert result.check_methods == ["实地检查"]
    assert result.result_code == "1"
    assert result.publication_due == date(2026, 11, 3) and result.due_by_fallback_calendar is False
    page = soup(client.get(f"/review/submissions/{sub.id}"))
    assert page.select_one("#results") and "未发现问题" in page.select_one("#results").get_text()
    assert not page.select_one("#decision")
    assert "ok" in page.select_one("#audit").get_text()


def test_return_needs_a_comment_and_sends_the_visit_back(client, county_supervisor, db):
    t, s, v, sub = rf.scenario()
    r = client.post(f"/review/submissions/{sub.id}/return", data={"lock_version": sub.lock_version, "comment": "  "})
    assert r.status_code == 422
    page = soup(r)
    assert page.select_one(".field--error")
    headers = {"HX-Request": "true", "HX-Boosted": "true"}
    r = client.post(f"/review/submissions/{sub.id}/return", data={"lock_version": sub.lock_version}, headers=headers)
    assert r.status_code == 422 and soup(r).select_one(".field--error")
    r = client.post(
        f"/review/submissions/{sub.id}/return",
        data={"lock_version": sub.lock_version, "comment": "加油机照片不清楚，请补拍"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    sub = db.session.get(type(sub), sub.id)
    assert sub.state == "returned" and sub.review_comment == "加油机照片不清楚，请补拍"
    assert sub.visit.status == "returned"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "submission")).all()
    assert [(e.action, e.reason, e.actor_name) for e in events] == [
        ("return", "加油机照片不清楚，请补拍", "shuocheng-sup")
    ]


def test_a_missing_result_is_refused_with_a_message(client, county_supervisor, db):
    t, s, v, sub = rf.scenario(result_code=None)
    r = client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": sub.lock_version})
    assert r.status_code == 422
    assert soup(r).select_one("#conflict")
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).state == "submitted"
    assert db.session.scalar(select(InspectionResult)) is None


def test_result_dates_in_a_fallback_year_carry_the_warning(client, county_supervisor, db):
    t, s, v, sub = rf.scenario(inspected_on=date(2027, 3, 1))
    sub.inspected_on = None
    sub.completed_at = None
    db.session.commit()
    page = soup(client.get(f"/review/submissions/{sub.id}"))
    assert page.select_one(".fallback-warning")
    client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": sub.lock_version})
    result = db.session.scalar(select(InspectionResult))
    assert result.due_by_fallback_calendar is True
    # 2027-03-01 (Mon) + 20 weekdays = 2027-03-29.
    assert result.publication_due == date(2027, 3, 29)


def test_the_city_reads_a_countys_submission_but_only_the_county_decides(client, auth, db):
    _, _, _, sub = rf.scenario("140602")
    auth.login("city-sup", "supervisor", "city")
    page = soup(client.get(f"/review/submissions/{sub.id}"))
    assert page.select_one("#decision-elsewhere") and not page.select_one("#decision")
    assert (
        client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": sub.lock_version}).status_code == 403
    )
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).state == "submitted"


def test_city_departments_decide_the_citys_own_visits(client, auth, db):
    t = rf.task()
    s = rf.subject(division="140603")
    v = rf.visit(s, [t], unit_code="city", inspectors=[rf.inspector("甲", "city")])
    sub = rf.submission(v, rf.answers_body([t]))
    db.session.commit()
    auth.login("metrology-sup", "supervisor", "city-metrology")
    assert (
        client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": sub.lock_version}).status_code == 302
    )
    auth.logout()
    # 平鲁区's supervisor does not review the city's visit in her county.
    auth.login("pinglu-sup", "supervisor", "140603")
    assert client.get(f"/review/submissions/{sub.id}").status_code == 404


def test_a_returned_visit_reappears_in_the_inspectors_list_with_the_comment(client, auth, db, app):
    from flask import url_for

    inspector_user = auth.create("zhang", "inspector", "140602")
    t = rf.task()
    s = rf.subject()
    i = rf.inspector("张三", "140602")
    i.user_id = inspector_user.id
    v = rf.visit(s, [t], inspectors=[i, rf.inspector("李四", "140602")])
    sub = rf.submission(v, rf.answers_body([t]))
    db.session.commit()
    auth.login("sup", "supervisor", "140602")
    client.post(
        f"/review/submissions/{sub.id}/return", data={"lock_version": sub.lock_version, "comment": "签名不清楚，请重签"}
    )
    auth.logout()
    auth.login("zhang", "inspector", "140602")
    with app.test_request_context():
        url = url_for("inspections.my_visits")
    page = client.get(url).get_data(as_text=True)
    assert s.name in page and "签名不清楚，请重签" in page


def test_pages_in_english(client, county_supervisor, db):
    _, _, _, sub = rf.scenario()
    client.post("/language", data={"lang": "en", "next": "/review/"})
    assert "Review queue" in soup(client.get("/review/")).select_one("h1").get_text()
    page = soup(client.get(f"/review/submissions/{sub.id}"))
    assert page.select_one("#decision h2").get_text() == "Decision"
    assert "Dashboard" in soup(client.get("/dashboard/")).select_one("h1").get_text()
    client.post("/language", data={"lang": "zh_CN", "next": "/review/"})
    assert "待审核" in soup(client.get("/review/")).select_one("h1").get_text()
