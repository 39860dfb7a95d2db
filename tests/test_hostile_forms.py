"""Hostile input to every staff form post the app has — the routes read from the app, not found by
following links, so a form on a page no link reaches is posted too — with Hypothesis-made values (NUL
and other control characters, bidi marks, full-width digits, huge, negative and NaN numbers, dates
from 0000-00-00 to 9999-12-31, 100,000-character strings), repeated keys, missing fields, missing
CSRF tokens, the wrong content type (JSON with lone surrogates, plain text), file parts with no file,
an empty name, no bytes or a name climbing out of its folder, htmx headers and garbage
Accept-Language. Never a 500, and every page still renders afterwards (nothing stored that breaks
it). Damaged workbooks are refused with a message, and the rejects file never carries a formula."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from conftest import path_for
from factories import publication as pf
from factories import review as rf
from factories.draws import draw_day  # noqa: F401  (autouse: the draw's clock)
from factories.draws import declare_conflict, make_subjects, make_task, make_team
from factories.plans import seed_rows, to_xlsx
from factories.rosters import HEADER as ROSTER_HEADER
from factories.subjects import GOOD1, GOOD2, HEADER as SUBJECT_HEADER
from fieldapp import clock
from fieldapp.auth.models import Unit, User
from fieldapp.draws.models import Draw, DrawAssignment, DrawCommitment
from fieldapp.extensions import db
from fieldapp.inspections.models import Submission
from fieldapp.inspectors.models import Conflict, Inspector
from fieldapp.jobs.models import Job, JobStatus
from fieldapp.plans.models import InspectionItem, Plan, Task
from fieldapp.publication.models import PublishedResult
from fieldapp.review.models import AbnormalListingProposal, FollowUpCase, InspectionResult
from fieldapp.subjects.models import Subject
from fieldapp.visits.models import Visit

FUZZ = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
NEVER_POSTED = ("/logout", "/login", "/language", "/api/")

NASTY = [
    "\x00", "a\x00b", "\x1b[31m\x07\x08", "\u202e\u200f名称\u202c", "\ufeff", "２０２１", "１２．５", "0000-00-00",
    "9999-12-31", "2021-02-30", "-1", "-0", "10" * 20, "1e309", "NaN", "-Infinity", "0x10", " \t\r\n",
    "=HYPERLINK(\"http://x\")", "' OR 1=1 --", "%_\\[", "../../etc/passwd", "<script>x</script>", "x" * 100_000,
]  # fmt: skip
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.isoformat().translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    st.dates().map(str),
)
FILES = st.sampled_from(
    [(b"", ""), (b"", "empty.xlsx"), (b"a,b\n", "../../x"), (b"\x00" * 64, "nul.csv"), (b"PK\x03\x04", "x.docx")]
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "HX-Request": st.just("true"),
        "HX-Target": st.sampled_from(["#results", "\x7f", "x" * 500]),
        "Accept-Language": st.sampled_from(["xx-YY;q=abc, *;q=-1", "zh-CN;q=2,en;q=NaN", ";;;,,,", "en" * 500]),
    },
)


def _world() -> dict:
    """One of most records (plan, task, item, draw, visit with a submission, result, published record,
    case, listing proposal, inspector with a conflict, finished job) and the URL arguments naming them."""
    from fieldapp.draws.commitments import commit
    from fieldapp.draws.operations import run_draw

    rf.scenario()
    make_subjects({"A": 6, "B": 3}, division="140602")
    team = make_team("140602", 4)
    task = make_task(2)
    task.items.append(InspectionItem(number=1, text="计量器具检定情况"))
    county = db.session.scalar(select(Unit).where(Unit.code == "140602"))
    db.session.flush()
    run_draw(commit(task, 1, county, exception_reason="测试"), witness="见证人")
    result = pf.approved_result(unit_code="140602")
    db.session.add(FollowUpCase(result_id=result.id, subject_id=result.subject_id, assigned_unit_id=county.id))
    db.session.add(
        AbnormalListingProposal(result_id=result.id, subject_id=result.subject_id, unit_id=county.id, reason_code="1")
    )
    declare_conflict(team[0], person="某某")
    from fieldapp.publication.operations import publish

    publish([result], pf.supervisor("140602"))
    db.session.commit()

    def first(model):
        return db.session.scalar(select(model.id).order_by(model.id))

    plan_task = db.session.get(Task, first(Task))
    job = Job(kind="subjects.import", owner_id=first(User), title="导入", created_at=clock.now(), status=JobStatus.DONE)
    db.session.add(job)
    db.session.commit()
    return {
        "plan_id": first(Plan), "number": plan_task.number, "task_id": task.id, "item_id": first(InspectionItem),
        "inspector_id": first(Inspector), "conflict_id": first(Conflict), "draw_id": first(Draw),
        "commitment_id": first(DrawCommitment), "assignment_id": first(DrawAssignment), "visit_id": first(Visit),
        "submission_id": first(Submission), "result_id": first(InspectionResult), "subject_id": first(Subject),
        "case_id": first(FollowUpCase), "proposal_id": first(AbnormalListingProposal), "user_id": first(User),
        "job_id": job.id, "public_id": db.session.scalar(select(PublishedResult.public_id)), "year": 2021,
        "unit_code": "140602", "round_": 1, "checklist_id": "fuel-dispensers", "entry_id": 1, "device_id": 1,
        "invitation_id": 1, "answer": "accept", "decision": "approve", "name": "rejects.csv",
    }  # fmt: skip


def _urls(app, args: dict, method: str) -> dict[str, str]:
    """Every route taking ``method`` (its URL with the world's records) but the public ones and the API."""
    urls = {}
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.endpoint != "static" and set(rule.arguments) <= set(args):
            url = path_for(app, rule.endpoint, **{a: args[a] for a in rule.arguments})
            if not url.startswith(NEVER_POSTED):
                urls[rule.endpoint] = url
    return urls


def _forms(client, pages) -> dict[str, list[tuple[str, str | None]]]:
    """The fields of every post form on ``pages``, by action (``None`` for a file input)."""
    forms: dict[str, list[tuple[str, str | None]]] = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500, url
        if "text/html" not in response.content_type:
            continue
        for form in BeautifulSoup(response.text, "html.parser").find_all("form", method=re.compile("post", re.I)):
            fields = []
            for el in form.find_all(["input", "select", "textarea"]):
                if el.get("name") and el.get("type") != "file":
                    option = el.find("option", selected=True) or el.find("option") if el.name == "select" else None
                    fields.append((el["name"], option.get("value", option.text) if option else el.get("value", "")))
                elif el.get("name"):
                    fields.append((el["name"], None))
            forms.setdefault(form.get("action") or url, fields)
    return forms


def _pages_render(client, pages) -> list[str]:
    return [url for url in pages if client.get(url).status_code >= 500]


@st.composite
def _hostile_post(draw, targets: list[tuple[str, list]]):
    action, fields = draw(st.sampled_from(targets))
    if not fields:  # a route no page shows a form for: the names other forms use
        fields = [(n, "") for n in ("reason", "note", "name", "lock_version", "date", "year", "unit", "file")]
    data = MultiDict()
    for name, value in fields:
        how = draw(st.sampled_from(["keep", "hostile", "hostile", "drop", "twice"]))
        if value is None:
            if how != "drop":
                content, filename = draw(FILES)
                data.add(name, (io.BytesIO(content), filename))
        elif how != "drop":
            data.add(name, value if how == "keep" else draw(HOSTILE))
            if how == "twice":
                data.add(name, draw(HOSTILE))
    return action, data, draw(st.sampled_from(["multipart", "form", "json", "text"])), draw(HEADERS)


def _send(client, action: str, data: MultiDict, kind: str, headers: dict):
    if kind == "json":  # lone surrogates, escaped, as a script might send them
        body = json.dumps({k: v + "\ud800" for k, v in data.items(multi=True) if isinstance(v, str)})
        return client.post(action, data=body, content_type="application/json", headers=headers)
    if kind == "text":
        return client.post(action, data=b"\x00\xff" * 10, content_type="text/plain", headers=headers)
    if kind == "form":
        data = MultiDict([(k, v) for k, v in data.items(multi=True) if isinstance(v, str)])
        return client.post(action, data=data, content_type="application/x-www-form-urlencoded", headers=headers)
    return client.post(action, data=data, content_type="multipart/form-data", headers=headers)


@pytest.mark.parametrize("role,unit", [("admin", "city"), ("supervisor", "140602")])
def test_every_post_route_takes_hostile_forms_without_a_500_and_every_page_still_renders(app, client, auth, role, unit):
    args = _world()
    auth.login(f"fuzz-{role}", role, unit)
    pages = list(_urls(app, args, "GET").values())
    forms = _forms(client, pages)
    targets = [(url, forms.get(url, [])) for url in _urls(app, args, "POST").values()]
    assert len(targets) >= 35 and sum(bool(f) for _, f in targets) >= 8, targets

    @FUZZ
    @given(_hostile_post(targets))
    def post(sent):
        action, data, kind, headers = sent
        response = _send(client, action, data, kind, headers)
        assert response.status_code < 500, (action, kind, response.status_code)

    post()
    assert _pages_render(client, pages) == []


def test_a_post_without_its_csrf_token_is_refused_not_a_500_and_changes_nothing(app, client, auth):
    args = _world()
    auth.login("fuzz-admin", "admin", "city")
    app.config["WTF_CSRF_ENABLED"] = True
    before = {model: db.session.query(model).count() for model in (Task, Inspector, PublishedResult, Conflict)}
    for url in _urls(app, args, "POST").values():
        response = client.post(url, data={"name": "无令牌", "reason": "无令牌", "lock_version": "0"})
        assert response.status_code == 400, (url, response.status_code)
        assert "text/html" in response.content_type
    db.session.expire_all()
    assert {model: db.session.query(model).count() for model in before} == before
    assert db.session.scalar(select(Submission.state).order_by(Submission.id)) == "submitted"


JSON_BODIES = ['{"name": "\\ud800"}', "[1, 2]", '"x"', '{"name": 5, "lock_version": true}']


@pytest.mark.parametrize("language,words", [("zh_CN", "只接收其表单"), ("en", "takes what its form sends")])
def test_a_json_body_to_a_page_is_refused_in_the_users_language(app, client, auth, language, words):
    """Flask-WTF reads a JSON body as the form: a lone surrogate shown back, a list or a number in a text
    field were a 500 on the plan, task, inspector, draw and calendar forms. Pages take forms only."""
    args = _world()
    auth.login("fuzz-admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    urls = _urls(app, args, "POST")
    for endpoint in ("plans.new_task", "inspectors.edit", "draws.run", "calendar.add_day", "plans.import_file"):
        for body in JSON_BODIES:
            response = client.post(urls[endpoint], data=body, content_type="application/json")
            assert response.status_code == 415, (endpoint, body, response.status_code)
            assert words in response.text
    assert db.session.scalar(select(Inspector.name).order_by(Inspector.id)) != "5"


@given(headers=HEADERS, query=st.sampled_from(["page=-1&page=2", "page=" + "9" * 20, "sort=id;drop&sort=x", "q=%00"]))
@settings(FUZZ, max_examples=6)
def test_list_pages_take_htmx_headers_garbage_languages_and_repeated_parameters(app, client, auth, headers, query):
    if not db.session.scalar(select(User.id).where(User.username == "fuzz-lists")):
        auth.login("fuzz-lists", "admin", "city")
    for url in _urls(app, {}, "GET").values():
        assert client.get(f"{url}?{query}", headers=headers).status_code < 500, url


# --- damaged workbooks and the rejects file ------------------------------------------------------


def _cut_sheet(xlsx: bytes) -> bytes:
    """The workbook with its first sheet's XML cut off half-way (a download or a copy that stopped)."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, body[: len(body) // 2] if item.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


@pytest.mark.parametrize("language,words", [("zh_CN", "已损坏"), ("en", "damaged")])
def test_a_plan_workbook_cut_short_is_refused_with_a_message(client, auth, language, words):
    auth.login("fuzz-admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    upload = {"file": (io.BytesIO(_cut_sheet(to_xlsx(seed_rows()))), "plan.xlsx"), "year": "2021"}
    response = client.post("/plans/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422
    assert words in response.text
    assert db.session.scalar(select(Task.id)) is None


@pytest.mark.parametrize(
    "url,header,row",
    [
        ("/subjects/import", SUBJECT_HEADER, [GOOD1, "朔州市某加油站"]),
        ("/inspectors/import", ROSTER_HEADER, ["张三", "1406020001", "2030-12-31", "朔州市市场监督管理局"]),
    ],
)
def test_a_directory_or_roster_workbook_cut_short_is_refused_with_a_message(client, auth, url, header, row):
    auth.login("fuzz-admin", "admin", "city")
    rows = [header, *[row + [""] * (len(header) - len(row))] * 200]
    response = client.post(
        url, data={"file": (io.BytesIO(_cut_sheet(to_xlsx(rows, merge_blanks=False))), "t.xlsx")},
        content_type="multipart/form-data", follow_redirects=True,
    )  # fmt: skip
    assert response.status_code < 500
    job = db.session.scalar(select(Job))
    message = job.error if job is not None else response.text
    assert "已损坏" in message, message


def test_the_rejects_file_never_carries_a_formula_even_in_its_header(client, auth):
    """A header cell the importer does not read (=HYPERLINK(…)) is copied into the rejects file: as text."""
    auth.login("fuzz-admin", "admin", "city")
    header = [*SUBJECT_HEADER[:2], '=HYPERLINK("http://x","y")', "@SUM(A1)"]
    table = io.StringIO()
    csv.writer(table).writerows([header, [f"{GOOD2[:-1]}X", "坏码公司", "=1+1", "-2"], [GOOD1, "好公司", "", ""]])
    upload = {"file": (io.BytesIO(table.getvalue().encode("utf-8-sig")), "subjects.csv")}
    client.post("/subjects/import", data=upload, content_type="multipart/form-data")
    from fieldapp.jobs import files as job_files

    job = db.session.scalar(select(Job))
    text = (job_files.folder_of(job.id) / "rejects.csv").read_text(encoding="utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert """'=HYPERLINK("http://x","y")""" in cells  # the header is there, as text
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], text
    assert db.session.scalar(select(Subject.name).where(Subject.uscc == GOOD1)) == "好公司"
