"""Serve the app under gunicorn (gunicorn.conf.py) beside a bare Flask endpoint in the same server,
and drive it with wrk at a fixed concurrency: ``bench_public_search.py`` uses this.

The bare endpoint is mounted at ``/bare`` by ``bench/served_wsgi.py``: the same workers, threads and
connection handling, so "N% of bare" is what the page itself costs."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from subprocess import PIPE
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK_THREADS, WRK_CONNECTIONS = 2, 4
SPREAD_TRIES = 5  # wrk starts again (up to this often) while a worker holds none of its connections
WORKERS: dict[int, int] = {}  # port → workers of the Gunicorn serving it
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
# gunicorn and wrk each run in a session of their own, as a server under systemd and a client on
# another machine would. Linux schedules each session as one group (autogroup): with wrk in
# gunicorn's group, the two shared one group's CPU against PostgreSQL's, and a worker thread whose
# one-row read PostgreSQL had already answered (no statement over 100 ms in the server's log, none
# active in pg_stat_activity) waited up to 5 s to run again. That was the p99 of 0.3-1.5 s on
# PostgreSQL's cached pages (SQLite reads in-process and never showed it); each in a session of its
# own, or with autogroup off, the same runs gave p99 of 3-14 ms.
OWN_SESSION = True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, instance: str, workers: int = 2, threads: int = 4, env: dict | None = None):
        self.port = free_port()
        WORKERS[self.port] = workers
        env = dict(
            os.environ,
            **(env or {}),
            DATABASE_URL=database_url,
            FIELDAPP_INSTANCE=instance,
            SECRET_KEY="bench",
            WEB_BIND=f"127.0.0.1:{self.port}",
            WEB_WORKERS=str(workers),
            WEB_THREADS=str(threads),
            LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
            LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                os.devnull,
                "bench.served_wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=OWN_SESSION,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if self.get("/bare/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"User-Agent": "bench", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body, response

    def login(self, username: str, password: str) -> str:
        """A session cookie for ``username`` (through the login form, as a browser)."""
        status, body, response = self.get("/login")
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', body)
        csrf = (token.group(1) or token.group(2)).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        form = f"username={username}&password={password}&csrf_token={csrf}"
        conn.request(
            "POST",
            "/login",
            body=form,
            headers={"User-Agent": "bench", "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 302:
            raise SystemExit(f"bench login failed: {response.status}")
        return next(c.split(";")[0] for c in response.msg.get_all("Set-Cookie") if c.startswith("session="))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def idle_worker(port: int) -> bool:
    """Whether one of the server's workers holds none of wrk's connections, a second after it began.

    A keep-alive connection stays with the worker that accepted it, and when wrk opens its four at
    once one worker often takes them all: the other then idles through the run, which measured
    about half the throughput (whatever the page: bare endpoint and cached pages alike, so a
    figure's share of bare swung by up to 2×; a warm 2-character search once read 19.7%).
    Unknown (no ``ss``, a server not started here): False."""
    workers = WORKERS.get(port, 1)
    if workers < 2 or shutil.which("ss") is None:
        return False
    time.sleep(1.0)
    found = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    )
    return len(set(re.findall(r"pid=(\d+)", found.stdout))) < workers


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(port: int, paths: list[str], headers: dict | None = None, seconds: int = 10) -> dict:
    """Requests per second and p99 (ms) over ``paths`` in turn, WRK_CONNECTIONS at a time."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make system-deps installs it)")
    headers = {"User-Agent": "bench", "Accept-Language": "zh-CN", **(headers or {})}
    lua = ["paths = {" + ",".join(_lua_string(p) for p in paths) + "}", "i = 0"]
    # Quoted: an ETag holds double quotes (unescaped, wrk dropped the script and asked for / instead).
    lua += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    lua.append("request = function() i = i + 1; return wrk.format('GET', paths[(i % #paths) + 1]) end")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lua))
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", script.name]
    try:
        for attempt in range(1, SPREAD_TRIES + 1):
            run = subprocess.Popen(
                [*command, f"http://127.0.0.1:{port}"],
                stdout=PIPE,
                stderr=PIPE,
                text=True,
                start_new_session=OWN_SESSION,
            )
            if attempt < SPREAD_TRIES and idle_worker(port):
                run.kill()  # one worker holds every connection and the other idles: start again
                run.wait()
                continue
            stdout, stderr = run.communicate()
            if run.returncode:
                raise SystemExit(f"wrk failed: {stderr.strip()}")
            break
    finally:
        os.unlink(script.name)
    done = subprocess.CompletedProcess(command, 0, stdout, stderr)
    if "error" in done.stderr.lower():  # a script wrk could not run: it would measure GET / instead
        raise SystemExit(f"wrk: {done.stderr.strip()}")
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {
        "rate": rate,
        "p99": float(value) * UNITS[unit],
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }
