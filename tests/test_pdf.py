"""PDF records: CJK font embedded, Chinese text extractable, page numbers, QR code, restricted fetcher."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from factories import publication as f
from pdf_reading import assert_cjk_embedded, pdf_pages, pdf_text, qr_codes
from fieldapp.publication import operations
from fieldapp.publication.pdf.fetcher import RefusedURL, RestrictedFetcher
from fieldapp.publication.pdf.render import html_to_pdf


@pytest.fixture
def app_config(tmp_path):
    # gs.example.cn: the public name the bureau serves the site under (a trusted host).
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache"), "TRUSTED_HOSTS": ["localhost", "gs.example.cn"]}


def _publish(db):
    result = f.approved_result()
    [record] = operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    return result, record


def test_published_record_pdf(client_request, db, tmp_path):
    result, record = _publish(db)
    response = client_request.get_response(
        "publication.public_record_pdf", public_id=record.public_id, _base_url="https://gs.example.cn"
    )
    assert response.mimetype == "application/pdf"
    path = tmp_path / "record.pdf"
    path.write_bytes(response.data)
    assert_cjk_embedded(path)
    text = pdf_text(path)
    for expected in (
        "抽查检查结果",
        "朔州市朔城区中石化民福加油站",
        result.subject.uscc,
        "朔城区市场监督管理局",
        "发现问题已责令改正",
        "第1页共1页",
        record.short_hash,
    ):
        assert expected in text.replace(" ", ""), expected
    for secret in (f.SECRET_NOTE, f.INSPECTOR_NAME, f.FINDING_TEXT):
        assert secret not in text
    assert qr_codes(path, tmp_path) == [
        f"https://gs.example.cn/public/results/{record.public_id}?h={record.short_hash}"
    ]


def test_public_pdfs_are_cached_by_content(client_request, db, app, tmp_path):
    result, record = _publish(db)
    cache = Path(app.config["PDF_CACHE_DIR"])
    first = client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data
    assert len(list(cache.glob("*.pdf"))) == 1
    assert client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data == first
    assert len(list(cache.glob("*.pdf"))) == 1
    result.result_code = "1"
    db.session.commit()
    new = operations.correct(record, f.supervisor("140602"), "更正")
    db.session.commit()
    corrected = client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data
    assert corrected != first and len(list(cache.glob("*.pdf"))) == 2
    path = tmp_path / "corrected.pdf"
    path.write_bytes(corrected)
    text = pdf_text(path).replace(" ", "")
    assert new.short_hash in text and "已于" in text and "更正" in text and record.short_hash in text


def test_task_notice_pdf_counts_pages(client_request, db, tmp_path):
    result, _ = _publish(db)
    sup = f.supervisor("140602")
    for n in range(2, 70):
        other = f.approved_result(f.subject(n, f"朔城区第{n}号加油站"), tsk=result.task)
        operations.publish([other], sup)
    db.session.commit()
    response = client_request.get_response("publication.public_task_pdf", task_id=result.task_id)
    path = tmp_path / "task.pdf"
    path.write_bytes(response.data)
    text = pdf_text(path)
    pages = pdf_pages(path)
    assert pages >= 2
    squeezed = text.replace(" ", "")
    assert f"第1页共{pages}页" in squeezed and f"第{pages}页共{pages}页" in squeezed
    assert "抽查结果公示表" in text and "朔城区第69号加油站" in text
    codes = qr_codes(path, tmp_path)
    assert codes and codes[0].startswith(f"http://localhost/public/tasks/{result.task_id}/results?h=")


def test_visit_record_pdf_for_supervisors_only(client_request, db, tmp_path):
    result, record = _publish(db)
    pdf = {"endpoint": "publication.visit_record_pdf", "visit_id": result.visit_id}
    login_page = client_request.get_response(**pdf, _expected_status=302).location
    assert login_page.startswith(client_request.url_for("auth.login"))
    client_request.login("pinglu", "supervisor", "140603")
    client_request.get_response(**pdf, _expected_status=404)  # another county's visit
    client_request.logout()
    client_request.login("shuocheng-inspector", "inspector", "140602")
    client_request.get_response(**pdf, _expected_status=403)
    client_request.logout()
    client_request.login("shuocheng", "supervisor", "140602")
    response = client_request.get_response(**pdf)
    assert response.headers["Cache-Control"] == "private, no-store"
    path = tmp_path / "visit.pdf"
    path.write_bytes(response.data)
    assert_cjk_embedded(path)
    text = pdf_text(path)
    squeezed = text.replace(" ", "").replace("\n", "")
    for expected in (
        "现场检查记录",
        "加油站在用强检计量器具",
        "已向社会作出公开诚信计量自我承诺",
        "已建立计量管理制度",
        "不符合",
        f.FINDING_TEXT,
        f.INSPECTOR_NAME,
        "实地检查",
        "现场照片",
        "签名",
        "发现问题已责令改正",
    ):
        assert expected in squeezed, expected
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
    assert len([line for line in images.splitlines()[2:] if line.strip()]) >= 2  # photo and signature embedded
    assert qr_codes(path, tmp_path) == [f"http://localhost/public/results/{record.public_id}?h={record.short_hash}"]


def test_plan_pdf(client_request, db, tmp_path):
    f.task(1, "市场主体登记事项检查")
    f.task(7)
    db.session.commit()
    response = client_request.get_response("publication.public_plan_pdf", year=2021)
    path = tmp_path / "plan.pdf"
    path.write_bytes(response.data)
    text = pdf_text(path)
    assert "双随机抽查工作计划" in text and "加油站计量监督检查" in text and "市场主体登记事项检查" in text
    assert_cjk_embedded(path)
    [decoded] = qr_codes(path, tmp_path)
    assert decoded.startswith("http://localhost/public/plan/2021?h=")
    assert decoded.split("h=")[1] in text
    client_request.get_response("publication.public_plan_pdf", year=2019, _expected_status=404)
    for unit_code in ("140603", "nowhere"):  # no county plan published; no such unit
        client_request.get_response(
            "publication.public_unit_plan_pdf", year=2021, unit_code=unit_code, _expected_status=404
        )


def test_fetcher_allows_static_and_the_records_media_only(app, tmp_path):
    static = Path(app.static_folder)
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"\x89PNG mine")
    other = tmp_path / "other.png"
    other.write_bytes(b"\x89PNG other")
    fetcher = RestrictedFetcher(static, [mine])
    assert fetcher((static / "css" / "app.css").as_uri()).read().startswith(b"/*")
    assert fetcher(mine.as_uri()).read() == b"\x89PNG mine"
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"
    refused = [
        "http://127.0.0.1:9/x.png",
        "https://example.com/font.woff",
        "ftp://example.com/x",
        other.as_uri(),
        "file:///etc/passwd",
        (static / ".." / "fieldapp" / "config.py").as_uri(),
        (static / "css" / ".." / ".." / "instance").as_uri(),
        "file://evil.example/etc/passwd",
    ]
    for url in refused:
        with pytest.raises(RefusedURL):
            fetcher(url)
    assert fetcher.refused == refused


def test_rendering_refuses_outside_urls(app, tmp_path):
    """A document that tries to load the network or a local file renders without them."""
    from fieldapp.publication.pdf.fetcher import RestrictedFetcher

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    fetcher = RestrictedFetcher(app.static_folder)
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        f'<img src="https://example.com/track.png"><img src="{secret.as_uri()}">'
        f'<object data="{secret.as_uri()}"></object><p>正文</p>'
    )
    with app.test_request_context():
        pdf = html_to_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert "http://127.0.0.1:9/evil.css" in fetcher.refused and "https://example.com/track.png" in fetcher.refused
    assert secret.as_uri() in fetcher.refused
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    assert "TOP-SECRET-CONTENT" not in pdf_text(path)


def test_task_notice_is_drawn_by_a_job_not_in_the_request(client_request, db, tmp_path, monkeypatch):
    """With a real queue (no worker yet) the request only queues the job and answers 202 with a page
    that reloads; a burst of readers queues one job; the worker draws it and the next request serves it."""
    from sqlalchemy import select

    from fieldapp.extensions import huey
    from fieldapp.jobs import runtime
    from fieldapp.jobs.models import Job
    from fieldapp.publication import notice_job

    result, _ = _publish(db)
    notice = {"endpoint": "publication.public_task_pdf", "task_id": result.task_id}
    monkeypatch.setattr(huey, "_immediate", False)
    rendered, real = [], notice_job.render_notice
    monkeypatch.setattr(notice_job, "render_notice", lambda *args: rendered.append(1) or real(*args))
    first = client_request.get_response(**notice, _expected_status=202)
    assert first.headers["Retry-After"] == "3"
    assert 'http-equiv="refresh"' in first.get_data(as_text=True) and rendered == []
    client_request.get_response(**notice, _expected_status=202)
    jobs = db.session.scalars(select(Job)).all()
    assert len(jobs) == 1 and jobs[0].status == "queued"
    runtime.execute(jobs[0].id)  # the worker
    assert rendered == [1]
    ready = client_request.get_response(**notice)
    assert ready.mimetype == "application/pdf" and rendered == [1]
    path = tmp_path / "task.pdf"
    path.write_bytes(ready.data)
    assert "抽查结果公示表" in pdf_text(path)


def test_a_renamed_task_gets_a_fresh_notice_not_the_saved_one(client_request, db, tmp_path):
    """The saved notice is keyed by the task's list and by what its heading says of the task and
    plan: renaming the task (or the plan) draws it again, as a newly published record does."""
    result, _ = _publish(db)
    notice = {"endpoint": "publication.public_task_pdf", "task_id": result.task_id}
    path = tmp_path / "task.pdf"
    path.write_bytes(client_request.get_response(**notice).data)
    old_name = result.task.name
    assert old_name in pdf_text(path).replace("\n", "")
    result.task.name = "加油机计量器具专项检查"
    db.session.commit()
    path.write_bytes(client_request.get_response(**notice).data)
    text = pdf_text(path).replace("\n", "")
    assert "加油机计量器具专项检查" in text and old_name not in text
    assert len(list((tmp_path / "pdf-cache").glob("*.pdf"))) == 2
    result.task.plan.title = "2021年度朔州市市场监管系统双随机抽查计划（修订）"
    db.session.commit()
    client_request.get_response(**notice)
    assert len(list((tmp_path / "pdf-cache").glob("*.pdf"))) == 3
