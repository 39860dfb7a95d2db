"""The public search's page cache, ETags and keyset paging: a cached page is never stale, a
repeat visit is a 304, a signed-in user's page is never shared, no page skips or repeats a row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from conftest import new_browser
from factories import publication as f
from fieldapp.publication import operations
from fieldapp.publication.generation import current
from fieldapp.publication.models import PublishedResult
from fieldapp.publication.page_cache import cache
from fieldapp.search_objects import search_key
from fieldapp.subjects.models import Subject


def _publish(db, seq: int, name: str, on: date = date(2021, 7, 1), tsk=None):
    result = f.approved_result(subj=f.subject(seq, name=name), tsk=tsk)
    [record] = operations.publish([result], f.supervisor(result.inspecting_unit.code), on=on)
    db.session.commit()
    return record


SEARCH = "publication.public_results"
HTMX = {"HX-Request": "true", "HX-Target": "results"}


def _names(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.select("#results .result-card__name")]


def test_a_publication_shows_in_the_next_search_at_once(app, client_request, db):
    _publish(db, 1, "朔州市民福加油站")
    assert _names(client_request.get(SEARCH, q="民福")) == ["朔州市民福加油站"]
    assert _names(client_request.get(SEARCH, q="民福")) == ["朔州市民福加油站"]
    assert cache().hits >= 1  # the second answer came from the cache
    before = current()
    _publish(db, 2, "朔州市民福超市", tsk=f.task(8, "超市计量检查"))
    assert current() != before
    assert sorted(_names(client_request.get(SEARCH, q="民福"))) == ["朔州市民福加油站", "朔州市民福超市"]
    # The htmx fragment and the task list of the full page are new too.
    assert len(_names(client_request.get(SEARCH, q="民福", _headers=HTMX))) == 2
    assert "超市计量检查" in client_request.get_response(SEARCH).text


def test_a_correction_and_a_rename_in_the_directory_change_the_page(app, client_request, db):
    record = _publish(db, 1, "朔州市民福加油站")
    assert "更正" not in client_request.get_response(SEARCH, q="民福").text
    operations.correct(record, f.supervisor("140602"), note="处置更正", follow_up_public="已责令改正，复查合格")
    db.session.commit()
    assert "更正" in client_request.get_response(SEARCH, q="民福").text
    # Found by the directory's current name: a rename (even by a bulk UPDATE, which writes the
    # name's search form beside it as the importer does) is seen at once.
    assert _names(client_request.get(SEARCH, q="恒达商贸")) == []
    renamed = "朔州市恒达商贸有限公司"
    db.session.execute(update(Subject).values(name=renamed, name_key=search_key(renamed)))
    db.session.commit()
    assert _names(client_request.get(SEARCH, q="恒达商贸")) == ["朔州市民福加油站"]


def test_each_visitor_gets_their_own_csrf_token_from_a_cached_page(app, db):
    _publish(db, 1, "朔州市民福加油站")
    first, second = new_browser(app), new_browser(app)
    tokens = []
    for visitor in (first, second, first):
        page = visitor.get(SEARCH, q="民福")
        tokens.append(page.select_one(".language-form input[name=csrf_token]")["value"])
        assert "placeholder" not in page.select_one("body")["hx-headers"]
    assert cache().hits >= 2
    assert tokens[0] != tokens[1]  # the second visitor did not get the first one's token
    # Each token is the visitor's own: the language switch accepts it.
    app.config["WTF_CSRF_ENABLED"] = True
    results = second.url_for(SEARCH)
    second.post("core.set_language", _data={"lang": "en", "csrf_token": tokens[1], "next": results})
    assert "Spot-check results" in second.get_response(SEARCH, q="民福").text  # English: another cache entry
    assert "抽查结果" in first.get_response(SEARCH, q="民福").text


def test_a_repeat_visit_is_a_304_until_something_is_published(app, client_request, db):
    _publish(db, 1, "朔州市民福加油站")
    response = client_request.get_response(SEARCH, q="民福")
    etag = response.headers["ETag"]
    assert "public" in response.headers["Cache-Control"] and "max-age=" in response.headers["Cache-Control"]
    again = client_request.get_response(SEARCH, q="民福", _headers={"If-None-Match": etag}, _expected_status=304)
    assert again.data == b""
    # Another visitor (another session, another token in the page) never gets a 304 for it.
    new_browser(app).get_response(SEARCH, q="民福", _headers={"If-None-Match": etag})
    _publish(db, 2, "朔州市民福超市")
    after = client_request.get(SEARCH, q="民福", _headers={"If-None-Match": etag})
    assert len(_names(after)) == 2


def test_signed_in_pages_are_never_cached_or_shared(app, client_request, db, auth):
    _publish(db, 1, "朔州市民福加油站")
    client_request.get_response(SEARCH, q="民福")
    hits = cache().hits
    auth.create("city-supervisor", name="市局张科长")
    client_request.login("city-supervisor")
    page = client_request.get_response(SEARCH, q="民福")
    assert "ETag" not in page.headers and "public" not in page.headers.get("Cache-Control", "")
    assert cache().hits == hits
    anonymous = new_browser(app).get_response(SEARCH, q="民福").text
    assert (
        "市局张科长" in page.text
        and "市局张科长" not in anonymous
        and "log out" not in anonymous.lower()
        and "退出" not in anonymous
    )


def test_keyset_pages_neither_skip_nor_repeat_a_row(app, client_request, db):
    # 47 records over 4 days: many share a publication date, so the id breaks the ties.
    for n in range(47):
        _publish(db, n + 1, f"朔州市民福{n:02d}号店", on=date(2021, 7, 1 + n % 4))
    expected = list(
        db.session.scalars(
            select(PublishedResult.public_id).order_by(PublishedResult.published_on.desc(), PublishedResult.id.desc())
        )
    )
    seen, pages, url = [], [], client_request.url_for(SEARCH, q="民福")
    while url:
        page = client_request.get_url(url)
        ids = [a["href"].rsplit("/", 1)[1] for a in page.select(".result-card__name")]
        pages.append(ids)
        seen += ids
        next_link = page.select_one("a[rel=next]")
        url = next_link["href"] if next_link else None
    assert seen == expected and len(pages) == 3
    # A publication while paging neither shifts the pages already seen nor repeats a row.
    back, url = [], page.select_one("a[rel=prev]")["href"]
    newest = _publish(db, 99, "朔州市民福新店", on=date(2021, 7, 9))
    while url:
        page = client_request.get_url(url)
        back.insert(0, [a["href"].rsplit("/", 1)[1] for a in page.select(".result-card__name")])
        prev_link = page.select_one("a[rel=prev]")
        url = prev_link["href"] if prev_link else None
    assert back[1:] == pages[:-1]  # the new record leads the first page again; nothing is lost
    assert back[0] == [newest.public_id]
    # A cursor that is not one is explained, and the first page is shown.
    assert client_request.get(SEARCH, q="民福", after="yesterday").select_one("[role=alert]")


def test_the_form_keeps_each_chosen_filter_selected(app, client_request, db):
    record = _publish(db, 1, "朔州市民福加油站", tsk=f.task(8, "超市计量检查" * 8))
    _publish(db, 2, "朔州市民福超市")
    query = {"task": record.task_id, "division": "140602", "year": "2021", "result": record.result_code}
    for _ in range(2):  # built, then from the cache
        page = client_request.get(SEARCH, **query)
        chosen = {s["name"]: [o["value"] for o in s.select("option[selected]")] for s in page.select("form select")}
        assert chosen == {"task": [str(record.task_id)], "division": ["140602"], "year": ["2021"], "result": ["E"]}
        label = page.select_one(f'#task option[value="{record.task_id}"]').get_text()
        assert label.startswith("2021 · 8. 超市计量检查") and label.endswith("…") and len(label) < 60
        assert len(page.select(".task-notices li a")) == 2
    assert client_request.get(SEARCH).select("form select option[selected]") == []


def test_a_page_filled_into_the_shared_frame_is_the_page_the_whole_template_renders(app, db):
    # A visitor who is not signed in gets the page filled into a frame made once per language; it
    # must be exactly the template's own rendering, whatever the query's text, filters and page.
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from fieldapp.core.token_pages import Page
    from fieldapp.publication import routes_public
    from fieldapp.publication.forms import parse_search

    record = _publish(db, 1, '朔州市"民福"<加油站>&')
    for n in range(2, 24):
        _publish(db, n, f"朔州市民福{n:02d}号店", on=date(2021, 7, 1 + n % 4))
    queries = [
        {"q": "民福"},
        {"q": '"民福"<加', "division": "140602"},
        {"task": str(record.task_id), "division": "140602", "year": "2021", "result": record.result_code},
        {"q": "民福", "after": "2021-07-02.5", "page": "2"},
        {"q": "无此名称"},
        {},
    ]
    for lang in ("zh_CN", "en"):
        for query in queries:
            with app.test_request_context("/public/results", query_string=query):
                session["lang"] = lang
                options = cache().options(current(), routes_public._search_options)
                filters, errors = parse_search(routes_public.request.args, options.counties)
                assert errors == []
                whole = routes_public._search_page(filters, errors, options, False)
                shared = routes_public._search_page(filters, errors, options, False, shared_as=(current(), lang))
                assert Page.of(shared).with_token(generate_csrf()) == whole.encode(), query
                if query.get("division") and query.get("q"):  # the text as typed, escaped, and the county kept
                    assert 'value="&#34;民福&#34;&lt;加"' in whole and '<option value="140602" selected>' in whole
