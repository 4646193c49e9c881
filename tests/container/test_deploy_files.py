"""The deployment files agree with each other and with the app (fast; no container engine needed):
compose.yaml parses and references files that exist, nginx's limits match the app's, the Dockerfile
keeps its promises (non-root, healthcheck, toolchain, read-only friendly), gunicorn_conf only uses
real gunicorn settings, and docs/deploy.md documents every setting."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from journey_app.settings import SETTINGS_DOC, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
NGINX = ROOT / "deploy" / "nginx.conf"
DOCKERFILE = ROOT / "Dockerfile"
DOCS = ROOT / "docs" / "deploy.md"


def _interpolate(value, env: dict | None = None):
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} with an empty environment."""
    env = env or {}

    def sub(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":-":
            return arg
        if op == ":?":
            return f"<{name}>"
        return ""

    if isinstance(value, str):
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}", sub, value)
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    return value


@pytest.fixture(scope="module")
def compose():
    yaml = pytest.importorskip("yaml")
    return _interpolate(yaml.safe_load(COMPOSE.read_text()))


def test_compose_has_nginx_in_front_of_replicas_and_postgres(compose):
    services = compose["services"]
    assert {"app", "nginx", "db"} <= set(services)
    app, nginx, db = services["app"], services["nginx"], services["db"]

    assert int(app["deploy"]["replicas"]) >= 2
    assert "ports" not in app, "replicas are reached through nginx only"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://journey:<POSTGRES_PASSWORD>@db:5432/")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["read_only"] is True and any(t.startswith("/tmp") for t in app["tmpfs"])
    assert "JOURNEY_DEBUG" not in app["environment"] and "FLASK_DEBUG" not in app["environment"]

    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"
    assert any(str(p).endswith(":80") for p in nginx["ports"])
    assert db["image"].startswith("postgres:")
    assert db["environment"]["POSTGRES_PASSWORD"] == "<POSTGRES_PASSWORD>", "the password must come from the environment"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_references_existing_files(compose):
    app = compose["services"]["app"]
    context = ROOT / app["build"]["context"]
    assert (context / app["build"].get("dockerfile", "Dockerfile")).is_file()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in compose.get("volumes", {}), f"{name}: named volume {source} not declared"


def test_compose_secrets_only_from_the_environment():
    text = COMPOSE.read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert re.search(r"JOURNEY_INSTRUCTOR_TOKEN:\s*\$\{JOURNEY_INSTRUCTOR_TOKEN", text)
    assert not re.search(r"PASSWORD:\s*['\"]?\w+['\"]?\s*$", text, re.M), "a literal password in compose.yaml"


def _nginx_size(value: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024 * 1024}
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", value).groups()
    return int(number) * units[unit.lower()]


def test_nginx_config_matches_the_app():
    text = NGINX.read_text()
    body = re.search(r"client_max_body_size\s+(\S+);", text).group(1)
    assert _nginx_size(body) == Settings().max_request_bytes
    assert re.search(r"upstream\s+journey_app\s*\{[^}]*server app:8000", text)
    assert "proxy_pass http://journey_app;" in text
    for header in ("Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert re.search(rf"proxy_set_header {header} ", text), header
    timeout = int(re.search(r"proxy_read_timeout (\d+)s;", text).group(1))
    conf = _gunicorn_conf({})
    assert timeout > conf.timeout, "nginx must wait longer than gunicorn's worker timeout"
    assert "server_tokens off;" in text
    assert text.count("{") == text.count("}")


def test_dockerfile_keeps_its_promises():
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG BASE_IMAGE=localhost/debian:bookworm-slim$", text, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    install = re.search(r"apt-get install -y --no-install-recommends ([^\\&\n]+)", text).group(1).split()
    assert {"python3", "python3-venv", "binutils", "cpp"} <= set(install)
    assert "rm -rf /var/lib/apt/lists/*" in text
    # dependencies before code
    assert text.index("\nCOPY build/container/wheels/requirements.txt") < text.index("\nCOPY build/container/dist/")
    assert "--no-deps" in text and "--no-index" in text
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and not user[-1].startswith(("0", "root"))
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert "JOURNEY_CACHE=/tmp/journey-cache" in text
    assert "JOURNEY_HOST=0.0.0.0" in text and "JOURNEY_PORT=8000" in text
    assert "WEB_CONCURRENCY=2" in text
    assert "python:journey_app.web.gunicorn_conf" in text and "journey_app.web:create_app()" in text
    assert "EXPOSE 8000" in text
    assert not re.search(r"DEBUG|--reload", text)
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert dockerignore[dockerignore.index("*") if "*" in dockerignore else 0] == "*"
    assert "!build/container/wheels/" in dockerignore and "!build/container/dist/" in dockerignore


def _gunicorn_conf(env: dict):
    saved = dict(__import__("os").environ)
    import os

    for var in ("JOURNEY_HOST", "JOURNEY_PORT", "WEB_CONCURRENCY", "JOURNEY_BUILD_TIMEOUT"):
        os.environ.pop(var, None)
    os.environ.update(env)
    try:
        sys.modules.pop("journey_app.web.gunicorn_conf", None)
        return importlib.import_module("journey_app.web.gunicorn_conf")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sys.modules.pop("journey_app.web.gunicorn_conf", None)


def test_gunicorn_conf_uses_only_real_gunicorn_settings():
    gunicorn_config = pytest.importorskip("gunicorn.config")
    known = {s.name for s in gunicorn_config.KNOWN_SETTINGS}
    conf = _gunicorn_conf({})
    names = {n for n in vars(conf) if not n.startswith("_") and n not in ("annotations", "os", "Settings")
             and not callable(getattr(conf, n))}
    assert names <= known, names - known
    assert {"bind", "workers", "timeout", "limit_request_line", "limit_request_field_size",
            "control_socket_disable", "accesslog"} <= names


def test_gunicorn_conf_reads_bind_and_workers_from_the_environment():
    conf = _gunicorn_conf({"JOURNEY_HOST": "0.0.0.0", "JOURNEY_PORT": "8123", "WEB_CONCURRENCY": "5"})
    assert conf.bind == ["0.0.0.0:8123"] and conf.workers == 5
    conf = _gunicorn_conf({"JOURNEY_HOST": "::1", "WEB_CONCURRENCY": "nonsense"})
    assert conf.bind == ["[::1]:8000"] and conf.workers == 2
    conf = _gunicorn_conf({})
    assert conf.bind == ["127.0.0.1:8000"] and conf.workers == 2
    assert conf.accesslog == "-" and conf.control_socket_disable is True and conf.reload is False
    assert conf.timeout >= 3 * Settings().build_timeout


def test_gunicorn_conf_loads_in_gunicorn_itself():
    pytest.importorskip("gunicorn")
    from gunicorn.app.wsgiapp import WSGIApplication

    saved = sys.argv
    sys.argv = ["gunicorn", "--config", "python:journey_app.web.gunicorn_conf", "journey_app.web:create_app()"]
    try:
        app = WSGIApplication()
    finally:
        sys.argv = saved
        sys.modules.pop("journey_app.web.gunicorn_conf", None)
    assert app.cfg.control_socket_disable is True
    assert app.cfg.limit_request_line == 8190
    assert app.cfg.accesslog == "-"


def test_deploy_docs_cover_every_setting_and_the_one_command():
    text = DOCS.read_text()
    for name, (var, _default, _meaning) in SETTINGS_DOC.items():
        assert f"`{var}`" in text, f"docs/deploy.md does not document {var} ({name})"
    for var in ("WEB_CONCURRENCY", "POSTGRES_PASSWORD", "JOURNEY_REPLICAS", "JOURNEY_NATIVE_WRITELOG"):
        assert f"`{var}`" in text, var
    assert "docker run -p 8000:8000" in text
    assert "--read-only --tmpfs /tmp" in text
    assert "tests/container/run_container_test.sh" in text
