"""The job queue's SQLite file opened by several processes at once, as on a first start (the web
server and the worker) or by two test workers: each asks SQLite to switch the new file to WAL, and
SQLite refuses one of them at once rather than deadlock ("database is locked", no busy wait). A CI
run lost half its tests to it when a worker's set-up failed so. Without the retry in
``JobQueue.configure`` about one process in sixty failed here."""

from __future__ import annotations

import multiprocessing

PROCESSES, TRIALS = 8, 8


def _open_queue(path: str, barrier, out) -> None:
    from huey.storage import MemoryStorage

    from fieldapp.extensions import JobQueue

    barrier.wait()
    try:
        JobQueue("race", results=False, storage_class=MemoryStorage).configure({"HUEY_SQLITE_PATH": path})
        out.put("opened")
    except Exception as exc:  # the test reports it
        out.put(repr(exc))


def test_processes_opening_a_new_queue_file_at_once_all_open_it(tmp_path):
    context = multiprocessing.get_context("fork")
    outcomes = []
    for trial in range(TRIALS):
        path = str(tmp_path / f"queue{trial}.sqlite")
        barrier, out = context.Barrier(PROCESSES), context.Queue()
        processes = [context.Process(target=_open_queue, args=(path, barrier, out)) for _ in range(PROCESSES)]
        for process in processes:
            process.start()
        outcomes += [out.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
    assert outcomes == ["opened"] * (PROCESSES * TRIALS), [o for o in outcomes if o != "opened"]
