"""The service as it runs: a real Huey consumer (killed mid-import, then the retry), and
``python -m fieldapp.serve`` (gunicorn and the worker together, stopped together)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp.jobs import runtime
from fieldapp.jobs.models import Job
from fieldapp.subjects.models import Subject
from job_files import real_queue_config, reject_lines, subject_file_with_rejects

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture
def app_config(tmp_path):
    return real_queue_config(tmp_path)


def _env(app, tmp_path, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        FIELDAPP_INSTANCE=str(tmp_path / "instance"),
        HUEY_SQLITE_PATH=app.config["HUEY_SQLITE_PATH"],
        JOBS_ROOT=app.config["JOBS_ROOT"],
        SECRET_KEY="test",
        HUEY_IMMEDIATE="0",
        # This checkout's code, not another one the virtualenv was installed from (worktrees share one).
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    )
    return env


def _consumer(env) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "huey_consumer"), "fieldapp.worker.huey", "-k", "thread", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _freeze_job_table(db):
    """A connection that holds the job table against writers: the worker cannot commit its next
    batch (each batch commits with its checkpoint) while we look at its progress and kill it."""
    conn = db.engine.raw_connection()
    cur = conn.cursor()
    if db.engine.dialect.name == "sqlite":
        cur.execute("BEGIN IMMEDIATE")
    else:
        cur.execute("LOCK TABLE job IN EXCLUSIVE MODE")
    return conn, cur


def _stop_mid_import(db, consumer, job_id: int, signum) -> tuple[int, int]:
    """Send ``signum`` to the consumer once the job has committed some of its rows and not all,
    looking only while the worker cannot commit (what we see is what it has committed); answers
    the rows done and the total at that moment."""
    try:
        while True:
            conn, cur = _freeze_job_table(db)
            cur.execute("SELECT status, done, total FROM job WHERE id = %s" % int(job_id))
            status, done, total = cur.fetchone()
            if status == "running" and total and 0 < done:
                break
            conn.rollback()
            conn.close()
            assert consumer.poll() is None and status != "done"
            time.sleep(0.02)
        consumer.send_signal(signum)
        if signum == signal.SIGKILL:
            consumer.wait(timeout=30)
        conn.rollback()  # a stopping consumer gives its job back: it needs the table
        conn.close()
        consumer.wait(timeout=60)
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.wait()
    return done, total


def test_a_killed_consumer_leaves_nothing_half_imported_and_the_retry_imports_every_row_once(app, db, auth, tmp_path):
    from fieldapp.subjects.jobs import start_import

    path, valid, rejected = subject_file_with_rejects(tmp_path / "big.csv", 20000)
    admin = auth.create("admin", "admin", "city")
    env = _env(app, tmp_path, JOB_STALE_SECONDS="1")

    class Upload:
        filename = "big.csv"

        def save(self, dest):
            dest.write_bytes(path.read_bytes())

    job_id = start_import(Upload(), admin, batch_size=200).id
    done, total = _stop_mid_import(db, _consumer(env), job_id, signal.SIGKILL)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "running" and job.done == done < total == 20000
    committed = db.session.scalar(select(func.count()).select_from(Subject))
    assert 0 < committed < len(valid)
    # A new consumer finds the job silent (JOB_STALE_SECONDS=1), queues it again and finishes it.
    time.sleep(1.2)
    consumer = _consumer(env)
    try:
        _wait(lambda: db.session.get(Job, job_id, populate_existing=True).finished, 240, "the retried import")
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job.status == "done" and job.attempt == 2 and job.done == 20000
    assert job.result["counts"]["created"] == len(valid) and job.result["counts"]["rejected"] == len(rejected)
    idents = list(db.session.scalars(select(Subject.ident)))
    assert len(idents) == len(set(idents)) == len(valid) and set(idents) == valid
    assert sorted(reject_lines(runtime.job_folder(job_id) / "rejects.csv")) == sorted(rejected)


def test_a_consumer_stopped_with_sigterm_gives_its_job_back_and_the_next_one_finishes_it(app, db, auth, tmp_path):
    """systemd's stop or restart: the job does not stay "running" until taken for dead; it is queued
    again at once, and the next consumer resumes it (no JOB_STALE_SECONDS wait) with every row once."""
    from fieldapp.subjects.jobs import start_import

    path, valid, rejected = subject_file_with_rejects(tmp_path / "big.csv", 20000)
    admin = auth.create("admin", "admin", "city")
    env = _env(app, tmp_path)  # JOB_STALE_SECONDS at its default (300 s): the stale path cannot be what resumes it

    class Upload:
        filename = "big.csv"

        def save(self, dest):
            dest.write_bytes(path.read_bytes())

    job_id = start_import(Upload(), admin, batch_size=200).id
    consumer = _consumer(env)
    done, total = _stop_mid_import(db, consumer, job_id, signal.SIGTERM)
    assert consumer.returncode == 0
    job = db.session.get(Job, job_id, populate_existing=True)
    assert (job.status, job.stage, job.attempt) == ("queued", runtime.INTERRUPTED, 1)
    assert done <= job.done < total == 20000
    consumer = _consumer(env)
    try:
        _wait(lambda: db.session.get(Job, job_id, populate_existing=True).finished, 240, "the resumed import")
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job.status == "done" and job.attempt == 2 and job.done == 20000
    assert job.result["counts"]["created"] == len(valid) and job.result["counts"]["rejected"] == len(rejected)
    idents = list(db.session.scalars(select(Subject.ident)))
    assert len(idents) == len(set(idents)) == len(valid) and set(idents) == valid


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthz(port: int):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


def _serve(app, tmp_path, port):
    env = _env(app, tmp_path, HOST="127.0.0.1", PORT=str(port), WEB_WORKERS="1", WEB_THREADS="2", WORKER_THREADS="1")
    return subprocess.Popen(
        [sys.executable, "-m", "fieldapp.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_serve_runs_gunicorn_and_the_worker_and_ctrl_c_stops_both(app, db, tmp_path):
    port = _free_port()
    serve = _serve(app, tmp_path, port)
    try:
        health = _wait(lambda: (h := _healthz(port)) and h["queue"].get("worker") == "ok" and h, 120, "/healthz")
        assert health["status"] == "ok" and health["database"] == "ok" and health["queue"]["backend"] == "sqlite"
        children = _children(serve.pid)
        assert len(children) == 2
        commands = [
            subprocess.run(["ps", "-o", "args=", "-p", str(c)], capture_output=True, text=True).stdout for c in children
        ]
        assert any("gunicorn" in c for c in commands) and any("huey_consumer" in c for c in commands)
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        assert serve.wait(timeout=60) == 0
        _wait(lambda: not any(_alive(c) for c in children), 30, "both children to stop")
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_serve_stops_the_web_server_when_the_worker_dies(app, db, tmp_path):
    port = _free_port()
    serve = _serve(app, tmp_path, port)
    try:
        _wait(lambda: (h := _healthz(port)) and h["queue"].get("worker") == "ok", 120, "/healthz")
        web, worker = sorted(
            _children(serve.pid),
            key=lambda c: (
                "huey" in subprocess.run(["ps", "-o", "args=", "-p", str(c)], capture_output=True, text=True).stdout
            ),
        )
        os.kill(worker, signal.SIGKILL)
        assert serve.wait(timeout=60) == 1  # the service is down as a whole, and says so
        _wait(lambda: not _alive(web), 30, "the web server to stop")
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
