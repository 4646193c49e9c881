"""Real app servers for scale-out tests: gunicorn processes on free loopback ports, started with the
production gunicorn settings (journey_app/web/gunicorn_conf.py) and stopped by their own PIDs."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict           # lower-cased names; a repeated header keeps its last value
    body: bytes
    header_list: list = field(default_factory=list)   # (name, value) as sent, repeats included

    def json(self):
        return json.loads(self.body)


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 60) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.getheaders()
        return Response(resp.status, {k.lower(): v for k, v in raw}, resp.read(), list(raw))
    finally:
        conn.close()


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    env: dict = field(repr=False, default_factory=dict)

    def get(self, path: str, **kw) -> Response:
        return request(self.port, "GET", path, **kw)

    def post_json(self, path: str, payload, **kw) -> Response:
        return request(self.port, "POST", path, json.dumps(payload).encode(),
                       {"Content-Type": "application/json"}, **kw)

    def access_log_count(self, needle: str) -> int:
        return sum(1 for line in self.log.read_text(errors="replace").splitlines() if needle in line)

    def stop(self) -> None:
        """Stop this server: SIGTERM to the gunicorn master we started (it stops its workers);
        SIGKILL to its own process group (created for it) only if it does not exit in time."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start_gunicorn(name: str, workdir: Path, env_extra: dict, workers: int = 1,
                   ready_timeout: float = 60) -> Server:
    """Start `gunicorn -c python:journey_app.web.gunicorn_conf 'journey_app.web:create_app()'` on a
    free 127.0.0.1 port with its own cache dir; wait until /healthz answers 200."""
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        cache = workdir / f"{name}-cache"
        cache.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JOURNEY_", "GUNICORN_"))}
        env.update({"JOURNEY_HOST": "127.0.0.1", "JOURNEY_PORT": str(port), "JOURNEY_CACHE": str(cache),
                    "WEB_CONCURRENCY": str(workers), "PYTHONUNBUFFERED": "1"})
        env.update(env_extra)
        log = workdir / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "python:journey_app.web.gunicorn_conf",
                 "journey_app.web:create_app()"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        server = Server(name, port, proc, log, env)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                if server.get("/healthz", timeout=5).status == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.1)
        server.stop()
        last_error = log.read_text(errors="replace")[-3000:]
        if "Address already in use" not in last_error:
            break
    raise RuntimeError(f"gunicorn {name} did not become healthy:\n{last_error}")
