"""Static CSS and JavaScript are served minified by esbuild (web/infra/assets.py) at their own URLs: fewer
bytes, the same modules (imports kept), revalidated by ETag, compressed like any text; other files and
errors are Flask's own."""

from __future__ import annotations

import brotli
import pytest

from journey_app import paths
from journey_app.web.infra import assets

pytestmark = pytest.mark.skipif(assets.esbuild() is None, reason="esbuild (Debian package) is not installed")


def test_javascript_is_minified_and_keeps_its_imports(client):
    source = (paths.static_root() / "js" / "explorer" / "main.js").read_bytes()
    response = client.get("/static/js/explorer/main.js")
    body = response.get_data()
    assert response.status_code == 200 and response.mimetype in ("text/javascript", "application/javascript")
    assert len(body) < 0.7 * len(source)
    assert b"// The live explorer" in source and b"// The live explorer" not in body     # comments gone
    assert b'from"./source.js"' in body and b"Explorer" in body      # still an ES module, same imports and exports


def test_stylesheets_are_minified(client):
    source = (paths.static_root() / "css" / "journey.css").read_bytes()
    body = client.get("/static/css/journey.css").get_data()
    assert len(body) < 0.85 * len(source) and b"/*" not in body
    assert b".sl>a" in body                         # the rules are there, written tighter


def test_a_second_request_is_revalidated_by_etag(client):
    first = client.get("/static/js/casm.js")
    etag = first.headers["ETag"]
    again = client.get("/static/js/casm.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_brotli_carries_the_minified_bytes(client):
    plain = client.get("/static/js/explorer/machine.js").get_data()
    response = client.get("/static/js/explorer/machine.js", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.get_data()) == plain


def test_with_the_setting_off_the_file_is_sent_as_written(make_app):
    app = make_app()
    app.config[assets.CONFIG_KEY] = False
    source = (paths.static_root() / "js" / "casm.js").read_bytes()
    with app.test_client() as client:
        response = client.get("/static/js/casm.js")
        assert response.get_data() == source
        response.close()


@pytest.mark.parametrize("path", ["/static/js/nope.js", "/static/../setup.py", "/static/js/../../setup.py",
                                  "/static/css/%2e%2e/%2e%2e/setup.py", "/static/js/a%00.js",
                                  "/static/js/explorer/main.js%00.js"])
def test_missing_or_outside_files_are_404(client, path):
    assert client.get(path).status_code == 404


def test_other_files_are_flasks_own(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data() == (paths.static_root() / "favicon.svg").read_bytes()
    response.close()


def test_warm_minifies_every_script_and_stylesheet_before_any_request(client, monkeypatch):
    static = paths.static_root()
    expected = sum(1 for p in static.rglob("*") if p.suffix in (".js", ".css"))
    assets._MINIFIED.clear()

    assert assets.warm(str(static)) == expected
    monkeypatch.setattr(assets, "esbuild", lambda: None)        # from here on esbuild could not run
    body = client.get("/static/js/casm.js").data
    assert body == assets._MINIFIED[str(static / "js" / "casm.js")][2]
    assert len(body) < (static / "js" / "casm.js").stat().st_size


def test_gunicorn_minifies_in_the_master_before_the_workers_fork():
    from journey_app.web import gunicorn_conf

    assets._MINIFIED.clear()
    gunicorn_conf.on_starting(None)          # the master's hook, before any worker forks and inherits it
    made = {path for path, (_, _, body) in assets._MINIFIED.items() if body is not None}
    assert str(paths.static_root() / "css" / "journey.css") in made and len(made) >= 10
