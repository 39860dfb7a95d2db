"""A job's folder after the job: the upload and scratch files go when it finishes, the rejects file
its user downloads stays JOB_FILES_DAYS (then the periodic task deletes it), a failed job keeps its
upload for "run it again", and deleting a job deletes its folder."""

from __future__ import annotations

import csv
from datetime import timedelta

from sqlalchemy import select

from fieldapp import clock
from fieldapp.jobs import files, runtime
from fieldapp.jobs.models import Job
from job_files import subject_file_with_rejects, upload_subjects


def _clean_file(path, n=20):
    """``n`` valid rows, no rejects."""
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, SUBJECT_HEADER)
        writer.writeheader()
        writer.writerows(dict(row) for row in generate_subjects(n, 3))
    return path


def test_a_finished_import_keeps_only_its_rejects_file_until_it_expires(
    app, db, auth, client_request, tmp_path, frozen_clock
):
    path, _valid, rejected = subject_file_with_rejects(tmp_path / "s.csv", 1200)
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, path)
    job = db.session.scalar(select(Job))
    assert job.status == "done" and job.result["files"] == ["rejects.csv"]
    folder = files.folder_of(job.id)
    assert sorted(p.name for p in folder.iterdir()) == ["rejects.csv"]  # no upload, no seen-keys file
    client_request.get_response("jobs.download", job_id=job.id, name="rejects.csv")

    frozen_clock.set(clock.now() + timedelta(days=app.config["JOB_FILES_DAYS"]) - timedelta(minutes=1))
    assert files.purge_expired() == []  # not yet
    assert (folder / "rejects.csv").is_file()

    frozen_clock.set(clock.now() + timedelta(minutes=2))
    assert files.purge_expired() == [job.id]
    assert not folder.exists()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.result["files"] == [] and job.result["counts"]["rejected"] == len(rejected)  # the figures stay
    client_request.get_response("jobs.download", _expected_status=404, job_id=job.id, name="rejects.csv")
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one("[data-files-expired]") is not None and page.select("a[download]") == []
    assert files.purge_expired() == []  # once


def test_an_import_without_rejects_leaves_no_folder(app, db, auth, client_request, tmp_path):
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, _clean_file(tmp_path / "clean.csv"))
    job = db.session.scalar(select(Job))
    assert job.status == "done" and job.result["files"] == []
    assert not files.folder_of(job.id).exists()


def test_a_failed_import_keeps_its_upload_for_a_retry_until_it_expires(
    app, db, auth, client_request, tmp_path, frozen_clock
):
    client_request.login("admin", "admin", "city")
    path = _clean_file(tmp_path / "clean.csv")

    def prepare(job, folder):
        (folder / "source.csv").write_bytes(b"\xff\xfe\x00garbage")  # unreadable after the upload checks
        job.params = {"file": "source.csv", "filename": "clean.csv"}

    owner = auth.create("admin", "admin", "city")
    job = runtime.create_job("subjects.import", owner=owner, title="clean.csv", prepare=prepare)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed"
    source = files.folder_of(job.id) / "source.csv"
    assert source.is_file()  # kept: "run it again" needs it

    frozen_clock.set(clock.now() + timedelta(days=app.config["JOB_FILES_DAYS"], minutes=1))
    assert files.purge_expired() == [job.id] and not source.exists()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert runtime.retry(job) is False  # nothing left to run again
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one("[data-files-expired]") is not None
    assert page.select_one(f"form[action='{client_request.url_for('jobs.retry', job_id=job.id)}']") is None
    assert path.is_file()


def test_deleting_a_job_deletes_its_folder_once_committed(app, db, auth, client_request, tmp_path):
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, subject_file_with_rejects(tmp_path / "s.csv", 1200)[0])
    job = db.session.scalar(select(Job))
    folder = files.folder_of(job.id)
    assert folder.is_dir()
    db.session.delete(job)
    db.session.flush()
    db.session.rollback()
    assert folder.is_dir()  # not deleted after all: the files stay
    db.session.delete(db.session.get(Job, job.id))
    db.session.commit()
    assert not folder.exists()


def test_the_worker_runs_the_purge_periodically():
    from fieldapp.extensions import huey

    assert "fieldapp.purge_job_files" in {task.__name__ for task in huey._registry._periodic_tasks}
