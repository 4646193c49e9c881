"""Scale-out proof: the app is stateless, so any replica serves any request of a session.

Two real gunicorn servers (the production settings in journey_app/web/gunicorn_conf.py) on two
loopback ports, same content, separate cache dirs, one shared submissions database. Requests of one
session alternate between them, and every answer is byte-identical to the other instance's answer.
With an nginx binary (PATH, /usr/sbin/nginx or JOURNEY_NGINX) deploy/nginx.conf is also put in
front of both, as compose.yaml does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from journey_app import paths

from .servers import ROOT, free_port, request, start_gunicorn

# Keys whose values are allowed to differ between two runs of the same request (timings only).
VOLATILE_KEYS = {"elapsed", "elapsed_ms", "duration", "duration_ms", "took_ms", "wall_ms", "request_id"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    work = tmp_path_factory.mktemp("scale")
    shared = {
        "JOURNEY_CONTENT": str(paths.bundled_content_root()),
        # The only shared state of a deployment: the submissions store.
        "DATABASE_URL": f"sqlite:///{work / 'shared-submissions.sqlite3'}",
    }
    servers = []
    try:
        servers.append(start_gunicorn("a", work, shared))
        servers.append(start_gunicorn("b", work, shared))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _normalised(body: bytes, content_type: str):
    if "json" in content_type:
        def strip(value):
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
            if isinstance(value, list):
                return [strip(v) for v in value]
            return value
        return strip(json.loads(body))
    return body


def _site_paths(server) -> list[str]:
    index = server.get("/index.json")
    assert index.status == 200, index.body[:500]
    data = index.json()
    paths_ = ["/healthz", "/", "/index.json", "/api/versions"]
    for chapter in (data.get("file_order") or data.get("journey_order") or [])[:40]:
        paths_ += [chapter["url"], chapter["json"]]
    return paths_


def test_two_instances_answer_every_page_and_twin_identically(pair):
    a, b = pair
    site = _site_paths(a)
    assert len(site) > 6, "expected chapters in /index.json"
    for i, path in enumerate(site):
        first, second = (a, b) if i % 2 == 0 else (b, a)   # alternate which instance is asked first
        one, two = first.get(path), second.get(path)
        assert one.status == 200, (first.name, path, one.status, one.body[:300])
        assert two.status == one.status, (path, one.status, two.status)
        assert one.body == two.body, f"{path}: instance {first.name} and {second.name} differ"
        assert one.headers.get("content-type") == two.headers.get("content-type")
    # Both instances really served (gunicorn access log on stdout).
    for server in pair:
        assert server.access_log_count('"GET /chapters/') >= len(site) // 2 - 2, server.log.read_text()[-2000:]


def test_one_session_alternating_between_instances_sees_one_site(pair):
    """A reader's session: contents, then chapter after chapter, each request to the other instance."""
    a, b = pair
    index = a.get("/index.json").json()
    chapters = (index.get("journey_order") or index.get("file_order"))[:10]
    servers = [a, b]
    for i, chapter in enumerate(chapters):
        here, there = servers[i % 2], servers[(i + 1) % 2]
        page = here.get(chapter["url"])
        twin = there.get(chapter["json"])                 # the page's data from the other replica
        assert page.status == twin.status == 200
        assert chapter["id"] in page.body.decode()
        assert twin.json()["chapter"]["id"] == chapter["id"]
        assert here.get(chapter["json"]).body == twin.body
        # "next" from one replica is followed on the other
        if twin.json().get("next"):
            nxt = twin.json()["next"].replace(":", "-")
            assert here.get(f"/chapters/{nxt}.json").body == there.get(f"/chapters/{nxt}.json").body


# ---- the explorer API part: one run, its requests alternating between instances ------------------

def _has_run_api(server) -> bool:
    if importlib.util.find_spec("journey_app.web.explorer.api") is None:
        return False
    spec = server.get("/api/openapi.json")
    if spec.status != 200:
        return False
    return "post" in spec.json().get("paths", {}).get("/api/run", {})


def _scenarios(server) -> list[str]:
    for path in ("/api/scenarios", "/api/v/2.6.31/scenarios"):
        resp = server.get(path)
        if resp.status == 200:
            data = resp.json()
            items = data.get("scenarios", data) if isinstance(data, dict) else data
            ids = [item["id"] if isinstance(item, dict) else item for item in items]
            if ids:
                return ids
    folder = paths.bundled_content_root() / "scenarios"
    return sorted(p.stem for p in folder.glob("*/*.toml"))


def test_one_run_alternating_between_instances_gives_identical_results(pair):
    a, b = pair
    if not _has_run_api(a):
        pytest.skip("explorer API (POST /api/run in /api/openapi.json) is not there yet")
    scenarios = _scenarios(a)
    if not scenarios:
        pytest.skip("the content has no run scenarios yet (GET /api/scenarios is empty)")
    scenario = scenarios[0]
    # The run grows one action at a time, as the explorer's Step button does; each request goes
    # to the other instance than the previous one, and the other instance must agree exactly.
    steps = ["step", "step", "step 5", "run_until hypercall", "step", "host_check", "step 3"]
    servers = [a, b]
    previous = None
    for k in range(1, len(steps) + 1):
        payload = {"scenario": scenario, "actions": "\n".join(steps[:k])}
        here, there = servers[k % 2], servers[(k + 1) % 2]
        one = here.post_json("/api/run", payload)
        two = there.post_json("/api/run", payload)
        if k == 1 and one.status != 200:
            pytest.fail(f"POST /api/run {payload} -> {one.status} {one.body[:500]!r}: adapt the payload "
                        "in tests/scale/test_two_instances.py to the API")
        assert one.status == two.status, (k, one.status, two.status)
        ctype = one.headers.get("content-type", "")
        assert _normalised(one.body, ctype) == _normalised(two.body, ctype), f"run after {k} actions differs"
        previous = one
    assert previous is not None


# ---- nginx in front, as in compose.yaml ----------------------------------------------------------

def _nginx_binary() -> str | None:
    for candidate in (os.environ.get("JOURNEY_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx_site_config(upstream_ports: list[int], listen_port: int) -> str:
    """deploy/nginx.conf with the compose service name replaced by loopback servers."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstream_ports)
    text, n = re.subn(r"^\s*server app:8000[^;]*;\n", servers, text, flags=re.M)
    assert n == 1, "deploy/nginx.conf: expected one `server app:8000 ...;` line in the upstream"
    text, n = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.M)
    assert n == 1, "deploy/nginx.conf: expected `listen 80;`"
    return text


@pytest.fixture(scope="module")
def nginx_front(pair, tmp_path_factory):
    binary = _nginx_binary()
    if binary is None:
        pytest.skip("no nginx binary (apt-get install nginx, or JOURNEY_NGINX=/path/to/nginx)")
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (work / "site.conf").write_text(nginx_site_config([s.port for s in pair], port))
    temp = "".join(f"    {kind}_temp_path {work / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root nginx would switch its worker to `nobody`, which cannot enter pytest's private tmp dir.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};\n" if os.getuid() == 0 else ""
    (work / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {work / 'nginx.pid'};\nerror_log {work / 'error.log'} warn;\n"
        f"daemon off;\nevents {{ worker_connections 128; }}\n"
        f"http {{\n    access_log {work / 'access.log'};\n{temp}    include {work / 'site.conf'};\n}}\n")
    args = [binary, "-p", str(work), "-e", str(work / "error.log"), "-c", str(work / "nginx.conf")]
    check = subprocess.run(args + ["-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    stderr = open(work / "stderr.log", "wb")  # noqa: SIM115 (closed below, once nginx has stopped)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if request(port, "GET", "/healthz", timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail((work / "error.log").read_text())
        yield port
    finally:
        proc.terminate()   # the nginx master we started; it stops its own worker
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stderr.close()


def test_nginx_config_balances_over_both_instances(pair, nginx_front):
    before = [s.access_log_count('"GET /index.json') for s in pair]
    bodies = {request(nginx_front, "GET", "/index.json").body for _ in range(12)}
    after = [s.access_log_count('"GET /index.json') for s in pair]
    assert len(bodies) == 1, "replicas answered differently"
    assert all(x > y for x, y in zip(after, before, strict=True)), f"round robin did not reach both: {before} -> {after}"


def test_nginx_rejects_oversized_bodies_in_the_app_error_shape(nginx_front):
    resp = request(nginx_front, "POST", "/api/versions", body=b"x" * (300 * 1024),
                   headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert resp.json()["error"]["code"] == "too_large"
    assert resp.headers["content-security-policy"].startswith("default-src 'self'")
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_nginx_passes_app_security_headers_once(nginx_front):
    for path in ("/healthz", "/chapters/G-033", "/static/css/journey.css", "/no-such-page"):
        resp = request(nginx_front, "GET", path)
        names = [k.lower() for k, _ in resp.header_list]
        assert names.count("content-security-policy") == 1, (path, resp.header_list)
        assert names.count("x-content-type-options") == 1, (path, resp.header_list)
        assert "server" not in names or "nginx/" not in resp.headers["server"]   # server_tokens off
