"""A cached page is compressed once: its brotli and gzip forms are kept beside it, decode to the page itself,
and follow the page when its content changes. Responses that are not cached pages are compressed per request."""

from __future__ import annotations

import gzip

import brotli
import pytest

BR = {"Accept-Encoding": "br"}
GZIP = {"Accept-Encoding": "gzip"}


def compressed_stats(app) -> dict:
    from journey_app.web.infra.compression import CACHE_KEY

    return app.extensions[CACHE_KEY].stats()


def test_a_chapter_page_is_compressed_once_and_decodes_to_the_page(app, client):
    plain = client.get("/chapters/G-033").get_data()
    held = compressed_stats(app)["entries"]
    first = client.get("/chapters/G-033", headers=BR)
    assert compressed_stats(app)["entries"] == held + 1                  # kept ...
    misses = compressed_stats(app)["misses"]
    second = client.get("/chapters/G-033", headers=BR)

    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "br"
    assert first.get_data() == second.get_data() and compressed_stats(app)["misses"] == misses   # ... and reused
    assert brotli.decompress(second.get_data()) == plain
    zipped = client.get("/chapters/G-033", headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.get_data()) == plain


def test_each_request_shape_keeps_its_own_compressed_page(app, client):
    for path in ("/chapters/H-205", "/chapters/H-205?hl=166-179", "/chapters/G-033?actions=step", "/"):
        plain = client.get(path).get_data()
        held = compressed_stats(app)["entries"]
        assert brotli.decompress(client.get(path, headers=BR).get_data()) == plain, path
        assert compressed_stats(app)["entries"] == held + 1, path


def test_other_responses_are_compressed_but_not_kept(app, client):
    client.get("/api/scenarios", headers=BR).close()
    held = compressed_stats(app)["entries"]
    body = client.get("/api/scenarios", headers=BR)
    assert body.headers["Content-Encoding"] == "br" and brotli.decompress(body.get_data()).startswith(b"{")
    assert compressed_stats(app)["entries"] == held


def test_an_edited_scenario_changes_the_compressed_page_too(content_copy, make_client):
    from journey_app.runs.scenarios import scenario_library

    client = make_client(content_copy)
    scenario_library(content_copy).recheck = 0
    before = brotli.decompress(client.get("/chapters/G-033", headers=BR).get_data())
    path = content_copy / "scenarios" / "2.6.31" / "g033-irq-enable-quiet.toml"
    path.write_text(path.read_text().replace('title = "', 'title = "Edited: ', 1))
    after = brotli.decompress(client.get("/chapters/G-033", headers=BR).get_data())
    assert b"Edited: " not in before and b"Edited: " in after


def test_a_static_script_is_compressed_once(app, client):
    plain = client.get("/static/js/explorer/main.js").get_data()
    held = compressed_stats(app)["entries"]
    first = client.get("/static/js/explorer/main.js", headers=BR)
    second = client.get("/static/js/explorer/main.js", headers=BR)
    assert compressed_stats(app)["entries"] == held + 1
    assert brotli.decompress(first.get_data()) == brotli.decompress(second.get_data()) == plain


@pytest.mark.parametrize("header, coding", [("br;q=0", None), ("br; q=0.0, gzip", "gzip"), ("gzip;q=0, br", "br"),
                                            ("br;q=0, gzip;q=0", None), ("br;q=0.5, gzip;q=0.4", "br"),
                                            ("BR;Q=0", None), ("Gzip;Q=0, BR;Q=0", None)])
def test_a_coding_of_quality_zero_is_never_sent(client, header, coding):
    response = client.get("/", headers={"Accept-Encoding": header})
    assert response.status_code == 200 and response.headers.get("Content-Encoding") == coding
