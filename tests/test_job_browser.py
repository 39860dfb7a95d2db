"""A 100,000-row subject file uploaded in a real browser: the worker imports it while the page's
progress bar advances (htmx polling), a reload mid-way still shows it, the rejects file at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp.subjects.models import Subject
from job_files import real_queue_config, reject_lines, subject_file_with_rejects

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000


@pytest.fixture
def app_config(tmp_path):
    return real_queue_config(tmp_path)


@pytest.fixture
def worker(app, tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test",
        FIELDAPP_INSTANCE=str(tmp_path / "instance"),
        HUEY_SQLITE_PATH=app.config["HUEY_SQLITE_PATH"],
        JOBS_ROOT=app.config["JOBS_ROOT"],
        HUEY_IMMEDIATE="0",
    )
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "fieldapp.worker.huey", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


def progress(page) -> tuple[int, int]:
    count = page.locator(".job-progress__count")
    return int(count.get_attribute("data-done")), int(count.get_attribute("data-total"))


def test_upload_watch_reload_and_get_the_rejects(live_server, browser, auth, db, worker, tmp_path):
    path, valid, rejected = subject_file_with_rejects(tmp_path / "名录.csv", ROWS)
    auth.create("city-admin", "admin", "city", name="市局管理员")
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    live_server.sign_in(page, "city-admin")

    page.goto(live_server.url_for("subjects.import_file"))
    page.set_input_files("#subjects-file", str(path))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/jobs/*")
    job_url = page.url
    # The bar advances while the page stays put (htmx swaps the fragment in place).
    page.evaluate("window.__samePage = true")
    expect(page.locator(".job-progress__count")).to_be_visible(timeout=120_000)
    first, total = progress(page)
    assert total == ROWS
    page.wait_for_function(
        f"() => {{ const c = document.querySelector('.job-progress__count');"
        f" return c && +c.dataset.done > {first} && +c.dataset.done < {ROWS}; }}",
        timeout=120_000,
        polling=50,
    )
    seen, _ = progress(page)
    assert first < seen < ROWS and page.evaluate("window.__samePage") is True
    assert int(page.locator("progress.job-progress__bar").get_attribute("value")) >= seen

    page.reload()  # mid-way: the page shows the job as it stands, and goes on polling
    assert page.url == job_url
    after_reload, _ = progress(page)
    assert seen <= after_reload
    if after_reload < ROWS:
        assert page.locator("#job-progress").get_attribute("hx-get")
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "done", timeout=300_000)
    expect(page.locator("#job-progress [role=status]")).to_contain_text(f"{len(rejected)}")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载未导入的行").click()
    download = download_info.value
    saved = tmp_path / "rejects.csv"
    download.save_as(saved)
    assert download.suggested_filename == "rejects.csv"
    assert sorted(reject_lines(saved)) == sorted(rejected)
    assert db.session.scalar(select(func.count()).select_from(Subject)) == len(valid)
    context.close()
