"""One command for the whole service: the web server and the job worker side by side.

    python -m fieldapp.serve          # gunicorn (gunicorn.conf.py) + huey_consumer   (make run)
    python -m fieldapp.serve --dev    # Flask's reloading development server + huey_consumer  (make dev)

Ctrl-C (or SIGTERM) stops both: each gets SIGTERM, then SIGKILL if it has not stopped in time. If
either stops by itself the other is stopped too and the exit status says which failed, so a
process manager sees one service that is up or down. The children run in process groups of their
own, so a terminal's Ctrl-C reaches them only through here, in order."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 25


def commands(dev: bool, host: str, port: str) -> dict[str, list[str]]:
    from .config import queue_settings, instance_folder

    bin_dir = Path(sys.executable).parent
    if dev:
        web = [str(bin_dir / "flask"), "--app", "wsgi", "run", "--debug", "--host", host, "--port", port]
    else:
        web = [str(bin_dir / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"]
    threads = str(queue_settings(instance_folder())["WORKER_THREADS"])
    worker = [str(bin_dir / "huey_consumer"), "fieldapp.worker.huey", "-k", "thread", "-w", threads]
    return {"web": web, "worker": worker}


def stop(children: dict[str, subprocess.Popen]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="Flask's development server with the reloader")
    args = parser.parse_args(argv)
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    children = {
        name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        for name, cmd in commands(args.dev, host, port).items()
    }
    print(
        f"fieldapp: web (pid {children['web'].pid}) on http://{host}:{port}, "
        f"worker (pid {children['worker'].pid}); Ctrl-C stops both",
        flush=True,
    )
    status = 0
    try:
        while not stopping:
            ended = {name: p.returncode for name, p in children.items() if p.poll() is not None}
            if ended:
                for name, code in ended.items():
                    print(f"fieldapp: the {name} process stopped (exit {code}); stopping the rest", file=sys.stderr)
                status = 1
                break
            time.sleep(0.5)
    finally:
        stop(children)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
