"""The supervisor's draw pages and the public draw pages, through HTTP."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from factories.draws import DRAW_DAY, draw_day, make_subjects, make_task, make_team, set_clock, unit  # noqa: F401

from fieldapp.draws import operations
from fieldapp.draws.models import Draw, DrawCommitment, DrawSelection, InvitationStatus, JointInvitation


WITNESS = {"external_kind": "witness", "external_description": "王五，市纪委监委派驻纪检组"}


def _round(task, unit_code: str = "140602") -> dict:
    """The URL arguments of a task's first round for a unit (``draws.round_page``, ``draws.commit``)."""
    return {"task_id": task.id, "round_": 1, "unit_code": unit_code}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def setup_task(db, **fields):
    task = make_task(**fields)
    make_subjects({"A": 10, "B": 20, "C": 10, "D": 5})
    make_team(count=6)
    db.session.commit()
    return task


def test_commit_then_draw_with_witness_and_confirmation(client_request, db):
    task = setup_task(db)
    client_request.login("sc-sup", "supervisor", "140602")
    link = client_request.get("draws.index").select_one(f"#task-{task.id} a.draw-cell")
    assert link is not None and link["href"] == client_request.url_for("draws.round_page", **_round(task))
    assert client_request.get("draws.round_page", **_round(task)).select_one("#draw-step") is None
    # The commitment names its external value W: here a witness from another unit.
    client_request.post("draws.commit", _data={"external_kind": "witness"}, _expected_status=422, **_round(task))
    assert _count(db, DrawCommitment) == 0
    html = client_request.post("draws.commit", _data=WITNESS, _follow_redirects=True, **_round(task))
    commitment = db.session.scalar(select(DrawCommitment))
    assert commitment.commitment_hex in html.select_one("#draw-step").get_text()
    # Without the confirmation nothing is drawn, the witness typed is kept.
    page = client_request.post(
        "draws.run", _data={"witness": "见证人李四"}, _expected_status=422, commitment_id=commitment.id
    )
    assert page.select_one("#witness")["value"] == "见证人李四"
    assert _count(db, Draw) == 0
    html = client_request.post(
        "draws.run",
        _data={"witness": "见证人李四", "confirm": "y"},
        _follow_redirects=True,
        commitment_id=commitment.id,
    )
    draw = db.session.scalar(select(Draw))
    assert draw.witness == "见证人李四"
    assert len(html.select(".draw-selection > li")) == len(draw.selections) > 0
    # A second press returns the same draw.
    client_request.post(
        "draws.run",
        _data={"confirm": "y"},
        _expected_redirect=client_request.url_for("draws.detail", draw_id=draw.id),
        commitment_id=commitment.id,
    )
    assert _count(db, Draw) == 1


def test_county_supervisors_draw_only_for_their_county(client_request, db):
    task = setup_task(db)
    make_subjects({"B": 20}, division="140603", start=500)
    make_team("140603", prefix="PL")
    db.session.commit()
    other = operations.commit(task, 1, unit("140603"))
    draw, _ = operations.run_draw(other, "")
    client_request.login("pl-sup", "supervisor", "140602")
    html = client_request.get("draws.index")
    away = client_request.url_for("draws.round_page", **_round(task, "140603"))
    assert html.select("a.draw-cell") and not [a for a in html.select("a.draw-cell") if a["href"] == away]
    client_request.get("draws.round_page", _expected_status=404, **_round(task, "140603"))
    client_request.post("draws.commit", _expected_status=404, **_round(task, "140603"))
    fresh = operations.commit(task, 1, unit("140621"), exception_reason="山阴县名录尚未导入")
    client_request.post("draws.run", _data={"confirm": "y"}, _expected_status=404, commitment_id=fresh.id)
    client_request.get("draws.detail", _expected_status=404, draw_id=draw.id)
    assignment = draw.selections[0].assignments[0]
    client_request.post("draws.replace", _data={"reason": "x"}, _expected_status=404, assignment_id=assignment.id)
    assert _count(db, Draw) == 1
    # Inspectors do not draw at all.
    client_request.logout()
    client_request.login("sc-insp", "inspector", "140602")
    client_request.get("draws.round_page", _expected_status=403, **_round(task))


def test_redraw_needs_a_reason_and_both_draws_stay_public(client_request, db):
    task = setup_task(db)
    first, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    client_request.login("sc-sup", "supervisor", "140602")
    refused = client_request.post(
        "draws.commit", _data={**WITNESS, "redraw_reason": ""}, _expected_status=422, **_round(task)
    )
    assert refused.select_one(".field__error")
    client_request.post(
        "draws.commit", _data={**WITNESS, "redraw_reason": "抽取时见证人缺席"}, _follow_redirects=True, **_round(task)
    )
    commitment = db.session.scalar(select(DrawCommitment).where(DrawCommitment.status == "open"))
    client_request.post("draws.run", _data={"confirm": "y"}, _follow_redirects=True, commitment_id=commitment.id)
    public = client_request.get("draws.public_index")
    rows = public.select("table.public-draws tbody tr")
    assert len(rows) == 2
    assert "抽取时见证人缺席" in public.get_text()
    assert first.id in {int(r["id"].split("-")[1]) for r in rows}


def test_replacement_form_requires_a_reason(client_request, db):
    task = setup_task(db)
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    assignment = draw.selections[0].assignments[0]
    client_request.login("sc-sup", "supervisor", "140602")
    refused = client_request.post(
        "draws.replace", _data={"reason": ""}, _expected_status=422, assignment_id=assignment.id
    )
    assert refused.select_one(f"#reason-{assignment.id}-error").get_text(strip=True) == "请填写替换理由。"
    db.session.refresh(assignment)
    assert assignment.ended_at is None
    page = client_request.post(
        "draws.replace", _data={"reason": "发现回避情形"}, _follow_redirects=True, assignment_id=assignment.id
    )
    db.session.refresh(assignment)
    assert assignment.ended_at is not None
    assert "发现回避情形" in page.get_text()


def test_public_draw_page_and_downloads(client_request, db, tmp_path):
    task = setup_task(db)
    commitment = operations.commit(task, 1, unit("140602"))
    public = client_request.get("draws.public_index")
    assert commitment.commitment_hex in public.get_text()
    assert commitment.seed_hex is None  # not even in the database until the draw
    draw, _ = operations.run_draw(commitment, "公开见证")
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    assert page.select_one('[data-field="commitment"]').get_text() == commitment.commitment_hex
    assert page.select_one('[data-field="seed"]').get_text() == commitment.seed_hex
    assert page.select_one('[data-field="pool-hash"]').get_text() == draw.pool_ids_sha256
    assert page.select_one('[data-field="external-kind"]')["data-kind"] == "witness"
    assert page.select_one('[data-field="abandoned"]').get_text() == "0"
    from fieldapp.draws import chain

    head = chain.head().sha256
    assert page.select_one('[data-field="chain-head"]').get_text() == head
    assert client_request.get("draws.public_index").select_one("#chain-head code").get_text() == head
    assert page.select_one('[data-field="witness"]').get_text() == "公开见证"
    counts = {row["data-class"]: [td.get_text() for td in row.select("td")] for row in page.select("tr[data-class]")}
    assert counts["D"][:3] == [str(draw.class_sizes["D"]), str(draw.quotas["D"]), str(draw.topups["D"])]
    rows = page.select("table.public-selection tbody tr")
    assert [r["data-ident"] for r in rows] == [s.ident for s in draw.selections]
    inspector = draw.selections[0].assignments[0]
    assert inspector.certificate_number in rows[0].get_text() and inspector.inspector.name in rows[0].get_text()
    pool = client_request.get_response("draws.public_pool", draw_id=draw.id)
    assert pool.data == operations.public_pool_bytes(draw)
    bundle = client_request.get_response("draws.public_bundle", draw_id=draw.id).get_json()
    assert bundle["seed"] == commitment.seed_hex and len(bundle["selection"]) == len(draw.selections)
    assert json.loads(json.dumps(bundle))["pool"]["sha256"] == draw.pool_ids_sha256
    inspectors = client_request.get_response("draws.public_inspectors", draw_id=draw.id)
    assert inspectors.headers["X-Content-SHA256"] == bundle["inspectors"]["sha256"]


def test_public_draw_page_and_files_contain_no_credit_class(client, client_request, db):
    task = setup_task(db)
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "公开见证")
    classes = {s.ident: s.credit_class for s in draw.selections}
    assert len(set(classes.values())) >= 2
    html, pool, bundle, inspectors = (
        client_request.get_response(endpoint, draw_id=draw.id).get_data(as_text=True)
        for endpoint in ("draws.public_detail", "draws.public_pool", "draws.public_bundle", "draws.public_inspectors")
    )
    assert "," not in pool and len(pool.splitlines()) == draw.pool_size
    assert '"class"' not in bundle and '"topup"' not in bundle and "credit" not in bundle
    assert not any(
        f"{ident},{cls}" in text for ident, cls in classes.items() for text in (html, pool, bundle, inspectors)
    )
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    for row in page.select("table.public-selection tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in row.select("td")]
        assert classes[row["data-ident"]] not in cells and not any(c in ("A", "B", "C", "D") for c in cells)
    assert "classed" not in html.lower() or "pool-classed.txt" not in html
    # The classed file: signed-in staff and auditors only.
    assert client.get(client_request.url_for("draws.classed_pool", draw_id=draw.id)).status_code in (302, 404)
    client_request.login("audit", "auditor", "city")
    classed = client_request.get_response("draws.classed_pool", draw_id=draw.id)
    assert classed.data == operations.pool_bytes(draw)
    client_request.get("draws.round_page", _expected_status=403, **_round(task))  # read-only
    client_request.logout()
    client_request.login("sc-insp", "inspector", "140602")
    client_request.get_response("draws.classed_pool", _expected_status=404, draw_id=draw.id)


def test_selection_withheld_until_inspections_when_the_task_says_so(client_request, db):
    task = setup_task(db, publish_selection_at_once=False)
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    assert page.select_one("#selection-withheld")
    assert page.select_one('[data-field="seed"]') is None
    assert page.select_one('[data-field="commitment"]') and page.select_one('[data-field="pool-hash"]')
    text = page.get_text()
    assert all(s.ident not in text for s in draw.selections)
    bundle = client_request.get_response("draws.public_bundle", draw_id=draw.id).get_json()
    assert bundle["selection"] is None and bundle["seed"] is None and bundle["quotas"] == draw.quotas


def test_invitation_accepted_adds_the_department_team(client_request, db):
    from factories.draws import make_inspector

    task = setup_task(db, ratio="0.2")
    make_inspector("计量科甲", "MET1", unit_code="city-metrology", specialties=("计量",))
    make_inspector("计量科乙", "MET2", unit_code="city-metrology", specialties=("计量",))
    make_inspector("计量科丙", "MET3", unit_code="city-metrology", specialties=("计量",))
    db.session.commit()
    client_request.login("city-sup", "supervisor", "city")
    client_request.post(
        "draws.invite",
        _data={"department": "city-metrology", "message": "请参加", "items": "计量器具检定情况\n"},
        _follow_redirects=True,
        task_id=task.id,
    )
    invitation = db.session.scalar(select(JointInvitation))
    assert invitation.items == ["计量器具检定情况"]
    client_request.logout()
    client_request.login("met-sup", "supervisor", "city-metrology")
    client_request.post("draws.respond", _follow_redirects=True, invitation_id=invitation.id, answer="accept")
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.ACCEPTED.value
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    assert [t["unit"] for t in draw.teams] == ["140602", "city-metrology"]
    sel = db.session.scalar(select(DrawSelection).where(DrawSelection.draw_id == draw.id))
    teams = sorted(a.team_unit.code for a in sel.assignments)
    assert teams == ["140602", "140602", "city-metrology", "city-metrology"]
    from fieldapp.visits.models import Visit
    from fieldapp.visits.queries import visit_items

    visit = db.session.scalar(select(Visit).where(Visit.subject_id == sel.subject_id))
    assert len(visit.inspectors) == 4 and [vi.role for vi in visit.inspectors].count("lead") == 1
    assert "计量器具检定情况" in [e["text"] for e in visit_items(visit)]
    # A county supervisor cannot invite.
    client_request.logout()
    client_request.login("sc-sup", "supervisor", "140602")
    client_request.post("draws.invite", _data={"department": "city-ip"}, _expected_status=404, task_id=task.id)


def test_unmatched_subjects_are_listed_for_the_supervisor_with_the_reason(client_request, db):
    task = make_task(ratio="1")
    make_subjects({"B": 2})
    make_team(count=1)  # one inspector: nobody can be matched
    db.session.commit()
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    client_request.login("sc-sup", "supervisor", "140602")
    html = client_request.get("draws.detail", draw_id=draw.id)
    from fieldapp.draws import chain

    assert html.select_one('[data-field="chain-head"]').get_text() == chain.head().sha256  # the printed notice
    items = html.select("#unmatched li")
    assert len(items) == 2
    assert "朔城区市场监督管理局符合该任务条件的执法人员不足两名" in items[0].get_text()
    visits = client_request.get("visits.index")
    assert len(visits.select("li.visit .badge--bad")) == 2


def test_every_commitment_stays_reachable_on_the_public_list(client_request, db):
    task = setup_task(db)
    sequences = []
    for number in range(53):
        if sequences:
            operations.abandon(operations.open_commitment(task, 1, unit("140602")), f"测试 {number}")
        sequences.append(operations.commit(task, 1, unit("140602")).commitment_hex)
    first = client_request.get("draws.public_index")
    shown = {row.select_one("code.hash").get_text() for row in first.select("table.commitments tbody tr")}
    assert len(shown) == 50 and sequences[-1] in shown and sequences[0] not in shown
    older = first.select_one('nav.pager a[rel="next"]')["href"]
    rest = client_request.get_url(older)
    shown |= {row.select_one("code.hash").get_text() for row in rest.select("table.commitments tbody tr")}
    assert shown == set(sequences)
    # Abandoned ones show their seed; the open one does not.
    statuses = [row["data-status"] for row in first.select("table.commitments tbody tr")]
    assert statuses[0] == "open" and set(statuses[1:]) == {"abandoned"}


def test_with_a_worker_the_draw_runs_as_a_job_and_its_page_leads_to_the_draw(client_request, db, monkeypatch):
    from fieldapp.extensions import huey
    from fieldapp.jobs import runtime
    from fieldapp.jobs.models import Job

    task = setup_task(db)
    client_request.login("sc-sup", "supervisor", "140602")
    client_request.post("draws.commit", _data=WITNESS, _follow_redirects=True, **_round(task))
    commitment = db.session.scalar(select(DrawCommitment))
    monkeypatch.setattr(huey, "_immediate", False)  # queued for the worker, not drawn in the request
    response = client_request.post_response(
        "draws.run", _data={"witness": "见证人李四", "confirm": "y"}, commitment_id=commitment.id
    )
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    assert job.kind == "draws.run" and db.session.scalar(select(func.count()).select_from(Draw)) == 0
    runtime.execute(job.id)  # the worker
    draw = db.session.scalar(select(Draw))
    assert draw is not None and draw.witness == "见证人李四"
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one("#job-progress")["data-status"] == "done"
    assert page.find("a", href=client_request.url_for("draws.detail", draw_id=draw.id)) is not None
    runtime.execute(job.id)  # a duplicate message draws nothing more
    assert db.session.scalar(select(func.count()).select_from(Draw)) == 1


def test_a_replacement_on_the_public_draw_page_is_dated_in_beijing_time(client_request, db, monkeypatch):
    # Replaced at 2021-04-11 00:30 in Beijing (2021-04-10 16:30 UTC): the page shows the Beijing
    # moment; the bundle file keeps UTC, as every public file does.
    task = setup_task(db, publish_selection_at_once=True)
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    assignment = draw.selections[0].assignments[0]
    db.session.commit()
    set_clock(monkeypatch, datetime(2021, 4, 10, 16, 30))
    client_request.login("sc-sup", "supervisor", "140602")
    client_request.post("draws.replace", _data={"reason": "发现回避情形"}, assignment_id=assignment.id)
    client_request.logout()

    page = client_request.get("draws.public_detail", draw_id=draw.id)
    text = page.select_one("#replacements").get_text()
    assert "发现回避情形, 2021-04-11 00:30:00 北京时间" in text
    assert "2021-04-10" not in text and "T" not in text
    bundle = json.loads(client_request.get_response("draws.public_bundle", draw_id=draw.id).data)
    assert bundle["replacements"][0]["at"] == "2021-04-10T16:30:00"


def test_a_lottery_date_outside_the_apps_years_is_refused(client_request, db):
    # A commitment waiting for a lottery of 9999 could never be drawn: refused on the form, nothing committed.
    task = setup_task(db)
    client_request.login("sc-sup", "supervisor", "140602")
    lottery = {
        "external_kind": "lottery",
        "external_description": "体彩排列5，第21095期",
        "external_date": "9999-12-31",
    }
    page = client_request.post("draws.commit", _data=lottery, _expected_status=422, **_round(task))
    assert (
        page.select_one("#field-external_date .field__error").get_text(strip=True)
        == "请输入 2000 年至 2100 年之间的日期。"
    )
    assert _count(db, DrawCommitment) == 0


def test_a_replacement_reason_too_long_comes_back_on_the_draw_as_typed(client_request, db):
    # It was a redirect to the draw with a message at the top, the reason typed gone.
    task = setup_task(db)
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    assignment = draw.selections[0].assignments[0]
    db.session.commit()
    client_request.login("sc-sup", "supervisor", "140602")
    reason = "发现回避情形" + "。" * 2000
    page = client_request.post(
        "draws.replace", _data={"reason": reason}, _expected_status=422, assignment_id=assignment.id
    )
    form = page.find("form", action=client_request.url_for("draws.replace", assignment_id=assignment.id))
    assert form.find_parent("details").has_attr("open")
    assert "2000" in form.select_one(".field__error").get_text()
    assert form.find("textarea", attrs={"name": "reason"}).get_text() == reason
    db.session.refresh(assignment)
    assert assignment.ended_at is None
