"""The supervisors' publication pages: work list, preview, batch publish, correction, the county boundary."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from factories import publication as f
from fieldapp.publication.models import PublishedResult


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_work_list_preview_and_batch_publish(client, db, auth):
    a = f.approved_result(f.subject(1, "朔州市朔城区中石化民福加油站"))
    b = f.approved_result(f.subject(2, "朔城区恒达眼镜店"))
    other_county = f.approved_result(f.subject(3, "平鲁区井坪加油站", "140603"))
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    soup = _soup(client.get("/publication/"))
    values = sorted(int(i["value"]) for i in soup.select("input[name=result_ids]"))
    assert values == sorted([a.id, b.id])
    assert soup.select_one(".badge--bad") is not None  # 2021 due dates are long overdue

    preview = _soup(client.post("/publication/preview", data={"result_ids": [a.id, b.id]}))
    names = [dd.get_text(strip=True) for dd in preview.select('dd[data-field="subject_name"]')]
    assert sorted(names) == sorted(["朔州市朔城区中石化民福加油站", "朔城区恒达眼镜店"])
    assert f.SECRET_NOTE not in str(preview) and f.FINDING_TEXT not in str(preview)
    assert db.session.scalar(select(db.func.count()).select_from(PublishedResult)) == 0  # preview publishes nothing

    response = client.post("/publication/publish", data={"result_ids": [a.id, b.id]})
    assert response.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(PublishedResult)) == 2
    client.post("/publication/publish", data={"result_ids": [a.id]})
    assert _soup(client.get("/publication/")).select_one(".flash--warning") is not None  # already published
    assert db.session.scalar(select(db.func.count()).select_from(PublishedResult)) == 2
    assert _soup(client.get("/publication/")).select("input[name=result_ids]") == []

    # another county's result: 404 for preview and publish, nothing published
    assert client.get(f"/publication/results/{other_county.id}/preview").status_code == 404
    assert client.post("/publication/publish", data={"result_ids": [other_county.id]}).status_code == 404
    assert client.post("/publication/publish", data={"result_ids": [a.id, other_county.id]}).status_code == 404
    assert client.post("/publication/publish", data={"result_ids": [999999]}).status_code == 404


def test_nothing_selected_is_explained(client, db, auth):
    f.approved_result()
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    response = client.post("/publication/preview", data={})
    assert response.status_code == 302
    assert _soup(client.get(response.headers["Location"])).select_one(".flash--error") is not None


def test_single_publish_goes_to_the_public_page(client, db, auth):
    a = f.approved_result()
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    soup = _soup(client.get(f"/publication/results/{a.id}/preview"))
    assert soup.select_one('dd[data-field="result_label"]').get_text(strip=True) == "发现问题已责令改正"
    response = client.post("/publication/publish", data={"result_ids": [a.id]})
    record = db.session.scalar(select(PublishedResult))
    assert response.headers["Location"].endswith(f"/public/results/{record.public_id}")


def test_other_units_and_roles_cannot_publish(client, db, auth):
    a = f.approved_result()
    db.session.commit()
    auth.login("city-sup", "supervisor", "city")  # city bureau, but not the inspecting unit
    assert client.get(f"/publication/results/{a.id}/preview").status_code == 404
    auth.logout()
    auth.login("insp", "inspector", "140602")
    assert client.get("/publication/").status_code == 403
    assert client.post("/publication/publish", data={"result_ids": [a.id]}).status_code == 403


def test_correction_through_the_form(client, db, auth):
    a = f.approved_result()
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    client.post("/publication/publish", data={"result_ids": [a.id]})
    record = db.session.scalar(select(PublishedResult))
    url = f"/publication/records/{record.public_id}/correct"
    response = client.post(url, data={"note": "", "follow_up_public": "已责令改正并复查合格"})
    assert response.status_code == 422
    soup = _soup(response)
    assert soup.select_one("#field-note .field__error") is not None
    assert soup.select_one("#follow_up_public").get_text().strip() == "已责令改正并复查合格"  # kept
    response = client.post(url, data={"note": "补充复查情况", "follow_up_public": ""})
    assert response.status_code == 422  # nothing differs
    response = client.post(url, data={"note": "补充复查情况", "follow_up_public": "已责令改正并复查合格"})
    assert response.status_code == 302
    versions = list(db.session.scalars(select(PublishedResult).order_by(PublishedResult.version)))
    assert [v.version for v in versions] == [1, 2] and versions[1].follow_up_public == "已责令改正并复查合格"
    auth.logout()
    auth.login("pinglu", "supervisor", "140603")
    assert client.get(url).status_code == 404


def test_two_supervisors_publishing_at_once_make_one_record(client, db, auth, monkeypatch):
    from fieldapp.publication import operations

    a = f.approved_result()
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    assert client.post("/publication/publish", data={"result_ids": [a.id]}).status_code == 302
    # The second request checked before the first one committed: it does not see the record.
    monkeypatch.setattr(operations, "current_version", lambda result_id: None)
    response = client.post("/publication/publish", data={"result_ids": [a.id]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/publication/")
    assert db.session.scalar(select(db.func.count()).select_from(PublishedResult)) == 1
    assert _soup(client.get("/publication/")).select_one(".flash--error") is not None
