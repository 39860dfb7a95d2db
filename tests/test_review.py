"""Review: the queue and its county boundary, the submission page, approve and return."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from factories import review as rf
from fieldapp.audit import AuditEvent
from fieldapp.plans.models import Plan, PlanKind
from fieldapp.review.models import InspectionResult


# Pages compute legal clocks from today in China: every test runs on the frozen clock (2026-11-27 10:00).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def county_supervisor(client_request):
    client_request.login("shuocheng-sup", "supervisor", "140602")


def _decide(client_request, sub, decision, _expected_status=302, **data):
    """Approve or return ``sub`` by the form's post (its lock version unless given)."""
    data.setdefault("lock_version", sub.lock_version)
    return client_request.post(
        "review.decide_submission",
        _data=data,
        _expected_status=_expected_status,
        submission_id=sub.id,
        decision=decision,
    )


def test_queue_lists_submitted_work_and_refreshes_itself(client_request, county_supervisor, db):
    t, s, v, sub = rf.scenario()
    page = client_request.get("review.queue")
    queue = page.select_one("#review-queue")
    assert queue["hx-trigger"] == "every 30s"
    assert queue["hx-get"].startswith(client_request.url_for("review.queue"))
    links = [a["href"] for a in queue.select("a.queue-item__link")]
    assert links == [client_request.url_for("review.submission", submission_id=sub.id)]
    # The self-refresh asks for the partial only.
    partial = client_request.get_response("review.queue", _headers={"HX-Request": "true", "HX-Target": "review-queue"})
    html = partial.get_data(as_text=True)
    assert "<html" not in html and 'id="review-queue"' in html and s.name in html
    # The refresh keeps the filters and the page the supervisor is on.
    poll = client_request.get("review.queue", state="submitted", page=1).select_one("#review-queue")["hx-get"]
    assert "state=submitted" in poll and "page=1" in poll


def test_queue_filters(client_request, county_supervisor, db):
    t1, s1, v1, sub1 = rf.scenario()
    t2 = rf.task(name="集贸市场计量监督检查")
    s2 = rf.subject(name="朔城区某集贸市场")
    other = rf.inspector("王五", "140602")
    v2 = rf.visit(s2, [t2], inspectors=[other])
    rf.submission(v2, rf.answers_body([t2]), inspected_on=date(2026, 10, 20))
    db.session.commit()

    def names(**params):
        page = client_request.get("review.queue", **params)
        return {a.get_text(strip=True) for a in page.select("a.queue-item__link")}

    assert names() == {s1.name, s2.name}
    assert names(task=t2.id) == {s2.name}
    assert names(inspector=other.id) == {s2.name}
    assert names(state="approved") == set()
    # Publication due for 09-30 is 11-03; for 10-20 it is 11-17.
    assert names(due_by="2026-11-03") == {s1.name}
    assert names(due_by="2026-11-02") == set()
    assert names(due_by="2026-11-17") == {s1.name, s2.name}


def test_county_supervisors_see_only_their_county(client_request, db):
    _, s_home, _, sub_home = rf.scenario("140602")
    _, s_away, _, sub_away = rf.scenario("140603")
    client_request.login("shuocheng-sup", "supervisor", "140602")
    page = client_request.get("review.queue")
    assert {a.get_text(strip=True) for a in page.select("a.queue-item__link")} == {s_home.name}
    client_request.get("review.submission", _expected_status=404, submission_id=sub_away.id)
    client_request.get("review.queue", _expected_status=404, division="140603")
    # By post, too: nothing changes.
    _decide(client_request, sub_away, "approve", _expected_status=404)
    _decide(client_request, sub_away, "return", _expected_status=404, lock_version=1, comment="x")
    db.session.expire_all()
    assert db.session.get(type(sub_away), sub_away.id).state == "submitted"


def test_city_supervisor_sees_every_county(client_request, db):
    rf.scenario("140602")
    rf.scenario("140603")
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("review.queue")
    assert len(page.select("a.queue-item__link")) == 2


def test_inspectors_cannot_review(client_request, db):
    _, _, _, sub = rf.scenario()
    client_request.login("insp", "inspector", "140602")
    client_request.get("review.queue", _expected_status=403)
    _decide(client_request, sub, "approve", _expected_status=403, lock_version=1)


def test_submission_page_shows_answers_findings_position_photos_and_signatures(
    client_request, county_supervisor, db, app
):
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

    page = client_request.get("review.submission", submission_id=sub.id)
    rows = {r["data-path"]: r for r in page.select("tr.answers__row")}
    assert "不符合" in rows["pledge"].get_text()
    assert "answers__row--finding" in rows["pledge"]["class"]
    assert "A1" in rows["dispenser.1.serial"].get_text()
    assert "未作出诚信计量承诺" in page.select_one(".findings").get_text()
    link = page.select_one("#map-link")
    assert link["href"].startswith("https://www.openstreetmap.org/?mlat=39.331234&mlon=112.432101")
    photo_url = client_request.url_for("review.media", media_id=photo.id)
    assert page.select_one(f'#photos img[src="{photo_url}"]')
    assert page.select_one(f'#signatures img[src="{client_request.url_for("review.media", media_id=sig.id)}"]')
    assert "赵六" in page.select_one("#signatures").get_text()
    assert page.select_one("#publication-due").get_text().strip().startswith("2026-11-03")
    # No inline styles or scripts (CSP).
    assert not page.select("[style]") and not page.select("script:not([src])")

    r = client_request.get_response("review.media", media_id=photo.id)
    assert r.data == b"\xff\xd8\xff fake jpeg"
    assert "no-store" in r.headers["Cache-Control"]


def test_photos_are_access_checked(client, client_request, db, app):
    _, _, _, sub = rf.scenario("140603")
    photo = rf.media(sub, app.config["MEDIA_ROOT"])
    db.session.commit()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    client_request.get_response("review.media", _expected_status=404, media_id=photo.id)
    client_request.logout()
    assert client.get(client_request.url_for("review.media", media_id=photo.id)).status_code in (302, 401)


def test_approve_makes_the_result_records(client_request, county_supervisor, db):
    t, s, v, sub = rf.scenario()
    _decide(client_request, sub, "approve", note="ok")
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
    page = client_request.get("review.submission", submission_id=sub.id)
    assert page.select_one("#results") and "未发现问题" in page.select_one("#results").get_text()
    assert not page.select_one("#decision")
    assert "ok" in page.select_one("#audit").get_text()


def test_return_needs_a_comment_and_sends_the_visit_back(client_request, county_supervisor, db):
    t, s, v, sub = rf.scenario()
    page = _decide(client_request, sub, "return", _expected_status=422, comment="  ")
    assert page.select_one(".field--error")
    page = client_request.post(
        "review.decide_submission",
        _data={"lock_version": sub.lock_version},
        _headers={"HX-Request": "true", "HX-Boosted": "true"},
        _expected_status=422,
        submission_id=sub.id,
        decision="return",
    )
    assert page.select_one(".field--error")
    _decide(client_request, sub, "return", comment="加油机照片不清楚，请补拍")
    db.session.expire_all()
    sub = db.session.get(type(sub), sub.id)
    assert sub.state == "returned" and sub.review_comment == "加油机照片不清楚，请补拍"
    assert sub.visit.status == "returned"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "submission")).all()
    assert [(e.action, e.reason, e.actor_name) for e in events] == [
        ("return", "加油机照片不清楚，请补拍", "shuocheng-sup")
    ]


def test_a_missing_result_is_refused_with_a_message(client_request, county_supervisor, db):
    t, s, v, sub = rf.scenario(result_code=None)
    page = _decide(client_request, sub, "approve", _expected_status=422)
    assert page.select_one("#conflict")
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).state == "submitted"
    assert db.session.scalar(select(InspectionResult)) is None


def test_result_dates_in_a_fallback_year_carry_the_warning(client_request, county_supervisor, db):
    t, s, v, sub = rf.scenario(inspected_on=date(2027, 3, 1))
    sub.inspected_on = None
    sub.completed_at = None
    db.session.commit()
    page = client_request.get("review.submission", submission_id=sub.id)
    assert page.select_one(".fallback-warning")
    _decide(client_request, sub, "approve")
    result = db.session.scalar(select(InspectionResult))
    assert result.due_by_fallback_calendar is True
    # 2027-03-01 (Mon) + 20 weekdays = 2027-03-29.
    assert result.publication_due == date(2027, 3, 29)


def test_the_city_reads_a_countys_submission_but_only_the_county_decides(client_request, db):
    _, _, _, sub = rf.scenario("140602")
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("review.submission", submission_id=sub.id)
    assert page.select_one("#decision-elsewhere") and not page.select_one("#decision")
    _decide(client_request, sub, "approve", _expected_status=403)
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).state == "submitted"


def test_city_departments_decide_the_citys_own_visits(client_request, db):
    t = rf.task()
    s = rf.subject(division="140603")
    v = rf.visit(s, [t], unit_code="city", inspectors=[rf.inspector("甲", "city")])
    sub = rf.submission(v, rf.answers_body([t]))
    db.session.commit()
    client_request.login("metrology-sup", "supervisor", "city-metrology")
    _decide(client_request, sub, "approve")
    client_request.logout()
    # 平鲁区's supervisor does not review the city's visit in her county.
    client_request.login("pinglu-sup", "supervisor", "140603")
    client_request.get("review.submission", _expected_status=404, submission_id=sub.id)


def test_a_returned_visit_reappears_in_the_inspectors_list_with_the_comment(client_request, auth, db):
    inspector_user = auth.create("zhang", "inspector", "140602")
    t = rf.task()
    s = rf.subject()
    i = rf.inspector("张三", "140602")
    i.user_id = inspector_user.id
    v = rf.visit(s, [t], inspectors=[i, rf.inspector("李四", "140602")])
    sub = rf.submission(v, rf.answers_body([t]))
    db.session.commit()
    client_request.login("sup", "supervisor", "140602")
    _decide(client_request, sub, "return", comment="签名不清楚，请重签")
    client_request.logout()
    client_request.login("zhang", "inspector", "140602")
    page = str(client_request.get("inspections.my_visits"))
    assert s.name in page and "签名不清楚，请重签" in page


def test_pages_in_english(client_request, county_supervisor, db):
    _, _, _, sub = rf.scenario()
    queue = client_request.url_for("review.queue")
    client_request.post("core.set_language", _data={"lang": "en", "next": queue})
    assert "Review queue" in client_request.get("review.queue").select_one("h1").get_text()
    page = client_request.get("review.submission", submission_id=sub.id)
    assert page.select_one("#decision h2").get_text() == "Decision"
    assert "Dashboard" in client_request.get("dashboards.index").select_one("h1").get_text()
    client_request.post("core.set_language", _data={"lang": "zh_CN", "next": queue})
    assert "待审核" in client_request.get("review.queue").select_one("h1").get_text()


def test_answers_of_a_checklist_no_longer_in_the_system_are_headed_in_words_not_by_its_file(
    client_request, county_supervisor, db
):
    t, s, v, sub = rf.scenario()  # its answers name "test-station", a checklist the app does not have
    page = client_request.get("review.submission", submission_id=sub.id)
    heading = page.select_one('h3[data-checklist="test-station"]')
    assert heading.get_text(strip=True) == "系统中已没有的检查表v1"
    assert "test-station" not in page.select_one("main").get_text()


def test_a_result_records_type_is_worded_as_the_plans_word_it(client_request, db, monkeypatch):
    """The result records on a submission's page name the task's type through plans.display (the one
    owner of 定向 / 不定向); the template held a second copy, which called any other kind 不定向."""
    from factories import publication as pf
    from fieldapp.plans import display

    result = pf.approved_result()
    db.session.commit()
    # The page's words for a task type (KIND_WORDS: in the page's language; KIND_LABELS are the plan's own, printed)
    monkeypatch.setattr(display, "KIND_WORDS", {"targeted": "定向（计划用语）", "untargeted": "不定向（计划用语）"})
    client_request.login("shuocheng", "supervisor", "140602")
    page = client_request.get("review.submission", submission_id=result.submission_id)
    assert "定向（计划用语）" in page.select_one("#results").get_text()


def test_tasks_of_a_units_two_plans_with_the_same_number_are_told_apart(client_request, county_supervisor, db):
    # The unit's own plan and its 部门联合 plan both have a task 1: the queue, its filter and the
    # submission name the joint one 联合1, never a second bare 1.
    own = rf.task(rf.plan(), number=1)
    joint_plan = Plan(
        year=2026, unit=own.plan.unit, title="2026年度部门联合抽查工作计划", kind=PlanKind.JOINT, document_key="joint"
    )
    db.session.add(joint_plan)
    joint = rf.task(joint_plan, number=1, name="成品油质量联合抽查")
    s = rf.subject()
    v = rf.visit(s, [own, joint], inspectors=[rf.inspector("张三"), rf.inspector("李四")])
    sub = rf.submission(v, rf.answers_body([own, joint]))
    db.session.commit()
    page = client_request.get("review.queue")
    assert sorted(t.get_text() for t in page.select("#review-queue .tag")) == ["1", "联合1"]
    options = [o.get_text() for o in page.select("select[name=task] option")]
    assert "1. 加油站计量监督检查" in options and "联合1. 成品油质量联合抽查" in options
    text = client_request.get("review.submission", submission_id=sub.id).get_text(" ", strip=True)
    assert "联合1. 成品油质量联合抽查" in text
