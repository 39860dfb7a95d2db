"""The citizens' pages: search, a record, a subject, a task's notice; public fields only, no leaks."""

from __future__ import annotations

from datetime import date

from factories import publication as f
from fieldapp.publication import operations


def _published(db, **kwargs):
    result = f.approved_result(**kwargs)
    [record] = operations.publish([result], f.supervisor(result.inspecting_unit.code), on=date(2021, 7, 1))
    db.session.commit()
    return result, record


def test_search_page_finds_by_fragment_and_uscc(client_request, db):
    result, record = _published(db)
    uscc = result.subject.uscc
    for query in ("民福", "中石化民福加油", uscc, uscc.lower()):
        soup = client_request.get("publication.public_results", q=query)
        names = [a.get_text(strip=True) for a in soup.select("#results .result-card__name")]
        assert names == ["朔州市朔城区中石化民福加油站"], query
    soup = client_request.get("publication.public_results", q="不存在的企业")
    assert soup.select_one("#results .no-results") is not None


def test_a_short_fragment_matches_as_typed_whatever_the_case(client_request, db):
    # Under three characters no trigram index helps: the published names are read along the
    # listing, as LIKE when no case can differ (Chinese characters, digits), else ignoring case.
    _published(db, subj=f.subject(1, name="朔州市KTV娱乐城"))
    _published(db, subj=f.subject(2, name="朔州市ktv量贩"))
    _published(db, subj=f.subject(3, name="朔州市民福2号店"))

    def names(query):
        page = client_request.get("publication.public_results", q=query)
        return sorted(a.get_text(strip=True) for a in page.select("#results .result-card__name"))

    _published(db, subj=f.subject(4, name="朔州市100%纯净水店"))
    assert names("Kt") == names("kT") == ["朔州市KTV娱乐城", "朔州市ktv量贩"]
    assert names("民福") == names("2号") == ["朔州市民福2号店"]
    assert names("号X") == []
    # PostgreSQL looks a pair up among the names' pairs of characters first: the same rows.
    assert names("市K") == names("市k") == ["朔州市KTV娱乐城", "朔州市ktv量贩"]
    assert names("0%") == names("%纯") == ["朔州市100%纯净水店"]
    assert names("_纯") == names("V_") == []
    assert names("朔州") == ["朔州市100%纯净水店", "朔州市KTV娱乐城", "朔州市ktv量贩", "朔州市民福2号店"]


def test_bad_filters_are_explained_and_valid_ones_kept(client_request, db):
    _published(db)
    soup = client_request.get("publication.public_results", q="民福", year="20x1", county="999999")
    assert len(soup.select("#results [role=alert]")) == 2
    assert [a.get_text(strip=True) for a in soup.select(".result-card__name")] == ["朔州市朔城区中石化民福加油站"]
    assert soup.select_one("#q")["value"] == "民福"
    soup = client_request.get("publication.public_results", q="民")
    assert soup.select_one("#results [role=alert]") is not None


def test_htmx_search_returns_only_the_results_fragment(client_request, db):
    _published(db)
    response = client_request.get_response(
        "publication.public_results", _headers={"HX-Request": "true", "HX-Target": "results"}, q="民福"
    )
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_record_page_shows_public_fields_only(client_request, db):
    result, record = _published(db)
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    fields = {dd["data-field"]: dd.get_text(strip=True) for dd in soup.select("dd[data-field]")}
    assert fields == {
        "plan_name": record.plan_name,
        "subject_name": "朔州市朔城区中石化民福加油站",
        "subject_ident": result.subject.uscc,
        "inspecting_unit_name": "朔城区市场监督管理局",
        "task_kind": "定向",
        "task_name": "加油站计量监督检查",
        "inspected_on": "2021-06-15",
        "result_label": "发现问题已责令改正",
        "follow_up_public": "已责令改正",
        "published_on": "2021-07-01",
    }
    assert record.plan_name and soup.select_one("[data-hash]").get_text() == record.short_hash
    media = [m.sha256 for m in result.submission.media] + [m.storage_key for m in result.submission.media]
    secrets = [
        *f.SECRETS,
        "13800002222",
        "民福街",
        "112.43",
        "media/",
        *media,
    ]
    pages = (
        ("publication.public_record", {"public_id": record.public_id}),
        ("publication.public_subject", {"ident": record.subject_ident}),
        ("publication.public_task", {"task_id": record.task_id}),
        ("publication.public_results", {"q": "民福"}),
        ("publication.open_data_csv", {}),
        ("publication.open_data_json", {}),
    )
    for endpoint, args in pages:
        body = client_request.get_response(endpoint, **args).get_data(as_text=True)
        assert "民福" in body, endpoint
        for secret in secrets:
            assert secret not in body, (endpoint, secret)
        if not endpoint.startswith("publication.open_data"):
            main = client_request.get(endpoint, **args).select_one("main")
            assert main.select("img, svg, object, iframe") == [], endpoint


def test_printed_copy_check(client_request, db):
    _, record = _published(db)
    soup = client_request.get("publication.public_record", public_id=record.public_id, h=record.short_hash)
    assert "flash--success" in soup.select_one(".verify-result")["class"]
    soup = client_request.get("publication.public_record", public_id=record.public_id, h="0000-0000")
    assert "flash--error" in soup.select_one(".verify-result")["class"]


def test_corrected_record_says_so_with_the_earlier_date(client_request, db):
    result, record = _published(db)
    old_hash = record.short_hash
    result.result_code = "1"
    db.session.commit()
    operations.correct(record, f.supervisor("140602"), "结果录入有误", on=date(2021, 7, 9))
    db.session.commit()
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    notice = soup.select_one(".corrected-notice").get_text()
    assert "2021-07-09" in notice and "结果录入有误" in notice
    earlier = soup.select_one(".versions").get_text()
    assert "2021-07-01" in earlier and old_hash in earlier
    assert soup.select_one('dd[data-field="result_label"]').get_text(strip=True) == "未发现问题"
    soup = client_request.get("publication.public_record", public_id=record.public_id, h=old_hash)
    assert "flash--warning" in soup.select_one(".verify-result")["class"]
    listing = client_request.get("publication.public_results", q="民福")
    assert len(listing.select(".result-card")) == 1 and listing.select_one(".badge--bad") is not None


def test_subject_and_task_pages(client_request, db):
    result, record = _published(db)
    other = f.approved_result(f.subject(2, "朔城区恒达眼镜店"), tsk=result.task)
    operations.publish([other], f.supervisor("140602"))
    db.session.commit()
    soup = client_request.get("publication.public_subject", ident=record.subject_ident)
    assert len(soup.select("tbody tr")) == 1
    soup = client_request.get("publication.public_task", task_id=record.task_id)
    assert len(soup.select("tbody tr")) == 2
    soup = client_request.get("publication.public_results")
    task_page = client_request.url_for("publication.public_task", task_id=record.task_id)
    assert [a["href"] for a in soup.select(".task-notices a")] == [task_page]
    client_request.get("publication.public_subject", _expected_status=404, ident="NOPE")
    client_request.get("publication.public_record", _expected_status=404, public_id="zzz")
    client_request.get("publication.public_record", _expected_status=404, public_id="0123456789ab")
    client_request.get("publication.public_task", _expected_status=404, task_id=999)


def test_search_and_open_data_are_rate_limited(app, db):
    from conftest import IsolatedClient, make_app, new_browser

    limited = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        PUBLIC_SEARCH_LIMIT="3 per minute",
        OPEN_DATA_LIMIT="1 per minute",
        RATELIMIT_STORAGE_URI="memory://",
    )
    limited.test_client_class = IsolatedClient
    visitor = new_browser(limited)
    search = "publication.public_results"
    # Pages built for the address: three, then it is refused.
    for n, status in enumerate((200, 200, 200, 429)):
        visitor.get_response(search, q=f"民福{n}", _expected_status=status)
    # Cached pages are answered before Flask within a window of the same limit, then Flask refuses too.
    for status in (200, 200, 200, 429):
        visitor.get_response(search, q="民福0", _expected_status=status)
    new_browser(limited).get_response(search, q="民福0", _environ_base={"REMOTE_ADDR": "10.0.0.2"})
    for status in (200, 429):
        visitor.get_response("publication.open_data_csv", _expected_status=status)
