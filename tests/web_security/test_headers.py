"""Security headers on every response (pages, JSON twins, API, static files, errors of every kind),
HTML that the CSP does not have to forgive (no inline script, handlers or style attributes), and
localhost by default for `journey serve` and the gunicorn settings."""

from __future__ import annotations

import importlib
import sys
from html.parser import HTMLParser

import pytest
from flask import abort, request

from journey_app.settings import Settings
from journey_app.web import create_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(Settings(cache_dir=tmp_path_factory.mktemp("cache")))

    # Test-only routes for the error paths the real routes do not reach on demand.
    @app.post("/__test/echo")
    def _echo():
        return {"bytes": len(request.get_data())}

    @app.get("/__test/boom")
    def _boom():
        raise RuntimeError("boom")

    @app.get("/__test/forbidden")
    def _forbidden():
        abort(403)

    return app


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def _first_chapter(client) -> dict:
    data = client.get("/index.json").get_json()
    return (data.get("journey_order") or data["file_order"])[0]


def _responses(client):
    chapter = _first_chapter(client)
    version = client.get("/api/versions").get_json()["versions"][-1]
    yield "contents page", client.get("/")
    yield "contents twin", client.get("/index.json")
    yield "versioned contents", client.get(f"/v/{version}/")
    yield "chapter page", client.get(chapter["url"])
    yield "chapter twin", client.get(chapter["json"])
    yield "chapter by id", client.get("/chapters/G-033")
    yield "source page", client.get(f"/source/{version}/{chapter['file']}")
    yield "embed view", client.get(chapter["url"] + "?embed=1")
    yield "healthz", client.get("/healthz")
    yield "api versions", client.get("/api/versions")
    yield "openapi", client.get("/api/openapi.json")
    yield "static css", client.get("/static/css/journey.css")
    yield "static missing", client.get("/static/nope.css")
    yield "HEAD", client.head("/")
    yield "OPTIONS", client.options("/healthz")
    yield "404 page", client.get("/no/such/page")
    yield "404 api", client.get("/api/no-such-route")
    yield "404 chapter", client.get("/chapters/G-999")
    yield "404 chapter twin", client.get("/chapters/G-999.json")
    yield "404 version", client.get("/v/0.0.0/")
    yield "405", client.post("/healthz")
    yield "403", client.get("/__test/forbidden")
    yield "413", client.post("/__test/echo", data=b"x" * (Settings().max_request_bytes + 1),
                             content_type="application/octet-stream")
    yield "500", client.get("/__test/boom")


def test_every_kind_of_response_carries_the_security_headers(client):
    seen = set()
    for label, resp in _responses(client):
        seen.add(resp.status_code)
        h = resp.headers
        csp = h.get("Content-Security-Policy", "")
        assert csp.startswith("default-src 'self'"), (label, resp.status_code, csp)
        directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
        assert "'unsafe-inline'" not in directives.get("script-src", ""), label
        assert "'unsafe-eval'" not in directives.get("script-src", ""), label
        assert directives.get("object-src") == "'none'", label
        assert directives.get("base-uri") == "'none'", label
        assert h.get("X-Content-Type-Options") == "nosniff", label
        assert h.get("Referrer-Policy") == "no-referrer", label
        assert h.get("Cross-Origin-Opener-Policy") == "same-origin", label
        assert "camera=()" in h.get("Permissions-Policy", ""), label
        if "embed=1" not in label and label != "embed view":
            assert h.get("X-Frame-Options") == "SAMEORIGIN", label
            assert directives.get("frame-ancestors") == "'self'", label
        assert "Werkzeug" not in h.get("Server", ""), label
        resp.close()    # a static file's response holds the file open until closed
    assert {200, 404, 405, 413, 500} <= seen, seen


def test_embed_view_may_be_framed_but_nothing_else(client):
    chapter = _first_chapter(client)
    embed = client.get(chapter["url"] + "?embed=1")
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    normal = client.get(chapter["url"])
    assert normal.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("path, where", [
    ("/v/2.6.31", "/v/2.6.31/"),                    # strict slashes
    ("/v/2.6.31?x=1", "/v/2.6.31/?x=1"),
    ("/chapters//G-033", "/chapters/G-033"),        # merged slashes
    ("/chapters/G:033", "/chapters/G-033"),         # the app's own redirect
])
def test_redirects_do_not_repeat_the_clients_host(client, path, where):
    """Werkzeug's routing redirects are absolute URLs made from the Host header (a cacheable 308 that a
    forged Host would poison); every redirect to this site is relative."""
    resp = client.get(path, headers={"Host": "evil.example"})

    assert 300 <= resp.status_code < 400
    assert resp.headers["Location"] == where


@pytest.mark.parametrize("location, relative", [
    ("http://localhost//evil.example/x", "/evil.example/x"),      # not the scheme-relative //evil.example/x
    ("http://localhost///evil.example", "/evil.example"),
    ("https://localhost/a//b?q=1", "/a//b?q=1"),                 # only the leading slashes matter
    ("http://localhost", "/"),
    ("http://other.example/x", "http://other.example/x"),       # another host: left alone
    ("/already/relative", "/already/relative"),
])
def test_a_relative_location_never_names_another_host(app, location, relative):
    """A path that begins with two slashes is a scheme-relative URL: dropping scheme and host from
    http://localhost//evil.example/x must not send the browser to evil.example."""
    from journey_app.web.infra.security import relative_location

    with app.test_request_context("/", headers={"Host": "localhost"}):
        assert relative_location(location) == relative


def test_errors_do_not_leak_internals(client):
    resp = client.get("/__test/boom", headers={"Accept": "application/json"})
    assert resp.status_code == 500
    assert b"RuntimeError" not in resp.data and b"Traceback" not in resp.data and b"boom" not in resp.data
    api = client.get("/api/no-such-route")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    too_big = client.post("/__test/echo", data=b"x" * (Settings().max_request_bytes + 1),
                          headers={"Accept": "application/json"})
    assert too_big.status_code == 413


class _InlineFinder(HTMLParser):
    """Collects what `script-src 'self'` / `style-src 'self'` would block in a browser."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> inline event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=...> inline style attribute")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
            if name in ("href", "src") and (value or "").startswith(("http://", "https://", "//")) and tag != "a":
                self.problems.append(f"<{tag} {name}={value}> third-party resource")
        if tag == "script":
            # A JSON data block (the explorer's first run) is never executed, so script-src does not apply.
            data_block = (names.get("type") or "").lower() == "application/json"
            self._in_script = "src" not in names and not data_block
        if tag == "style":
            self.problems.append("<style> element (inline style)")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def test_html_pages_need_no_inline_script_or_style(client):
    chapter = _first_chapter(client)
    version = client.get("/api/versions").get_json()["versions"][-1]
    for path in ("/", chapter["url"], chapter["url"] + "?embed=1", f"/source/{version}/{chapter['file']}",
                 "/no/such/page"):
        resp = client.get(path)
        assert resp.mimetype == "text/html", path
        finder = _InlineFinder()
        finder.feed(resp.get_data(as_text=True))
        assert finder.problems == [], (path, finder.problems[:10])


# ---- localhost by default -----------------------------------------------------------------------

def test_settings_bind_localhost_unless_told_otherwise():
    assert Settings().host == "127.0.0.1"
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({"JOURNEY_HOST": "0.0.0.0"}).host == "0.0.0.0"


def test_journey_serve_binds_localhost_by_default_with_gunicorn(monkeypatch):
    pytest.importorskip("gunicorn")
    from gunicorn.app.base import BaseApplication

    from journey_app.cli import make_parser
    from journey_app.commands import serve

    seen = {}

    def fake_run(self):
        seen["bind"] = list(self.cfg.bind)
        seen["reload"] = self.cfg.reload
        return 0

    monkeypatch.setattr(BaseApplication, "run", fake_run)
    args = make_parser().parse_args(["serve"])
    serve.run(args, Settings.from_env({}))
    assert seen["bind"] == ["127.0.0.1:8000"]
    assert seen["reload"] is False

    args = make_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001"])
    serve.run(args, Settings.from_env({}))
    assert seen["bind"] == ["0.0.0.0:9001"]


def test_journey_serve_without_gunicorn_binds_localhost_and_never_debugs(monkeypatch):
    import werkzeug.serving

    from journey_app.cli import make_parser
    from journey_app.commands import serve

    seen = {}

    def fake_run_simple(host, port, app, **kw):
        seen.update(host=host, port=port, debug=kw.get("use_debugger"), reload=kw.get("use_reloader"),
                    app_debug=app.debug)

    monkeypatch.setitem(sys.modules, "gunicorn.app.base", None)   # as if gunicorn were not installed
    monkeypatch.setattr(werkzeug.serving, "run_simple", fake_run_simple)
    serve.run(make_parser().parse_args(["serve"]), Settings.from_env({}))
    assert seen == {"host": "127.0.0.1", "port": 8000, "debug": False, "reload": False, "app_debug": False}


def test_gunicorn_settings_bind_localhost_by_default_and_disable_debug_features(monkeypatch):
    for var in ("JOURNEY_HOST", "JOURNEY_PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(var, raising=False)
    sys.modules.pop("journey_app.web.gunicorn_conf", None)
    conf = importlib.import_module("journey_app.web.gunicorn_conf")
    try:
        assert conf.bind == ["127.0.0.1:8000"]
        assert conf.reload is False
        assert conf.workers == 2
        assert conf.control_socket_disable is True
    finally:
        sys.modules.pop("journey_app.web.gunicorn_conf", None)


def test_app_is_never_in_debug_mode(app):
    assert app.debug is False
    assert app.config.get("PROPAGATE_EXCEPTIONS") in (None, False)
