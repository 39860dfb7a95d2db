"""Joint visits: subjects drawn by several tasks with overlapping windows share one visit."""

from __future__ import annotations

from sqlalchemy import select
from factories.draws import DRAW_DAY, draw_day, make_subjects, make_task, make_team, unit  # noqa: F401

from fieldapp.draws import operations
from fieldapp.visits.models import Visit


def draw(task, unit_code="140602", round_=1):
    # Every task is drawn on DRAW_DAY, some outside their window: that needs a written reason.
    commitment = operations.commit(task, round_, unit(unit_code), exception_reason="集中抽取")
    result, _ = operations.run_draw(commitment, "")
    return result


def test_overlapping_windows_merge_into_one_visit_with_every_task_and_inspector(db):
    make_subjects({"B": 6})
    make_team(count=4)
    make_team(count=4, prefix="AD", specialties=("广告",))
    metrology = make_task(1, ratio="1", window_start_month=3, window_end_month=8)
    advertising = make_task(
        2, ratio="1", guiding_department="广告监管科指导", window_start_month=6, window_end_month=11
    )
    late = make_task(3, ratio="1", window_start_month=10, window_end_month=12)
    db.session.commit()
    d1, d2, d3 = draw(metrology), draw(advertising), draw(late)
    visits = db.session.scalars(select(Visit).order_by(Visit.subject_id, Visit.id)).all()
    # Tasks 1 and 2 overlap (June–August): one visit each subject; task 3 does not overlap task 1.
    assert len(visits) == 12
    merged = [v for v in visits if len(v.tasks) == 2]
    assert len(merged) == 6
    for visit in merged:
        assert {vt.task_id for vt in visit.tasks} == {metrology.id, advertising.id}
        assert {vt.draw_id for vt in visit.tasks} == {d1.id, d2.id}
        assert (visit.window_start.month, visit.window_end.month) == (6, 8)
        certs = {vi.inspector.certificate_number[:2] for vi in visit.inspectors}
        assert certs == {"SC", "AD"} and len(visit.inspectors) == 4
        assert [vi.role for vi in visit.inspectors].count("lead") == 1
        assert visit.inspectors[0].role == "lead" and visit.inspectors[0].task_id == metrology.id
    alone = [v for v in visits if len(v.tasks) == 1]
    assert {v.tasks[0].draw_id for v in alone} == {d3.id}


def test_two_rounds_of_one_task_are_two_visits(db):
    make_subjects({"B": 2})
    make_team(count=4)
    task = make_task(19, ratio="1", rounds_per_year=2, exclude_previous_rounds=False)
    db.session.commit()
    draw(task, round_=1)
    draw(task, round_=2)
    visits = db.session.scalars(select(Visit)).all()
    assert len(visits) == 4 and all(len(v.tasks) == 1 for v in visits)


def test_one_plus_x_task_is_one_visit_with_several_items(db):
    from fieldapp.plans.models import InspectionItem
    from fieldapp.visits.queries import visit_items

    make_subjects({"B": 1})
    make_team(count=3, specialties=("登记注册", "信用监管"))
    task = make_task(21, ratio="1", guiding_department="市局信用指导")
    for number, text in enumerate(["登记事项检查", "公示信息检查", "商标使用行为的检查"], start=1):
        db.session.add(InspectionItem(task=task, number=number, text=text))
    db.session.commit()
    draw(task)
    visit = db.session.scalar(select(Visit))
    assert [e["text"] for e in visit_items(visit)] == ["登记事项检查", "公示信息检查", "商标使用行为的检查"]


def test_supervisor_sees_the_merged_plan_of_visits_per_county(client_request, db):
    make_subjects({"B": 3})
    make_subjects({"B": 3}, division="140603", start=100)
    make_team(count=4)
    make_team("140603", count=4, prefix="PL")
    task = make_task(1, ratio="1")
    db.session.commit()
    draw(task, "140602")
    draw(task, "140603")
    client_request.login("sc-sup", "supervisor", "140602")
    assert len(client_request.get("visits.index").select("li.visit")) == 3
    client_request.get("visits.index", _expected_status=404, county="140603")
    client_request.logout()
    client_request.login("city-sup", "supervisor", "city")
    assert len(client_request.get("visits.index").select("li.visit")) == 6
    fragment = client_request.get(
        "visits.index", _headers={"HX-Request": "true", "HX-Target": "visit-results"}, county="140603"
    )
    assert fragment.select_one("html") is None and len(fragment.select("li.visit")) == 3


def test_a_draw_changes_the_list_of_every_inspector_it_puts_on_a_visit_and_no_other(db, auth):
    """A draw writes its new visits in bulk (on SQLite without the row triggers, which it makes
    again in the same transaction): the list token of each user on a new or merged visit changes,
    another inspector's does not, and the triggers are there for the next write."""
    from sqlalchemy import text as sa_text

    from fieldapp.auth.models import User
    from fieldapp.visits.list_token import _NEW_VISIT_TRIGGERS
    from fieldapp.visits.models import VisitInspector

    make_subjects({"B": 4})
    team = make_team(count=2)
    advertising = make_team(count=2, prefix="AD", specialties=("广告",))
    bystander = make_team("140603", count=1, prefix="PL")[0]
    users = {}
    for inspector in [*team, *advertising, bystander]:
        users[inspector.id] = auth.create(inspector.certificate_number, "inspector", inspector.unit.code).id
        inspector.user_id = users[inspector.id]
    metrology = make_task(1, ratio="1", window_start_month=3, window_end_month=8)
    adverts = make_task(2, ratio="1", guiding_department="广告监管科指导", window_start_month=6, window_end_month=11)
    db.session.commit()

    def tokens() -> dict[int, int]:
        return dict(db.session.execute(select(User.id, User.list_token)).all())

    before = tokens()
    draw(metrology)  # new visits, written in bulk
    after_first = tokens()
    for inspector in team:
        assert after_first[users[inspector.id]] != before[users[inspector.id]]
    for inspector in [*advertising, bystander]:
        assert after_first[users[inspector.id]] == before[users[inspector.id]]
    draw(adverts)  # the same subjects: merged into the first draw's visits, written row by row
    after_second = tokens()
    for inspector in [*team, *advertising]:  # the co-inspectors' cards name the new inspectors
        assert after_second[users[inspector.id]] != after_first[users[inspector.id]]
    assert after_second[users[bystander.id]] == before[users[bystander.id]]
    if db.engine.dialect.name == "sqlite":
        names = db.session.execute(sa_text("SELECT name FROM sqlite_master")).scalars().all()
        assert set(_NEW_VISIT_TRIGGERS) <= set(names)
    row = db.session.scalar(select(VisitInspector).where(VisitInspector.inspector_id == team[0].id))
    row.inspector_id = bystander.id  # a row trigger still answers a later write
    db.session.commit()
    assert tokens()[users[bystander.id]] != before[users[bystander.id]]


def test_a_visit_without_a_window_shows_a_dash_not_none(client_request, db):
    """A visit's window is nullable (the phone's list says — for it); the merged plan printed None – None."""
    from factories import review as rf

    rf.scenario()  # a visit built without a window
    assert db.session.scalar(select(Visit.window_start)) is None
    client_request.login("shuocheng", "supervisor", "140602")
    text = client_request.get("visits.index").select_one("main").get_text()
    assert "None" not in text and "— · " in " ".join(text.split())
