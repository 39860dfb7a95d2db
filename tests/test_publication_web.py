"""The supervisors' publication pages: work list, preview, batch publish, correction, the county boundary."""

from __future__ import annotations

from sqlalchemy import select

from factories import publication as f
from fieldapp.publication.models import PublishedResult


def _published(db) -> int:
    return db.session.scalar(select(db.func.count()).select_from(PublishedResult))


def test_work_list_preview_and_batch_publish(client_request, db):
    a = f.approved_result(f.subject(1, "朔州市朔城区中石化民福加油站"))
    b = f.approved_result(f.subject(2, "朔城区恒达眼镜店"))
    other_county = f.approved_result(f.subject(3, "平鲁区井坪加油站", "140603"))
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    soup = client_request.get("publication.index")
    values = sorted(int(i["value"]) for i in soup.select("input[name=result_ids]"))
    assert values == sorted([a.id, b.id])
    assert soup.select_one(".badge--bad") is not None  # 2021 due dates are long overdue

    preview = client_request.post("publication.preview", _data={"result_ids": [a.id, b.id]}, _expected_status=200)
    names = [dd.get_text(strip=True) for dd in preview.select('dd[data-field="subject_name"]')]
    assert sorted(names) == sorted(["朔州市朔城区中石化民福加油站", "朔城区恒达眼镜店"])
    assert f.SECRET_NOTE not in str(preview) and f.FINDING_TEXT not in str(preview)
    assert _published(db) == 0  # preview publishes nothing

    client_request.post("publication.publish", _data={"result_ids": [a.id, b.id]})
    assert _published(db) == 2
    client_request.post("publication.publish", _data={"result_ids": [a.id]})
    assert client_request.get("publication.index").select_one(".flash--warning") is not None  # already published
    assert _published(db) == 2
    assert client_request.get("publication.index").select("input[name=result_ids]") == []

    # another county's result: 404 for preview and publish, nothing published
    client_request.get("publication.preview_one", _expected_status=404, result_id=other_county.id)
    for ids in ([other_county.id], [a.id, other_county.id], [999999]):
        client_request.post("publication.publish", _data={"result_ids": ids}, _expected_status=404)


def test_nothing_selected_is_explained(client_request, db):
    f.approved_result()
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    for endpoint in ("publication.preview", "publication.publish"):
        page = client_request.post(endpoint, _data={}, _expected_status=422)
        assert page.select_one("#selection-error").get_text(strip=True) == "请至少选择一条要公示的结果。"
        assert len(page.select("input[name=result_ids]")) == 1  # the list is there to choose from
    assert _published(db) == 0


def test_single_publish_goes_to_the_public_page(client_request, db):
    a = f.approved_result()
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    soup = client_request.get("publication.preview_one", result_id=a.id)
    assert soup.select_one('dd[data-field="result_label"]').get_text(strip=True) == "发现问题已责令改正"
    response = client_request.post_response("publication.publish", _data={"result_ids": [a.id]})
    record = db.session.scalar(select(PublishedResult))
    assert response.location == client_request.url_for("publication.public_record", public_id=record.public_id)


def test_other_units_and_roles_cannot_publish(client_request, db):
    a = f.approved_result()
    db.session.commit()
    client_request.login("city-sup", "supervisor", "city")  # city bureau, but not the inspecting unit
    client_request.get("publication.preview_one", _expected_status=404, result_id=a.id)
    client_request.logout()
    client_request.login("insp", "inspector", "140602")
    client_request.get("publication.index", _expected_status=403)
    client_request.post("publication.publish", _data={"result_ids": [a.id]}, _expected_status=403)


def test_correction_through_the_form(client_request, db):
    a = f.approved_result()
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post("publication.publish", _data={"result_ids": [a.id]})
    record = db.session.scalar(select(PublishedResult))
    public_id = record.public_id
    soup = client_request.post(
        "publication.correct",
        _data={"note": "", "follow_up_public": "已责令改正并复查合格"},
        _expected_status=422,
        public_id=public_id,
    )
    assert soup.select_one("#field-note .field__error") is not None
    assert soup.select_one("#follow_up_public").get_text().strip() == "已责令改正并复查合格"  # kept
    client_request.post(  # nothing differs
        "publication.correct",
        _data={"note": "补充复查情况", "follow_up_public": ""},
        _expected_status=422,
        public_id=public_id,
    )
    client_request.post(
        "publication.correct",
        _data={"note": "补充复查情况", "follow_up_public": "已责令改正并复查合格"},
        public_id=public_id,
    )
    versions = list(db.session.scalars(select(PublishedResult).order_by(PublishedResult.version)))
    assert [v.version for v in versions] == [1, 2] and versions[1].follow_up_public == "已责令改正并复查合格"
    client_request.logout()
    client_request.login("pinglu", "supervisor", "140603")
    client_request.get("publication.correct", _expected_status=404, public_id=public_id)


def test_two_supervisors_publishing_at_once_make_one_record(client_request, db, monkeypatch):
    from fieldapp.publication import operations

    a = f.approved_result()
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post("publication.publish", _data={"result_ids": [a.id]})
    # The second request checked before the first one committed: it does not see the record.
    monkeypatch.setattr(operations, "_ever_published", lambda result_id: False)
    client_request.post(
        "publication.publish",
        _data={"result_ids": [a.id]},
        _expected_redirect=client_request.url_for("publication.index"),
    )
    assert _published(db) == 1
    assert client_request.get("publication.index").select_one(".flash--error") is not None
